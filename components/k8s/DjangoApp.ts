/**
 * The Django service on any cluster: settings, the run-once Jobs (migrate, and collectstatic
 * when static files live in a bucket), web, Celery worker, beat and Flower. Platform-neutral:
 * everything it needs from outside arrives as AppBackends. The constructor lists the steps;
 * each is a plain function (here, appWorkloads.ts, appNetwork.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENV } from "./appContract";
import { createNetworkPolicies, createServices } from "./appNetwork";
import type { Role } from "./appRoles";
import { type DjangoSettings, settingsData } from "./appSettings";
import {
  APP_SERVICE_ACCOUNT,
  type AppScope,
  appMetadata,
  createRoleDeployments,
  createRunOnceJobs,
  createScaling,
  createServiceAccount,
  type SharedPod,
} from "./appWorkloads";
import type { AppBackends } from "./backends";
import type { CpuScaling, QueueScaling } from "./scaling";
import type { ResourceSizes } from "./specs";

export { DATABASE_CLIENT_ROLES } from "./appRoles";
export { APP_SERVICE_ACCOUNT, COLLECTSTATIC_SERVICE_ACCOUNT } from "./appWorkloads";

export interface ServiceExposure {
  type: "NodePort" | "ClusterIP" | "LoadBalancer";
  annotations?: Record<string, pulumi.Input<string>>;
  sourceRanges?: string[];
}

export interface DjangoAppArgs {
  namespace: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** Never for images built into the node's Docker; IfNotPresent for tags and digests. */
  imagePullPolicy: "IfNotPresent" | "Always" | "Never";
  backends: AppBackends;
  django: DjangoSettings;
  /** `replicas` is the autoscaler's minimum; the autoscaler owns the live count. */
  web: {
    replicas: number;
    sizes: ResourceSizes;
    service: ServiceExposure;
    scaling: CpuScaling;
    spreadAcrossZones?: boolean;
  };
  worker: {
    replicas: number;
    sizes: ResourceSizes;
    shutdownSeconds: number;
    taskTimeLimitSeconds: number;
    /** Redis redelivers a task unacknowledged this long (CELERY_VISIBILITY_TIMEOUT); above the time limit. */
    visibilityTimeoutSeconds: number;
    scaling: CpuScaling | QueueScaling;
  };
  /** KEDA, when the worker scales on the queue. */
  keda?: pulumi.Resource;
  flower: {
    user: string;
    service: ServiceExposure;
    /**
     * Who may reach Flower's pods: "anywhere" (a NodePort, reached by a browser on the host
     * through the node) or only these client CIDRs; [] admits no one (kubectl port-forward
     * does not pass through NetworkPolicies).
     */
    allowFrom: "anywhere" | string[];
  };
  /**
   * Dev mode: the code comes from a claim on the host's working copy, web runs Django's
   * autoreloading server, the worker restarts on changes, DEBUG is on. `sourceRevision`
   * (a hash of the working copy) names the run-once Jobs, so changed code migrates again.
   */
  development?: { sourceClaimName: pulumi.Input<string>; sourceRevision: string };
  /** What the migration Job waits for besides the settings (the GCP stacks' pre-migration backup Job). */
  migrateAfter?: pulumi.Resource[];
  /**
   * Error reports to Sentry (config sentryDsn): the DSN, a secret, and the stack's name as its
   * environment; the release is the image. Unset: the DSN file is empty and the app never loads Sentry.
   */
  sentry?: { dsn: pulumi.Input<string>; environment: string };
}

export class DjangoApp extends pulumi.ComponentResource {
  readonly migrationJob: k8s.batch.v1.Job;
  readonly collectstaticJob?: k8s.batch.v1.Job;
  readonly webService: k8s.core.v1.Service;
  readonly flowerService: k8s.core.v1.Service;
  readonly flowerPassword: pulumi.Output<string>;
  /** Who holds it may POST /api/batch (a secret): for the load generator. */
  readonly batchToken: pulumi.Output<string>;
  readonly deployments: Record<Role, k8s.apps.v1.Deployment>;

