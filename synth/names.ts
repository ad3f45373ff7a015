/** What a resource is: a Kubernetes object or not, its kind, its name in the cluster. */
import type { RecordedResource } from "./recording";

export function isKubernetesObject(r: RecordedResource): boolean {
  // A Helm release is the provider's own object (the chart renders in the cluster), not a manifest.
  return r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/");
}

/** The last part of the type token: `Job`, `Cluster`, `DjangoApp`. */
export function shortType(r: RecordedResource): string {
  return r.type.split(":").pop() ?? r.type;
}

/** The object's name in the cluster: metadata.name, or the one Pulumi auto-named it with. */
export function kubernetesName(r: RecordedResource): string | undefined {
  if (!isKubernetesObject(r)) return undefined;
  const named = (object: unknown) =>
    (object as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  const name = named(r.inputs) ?? named(r.state);
  return typeof name === "string" ? name : undefined;
}
