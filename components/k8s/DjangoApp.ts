/**
 * The Django service on any cluster: settings, the migration Job, web, Celery worker, beat
 * and Flower. Platform-neutral: everything it needs from outside arrives as AppBackends.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { wholeCpus } from "../../lib/quantity";
import {
  BEAT_HEARTBEAT_FILE,
  COMMANDS,
  ENV,
  FLOWER_HEALTH_PATH,
  FLOWER_PORT,
  heartbeatCheck,
  LIVENESS_PATH,
  READINESS_PATH,
  WEB_PORT,
  WORKER_HEARTBEAT_FILE,
} from "./appContract";
import { type AppPodInput, appPodSpec } from "./appPod";
import type { AppBackends } from "./backends";
import {
  execProbe,
  httpProbe,
  migrationJobName,
  type Sizes,
  selectorLabels,
  serviceArgs,
  standardLabels,
} from "./specs";

export type ServiceType = "NodePort" | "ClusterIP";

export interface DjangoAppArgs {
  namespace: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** IfNotPresent for images built into the node's Docker; Always for a registry tag. */
  imagePullPolicy: "IfNotPresent" | "Always" | "Never";
  backends: AppBackends;
  django: { allowedHosts: string[]; csrfTrustedOrigins: string[]; https: boolean; debug?: boolean };
  web: { replicas: number; sizes: Sizes; serviceType: ServiceType };
  worker: { replicas: number; sizes: Sizes; shutdownSeconds: number; taskTimeLimitSeconds: number };
  flower: { user: string; serviceType: ServiceType };
}

const APP_NAME = "django";
// Small fixed sizes for the roles that do little work; web and worker come from config.
export const FIXED_SIZES: Record<"migrate" | "beat" | "flower", Sizes> = {
  migrate: { cpuRequest: "100m", cpuLimit: "1", memory: "256Mi" },
  beat: { cpuRequest: "20m", cpuLimit: "250m", memory: "192Mi" },
  flower: { cpuRequest: "50m", cpuLimit: "500m", memory: "256Mi" },
};
const WEB_GRACE_SECONDS = 35; // gunicorn's graceful_timeout (25 s) plus margin
const REDIS_CA_MOUNT = "/etc/redis-tls";

export class DjangoApp extends pulumi.ComponentResource {
  readonly migrationJob: k8s.batch.v1.Job;
  readonly webService: k8s.core.v1.Service;
  readonly flowerService: k8s.core.v1.Service;
  readonly flowerPassword: pulumi.Output<string>;
  readonly deployments: Record<"web" | "worker" | "beat" | "flower", k8s.apps.v1.Deployment>;

