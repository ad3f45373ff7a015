"""Shared fixtures: the real PostgreSQL and Redis (this run's own, see private_services.py),
and real app processes started the way the pods start them (same commands, same environment
variable names)."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from .private_services import RedisServer, close_this_run, free_port, this_run

APP_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent


def _fail_unreachable(what: str, exc: Exception) -> None:
    pytest.fail(
        f"{what} is unreachable ({exc}). These tests need the real server; "
        "bash scripts/ensure-services.sh starts PostgreSQL and installs redis-server.",
        pytrace=False,
    )


@pytest.fixture(scope="session", autouse=True)
def real_services() -> None:
    """A missing server fails the run: a skipped integration test proves nothing."""
    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"],
            user=db["USER"],
            password=db["PASSWORD"],
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as exc:
        _fail_unreachable(f"PostgreSQL at {db['HOST']}:{db['PORT']}", exc)
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        _fail_unreachable(f"Redis at {settings.REDIS_URL}", exc)


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest-django dropped its test database: the run's role, databases and Redis go."""
    close_this_run()


@pytest.fixture
def redis_server() -> RedisServer:
    """This run's redis-server, for tests that stop or restart it; running again afterwards."""
    server = this_run().redis
    yield server
    server.start()


@pytest.fixture
def clean_redis() -> redis.Redis:
    """The tests' own Redis database, emptied: no task or result from an earlier test."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


def closed_port() -> int:
    """A port nothing listens on: connecting to it is refused at once."""
    return free_port()


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class AppProcess:
    """One role of the app in a process of its own session, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path, cwd: Path = APP_DIR):
        self.name = name
        self.argv = argv
        self.log_path = log_dir / f"{name}.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 30) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            return needle in self.log()

        wait_for(seen, timeout, f"{needle!r} in the log of {self.name}")

    def kill_container(self) -> None:
        """SIGKILL to every process of the role, as when a pod is OOM-killed or its node dies."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    """The environment a pod gets, pointed at this machine's servers and the test database."""
    db = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "POSTGRES_", "REDIS_", "CELERY_", "STATIC_", "PYTEST_"))
    }
    env.update(
        {
            "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "app.example.com",
            "POSTGRES_HOST": str(db["HOST"]),
            "POSTGRES_PORT": str(db["PORT"]),
            "POSTGRES_DB": str(db["NAME"]),  # the test database pytest-django created
            "POSTGRES_USER": str(db["USER"]),
            "POSTGRES_PASSWORD": str(db["PASSWORD"]),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_WORKER_HEARTBEAT_FILE": str(tmp_path / "worker-heartbeat"),
            "CELERY_BEAT_HEARTBEAT_FILE": str(tmp_path / "beat-heartbeat"),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "celerybeat-schedule"),
        }
    )
    return env


@pytest.fixture
def start(tmp_path: Path):
    """start(name, argv, env[, cwd]) -> AppProcess; every process is killed at the end of the test."""
    started: list[AppProcess] = []

    def _start(name: str, argv: list[str], env: dict[str, str], cwd: Path = APP_DIR) -> AppProcess:
        process = AppProcess(name, argv, env, tmp_path, cwd)
        started.append(process)
        return process

    yield _start
    for process in started:
        process.stop()


def celery_worker_argv(node: str, concurrency: int = 1) -> list[str]:
    """The worker role's command, as the Deployment runs it, with a node name of its own."""
    return [
        str(BIN_DIR / "celery"),
        "-A",
        "config",
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "-n",
        f"{node}@%h",
    ]


def flower_argv(port: int) -> list[str]:
    """The flower role's command, as the Deployment runs it (COMMANDS.flower in
    components/k8s/djangoApp/appContract.ts), on a port of its own and on loopback only."""
    return [
        str(BIN_DIR / "celery"),
        "-A",
        "config",
        "flower",
        f"--port={port}",
        "--conf=./flowerconfig.py",
        "--address=127.0.0.1",
    ]


def wait_until_answering(process: AppProcess, port: int, path: str, timeout: float = 30) -> None:
    """Waits for an HTTP 200 on `path`; fails at once with the log if the process exits."""

    def answers() -> bool:
        if process.proc.poll() is not None:
            raise AssertionError(f"{process.name} exited:\n{process.log()[-3000:]}")
        try:
            return http_get(port, path, timeout=1)[0] == 200
        except OSError:
            return False

    wait_for(answers, timeout, f"{process.name} to answer {path}")


def http_get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10):
    """(status, headers, body) without following redirects."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode(errors="replace")
    finally:
        conn.close()


def collect_static(env: dict[str, str]) -> None:
    """What the Dockerfile does at build time: collectstatic for WhiteNoise, in a process of its own."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=APP_DIR,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def collected_static(app_env, tmp_path):
    """The app's environment with its static files collected into a folder of the test's own."""
    env = {**app_env, "DJANGO_STATIC_ROOT": str(tmp_path / "staticfiles")}
    collect_static(env)
    return env


def start_web(start, env, name="web", app="config.wsgi:application"):
    """The web role's command (gunicorn with app/gunicorn.conf.py) on a free port, once it
    answers /healthz. Returns (process, port)."""
    port = free_port()
    web = start(name, [str(BIN_DIR / "gunicorn"), app], {**env, "PORT": str(port)})
    wait_until_answering(web, port, "/healthz")
    return web, port


def report(capsys, fault: str, **counts) -> None:
    """Prints a fault test's counts on one line, visible in the normal test output."""
    text = " ".join(
        f"{name}={value:.2f}" if isinstance(value, float) else f"{name}={value}" for name, value in counts.items()
    )
    with capsys.disabled():
        print(f"\n[fault: {fault}] {text}")