  constructor(name: string, args: DjangoAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:DjangoApp", name, {}, opts);
    const scope: AppScope = { name, args, parent: this };

    const settings = createSettings(scope);
    this.flowerPassword = settings.flowerPassword;
    this.batchToken = settings.batchToken;
    const jobs = createRunOnceJobs(scope, settings.pod);
    this.migrationJob = jobs.migrate;
    this.collectstaticJob = jobs.collectstatic;
    this.deployments = createRoleDeployments(scope, settings.pod, jobs);
    createScaling(scope, this.deployments);
    createNetworkPolicies(scope);
    const services = createServices(scope);
    this.webService = services.web;
    this.flowerService = services.flower;

    this.registerOutputs({
      migrationJob: this.migrationJob.metadata.name,
      webService: this.webService.metadata.name,
      flowerService: this.flowerService.metadata.name,
    });
  }
}

export interface AppSettings {
  /** Flower's generated basic-auth password (a secret), for the stack's outputs. */
  flowerPassword: pulumi.Output<string>;
  /** The batch endpoint's token (a secret). */
  batchToken: pulumi.Output<string>;
  /** What every pod of the app is given: image, identity, settings, secret files, sidecars. */
  pod: SharedPod;
}

/**
 * The app's settings and secrets: generated secret key and Flower password, the Secret and
 * ConfigMap (and the Redis CA, with TLS) that every pod reads, and the pods' identity.
 */
export function createSettings(scope: AppScope): AppSettings {
  const { args } = scope;
  const { backends } = args;
  const secrets = createAppSecret(scope);
  const files = createSettingsFiles(scope);
  const identity = createServiceAccount(
    scope,
    APP_SERVICE_ACCOUNT,
    backends.podExtras?.serviceAccountAnnotations,
  );
  return {
    flowerPassword: secrets.flowerPassword,
    batchToken: secrets.batchToken,
    pod: {
      image: args.image,
      imagePullPolicy: args.imagePullPolicy,
      serviceAccountName: identity.metadata.name,
      envFrom: [{ configMapRef: { name: files.configMap.metadata.name } }],
      sidecars: backends.podExtras?.sidecars,
      // Each part mounts only the secrets it reads (appComponentPod, appVolumes.ts).
      files: {
        appSecretName: secrets.secret.metadata.name,
        databaseSecretName: backends.database.credentialsSecretName,
        redisCaConfigMapName: files.redisCa?.metadata.name,
        sourceClaimName: args.development?.sourceClaimName,
      },
    },
  };
}

/** The generated secret key, Flower password and batch token, and the app's Secret holding them. */
function createAppSecret({ name, args, parent }: AppScope) {
  const opts = { parent };
  const secretKey = new random.RandomPassword(
    `${name}-secret-key`,
    { length: 64, overrideSpecial: "!#%*-_=+" },
    opts,
  );
  const flowerPassword = new random.RandomPassword(
    `${name}-flower-password`,
    { length: 32, special: false },
    opts,
  );
  const batchToken = new random.RandomPassword(`${name}-batch-token`, { length: 43, special: false }, opts);
  const secret = new k8s.core.v1.Secret(
    `${name}-secrets`,
    {
      metadata: appMetadata(args.namespace, "settings"),
      type: "Opaque",
      stringData: {
        [ENV.secretKey]: secretKey.result,
        [ENV.redisUrl]: pulumi.secret(args.backends.redisUrl),
        [ENV.flowerBasicAuth]: pulumi.interpolate`${args.flower.user}:${flowerPassword.result}`,
        [ENV.batchToken]: batchToken.result,
        [ENV.sentryDsn]: args.sentry ? pulumi.secret(args.sentry.dsn) : "",
      },
    },
    opts,
  );
  return { secret, flowerPassword: flowerPassword.result, batchToken: batchToken.result };
}

/** The settings ConfigMap every pod reads, and the Redis CA when Redis speaks TLS. */
function createSettingsFiles({ name, args, parent }: AppScope) {
  const { backends } = args;
  const opts = { parent };
  const metadata = appMetadata(args.namespace, "settings");
  const configMap = new k8s.core.v1.ConfigMap(
    `${name}-settings`,
    {
      metadata,
      data: {
        ...settingsData(backends, args.django, args.worker),
        ...(args.sentry
          ? { [ENV.sentryRelease]: args.image, [ENV.sentryEnvironment]: args.sentry.environment }
          : {}),
      },
    },
    opts,
  );
  const redisCa = backends.redisTls
    ? new k8s.core.v1.ConfigMap(
        `${name}-redis-ca`,
        { metadata, data: { "ca.pem": backends.redisTls.caCert } },
        opts,
      )
    : undefined;
  return { configMap, redisCa };
}
