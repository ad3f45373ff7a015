/**
 * The program's side of the app contract (README, "App"): one image, five roles, and the
 * environment variable names the Django settings read. tests/unit/appContract.test.ts checks that
 * the app in app/ really reads every name set here and really has these entry points.
 */

/** The app's name in every object's `app.kubernetes.io/name` label. */
export const APP_NAME = "django";
/** The web Service: other pods, the Ingress and the load generator address it by this name and port. */
export const WEB_SERVICE_NAME = "web";
export const WEB_SERVICE_PORT = 80;

export const APP_UID = 10001; // the image's USER (app/Dockerfile)
export const APP_GID = 10001;
export const WEB_PORT = 8000;
export const FLOWER_PORT = 5555;
/**
 * Prometheus metrics (app/config/metrics.py): a port of their own, named in the pods so scrapers
 * select it by name, exposed by no Service or Ingress. gunicorn and the worker's pool write their
 * per-process figures under PROMETHEUS_MULTIPROC_DIR (in the /tmp emptyDir); one endpoint sums them.
 */
export const METRICS_PORT = 9100;
export const METRICS_PORT_NAME = "metrics";
export const METRICS_PATH = "/metrics";
export const PROMETHEUS_MULTIPROC_DIR = "/tmp/prometheus";
/** The roles that serve metrics: web (requests, database, cache), worker (tasks), beat (queues, heartbeat). */
export const METRICS_ROLES = ["web", "worker", "beat"] as const;

export const LIVENESS_PATH = "/healthz";
export const READINESS_PATH = "/readyz";
export const FLOWER_HEALTH_PATH = "/healthcheck";

/** gunicorn's threads per process (GUNICORN_THREADS): web's PostgreSQL connections are processes x threads. */
export const WEB_THREADS = 4;

/**
 * How a web pod leaves without dropping a request (app/config/drain.py), in one place: the pod
 * spec, the GCP load balancer's BackendConfig and the check between them (webDrainProblems)
 * read these. On deletion the pod's preStop hook marks it draining and pauses: /readyz answers
 * 503 and every response closes its connection, while kube-proxy and the load balancer take
 * the pod out. Only then SIGTERM: gunicorn lets running requests finish within its graceful
 * timeout, and the kubelet kills nothing before the pause, the graceful timeout and a margin.
 */
export const WEB_DRAIN = {
  preStopPauseSeconds: 15,
  /** gunicorn's graceful_timeout (GUNICORN_GRACEFUL_TIMEOUT). */
  gracefulTimeoutSeconds: 25,
  marginSeconds: 5,
  /** The kubelet's readiness probe: it takes the pod out of the Service's endpoints. */
  readiness: { periodSeconds: 5, failureThreshold: 2 },
  /** The GCP load balancer's health check of /readyz (BackendConfig). */
  healthCheck: { intervalSeconds: 5, timeoutSeconds: 3, unhealthyThreshold: 2 },
  /** The load balancer's connection draining: no longer than the pause, which it happens within. */
  connectionDrainingSeconds: 15,
} as const;
export type WebDrain = {
  -readonly [K in keyof typeof WEB_DRAIN]: (typeof WEB_DRAIN)[K] extends number
    ? number
    : { -readonly [P in keyof (typeof WEB_DRAIN)[K]]: number };
};

/** The web pod's preStop hook: drain.py marks the pod draining and pauses. */
export function webPreStopCommand(drain: WebDrain = WEB_DRAIN): string[] {
  return ["python", "/app/config/drain.py", String(drain.preStopPauseSeconds)];
}

/** The web pod's terminationGracePeriodSeconds: the pause, gunicorn's graceful timeout and a margin. */
export function webGraceSeconds(drain: WebDrain = WEB_DRAIN): number {
  return drain.preStopPauseSeconds + drain.gracefulTimeoutSeconds + drain.marginSeconds;
}

/**
 * What would let a stopping web pod receive requests it cannot answer: every path to the pod
 * (endpoints, the load balancer) must notice /readyz failing within the pause, at worst one
 * interval late for each failure counted.
 */
