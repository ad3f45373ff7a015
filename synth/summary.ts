/**
 * The preview's summary: every kind of resource with its count (Kubernetes objects, cloud
 * resources and the rest apart), the outputs with the values only the mocks made up marked,
 * and the deploy-time estimate. Printed by `npm run synth` and written as summary.md.
 */
import { describeEstimate, estimateDeployTime } from "./estimate";
import { isKubernetesObject, shortType } from "./names";
import { type ProgramRun, type RecordedResource, SECRET_MASK } from "./recording";

export const MOCK_MARK = "[mock]";

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

/** Packages whose resources are the cloud's own (billed, created through its APIs). */
const CLOUD_PACKAGES: Record<string, string> = { gcp: "Google Cloud resources" };

/** The product behind the cloud kinds a reader looks for first. */
const PRODUCTS: Record<string, string> = {
  "container.Cluster": "GKE",
  "container.NodePool": "GKE",
  "sql.DatabaseInstance": "Cloud SQL",
  "redis.Instance": "Memorystore",
  "storage.Bucket": "Cloud Storage",
  "compute.BackendBucket": "Cloud CDN",
  "artifactregistry.Repository": "Artifact Registry",
};

const OTHER = "other resources";

export interface KindGroup {
  title: string;
  /** `[count, kind]`, sorted by kind. */
  kinds: [number, string][];
  total: number;
}

/**
 * A kind as a reader finds it elsewhere: a Kubernetes object's `kind`, a cloud resource's
 * class without its package (`sql.DatabaseInstance` for gcp.sql.DatabaseInstance), the rest
 * with their package (`random.RandomPassword`), a component by its class.
 */
function kindOf(r: RecordedResource): { group: string; kind: string } {
  const [pkg = "", module = "", name = ""] = r.type.split(":");
  if (isKubernetesObject(r)) return { group: "Kubernetes objects", kind: String(r.inputs.kind ?? name) };
  if (!r.custom) return { group: "components", kind: shortType(r) };
  if (pkg === "pulumi" && module === "providers") return { group: OTHER, kind: `${name} provider` };
  const area = module.split("/")[0];
  const cloud = CLOUD_PACKAGES[pkg];
  if (cloud) {
    const kind = `${area}.${name}`;
    return { group: cloud, kind: PRODUCTS[kind] ? `${kind} (${PRODUCTS[kind]})` : kind };
  }
  return { group: OTHER, kind: area === "index" ? `${pkg}.${name}` : `${pkg}.${area}.${name}` };
}

/** Every resource counted by kind, in groups: Kubernetes objects, each cloud, other, components. */
export function kindGroups(run: ProgramRun): KindGroup[] {
  const order = ["Kubernetes objects", ...Object.values(CLOUD_PACKAGES), OTHER, "components"];
  const counts = new Map<string, Map<string, number>>(order.map((title) => [title, new Map()]));
  for (const r of run.resources) {
    const { group, kind } = kindOf(r);
    const kinds = counts.get(group)!;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return order
    .map((title) => {
      const kinds = [...counts.get(title)!]
        .map(([kind, count]): [number, string] => [count, kind])
        .sort(([, a], [, b]) => a.localeCompare(b));
      return { title, kinds, total: kinds.reduce((sum, [count]) => sum + count, 0) };
    })
    .filter((group) => group.total > 0);
}

interface SummaryParts {
  headline: string;
  groups: KindGroup[];
  outputs: { key: string; shown: string; mock: boolean }[];
  estimate: string[];
}

function summaryParts(run: ProgramRun): SummaryParts {
  const groups = kindGroups(run);
  const mockValues = [...mockOnlyValues(run)];
  const fromMocks = (value: unknown) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return mockValues.some((mock) => (typeof value === "number" ? text === mock : text.includes(mock)));
  };
  return {
    headline: `stack ${run.stack}: ${run.resources.length} resources: ${groups
      .map((g) => `${g.total} ${g.title}`)
      .join(", ")}`,
    groups,
    outputs: Object.entries(run.outputs).map(([key, output]) => ({
      key,
      shown: output.secret ? SECRET_MASK : JSON.stringify(output.value),
      mock: !output.secret && fromMocks(output.value),
    })),
    estimate: describeEstimate(estimateDeployTime(run.resources)).split("\n"),
  };
}

const MOCK_NOTE = `${MOCK_MARK}: made up by the mocks; a real pulumi up decides it`;

/** Items joined by ", " in lines of at most `width` characters, each after `indent`. */
function wrap(items: string[], indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    const next = line ? `${line}, ${item}` : item;
    if (line && indent.length + next.length > width) {
      lines.push(`${indent}${line},`);
      line = item;
    } else line = next;
  }
  if (line) lines.push(`${indent}${line}`);
  return lines;
}

/** The one-screen summary `npm run synth` prints. */
export function summary(run: ProgramRun, outDir: string): string {
  const parts = summaryParts(run);
  return [
    parts.headline,
    ...parts.groups.flatMap((g) => [
      `  ${g.title} (${g.total}):`,
      ...wrap(
        g.kinds.map(([count, kind]) => `${count} ${kind}`),
        "    ",
      ),
    ]),
    `outputs (${MOCK_NOTE}):`,
    ...parts.outputs.map(
      ({ key, shown, mock }) => `  ${key.padEnd(18)} ${shown}${mock ? `  ${MOCK_MARK}` : ""}`,
    ),
    ...parts.estimate,
    `written to ${outDir}: resources.json, manifests/, graph.mmd, summary.md`,
  ].join("\n");
}

/** The same summary as Markdown: summary.md beside the other files, for reviewers and reports. */
export function summaryMarkdown(run: ProgramRun): string {
  const parts = summaryParts(run);
  const cell = (text: string) => text.replaceAll("|", "\\|");
  return [
    `# Offline preview of stack ${run.stack}`,
    "",
    `${parts.headline.replace(/^stack \S+: /, "")}.`,
    "",
    ...parts.groups.flatMap((g) => [
      `## ${g.title} (${g.total})`,
      "",
      "| count | kind |",
      "|---:|---|",
      ...g.kinds.map(([count, kind]) => `| ${count} | ${cell(kind)} |`),
      "",
    ]),
    "## Outputs",
    "",
    `${MOCK_NOTE}.`,
    "",
    "| output | value |",
    "|---|---|",
    ...parts.outputs.map(
      ({ key, shown, mock }) => `| \`${key}\` | \`${cell(shown)}\`${mock ? ` ${MOCK_MARK}` : ""} |`,
    ),
    "",
    "## Deploy time",
    "",
    ...parts.estimate.map((line) => `- ${line.trim()}`),
    "",
  ].join("\n");
}
