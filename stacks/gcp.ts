/**
 * The GCP stacks (dev, prod): GKE, Cloud SQL, Memorystore, a CDN-backed static bucket and
 * Artifact Registry, and the same DjangoApp as on minikube, fed a GCP-built AppBackends.
 * Read top-down: gcpStack names the steps, each step below builds one layer.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { CloudArmor } from "../components/gcp/CloudArmor";
import { CloudSqlPostgres } from "../components/gcp/CloudSqlPostgres";
import { CLOUD_SQL_PROXY_REPOSITORY } from "../components/gcp/cloudSqlProxy";
import { GkeCluster } from "../components/gcp/GkeCluster";
import { APP_IMAGE_NAME, ImageRegistry, repositoryPath } from "../components/gcp/ImageRegistry";
import { LoadGeneratorVm } from "../components/gcp/LoadGeneratorVm";
import { GCP_LABELS } from "../components/gcp/labels";
import { MemorystoreRedis } from "../components/gcp/MemorystoreRedis";
import { Monitoring } from "../components/gcp/Monitoring";
import { Network } from "../components/gcp/Network";
import { PreMigrationBackup } from "../components/gcp/PreMigrationBackup";
import type { PreviewGateway } from "../components/gcp/PreviewGateway";
import { ProjectApis } from "../components/gcp/ProjectApis";
import { StaticSiteCdn } from "../components/gcp/StaticSiteCdn";
import { WEB_SERVICE_ANNOTATIONS, WebIngress } from "../components/gcp/WebIngress";
import { WorkloadIdentity } from "../components/gcp/WorkloadIdentity";
import { AppNamespace } from "../components/k8s/AppNamespace";
import { APP_SERVICE_ACCOUNT, COLLECTSTATIC_SERVICE_ACCOUNT, DjangoApp } from "../components/k8s/djangoApp";
import { APP_NAME, FLOWER_PORT } from "../components/k8s/djangoApp/appContract";
import type { AppBackends } from "../components/k8s/djangoApp/backends";
import { ManagedPrometheus } from "../components/k8s/ManagedPrometheus";
import { PostgresCredentials } from "../components/k8s/PostgresCredentials";
import type { GcpStackConfig } from "./config";
import { gcpBackends } from "./gcpBackends";
import { createPreviewGateway, gcpPreviewExports } from "./previewParent";
import { IMAGE_OUTPUT, previousImage } from "./previousImage";
import { APP_CONTEXT_DIR, createKeda, credentialOutputs, watchCommands, workloadArgs } from "./sharedSteps";

type Platform = ReturnType<typeof gcpPlatform>;
type DataServices = ReturnType<typeof gcpDataServices>;

export function gcpStack(config: GcpStackConfig) {
  const platform = gcpPlatform(config);
  const data = gcpDataServices(config, platform);
  const namespace = new AppNamespace("namespace", { name: config.namespace }, platform.inCluster).name;
  const armor = platform.armor;
  // Same keys as on minikube, so DjangoApp reads the credentials the same way.
  const credentials = new PostgresCredentials(
    "postgres-credentials",
    { namespace, database: data.sql.databaseName, user: data.sql.userName, password: data.sql.password },
    platform.inCluster,
  );
  const ingress = new WebIngress(
    "web",
    {
      project: config.gcp.project,
      namespace,
      domain: config.gcp.domain,
      securityPolicy: armor.backendPolicy.name,
      dependsOn: platform.apis.need("compute"),
    },
    platform.inCluster,
  );
  const backends = gcpBackends({
    network: platform.network,
    subnetCidr: config.gcp.network.subnetCidr,
    database: data.sql,
    credentialsSecretName: credentials.secretName,
    redis: data.redis,
    staticSite: data.cdn,
    identities: data.identities,
  });
  const backup = config.gcp.backupBeforeMigrate
    ? preMigrationBackup(config, platform, { namespace, image: data.image, data, backends })
    : undefined;
  const app = gcpApp(config, platform, {
    namespace,
    image: data.image,
    ingress,
    backends,
    migrateAfter: backup ? [backup.job] : [],
  });
  if (config.loadGenerator)
    loadGeneratorVm(config, platform, { ingress, app, rate: config.loadGenerator.rate });
  gcpMonitoring(config, platform, { namespace, ingress, app, data });
  const previewGateway = createPreviewGateway(
    config,
    { namespace, dependsOn: platform.apis.need("compute", "certificatemanager") },
    platform.inCluster,
  );
  return gcpOutputs(config, { platform, data, namespace, ingress, app, backup, previewGateway });
}

/** The project's APIs, the VPC and the GKE cluster, with the providers everything else uses. */
function gcpPlatform(config: GcpStackConfig) {
  const g = config.gcp;
  const { project, region } = g;
  // Explicit providers: nothing depends on ambient gcloud defaults or kubectl's context.
  const gcpProvider = new gcp.Provider("gcp", { project, region, defaultLabels: GCP_LABELS });
  const onGcp = { providers: [gcpProvider] };
  const apis = new ProjectApis("apis", { project }, onGcp);
  const network = new Network(
    "network",
    { project, region, ...g.network, dependsOn: apis.need("compute", "servicenetworking", "dns") },
    onGcp,
  );
  const cluster = new GkeCluster(
    APP_NAME,
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
      admittedImages: admittedImages(config),
      securityApis: apis.need("cloudkms", "binaryauthorization"),
      gatewayApi: Boolean(config.previews.domain),
      dependsOn: apis.need("container", "iam", "logging", "monitoring"),
    },
    onGcp,
  );
  const inCluster = { providers: [gcpProvider, cluster.provider] };
  const armor = new CloudArmor(
    "armor",
    {
      project,
      ...g.armor,
      // The load generator leaves through Cloud NAT: its address is the NAT's.
      trustedClients: config.loadGenerator ? [pulumi.interpolate`${network.natAddress.address}/32`] : [],
      dependsOn: apis.need("compute"),
    },
    onGcp,
  );
  return { onGcp, inCluster, apis, network, cluster, armor };
}

