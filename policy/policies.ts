/**
 * The CrossGuard policies `pulumi preview` and `pulumi up` run against every stack (see
 * index.ts and the workflows). They check the properties the design relies on, so a change
 * that weakens one fails before anything is created. Each is plain data over a resource's
 * properties, tested directly in tests/policy.test.ts.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { APP_CONTAINER } from "../components/k8s/djangoApp/appPod";
import { podSpecOf, restrictedViolations } from "../lib/podSecurity";

export interface PolicyConfig {
  /** prod: Cloud SQL must be REGIONAL. */
  requireHighAvailability?: boolean;
  /** GCP stacks: every container image must be pinned by digest. */
  requireImageDigests?: boolean;
  /** prod: the stateful resources cannot be deleted (Pulumi protect and the providers' guards). */
  requireDeletionProtection?: boolean;
}

/** What a check sees of the resource besides its properties: its type and Pulumi options. */
interface Subject {
  type: string;
  opts: Partial<Pick<ResourceValidationArgs["opts"], "protect">>;
}
/** A resource's properties as the policy runner hands them over. */
type Props = ResourceValidationArgs["props"];
type Check = (props: Props, config: PolicyConfig, subject: Subject) => string[];

function policy(
  name: string,
  description: string,
  types: string[],
  check: Check,
  configSchema?: ResourceValidationPolicy["configSchema"],
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: (args: ResourceValidationArgs, reportViolation) => {
      if (!types.includes(args.type)) return;
      const config = args.getConfig<PolicyConfig>() ?? {};
      for (const problem of check(args.props, config, { type: args.type, opts: args.opts ?? {} }))
        reportViolation(`${args.name}: ${problem}`);
    },
  };
}

const WORKLOAD_TYPES = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:batch/v1:Job",
  "kubernetes:batch/v1:CronJob",
  "kubernetes:core/v1:Pod",
];
const LONG_RUNNING = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/** The providers' own guards against deleting each stateful type, beside Pulumi's protect. */
const STATEFUL_GUARDS: Record<string, (props: Props) => string[]> = {
  "gcp:sql/databaseInstance:DatabaseInstance": (props) => [
    ...(props.deletionProtection === true ? [] : ["has the provider's deletionProtection off"]),
    ...(props.settings?.deletionProtectionEnabled === true
      ? []
      : ["has Cloud SQL's own deletion protection off (settings.deletionProtectionEnabled)"]),
  ],
  "gcp:sql/database:Database": (props) => preventDeletion(props),
  "gcp:sql/user:User": (props) => preventDeletion(props),
  "gcp:redis/instance:Instance": (props) => [
    ...(props.deletionProtection === true ? [] : ["has deletionProtection off"]),
    ...(props.persistenceConfig?.persistenceMode === "RDB" ? [] : ["keeps no RDB snapshots"]),
  ],
  "gcp:storage/bucket:Bucket": (props) => [
    ...(props.forceDestroy === true ? ["is force-destroyable (forceDestroy deletes its objects)"] : []),
    ...preventDeletion(props),
  ],
};

function preventDeletion(props: Props): string[] {
  return props.deletionPolicy === "PREVENT"
    ? []
    : [`has deletionPolicy ${props.deletionPolicy ?? "unset"}, not PREVENT`];
}

