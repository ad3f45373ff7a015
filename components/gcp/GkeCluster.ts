/**
 * GKE standard, hardened: VPC-native with private nodes, Workload Identity, Dataplane V2,
 * shielded nodes, a release channel, no client certificate; the control plane's IP endpoint
 * open only to authorized networks and its DNS endpoint guarded by IAM; the default node pool
 * replaced by an autoscaling pool on a dedicated least-privilege service account. Also the
 * Kubernetes provider every in-cluster object uses.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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
  dependsOn: pulumi.Resource[];
}

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
  readonly workloadPool: string;

  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:GkeCluster", name, {}, opts);
    const parent = { parent: this, dependsOn: args.dependsOn };
    const { project } = args;
    this.workloadPool = `${project}.svc.id.goog`;

    this.nodeServiceAccount = new gcp.serviceaccount.Account(
      `${name}-nodes`,
      {
        project,
        accountId: `${name}-nodes`.slice(0, 30),
        displayName: "GKE nodes (logging, monitoring, image pulls)",
      },
      parent,
    );
    const roleBindings = NODE_ROLES.map(
      (role) =>
        new gcp.projects.IAMMember(
          `${name}-nodes-${role.split("/")[1]!.replace(/\./g, "-")}`,
          { project, role, member: this.nodeServiceAccount.member },
          parent,
        ),
    );

    this.cluster = new gcp.container.Cluster(
      name,
      {
        project,
        location: args.location,
        network: args.network,
        subnetwork: args.subnet,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: {
          clusterSecondaryRangeName: PODS_RANGE,
          servicesSecondaryRangeName: SERVICES_RANGE,
        },
        // The default pool cannot be configured as needed; it is removed right after creation.
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        privateClusterConfig: {
          enablePrivateNodes: true,
          enablePrivateEndpoint: false,
          masterIpv4CidrBlock: args.masterCidr,
        },
        masterAuthorizedNetworksConfig: {
          cidrBlocks: args.masterAuthorizedNetworks.map((cidrBlock) => ({
            cidrBlock,
            displayName: cidrBlock,
          })),
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
        workloadIdentityConfig: { workloadPool: this.workloadPool },
        releaseChannel: { channel: args.releaseChannel },
        datapathProvider: "ADVANCED_DATAPATH", // Dataplane V2: NetworkPolicy enforced by eBPF
        enableShieldedNodes: true,
        enableLegacyAbac: false,
        deletionProtection: args.deletionProtection,
        loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
        monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: true } },
        maintenancePolicy: { recurringWindow: weeklyWindow() },
        securityPostureConfig: { mode: "BASIC", vulnerabilityMode: "VULNERABILITY_BASIC" },
        // The removed default pool still gets created once: keep it hardened too.
        nodeConfig: {
          serviceAccount: this.nodeServiceAccount.email,
          oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
          shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
          workloadMetadataConfig: { mode: "GKE_METADATA" },
          metadata: { "disable-legacy-endpoints": "true" },
        },
      },
      parent,
    );

    this.nodePool = new gcp.container.NodePool(
      `${name}-pool`,
      {
        project,
        cluster: this.cluster.id,
        location: args.location,
        autoscaling: { minNodeCount: args.nodes.minPerZone, maxNodeCount: args.nodes.maxPerZone },
        management: { autoRepair: true, autoUpgrade: true },
        upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
        nodeConfig: {
          machineType: args.nodes.machineType,
          spot: args.nodes.spot,
          diskType: "pd-balanced",
          diskSizeGb: 50,
          imageType: "COS_CONTAINERD",
          serviceAccount: this.nodeServiceAccount.email,
          // Access is decided by IAM on the service account; the scope just does not narrow it.
          oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
          shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
          workloadMetadataConfig: { mode: "GKE_METADATA" },
          metadata: { "disable-legacy-endpoints": "true" },
          labels: { "django-k8s/pool": "app" },
        },
      },
      // Nodes log, report metrics and pull images with these roles from their first minute.
      { parent: this, dependsOn: roleBindings },
    );

    this.kubeconfig = pulumi.secret(
      pulumi
        .all([this.cluster.name, this.cluster.controlPlaneEndpointsConfig])
        .apply(([clusterName, endpoints]) => gkeKubeconfig(clusterName, dnsEndpoint(endpoints))),
    );
    // Every Kubernetes object goes through this provider, and only once nodes exist to run it.
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true },
      { parent: this, dependsOn: [this.nodePool] },
    );
    this.registerOutputs({ cluster: this.cluster.name });
  }
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
