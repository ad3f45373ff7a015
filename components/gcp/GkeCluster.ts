/**
 * GKE standard, hardened: VPC-native with private nodes, Workload Identity, Dataplane V2,
 * shielded nodes, a release channel, no client certificate; the control plane's IP endpoint
 * open only to authorized networks and its DNS endpoint guarded by IAM; the default node pool
 * replaced by an autoscaling pool on a dedicated least-privilege service account; Secrets
 * encrypted in etcd with a Cloud KMS key of its own (application-layer encryption); Binary
 * Authorization admitting only the images the stack names. Also the Kubernetes provider every
 * in-cluster object uses, created only once the admission policy is in place.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { grantProjectRoles, serviceAccountId } from "./iam";
import { gkeKubeconfig } from "./kubeconfig";
import { PODS_RANGE, SERVICES_RANGE } from "./Network";

export interface GkeClusterArgs {
  project: string;
  /** A region (regional cluster) or a zone (zonal). */
  location: string;
  network: pulumi.Input<string>;
  subnet: pulumi.Input<string>;
  masterCidr: string;
  masterAuthorizedNetworks: string[];
  releaseChannel: "RAPID" | "REGULAR" | "STABLE";
  deletionProtection: boolean;
  nodes: { machineType: string; minPerZone: number; maxPerZone: number; spot: boolean };
  /**
   * Binary Authorization's allowlist: image name patterns (e.g. the project's registry with a
   * trailing `/**`). Everything else is refused, except Google's own system images.
   */
  admittedImages: pulumi.Input<string>[];
  /** The cloudkms and binaryauthorization APIs, which the key and the policy call. */
  securityApis: pulumi.Resource[];
  /** The Gateway API's standard channel: the previews' shared Gateway (previewDomain) needs it. */
  gatewayApi?: boolean;
  dependsOn: pulumi.Resource[];
}

/** How often the secrets key gets a new primary version (CIS GKE 5.3.1 asks for rotation; 90 days). */
export const SECRETS_KEY_ROTATION = `${90 * 24 * 3600}s`;

/** What nodes need and no more: write logs and metrics, pull images. */
export const NODE_ROLES = [
  "roles/logging.logWriter",
  "roles/monitoring.metricWriter",
  "roles/monitoring.viewer",
  "roles/stackdriver.resourceMetadata.writer",
  "roles/artifactregistry.reader",
];

export class GkeCluster extends pulumi.ComponentResource {
  readonly cluster: gcp.container.Cluster;
  readonly nodePool: gcp.container.NodePool;
  readonly nodeServiceAccount: gcp.serviceaccount.Account;
  readonly provider: k8s.Provider;
  readonly kubeconfig: pulumi.Output<string>;
  /** The control plane's DNS endpoint (what the kubeconfig points at; previews rebuild theirs from it). */
  readonly dnsEndpoint: pulumi.Output<string>;
  readonly workloadPool: string;

  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:GkeCluster", name, {}, opts);
    this.workloadPool = `${args.project}.svc.id.goog`;
    const nodes = createNodeIdentity(name, args, this);
    this.nodeServiceAccount = nodes.account;
    const secretsKey = createSecretsKey(name, args, this);
    this.cluster = createCluster(name, args, this.workloadPool, nodes.account.email, secretsKey, this);
    this.nodePool = createNodePool(name, args, this.cluster, nodes, this);
    const admission = createAdmissionPolicy(name, args, this);
    this.kubeconfig = clusterKubeconfig(this.cluster);
    this.dnsEndpoint = this.cluster.controlPlaneEndpointsConfig.apply(dnsEndpoint);
    this.provider = createKubernetesProvider(name, this.kubeconfig, [this.nodePool, admission], this);
    this.registerOutputs({ cluster: this.cluster.name });
  }
}

/** The nodes' own service account and its NODE_ROLES. */
function createNodeIdentity(name: string, args: GkeClusterArgs, parent: pulumi.Resource) {
  const opts = { parent, dependsOn: args.dependsOn };
  const account = new gcp.serviceaccount.Account(
    `${name}-nodes`,
    {
      project: args.project,
      accountId: serviceAccountId(`${name}-nodes`),
      displayName: "GKE nodes (logging, monitoring, image pulls)",
    },
    opts,
  );
  const grants = grantProjectRoles(
    `${name}-nodes`,
    { project: args.project, member: account.member, roles: NODE_ROLES },
    opts,
  );
  return { account, grants };
}

/**
 * What every node runs with, the removed default pool's included: the dedicated service
 * account, shielded boot, and pods kept off the node's own metadata (Workload Identity only).
 */
