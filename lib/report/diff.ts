/**
 * What changes between two synth runs of one stack: every Kubernetes object and cloud resource
 * added, removed or changed, grouped by kind, with the changed fields. Both sides are normalised
 * first so what changes on every build is not reported: image digests and content-hash tags, the
 * hash suffixes of the migrate Job and of hashed ConfigMaps and Secrets, and the checkout's own
 * path. Mock values need nothing: the mocks derive them from resource names, so they only change
 * when the resource does. Field differences come from microdiff (a maintained deep diff with paths).
 */
import diff from "microdiff";

export interface SynthResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export interface FieldChange {
  path: string;
  before?: string;
  after?: string;
}

export interface ResourceChange {
  kind: string;
  name: string;
  status: "added" | "removed" | "changed";
  fields: FieldChange[];
}

/** Each normalisation: what it matches and what stands for it, so two builds compare equal. */
const NOISE: [RegExp, string][] = [
  [/sha256:[0-9a-f]{64}/g, "sha256:<digest>"],
  // A content-hash tag (app:4ea56e722e9dc1cb).
  [/:[0-9a-f]{12,40}\b/g, ":<hash>"],
  // A hash suffix on a name (migrate-44ce4382559a, django-settings-c82ced7), at least one digit in it.
  [/([a-z])-(?=[a-f]*\d)[0-9a-f]{6,12}\b/g, "$1-<hash>"],
];

/** `value` with build noise replaced; `roots` (the checkouts' paths) become `<checkout>`. */
export function normalise(value: unknown, roots: string[] = []): unknown {
  if (typeof value === "string") {
    let text = value;
    for (const root of roots) text = text.split(root).join("<checkout>");
    for (const [pattern, replacement] of NOISE) text = text.replace(pattern, replacement);
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => normalise(v, roots));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, roots)]));
  return value;
}

/** Components, the stack and providers hold no state of their own: only real resources are compared. */
const isResource = (r: SynthResource) => !r.type.startsWith("pulumi:") && !r.type.startsWith("django-k8s:");

/** Kind as a reader knows it: Deployment, sql.DatabaseInstance. */
export function kindOf(type: string): string {
  const [pkg, module = "", kind = type] = type.split(":");
  if (pkg === "kubernetes") return kind;
  return `${module.split("/")[0]}.${kind}`;
}

/** A resource's identity across refs: kind and name (a Kubernetes object's namespace/name), normalised. */
function identity(r: SynthResource): string {
  const meta = r.inputs.metadata;
  const name =
    r.type.startsWith("kubernetes:") && meta?.name
      ? `${meta.namespace ? `${meta.namespace}/` : ""}${meta.name}`
      : r.name;
  return `${kindOf(r.type)} ${normalise(name)}`;
}

const show = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  return diff(before as Record<string, unknown>, after as Record<string, unknown>).map((d) => ({
    path: d.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${p}`)).join(""),
    before: d.type === "CREATE" ? undefined : show(d.oldValue),
    after: d.type === "REMOVE" ? undefined : show(d.value),
  }));
}

/** Every resource added, removed or changed from `before` to `after`, sorted by kind and name. */
export function diffResources(
  before: SynthResource[],
  after: SynthResource[],
  roots: { before?: string; after?: string } = {},
): ResourceChange[] {
  const index = (resources: SynthResource[], root?: string) =>
    new Map(
      resources
        .filter(isResource)
        .map((r) => [identity(r), { r, inputs: normalise(r.inputs, root ? [root] : []) }] as const),
    );
  const [old, now] = [index(before, roots.before), index(after, roots.after)];
  const changes: ResourceChange[] = [];
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const [a, b] = [old.get(key), now.get(key)];
    const [kind, ...rest] = key.split(" ");
    const name = rest.join(" ");
    if (!a) changes.push({ kind: kind!, name, status: "added", fields: [] });
    else if (!b) changes.push({ kind: kind!, name, status: "removed", fields: [] });
    else {
      const fields = fieldChanges(a.inputs, b.inputs);
      if (fields.length) changes.push({ kind: kind!, name, status: "changed", fields });
    }
  }
  return changes.sort((x, y) => x.kind.localeCompare(y.kind) || x.name.localeCompare(y.name));
}
