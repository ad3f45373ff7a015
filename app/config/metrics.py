"""Prometheus metrics of every role, on a port of their own (METRICS_PORT, which the pods set;
unset means no endpoint) that no Service or Ingress exposes; only the cluster's collector may
reach it (docs/observability.md).

- web: django-prometheus (requests by view, method and status, latency histograms, database
  query timings, cache hits and misses) plus the cache timings it lacks (TimedRedisCache). gunicorn
  runs several processes; prometheus-client's multiprocess mode has each write its figures to
  files in PROMETHEUS_MULTIPROC_DIR and the one endpoint, served by gunicorn's master, sums them.
- worker: tasks succeeded/failed/retried by task name, counted in the pool's child processes
  (multiprocess mode again) and served by the worker's main process, plus `celery_worker_up`.
- beat (a singleton, so nothing is counted twice): queue length and the age of the oldest waiting
  task per queue, read from Redis at scrape time, and the age of beat's own heartbeat.

Why some of this is written here: Flower's /metrics shares Flower's public port and counts only
the events its own process saw, and neither it nor a maintained Celery exporter reports how
long the oldest task has waited; the queue figures are two Redis reads per queue.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
from pathlib import Path

from django_prometheus.cache.backends.redis import RedisCache
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily

import heartbeat

METRICS_PORT_ENV = "METRICS_PORT"
MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The header every published task carries: when it was sent, for the oldest waiting task's age.
PUBLISHED_AT_HEADER = "published_at"
# kombu's Redis transport keeps a queue's prioritised messages in lists named queue + sep + step.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)

# Any process given the directory writes there on its first figure (a one-off `manage.py` in
# a web pod too), so it must exist even where no role start-up prepared it.
if os.environ.get(MULTIPROC_DIR_ENV):
    Path(os.environ[MULTIPROC_DIR_ENV]).mkdir(parents=True, exist_ok=True)

TASKS = Counter("celery_tasks", "Celery tasks finished, by task name and outcome", ["name", "state"])
CACHE_SECONDS = Histogram(
    "django_cache_operation_seconds",
    "Time of Django cache calls by operation",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)


def prepare_multiprocess_dir() -> None:
    """Empties PROMETHEUS_MULTIPROC_DIR before the role's first process writes to it: the files of
    a previous container in the same pod (the /tmp emptyDir outlives a restart) would be summed."""
    directory = os.environ.get(MULTIPROC_DIR_ENV)
    if not directory:
        return
    shutil.rmtree(directory, ignore_errors=True)
    Path(directory).mkdir(parents=True, exist_ok=True)


def process_exited(pid: int) -> None:
    """A gunicorn or pool process ended: its live gauges go; its counters stay in the sum."""
    if os.environ.get(MULTIPROC_DIR_ENV):
        multiprocess.mark_process_dead(pid)


class SummedProcesses(multiprocess.MultiProcessCollector):
    """prometheus-client's sum over the processes' files, read again when a process that is
    just starting had created its file but not yet sized it (the read then fails on 0 bytes)."""

    def collect(self):
        for attempt in range(3):
            try:
                return list(super().collect())
            except (struct.error, ValueError):
                if attempt == 2:
                    raise
                time.sleep(0.05)
        return []


def serve(*collectors, multiprocess_files: bool = False) -> None:
    """The metrics endpoint on METRICS_PORT, in a daemon thread of the calling process; none
    when METRICS_PORT is unset (a developer's or a test's process beside others)."""
    port = os.environ.get(METRICS_PORT_ENV)
    if not port:
        return
    registry = CollectorRegistry()
    if multiprocess_files and os.environ.get(MULTIPROC_DIR_ENV):
        registry.register(SummedProcesses(None))
    for collector in collectors:
        registry.register(collector)
    start_http_server(int(port), addr="0.0.0.0", registry=registry)  # noqa: S104 - the pod's own port


class TimedRedisCache(RedisCache):
    """django-prometheus' django-redis backend (hits, misses, failures) with call timings."""

    def _timed(operation: str):  # noqa: N805 - a decorator factory used in the class body
        def wrap(method):
            def timed(self, *args, **kwargs):
                with CACHE_SECONDS.labels(operation).time():
                    return method(self, *args, **kwargs)

            return timed

        return wrap

    get = _timed("get")(RedisCache.get)
    set = _timed("set")(RedisCache.set)
    delete = _timed("delete")(RedisCache.delete)
    get_many = _timed("get_many")(RedisCache.get_many)