export function hardenedNodeConfig(serviceAccount: pulumi.Input<string>) {
  return {
    serviceAccount,
    // Access is decided by IAM on the service account; the scope just does not narrow it.
    oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
    shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
    workloadMetadataConfig: { mode: "GKE_METADATA" },
    metadata: { "disable-legacy-endpoints": "true" },
  };
}

/** A cluster in a zone keeps its key in the zone's region: KMS locations are regions. */
export function keyLocation(clusterLocation: string): string {
  return /-[a-z]$/.test(clusterLocation) ? clusterLocation.replace(/-[a-z]$/, "") : clusterLocation;
}

/**
 * The key GKE encrypts Secrets with before they reach etcd, rotated on a schedule, usable by
 * GKE's service agent only. KMS never deletes a key ring or a key (destroy only schedules the
 * key's versions for destruction and forgets them), so the ring's name carries a random suffix:
 * a stack destroyed and brought up again gets a new one instead of a name conflict. (Two stacks
 * still cannot share a project: service accounts, the backup's custom role and the Binary
 * Authorization policy have fixed names; docs/gcp.md says one project per stack.)
 */
function createSecretsKey(name: string, args: GkeClusterArgs, parent: pulumi.Resource) {
  const opts = { parent, dependsOn: [...args.dependsOn, ...args.securityApis] };
  const suffix = new random.RandomId(`${name}-secrets-suffix`, { byteLength: 3 }, { parent });
  const ring = new gcp.kms.KeyRing(
    `${name}-secrets`,
    {
      project: args.project,
      location: keyLocation(args.location),
      name: pulumi.interpolate`${name}-secrets-${suffix.hex}`,
    },
    opts,
  );
  const key = new gcp.kms.CryptoKey(
    `${name}-secrets`,
    {
      keyRing: ring.id,
      name: "etcd-secrets",
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: SECRETS_KEY_ROTATION,
    },
    opts,
  );
  const project = gcp.organizations.getProjectOutput({ projectId: args.project }, { parent });
  const grant = new gcp.kms.CryptoKeyIAMMember(
    `${name}-secrets-gke`,
    {
      cryptoKeyId: key.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: pulumi.interpolate`serviceAccount:service-${project.number}@container-engine-robot.iam.gserviceaccount.com`,
    },
    opts,
  );
  return { key, grant };
}

/**
 * The project's Binary Authorization policy (one per project): Google's system images
 * (globalPolicyEvaluationMode) and the allowlist pass, everything else is blocked and logged.
 */
function createAdmissionPolicy(name: string, args: GkeClusterArgs, parent: pulumi.Resource) {
  return new gcp.binaryauthorization.Policy(
    `${name}-admission`,
    {
      project: args.project,
      globalPolicyEvaluationMode: "ENABLE",
      admissionWhitelistPatterns: args.admittedImages.map((namePattern) => ({ namePattern })),
      defaultAdmissionRule: {
        evaluationMode: "ALWAYS_DENY",
        enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG",
      },
    },
    { parent, dependsOn: [...args.dependsOn, ...args.securityApis] },
  );
}

