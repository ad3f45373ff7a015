/**
 * What distinguishes each role of the app image: how its Deployment runs (the table
 * ROLE_DEPLOYMENTS) and what its pod runs (roleSpecs: command, resources, environment, ports,
 * probes, spread and grace period, per the app contract). Pure; DjangoApp adds what all roles
 * share (appPod.ts) and creates the objects.
 */
import type * as k8s from "@pulumi/kubernetes";
import { wholeCpus } from "../../../lib/quantity";
import { selectorLabels } from "../specs/labels";
import { spreadConstraints } from "../specs/placement";
import { execProbe, httpProbe } from "../specs/probes";
import type { ResourceSizes } from "../specs/resources";
import type { SkippedCheck } from "../specs/scannerSkips";
import {
  APP_NAME,
  BEAT_HEARTBEAT_FILE,
  COMMANDS,
  DEV_COMMANDS,
  ENV,
  FLOWER_HEALTH_PATH,
  FLOWER_PORT,
  heartbeatCheck,
  LIVENESS_PATH,
  METRICS_PORT,
  METRICS_PORT_NAME,
  PROMETHEUS_MULTIPROC_DIR,
  READINESS_PATH,
  reads,
  WEB_DRAIN,
  WEB_PORT,
  WEB_THREADS,
  WORKER_HEARTBEAT_FILE,
  webGraceSeconds,
  webPreStopCommand,
} from "./appContract";
import type { AppPodInput } from "./appPod";

/** The long-running roles, in the order their Deployments are created. */
export const ROLES = ["web", "worker", "beat", "flower"] as const;
export type Role = (typeof ROLES)[number];
/** The Jobs that run once per image before the roles that need them roll out. */
export type RunOnceJob = "migrate" | "collectstatic" | "seed";
/** Every part of the app that runs the image: its `app.kubernetes.io/component` label. */
export type AppComponent = Role | RunOnceJob;
/** Every part, each with its row in the app contract's SECRETS_READ (`reads` accepts only those). */
export const APP_COMPONENTS: readonly AppComponent[] = [...ROLES, "migrate", "collectstatic", "seed"];

/**
 * The parts that talk to the database (those given its password, appContract's SECRETS_READ):
 * they get the platform's sidecars (Flower and collectstatic do not).
 */
export const DATABASE_CLIENT_ROLES: AppComponent[] = APP_COMPONENTS.filter((part) =>
  reads(part, ENV.postgresPassword),
);
/** The roles that report errors to Sentry when it is on (they are the ones given its DSN). */
export const SENTRY_CLIENT_ROLES: AppComponent[] = APP_COMPONENTS.filter((part) =>
  reads(part, ENV.sentryDsn),
);

export interface RoleDeployment {
  /** The Deployment's name: Celery's roles say what they are. */
  deploymentName: string;
  /** A fixed count, or left to the role's autoscaler. */
  replicas: number | "autoscaled";
  strategy?: k8s.types.input.apps.v1.DeploymentStrategy;
  /** The checkov checks that do not apply (scannerSkips.ts gives the reasons). */
  skips: readonly SkippedCheck[];
  /** The Jobs whose results the new pods need: they roll out after them. */
  waitsFor: readonly RunOnceJob[];
}

export const ROLE_DEPLOYMENTS = {
  // New code meets the new schema and its own static files only. Never below the current
  // capacity: a new pod is ready before an old one goes.
  web: {
    deploymentName: "web",
    replicas: "autoscaled",
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    skips: ["CKV_K8S_15", "CKV_K8S_43"],
    waitsFor: ["migrate", "collectstatic"],
  },
  // Worker and beat serve no traffic: nothing for a readiness probe to gate (CKV_K8S_9).
  worker: {
    deploymentName: "celery-worker",
    replicas: "autoscaled",
    strategy: undefined,
    skips: ["CKV_K8S_15", "CKV_K8S_43", "CKV_K8S_9"],
    waitsFor: ["migrate"],
  },
  // Exactly one beat, ever: two would send every periodic task twice, so the old pod is gone
  // before the new one starts, and nothing scales it.
  beat: {
    deploymentName: "celery-beat",
    replicas: 1,
    strategy: { type: "Recreate" },
    skips: ["CKV_K8S_15", "CKV_K8S_43", "CKV_K8S_9"],
    waitsFor: ["migrate"],
  },
  flower: {
    deploymentName: "flower",
    replicas: 1,
    strategy: undefined,
    skips: ["CKV_K8S_15", "CKV_K8S_43"],
    waitsFor: [],
  },
} as const satisfies Record<Role, RoleDeployment>;