export function webDrainProblems(drain: WebDrain = WEB_DRAIN): string[] {
  const pause = drain.preStopPauseSeconds;
  const problems: string[] = [];
  const probe = drain.readiness.periodSeconds * drain.readiness.failureThreshold;
  if (probe >= pause)
    problems.push(
      `the readiness probe notices a draining pod after up to ${probe} s, not within the ${pause} s pause`,
    );
  const check = drain.healthCheck.intervalSeconds * drain.healthCheck.unhealthyThreshold;
  if (check >= pause)
    problems.push(
      `the load balancer's health check notices a draining pod after up to ${check} s, not within the ${pause} s pause`,
    );
  if (drain.healthCheck.timeoutSeconds > drain.healthCheck.intervalSeconds)
    problems.push("the health check's timeout exceeds its interval (the load balancer refuses it)");
  if (drain.connectionDrainingSeconds > pause)
    problems.push(`connection draining (${drain.connectionDrainingSeconds} s) outlasts the ${pause} s pause`);
  return problems;
}

/** Written by the worker's and beat's main loops; their liveness probes check the age. */
export const WORKER_HEARTBEAT_FILE = "/tmp/celery-worker-heartbeat";
export const BEAT_HEARTBEAT_FILE = "/tmp/celery-beat-heartbeat";

export const COMMANDS = {
  web: ["gunicorn", "config.wsgi:application"],
  migrate: ["python", "manage.py", "migrate", "--noinput"],
  collectstatic: ["python", "manage.py", "collectstatic", "--noinput"],
  // Previews only: the demo fixture shipped in app/demo/fixtures, idempotent.
  seed: ["python", "manage.py", "seed_demo"],
  worker: ["celery", "-A", "config", "worker", "--loglevel=INFO"],
  beat: ["celery", "-A", "config", "beat", "--loglevel=INFO"],
  // The config file named, not left to Flower's default: Flower skips a missing default file
  // silently, and with it flowerconfig.py's refusal to start without basic auth.
  flower: ["celery", "-A", "config", "flower", `--port=${FLOWER_PORT}`, "--conf=./flowerconfig.py"],
} as const;

/** Dev mode: Django's autoreloading server, and the worker restarted by watchfiles on a change. */
export const DEV_COMMANDS = {
  web: ["python", "manage.py", "runserver", `0.0.0.0:${WEB_PORT}`],
  worker: ["watchfiles", "--filter", "python", COMMANDS.worker.join(" "), "/app"],
} as const;

/** Where the image keeps the code (its WORKDIR); dev mode mounts the working copy here. */
export const APP_DIR = "/app";

export function heartbeatCheck(file: string, maxAgeSeconds: number): string[] {
  return ["python", "/app/heartbeat.py", "check", file, String(maxAgeSeconds)];
}

/** The environment variable names of the contract, in one place. */
export const ENV = {
  secretKey: "DJANGO_SECRET_KEY",
  debug: "DJANGO_DEBUG",
  allowedHosts: "DJANGO_ALLOWED_HOSTS",
  csrfTrustedOrigins: "DJANGO_CSRF_TRUSTED_ORIGINS",
  https: "DJANGO_HTTPS",
  postgresHost: "POSTGRES_HOST",
  postgresPort: "POSTGRES_PORT",
  postgresDb: "POSTGRES_DB",
  postgresUser: "POSTGRES_USER",
  postgresPassword: "POSTGRES_PASSWORD",
  redisUrl: "REDIS_URL",
  redisCaCert: "REDIS_CA_CERT",
  redisTlsCheckHostname: "REDIS_TLS_CHECK_HOSTNAME",
  staticBucket: "STATIC_BUCKET",
  staticUrl: "STATIC_URL",
  flowerBasicAuth: "FLOWER_BASIC_AUTH",
  /** Who may POST /api/batch: web checks it, the load generator sends it (app/demo/batch_guard.py). */
  batchToken: "BATCH_API_TOKEN",
  /** "false" for the parts given no database credentials / no secret key (SECRETS_READ below). */
  needsDatabase: "DJANGO_NEEDS_DATABASE",
  needsSecretKey: "DJANGO_NEEDS_SECRET_KEY",
  webConcurrency: "WEB_CONCURRENCY",
  celeryConcurrency: "CELERY_CONCURRENCY",
  celeryTaskTimeLimit: "CELERY_TASK_TIME_LIMIT",
  celeryVisibilityTimeout: "CELERY_VISIBILITY_TIMEOUT",
  gunicornThreads: "GUNICORN_THREADS",
  gunicornGracefulTimeout: "GUNICORN_GRACEFUL_TIMEOUT",
  celeryShutdownTimeout: "CELERY_SHUTDOWN_TIMEOUT",
  metricsPort: "METRICS_PORT",
  prometheusMultiprocDir: "PROMETHEUS_MULTIPROC_DIR",
  googleCloudProject: "GOOGLE_CLOUD_PROJECT",
  sentryDsn: "SENTRY_DSN",
  sentryRelease: "SENTRY_RELEASE",
  sentryEnvironment: "SENTRY_ENVIRONMENT",
} as const;

