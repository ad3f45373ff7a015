"""Fault: Redis restarted without persistence while tasks wait in the queue.

PostgreSQL is the record of work: every visit stays pending until its task ran, and the
reconcile task (sent by beat) sends pending visits again, so the lost queue costs time, not
work; the task's conditional update makes a visit sent twice count once.
"""

import time

import pytest

from demo.models import Visit

from ..conftest import celery_worker_argv, report, wait_for
from .helpers import BEAT_ARGV, FAST_RECONCILE, all_done, outcome

pytestmark = pytest.mark.django_db(transaction=True)

LOST = 20  # queued, then lost with Redis
AFTER = 5  # queued after the restart: their messages survive, and reconcile may send them again


def test_a_queue_lost_with_redis_is_rebuilt_from_postgresql(client, start, app_env, clean_redis, redis_server, capsys):
    def visit() -> int:
        response = client.get("/", HTTP_HOST="app.example.com")
        assert response.status_code == 200
        return Visit.objects.order_by("-pk").values_list("pk", flat=True)[0]

    lost_ids = [visit() for _ in range(LOST)]
    assert clean_redis.llen("celery") == LOST, "no worker yet: every task waits in the queue"

    redis_server.restart()  # no AOF, no RDB: the queue is gone
    assert clean_redis.llen("celery") == 0
    after_ids = [visit() for _ in range(AFTER)]
    queued_after = clean_redis.llen("celery")

    env = {**app_env, **FAST_RECONCILE}
    started = time.monotonic()
    worker = start("worker", celery_worker_argv("rebuilder", concurrency=2), env)
    start("beat", BEAT_ARGV, env)
    ids = lost_ids + after_ids
    wait_for(lambda: all_done(ids), 90, "every visit to be processed")
    took = time.monotonic() - started
    time.sleep(2.5)  # reconcile runs a few more times: nothing may be applied twice meanwhile

    counts = outcome(ids, worker.log())
    report(capsys, "redis restarted without persistence", **counts, lost_from_redis=LOST, seconds_to_done=took)
    assert queued_after == AFTER, "publishing works again at once after the restart"
    assert counts["done"] == LOST + AFTER and counts["lost"] == 0
    assert counts["doubled"] == 0, "a visit's work took effect twice"
    assert "reconcile sent" in worker.log()