export const policies: ResourceValidationPolicy[] = [
  policy(
    "cloud-sql-private-backed-up",
    "Cloud SQL: no public IP, TLS required, backups with point-in-time recovery, and REGIONAL where high availability is required.",
    ["gcp:sql/databaseInstance:DatabaseInstance"],
    (props, config) => {
      const settings = props.settings ?? {};
      const problems: string[] = [];
      if (settings.ipConfiguration?.ipv4Enabled !== false)
        problems.push("has a public IP (ipv4Enabled must be false)");
      if (settings.ipConfiguration?.sslMode !== "ENCRYPTED_ONLY")
        problems.push("does not require TLS (sslMode ENCRYPTED_ONLY)");
      if (settings.backupConfiguration?.enabled !== true) problems.push("has no backups");
      if (settings.backupConfiguration?.pointInTimeRecoveryEnabled !== true)
        problems.push("has no point-in-time recovery");
      if (config.requireHighAvailability && settings.availabilityType !== "REGIONAL") {
        problems.push("is not highly available (availabilityType REGIONAL)");
      }
      return problems;
    },
    { properties: { requireHighAvailability: { type: "boolean", default: false } } },
  ),
  policy(
    "stateful-data-protected",
    "Where required (prod): the Cloud SQL instance, database and user, Memorystore and the static bucket cannot be removed by a stack change or pulumi destroy (Pulumi protect and the providers' deletion protection), and Memorystore keeps RDB snapshots.",
    Object.keys(STATEFUL_GUARDS),
    (props, config, { type, opts }) => {
      if (!config.requireDeletionProtection) return [];
      const guards = STATEFUL_GUARDS[type]?.(props) ?? [];
      return [...(opts.protect === true ? [] : ["is not protected (Pulumi's protect option)"]), ...guards];
    },
    { properties: { requireDeletionProtection: { type: "boolean", default: false } } },
  ),
  policy(
    "memorystore-auth-tls",
    "Memorystore for Redis: AUTH on and in-transit encryption.",
    ["gcp:redis/instance:Instance"],
    (props) => [
      ...(props.authEnabled === true ? [] : ["has AUTH off"]),
      ...(props.transitEncryptionMode === "SERVER_AUTHENTICATION" ? [] : ["does not encrypt in transit"]),
    ],
  ),
  policy(
    "bucket-uniform-access",
    "Cloud Storage buckets use uniform bucket-level access (no per-object ACLs).",
    ["gcp:storage/bucket:Bucket"],
    (props) => (props.uniformBucketLevelAccess === true ? [] : ["does not use uniform bucket-level access"]),
  ),
  policy(
    "gke-hardened",
    "GKE: private nodes, Workload Identity, shielded nodes with secure boot, Binary Authorization enforced, Secrets encrypted with a Cloud KMS key.",
    ["gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool"],
    (props) => {
      const problems: string[] = [];
      if (props.nodeConfig?.shieldedInstanceConfig?.enableSecureBoot !== true)
        problems.push("nodes boot without secure boot");
      if (props.nodeConfig?.workloadMetadataConfig?.mode !== "GKE_METADATA")
        problems.push("nodes expose the VM metadata to pods");
      if ("cluster" in props) return problems; // a node pool
      if (props.privateClusterConfig?.enablePrivateNodes !== true) problems.push("has public nodes");
      if (!props.workloadIdentityConfig?.workloadPool) problems.push("has no Workload Identity");
      if (props.enableShieldedNodes !== true) problems.push("has no shielded nodes");
      if (props.binaryAuthorization?.evaluationMode !== "PROJECT_SINGLETON_POLICY_ENFORCE")
        problems.push("does not enforce Binary Authorization");
      if (props.databaseEncryption?.state !== "ENCRYPTED" || !props.databaseEncryption?.keyName)
        problems.push("keeps Secrets in etcd without a Cloud KMS key (databaseEncryption)");
      return problems;
    },
  ),
  policy(
    "registry-scanned",
    "Artifact Registry repositories scan pushed images for vulnerabilities (not DISABLED).",
    ["gcp:artifactregistry/repository:Repository"],
    (props) =>
      props.vulnerabilityScanningConfig?.enablementConfig === "DISABLED"
        ? ["has vulnerability scanning disabled"]
        : [],
  ),
  policy(
    "containers-restricted",
    "Every container: CPU and memory limits, the restricted security context, a read-only root filesystem; long-running ones have a liveness probe.",
    WORKLOAD_TYPES,
    (props) => {
      const problems = restrictedViolations(props);
      // The load generator is a client: it only fails by exiting, which the kubelet restarts.
      const isClient = props.metadata?.labels?.["app.kubernetes.io/component"] === "load-generator";
      if (LONG_RUNNING.has(props.kind) && !isClient) {
        for (const container of podSpecOf(props)?.containers ?? []) {
          if (!container.livenessProbe) {
            problems.push(`container ${container.name} has no liveness probe`);
          }
        }
      }
      return problems;
    },
  ),
  policy(
    "images-by-digest",
    "Where required (the GCP stacks), the app's image is deployed by digest: every pod runs exactly the bytes that were built.",
    WORKLOAD_TYPES,
    (props, config) => {
      if (!config.requireImageDigests) return [];
      return (podSpecOf(props)?.containers ?? [])
        .filter(
          (c: { name: string; image?: string }) =>
            c.name === APP_CONTAINER && !String(c.image ?? "").includes("@sha256:"),
        )
        .map((c: { image?: string }) => `the app container uses ${c.image}, not a digest`);
    },
    { properties: { requireImageDigests: { type: "boolean", default: false } } },
  ),
];
