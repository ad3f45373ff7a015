/** Where a workload's pods land: spread over nodes and zones. */
import type * as k8s from "@pulumi/kubernetes";

/**
 * Spread a workload's pods over nodes (and zones, on a regional cluster) when the scheduler
 * can; never leave one pending for it (ScheduleAnyway), so a single-node cluster still works.
 */
export function spreadConstraints(
  selector: Record<string, string>,
  acrossZones: boolean,
): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  const keys = ["kubernetes.io/hostname", ...(acrossZones ? ["topology.kubernetes.io/zone"] : [])];
  return keys.map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selector },
  }));
}
