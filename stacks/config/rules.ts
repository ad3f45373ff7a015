/**
 * Rules between keys, and rules of a platform or an environment (production). Each sees the values that
 * are themselves valid (a key that failed its own check is absent), so one bad value is
 * reported once, by its own validator, and the rest are still checked.
 */
import * as ipaddr from "ipaddr.js";
import { connectionBudget } from "../../components/k8s/djangoApp/connectionBudget";
import { zonesOf } from "../../lib/gcpRegions";
import { cloudSqlMaxConnections, IN_CLUSTER_MAX_CONNECTIONS } from "../../lib/postgresLimits";
import { cpuMillicores } from "../../lib/quantity";
import { type ConfigKey, type ConfigValues, gcpProjectMessage, qualified as key } from "./keys";
import { previewProblems } from "./previewRules";

type Valid = Partial<ConfigValues>;

/**
 * Every problem the rules find, in a stable order; `stack` names the stack in commands to run,
 * `setKeys` are the keys the stack sets (a preview may set only a few).
 */
export function ruleProblems(v: Valid, stack = "<stack>", setKeys: readonly ConfigKey[] = []): string[] {
  // A preview's platform keys are its parent's, refused here by previewProblems when set.
  const platformRules = v.previewParent ? [] : platformProblems(v, stack);
  return [
    ...requestsWithinLimits(v),
    ...autoscalingRanges(v),
    ...postgresStorageRules(v),
    ...celeryTimingRules(v),
    ...connectionBudgetRules(v),
    ...hostNameRules(v),
    ...previewProblems(v, stack, setKeys),
    ...platformRules,
  ];
}

function platformProblems(v: Valid, stack: string): string[] {
  return [
    ...(v.platform === "gcp" ? gcpRules(v, stack) : []),
    ...(v.platform === "minikube" ? minikubeRules(v) : []),
    ...(v.environment === "production" ? productionRules(v) : []),
  ];
}

function requestsWithinLimits(v: Valid): string[] {
  return (["web", "worker"] as const).flatMap((role) => {
    const request = v[`${role}CpuRequest`];
    const limit = v[`${role}CpuLimit`];
    const [requested, limited] = [request, limit].map((q) =>
      q === undefined ? undefined : cpuMillicores(q),
    );
    if (requested === undefined || limited === undefined || requested <= limited) return [];
    return [
      `${key(`${role}CpuRequest`)}: got ${request}, more than ${key(`${role}CpuLimit`)} (${limit}); ` +
        "a request must not exceed its limit",
    ];
  });
}

function autoscalingRanges(v: Valid): string[] {
  return (["web", "worker"] as const).flatMap((role) => {
    const problems: string[] = [];
    const min = v[`${role}Replicas`];
    const max = v[`${role}MaxReplicas`];
    const minAvailable = v[`${role}MinAvailable`];
    if (min !== undefined && max !== undefined && min > max) {
      problems.push(
        `${key(`${role}Replicas`)}: got ${min}, more than ${key(`${role}MaxReplicas`)} (${max}); ` +
          "the autoscaler's minimum must not exceed its maximum",
      );
    }
    // A budget that keeps every pod of the minimum would forbid evicting any: a node drain
    // would hang until someone deleted the budget.
    if (min !== undefined && minAvailable !== undefined && minAvailable > 0 && minAvailable >= min) {
      problems.push(
        `${key(`${role}MinAvailable`)}: got ${minAvailable}, not below ${key(`${role}Replicas`)} (${min}); ` +
          "at the minimum replica count that PodDisruptionBudget would block every node drain",
      );
    }
    return problems;
  });
}

function postgresStorageRules(v: Valid): string[] {
  if (!v.postgresStorageClass || !v.postgresStorage || v.postgresStorage === "storageClass") return [];
  return [
    `${key("postgresStorageClass")}: set to ${JSON.stringify(v.postgresStorageClass)} while ${key("postgresStorage")} ` +
      `is ${v.postgresStorage}; it is only used with postgresStorage=storageClass`,
  ];
}

/**
 * Redis hands a task still unacknowledged after the visibility timeout to another worker: one
 * still running must be stopped by its time limit first (app/config/timing.py, the same rule).
 */
