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
import { settingsData } from "./appSettings";
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
import type { DjangoAppArgs } from "./args";

export class DjangoApp extends pulumi.ComponentResource {
  readonly migrationJob: k8s.batch.v1.Job;
  readonly collectstaticJob?: k8s.batch.v1.Job;
  /** The demo data's Job, when args.seedDemo (previews). */
  readonly seedJob?: k8s.batch.v1.Job;
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
    this.seedJob = jobs.seed;
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