export type AutoscaledRole = {
  [R in Role]: (typeof ROLE_DEPLOYMENTS)[R]["replicas"] extends "autoscaled" ? R : never;
}[Role];

/**
 * web and worker leave `replicas` to their autoscalers: `pulumi up` must not reset a
 * scaled-out Deployment to the minimum.
 */
export function isAutoscaled(role: Role): role is AutoscaledRole {
  return ROLE_DEPLOYMENTS[role].replicas === "autoscaled";
}

export type RoleSpec = Partial<AppPodInput> & Pick<AppPodInput, "command" | "resources">;

// Small fixed sizes for the roles that do little work; web and worker come from config.
export const FIXED_SIZES: Record<"job" | "beat" | "flower", ResourceSizes> = {
  job: { cpuRequest: "100m", cpuLimit: "1", memory: "256Mi" },
  beat: { cpuRequest: "20m", cpuLimit: "250m", memory: "192Mi" },
  flower: { cpuRequest: "50m", cpuLimit: "500m", memory: "256Mi" },
};
/**
 * A role's metrics port and its environment (app/config/metrics.py); `multiprocess` for the
 * roles with several processes (gunicorn, the worker's pool), whose figures are summed from files.
 */
export function metricsEndpoint(multiprocess: boolean): Pick<RoleSpec, "env" | "ports"> {
  return {
    env: [
      { name: ENV.metricsPort, value: String(METRICS_PORT) },
      ...(multiprocess ? [{ name: ENV.prometheusMultiprocDir, value: PROMETHEUS_MULTIPROC_DIR }] : []),
    ],
    ports: [{ name: METRICS_PORT_NAME, containerPort: METRICS_PORT }],
  };
}

/** gunicorn's processes in a web pod: one per whole CPU of its limit, plus one (as app/gunicorn.conf.py would). */
export function webProcesses(sizes: Pick<ResourceSizes, "cpuLimit">): number {
  return wholeCpus(sizes.cpuLimit) + 1;
}

/** Celery's pool size in a worker pod: one per whole CPU of its limit (app/config/cpu.py). */
export function workerConcurrency(sizes: Pick<ResourceSizes, "cpuLimit">): number {
  return wholeCpus(sizes.cpuLimit);
}

export interface RoleArgs {
  /** `spreadAcrossZones`: a regional cluster, where web's pods also spread over zones. */
  web: { resources: ResourceSizes; spreadAcrossZones?: boolean };
  worker: { resources: ResourceSizes; shutdownSeconds: number };
  /** Dev mode: autoreloading web, a worker restarted on code changes. */
  development?: unknown;
}

export function roleSpecs(args: RoleArgs): Record<Role, RoleSpec> {
  const dev = Boolean(args.development);
  return {
    web: webRole(args.web, dev),
    worker: workerRole(args.worker, dev),
    beat: beatRole(),
    flower: flowerRole(),
  };
}

