"""Celery against the real Redis, with real `celery worker` / `celery beat` processes started
with the roles' commands: tasks run, nothing is lost when a worker dies or is stopped."""

import signal
import subprocess
import sys
import time

import pytest

from demo.models import Heartbeat, Visit
from demo.tasks import burn_cpu, digest_visit

from .conftest import APP_DIR, BIN_DIR, celery_worker_argv, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_started(result, timeout: float = 30) -> None:
    wait_for(lambda: result.state == "STARTED", timeout, f"task {result.id} to start")


def test_a_task_sent_through_redis_runs_on_a_real_worker(start, app_env, clean_redis):
    worker = start("worker", celery_worker_argv("solo"), app_env)
    worker.wait_for_log("ready.")

    result = burn_cpu.delay(50, "hello")
    value = result.get(timeout=30)
    assert value["token"] == "hello"
    assert value["rounds"] > 0
    assert value["worker"].startswith("solo@")

    visit = Visit.objects.create(user_agent="pytest")
    digest = digest_visit.delay(visit.pk).get(timeout=30)
    visit.refresh_from_db()
    assert visit.digest == digest and len(digest) == 64


def test_the_worker_liveness_probe_sees_its_heartbeat(start, app_env, clean_redis):
    probe = [sys.executable, "heartbeat.py", "check", app_env["CELERY_WORKER_HEARTBEAT_FILE"], "30"]
    assert subprocess.run(probe, cwd=APP_DIR, capture_output=True).returncode == 1, "no worker, no heartbeat"
    worker = start("worker", celery_worker_argv("probed"), app_env)
    worker.wait_for_log("ready.")
    assert subprocess.run(probe, cwd=APP_DIR, capture_output=True).returncode == 0


def test_sigterm_lets_the_running_task_finish_then_exits_in_time(start, app_env, clean_redis, capsys):
    shutdown_timeout = 10
    env = {**app_env, "REMAP_SIGTERM": "SIGQUIT", "CELERY_SHUTDOWN_TIMEOUT": str(shutdown_timeout)}
    worker = start("worker", celery_worker_argv("graceful"), env)
    worker.wait_for_log("ready.")

    result = burn_cpu.delay(2500, "finish-me")
    wait_until_started(result)
    stopped_at = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)  # what the kubelet sends to the container's PID 1
    worker.proc.wait(timeout=shutdown_timeout + 10)
    took = time.monotonic() - stopped_at
    with capsys.disabled():
        print(f"\n[busy worker stop, task finishes] {took:.1f}s after SIGTERM (timeout {shutdown_timeout}s)")

    assert took < shutdown_timeout + 5, f"the worker took {took:.1f}s to stop"
    value = result.get(timeout=5)
    assert value["worker"].startswith("graceful@"), "the stopping worker finished its task"
    assert "Soft shutdown" in worker.log() or "soft shutdown" in worker.log().lower()


def test_an_idle_worker_exits_soon_after_sigterm_and_hands_back_the_task_it_holds(start, app_env, clean_redis, capsys):
    """An idle worker must not wait out the soft-shutdown timeout (it did: 25-60 s per stop).
    It holds a countdown task it has not started, the case Celery's soft-shutdown-on-idle
    exists for: the task must be back in the queue at once, not after the visibility timeout."""
    shutdown_timeout = 30
    env = {**app_env, "REMAP_SIGTERM": "SIGQUIT", "CELERY_SHUTDOWN_TIMEOUT": str(shutdown_timeout)}
    worker = start("worker-idle", celery_worker_argv("idle"), env)
    worker.wait_for_log("ready.")
    result = burn_cpu.apply_async((10, "later"), countdown=3)
    worker.wait_for_log(f"burn_cpu[{result.id}] received")
    assert clean_redis.llen("celery") == 0, "the worker holds the task"

    stopped_at = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)
    returncode = worker.proc.wait(timeout=shutdown_timeout + 10)
    took = time.monotonic() - stopped_at
    with capsys.disabled():
        print(f"\n[idle worker stop] {took:.1f}s after SIGTERM (soft-shutdown timeout {shutdown_timeout}s)")
    assert returncode == 0, worker.log()[-2000:]
    assert took < 10, f"an idle worker took {took:.1f}s to stop"
    assert clean_redis.llen("celery") == 1, "the held task went back to the queue as the worker stopped"

    successor = start("worker-successor", celery_worker_argv("successor"), env)
    successor.wait_for_log("ready.")
    value = result.get(timeout=30)  # the visibility timeout is an hour: only the hand-back brings it here
    assert value["worker"].startswith("successor@")


def test_a_task_longer_than_the_shutdown_timeout_goes_back_to_the_queue(start, app_env, clean_redis, capsys):
    env = {
        **app_env,
        "REMAP_SIGTERM": "SIGQUIT",
        "CELERY_SHUTDOWN_TIMEOUT": "2",
        # Long enough for the task (a visibility timeout shorter than a task runs would hand
        # the running task to a second worker; settings refuse that combination).
        "CELERY_TASK_TIME_LIMIT": "25",
        "CELERY_VISIBILITY_TIMEOUT": "30",
    }
    worker = start("worker-a", celery_worker_argv("stopping"), env)
    worker.wait_for_log("ready.")
    result = burn_cpu.delay(8000, "too-long")
    wait_until_started(result)

    stopped_at = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)
    worker.proc.wait(timeout=20)
    took = time.monotonic() - stopped_at
    with capsys.disabled():
        print(f"\n[busy worker stop, task handed back] {took:.1f}s after SIGTERM (timeout 2s)")
    assert took < 10, "the shutdown is bounded by CELERY_SHUTDOWN_TIMEOUT"
    assert result.state != "SUCCESS"

    successor = start("worker-b", celery_worker_argv("successor"), env)
    successor.wait_for_log("ready.")
    value = result.get(timeout=90)
    assert value["worker"].startswith("successor@"), "the interrupted task was not lost"


def test_beat_schedules_the_heartbeat(start, app_env, clean_redis):
    env = {**app_env, "HEARTBEAT_SECONDS": "1"}
    worker = start("worker", celery_worker_argv("beat-runner"), env)
    beat = start("beat", [str(BIN_DIR / "celery"), "-A", "config", "beat", "--loglevel=INFO"], env)
    worker.wait_for_log("ready.")

    def ran_twice():
        row = Heartbeat.objects.filter(name="beat").first()
        return row is not None and row.runs >= 2

    wait_for(ran_twice, 40, "beat to schedule the heartbeat task twice")
    assert "Sending due task heartbeat (demo.tasks.heartbeat)" in beat.log()
    probe = [sys.executable, "heartbeat.py", "check", env["CELERY_BEAT_HEARTBEAT_FILE"], "30"]
    assert subprocess.run(probe, cwd=APP_DIR, capture_output=True).returncode == 0