function celeryTimingRules(v: Valid): string[] {
  const [limit, visibility] = [v.taskTimeLimitSeconds, v.visibilityTimeoutSeconds];
  if (limit === undefined || visibility === undefined || limit < visibility) return [];
  return [
    `${key("taskTimeLimitSeconds")}: got ${limit}, not less than ${key("visibilityTimeoutSeconds")} (${visibility}); ` +
      "a task still running when the visibility timeout passes is given to a second worker: " +
      `lower the time limit below ${visibility} or raise the visibility timeout (at most 3600)`,
  ];
}

/** The database's max_connections: the in-cluster server's setting, or Cloud SQL's default for the tier. */
function connectionLimit(v: Valid): { limit: number; source: string } | undefined {
  if (v.platform === "minikube")
    return { limit: IN_CLUSTER_MAX_CONNECTIONS, source: "the in-cluster PostgreSQL's max_connections" };
  const limit = v.cloudSqlTier === undefined ? undefined : cloudSqlMaxConnections(v.cloudSqlTier);
  if (limit === undefined) return undefined;
  return {
    limit,
    source: `Cloud SQL's default max_connections for ${key("cloudSqlTier")} ${v.cloudSqlTier}`,
  };
}

/** Every pod at its autoscaler's maximum, mid-rollout, must still get its connections. */
function connectionBudgetRules(v: Valid): string[] {
  const { webMaxReplicas, webCpuLimit, workerMaxReplicas, workerCpuLimit } = v;
  const database = connectionLimit(v);
  if (!database || !webMaxReplicas || !webCpuLimit || !workerMaxReplicas || !workerCpuLimit) return [];
  const budget = connectionBudget({
    web: { maxReplicas: webMaxReplicas, resources: { cpuLimit: webCpuLimit } },
    worker: { maxReplicas: workerMaxReplicas, resources: { cpuLimit: workerCpuLimit } },
  });
  if (budget.total <= database.limit) return [];
  const { web, worker } = budget;
  return [
    `${key("webMaxReplicas")}, ${key("workerMaxReplicas")}: at most ${budget.total} PostgreSQL connections at once, ` +
      `more than the ${database.limit} of ${database.source}: ` +
      `web ${web.connections} = (${key("webMaxReplicas")} ${webMaxReplicas} + ${web.pods - webMaxReplicas} rollout surge) x ` +
      `(${web.processes} gunicorn processes for ${key("webCpuLimit")} ${webCpuLimit} x ${web.threads} threads), ` +
      `worker ${worker.connections} = (${key("workerMaxReplicas")} ${workerMaxReplicas} + ${worker.pods - workerMaxReplicas} rollout surge) x ` +
      `(${worker.processes} Celery pool processes for ${key("workerCpuLimit")} ${workerCpuLimit} + 1 main process), ` +
      `beat ${budget.beat}, migrate ${budget.migrate}, superuser reserved ${budget.reserved}; ` +
      `allowed: a total of at most ${database.limit}: lower the maximum replicas or CPU limits` +
      (v.platform === "gcp" ? `, or choose a larger ${key("cloudSqlTier")}` : ""),
  ];
}

function minikubeRules(v: Valid): string[] {
  if (v.allowedHosts?.length !== 0) return [];
  return [
    `${key("allowedHosts")}: is empty; the minikube stack needs at least one host name (its Pulumi.minikube.yaml sets *)`,
  ];
}

/**
 * The app and the static files each get a load balancer and a managed certificate for their
 * host name: one name for both would be claimed twice, and one of them would never be served.
 */
function hostNameRules(v: Valid): string[] {
  if (!v.domain || v.domain !== v.staticDomain) return [];
  return [
    `${key("staticDomain")}: got ${JSON.stringify(v.staticDomain)}, the same as ${key("domain")}; ` +
      "the static files need a host name of their own (such as static.example.com beside app.example.com): " +
      "each of the two gets its own load balancer and certificate",
  ];
}

