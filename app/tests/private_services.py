"""The servers and names of one test run, so that runs never share state.

Each run (one pytest process) gets a redis-server of its own on a free port, and a
PostgreSQL role with a name of its own (``apptest_<random>``) that owns every database the
run creates: pytest-django's ``test_<name>`` and the databases single tests create. At the end
the run drops exactly those databases and that role, and stops its Redis. Two runs on one
machine, or a run beside a developer's own ``app`` database, therefore never meet.

The PostgreSQL server is the machine's (``POSTGRES_HOST``/``POSTGRES_PORT``, default
127.0.0.1:5432), reached as ``PGUSER`` (default ``postgres``; ``PGPASSWORD`` if it needs one),
a role allowed to create roles. tests/settings.py starts this before Django reads its settings,
because the settings are read once, at import.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from .ports import free_port

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: Linux stops it when the test process dies, even by
    SIGKILL, so a killed run leaves no redis-server behind. (No library wraps prctl.)"""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class RedisServer:
    """A redis-server for this run alone: no persistence, bound to 127.0.0.1.

    ``stop`` and ``start`` keep the port, so clients configured with ``url`` reconnect to the
    same server after a restart (what the tests that stop or restart Redis rely on).
    """

    def __init__(self, directory: Path, settings: dict[str, str] | None = None):
        self.directory = directory
        self.settings = settings or {}  # redis.conf directives given on the command line
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.directory / "redis.log"

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        # A free port can be taken by someone else before redis-server binds it: try another
        # (a restart keeps its port, as a restarted Redis Service would).
        attempts = 1 if self.port else 5
        for _ in range(attempts):
            port = self.port or free_port()
            if self._launch(port):
                self.port = port
                return
        raise RuntimeError(f"redis-server did not start on 127.0.0.1:{port}:\n{self.log_path.read_text()[-2000:]}")

    def _launch(self, port: int) -> bool:
        server = shutil.which("redis-server")
        if not server:
            raise RuntimeError("redis-server is not installed: bash scripts/ensure-services.sh installs it")
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.directory)]
            + [arg for name, value in self.settings.items() for arg in (f"--{name}", value)],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # only prctl runs between fork and exec
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # most likely the port was taken
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        """SIGTERM and wait, as when the Redis pod is stopped."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


class PostgresRole:
    """A login role of this run's own, allowed to create databases, and everything it owns."""

    def __init__(self, name: str):
        self.name = name
        self.password = secrets.token_urlsafe(18)
        self.host = os.environ.get("POSTGRES_HOST", "127.0.0.1")
        self.port = os.environ.get("POSTGRES_PORT", "5432")

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=os.environ.get("PGUSER", "postgres"),
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        )

    def create(self) -> None:
        try:
            with self._admin() as conn:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                        sql.Identifier(self.name), sql.Literal(self.password)
                    )
                )
        except psycopg.OperationalError as exc:
            raise RuntimeError(
                f"PostgreSQL at {self.host}:{self.port} is unreachable ({exc}). These tests need the real "
                "server: bash scripts/ensure-services.sh starts it, or set POSTGRES_HOST/POSTGRES_PORT/PGUSER."
            ) from exc

    def drop(self) -> None:
        """Drops the databases this role owns, then the role: nothing that another run or a
        developer made can match, because only this run knows the name."""
        with self._admin() as conn:
            owned = conn.execute(
                "SELECT datname FROM pg_database d JOIN pg_roles r ON d.datdba = r.oid WHERE r.rolname = %s",
                (self.name,),
            ).fetchall()
            for (database,) in owned:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(self.name)))


class TestRun:
    """This run's Redis and PostgreSQL role, and the variables that point the app at them."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self) -> None:
        self.name = f"apptest_{secrets.token_hex(5)}"
        self.directory = Path(tempfile.mkdtemp(prefix=f"{self.name}-"))
        self.redis = RedisServer(self.directory)
        self.role = PostgresRole(self.name)
        self._closed = False

    def start(self) -> None:
        self.role.create()
        try:
            self.redis.start()
        except Exception:
            self.role.drop()
            raise
        atexit.register(self.close)

    def env(self) -> dict[str, str]:
        """The contract's variables for this run. POSTGRES_DB is the run's name; pytest-django
        creates (and drops) ``test_<name>``, owned by the run's role."""
        return {
            "POSTGRES_HOST": self.role.host,
            "POSTGRES_PORT": str(self.role.port),
            "POSTGRES_DB": self.name,
            "POSTGRES_USER": self.name,
            "POSTGRES_PASSWORD": self.role.password,
            "REDIS_URL": self.redis.url,
        }

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.redis.stop()
        self.role.drop()
        shutil.rmtree(self.directory, ignore_errors=True)


_this_run: TestRun | None = None


def this_run() -> TestRun:
    """The run's services, started on first use (once per test process)."""
    global _this_run
    if _this_run is None:
        _this_run = TestRun()
        _this_run.start()
    return _this_run


def close_this_run() -> None:
    """Stops and drops what this run started, if it started anything."""
    if _this_run is not None:
        _this_run.close()
