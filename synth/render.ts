/**
 * Turns a recorded program run into the files reviewers and scanners read: resources.json,
 * one YAML manifest per Kubernetes object, a Mermaid graph and a one-screen summary.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";
import { describeEstimate, estimateDeployTime } from "./estimate";
import { type ProgramRun, type RecordedResource, SECRET_MASK } from "./recording";

/**
 * What resources.json keeps of each recorded resource, in this order: everything but the mocks'
 * answers (state), the unmasked inputs and whether it is a custom resource.
 */
const ENTRY_FIELDS = [
  "urn",
  "type",
  "name",
  "parent",
  "provider",
  "dependencies",
  "protect",
  "inputs",
] as const satisfies readonly (keyof RecordedResource)[];

export type ResourceEntry = Pick<RecordedResource, (typeof ENTRY_FIELDS)[number]>;

export function resourceEntries(run: ProgramRun): ResourceEntry[] {
  return run.resources.map((r) => {
    const entry = Object.fromEntries(ENTRY_FIELDS.map((field) => [field, r[field]])) as ResourceEntry;
    if (r.type === "kubernetes:core/v1:Secret") entry.inputs = maskSecretData(r.inputs);
    return entry;
  });
}

/** The Kubernetes provider treats all of a Secret's data as secret; so do the rendered files. */
function maskSecretData(object: Record<string, unknown>): Record<string, unknown> {
  const masked = { ...object };
  for (const field of ["data", "stringData"]) {
    const values = masked[field] as Record<string, unknown> | undefined;
    if (values) masked[field] = Object.fromEntries(Object.keys(values).map((key) => [key, SECRET_MASK]));
  }
  return masked;
}

export function isKubernetesObject(r: RecordedResource): boolean {
  // A Helm release is the provider's own object (the chart renders in the cluster), not a manifest.
  return r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/");
}

/** The object as the API server would receive it (name filled in where Pulumi auto-names). */
export function manifestOf(r: RecordedResource): Record<string, any> {
  const object =
    r.type === "kubernetes:core/v1:Secret" ? maskSecretData(r.inputs) : structuredClone(r.inputs);
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const name = metadata.name ?? (r.state.metadata as Record<string, unknown> | undefined)?.name;
  const { apiVersion, kind, ...rest } = object as Record<string, unknown>;
  return { apiVersion, kind, ...rest, metadata: { ...metadata, name } };
}

export function manifests(run: ProgramRun): Record<string, any>[] {
  return run.resources.filter(isKubernetesObject).map(manifestOf);
}

function manifestFileName(manifest: Record<string, any>): string {
  const ns = manifest.metadata.namespace ? `${manifest.metadata.namespace}.` : "";
  return `${ns}${String(manifest.kind).toLowerCase()}.${manifest.metadata.name}.yaml`;
}

/** Components as boxes holding their resources; arrows from what is waited for to what waits. */
export function mermaidGraph(run: ProgramRun): string {
  const shown = run.resources.filter(
    (r) => !r.type.startsWith("pulumi:pulumi:Stack") && !r.type.startsWith("pulumi:providers:"),
  );
  const ids = new Map(shown.map((r, i) => [r.urn, `n${i}`]));
  const nodeId = (urn: string) => ids.get(urn)!;
  const byParent = new Map<string, RecordedResource[]>();
  for (const r of shown) byParent.set(r.parent, [...(byParent.get(r.parent) ?? []), r]);
  const label = (r: RecordedResource) => `${r.type.split(":").pop()}<br/>${r.name}`;
  const lines = ["flowchart LR"];
  const emit = (r: RecordedResource, indent: string) => {
    const children = byParent.get(r.urn) ?? [];
    if (!r.custom && children.length > 0) {
      lines.push(`${indent}subgraph ${nodeId(r.urn)}["${label(r)}"]`);
      for (const child of children) emit(child, `${indent}  `);
      lines.push(`${indent}end`);
    } else {
      lines.push(`${indent}${nodeId(r.urn)}["${label(r)}"]`);
    }
  };
  const urns = new Set(shown.map((r) => r.urn));
  for (const r of shown) if (!urns.has(r.parent)) emit(r, "  ");
  for (const r of shown.filter((x) => x.custom)) {
    for (const dependency of r.dependencies) {
      const target = shown.find((x) => x.urn === dependency);
      if (target?.custom) lines.push(`  ${nodeId(dependency)} --> ${nodeId(r.urn)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The values only the mocks made up: fields of a resource's answered state that its inputs
 * did not set (addresses, node ports, generated names, digests). A real deployment decides
 * these, so the summary must not present them as if they were known.
 */
export function mockOnlyValues(run: ProgramRun): Set<string> {
  const found = new Set<string>();
  const leaves = (value: unknown): unknown[] =>
    value && typeof value === "object" ? Object.values(value).flatMap(leaves) : [value];
  const walk = (state: unknown, inputs: unknown, given: Set<unknown>) => {
    if (state && typeof state === "object") {
      for (const [key, value] of Object.entries(state))
        walk(value, (inputs as Record<string, unknown> | undefined)?.[key], given);
      return;
    }
    if (state === inputs || state === SECRET_MASK || given.has(state)) return;
    if (typeof state === "number" || (typeof state === "string" && state.length >= 4))
      found.add(String(state));
  };
  // A computed field that repeats one of the resource's own inputs or its logical name is
  // Pulumi's naming or the provider echoing what it was given, not the mocks' invention.
  for (const r of run.resources) walk(r.state, r.inputs, new Set([r.name, ...leaves(r.inputs)]));
  return found;
}

export const MOCK_MARK = "[mock]";

export function summary(run: ProgramRun, outDir: string): string {
  const kinds = new Map<string, number>();
  for (const m of manifests(run)) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
  const mockValues = [...mockOnlyValues(run)];
  const fromMocks = (value: unknown) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return mockValues.some((mock) => (typeof value === "number" ? text === mock : text.includes(mock)));
  };
  const outputs = Object.entries(run.outputs).map(([key, output]) => {
    const shown = output.secret ? SECRET_MASK : JSON.stringify(output.value);
    return `  ${key.padEnd(18)} ${shown}${!output.secret && fromMocks(output.value) ? `  ${MOCK_MARK}` : ""}`;
  });
  return [
    `stack ${run.stack}: ${run.resources.length} resources, ${manifests(run).length} Kubernetes objects`,
    `  ${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ")}`,
    `outputs (${MOCK_MARK}: made up by the mocks; a real pulumi up decides it):`,
    ...outputs,
    describeEstimate(estimateDeployTime(run.resources)),
    `written to ${outDir}: resources.json, manifests/, graph.mmd`,
  ].join("\n");
}

export function writeSynthOutput(run: ProgramRun, outDir: string): void {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outDir, "manifests"), { recursive: true });
  fs.writeFileSync(path.join(outDir, "resources.json"), `${JSON.stringify(resourceEntries(run), null, 2)}\n`);
  for (const manifest of manifests(run)) {
    fs.writeFileSync(path.join(outDir, "manifests", manifestFileName(manifest)), toYaml(manifest));
  }
  fs.writeFileSync(path.join(outDir, "graph.mmd"), mermaidGraph(run));
}
