/**
 * What is watched and when someone is told: one rule per signal, with its query, threshold
 * (config keys alert*, defaults in Pulumi.yaml) and the runbook line the alert carries
 * (docs/observability.md has the same lines). Pure, so tests read the queries without the engine.
 *
 * The app's metric names below are the ones app/config/metrics.py and django-prometheus export;
 * app/tests/test_metrics.py checks every name these queries use against a real run of the app.
 */

export interface AlertThresholds {
  errorRatePercent: number;
  latencyP95Ms: number;
  queueBacklog: number;
  oldestTaskSeconds: number;
  beatHeartbeatSeconds: number;
  cloudSqlCpuPercent: number;
  cloudSqlDiskPercent: number;
  cloudSqlConnections: number;
  redisMemoryPercent: number;
}

export type Signal =
  | { kind: "promql"; query: string; for: string }
  | {
      kind: "metric";
      resource: "cloudsql" | "redis" | "uptime";
      metric: string;
      threshold: number;
      below?: boolean;
      for: string;
      aligner: string;
      reducer?: string;
      groupBy?: string[];
    };

export interface AlertRule {
  id: string;
  title: string;
  severity: "CRITICAL" | "ERROR" | "WARNING";
  signal: Signal;
  runbook: string;
}

const RESPONSES = "django_http_responses_total_by_status_view_method_total";
const LATENCY_BUCKETS = "django_http_requests_latency_seconds_by_view_method_bucket";

/** The PromQL of the app's signals, scoped to the app's namespace. */
export function appQueries(namespace: string) {
  const ns = `namespace="${namespace}"`;
  return {
    errorRatePercent: `100 * sum(rate(${RESPONSES}{${ns},status=~"5.."}[5m])) / clamp_min(sum(rate(${RESPONSES}{${ns}}[5m])), 0.001)`,
    latencyP95Ms: `1000 * histogram_quantile(0.95, sum by (le) (rate(${LATENCY_BUCKETS}{${ns}}[5m])))`,
    queueBacklog: `max by (queue) (celery_queue_length{${ns}})`,
    oldestTaskSeconds: `max by (queue) (celery_queue_oldest_task_age_seconds{${ns}})`,
    workers: `sum(celery_worker_up{${ns}}) or vector(0)`,
    beatHeartbeatSeconds: `max(celery_beat_heartbeat_age_seconds{${ns}}) or (absent(celery_beat_heartbeat_age_seconds{${ns}}) * 1e9)`,
    tasksByState: `sum by (state) (rate(celery_tasks_total{${ns}}[5m]))`,
    requestsByStatus: `sum by (status) (rate(${RESPONSES}{${ns}}[5m]))`,
    databaseP95Ms: `1000 * histogram_quantile(0.95, sum by (le) (rate(django_db_query_duration_seconds_bucket{${ns}}[5m])))`,
    cacheP95Ms: `1000 * histogram_quantile(0.95, sum by (le) (rate(django_cache_operation_seconds_bucket{${ns}}[5m])))`,
  };
}

const CLOUD_SQL = {
  cpu: "cloudsql.googleapis.com/database/cpu/utilization",
  disk: "cloudsql.googleapis.com/database/disk/utilization",
  connections: "cloudsql.googleapis.com/database/postgresql/num_backends",
};
const REDIS_MEMORY = "redis.googleapis.com/stats/memory/usage_ratio";
const UPTIME_PASSED = "monitoring.googleapis.com/uptime_check/check_passed";

type AppQueries = ReturnType<typeof appQueries>;

/** One rule as data: its title and signal read the thresholds (and the app's queries). */
interface AlertRuleSpec {
  id: string;
  severity: AlertRule["severity"];
  title: (t: AlertThresholds) => string;
  signal: (q: AppQueries, t: AlertThresholds) => Signal;
  runbook: string;
}

function promql(query: string, minutes: number): Signal {
  return { kind: "promql", query, for: `${minutes * 60}s` };
}

