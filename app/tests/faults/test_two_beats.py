"""Fault: two beat processes at once (a pod still terminating beside its successor, a node
partition). Only the beat holding the PostgreSQL advisory lock sends (config/beat.py): no
periodic run is sent twice, and when the holder is killed the other takes over."""

import time

import pytest

from demo.models import Heartbeat

from ..conftest import celery_worker_argv, free_port, report, wait_for
from .helpers import BEAT_ARGV, logged_at

pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL = 2.0
SENT = "Sending due task heartbeat"


def send_times(log: str) -> list[float]:
    return logged_at(log, SENT)


def doubled(times: list[float]) -> int:
    """Sends closer together than half an interval: one periodic slot run twice."""
    ordered = sorted(times)
    return sum(1 for a, b in zip(ordered, ordered[1:], strict=False) if b - a < INTERVAL / 2)


def metrics_port() -> dict[str, str]:
    """Each pod has its own network namespace; on one machine each beat needs its own port."""
    return {"METRICS_PORT": str(free_port())}


def heartbeat_runs() -> int:
    row = Heartbeat.objects.filter(name="beat").first()
    return row.runs if row else 0


def test_two_beats_send_each_periodic_task_once(start, app_env, clean_redis, capsys):
    env = {
        **app_env,
        "HEARTBEAT_SECONDS": str(int(INTERVAL)),
        "RECONCILE_SECONDS": "3600",
        "CELERY_BEAT_MAX_LOOP_INTERVAL": "1",
    }
    worker = start("worker", celery_worker_argv("beat-runner"), env)
    schedule = env["CELERY_BEAT_SCHEDULE_FILENAME"]  # each pod has its own /tmp
    first = start("beat-a", BEAT_ARGV, {**env, "CELERY_BEAT_SCHEDULE_FILENAME": f"{schedule}-a", **metrics_port()})
    first.wait_for_log("beat holds the beat lock")
    second = start("beat-b", BEAT_ARGV, {**env, "CELERY_BEAT_SCHEDULE_FILENAME": f"{schedule}-b", **metrics_port()})
    worker.wait_for_log("ready.")
    second.wait_for_log("beat: Starting...")
    time.sleep(5 * INTERVAL)  # both beats run for five intervals

    together = {"a": send_times(first.log()), "b": send_times(second.log())}
    first.kill_container()  # the holder dies: its session ends and the lock is free
    killed_at = time.time()
    second.wait_for_log("beat holds the beat lock", timeout=30)
    wait_for(lambda: len(send_times(second.log())) >= 3, 30, "the second beat to send three runs")

    sends = send_times(first.log()) + send_times(second.log())
    wait_for(lambda: heartbeat_runs() >= len(sends), 30, "the worker to run every sent heartbeat")
    takeover = min(send_times(second.log())) - killed_at
    report(
        capsys,
        "two beats",
        interval_s=INTERVAL,
        sent_while_both_ran_a=len(together["a"]),
        sent_while_both_ran_b=len(together["b"]),
        sent_total=len(sends),
        runs=heartbeat_runs(),
        doubled=doubled(sends),
        first_send_after_takeover_s=takeover,
    )
    assert len(together["a"]) >= 4 and together["b"] == [], "only the lock holder sends"
    assert doubled(sends) == 0, f"a periodic run was sent twice: {sorted(sends)}"
    assert heartbeat_runs() == len(sends)
    assert INTERVAL * 0.9 <= takeover <= INTERVAL + 10, "the standby takes over one interval after it got the lock"