/**
 * Secrets reach the app as files, never as environment values: the Secrets are mounted here
 * and `<NAME>_FILE` points at each key (app/config/env.py reads them; Flower's
 * app/flowerconfig.py reads FLOWER_BASIC_AUTH from APP_SECRETS_DIR).
 */
export const APP_SECRETS_DIR = "/run/secrets/django";
export const DATABASE_SECRETS_DIR = "/run/secrets/postgres";

/** The keys of the database credentials Secret: what the postgres image reads, and Django too. */
export const DATABASE_SECRET_KEYS = [ENV.postgresDb, ENV.postgresUser, ENV.postgresPassword] as const;
/** The keys of the app's own Secret. */
/** SENTRY_DSN is always a key, empty when Sentry is off (sentryDsn unset): the app then never loads sentry_sdk. */
export const APP_SECRET_KEYS = [
  ENV.secretKey,
  ENV.redisUrl,
  ENV.flowerBasicAuth,
  ENV.batchToken,
  ENV.sentryDsn,
] as const;
export type SecretName = (typeof APP_SECRET_KEYS)[number] | (typeof DATABASE_SECRET_KEYS)[number];

/**
 * The secrets each part of the app reads, and so the only ones it is given (appVolumes.ts
 * mounts exactly these): the one place this is decided. Django's settings need the secret key,
 * Redis and (to run queries) the database; collectstatic runs no query; Flower only talks to
 * the broker and checks its own basic auth; only web checks the batch token. web, worker and
 * beat report errors to Sentry when its DSN is set.
 */
export const SECRETS_READ = {
  web: [ENV.secretKey, ENV.redisUrl, ...DATABASE_SECRET_KEYS, ENV.batchToken, ENV.sentryDsn],
  worker: [ENV.secretKey, ENV.redisUrl, ...DATABASE_SECRET_KEYS, ENV.sentryDsn],
  beat: [ENV.secretKey, ENV.redisUrl, ...DATABASE_SECRET_KEYS, ENV.sentryDsn],
  flower: [ENV.redisUrl, ENV.flowerBasicAuth],
  migrate: [ENV.secretKey, ENV.redisUrl, ...DATABASE_SECRET_KEYS],
  collectstatic: [ENV.secretKey, ENV.redisUrl],
  seed: [ENV.secretKey, ENV.redisUrl, ...DATABASE_SECRET_KEYS],
} as const satisfies Record<string, readonly SecretName[]>;
export type AppPart = keyof typeof SECRETS_READ;

/** Whether `part` is given (and so reads) `secret`. */
export function reads(part: AppPart, secret: SecretName): boolean {
  const given: readonly SecretName[] = SECRETS_READ[part];
  return given.includes(secret);
}

/** `<KEY>_FILE=<dir>/<KEY>` for each key of a Secret mounted at `dir`: how the app (and the postgres image) find them. */
export function secretFileEnv(dir: string, keys: readonly string[]): { name: string; value: string }[] {
  return keys.map((key) => ({ name: `${key}_FILE`, value: `${dir}/${key}` }));
}
