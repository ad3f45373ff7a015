"""scripts/smoke-check.py, the deploy workflow's check of the live site, run as the workflow runs
it against the app served by gunicorn (and a Celery worker) on this run's own PostgreSQL and
Redis: a healthy site passes every check; one whose readiness fails makes it fail, naming the
check."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import APP_DIR, celery_worker_argv, closed_port, free_port, start_web

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = APP_DIR.parent / "scripts" / "smoke-check.py"


@pytest.fixture
def site_env(collected_static):
    """The web role's environment (static files collected, as the image has them), reached at
    127.0.0.1 over plain HTTP."""
    return {**collected_static, "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_HTTPS": "false"}


def own_metrics_port(env: dict[str, str]) -> dict[str, str]:
    """Each role serves its metrics on a port; two processes on one machine need two."""
    return {**env, "METRICS_PORT": str(free_port())}


def serve(start, env) -> int:
    _, port = start_web(start, own_metrics_port(env))
    return port


def smoke_check(port: int, *args: str, markdown=None) -> subprocess.CompletedProcess:
    argv = [sys.executable, str(SCRIPT), f"http://127.0.0.1:{port}", *args]
    if markdown:
        argv += ["--markdown", str(markdown)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def test_a_healthy_site_passes_every_check(start, site_env, clean_redis, tmp_path):
    worker = start("worker", celery_worker_argv("smoke"), own_metrics_port(site_env))
    worker.wait_for_log("ready.")
    port = serve(start, site_env)
    summary = tmp_path / "summary.md"
    result = smoke_check(port, "--timeout", "60", markdown=summary)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("liveness", "readiness", "demo page", "task"):
        assert f"PASS {check}:" in result.stdout
    assert "SUCCESS" in result.stdout, "the task made the round trip through the worker"
    assert "smoke check passed" in summary.read_text()


def test_a_site_whose_readiness_fails_fails_naming_the_check(start, site_env, tmp_path):
    # The database is unreachable: the process serves (liveness), but is not ready.
    port = serve(start, {**site_env, "POSTGRES_PORT": str(closed_port())})
    summary = tmp_path / "summary.md"
    result = smoke_check(port, "--timeout", "3", "--interval", "1", markdown=summary)
    assert result.returncode == 1
    assert "PASS liveness:" in result.stdout
    readiness = next(line for line in result.stdout.splitlines() if line.startswith("FAIL readiness:"))
    assert readiness.startswith("FAIL readiness: HTTP 503:") and "database" in readiness, readiness
    assert result.stdout.splitlines()[-1].startswith("smoke check failed: readiness")
    assert "| readiness | **FAIL** |" in summary.read_text()


def test_an_unreachable_site_fails_every_check_within_the_bound(tmp_path):
    result = smoke_check(closed_port(), "--timeout", "2", "--interval", "1")
    assert result.returncode == 1
    assert "FAIL liveness: no answer" in result.stdout
    assert "smoke check failed: liveness, readiness, demo page, task" in result.stdout