/** gunicorn (runserver in dev mode) on WEB_PORT, draining on stop (WEB_DRAIN). */
function webRole(web: RoleArgs["web"], dev: boolean): RoleSpec {
  const metrics = metricsEndpoint(true);
  return {
    command: dev ? DEV_COMMANDS.web : COMMANDS.web,
    resources: web.resources,
    env: [
      { name: ENV.webConcurrency, value: String(webProcesses(web.resources)) },
      { name: ENV.gunicornThreads, value: String(WEB_THREADS) },
      { name: ENV.gunicornGracefulTimeout, value: String(WEB_DRAIN.gracefulTimeoutSeconds) },
      // Dev mode's runserver has no gunicorn master to serve the summed metrics.
      ...(dev ? [] : (metrics.env ?? [])),
    ],
    ports: [{ name: "http", containerPort: WEB_PORT }, ...(dev ? [] : (metrics.ports ?? []))],
    startupProbe: httpProbe(LIVENESS_PATH, "http", {
      periodSeconds: 2,
      failureThreshold: 30,
      timeoutSeconds: 2,
    }),
    livenessProbe: httpProbe(LIVENESS_PATH, "http", { periodSeconds: 10, timeoutSeconds: 2 }),
    readinessProbe: httpProbe(READINESS_PATH, "http", { ...WEB_DRAIN.readiness }),
    lifecycle: { preStop: { exec: { command: webPreStopCommand() } } },
    terminationGracePeriodSeconds: webGraceSeconds(),
    topologySpreadConstraints: spreadConstraints(
      selectorLabels(APP_NAME, "web"),
      web.spreadAcrossZones ?? false,
    ),
  };
}

/** The Celery worker: a heartbeat file for its probes, a soft shutdown inside the grace period. */
function workerRole(worker: RoleArgs["worker"], dev: boolean): RoleSpec {
  const metrics = metricsEndpoint(true);
  return {
    command: dev ? DEV_COMMANDS.worker : COMMANDS.worker,
    resources: worker.resources,
    env: [
      // inotify events do not cross minikube's 9p mount: watch by polling.
      ...(dev ? [{ name: "WATCHFILES_FORCE_POLLING", value: "true" }] : []),
      { name: ENV.celeryConcurrency, value: String(workerConcurrency(worker.resources)) },
      // SIGTERM starts Celery's soft shutdown: running tasks get CELERY_SHUTDOWN_TIMEOUT
      // seconds, the rest go back to the queue, all inside the grace period.
      { name: "REMAP_SIGTERM", value: "SIGQUIT" },
      ...(metrics.env ?? []),
    ],
    ports: metrics.ports,
    startupProbe: execProbe(heartbeatCheck(WORKER_HEARTBEAT_FILE, 60), {
      periodSeconds: 5,
      failureThreshold: 24,
    }),
    livenessProbe: execProbe(heartbeatCheck(WORKER_HEARTBEAT_FILE, 60), { periodSeconds: 30 }),
    terminationGracePeriodSeconds: worker.shutdownSeconds + 15,
    topologySpreadConstraints: spreadConstraints(selectorLabels(APP_NAME, "worker"), false),
  };
}

/** Celery beat: probed by its heartbeat file (its single replica and Recreate: ROLE_DEPLOYMENTS above). */
function beatRole(): RoleSpec {
  return {
    command: COMMANDS.beat,
    resources: FIXED_SIZES.beat,
    ...metricsEndpoint(false),
    startupProbe: execProbe(heartbeatCheck(BEAT_HEARTBEAT_FILE, 120), {
      periodSeconds: 5,
      failureThreshold: 24,
    }),
    livenessProbe: execProbe(heartbeatCheck(BEAT_HEARTBEAT_FILE, 120), { periodSeconds: 30 }),
  };
}

/** Flower on FLOWER_PORT, probed over HTTP. */
function flowerRole(): RoleSpec {
  return {
    command: COMMANDS.flower,
    resources: FIXED_SIZES.flower,
    ports: [{ name: "http", containerPort: FLOWER_PORT }],
    livenessProbe: httpProbe(FLOWER_HEALTH_PATH, "http", { periodSeconds: 15 }),
    readinessProbe: httpProbe(FLOWER_HEALTH_PATH, "http", { periodSeconds: 10 }),
  };
}
