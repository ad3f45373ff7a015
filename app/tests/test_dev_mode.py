"""Dev mode's worker command (as the Pulumi program renders it): watchfiles restarts the
Celery worker when a Python file changes, polling as on minikube's 9p mount."""

import time

import pytest

from .conftest import BIN_DIR, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_restarts_when_code_changes(start, app_env, clean_redis, tmp_path):
    watched = tmp_path / "src"
    watched.mkdir()
    (watched / "module.py").write_text("VALUE = 1\n")
    env = {**app_env, "WATCHFILES_FORCE_POLLING": "true"}
    argv = [
        str(BIN_DIR / "watchfiles"),
        "--filter",
        "python",
        "celery -A config worker --loglevel=INFO -n dev@%h",
        str(watched),
    ]
    worker = start("dev-worker", argv, env)
    worker.wait_for_log("ready.", timeout=60)

    (watched / "module.py").write_text("VALUE = 2\n")
    wait_for(lambda: worker.log().count("ready.") >= 2, 60, "the worker to restart after the change")

    (watched / "notes.txt").write_text("not python\n")
    before = worker.log().count("ready.")
    time.sleep(3)
    assert worker.log().count("ready.") == before, "only Python changes restart the worker"