/** KEDA's chart pulls its operator, metrics server and webhooks from here, by tag. */
const KEDA_IMAGES = "ghcr.io/kedacore/*";

/** The registry's name, which Binary Authorization's allowlist needs before the registry exists. */
const REGISTRY = "django-k8s";

/**
 * What Binary Authorization admits besides Google's system images: the app from the project's
 * registry by digest only (or the configured image exactly), Google's Cloud SQL proxy repository
 * (the pod spec pins its digest; an allowlist pattern is documented as registry/path with a
 * trailing wildcard, and an exact tag-plus-digest reference is not a documented form), and KEDA's
 * images when the worker scales on the queue (its chart names them by tag).
 */
export function admittedImages(config: GcpStackConfig): string[] {
  const { project, region } = config.gcp;
  return [
    config.image ?? `${repositoryPath(region, project, REGISTRY)}/${APP_IMAGE_NAME}@sha256:*`,
    `${CLOUD_SQL_PROXY_REPOSITORY}*`,
    ...(config.worker.scaling.mode === "queue" ? [KEDA_IMAGES] : []),
  ];
}

/** Cloud SQL, Memorystore, the pods' Google identities, the static CDN and the image registry. */
function gcpDataServices(config: GcpStackConfig, platform: Platform) {
  const { onGcp, apis, network } = platform;
  const g = config.gcp;
  const { project, region } = g;
  const privateNetwork = { project, region, network: network.network.id };
  const sql = new CloudSqlPostgres(
    "postgres",
    {
      ...privateNetwork,
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
      ...privateNetwork,
      reservedRange: network.privateServiceRange.name,
      ...g.redis,
      deletionProtection: g.deletionProtection,
      // Production keeps hourly RDB snapshots: a failover or restart does not lose the queue.
      snapshotPeriod: config.environment === "production" ? "ONE_HOUR" : undefined,
      dependsOn: [network.serviceNetworking, ...apis.need("redis")],
    },
    onGcp,
  );
  const identities = workloadIdentities(config, platform);
  const cdn = new StaticSiteCdn(
    "static",
    {
      project,
      location: region,
      domain: g.staticDomain,
      deletionProtection: g.deletionProtection,
      uploader: identities.uploader.member,
      edgeSecurityPolicy: platform.armor.edgePolicy.selfLink,
      dependsOn: apis.need("compute", "storage"),
    },
    onGcp,
  );
  const registry = new ImageRegistry(
    REGISTRY,
    {
      project,
      region,
      contextDir: config.image ? undefined : APP_CONTEXT_DIR,
      dependsOn: apis.need("artifactregistry", "containerscanning"),
    },
    onGcp,
  );
  // A configured image is deployed as is; otherwise the registry built app/ (contextDir above).
  const image = config.image ?? registry.imageRef;
  if (image === undefined) throw new Error("the image registry built no image although none was configured");
  return { sql, redis, identities, cdn, image };
}

