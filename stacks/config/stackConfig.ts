/**
 * The typed result: what the stacks receive, built from values that passed every check. Leaf
 * types come from the key table (ConfigValues), so a new allowed value needs one edit there.
 */
import type { AlertThresholds } from "../../components/gcp/alertRules";
import type { DjangoAppArgs } from "../../components/k8s/djangoApp";
import type { PostgresStorage } from "../../components/k8s/InClusterPostgres";
import type { CpuScaling, QueueScaling } from "../../components/k8s/specs/scaling";
import { PREVIEW_STACK } from "../previewContract";
import type { ConfigValues } from "./keys";

interface CommonConfig {
  stack: string;
  /** production: the stack must be highly available and protected (rules.ts), whatever its name. */
  environment: ConfigValues["environment"];
  namespace: string;
  /** An existing image; undefined means build app/. */
  image?: string;
  django: { allowedHosts: string[]; csrfTrustedOrigins: string[]; https: boolean };
  /** The shapes DjangoApp takes: what config sets of each workload is handed on as it is. */
  web: Pick<DjangoAppArgs["web"], "replicas" | "resources" | "scaling">;
  worker: DjangoAppArgs["worker"];
  flower: { user: string };
  /** Requests per second, or undefined when the load generator is off. */
  loadGenerator?: { rate: number };
  /** Sentry's DSN (a secret config value), or undefined when error reporting is off. */
  sentryDsn?: string;
  /** What this stack's previews look like (the preview* keys, set on the parent; exported as previewSettings). */
  previews: {
    domain?: string;
    ttlHours: number;
    max: number;
    webReplicas: number;
    workerReplicas: number;
    maxReplicas: number;
  };
  /** Set when this stack is a preview (pr-<number>) of `parent`: stacks/preview.ts composes it. */
  previewOf?: { parent: string; number: number };
}

export interface MinikubeConfig {
  kubeContext: string;
  /** Hot reload from the host's app/, mounted on the node at sourcePath; undefined when off. */
  dev?: { sourcePath: string };
  postgres: {
    storage: PostgresStorage;
    size: string;
    hostPath: string;
    storageClass?: string;
    image: string;
  };
  redis: { image: string };
}

export interface GcpConfig {
  project: string;
  /** Cloud Monitoring: who is told, and the alerts' thresholds (components/gcp/alertRules.ts). */
  monitoring: { alertEmails: string[]; thresholds: AlertThresholds };
  region: ConfigValues["gcpRegion"];
  /** The cluster's location: the region, or one zone of it for a zonal cluster. */
  clusterLocation: string;
  regional: boolean;
  releaseChannel: ConfigValues["gkeReleaseChannel"];
  nodes: { machineType: string; minPerZone: number; maxPerZone: number; spot: boolean };
  masterAuthorizedNetworks: string[];
  deletionProtection: boolean;
  /** An on-demand Cloud SQL backup before each new image's migration (backupBeforeMigrate, auto: production). */
  backupBeforeMigrate: boolean;
  cloudSql: {
    version: ConfigValues["cloudSqlVersion"];
    tier: string;
    diskGb: number;
    highAvailability: boolean;
  };
  redis: { tier: ConfigValues["redisTier"]; memoryGb: number; version: ConfigValues["redisVersion"] };
  domain?: string;
  staticDomain?: string;
  /** Cloud Armor on the web backend: WAF rules logged only (preview) or blocking, and the per-client limit. */
  armor: { wafMode: ConfigValues["armorWafMode"]; requestsPerMinute: number };
  network: { subnetCidr: string; podsCidr: string; servicesCidr: string; masterCidr: string };
}

export type MinikubeStackConfig = CommonConfig & { platform: "minikube"; minikube: MinikubeConfig };
export type GcpStackConfig = CommonConfig & { platform: "gcp"; gcp: GcpConfig };
export type StackConfig = MinikubeStackConfig | GcpStackConfig;

/** The stack's config from checked values; "" in an optional key means unset. */
export function stackConfig(v: ConfigValues, stack: string): StackConfig {
  const common = commonConfig(v, stack);
  return v.platform === "gcp"
    ? { ...common, platform: "gcp", gcp: gcpConfig(v) }
    : { ...common, platform: "minikube", minikube: minikubeConfig(v) };
}

