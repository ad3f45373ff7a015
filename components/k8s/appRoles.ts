/**
 * What distinguishes each long-running role of the app image: command, sizes, environment,
 * ports, probes and grace period, per the app contract. Pure; DjangoApp adds what all roles
 * share (appPod.ts) and wraps each in a Deployment.
 */
import { wholeCpus } from "../../lib/quantity";
import {
  BEAT_HEARTBEAT_FILE,
  COMMANDS,
  DEV_COMMANDS,
  ENV,
  FLOWER_HEALTH_PATH,
  FLOWER_PORT,
  heartbeatCheck,
  LIVENESS_PATH,
  READINESS_PATH,
  WEB_PORT,
  WORKER_HEARTBEAT_FILE,
} from "./appContract";
import type { AppPodInput } from "./appPod";
import { execProbe, httpProbe, type Sizes } from "./specs";

export type Role = "web" | "worker" | "beat" | "flower";
export type RoleSpec = Partial<AppPodInput> & Pick<AppPodInput, "command" | "sizes">;

// Small fixed sizes for the roles that do little work; web and worker come from config.
export const FIXED_SIZES: Record<"job" | "beat" | "flower", Sizes> = {
  job: { cpuRequest: "100m", cpuLimit: "1", memory: "256Mi" },
  beat: { cpuRequest: "20m", cpuLimit: "250m", memory: "192Mi" },
  flower: { cpuRequest: "50m", cpuLimit: "500m", memory: "256Mi" },
};
const WEB_GRACE_SECONDS = 35; // gunicorn's graceful_timeout (25 s) plus margin

export interface RoleArgs {
  web: { sizes: Sizes };
  worker: { sizes: Sizes; shutdownSeconds: number };
  /** Dev mode: autoreloading web, a worker restarted on code changes. */
  development?: unknown;
}

export function roleSpecs(args: RoleArgs): Record<Role, RoleSpec> {
  const dev = Boolean(args.development);
  return {
    web: {
      command: dev ? DEV_COMMANDS.web : COMMANDS.web,
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
    },
    worker: {
      command: dev ? DEV_COMMANDS.worker : COMMANDS.worker,
      sizes: args.worker.sizes,
      env: [
        // inotify events do not cross minikube's 9p mount: watch by polling.
        ...(dev ? [{ name: "WATCHFILES_FORCE_POLLING", value: "true" }] : []),
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
    },
    beat: {
      command: COMMANDS.beat,
      sizes: FIXED_SIZES.beat,
      startupProbe: execProbe(heartbeatCheck(BEAT_HEARTBEAT_FILE, 120), {
        periodSeconds: 5,
        failureThreshold: 24,
      }),
      livenessProbe: execProbe(heartbeatCheck(BEAT_HEARTBEAT_FILE, 120), { periodSeconds: 30 }),
    },
    flower: {
      command: COMMANDS.flower,
      sizes: FIXED_SIZES.flower,
      sidecars: undefined, // Flower talks to Redis only
      ports: [{ name: "http", containerPort: FLOWER_PORT }],
      livenessProbe: httpProbe(FLOWER_HEALTH_PATH, "http", { periodSeconds: 15 }),
      readinessProbe: httpProbe(FLOWER_HEALTH_PATH, "http", { periodSeconds: 10 }),
    },
  };
}
