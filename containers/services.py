"""What one container-test run owns outside its containers: a PostgreSQL database (and role)
on the machine's server, a redis-server on a free port, and the values the pods' Secrets get.

Names derive from the run id, so two runs never share anything and cleanup removes exactly
what this run created (scripts/test-containers.sh can also remove them by name after a crash).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import redis
from podspec import SECRET_PLACEHOLDER, Objects, resolve_values
from psycopg import sql

# The one free_port, shared with the app's tests and benchmark (app/tests/ports.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))
from tests.ports import free_port  # noqa: E402

PG_HOST, PG_PORT, PG_ADMIN = "127.0.0.1", 5432, "postgres"
# The containers run in their own network namespaces (slirp4netns, like a pod's); with
# allow_host_loopback this address is the host's 127.0.0.1, where PostgreSQL and Redis listen.
HOST_FROM_CONTAINER = "10.0.2.2"


def names(run_id: str) -> str:
    return f"dk8s_ct_{run_id}"


class Services:
    def __init__(self, run_id: str, work_dir: Path):
        self.db = names(run_id)
        self.db_password = secrets.token_urlsafe(18)
        self.redis_password = secrets.token_urlsafe(18)
        self.redis_port = free_port()
        self.work_dir = work_dir
        self.redis_process: subprocess.Popen | None = None
        self.created_db = False
        self.generated: list[str] = []
        self._values: dict[tuple[str, str], dict[str, str]] = {}

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        with self.admin() as conn:
            self.created_db = True  # from here on, stop() drops whatever of the two exists
            name = sql.Identifier(self.db)
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(name, sql.Literal(self.db_password)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(name, name))
        command = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        command += ["--requirepass", self.redis_password, "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.work_dir), "--pidfile", str(self.work_dir / "redis.pid")]
        log = (self.work_dir / "redis.log").open("w")
        self.redis_process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(host="127.0.0.1", port=self.redis_port, password=self.redis_password)
        for _ in range(50):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(
            f"this run's redis-server on port {self.redis_port} did not answer (see {self.work_dir}/redis.log)"
        )

    def stop(self) -> None:
        if self.redis_process is not None:
            self.redis_process.terminate()
            try:
                self.redis_process.wait(10)
            except subprocess.TimeoutExpired:
                self.redis_process.kill()
        if self.created_db:
            with self.admin() as conn:
                name = sql.Identifier(self.db)
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(name))

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_ADMIN, dbname="postgres", autocommit=True, connect_timeout=5
        )

    def query(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=self.db, password=self.db_password, dbname=self.db, connect_timeout=5
        ) as conn:
            return conn.execute(sql.encode(), params).fetchall()

    # --- the values the pods' ConfigMaps and Secrets carry in this run -------------------------
    def test_values(self) -> dict[str, str]:
        """Only the database and Redis addresses (and the credentials of this run's own
        database and Redis) differ from what the stack renders."""
        return {
            "POSTGRES_HOST": HOST_FROM_CONTAINER,
            "POSTGRES_PORT": str(PG_PORT),
            "POSTGRES_DB": self.db,
            "POSTGRES_USER": self.db,
            "POSTGRES_PASSWORD": self.db_password,
            "REDIS_URL": f"redis://:{self.redis_password}@{HOST_FROM_CONTAINER}:{self.redis_port}/0",
            # Rendered empty (sentryDsn unset: Sentry off), but synth masks every Secret value.
            "SENTRY_DSN": "",
        }

    def values_of(self, objects: Objects, kind: str, name: str) -> dict[str, str]:
        key = (kind, name)
        if key not in self._values:
            overrides = self.test_values()
            values = {}
            for k, rendered in resolve_values(objects.get(kind, name, "stack")).items():
                if k in overrides:
                    values[k] = overrides[k]
                elif rendered == SECRET_PLACEHOLDER:
                    # Synth renders Pulumi secrets as a placeholder; the pods get fresh values.
                    token = secrets.token_urlsafe(24)
                    values[k] = f"flower:{token}" if k == "FLOWER_BASIC_AUTH" else token
                    self.generated.append(f"{name}/{k}")
                else:
                    values[k] = rendered
            self._values[key] = values
        return self._values[key]
