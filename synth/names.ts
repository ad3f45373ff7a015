/**
 * What a resource is called in each view of the preview. The graph, the estimate and
 * resources.json know it by its Pulumi name (`django-migrate`), the manifests and kubectl by
 * its Kubernetes name (`migrate-44ce4382559a`); where the two differ the views show both, so a
 * reader goes from a chain or a box to its manifest file in one step.
 */
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

/**
 * The two halves of a resource's label: `NetworkPolicy`, `default-deny` where one name serves
 * every view; `django-migrate`, `(Job migrate-44ce4382559a)` where the cluster's name differs.
 */
export function labelParts(r: RecordedResource): [string, string] {
  const inCluster = kubernetesName(r);
  if (inCluster === undefined || inCluster === r.name) return [shortType(r), r.name];
  return [r.name, `(${shortType(r)} ${inCluster})`];
}

/** `Cluster django`, or `django-migrate (Job migrate-44ce4382559a)` where the names differ. */
export function displayName(r: RecordedResource): string {
  return labelParts(r).join(" ");
}
