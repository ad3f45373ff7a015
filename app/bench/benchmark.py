#!/usr/bin/env python
"""Benchmark of the web and worker roles against the local PostgreSQL and Redis.

Starts each web command on a fresh port, loads it with wrk (keep-alive, fixed connections)
on /readyz (database + Redis round trip) and on the demo page (a write, a cache read, an
enqueue and a template), then measures Celery's end-to-end throughput with the worker
command. It compares the production command with the two the classic tutorials use.

    python bench/benchmark.py [--duration 10] [--connections 16] [--tasks 400]

Needs wrk (`apt-get install wrk`). Prints a table; exits non-zero if a server fails.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(APP_DIR))
from tests.ports import free_port  # noqa: E402  (the one copy, shared with the tests)

BIN = Path(sys.executable).parent

WEB_COMMANDS = {
    "production (gunicorn.conf.py: gthread, workers and threads from the CPU limit)": [
        "gunicorn",
        "config.wsgi:application",
    ],
    "tutorial: gunicorn, one sync worker": [
        "gunicorn",
        "--config",
        "/dev/null",
        "--bind",
        "0.0.0.0:{port}",
        "config.wsgi:application",
    ],
    "tutorial: manage.py runserver": ["python", "manage.py", "runserver", "0.0.0.0:{port}", "--noreload"],
}
PATHS = ["/readyz", "/"]


@dataclass
class Row:
    command: str
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def base_env(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "benchmark-" + "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "app.example.com,127.0.0.1,localhost",
            "DJANGO_HTTPS": "false",
            "POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
            "POSTGRES_PORT": os.environ.get("POSTGRES_PORT", "5432"),
            "POSTGRES_USER": os.environ.get("POSTGRES_USER", "postgres"),
            "POSTGRES_PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
            "POSTGRES_DB": database,
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    return env


def psql(sql: str, env: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def wait_until_serving(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not answer /healthz in time")


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    def millis(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = millis(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = millis(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = 0
    for pattern in (
        r"Non-2xx or 3xx responses: (\d+)",
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
    ):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(g) for g in match.groups())
    return rps, p50, p99, errors


def bench_web(name: str, argv: list[str], env: dict[str, str], args) -> list[Row]:
    port = free_port()
    shown = " ".join(argv).replace("{port}", "$PORT")
    argv = [part.format(port=port) for part in argv]
    proc = subprocess.Popen(
        argv,
        cwd=APP_DIR,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    rows = []
    try:
        wait_until_serving(port, proc)
        for path in PATHS:
            url = f"http://127.0.0.1:{port}{path}"
            subprocess.run(["wrk", "-t1", "-c4", "-d2s", "-H", "Host: app.example.com", url], capture_output=True)
            result = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "--latency",
                    "--timeout",
                    "10s",
                    "-H",
                    "Host: app.example.com",
                    url,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            rps, p50, p99, errors = parse_wrk(result.stdout)
            rows.append(Row(shown, path, rps, p50, p99, errors))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return rows


def bench_celery(env: dict[str, str], tasks: int) -> tuple[str, float]:
    argv = ["celery", "-A", "config", "worker", "--loglevel=WARNING"]
    proc = subprocess.Popen(
        argv, cwd=APP_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    script = f"""
import time, django
django.setup()
from celery import group
from demo.tasks import burn_cpu
burn_cpu.delay(1).get(timeout=60)  # the worker is up
started = time.perf_counter()
results = [burn_cpu.delay(1) for _ in range({tasks})]
for r in results:
    r.get(timeout=300)
print({tasks} / (time.perf_counter() - started))
"""
    try:
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=APP_DIR, env=env, capture_output=True, text=True, check=True
        )
        return " ".join(argv), float(out.stdout.strip().splitlines()[-1])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per command and path")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--tasks", type=int, default=400, help="tasks for the Celery throughput run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    database = f"bench_{uuid.uuid4().hex[:8]}"
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = {**base_env(database), "DJANGO_STATIC_ROOT": static_root}
    psql(f'CREATE DATABASE "{database}"', env)
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=APP_DIR, env=env, check=True)
        # As the image does at build time: the demo page links hashed static files.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=APP_DIR, env=env, check=True
        )
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        rows: list[Row] = []
        for name, argv in WEB_COMMANDS.items():
            print(f"... {name}", file=sys.stderr)
            rows.extend(bench_web(name, argv, env, args))
            redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # drop the demo page's queued tasks
        print("... celery worker", file=sys.stderr)
        celery_command, tasks_per_second = bench_celery(env, args.tasks)
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    finally:
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', env)
        shutil.rmtree(static_root, ignore_errors=True)

    cpus = os.cpu_count()
    print(f"\nweb: wrk, {args.connections} connections, {args.duration}s per row, {cpus} CPUs shared with wrk")
    print(f"{'command':<72} {'path':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for row in rows:
        print(
            f"{row.command:<72} {row.target:<8} {row.rps:>8.0f} {row.p50_ms:>8.1f} {row.p99_ms:>8.1f} {row.errors:>7}"
        )
    print(f"\ncelery: {args.tasks} tasks sent, then waited for every result")
    print(f"{'command':<72} {'tasks/s':>8}")
    print(f"{celery_command:<72} {tasks_per_second:>8.0f}")

    for path in PATHS:
        by_path = [r for r in rows if r.target == path]
        best = max(by_path, key=lambda r: r.rps)
        if best is not by_path[0]:
            print(f"\nWARNING: on {path} the production command is not the fastest ({best.command} is)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
