/**
 * The Django service on any cluster: settings, the run-once Jobs (migrate, and collectstatic
 * when static files live in a bucket), web, Celery worker, beat and Flower. Platform-neutral:
 * everything it needs from outside arrives as AppBackends.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  APP_DIR,
  APP_NAME,
  APP_SECRETS_DIR,
  COMMANDS,
  DATABASE_SECRET_KEYS,
  DATABASE_SECRETS_DIR,
  ENV,
  FLOWER_PORT,
  WEB_PORT,
} from "./appContract";
import { type AppPodInput, appPodSpec } from "./appPod";
import { FIXED_SIZES, roleSpecs } from "./appRoles";
import { type DjangoSettings, REDIS_CA_MOUNT, settingsData } from "./appSettings";
import type { AppBackends } from "./backends";
import { appSelector, egressPolicy, ingressPolicy, tcp } from "./networkPolicies";
import type { CpuScaling, QueueScaling } from "./scaling";
import { checkovSkips } from "./scannerSkips";
import {
  runOnceJobName,
  type ServiceShape,
  type Sizes,
  selectorLabels,
  serviceArgs,
  spreadConstraints,
  standardLabels,
} from "./specs";
import { WorkloadScaling } from "./WorkloadScaling";

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
    sizes: Sizes;
    service: ServiceExposure;
    scaling: CpuScaling;
    spreadAcrossZones?: boolean;
  };
  worker: {
    replicas: number;
    sizes: Sizes;
    shutdownSeconds: number;
    taskTimeLimitSeconds: number;
    scaling: CpuScaling | QueueScaling;
  };
  /** KEDA, when the worker scales on the queue. */
  keda?: pulumi.Resource;
  flower: { user: string; service: ServiceExposure };
  /**
   * Dev mode: the code comes from a claim on the host's working copy, web runs Django's
   * autoreloading server, the worker restarts on changes, DEBUG is on. `sourceRevision`
   * (a hash of the working copy) names the run-once Jobs, so changed code migrates again.
   */
  development?: { sourceClaimName: pulumi.Input<string>; sourceRevision: string };
}

/** The roles that talk to the database (Flower and collectstatic do not). */
export const DATABASE_CLIENT_ROLES = ["web", "worker", "beat", "migrate"];
export const APP_SERVICE_ACCOUNT = "django";
export const COLLECTSTATIC_SERVICE_ACCOUNT = "django-collectstatic";

type Component = "web" | "worker" | "beat" | "flower";

export class DjangoApp extends pulumi.ComponentResource {
  readonly migrationJob: k8s.batch.v1.Job;
  readonly collectstaticJob?: k8s.batch.v1.Job;
  readonly webService: k8s.core.v1.Service;
  readonly flowerService: k8s.core.v1.Service;
  readonly flowerPassword: pulumi.Output<string>;
  readonly deployments: Record<Component, k8s.apps.v1.Deployment>;

