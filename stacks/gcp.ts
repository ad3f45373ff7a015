/**
 * The GCP stacks (dev, prod): GKE, Cloud SQL, Memorystore, a CDN-backed static bucket and
 * Artifact Registry, and the same DjangoApp as on minikube, fed a GCP-built AppBackends.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CloudSqlPostgres } from "../components/gcp/CloudSqlPostgres";
import {
  CLOUD_SQL_PROXY_SERVER_PORT,
  cloudSqlProxySidecar,
  PROXY_PORT,
} from "../components/gcp/cloudSqlProxy";
import { GkeCluster } from "../components/gcp/GkeCluster";
import { ImageRegistry } from "../components/gcp/ImageRegistry";
import { LoadGeneratorVm } from "../components/gcp/LoadGeneratorVm";
import { GCP_LABELS } from "../components/gcp/labels";
import { MEMORYSTORE_TLS_PORT, MemorystoreRedis } from "../components/gcp/MemorystoreRedis";
import { Network } from "../components/gcp/Network";
import { ProjectApis } from "../components/gcp/ProjectApis";
import { StaticSiteCdn } from "../components/gcp/StaticSiteCdn";
import { WEB_SERVICE_ANNOTATIONS, WebIngress } from "../components/gcp/WebIngress";
import { WorkloadIdentity } from "../components/gcp/WorkloadIdentity";
import { ENV, FLOWER_PORT } from "../components/k8s/appContract";
import type { AppBackends } from "../components/k8s/backends";
import { APP_SERVICE_ACCOUNT, COLLECTSTATIC_SERVICE_ACCOUNT, DjangoApp } from "../components/k8s/DjangoApp";
import { Keda } from "../components/k8s/Keda";
import { AppNamespace } from "../components/k8s/AppNamespace";
import { PRIVATE_RANGES, toCidrs } from "../components/k8s/networkPolicies";
import { standardLabels } from "../components/k8s/specs";
import { APP_CONTEXT_DIR, watchCommands, workloadArgs } from "./appArgs";
import type { StackConfig } from "./config";

export function gcpStack(config: Extract<StackConfig, { platform: "gcp" }>) {
  const g = config.gcp;
  const { project, region } = g;
  // Explicit providers: nothing depends on ambient gcloud defaults or kubectl's context.
  const gcpProvider = new gcp.Provider("gcp", { project, region, defaultLabels: GCP_LABELS });
  const onGcp = { providers: [gcpProvider] };

  const apis = new ProjectApis("apis", { project }, onGcp);
  const network = new Network(
    "network",
    { project, region, ...g.network, dependsOn: apis.need("compute", "servicenetworking") },
    onGcp,
  );
  const cluster = new GkeCluster(
    "django",
    {
      project,
      location: g.clusterLocation,
      network: network.network.id,
      subnet: network.subnet.id,
      masterCidr: g.network.masterCidr,
      masterAuthorizedNetworks: g.masterAuthorizedNetworks,
      releaseChannel: g.releaseChannel,
      deletionProtection: g.deletionProtection,
      nodes: g.nodes,
      dependsOn: apis.need("container", "iam", "logging", "monitoring"),
    },
    onGcp,
  );
  const inCluster = { providers: [gcpProvider, cluster.provider] };

  const sql = new CloudSqlPostgres(
    "postgres",
    {
      project,
      region,
      network: network.network.id,
      ...g.cloudSql,
      deletionProtection: g.deletionProtection,
      database: "app",
      user: "app",
      dependsOn: [network.serviceNetworking, ...apis.need("sqladmin")],
    },
    onGcp,
  );
  const redis = new MemorystoreRedis(
    "redis",
    {
      project,
      region,
      network: network.network.id,
      reservedRange: network.privateServiceRange.name,
      ...g.redis,
      dependsOn: [network.serviceNetworking, ...apis.need("redis")],
    },
    onGcp,
  );
  // Identities bind to the cluster's workload pool, which exists once the cluster does.
  const identity = (
    name: string,
    kubernetesServiceAccount: string,
    description: string,
    projectRoles?: string[],
  ) =>
    new WorkloadIdentity(
      name,
      {
        project,
        workloadPool: cluster.workloadPool,
        namespace: config.namespace,
        kubernetesServiceAccount,
        description,
        projectRoles,
        dependsOn: [cluster.cluster, ...apis.need("iam")],
      },
      onGcp,
    );
  const appIdentity = identity("django-app", APP_SERVICE_ACCOUNT, "Django pods (Cloud SQL client)", [
    "roles/cloudsql.client",
  ]);
  const uploader = identity(
    "django-static",
    COLLECTSTATIC_SERVICE_ACCOUNT,
    "collectstatic Job (static bucket writer)",
  );
  const cdn = new StaticSiteCdn(
    "static",
    {
      project,
      location: region,
      domain: g.staticDomain,
      deletionProtection: g.deletionProtection,
      uploader: uploader.member,
      dependsOn: apis.need("compute", "storage"),
    },
    onGcp,
  );
  const registry = new ImageRegistry(
    "django-k8s",
    {
      project,
      region,
      contextDir: config.image ? undefined : APP_CONTEXT_DIR,
      dependsOn: apis.need("artifactregistry"),
    },
    onGcp,
  );
  const image = config.image ?? registry.imageRef!;

  const ns = new AppNamespace("namespace", { name: config.namespace }, inCluster).name;
  // Same keys as on minikube, so DjangoApp reads the credentials the same way.
  const credentials = new k8s.core.v1.Secret(
    "postgres-credentials",
    {
      metadata: {
        name: "postgres-credentials",
        namespace: ns,
        labels: standardLabels("postgres", "database"),
      },
      type: "Opaque",
      stringData: {
        [ENV.postgresDb]: sql.databaseName,
        [ENV.postgresUser]: sql.userName,
        [ENV.postgresPassword]: sql.password,
      },
    },
    { provider: cluster.provider },
  );
  const ingress = new WebIngress(
    "web",
    {
      project,
      namespace: ns,
      domain: g.domain,
      dependsOn: apis.need("compute"),
    },
    inCluster,
  );

  const backends: AppBackends = {
    // Through the Cloud SQL Auth Proxy beside every pod that talks to the database.
    database: { host: "127.0.0.1", port: PROXY_PORT, credentialsSecretName: credentials.metadata.name },
    redisUrl: redis.url,
    // Memorystore's CA is unique to the instance, so the chain check pins the server; its
    // certificate is not guaranteed to name the private IP clients connect to.
    redisTls: { caCert: redis.caCert, checkHostname: false },
    staticFiles: {
      kind: "bucket",
      bucket: cdn.bucket.name,
      publicUrl: cdn.publicUrl,
      uploaderServiceAccountAnnotations: uploader.annotations,
    },
    podExtras: {
      sidecars: [cloudSqlProxySidecar(sql.connectionName)],
      serviceAccountAnnotations: appIdentity.annotations,
    },
    network: {
      // Cloud SQL (the proxy's port) and Memorystore (its TLS port) live in the private service range.
      database: [toCidrs([network.privateServiceCidr], [CLOUD_SQL_PROXY_SERVER_PORT])],
      redis: [toCidrs([network.privateServiceCidr], [MEMORYSTORE_TLS_PORT])],
      cloudApis: [
        // Google APIs (the proxy's IAM calls, Cloud Storage): public endpoints on 443.
        toCidrs(["0.0.0.0/0"], [443], PRIVATE_RANGES),
        // The GKE metadata server for Workload Identity tokens; Dataplane V2 rewrites it to the node's IP.
        toCidrs(["169.254.169.254/32"], [80, 988]),
        toCidrs([g.network.subnetCidr], [988]),
      ],
    },
  };
  const shared = workloadArgs(config);
  const keda = config.worker.scaling.mode === "queue" ? new Keda("keda", inCluster) : undefined;
  const app = new DjangoApp(
    "django",
    {
      namespace: ns,
      image,
      imagePullPolicy: "IfNotPresent",
      backends,
      django: {
        ...shared.django,
        // The load balancer's host name or IP, plus any configured; HTTPS exactly when a domain is set.
        allowedHosts: [ingress.host, ...config.django.allowedHosts],
        csrfTrustedOrigins: [
          ...(g.domain ? [`https://${g.domain}`] : []),
          ...config.django.csrfTrustedOrigins,
        ],
        https: Boolean(g.domain),
      },
      worker: shared.worker,
      web: {
        ...shared.web,
        service: { type: "ClusterIP", annotations: WEB_SERVICE_ANNOTATIONS },
        spreadAcrossZones: g.regional,
      },
      keda: keda?.release,
      flower: {
        user: config.flower.user,
        service:
          g.flower.exposure === "loadBalancer"
            ? { type: "LoadBalancer", sourceRanges: g.flower.sourceRanges }
            : { type: "ClusterIP" },
        // The load balancer's admitted ranges; port-forwarding bypasses NetworkPolicies.
        allowFrom: g.flower.exposure === "loadBalancer" ? g.flower.sourceRanges : [],
      },
    },
    inCluster,
  );

  if (config.loadGenerator) {
    new LoadGeneratorVm(
      "load-generator",
      {
        project,
        zone: g.regional ? `${region}-b` : g.clusterLocation,
        subnet: network.subnet.id,
        targetUrl: ingress.url,
        rate: config.loadGenerator.rate,
        // Requests only make sense once the app answers behind its load balancer.
        dependsOn: [...apis.need("compute"), ingress.ingress, app.deployments.web],
      },
      onGcp,
    );
  }

  const flowerAccess =
    g.flower.exposure === "loadBalancer"
      ? app.flowerService.status.apply(
          (s) => `http://${s?.loadBalancer?.ingress?.[0]?.ip ?? "<pending>"}:${FLOWER_PORT}/`,
        )
      : pulumi.interpolate`kubectl -n ${ns} port-forward svc/${app.flowerService.metadata.name} ${FLOWER_PORT}:${FLOWER_PORT}`;
  return {
    appUrl: ingress.url,
    staticUrl: cdn.publicUrl,
    flowerAccess,
    flowerUser: config.flower.user,
    flowerPassword: pulumi.secret(app.flowerPassword),
    namespace: ns,
    clusterName: cluster.cluster.name,
    kubeconfig: cluster.kubeconfig,
    cloudSqlConnectionName: sql.connectionName,
    redisHost: redis.host,
    bucketName: cdn.bucket.name,
    image: pulumi.output(image),
    migrationJob: app.migrationJob.metadata.name,
    watchAutoscaling: watchCommands(ns, config.loadGenerator !== undefined),
  };
}
