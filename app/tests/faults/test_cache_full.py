"""Fault: the Django cache fills Redis past maxmemory while tasks are sent and run.

The Redis is configured exactly as the stacks configure it (config/redis_server.json, with a
small maxmemory): volatile-lru evicts only keys with a TTL, every cache key has one
(config/cache.py) and the queue's keys have none, so the cache gives way and the queue does not.
The same flood under noeviction, the previous setting, makes publishing fail: the control.
"""

import json
import subprocess
import sys
import time

import pytest
import redis

from ..conftest import APP_DIR, celery_worker_argv, report, wait_for
from ..private_services import RedisServer
from .helpers import all_done, outcome

pytestmark = pytest.mark.django_db(transaction=True)

MAXMEMORY_MB = 4
TASKS = 30
STACK_SETTINGS = json.loads((APP_DIR / "config" / "redis_server.json").read_text())


@pytest.fixture
def small_redis(tmp_path):
    """start(policy overrides) -> a redis-server of the stacks' settings with a small maxmemory."""
    servers = []

    def _start(**overrides: str) -> RedisServer:
        settings = {**STACK_SETTINGS["everywhere"], **STACK_SETTINGS["inCluster"], "maxmemory": f"{MAXMEMORY_MB}mb"}
        server = RedisServer(tmp_path, {**settings, **overrides})
        server.start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


def run_flood(env: dict[str, str], *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tests.faults.cache_flood", *args], cwd=APP_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def memory(server: RedisServer) -> dict:
    client = redis.Redis.from_url(server.url)
    info = client.info()
    return {
        "evicted_keys": info["evicted_keys"],
        "used_mb": round(info["used_memory"] / 2**20, 1),
        "queue_ttl": client.ttl("celery"),
    }


def test_a_full_cache_evicts_cache_entries_never_queued_tasks(start, app_env, small_redis, capsys):
    server = small_redis()
    env = {**app_env, "REDIS_URL": server.url}
    filled = run_flood(env, "fill", str(MAXMEMORY_MB * 3))  # three times maxmemory
    after_fill = memory(server)

    sent = run_flood(env, "enqueue", str(TASKS))
    queued = memory(server)
    worker = start("worker", celery_worker_argv("cache-flood", concurrency=2), env)
    flood_during_run = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.cache_flood", "fill", str(MAXMEMORY_MB * 2)], cwd=APP_DIR, env=env
    )
    started = time.monotonic()
    try:
        wait_for(lambda: all_done(sent["ids"]), 60, "every task sent into the full Redis to run")
    finally:
        flood_during_run.wait(timeout=60)
    took = time.monotonic() - started

    counts = outcome(sent["ids"], worker.log())
    report(
        capsys,
        "cache flooded (volatile-lru)",
        maxmemory_mb=MAXMEMORY_MB,
        cache_entries_written=filled["cache_entries_written"],
        evicted_before_enqueue=after_fill["evicted_keys"],
        evicted_total=memory(server)["evicted_keys"],
        publish_errors=sent["publish_errors"],
        **counts,
        seconds_to_done=took,
    )
    assert after_fill["evicted_keys"] > 0, "the cache went past maxmemory"
    assert queued["queue_ttl"] == -1, "the queue's key has no TTL, so volatile-lru never evicts it"
    assert sent["publish_errors"] == 0, sent["first_error"]
    assert counts["done"] == TASKS and counts["lost"] == 0 and counts["doubled"] == 0


def test_control_under_noeviction_a_full_cache_blocks_publishing(app_env, small_redis, capsys):
    server = small_redis(**{"maxmemory-policy": "noeviction"})
    env = {**app_env, "REDIS_URL": server.url}
    run_flood(env, "fill", str(MAXMEMORY_MB * 3))
    sent = run_flood(env, "enqueue", "5")
    report(capsys, "cache flooded (noeviction, control)", sent=5, publish_errors=sent["publish_errors"])
    assert sent["publish_errors"] == 5, "under noeviction the full cache refuses the queue's writes"
    assert "OOM" in sent["first_error"] or "maxmemory" in sent["first_error"], sent["first_error"]
