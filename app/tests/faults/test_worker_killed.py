"""Fault: a worker SIGKILLed mid-task (an OOM kill, a lost node).

With acks_late the message stays in Redis' unacked set; once it is older than the visibility
timeout, the next restore sweep of any worker (every BROKER_RESTORE_SWEEP_SECONDS) puts it
back on the queue. The bound is CELERY_VISIBILITY_TIMEOUT + the sweep (default 600 + 10 s);
here the visibility timeout is shortened to keep the test short.
"""

import time

import pytest

from config import timing
from demo.tasks import burn_cpu

from ..conftest import celery_worker_argv, report, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY = 12
TIME_LIMIT = 10  # below the visibility timeout, as the settings require


def test_a_killed_workers_task_runs_again_on_another_worker_within_the_bound(start, app_env, clean_redis, capsys):
    env = {**app_env, "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY), "CELERY_TASK_TIME_LIMIT": str(TIME_LIMIT)}
    workers = {name: start(f"worker-{name}", celery_worker_argv(name), env) for name in ("one", "two")}
    for worker in workers.values():
        worker.wait_for_log("ready.")

    result = burn_cpu.delay(2000, "survivor")
    delivered_at = time.monotonic()

    def running_on():
        info = result.info if result.state == "STARTED" else None
        return isinstance(info, dict) and info.get("hostname", "").split("@")[0]

    doomed_name = wait_for(running_on, 30, "the task to start")
    survivor_name = next(name for name in workers if name != doomed_name)
    workers[doomed_name].kill_container()
    killed_at = time.monotonic()
    assert result.state == "STARTED", "the task had not finished when its worker died"

    bound = timing.redelivery_bound(VISIBILITY)
    wait_for(lambda: running_on() == survivor_name, bound + 10, "the task to start again on the other worker")
    restarted_at = time.monotonic()
    value = result.get(timeout=60)
    report(
        capsys,
        "worker SIGKILLed",
        sent=1,
        done=int(value["token"] == "survivor"),
        lost=0,
        visibility_timeout_s=VISIBILITY,
        bound_s=bound,
        restarted_after_kill_s=restarted_at - killed_at,
        restarted_after_delivery_s=restarted_at - delivered_at,
    )
    assert value["worker"].startswith(f"{survivor_name}@"), "the task completed on the other worker"
    assert restarted_at - delivered_at <= bound + 2, "redelivered within the visibility timeout plus one sweep"
