"""The log format (config/logs.py) and the optional Sentry set-up (config/sentry.py).

The roles' real logs are checked in test_metrics.py; these pin the pieces: the trace field, the
redaction of secrets, plain text in dev mode, and Sentry present only when a DSN is set.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from config import logs

from .conftest import APP_DIR


def record(message: str, *args, **extra) -> logging.LogRecord:
    rec = logging.LogRecord("app.test", logging.WARNING, __file__, 1, message, args, None)
    rec.__dict__.update(extra)
    return rec


def test_trace_header_becomes_cloud_loggings_trace_field():
    assert logs.trace_of("105445aa7843bc8bf206b12000100000/1;o=1", "p-1") == (
        "projects/p-1/traces/105445aa7843bc8bf206b12000100000"
    )
    assert logs.trace_of("abc", None) == "abc"
    assert logs.trace_of("not a trace", "p-1") is None
    assert logs.trace_of(None, "p-1") is None


def test_json_lines_have_severity_message_and_no_secret(monkeypatch):
    monkeypatch.setenv("POSTGRES_PASSWORD", "pg-Pa55word-x")
    monkeypatch.setenv("REDIS_URL", "rediss://:redis-pass-123@10.0.0.3:6378/0")
    formatter = logs.CloudLoggingFormatter()
    line = formatter.format(
        record("connect to %s failed with %s", "rediss://:redis-pass-123@10.0.0.3:6378/0", "pg-Pa55word-x")
    )
    assert "\n" not in line
    data = json.loads(line)
    assert data["severity"] == "WARNING" and data["logger"] == "app.test"
    assert "redis-pass-123" not in line and "pg-Pa55word-x" not in line
    assert data["message"] == "connect to [redacted] failed with [redacted]"
    # A URL's password is hidden even when it is not one the process was given.
    other = json.loads(formatter.format(record("to postgres://u:elsewhere-pw@h/db")))
    assert other["message"] == "to postgres://u:[redacted]@h/db"


def test_dev_mode_logs_plain_text():
    plain, production = logs.config(debug=True), logs.config(debug=False)
    assert plain["handlers"]["console"]["formatter"] == "plain"
    assert production["handlers"]["console"]["formatter"] == "json"
    text = logs.PlainFormatter().format(record("hello %s", "there"))
    assert text.endswith("WARNING app.test hello there") and not text.startswith("{")


class _SentryIntake(BaseHTTPRequestHandler):
    envelopes: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            import gzip

            body = gzip.decompress(body)
        type(self).envelopes.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


PROBE = """
import django, sys
django.setup()
import config.celery
print("SENTRY_LOADED", "sentry_sdk" in sys.modules)
if "sentry_sdk" in sys.modules:
    import sentry_sdk
    print("INTEGRATIONS", sorted(sentry_sdk.get_client().integrations))
    try:
        1 / 0
    except ZeroDivisionError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush(5)
"""


def run_probe(env_extra: dict[str, str]) -> str:
    import os

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env_extra}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_sentry_is_absent_without_a_dsn():
    out = run_probe({"SENTRY_DSN": ""})
    assert "SENTRY_LOADED False" in out


def test_sentry_reports_with_release_and_environment_when_a_dsn_file_is_set(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SentryIntake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = tmp_path / "SENTRY_DSN"
        dsn.write_text(f"http://publickey@127.0.0.1:{server.server_port}/42\n")
        out = run_probe({"SENTRY_DSN_FILE": str(dsn), "SENTRY_RELEASE": "sha256:abc123", "SENTRY_ENVIRONMENT": "prod"})
    finally:
        server.shutdown()
    assert "SENTRY_LOADED True" in out
    integrations = out.split("INTEGRATIONS", 1)[1].splitlines()[0]
    for name in ("django", "celery", "redis"):
        assert f"'{name}'" in integrations
    events = [json.loads(line) for body in _SentryIntake.envelopes for line in body.splitlines()[2:3]]
    assert events, "no event reached the Sentry intake"
    event = events[0]
    assert event["release"] == "sha256:abc123" and event["environment"] == "prod"
    assert event["exception"]["values"][0]["type"] == "ZeroDivisionError"