/** Every rule, in the order the alert policies are created. */
const ALERT_RULES: readonly AlertRuleSpec[] = [
  {
    id: "site-down",
    title: () => "Site down: the liveness path fails from several locations",
    severity: "CRITICAL",
    signal: () => ({
      kind: "metric",
      resource: "uptime",
      metric: UPTIME_PASSED,
      threshold: 1,
      for: "300s",
      aligner: "ALIGN_NEXT_OLDER",
      reducer: "REDUCE_COUNT_FALSE",
      groupBy: ["resource.label.host"],
    }),
    runbook:
      "No web pod answers /healthz through the load balancer. Check `kubectl get pods` (crash loops, pending pods), the web Deployment's events and the Ingress' backend health.",
  },
  {
    id: "error-rate",
    title: (t) => `More than ${t.errorRatePercent}% of responses are 5xx`,
    severity: "ERROR",
    signal: (q, t) => promql(`${q.errorRatePercent} > ${t.errorRatePercent}`, 5),
    runbook:
      "Read the web logs for ERROR lines (Logs Explorer, severity>=ERROR, or Sentry when configured); a recent rollout is the first suspect: roll back the image.",
  },
  {
    id: "latency",
    title: (t) => `p95 latency above ${t.latencyP95Ms} ms`,
    severity: "WARNING",
    signal: (q, t) => promql(`${q.latencyP95Ms} > ${t.latencyP95Ms}`, 10),
    runbook:
      "Compare the dashboard's database and cache timings: slow queries point at Cloud SQL (Query Insights), a saturated web tier at its CPU and the autoscaler's maximum.",
  },
  {
    id: "queue-backlog",
    title: (t) => `More than ${t.queueBacklog} tasks waiting`,
    severity: "WARNING",
    signal: (q, t) => promql(`${q.queueBacklog} > ${t.queueBacklog}`, 10),
    runbook:
      "Workers do not keep up: check the worker count and its autoscaler (at its maximum?), and failing tasks on the dashboard.",
  },
  {
    id: "oldest-task",
    title: (t) => `A task has waited more than ${t.oldestTaskSeconds} s`,
    severity: "ERROR",
    signal: (q, t) => promql(`${q.oldestTaskSeconds} > ${t.oldestTaskSeconds}`, 5),
    runbook:
      "Tasks are not being taken: check that workers run and are not stuck (their liveness probe, logs), and that they reach Redis.",
  },
  {
    id: "no-worker",
    title: () => "No Celery worker running",
    severity: "CRITICAL",
    signal: (q) => promql(`(${q.workers}) < 1`, 5),
    runbook:
      "Nothing runs tasks. `kubectl describe deployment celery-worker`: image pull errors, crash loops, or no node to schedule on.",
  },
  {
    id: "beat-stale",
    title: (t) => `Beat's heartbeat older than ${t.beatHeartbeatSeconds} s`,
    severity: "ERROR",
    signal: (q, t) => promql(`(${q.beatHeartbeatSeconds}) > ${t.beatHeartbeatSeconds}`, 5),
    runbook:
      "Periodic tasks are not sent. Check the celery-beat pod (exactly one, Recreate); its logs say whether it waits for the leader lock in PostgreSQL.",
  },
  {
    id: "cloudsql-cpu",
    title: (t) => `Cloud SQL CPU above ${t.cloudSqlCpuPercent}%`,
    severity: "WARNING",
    signal: (_, t) => googleMetric("cloudsql", CLOUD_SQL.cpu, t.cloudSqlCpuPercent / 100, "ALIGN_MEAN"),
    runbook: "Find the expensive queries in Query Insights; raise cloudSqlTier if the load is legitimate.",
  },
  {
    id: "cloudsql-disk",
    title: (t) => `Cloud SQL storage above ${t.cloudSqlDiskPercent}%`,
    severity: "ERROR",
    signal: (_, t) => googleMetric("cloudsql", CLOUD_SQL.disk, t.cloudSqlDiskPercent / 100, "ALIGN_MEAN"),
    runbook:
      "Raise cloudSqlDiskGb (storage only grows) before the instance fills and stops accepting writes.",
  },
  {
    id: "cloudsql-connections",
    title: (t) => `More than ${t.cloudSqlConnections} Cloud SQL connections`,
    severity: "WARNING",
    signal: (_, t) =>
      googleMetric("cloudsql", CLOUD_SQL.connections, t.cloudSqlConnections, "ALIGN_MAX", "REDUCE_SUM"),
    runbook:
      "Each web process and worker keeps a connection: more replicas mean more. Lower the autoscalers' maximums or raise the tier (its max_connections).",
  },
  {
    id: "redis-memory",
    title: (t) => `Memorystore memory above ${t.redisMemoryPercent}%`,
    severity: "ERROR",
    signal: (_, t) => googleMetric("redis", REDIS_MEMORY, t.redisMemoryPercent / 100, "ALIGN_MAX"),
    runbook:
      "The queue or the cache fills Redis. A long queue: see the backlog alert. Otherwise raise redisMemoryGb; cache keys expire and are evicted first.",
  },
];