  constructor(name: string, args: DjangoAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:DjangoApp", name, {}, opts);
    const parent = { parent: this };
    const namespace = args.namespace;
    // Objects addressed by name (Deployments, Services, the ServiceAccount) get a fixed one;
    // settings are auto-named, so a change creates a new object and rolls the pods onto it.
    const meta = (resourceName: pulumi.Input<string> | undefined, component: string) => ({
      ...(resourceName === undefined ? {} : { name: resourceName }),
      namespace,
      labels: standardLabels(APP_NAME, component),
    });

    const secretKey = new random.RandomPassword(
      `${name}-secret-key`,
      { length: 64, overrideSpecial: "!#%*-_=+" },
      parent,
    );
    const flowerPassword = new random.RandomPassword(
      `${name}-flower-password`,
      { length: 32, special: false },
      parent,
    );
    this.flowerPassword = flowerPassword.result;

    const secret = new k8s.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: meta(undefined, "settings"),
        type: "Opaque",
        stringData: {
          [ENV.secretKey]: secretKey.result,
          [ENV.redisUrl]: pulumi.secret(args.backends.redisUrl),
          [ENV.flowerBasicAuth]: pulumi.interpolate`${args.flower.user}:${flowerPassword.result}`,
        },
      },
      parent,
    );
    const settings = new k8s.core.v1.ConfigMap(
      `${name}-settings`,
      { metadata: meta(undefined, "settings"), data: settingsData(args) },
      parent,
    );
    const redisCa = args.backends.redisCaCert
      ? new k8s.core.v1.ConfigMap(
          `${name}-redis-ca`,
          { metadata: meta(undefined, "settings"), data: { "ca.pem": args.backends.redisCaCert } },
          parent,
        )
      : undefined;
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: {
          ...meta(APP_NAME, "identity"),
          annotations: args.backends.podExtras?.serviceAccountAnnotations,
        },
        automountServiceAccountToken: false,
      },
      parent,
    );

    const pod = (role: string, extra: Partial<AppPodInput> & Pick<AppPodInput, "command" | "sizes">) =>
      appPodSpec({
        image: args.image,
        imagePullPolicy: args.imagePullPolicy,
        serviceAccountName: serviceAccount.metadata.name,
        envFrom: [
          { configMapRef: { name: settings.metadata.name } },
          { secretRef: { name: secret.metadata.name } },
          { secretRef: { name: args.backends.database.credentialsSecretName } },
        ],
        sidecars: role === "flower" ? undefined : args.backends.podExtras?.sidecars,
        extraVolumes: redisCa
          ? [{ name: "redis-ca", configMap: { name: redisCa.metadata.name } }]
          : undefined,
        extraVolumeMounts: redisCa
          ? [{ name: "redis-ca", mountPath: REDIS_CA_MOUNT, readOnly: true }]
          : undefined,
        ...extra,
      });
    const template = (component: string, spec: k8s.types.input.core.v1.PodSpec) => ({
      metadata: { labels: standardLabels(APP_NAME, component) },
      spec,
    });

    // Named after the image and command: see migrationJobName. replaceUnready makes the next
    // `pulumi up` replace a Job that failed instead of keeping it.
    this.migrationJob = new k8s.batch.v1.Job(
      `${name}-migrate`,
      {
        metadata: {
          ...meta(
            pulumi.output(args.image).apply((image) => migrationJobName(image, [...COMMANDS.migrate])),
            "migrate",
          ),
          annotations: { "pulumi.com/replaceUnready": "true" },
        },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 900,
          template: template(
            "migrate",
            pod("migrate", { command: COMMANDS.migrate, sizes: FIXED_SIZES.migrate, restartPolicy: "Never" }),
          ),
        },
      },
      parent,
    );
    // Web, worker and beat run new code against the new schema only.
    const afterMigrations = { parent: this, dependsOn: [this.migrationJob] };

    const deployment = (
      component: "web" | "worker" | "beat" | "flower",
      replicas: number,
      spec: k8s.types.input.core.v1.PodSpec,
      options: pulumi.CustomResourceOptions,
      strategy?: k8s.types.input.apps.v1.DeploymentStrategy,
    ) =>
      new k8s.apps.v1.Deployment(
        `${name}-${component}`,
        {
          metadata: meta(
            component === "worker" || component === "beat" ? `celery-${component}` : component,
            component,
          ),
          spec: {
            replicas,
            selector: { matchLabels: selectorLabels(APP_NAME, component) },
            strategy,
            template: template(component, spec),
          },
        },
        options,
      );

    const web = deployment(
      "web",
      args.web.replicas,
      pod("web", {
        command: COMMANDS.web,
        sizes: args.web.sizes,
        env: [{ name: ENV.webConcurrency, value: String(wholeCpus(args.web.sizes.cpuLimit) + 1) }],
        ports: [{ name: "http", containerPort: WEB_PORT }],
        startupProbe: httpProbe(LIVENESS_PATH, "http", {
          periodSeconds: 2,
          failureThreshold: 30,
          timeoutSeconds: 2,
        }),
        livenessProbe: httpProbe(LIVENESS_PATH, "http", { periodSeconds: 10, timeoutSeconds: 2 }),
        readinessProbe: httpProbe(READINESS_PATH, "http", { periodSeconds: 5, failureThreshold: 2 }),
        terminationGracePeriodSeconds: WEB_GRACE_SECONDS,
      }),
      afterMigrations,
      { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    );
    const worker = deployment(
      "worker",
      args.worker.replicas,
      pod("worker", {
        command: COMMANDS.worker,
        sizes: args.worker.sizes,
        env: [
          { name: ENV.celeryConcurrency, value: String(wholeCpus(args.worker.sizes.cpuLimit)) },
          // SIGTERM starts Celery's soft shutdown: running tasks get CELERY_SHUTDOWN_TIMEOUT
          // seconds, the rest go back to the queue, all inside the grace period.
          { name: "REMAP_SIGTERM", value: "SIGQUIT" },
        ],
        startupProbe: execProbe(heartbeatCheck(WORKER_HEARTBEAT_FILE, 60), {
          periodSeconds: 5,
          failureThreshold: 24,
        }),
        livenessProbe: execProbe(heartbeatCheck(WORKER_HEARTBEAT_FILE, 60), { periodSeconds: 30 }),
        terminationGracePeriodSeconds: args.worker.shutdownSeconds + 15,
      }),
      afterMigrations,
    );
    // Exactly one beat, ever: two would send every periodic task twice, so the old pod is
    // gone before the new one starts.
    const beat = deployment(
      "beat",
      1,
      pod("beat", {
        command: COMMANDS.beat,
        sizes: FIXED_SIZES.beat,
        startupProbe: execProbe(heartbeatCheck(BEAT_HEARTBEAT_FILE, 120), {
          periodSeconds: 5,
          failureThreshold: 24,
        }),
        livenessProbe: execProbe(heartbeatCheck(BEAT_HEARTBEAT_FILE, 120), { periodSeconds: 30 }),
      }),
      afterMigrations,
      { type: "Recreate" },
    );
    const flower = deployment(
      "flower",
      1,
      pod("flower", {
        command: COMMANDS.flower,
        sizes: FIXED_SIZES.flower,
        ports: [{ name: "http", containerPort: FLOWER_PORT }],
        livenessProbe: httpProbe(FLOWER_HEALTH_PATH, "http", { periodSeconds: 15 }),
        readinessProbe: httpProbe(FLOWER_HEALTH_PATH, "http", { periodSeconds: 10 }),
      }),
      parent,
    );
    this.deployments = { web, worker, beat, flower };

    const service = (component: "web" | "flower", type: ServiceType, port: number, targetPort: number) =>
      new k8s.core.v1.Service(
        `${name}-${component}-svc`,
        serviceArgs({
          name: component,
          namespace,
          app: APP_NAME,
          component,
          port,
          targetPort,
          portName: "http",
          type,
        }),
        parent,
      );
    this.webService = service("web", args.web.serviceType, 80, WEB_PORT);
    this.flowerService = service("flower", args.flower.serviceType, FLOWER_PORT, FLOWER_PORT);

    this.registerOutputs({
      migrationJob: this.migrationJob.metadata.name,
      webService: this.webService.metadata.name,
      flowerService: this.flowerService.metadata.name,
    });
  }
}

/** The non-secret settings, by contract name. */
export function settingsData(
  args: Pick<DjangoAppArgs, "backends" | "django" | "worker">,
): Record<string, pulumi.Input<string>> {
  const data: Record<string, pulumi.Input<string>> = {
    [ENV.debug]: String(args.django.debug ?? false),
    [ENV.allowedHosts]: args.django.allowedHosts.join(","),
    [ENV.csrfTrustedOrigins]: args.django.csrfTrustedOrigins.join(","),
    [ENV.https]: String(args.django.https),
    [ENV.postgresHost]: args.backends.database.host,
    [ENV.postgresPort]: pulumi.output(args.backends.database.port).apply(String),
    [ENV.celeryTaskTimeLimit]: String(args.worker.taskTimeLimitSeconds),
    [ENV.celeryShutdownTimeout]: String(args.worker.shutdownSeconds),
  };
  if (args.backends.redisCaCert) data[ENV.redisCaCert] = `${REDIS_CA_MOUNT}/ca.pem`;
  if (args.backends.staticFiles.kind === "bucket") {
    data[ENV.staticBucket] = args.backends.staticFiles.bucket;
    data[ENV.staticUrl] = args.backends.staticFiles.publicUrl;
  }
  return data;
}
