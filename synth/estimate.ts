/**
 * How long a first `pulumi up` takes: the longest chain of the dependency graph in
 * resources.json, each resource weighted by how long its type typically takes to create.
 * Jobs weigh what they do (JOB_SECONDS: the pre-migration backup). The engine creates
 * everything that does not wait in parallel, so the chain is the floor;
 * the sum of all weights is what a script creating one thing after another would take.
 */
import type { RecordedResource } from "./harness";
import { displayName } from "./names";

interface Typical {
  seconds: number;
  source: string;
}

/** Typical creation times. A type not listed counts as DEFAULT_SECONDS (an API call or two). */
export const CREATION_SECONDS: Record<string, Typical> = {
  "gcp:container/cluster:Cluster": {
    seconds: 420,
    source:
      'https://cloud.google.com/kubernetes-engine/docs/how-to/creating-a-regional-cluster ("several minutes"; 6-8 min seen)',
  },
  "gcp:container/nodePool:NodePool": {
    seconds: 180,
    source: 'https://cloud.google.com/kubernetes-engine/docs/how-to/node-pools ("a few minutes")',
  },
  "gcp:sql/databaseInstance:DatabaseInstance": {
    seconds: 600,
    source:
      'https://cloud.google.com/sql/docs/postgres/create-instance ("can take several minutes"; ~10 min with HA)',
  },
  "gcp:redis/instance:Instance": {
    seconds: 300,
    source: "https://cloud.google.com/memorystore/docs/redis/create-manage-instances (about 5 min)",
  },
  "gcp:servicenetworking/connection:Connection": {
    seconds: 90,
    source: "https://cloud.google.com/vpc/docs/configure-private-services-access (peering set-up, ~1-2 min)",
  },
  "gcp:projects/service:Service": {
    seconds: 45,
    source:
      "https://cloud.google.com/service-usage/docs/enable-disable (enabling is a long-running operation, <1 min)",
  },
  "gcp:compute/network:Network": {
    seconds: 25,
    source: "https://cloud.google.com/vpc/docs/create-modify-vpc-networks",
  },
  "gcp:compute/subnetwork:Subnetwork": {
    seconds: 25,
    source: "https://cloud.google.com/vpc/docs/create-modify-vpc-networks",
  },
  "gcp:compute/routerNat:RouterNat": {
    seconds: 30,
    source: "https://cloud.google.com/nat/docs/set-up-manage-network-address-translation",
  },
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": {
    seconds: 30,
    source: "https://cloud.google.com/load-balancing/docs/https/setup-global-ext-https-buckets",
  },
  "gcp:compute/backendBucket:BackendBucket": {
    seconds: 15,
    source: "https://cloud.google.com/load-balancing/docs/https/setup-global-ext-https-buckets",
  },
  "docker-build:index:Image": {
    seconds: 150,
    source:
      "https://docs.docker.com/build/cache/ (a cold multi-stage pip build and push; minutes, faster with cache)",
  },
  "kubernetes:networking.k8s.io/v1:Ingress": {
    seconds: 240,
    source:
      'https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress ("may take a few minutes" for the load balancer)',
  },
  "kubernetes:batch/v1:Job": {
    seconds: 60,
    source:
      "https://kubernetes.io/docs/concepts/workloads/controllers/job/ (image pull, proxy start, migrate; ~1 min)",
  },
  "kubernetes:apps/v1:Deployment": {
    seconds: 60,
    source:
      "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ (pull, start, probes pass; ~1 min)",
  },
  "kubernetes:apps/v1:StatefulSet": {
    seconds: 60,
    source:
      "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/ (initdb and readiness; ~1 min)",
  },
};
export const DEFAULT_SECONDS = 5;

/**
 * Kubernetes Jobs that take their own time, by their app.kubernetes.io/component label: a
 * Job's type alone says nothing of what it waits for.
 */
export const JOB_SECONDS: Record<string, Typical> = {
  backup: {
    seconds: 240,
    source:
      "https://cloud.google.com/sql/docs/postgres/backup-recovery/backing-up (an on-demand backup is a snapshot of the disk; a few minutes for a small instance, longer for a large or busy one)",
  },
};

function componentOf(r: RecordedResource): string | undefined {
  const metadata = r.inputs.metadata as { labels?: Record<string, string> } | undefined;
  return metadata?.labels?.["app.kubernetes.io/component"];
}

export interface Estimate {
  /** The longest chain, in seconds. */
  criticalSeconds: number;
  /** Everything one after another, in seconds. */
  serialSeconds: number;
  /** The chain itself, first to last. */
  chain: RecordedResource[];
}

function weight(r: RecordedResource): number {
  if (!r.custom) return 0;
  const job = r.type === "kubernetes:batch/v1:Job" ? JOB_SECONDS[componentOf(r) ?? ""] : undefined;
  return (job ?? CREATION_SECONDS[r.type])?.seconds ?? DEFAULT_SECONDS;
}

export function estimateDeployTime(resources: RecordedResource[]): Estimate {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, RecordedResource[]>();
  for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  // Waiting for a component means waiting for everything inside it; a resource also waits
  // for its provider (the GKE provider is only usable once the node pool exists).
  const customsIn = (urn: string): RecordedResource[] => {
    const r = byUrn.get(urn);
    if (!r) return [];
    if (r.custom) return [r];
    return (children.get(urn) ?? []).flatMap((child) => customsIn(child.urn));
  };
  const waitsFor = (r: RecordedResource): RecordedResource[] => {
    const urns = [...r.dependencies];
    if (r.provider) urns.push(r.provider.split("::").slice(0, -1).join("::"));
    return urns.flatMap(customsIn).filter((d) => d.urn !== r.urn);
  };
  const finish = new Map<string, { at: number; via?: RecordedResource }>();
  const visiting = new Set<string>();
  const finishOf = (r: RecordedResource): number => {
    const known = finish.get(r.urn);
    if (known) return known.at;
    if (visiting.has(r.urn)) throw new Error(`dependency cycle through ${r.urn}`);
    visiting.add(r.urn);
    let start = 0;
    let via: RecordedResource | undefined;
    for (const dependency of waitsFor(r)) {
      const at = finishOf(dependency);
      if (at > start) [start, via] = [at, dependency];
    }
    visiting.delete(r.urn);
    finish.set(r.urn, { at: start + weight(r), via });
    return start + weight(r);
  };
  const customs = resources.filter((r) => r.custom);
  let last: RecordedResource | undefined;
  let criticalSeconds = 0;
  for (const r of customs) {
    const at = finishOf(r);
    if (at > criticalSeconds) [criticalSeconds, last] = [at, r];
  }
  const chain: RecordedResource[] = [];
  for (let r = last; r; r = finish.get(r.urn)?.via) chain.unshift(r);
  return { criticalSeconds, serialSeconds: customs.reduce((sum, r) => sum + weight(r), 0), chain };
}

export function describeEstimate(estimate: Estimate): string {
  const minutes = (s: number) => `${Math.round(s / 6) / 10} min`;
  const steps = estimate.chain.filter((r) => weight(r) > DEFAULT_SECONDS).map(displayName);
  return [
    `estimated first pulumi up: ${minutes(estimate.criticalSeconds)} (longest chain), ` +
      `${minutes(estimate.serialSeconds)} if created one after another`,
    `  chain: ${steps.join(" -> ")}`,
  ].join("\n");
}
