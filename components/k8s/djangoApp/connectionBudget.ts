/**
 * The PostgreSQL connections the app can hold at once, at worst: every autoscaled pod at its
 * maximum plus the pods a rollout adds (its surge), each holding what the app opens (measured
 * by the app's tests/test_connection_budget.py): a web process one connection per thread
 * (Django's connections are per thread, kept for CONN_MAX_AGE), a worker one per pool process
 * plus its main process, beat one (its advisory lock, app/config/beat.py), the migration Job one.
 * Pure: config validation (stacks/config/rules.ts) checks it against the database's limit.
 */
import { SUPERUSER_RESERVED_CONNECTIONS } from "../../../lib/postgresLimits";
import type { ResourceSizes } from "../specs/resources";
import { WEB_THREADS } from "./appContract";
import { ROLE_DEPLOYMENTS, webProcesses, workerConcurrency } from "./appRoles";

export interface BudgetInput {
  web: { maxReplicas: number; resources: Pick<ResourceSizes, "cpuLimit"> };
  worker: { maxReplicas: number; resources: Pick<ResourceSizes, "cpuLimit"> };
}

interface RoleConnections {
  pods: number;
  processes: number;
  perPod: number;
  connections: number;
}

export interface ConnectionBudget {
  /** Pods at the maximum plus the rollout's surge; processes per pod; connections per pod and in all. */
  web: RoleConnections & { threads: number };
  worker: RoleConnections;
  beat: number;
  migrate: number;
  reserved: number;
  total: number;
}

/**
 * Extra pods a rolling update runs beside the old ones: the Deployment's maxSurge, or
 * Kubernetes' default of 25% rounded up when the strategy leaves it unset.
 */
export function rolloutSurge(role: "web" | "worker", replicas: number): number {
  const strategy: { rollingUpdate?: { maxSurge?: number | string } } | undefined =
    ROLE_DEPLOYMENTS[role].strategy;
  const surge = strategy?.rollingUpdate?.maxSurge ?? "25%";
  return typeof surge === "number" ? surge : Math.ceil((replicas * Number.parseInt(surge, 10)) / 100);
}

export function connectionBudget(input: BudgetInput): ConnectionBudget {
  const role = (name: "web" | "worker", processes: number, perPod: number): RoleConnections => {
    const pods = input[name].maxReplicas + rolloutSurge(name, input[name].maxReplicas);
    return { pods, processes, perPod, connections: pods * perPod };
  };
  const processes = webProcesses(input.web.resources);
  const web = { ...role("web", processes, processes * WEB_THREADS), threads: WEB_THREADS };
  const concurrency = workerConcurrency(input.worker.resources);
  const worker = role("worker", concurrency, concurrency + 1);
  const [beat, migrate, reserved] = [1, 1, SUPERUSER_RESERVED_CONNECTIONS];
  return {
    web,
    worker,
    beat,
    migrate,
    reserved,
    total: web.connections + worker.connections + beat + migrate + reserved,
  };
}