function commonConfig(v: ConfigValues, stack: string): CommonConfig {
  return {
    stack,
    environment: v.environment,
    namespace: v.namespace,
    image: v.image || undefined,
    django: { allowedHosts: v.allowedHosts, csrfTrustedOrigins: v.csrfTrustedOrigins, https: v.https },
    web: {
      replicas: v.webReplicas,
      resources: { cpuRequest: v.webCpuRequest, cpuLimit: v.webCpuLimit, memory: v.webMemory },
      scaling: {
        mode: "cpu",
        maxReplicas: v.webMaxReplicas,
        cpuTarget: v.webCpuTarget,
        minAvailable: v.webMinAvailable,
      },
    },
    worker: {
      replicas: v.workerReplicas,
      resources: { cpuRequest: v.workerCpuRequest, cpuLimit: v.workerCpuLimit, memory: v.workerMemory },
      shutdownSeconds: v.workerShutdownSeconds,
      taskTimeLimitSeconds: v.taskTimeLimitSeconds,
      visibilityTimeoutSeconds: v.visibilityTimeoutSeconds,
      scaling: workerScaling(v),
    },
    flower: { user: v.flowerUser },
    loadGenerator: v.loadGenerator ? { rate: v.loadGeneratorRate } : undefined,
    sentryDsn: v.sentryDsn || undefined,
    previews: {
      domain: v.previewDomain || undefined,
      ttlHours: v.previewTtlHours,
      max: v.previewMax,
      webReplicas: v.previewWebReplicas,
      workerReplicas: v.previewWorkerReplicas,
      maxReplicas: v.previewMaxReplicas,
    },
    previewOf: previewOf(v, stack),
  };
}

/** The parent and pull request number of a preview; the rules (previewRules.ts) checked the name. */
function previewOf(v: ConfigValues, stack: string): CommonConfig["previewOf"] {
  const number = PREVIEW_STACK.exec(stack)?.[1];
  if (!v.previewParent || number === undefined) return undefined;
  return { parent: v.previewParent, number: Number(number) };
}

function workerScaling(v: ConfigValues): CpuScaling | QueueScaling {
  const maxReplicas = v.workerMaxReplicas;
  const minAvailable = v.workerMinAvailable;
  return v.workerAutoscaling === "queue"
    ? { mode: "queue", maxReplicas, queueLength: v.workerQueueLength, minAvailable }
    : { mode: "cpu", maxReplicas, cpuTarget: v.workerCpuTarget, minAvailable };
}

function minikubeConfig(v: ConfigValues): MinikubeConfig {
  return {
    kubeContext: v.kubeContext,
    dev: v.devMode ? { sourcePath: v.devSourcePath } : undefined,
    postgres: {
      storage: v.postgresStorage,
      size: v.postgresStorageSize,
      hostPath: v.postgresHostPath,
      storageClass: v.postgresStorageClass || undefined,
      image: v.postgresImage,
    },
    redis: { image: v.redisImage },
  };
}

function gcpConfig(v: ConfigValues): GcpConfig {
  const regional = v.clusterLocation === "regional";
  return {
    project: v.gcpProject,
    monitoring: {
      alertEmails: v.alertEmails,
      thresholds: {
        errorRatePercent: v.alertErrorRatePercent,
        latencyP95Ms: v.alertLatencyP95Ms,
        queueBacklog: v.alertQueueBacklog,
        oldestTaskSeconds: v.alertOldestTaskSeconds,
        beatHeartbeatSeconds: v.alertBeatHeartbeatSeconds,
        cloudSqlCpuPercent: v.alertCloudSqlCpuPercent,
        cloudSqlDiskPercent: v.alertCloudSqlDiskPercent,
        cloudSqlConnections: v.alertCloudSqlConnections,
        redisMemoryPercent: v.alertRedisMemoryPercent,
      },
    },
    region: v.gcpRegion,
    clusterLocation: regional ? v.gcpRegion : v.gcpZone || `${v.gcpRegion}-b`,
    regional,
    releaseChannel: v.gkeReleaseChannel,
    nodes: {
      machineType: v.nodeMachineType,
      minPerZone: v.nodeMinCount,
      maxPerZone: v.nodeMaxCount,
      spot: v.spotNodes,
    },
    masterAuthorizedNetworks: v.masterAuthorizedNetworks,
    deletionProtection: v.deletionProtection,
    backupBeforeMigrate:
      v.backupBeforeMigrate === "auto" ? v.environment === "production" : v.backupBeforeMigrate === "true",
    cloudSql: {
      version: v.cloudSqlVersion,
      tier: v.cloudSqlTier,
      diskGb: v.cloudSqlDiskGb,
      highAvailability: v.cloudSqlHighAvailability,
    },
    redis: { tier: v.redisTier, memoryGb: v.redisMemoryGb, version: v.redisVersion },
    domain: v.domain || undefined,
    staticDomain: v.staticDomain || undefined,
    armor: { wafMode: v.armorWafMode, requestsPerMinute: v.armorRequestsPerMinute },
    network: {
      subnetCidr: v.subnetCidr,
      podsCidr: v.podsCidr,
      servicesCidr: v.servicesCidr,
      masterCidr: v.masterCidr,
    },
  };
}
