/** The app.kubernetes.io labels every object carries, and the subset that selects pods. */

export const PART_OF = "django-k8s";

/**
 * What marks an object as this program's: every object carries these, and the ones that belong
 * to no single workload (Namespaces, namespace-wide NetworkPolicies) carry only these.
 */
export function ownershipLabels(): Record<string, string> {
  return { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" };
}

/** The standard app.kubernetes.io labels; `name` is the program-wide app, `component` the piece. */
export function standardLabels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    ...ownershipLabels(),
  };
}

/** The subset that selects a workload's pods; stable, because a Deployment's selector is immutable. */
export function selectorLabels(name: string, component: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component };
}