# --- Celery --------------------------------------------------------------------------------------


class WorkerCollector:
    """celery_worker_up 1 per worker process group: summed over pods it is the worker count."""

    def collect(self):
        yield GaugeMetricFamily("celery_worker_up", "1 while this Celery worker runs", value=1)


class QueueCollector:
    """Length of each queue and age of its oldest waiting task, from Redis at scrape time."""

    def __init__(self, app):
        self.app = app
        self._client = None

    def _redis(self):
        if self._client is None:
            import redis
            from django.conf import settings

            self._client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2, **settings.REDIS_SSL_OPTIONS
            )
        return self._client

    def queues(self) -> list[str]:
        names = {self.app.conf.task_default_queue}
        names.update(self.app.amqp.queues.keys())
        return sorted(names)

    def collect(self):
        length = GaugeMetricFamily("celery_queue_length", "Tasks waiting in the queue", labels=["queue"])
        oldest = GaugeMetricFamily(
            "celery_queue_oldest_task_age_seconds", "Seconds the oldest waiting task has waited", labels=["queue"]
        )
        client = self._redis()
        now = time.time()
        for queue in self.queues():
            keys = [queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]
            waiting = sum(client.llen(key) for key in keys)
            age = 0.0
            for key in keys:
                # kombu pushes on the left and takes from the right: the oldest is the last.
                raw = client.lindex(key, -1)
                sent = _published_at(raw)
                if sent is not None:
                    age = max(age, now - sent)
            length.add_metric([queue], waiting)
            oldest.add_metric([queue], age)
        yield length
        yield oldest


def _published_at(raw: bytes | None) -> float | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)["headers"].get(PUBLISHED_AT_HEADER)
        return float(value) if value is not None else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class BeatCollector:
    """Age of beat's heartbeat: the file its scheduler touches on every tick (config/beat.py)."""

    def collect(self):
        age = heartbeat.age_seconds(heartbeat.BEAT_FILE)
        if age is not None:
            yield GaugeMetricFamily(
                "celery_beat_heartbeat_age_seconds", "Seconds since beat's scheduler last ticked", value=age
            )


def install_celery(app) -> None:
    """Connects the Celery roles' metrics to Celery's signals (config/celery.py calls this)."""
    from celery import signals

    @signals.before_task_publish.connect(weak=False)
    def stamp(headers=None, **_):
        if headers is not None:
            headers.setdefault(PUBLISHED_AT_HEADER, time.time())

    @signals.task_success.connect(weak=False)
    def succeeded(sender=None, **_):
        TASKS.labels(sender.name, "succeeded").inc()

    @signals.task_failure.connect(weak=False)
    def failed(sender=None, **_):
        TASKS.labels(sender.name, "failed").inc()

    @signals.task_retry.connect(weak=False)
    def retried(sender=None, **_):
        TASKS.labels(sender.name, "retried").inc()

    @signals.celeryd_init.connect(weak=False)
    def worker_starting(**_):
        prepare_multiprocess_dir()

    @signals.worker_ready.connect(weak=False)
    def worker_ready(**_):
        serve(WorkerCollector(), multiprocess_files=True)

    @signals.worker_process_shutdown.connect(weak=False)
    def pool_process_exited(pid=None, **_):
        process_exited(pid or os.getpid())

    @signals.beat_init.connect(weak=False)
    def beat_ready(**_):
        serve(QueueCollector(app), BeatCollector())