export function alertRules(namespace: string, t: AlertThresholds): AlertRule[] {
  const q = appQueries(namespace);
  return ALERT_RULES.map(({ id, title, severity, signal, runbook }) => ({
    id,
    title: title(t),
    severity,
    signal: signal(q, t),
    runbook,
  }));
}

function googleMetric(
  resource: "cloudsql" | "redis",
  metric: string,
  threshold: number,
  aligner: string,
  reducer?: string,
): Signal {
  return { kind: "metric", resource, metric, threshold, for: "300s", aligner, reducer };
}

/** The dashboard: the alerts' signals and their context, two tiles to a row. */
export function dashboardTiles(namespace: string, cloudSqlDatabaseId: string, redisInstance: string) {
  const q = appQueries(namespace);
  const prometheus = (title: string, query: string) => ({
    title,
    xyChart: { dataSets: [{ plotType: "LINE", timeSeriesQuery: { prometheusQuery: query } }] },
  });
  const google = (title: string, filter: string) => ({
    title,
    xyChart: {
      dataSets: [
        {
          plotType: "LINE",
          timeSeriesQuery: {
            timeSeriesFilter: {
              filter,
              aggregation: { alignmentPeriod: "60s", perSeriesAligner: "ALIGN_MEAN" },
            },
          },
        },
      ],
    },
  });
  const sql = `resource.type="cloudsql_database" AND resource.label.database_id="${cloudSqlDatabaseId}"`;
  const widgets = [
    prometheus("Requests per second by status", q.requestsByStatus),
    prometheus("5xx responses (%)", q.errorRatePercent),
    prometheus("p95 latency (ms)", q.latencyP95Ms),
    prometheus("Database query p95 (ms)", q.databaseP95Ms),
    prometheus("Cache call p95 (ms)", q.cacheP95Ms),
    prometheus("Tasks per second by outcome", q.tasksByState),
    prometheus("Tasks waiting, by queue", q.queueBacklog),
    prometheus("Oldest waiting task (s), by queue", q.oldestTaskSeconds),
    prometheus("Workers running", q.workers),
    prometheus("Beat heartbeat age (s)", q.beatHeartbeatSeconds),
    google("Cloud SQL CPU", `metric.type="${CLOUD_SQL.cpu}" AND ${sql}`),
    google("Cloud SQL storage", `metric.type="${CLOUD_SQL.disk}" AND ${sql}`),
    google("Cloud SQL connections", `metric.type="${CLOUD_SQL.connections}" AND ${sql}`),
    google(
      "Memorystore memory",
      `metric.type="${REDIS_MEMORY}" AND resource.type="redis_instance" AND resource.label.instance_id=ends_with("/${redisInstance}")`,
    ),
  ];
  return widgets.map((widget, index) => ({
    xPos: (index % 2) * 24,
    yPos: Math.floor(index / 2) * 16,
    width: 24,
    height: 16,
    widget,
  }));
}
