/**
 * A preview environment's monthly cost. A preview creates no cluster, node pool or database
 * server of its own (it shares the parent stack's), so what it adds is the room its pods take on
 * the parent's nodes: their CPU and memory requests, priced at the per-vCPU and per-GiB rates of
 * the parent's node machine type (the share of a node those requests reserve).
 */
import { cpuMillicores, memoryBytes } from "../quantity";
import { machineShape } from "./machines";
import { type PriceTable, priceOf } from "./prices";

/** The long-running roles a preview runs; the migrate Job finishes and holds nothing. */
export const PREVIEW_ROLES = ["web", "worker", "beat", "flower"] as const;

export interface PodRequests {
  role: string;
  replicas: number;
  cpuMillicores: number;
  memoryBytes: number;
}

export interface PreviewCost {
  monthly: number | undefined;
  lines: { role: string; detail: string; monthly: number }[];
  unknown: string[];
}

/** Every container's requests, native sidecars (init containers that keep running) included. */
function podRequests(podSpec: Record<string, any>): { cpu: number; memory: number } {
  const running = [
    ...(podSpec.containers ?? []),
    ...(podSpec.initContainers ?? []).filter((c: any) => c.restartPolicy === "Always"),
  ];
  return running.reduce(
    (sum, c) => ({
      cpu: sum.cpu + (cpuMillicores(String(c.resources?.requests?.cpu ?? "0")) ?? 0),
      memory: sum.memory + (memoryBytes(String(c.resources?.requests?.memory ?? "0")) ?? 0),
    }),
    { cpu: 0, memory: 0 },
  );
}

/** The preview roles' Deployments among `manifests` (Kubernetes objects), with their requests. */
export function podsFromManifests(manifests: Record<string, any>[]): PodRequests[] {
  return manifests
    .filter((m) => m.kind === "Deployment")
    .map((m) => ({ m, role: m.metadata?.labels?.["app.kubernetes.io/component"] }))
    .filter(({ role }) => (PREVIEW_ROLES as readonly string[]).includes(role))
    .map(({ m, role }) => {
      const { cpu, memory } = podRequests(m.spec?.template?.spec ?? {});
      return { role, replicas: m.spec?.replicas ?? 1, cpuMillicores: cpu, memoryBytes: memory };
    });
}

/**
 * One preview's monthly cost: each role's replicas × (vCPU requested × the machine family's
 * vCPU rate + GiB requested × its GiB rate) × hours in a month.
 */
export function previewMonthlyCost(
  preview: { pods: PodRequests[]; machineType: string; region: string; spot: boolean },
  prices: PriceTable,
): PreviewCost {
  const shape = machineShape(preview.machineType);
  const kind = shape && `compute.${shape.family}${preview.spot ? ".spot" : ""}`;
  const vcpu = kind && priceOf(prices, `${kind}.vcpu`, preview.region);
  const gib = kind && priceOf(prices, `${kind}.memory`, preview.region);
  if (!shape || vcpu === undefined || gib === undefined || !vcpu || !gib) {
    const why = !shape ? `machine type ${preview.machineType}` : `${kind} in ${preview.region}`;
    return { monthly: undefined, lines: [], unknown: [`preview: ${why} is not in the price table`] };
  }
  const lines = preview.pods.map((pod) => {
    const [cores, memGib] = [pod.cpuMillicores / 1000, pod.memoryBytes / 2 ** 30];
    return {
      role: pod.role,
      detail: `${pod.replicas} × (${cores} vCPU × $${vcpu} + ${+memGib.toFixed(3)} GiB × $${gib}) × ${prices.hoursPerMonth} h`,
      monthly: pod.replicas * (cores * vcpu + memGib * gib) * prices.hoursPerMonth,
    };
  });
  return { monthly: lines.reduce((sum, l) => sum + l.monthly, 0), lines, unknown: [] };
}