/** The Google identities of the app's pods and of the collectstatic Job (Workload Identity). */
function workloadIdentities(config: GcpStackConfig, { onGcp, apis, cluster }: Platform) {
  // Identities bind to the cluster's workload pool, which exists once the cluster does.
  const identity = (name: string, kubernetesServiceAccount: string, description: string, roles?: string[]) =>
    new WorkloadIdentity(
      name,
      {
        project: config.gcp.project,
        workloadPool: cluster.workloadPool,
        namespace: config.namespace,
        kubernetesServiceAccount,
        description,
        projectRoles: roles,
        dependsOn: [cluster.cluster, ...apis.need("iam")],
      },
      onGcp,
    );
  return {
    app: identity(`${APP_NAME}-app`, APP_SERVICE_ACCOUNT, "Django pods (Cloud SQL client)", [
      "roles/cloudsql.client",
    ]),
    uploader: identity(
      `${APP_NAME}-static`,
      COLLECTSTATIC_SERVICE_ACCOUNT,
      "collectstatic Job (static bucket writer)",
    ),
  };
}

/** The on-demand Cloud SQL backup each new image takes before its migration runs. */
function preMigrationBackup(
  config: GcpStackConfig,
  { inCluster, apis, cluster }: Platform,
  on: {
    namespace: pulumi.Output<string>;
    image: pulumi.Input<string>;
    data: DataServices;
    backends: AppBackends;
  },
) {
  return new PreMigrationBackup(
    "pre-migration-backup",
    {
      project: config.gcp.project,
      instance: on.data.sql.instance.name,
      image: on.image,
      imagePullPolicy: "IfNotPresent",
      namespace: on.namespace,
      namespaceName: config.namespace,
      workloadPool: cluster.workloadPool,
      cloudApis: on.backends.network.cloudApis ?? [],
      dependsOn: [cluster.cluster, ...apis.need("iam", "sqladmin")],
    },
    inCluster,
  );
}

/** DjangoApp behind the web load balancer, with KEDA when the worker scales on the queue. */
function gcpApp(
  config: GcpStackConfig,
  { inCluster }: Platform,
  on: {
    namespace: pulumi.Output<string>;
    image: pulumi.Input<string>;
    ingress: WebIngress;
    backends: AppBackends;
    /** The pre-migration backup Job, when there is one. */
    migrateAfter: pulumi.Resource[];
  },
) {
  const g = config.gcp;
  const shared = workloadArgs(config);
  const keda = createKeda(config, inCluster);
  return new DjangoApp(
    APP_NAME,
    {
      namespace: on.namespace,
      image: on.image,
      imagePullPolicy: "IfNotPresent",
      backends: on.backends,
      migrateAfter: on.migrateAfter,
      django: {
        ...shared.django,
        // The load balancer's host name or IP, plus any configured; HTTPS exactly when a domain is set.
        allowedHosts: [on.ingress.host, ...config.django.allowedHosts],
        csrfTrustedOrigins: [
          ...(g.domain ? [`https://${g.domain}`] : []),
          ...config.django.csrfTrustedOrigins,
        ],
        https: Boolean(g.domain),
        googleCloudProject: g.project,
      },
      worker: shared.worker,
      web: {
        ...shared.web,
        service: { type: "ClusterIP", annotations: WEB_SERVICE_ANNOTATIONS },
        spreadAcrossZones: g.regional,
      },
      keda: keda?.release,
      sentry: shared.sentry,
      flower: {
        user: config.flower.user,
        // Reached only with kubectl port-forward, which passes no NetworkPolicy: no pod may
        // connect (flowerExposure=loadBalancer served basic auth over plain HTTP; removed).
        service: { type: "ClusterIP" },
        allowFrom: [],
      },
    },
    inCluster,
  );
}

