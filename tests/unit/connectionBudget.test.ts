/**
 * The PostgreSQL connection budget (issue 14, point 8): the worst case counted as the pods open
 * connections, accepted at every committed stack and refused, with the keys and the numbers,
 * when the autoscalers' maximums would exceed the database's max_connections.
 */
import { describe, expect, it } from "vitest";
import { ENV } from "../../components/k8s/djangoApp/appContract";
import { roleSpecs } from "../../components/k8s/djangoApp/appRoles";
import { connectionBudget, rolloutSurge } from "../../components/k8s/djangoApp/connectionBudget";
import { cloudSqlMaxConnections, IN_CLUSTER_MAX_CONNECTIONS } from "../../lib/postgresLimits";
import { configError, loadStackConfig } from "../support/stackConfig";

const budgetOf = (stack: string, overrides: Record<string, string> = {}) => {
  const config = loadStackConfig(stack, overrides);
  return connectionBudget({
    web: { maxReplicas: config.web.scaling.maxReplicas, resources: config.web.resources },
    worker: { maxReplicas: config.worker.scaling.maxReplicas, resources: config.worker.resources },
  });
};

describe("the connection budget", () => {
  it("counts what the pods are told to run: WEB_CONCURRENCY x GUNICORN_THREADS, CELERY_CONCURRENCY + 1", () => {
    const sizes = { cpuRequest: "500m", cpuLimit: "2", memory: "1Gi" };
    const specs = roleSpecs({ web: { resources: sizes }, worker: { resources: sizes, shutdownSeconds: 60 } });
    const env = (role: "web" | "worker", name: string) =>
      Number(specs[role].env?.find((e) => e.name === name)?.value);
    const budget = connectionBudget({
      web: { maxReplicas: 4, resources: sizes },
      worker: { maxReplicas: 4, resources: sizes },
    });
    expect(budget.web.perPod).toBe(env("web", ENV.webConcurrency) * env("web", ENV.gunicornThreads));
    expect(budget.web.perPod).toBe(12); // 3 processes for 2 CPUs, 4 threads each
    expect(budget.worker.perPod).toBe(env("worker", ENV.celeryConcurrency) + 1);
  });

  it("adds each Deployment's rollout surge: web's maxSurge 1, the worker's default 25% rounded up", () => {
    expect(rolloutSurge("web", 6)).toBe(1);
    expect(rolloutSurge("worker", 6)).toBe(2);
    expect(rolloutSurge("worker", 1)).toBe(1);
  });

  it.each(["minikube", "dev", "prod"])(
    "accepts the %s stack as committed (77 connections at its defaults)",
    (stack) => {
      expect(configError(stack, {})).toBeUndefined();
      const budget = budgetOf(stack);
      // web (6 + 1) x 2 x 4 = 56, worker (6 + 2) x 2 = 16, beat, migrate, 3 reserved.
      expect(budget.total).toBe(77);
    },
  );

  it("refuses web scaled past the in-cluster PostgreSQL's limit, naming the keys and the numbers", () => {
    const error = configError("minikube", { "django-k8s:webMaxReplicas": "10" });
    expect(error?.problems).toEqual([
      "django-k8s:webMaxReplicas, django-k8s:workerMaxReplicas: at most 109 PostgreSQL connections at once, " +
        `more than the ${IN_CLUSTER_MAX_CONNECTIONS} of the in-cluster PostgreSQL's max_connections: ` +
        "web 88 = (django-k8s:webMaxReplicas 10 + 1 rollout surge) x (2 gunicorn processes for django-k8s:webCpuLimit 1 x 4 threads), " +
        "worker 16 = (django-k8s:workerMaxReplicas 6 + 2 rollout surge) x (1 Celery pool processes for django-k8s:workerCpuLimit 1 + 1 main process), " +
        "beat 1, migrate 1, superuser reserved 3; allowed: a total of at most 100: lower the maximum replicas or CPU limits",
    ]);
  });

  it("refuses a Cloud SQL tier too small for the maximums, and suggests a larger tier", () => {
    const [problem] = configError("dev", { "django-k8s:workerCpuLimit": "4" })?.problems ?? [];
    // worker (6 + 2) x (4 + 1) = 40: 56 + 40 + 5 = 101 > 100 for 3840 MiB.
    expect(problem).toMatch(
      /^django-k8s:webMaxReplicas, django-k8s:workerMaxReplicas: at most 101 PostgreSQL/,
    );
    expect(problem).toContain(
      "the 100 of Cloud SQL's default max_connections for django-k8s:cloudSqlTier db-custom-1-3840",
    );
    expect(problem).toContain("django-k8s:workerCpuLimit 4");
    expect(problem).toMatch(/or choose a larger django-k8s:cloudSqlTier$/);
    expect(
      configError("dev", { "django-k8s:workerCpuLimit": "4", "django-k8s:cloudSqlTier": "db-custom-2-7680" }),
    ).toBeUndefined();
  });

  it("reads Cloud SQL's default max_connections from Google's table, the lower band at a boundary", () => {
    expect(cloudSqlMaxConnections("db-f1-micro")).toBe(25);
    expect(cloudSqlMaxConnections("db-g1-small")).toBe(50);
    expect(cloudSqlMaxConnections("db-custom-1-3840")).toBe(100);
    expect(cloudSqlMaxConnections("db-custom-1-6144")).toBe(100);
    expect(cloudSqlMaxConnections("db-custom-2-7680")).toBe(200);
    expect(cloudSqlMaxConnections("db-custom-2-7936")).toBe(400);
    expect(cloudSqlMaxConnections("db-custom-4-15360")).toBe(400);
    expect(cloudSqlMaxConnections("db-custom-8-30720")).toBe(500);
    expect(cloudSqlMaxConnections("db-custom-16-61440")).toBe(600);
    expect(cloudSqlMaxConnections("db-custom-32-122880")).toBe(800);
    expect(cloudSqlMaxConnections("db-custom-96-393216")).toBe(1000);
  });
});