function createCluster(
  name: string,
  args: GkeClusterArgs,
  workloadPool: string,
  nodeServiceAccount: pulumi.Input<string>,
  secrets: ReturnType<typeof createSecretsKey>,
  parent: pulumi.Resource,
): gcp.container.Cluster {
  return new gcp.container.Cluster(
    name,
    {
      project: args.project,
      location: args.location,
      ...privateNetworking(args),
      ...controlPlaneAccess(args),
      ...clusterSecurity(workloadPool),
      databaseEncryption: { state: "ENCRYPTED", keyName: secrets.key.id },
      binaryAuthorization: { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" },
      ...operations(args),
      deletionProtection: args.deletionProtection,
      ...(args.gatewayApi ? { gatewayApiConfig: { channel: "CHANNEL_STANDARD" } } : {}),
      // The default pool cannot be configured as needed; it is removed right after creation.
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      // The removed default pool still gets created once: keep it hardened too.
      nodeConfig: hardenedNodeConfig(nodeServiceAccount),
    },
    // GKE checks at creation that its service agent may use the key.
    { parent, dependsOn: [...args.dependsOn, secrets.grant] },
  );
}

/** VPC-native on the network's secondary ranges, with nodes that have no public IP. */
function privateNetworking(args: GkeClusterArgs) {
  return {
    network: args.network,
    subnetwork: args.subnet,
    networkingMode: "VPC_NATIVE",
    ipAllocationPolicy: {
      clusterSecondaryRangeName: PODS_RANGE,
      servicesSecondaryRangeName: SERVICES_RANGE,
    },
    privateClusterConfig: {
      enablePrivateNodes: true,
      enablePrivateEndpoint: false,
      masterIpv4CidrBlock: args.masterCidr,
    },
  };
}

/** Who reaches the control plane, and how. */
function controlPlaneAccess(args: GkeClusterArgs) {
  return {
    masterAuthorizedNetworksConfig: {
      cidrBlocks: args.masterAuthorizedNetworks.map((cidrBlock) => ({ cidrBlock, displayName: cidrBlock })),
    },
    // The DNS endpoint admits a caller by IAM (container.clusters.connect), not by source
    // address: Pulumi, from a laptop or a CI runner with no fixed IP, goes through it, so the
    // IP allow list above stays short. Certificates and static tokens are refused on it.
    controlPlaneEndpointsConfig: {
      dnsEndpointConfig: {
        allowExternalTraffic: true,
        enableK8sCertsViaDns: false,
        enableK8sTokensViaDns: false,
      },
    },
    masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
  };
}

function clusterSecurity(workloadPool: string) {
  return {
    workloadIdentityConfig: { workloadPool },
    datapathProvider: "ADVANCED_DATAPATH", // Dataplane V2: NetworkPolicy enforced by eBPF
    enableShieldedNodes: true,
    enableLegacyAbac: false,
    securityPostureConfig: { mode: "BASIC", vulnerabilityMode: "VULNERABILITY_BASIC" },
  };
}

/** Upgrades, logs and metrics. */
function operations(args: GkeClusterArgs) {
  return {
    releaseChannel: { channel: args.releaseChannel },
    loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
    monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: true } },
    maintenancePolicy: { recurringWindow: weeklyWindow() },
  };
}

/** The autoscaling pool the app runs on. */
function createNodePool(
  name: string,
  args: GkeClusterArgs,
  cluster: gcp.container.Cluster,
  nodes: { account: gcp.serviceaccount.Account; grants: pulumi.Resource[] },
  parent: pulumi.Resource,
): gcp.container.NodePool {
  return new gcp.container.NodePool(
    `${name}-pool`,
    {
      project: args.project,
      cluster: cluster.id,
      location: args.location,
      autoscaling: { minNodeCount: args.nodes.minPerZone, maxNodeCount: args.nodes.maxPerZone },
      management: { autoRepair: true, autoUpgrade: true },
      upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
      nodeConfig: {
        ...hardenedNodeConfig(nodes.account.email),
        machineType: args.nodes.machineType,
        spot: args.nodes.spot,
        diskType: "pd-balanced",
        diskSizeGb: 50,
        imageType: "COS_CONTAINERD",
        labels: { "django-k8s/pool": "app" },
      },
    },
    // Nodes log, report metrics and pull images with these roles from their first minute.
    { parent, dependsOn: nodes.grants },
  );
}

/** Built from what GKE reports once the cluster exists; secret because it names the endpoint. */
function clusterKubeconfig(cluster: gcp.container.Cluster): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .all([cluster.name, cluster.controlPlaneEndpointsConfig])
      .apply(([clusterName, endpoints]) => gkeKubeconfig(clusterName, dnsEndpoint(endpoints))),
  );
}

/**
 * Every Kubernetes object goes through this provider, and only once nodes exist to run it and
 * the admission policy decides what they may run.
 */
function createKubernetesProvider(
  name: string,
  kubeconfig: pulumi.Output<string>,
  readiness: pulumi.Resource[],
  parent: pulumi.Resource,
): k8s.Provider {
  return new k8s.Provider(
    `${name}-k8s`,
    { kubeconfig, enableServerSideApply: true },
    { parent, dependsOn: readiness },
  );
}

/** The cluster's DNS endpoint, which GKE assigns at creation. */
function dnsEndpoint(endpoints: gcp.types.output.container.ClusterControlPlaneEndpointsConfig): string {
  const endpoint = endpoints.dnsEndpointConfig?.endpoint;
  if (!endpoint) throw new Error("GKE returned no DNS endpoint for the control plane");
  return endpoint;
}

/** Maintenance at night on weekends (UTC), so upgrades do not land mid-week. */
function weeklyWindow() {
  return {
    startTime: "2024-01-06T02:00:00Z",
    endTime: "2024-01-06T06:00:00Z",
    recurrence: "FREQ=WEEKLY;BYDAY=SA,SU",
  };
}
