/**
 * Turns a recorded program run into the files reviewers and scanners read: resources.json,
 * one YAML manifest per Kubernetes object, a Mermaid graph and the summary (summary.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";
import { isKubernetesObject, kubernetesName, labelParts } from "./names";
import { type ProgramRun, type RecordedResource, SECRET_MASK } from "./recording";
import { summaryMarkdown } from "./summary";

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

/** The object as the API server would receive it (name filled in where Pulumi auto-names). */
export function manifestOf(r: RecordedResource): Record<string, any> {
  const object =
    r.type === "kubernetes:core/v1:Secret" ? maskSecretData(r.inputs) : structuredClone(r.inputs);
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const name = kubernetesName(r);
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

/**
 * Components as boxes holding their resources; arrows from what is waited for to what waits.
 * A Kubernetes object named otherwise in the cluster shows both names (names.ts).
 */
export function mermaidGraph(run: ProgramRun): string {
  const shown = run.resources.filter(
    (r) => !r.type.startsWith("pulumi:pulumi:Stack") && !r.type.startsWith("pulumi:providers:"),
  );
  const ids = new Map(shown.map((r, i) => [r.urn, `n${i}`]));
  const nodeId = (urn: string) => ids.get(urn)!;
  const byParent = new Map<string, RecordedResource[]>();
  for (const r of shown) byParent.set(r.parent, [...(byParent.get(r.parent) ?? []), r]);
  const label = (r: RecordedResource) => labelParts(r).join("<br/>");
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

export function writeSynthOutput(run: ProgramRun, outDir: string): void {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outDir, "manifests"), { recursive: true });
  fs.writeFileSync(path.join(outDir, "resources.json"), `${JSON.stringify(resourceEntries(run), null, 2)}\n`);
  for (const manifest of manifests(run)) {
    fs.writeFileSync(path.join(outDir, "manifests", manifestFileName(manifest)), toYaml(manifest));
  }
  fs.writeFileSync(path.join(outDir, "graph.mmd"), mermaidGraph(run));
  fs.writeFileSync(path.join(outDir, "summary.md"), summaryMarkdown(run));
}