/** Rules that only hold on the gcp platform. */
function gcpRules(v: Valid, stack: string): string[] {
  const problems: string[] = [];
  if (v.devMode) {
    problems.push(
      `${key("devMode")}: got true on the gcp platform; devMode (hot reload from a host mount) is for minikube only`,
    );
  }
  // Only when set to empty: an invalid ID was already reported by its own check.
  if (v.gcpProject === "") problems.push(`${key("gcpProject")}: is empty; ${gcpProjectMessage(stack)}`);
  if (v.masterAuthorizedNetworks?.length === 0) {
    problems.push(
      `${key("masterAuthorizedNetworks")}: is empty; expected the CIDRs allowed to reach the GKE control plane ` +
        "(your office or CI egress, e.g. 203.0.113.0/24)",
    );
  }
  if (v.nodeMinCount !== undefined && v.nodeMaxCount !== undefined && v.nodeMinCount > v.nodeMaxCount) {
    problems.push(
      `${key("nodeMinCount")}: got ${v.nodeMinCount}, more than ${key("nodeMaxCount")} (${v.nodeMaxCount}); ` +
        "the autoscaler's minimum must not exceed its maximum",
    );
  }
  if (v.gcpZone && v.gcpRegion && !zonesOf(v.gcpRegion).includes(v.gcpZone)) {
    problems.push(
      `${key("gcpZone")}: got ${JSON.stringify(v.gcpZone)}; expected a zone of ${key("gcpRegion")} (${v.gcpRegion}): ` +
        zonesOf(v.gcpRegion).join(", "),
    );
  }
  return [...problems, ...networkRanges(v)];
}

/** The VPC's ranges must not overlap, and the control plane's must be what GKE accepts. */
function networkRanges(v: Valid): string[] {
  const problems: string[] = [];
  const ranges = (["subnetCidr", "podsCidr", "servicesCidr", "masterCidr"] as const).flatMap((name) => {
    const value = v[name];
    return value ? [{ name, value }] : [];
  });
  ranges.forEach((range, i) => {
    for (const other of ranges.slice(i + 1)) {
      if (cidrsOverlap(range.value, other.value)) {
        problems.push(
          `${key(other.name)}: ${other.value} overlaps ${key(range.name)} (${range.value}); the ranges must be disjoint`,
        );
      }
    }
  });
  if (v.masterCidr && !v.masterCidr.endsWith("/28")) {
    problems.push(
      `${key("masterCidr")}: got ${JSON.stringify(v.masterCidr)}; GKE requires a /28 for the control plane`,
    );
  }
  return problems;
}

/**
 * Production runs highly available and protected, wherever and whatever the stack is called:
 * the rules follow django-k8s:environment, not the stack's name.
 */
const PRODUCTION_REQUIRES = [
  ["clusterLocation", "regional", "a regional cluster"],
  ["cloudSqlHighAvailability", true, "REGIONAL Cloud SQL"],
  ["redisTier", "STANDARD_HA", "Memorystore STANDARD_HA"],
  ["deletionProtection", true, "deletion protection"],
  ["spotNodes", false, "on-demand nodes"],
] as const satisfies readonly (readonly [keyof ConfigValues, unknown, string])[];

function productionRules(v: Valid): string[] {
  const where = `in the production ${key("environment")}`;
  if (v.platform === "minikube")
    return [`${key("platform")}: got "minikube" ${where}; production runs on the gcp platform`];
  const problems = PRODUCTION_REQUIRES.flatMap(([name, value, what]) =>
    v[name] !== undefined && v[name] !== value
      ? [
          `${key(name)}: got ${JSON.stringify(v[name])} ${where}; production requires ${what} (${name}=${value})`,
        ]
      : [],
  );
  if (v.masterAuthorizedNetworks?.some((cidr) => cidr.endsWith("/0")))
    problems.push(
      `${key("masterAuthorizedNetworks")}: got ${JSON.stringify(v.masterAuthorizedNetworks.join(","))} ${where}; ` +
        "production does not open the control plane to every address (list your office, VPN or CI ranges)",
    );
  return problems;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const [netA, bitsA] = ipaddr.parseCIDR(a);
  const [netB, bitsB] = ipaddr.parseCIDR(b);
  return netA.match(netB, bitsB) || netB.match(netA, bitsA);
}