/**
 * Observability (docs/observability.md): Managed Prometheus scraping web, worker and beat, and
 * Cloud Monitoring's channels, uptime check, alert policies and dashboard.
 */
function gcpMonitoring(
  config: GcpStackConfig,
  { onGcp, inCluster, apis }: Platform,
  on: { namespace: pulumi.Output<string>; ingress: WebIngress; app: DjangoApp; data: DataServices },
) {
  const g = config.gcp;
  const scraping = new ManagedPrometheus(
    "metrics",
    { namespace: on.namespace, dependsOn: Object.values(on.app.deployments) },
    inCluster,
  );
  const monitoring = new Monitoring(
    "monitoring",
    {
      project: g.project,
      namespace: config.namespace,
      host: on.ingress.host,
      https: Boolean(g.domain),
      alertEmails: g.monitoring.alertEmails,
      thresholds: g.monitoring.thresholds,
      cloudSqlInstance: on.data.sql.instance.name,
      redisInstance: on.data.redis.instance.name,
      dependsOn: apis.need("monitoring"),
    },
    onGcp,
  );
  return { scraping, monitoring };
}

/** The "second server", requesting the app from outside once it answers behind its load balancer. */
function loadGeneratorVm(
  config: GcpStackConfig,
  { onGcp, apis, network }: Platform,
  target: { ingress: WebIngress; app: DjangoApp; rate: number },
) {
  const g = config.gcp;
  return new LoadGeneratorVm(
    "load-generator",
    {
      project: g.project,
      zone: g.regional ? `${g.region}-b` : g.clusterLocation,
      subnet: network.subnet.id,
      targetUrl: target.ingress.url,
      rate: target.rate,
      batchToken: target.app.batchToken,
      dependsOn: [...apis.need("compute"), target.ingress.ingress, target.app.deployments.web],
    },
    onGcp,
  );
}

function gcpOutputs(
  config: GcpStackConfig,
  built: {
    platform: Platform;
    data: DataServices;
    namespace: pulumi.Output<string>;
    ingress: WebIngress;
    app: DjangoApp;
    backup?: PreMigrationBackup;
    previewGateway?: PreviewGateway;
  },
) {
  const { platform, data, namespace, ingress, app, backup } = built;
  const flowerAccess = pulumi.interpolate`kubectl -n ${namespace} port-forward svc/${app.flowerService.metadata.name} ${FLOWER_PORT}:${FLOWER_PORT}`;
  return {
    appUrl: ingress.url,
    staticUrl: data.cdn.publicUrl,
    flowerAccess,
    ...credentialOutputs(config, app),
    namespace,
    clusterName: platform.cluster.cluster.name,
    kubeconfig: platform.cluster.kubeconfig,
    cloudSqlConnectionName: data.sql.connectionName,
    redisHost: data.redis.host,
    bucketName: data.cdn.bucket.name,
    [IMAGE_OUTPUT]: pulumi.output(data.image),
    // What the deploy workflow rolls back to when the smoke check fails after this update.
    previousImage: previousImage(),
    migrationJob: app.migrationJob.metadata.name,
    // The Job that backed up Cloud SQL before migrationJob ran; empty when backupBeforeMigrate is off.
    backupJob: backup ? backup.job.metadata.name : pulumi.output(""),
    watchAutoscaling: watchCommands(namespace, config),
    ...gcpPreviewExports(config, {
      namespace,
      cluster: platform.cluster,
      network: platform.network,
      sql: data.sql,
      redis: data.redis,
      appIdentity: data.identities.app,
      gateway: built.previewGateway,
    }),
  };
}
