"""Django settings: everything comes from the environment (see config/env.py).

The variable names are the contract with the Pulumi program; they are listed in the
project README ("App" section) and checked from both sides by tests.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from . import env, logs, sentry, timing
from .cpu import whole_cpus

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env.boolean("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.get("DJANGO_SECRET_KEY") or "insecure-development-key-only-used-with-DJANGO_DEBUG"
elif env.boolean("DJANGO_NEEDS_SECRET_KEY", default=True):
    SECRET_KEY = env.required("DJANGO_SECRET_KEY", "it signs sessions and CSRF tokens when DJANGO_DEBUG is off")
else:
    # Flower signs nothing and is not given the key (docs/security.md); empty, Django refuses any use.
    SECRET_KEY = ""

ALLOWED_HOSTS = env.csv("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env.csv("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "demo",
]

MIDDLEWARE = [
    # First, so probes are answered whatever their Host header and never redirected to HTTPS.
    "config.health.HealthCheckMiddleware",
    # After the probes, so they are neither counted nor logged (docs/observability.md).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- PostgreSQL -------------------------------------------------------------------------
# The same variable names the postgres image reads, so one Secret feeds both.
# Flower and collectstatic run no query and are not given the credentials (docs/security.md).
DATABASE_OPTIONAL = DEBUG or not env.boolean("DJANGO_NEEDS_DATABASE", default=True)
DATABASES = {
    "default": {
        # Django's PostgreSQL backend with query counts and timings (django-prometheus).
        "ENGINE": "django_prometheus.db.backends.postgresql",
        "HOST": env.setting("POSTGRES_HOST", "localhost", DEBUG),
        "PORT": env.integer("POSTGRES_PORT", 5432, minimum=1),
        "NAME": env.setting("POSTGRES_DB", "app", DATABASE_OPTIONAL),
        "USER": env.setting("POSTGRES_USER", "app", DATABASE_OPTIONAL),
        "PASSWORD": env.setting("POSTGRES_PASSWORD", "", DATABASE_OPTIONAL, allow_empty=True),
        # Persistent connections with a liveness check: no reconnect per request, and a
        # connection dropped by a database failover is replaced instead of failing a request.
        "CONN_MAX_AGE": env.integer("POSTGRES_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": env.integer("POSTGRES_CONNECT_TIMEOUT", 3, minimum=1)},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, result backend and Django cache -----------------------------
REDIS_URL = env.setting("REDIS_URL", "redis://localhost:6379/0", DEBUG)
REDIS_CA_CERT = env.get("REDIS_CA_CERT") or None
REDIS_TLS = REDIS_URL.startswith("rediss://")
# Memorystore's server certificate may not name the address clients connect to; the CA
# check stays on either way.
REDIS_TLS_CHECK_HOSTNAME = env.boolean("REDIS_TLS_CHECK_HOSTNAME", default=True)
if REDIS_CA_CERT and not REDIS_TLS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("REDIS_CA_CERT is set but REDIS_URL is not a rediss:// URL.")


# redis-py keyword arguments for TLS, shared by the cache, Celery and the readiness check;
# empty for a plain redis:// URL.
REDIS_SSL_OPTIONS: dict = {}
if REDIS_TLS:
    REDIS_SSL_OPTIONS = {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_check_hostname": REDIS_TLS_CHECK_HOSTNAME}
    if REDIS_CA_CERT:
        REDIS_SSL_OPTIONS["ssl_ca_certs"] = REDIS_CA_CERT


# How long a broker connect or command may take before it counts as failed. Enqueueing
# happens inside web requests, so the web role sets 250 ms (gunicorn.conf.py): a publish
# attempt (two at most) gives up that fast, and with the cache's CACHE_REQUEST_TIMEOUT a Redis
# outage, or a Redis that accepts connections but never answers, costs a page under a second
# (publish, cache read, cache write) instead of taking the web tier down. The other roles wait
# 5 s, so a Redis pausing for a disk flush does not make every worker reconnect. Redis answers
# in about a millisecond when it is well.
REDIS_REQUEST_TIMEOUT = env.integer("REDIS_TIMEOUT_MS", 5000, minimum=1) / 1000
CACHE_REQUEST_TIMEOUT = 0.15

CACHES = {
    "default": {
        # django-redis with hit/miss counts and call timings (config/metrics.py).
        "BACKEND": "config.metrics.TimedRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
        # Every cache key expires (see config/cache.py): the Redis eviction policy,
        # volatile-lru, evicts only keys with a TTL, so a full cache gives way to new cache
        # entries and never to the Celery queue, whose keys have none.
        "TIMEOUT": 300,
        "OPTIONS": {
            "CLIENT_CLASS": "config.cache.ExpiringClient",
            # A cache outage degrades to cache misses instead of failing requests.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": CACHE_REQUEST_TIMEOUT,
            "SOCKET_TIMEOUT": CACHE_REQUEST_TIMEOUT,
            "CONNECTION_POOL_KWARGS": dict(REDIS_SSL_OPTIONS),
        },
    }
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# The longest a cache entry may live: a caller asking for "forever" (timeout None) gets this.
CACHE_MAX_TIMEOUT = 24 * 3600

# --- Celery (read by config/celery.py with the CELERY_ namespace) ---------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = f"config.celery:ResultBackend+{REDIS_URL}"
CELERY_BROKER_USE_SSL = dict(REDIS_SSL_OPTIONS) or None
CELERY_REDIS_BACKEND_USE_SSL = dict(REDIS_SSL_OPTIONS) or None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens inside web requests: a Redis that is down or does not answer makes
# the publish fail within 2 x REDIS_REQUEST_TIMEOUT (one retry, at once, on a new connection:
# what a pooled connection needs after a Redis restart), and the visit stays pending in
# PostgreSQL for the reconcile task to enqueue later (demo/tasks.py). The result backend does
# not subscribe at publish time (config/celery.py), so it adds no wait of its own.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_REQUEST_TIMEOUT
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_REQUEST_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_REQUEST_TIMEOUT
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_TRACK_STARTED = True
# Nothing lost: a message is acknowledged only after its task ran, a task whose worker
# process died is given back to the queue, and a worker holds no more than it runs.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task that runs longer than this is stopped; the pod's grace period is sized from it.
CELERY_TASK_TIME_LIMIT = env.integer("CELERY_TASK_TIME_LIMIT", 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT - 5)
# On SIGTERM (remapped to SIGQUIT with REMAP_SIGTERM, see the README) the worker stops
# taking work and lets running tasks finish for this long, then hands the rest back to
# the queue. The Pulumi program sets it below the pod's terminationGracePeriodSeconds.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = float(env.integer("CELERY_SHUTDOWN_TIMEOUT", 25, minimum=0))
# A worker with no running task skips that wait and exits at once (Celery's default). With
# soft shutdown on idle, every stop of an idle worker slept the whole timeout, which made each
# rollout and scale-in of workers 25-60 s slower. What that setting is for, ETA/countdown and
# prefetched messages the worker holds unacknowledged, is covered without it: on the Redis
# transport the closing worker puts them back on the queue ("Restoring N unacknowledged
# message(s)"); tests/test_celery.py stops an idle worker holding one and checks both.
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = False
# Redis redelivers a message that was taken but never acknowledged (its worker was killed)
# once it is older than the visibility timeout; every worker sweeps for such messages every
# BROKER_RESTORE_SWEEP_SECONDS (kombu's default is about 100 s), so a killed worker's task
# runs again within CELERY_VISIBILITY_TIMEOUT + BROKER_RESTORE_SWEEP_SECONDS.
# The rules between the timeouts (config/timing.py) are checked here and by the Pulumi config.
VISIBILITY_TIMEOUT = env.integer("CELERY_VISIBILITY_TIMEOUT", timing.DEFAULT_VISIBILITY_TIMEOUT, minimum=1)
try:
    timing.check(CELERY_TASK_TIME_LIMIT, VISIBILITY_TIMEOUT)
except timing.TimingError as exc:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(str(exc)) from None
BROKER_RESTORE_SWEEP_SECONDS = timing.RESTORE_SWEEP_SECONDS
TASK_MAX_COUNTDOWN = timing.max_countdown(CELERY_TASK_TIME_LIMIT, VISIBILITY_TIMEOUT)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": VISIBILITY_TIMEOUT,
    "unacked_restore_interval": BROKER_RESTORE_SWEEP_SECONDS,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": REDIS_REQUEST_TIMEOUT,
    "socket_timeout": REDIS_REQUEST_TIMEOUT,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"timeout": 5.0}}
# One process per CPU of the container's limit: the demo's tasks are CPU-bound.
CELERY_WORKER_CONCURRENCY = env.integer("CELERY_CONCURRENCY", whole_cpus(), minimum=1)
CELERY_WORKER_SEND_TASK_EVENTS = True  # Flower shows tasks live
CELERY_TASK_SEND_SENT_EVENT = True
# Beat keeps its schedule state in a file; /tmp is the one writable path in the image.
# Only the beat holding a PostgreSQL advisory lock sends periodic tasks (config/beat.py): a
# second beat (an evicted pod still terminating, a partition) waits until the first one's
# database session ends, so no periodic run is sent twice.
CELERY_BEAT_SCHEDULER = "config.beat:LeaderScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = env.integer("CELERY_BEAT_MAX_LOOP_INTERVAL", 30, minimum=1)
CELERY_BEAT_SCHEDULE_FILENAME = env.get("CELERY_BEAT_SCHEDULE_FILENAME", "/tmp/celerybeat-schedule")
HEARTBEAT_SECONDS = env.integer("HEARTBEAT_SECONDS", 60, minimum=1)
# PostgreSQL is the record of work: visits whose task did not run (enqueue failed, queue lost
# with a Redis restart) are enqueued again every RECONCILE_SECONDS, once they have waited
# RECONCILE_GRACE_SECONDS since they were last handed to the queue.
RECONCILE_SECONDS = env.integer("RECONCILE_SECONDS", 60, minimum=1)
RECONCILE_GRACE_SECONDS = env.integer("RECONCILE_GRACE_SECONDS", 120, minimum=0)
RECONCILE_BATCH = env.integer("RECONCILE_BATCH", 500, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "demo.tasks.heartbeat", "schedule": float(HEARTBEAT_SECONDS)},
    "reconcile-visits": {"task": "demo.tasks.reconcile_visits", "schedule": float(RECONCILE_SECONDS)},
}

# --- Static files ----------------------------------------------------------------------
STATIC_BUCKET = env.get("STATIC_BUCKET") or None
STATIC_ROOT = Path(env.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
if STATIC_BUCKET:
    # collectstatic uploads hashed files to the bucket; the CDN in front of it serves them.
    STATIC_URL = env.required("STATIC_URL", "the CDN URL of STATIC_BUCKET")
    STATICFILES_BACKEND = "config.storage.ManifestGoogleCloudStorage"
    STATICFILES_OPTIONS = {"bucket_name": STATIC_BUCKET}
else:
    # The app serves its own static files (collected into the image at build time).
    STATIC_URL = env.get("STATIC_URL") or "/static/"
    STATICFILES_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
    STATICFILES_OPTIONS = {}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATICFILES_BACKEND, "OPTIONS": STATICFILES_OPTIONS},
}

# --- Security ----------------------------------------------------------------------------
# DJANGO_HTTPS says the site is reached over HTTPS (TLS ends at the load balancer, which
# sets X-Forwarded-Proto). Off only where there is no TLS at all, e.g. a minikube NodePort.
HTTPS = env.boolean("DJANGO_HTTPS", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.boolean("DJANGO_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Demo ----------------------------------------------------------------------------------
# Upper bound on tasks one /api/batch call may enqueue, so the endpoint cannot flood the queue.
DEMO_BATCH_MAX = env.integer("DEMO_BATCH_MAX", 50, minimum=1)

# JSON lines for Cloud Logging, plain text when debugging; no secret in any line (config/logs.py).
LOGGING = logs.config(DEBUG, env.get("DJANGO_LOG_LEVEL", "INFO"))

# Error reports to Sentry when SENTRY_DSN is set; otherwise sentry_sdk is never imported.
SENTRY_ENABLED = sentry.init()
