"""The pre-migration backup command (ops/cloudsql_backup.py) against a real local HTTP fake of
the SQL Admin API and of Google's token endpoint: the command runs as the Job runs it, a process
with Application Default Credentials from a file, and talks HTTP to the fake."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .conftest import APP_DIR

PROJECT, INSTANCE = "my-project", "postgres-1234"
RUNS_PATH = f"/v1/projects/{PROJECT}/instances/{INSTANCE}/backupRuns"
TOKEN = "token-from-the-fake"


class FakeSqlAdmin(ThreadingHTTPServer):
    """Answers token refreshes, backup-run inserts and operation gets as the scenario says."""

    def __init__(self, scenario: dict):
        super().__init__(("127.0.0.1", 0), Handler)
        self.scenario = scenario
        self.requests: list[tuple[str, str, str, dict]] = []  # method, path, Authorization, body
        self.polls = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeSqlAdmin

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/token":
            # A service account's refresh: a signed JWT exchanged for an access token.
            grant = parse_qs(raw.decode())
            assert grant["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"], grant
            self._answer(200, {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"})
            return
        body = json.loads(raw or b"{}")
        self.server.requests.append(("POST", self.path, self.headers.get("Authorization", ""), body))
        if self.path != RUNS_PATH:
            self._answer(404, {"error": {"code": 404, "message": f"no such path {self.path}"}})
            return
        inserts = self.server.scenario.get("insert", [])
        status, answer = inserts.pop(0) if inserts else (200, {"name": "op-1", "status": "PENDING"})
        self._answer(status, answer)

    def do_GET(self) -> None:  # noqa: N802
        self.server.requests.append(("GET", self.path, self.headers.get("Authorization", ""), {}))
        if self.path != f"/v1/projects/{PROJECT}/operations/op-1":
            self._answer(404, {"error": {"code": 404, "message": f"no such operation {self.path}"}})
            return
        self.server.polls += 1
        states = self.server.scenario.get("states", ["RUNNING", "DONE"])
        state = states[min(self.server.polls - 1, len(states) - 1)]
        operation = {"name": "op-1", "status": state, "operationType": "BACKUP_VOLUME"}
        if state == "DONE" and "error" in self.server.scenario:
            operation["error"] = {"errors": [self.server.scenario["error"]]}
        self._answer(200, operation)


@functools.cache
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def fake_api(tmp_path):
    """fake_api(scenario) -> (server, run) where run() runs the command against it."""
    servers: list[FakeSqlAdmin] = []

    def start(scenario: dict):
        server = FakeSqlAdmin(scenario)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        # Application Default Credentials from a service account key file of the test's own,
        # whose token endpoint is the fake (the one ADC source that honours token_uri).
        pem = private_key_pem()
        credentials = tmp_path / "credentials.json"
        credentials.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": PROJECT,
                    "private_key_id": "test-key",
                    "private_key": pem,
                    "client_email": f"backup@{PROJECT}.iam.gserviceaccount.com",
                    "client_id": "1",
                    "token_uri": f"{server.url}/token",
                }
            )
        )
        env = {"PATH": "/usr/bin:/bin", "GOOGLE_APPLICATION_CREDENTIALS": str(credentials), "HOME": str(tmp_path)}

        # What the Job's pod spec sets (components/gcp/PreMigrationBackup.ts, BACKUP_ENV).
        env.update(BACKUP_PROJECT=PROJECT, BACKUP_INSTANCE=INSTANCE, BACKUP_DESCRIPTION="before migrate-abc")

        def run(*extra: str, **more_env: str) -> subprocess.CompletedProcess:
            argv = [sys.executable, "-m", "ops.cloudsql_backup", "--api-url", server.url, "--poll", "0.05", *extra]
            return subprocess.run(
                argv, cwd=APP_DIR, env={**env, **more_env}, capture_output=True, text=True, timeout=60
            )

        return server, run

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_takes_the_backup_and_waits_until_it_is_done(fake_api):
    server, run = fake_api({"states": ["PENDING", "RUNNING", "RUNNING", "DONE"]})
    result = run()
    assert result.returncode == 0, result.stderr
    method, path, authorization, body = server.requests[0]
    assert (method, path, body) == ("POST", RUNS_PATH, {"description": "before migrate-abc"})
    assert authorization == f"Bearer {TOKEN}", "the call carries the credentials' token"
    assert server.polls == 4, "polled until DONE, not once more"
    assert "done: operation op-1" in result.stdout


DENIED = {"error": {"code": 403, "message": "The caller does not have permission"}}


def test_a_refused_backup_fails_naming_the_instance_and_the_reason(fake_api):
    server, run = fake_api({"insert": [(403, DENIED)] * 100})
    result = run("--permission-grace", "0.3")
    assert result.returncode == 1
    assert f"backup failed: Cloud SQL instance {PROJECT}/{INSTANCE}" in result.stderr
    assert "HTTP 403: The caller does not have permission" in result.stderr
    assert "needs cloudsql.backupRuns.create" in result.stderr
    assert "Nothing was migrated." in result.stderr
    assert server.polls == 0


def test_a_refusal_while_a_new_identity_settles_is_waited_out(fake_api):
    server, run = fake_api({"insert": [(403, DENIED), (403, DENIED)]})
    result = run()
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("retrying in") == 2
    assert "done: operation op-1" in result.stdout


def test_a_backup_that_finishes_with_an_error_fails(fake_api):
    _, run = fake_api({"states": ["RUNNING", "DONE"], "error": {"code": "INTERNAL_ERROR", "message": "disk full"}})
    result = run()
    assert result.returncode == 1
    assert "operation op-1 finished with errors: INTERNAL_ERROR: disk full" in result.stderr


def test_an_operation_already_running_on_the_instance_is_waited_out(fake_api):
    busy = {"error": {"code": 409, "message": "Operation failed because another operation was already in progress."}}
    server, run = fake_api({"insert": [(409, busy), (409, busy)]})
    result = run()
    assert result.returncode == 0, result.stderr
    assert [r[0] for r in server.requests].count("POST") == 3
    assert result.stdout.count("retrying in") == 2


def test_a_backup_that_never_finishes_fails_at_the_deadline(fake_api):
    _, run = fake_api({"states": ["RUNNING"]})
    result = run("--timeout", "1")
    assert result.returncode == 1
    assert "operation op-1 still RUNNING after 1 s" in result.stderr


def test_the_deadline_comes_from_the_variable_the_job_sets(fake_api):
    """The Job passes its deadline as BACKUP_TIMEOUT_SECONDS (BACKUP_ENV.timeoutSeconds), not as
    --timeout: a renamed variable would leave the command waiting its default 30 minutes."""
    _, run = fake_api({"states": ["RUNNING"]})
    started = time.monotonic()
    result = run(BACKUP_TIMEOUT_SECONDS="1")
    assert result.returncode == 1
    assert "operation op-1 still RUNNING after 1 s" in result.stderr
    assert time.monotonic() - started < 30