  constructor(name: string, args: DjangoAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:DjangoApp", name, {}, opts);
    const parent = { parent: this };
    const { namespace, backends } = args;
    // Objects addressed by name (Deployments, Services, ServiceAccounts) get a fixed one;
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
          [ENV.redisUrl]: pulumi.secret(backends.redisUrl),
          [ENV.flowerBasicAuth]: pulumi.interpolate`${args.flower.user}:${flowerPassword.result}`,
        },
      },
      parent,
    );
    const settings = new k8s.core.v1.ConfigMap(
      `${name}-settings`,
      { metadata: meta(undefined, "settings"), data: settingsData(backends, args.django, args.worker) },
      parent,
    );
    const redisCa = backends.redisTls
      ? new k8s.core.v1.ConfigMap(
          `${name}-redis-ca`,
          { metadata: meta(undefined, "settings"), data: { "ca.pem": backends.redisTls.caCert } },
          parent,
        )
      : undefined;
    const serviceAccount = (resourceName: string, annotations?: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.ServiceAccount(
        `${name}-${resourceName}`,
        { metadata: { ...meta(resourceName, "identity"), annotations }, automountServiceAccountToken: false },
        parent,
      );
    const appIdentity = serviceAccount(APP_SERVICE_ACCOUNT, backends.podExtras?.serviceAccountAnnotations);

    const dev = args.development;
    // Secrets as read-only files (owner and group read; the pods' fsGroup is the app's group).
    const volumes: k8s.types.input.core.v1.Volume[] = [
      { name: "app-secrets", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
      {
        name: "database-secrets",
        secret: { secretName: backends.database.credentialsSecretName, defaultMode: 0o440 },
      },
    ];
    const mounts: k8s.types.input.core.v1.VolumeMount[] = [
      { name: "app-secrets", mountPath: APP_SECRETS_DIR, readOnly: true },
      { name: "database-secrets", mountPath: DATABASE_SECRETS_DIR, readOnly: true },
    ];
    const secretFileEnv = [
      ...[ENV.secretKey, ENV.redisUrl].map((key) => ({
        name: `${key}_FILE`,
        value: `${APP_SECRETS_DIR}/${key}`,
      })),
      ...DATABASE_SECRET_KEYS.map((key) => ({
        name: `${key}_FILE`,
        value: `${DATABASE_SECRETS_DIR}/${key}`,
      })),
    ];
    if (redisCa) {
      volumes.push({ name: "redis-ca", configMap: { name: redisCa.metadata.name } });
      mounts.push({ name: "redis-ca", mountPath: REDIS_CA_MOUNT, readOnly: true });
    }
    if (dev) {
      volumes.push({
        name: "source",
        persistentVolumeClaim: { claimName: dev.sourceClaimName, readOnly: true },
      });
      mounts.push({ name: "source", mountPath: APP_DIR, readOnly: true });
    }
    const pod = (extra: Partial<AppPodInput> & Pick<AppPodInput, "command" | "sizes">) =>
      appPodSpec({
        image: args.image,
        imagePullPolicy: args.imagePullPolicy,
        serviceAccountName: appIdentity.metadata.name,
        envFrom: [{ configMapRef: { name: settings.metadata.name } }],
        sharedEnv: secretFileEnv,
        sidecars: backends.podExtras?.sidecars,
        extraVolumes: volumes,
        extraVolumeMounts: mounts,
        ...extra,
      });
    const template = (component: string, spec: k8s.types.input.core.v1.PodSpec) => ({
      metadata: { labels: standardLabels(APP_NAME, component) },
      spec,
    });

    // Named after the image and command (runOnceJobName); replaceUnready makes the next
    // `pulumi up` replace a Job that failed instead of keeping it.
    const runOnceJob = (prefix: string, command: readonly string[], spec: k8s.types.input.core.v1.PodSpec) =>
      new k8s.batch.v1.Job(
        `${name}-${prefix}`,
        {
          metadata: {
            ...meta(
              pulumi
                .output(args.image)
                .apply((image) =>
                  runOnceJobName(prefix, dev ? `${image}+${dev.sourceRevision}` : image, command),
                ),
              prefix,
            ),
            annotations: { "pulumi.com/replaceUnready": "true", ...checkovSkips("CKV_K8S_15", "CKV_K8S_43") },
          },
          spec: { backoffLimit: 2, activeDeadlineSeconds: 900, template: template(prefix, spec) },
        },
        parent,
      );
    this.migrationJob = runOnceJob(
      "migrate",
      COMMANDS.migrate,
      pod({ command: COMMANDS.migrate, sizes: FIXED_SIZES.job, restartPolicy: "Never" }),
    );
    if (backends.staticFiles.kind === "bucket") {
      const uploader = serviceAccount(
        COLLECTSTATIC_SERVICE_ACCOUNT,
        backends.staticFiles.uploaderServiceAccountAnnotations,
      );
      this.collectstaticJob = runOnceJob(
        "collectstatic",
        COMMANDS.collectstatic,
        pod({
          command: COMMANDS.collectstatic,
          sizes: FIXED_SIZES.job,
          restartPolicy: "Never",
          serviceAccountName: uploader.metadata.name,
          sidecars: undefined, // it writes to the bucket, never to the database
        }),
      );
    }
    // New code meets the new schema (and, for web, its static files) only.
    const afterJobs = (jobs: (k8s.batch.v1.Job | undefined)[]) => ({
      parent: this,
      dependsOn: jobs.filter((job): job is k8s.batch.v1.Job => job !== undefined),
    });

    const deployment = (
      component: Component,
      replicas: number | undefined,
      spec: k8s.types.input.core.v1.PodSpec,
      options: pulumi.CustomResourceOptions,
      strategy?: k8s.types.input.apps.v1.DeploymentStrategy,
    ) =>
      new k8s.apps.v1.Deployment(
        `${name}-${component}`,
        {
          metadata: {
            ...meta(
              component === "worker" || component === "beat" ? `celery-${component}` : component,
              component,
            ),
            // Worker and beat serve no traffic: nothing for a readiness probe to gate.
            annotations:
              component === "worker" || component === "beat"
                ? checkovSkips("CKV_K8S_15", "CKV_K8S_43", "CKV_K8S_9")
                : checkovSkips("CKV_K8S_15", "CKV_K8S_43"),
          },
          spec: {
            replicas,
            selector: { matchLabels: selectorLabels(APP_NAME, component) },
            strategy,
            template: template(component, spec),
          },
        },
        options,
      );

    const roles = roleSpecs({ web: args.web, worker: args.worker, development: dev });
    // web and worker leave `replicas` to their autoscalers: `pulumi up` must not reset a
    // scaled-out Deployment to the minimum.
    const web = deployment(
      "web",
      undefined,
      pod({
        ...roles.web,
        topologySpreadConstraints: spreadConstraints(
          selectorLabels(APP_NAME, "web"),
          args.web.spreadAcrossZones ?? false,
        ),
      }),
      afterJobs([this.migrationJob, this.collectstaticJob]),
      { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    );
    const worker = deployment(
      "worker",
      undefined,
      pod({
        ...roles.worker,
        topologySpreadConstraints: spreadConstraints(selectorLabels(APP_NAME, "worker"), false),
      }),
      afterJobs([this.migrationJob]),
    );
    // Exactly one beat, ever: two would send every periodic task twice, so the old pod is
    // gone before the new one starts.
    const beat = deployment("beat", 1, pod(roles.beat), afterJobs([this.migrationJob]), { type: "Recreate" });
    const flower = deployment("flower", 1, pod(roles.flower), parent);
    this.deployments = { web, worker, beat, flower };
    // Beat is never scaled: it is a singleton by design.
    for (const [component, deploymentResource, scaling, replicas] of [
      ["web", web, args.web.scaling, args.web.replicas],
      ["worker", worker, args.worker.scaling, args.worker.replicas],
    ] as const) {
      new WorkloadScaling(
        `${name}-${component}-scaling`,
        {
          namespace,
          deployment: deploymentResource,
          selector: selectorLabels(APP_NAME, component),
          labels: standardLabels(APP_NAME, component),
          minReplicas: replicas,
          scaling,
          redis: { url: backends.redisUrl, caCert: backends.redisTls?.caCert },
          keda: args.keda,
        },
        parent,
      );
    }

    const service = (
      component: "web" | "flower",
      exposure: ServiceExposure,
      port: number,
      targetPort: number,
    ) => {
      const shape: ServiceShape = {
        name: component,
        namespace,
        app: APP_NAME,
        component,
        port,
        targetPort,
        portName: "http",
        ...exposure,
      };
      return new k8s.core.v1.Service(`${name}-${component}-svc`, serviceArgs(shape), parent);
    };
    this.createNetworkPolicies(name, args);
    this.webService = service("web", args.web.service, 80, WEB_PORT);
    this.flowerService = service("flower", args.flower.service, FLOWER_PORT, FLOWER_PORT);

    this.registerOutputs({
      migrationJob: this.migrationJob.metadata.name,
      webService: this.webService.metadata.name,
      flowerService: this.flowerService.metadata.name,
    });
  }

  /** Who may reach each role, and what each role may reach (the namespace denies the rest). */
  private createNetworkPolicies(name: string, args: DjangoAppArgs) {
    const opts = { parent: this };
    const { namespace, backends } = args;
    const role = (...components: string[]) => appSelector(APP_NAME, components);
    const flowerSources =
      args.flower.service.type === "NodePort"
        ? [{}] // a browser on the host, through the node
        : (args.flower.service.sourceRanges ?? []).map((cidr) => ({ from: [{ ipBlock: { cidr } }] }));
    ingressPolicy(`${name}-web-ingress`, namespace, role("web"), [{ ports: [tcp(WEB_PORT)] }], opts);
    ingressPolicy(
      `${name}-flower-ingress`,
      namespace,
      role("flower"),
      flowerSources.map((source) => ({ ...source, ports: [tcp(FLOWER_PORT)] })),
      opts,
    );
    egressPolicy(
      `${name}-app-egress`,
      namespace,
      role(...DATABASE_CLIENT_ROLES),
      [...backends.network.database, ...backends.network.redis, ...(backends.network.cloudApis ?? [])],
      opts,
    );
    egressPolicy(`${name}-flower-egress`, namespace, role("flower"), backends.network.redis, opts);
    if (backends.staticFiles.kind === "bucket") {
      egressPolicy(
        `${name}-collectstatic-egress`,
        namespace,
        role("collectstatic"),
        backends.network.cloudApis ?? [],
        opts,
      );
    }
  }
}
