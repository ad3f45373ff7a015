/**
 * The parent's side of previews (docs/previews.md): what every GCP stack and the minikube
 * stack export for previews to read through a StackReference (the names and types are
 * previewContract.ts's), who of a preview may reach the parent's in-cluster stores, and the
 * shared Gateway a GCP parent with previewDomain creates once.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CloudSqlPostgres } from "../components/gcp/CloudSqlPostgres";
import type { GkeCluster } from "../components/gcp/GkeCluster";
import type { MemorystoreRedis } from "../components/gcp/MemorystoreRedis";
import type { Network } from "../components/gcp/Network";
import {
  PREVIEW_GATEWAY_LISTENER,
  PREVIEW_GATEWAY_NAME,
  PreviewGateway,
} from "../components/gcp/PreviewGateway";
import type { WorkloadIdentity } from "../components/gcp/WorkloadIdentity";
import { APP_NAME } from "../components/k8s/djangoApp/appContract";
import type { InClusterPostgres } from "../components/k8s/InClusterPostgres";
import { type InClusterRedis, REDIS_PORT } from "../components/k8s/InClusterRedis";
import { appSelector, type NetworkPolicyPeer } from "../components/k8s/specs/networkPolicies";
import type { GcpStackConfig, MinikubeStackConfig, StackConfig } from "./config";
import {
  type GcpPreviewTarget,
  type MinikubePreviewTarget,
  PREVIEW_OF_LABEL,
  PREVIEW_OUTPUTS,
  type PreviewDnsRecord,
  type PreviewSettings,
} from "./previewContract";

/** The labels every preview namespace of `stack` carries. */
export function previewNamespaceLabels(stack: string): Record<string, string> {
  return { [PREVIEW_OF_LABEL]: stack };
}

/** The app's pods in the previews of `stack`: admitted to the parent's in-cluster PostgreSQL and Redis. */
export function previewClients(stack: string): NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: previewNamespaceLabels(stack) },
    podSelector: appSelector(APP_NAME),
  };
}

function previewSettings(config: StackConfig): PreviewSettings {
  const { domain, ...sizes } = config.previews;
  return { platform: config.platform, domain: domain ?? "", ...sizes };
}

type Exported<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** The outputs under PREVIEW_OUTPUTS' names; secrets stay secrets. */
function previewOutputs(parts: {
  settings: PreviewSettings;
  target: Exported<MinikubePreviewTarget> | Exported<GcpPreviewTarget>;
  adminPassword: pulumi.Input<string>;
  redisAuth: pulumi.Input<string>;
  redisCaCert: pulumi.Input<string>;
  address: pulumi.Input<string>;
  dnsRecords: pulumi.Input<PreviewDnsRecord[]>;
}): Record<string, unknown> {
  return {
    [PREVIEW_OUTPUTS.settings]: parts.settings,
    [PREVIEW_OUTPUTS.target]: pulumi.output(parts.target),
    [PREVIEW_OUTPUTS.databaseAdminPassword]: pulumi.secret(parts.adminPassword),
    [PREVIEW_OUTPUTS.redisAuth]: pulumi.secret(parts.redisAuth),
    [PREVIEW_OUTPUTS.redisCaCert]: pulumi.output(parts.redisCaCert),
    [PREVIEW_OUTPUTS.address]: pulumi.output(parts.address),
    [PREVIEW_OUTPUTS.dnsRecords]: pulumi.output(parts.dnsRecords),
  };
}

/** A minikube parent's exports: its context, namespace, and in-cluster stores by their cluster DNS names. */
export function minikubePreviewExports(
  config: MinikubeStackConfig,
  data: { namespace: pulumi.Output<string>; postgres: InClusterPostgres; redis: InClusterRedis },
): Record<string, unknown> {
  const { postgres, redis, namespace } = data;
  const fqdn = (host: pulumi.Input<string>) => pulumi.interpolate`${host}.${namespace}.svc.cluster.local`;
  const target: Exported<MinikubePreviewTarget> = {
    platform: "minikube",
    kubeContext: config.minikube.kubeContext,
    namespace,
    postgres: pulumi.output({
      host: fqdn(postgres.host),
      port: postgres.port,
      adminUser: postgres.admin.user,
      adminDatabase: postgres.admin.database,
      image: config.minikube.postgres.image,
    }),
    redis: pulumi.output({ host: fqdn(redis.service.metadata.name), port: REDIS_PORT }),
  };
  return previewOutputs({
    settings: previewSettings(config),
    target,
    adminPassword: postgres.admin.password,
    redisAuth: redis.password,
    redisCaCert: "",
    address: "",
    dnsRecords: [],
  });
}

/** With previewDomain: the shared Gateway and wildcard certificate, in the parent's namespace. */
export function createPreviewGateway(
  config: GcpStackConfig,
  on: { namespace: pulumi.Output<string>; dependsOn: pulumi.Resource[] },
  opts: pulumi.ComponentResourceOptions,
): PreviewGateway | undefined {
  const domain = config.previews.domain;
  if (!domain) return undefined;
  return new PreviewGateway(
    "preview",
    {
      project: config.gcp.project,
      domain,
      namespace: on.namespace,
      routeNamespaces: previewNamespaceLabels(config.stack),
      dependsOn: on.dependsOn,
    },
    opts,
  );
}

/** A gcp parent's exports: its cluster, Cloud SQL, Memorystore, the app's identity and the Gateway. */
export function gcpPreviewExports(
  config: GcpStackConfig,
  built: {
    namespace: pulumi.Output<string>;
    cluster: GkeCluster;
    network: Network;
    sql: CloudSqlPostgres;
    redis: MemorystoreRedis;
    appIdentity: WorkloadIdentity;
    gateway?: PreviewGateway;
  },
): Record<string, unknown> {
  const { namespace, cluster, network, sql, redis, gateway } = built;
  const target: Exported<GcpPreviewTarget> = {
    platform: "gcp",
    project: config.gcp.project,
    region: config.gcp.region,
    clusterName: cluster.cluster.name,
    dnsEndpoint: cluster.dnsEndpoint,
    namespace,
    workloadPool: cluster.workloadPool,
    cloudSql: pulumi.output({
      instance: sql.instance.name,
      connectionName: sql.connectionName,
      adminUser: sql.userName,
    }),
    redis: pulumi.output({ host: redis.host, port: redis.instance.port }),
    appServiceAccount: built.appIdentity.account.name,
    network: pulumi.output({
      privateServiceCidr: network.privateServiceCidr,
      subnetCidr: config.gcp.network.subnetCidr,
    }),
    gateway: gateway
      ? pulumi.output({ name: PREVIEW_GATEWAY_NAME, namespace, listener: PREVIEW_GATEWAY_LISTENER })
      : undefined,
  };
  return previewOutputs({
    settings: previewSettings(config),
    target,
    adminPassword: sql.password,
    redisAuth: redis.instance.authString,
    redisCaCert: redis.caCert,
    address: gateway ? gateway.address.address : "",
    dnsRecords: gateway ? gateway.dnsRecords : [],
  });
}
