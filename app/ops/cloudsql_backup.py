"""The pre-migration backup: an on-demand Cloud SQL backup, waited for until it is done.

The GCP stacks run this as a Job named after the image, before the migration Job (which waits
for it): ``python -m ops.cloudsql_backup``, told what to back up by BACKUP_PROJECT,
BACKUP_INSTANCE, BACKUP_DESCRIPTION and BACKUP_TIMEOUT_SECONDS (or the options of the same
meaning, by hand). It asks
the SQL Admin API for a backup run (``POST /v1/projects/P/instances/I/backupRuns``), then polls
the operation it gets back (``GET /v1/projects/P/operations/<name>``) until it is DONE. Any
failure (no credentials, a refusal, a failed or unfinished backup) exits 1 with one line that
says what failed and that nothing was migrated, so the Job fails and the migration never runs.

Credentials come from Application Default Credentials: on GKE the Job's own Google service
account through Workload Identity, holding only the permissions this needs
(cloudsql.backupRuns.create, cloudsql.backupRuns.get, cloudsql.instances.get). No Django
settings are read, so the Job mounts none of the app's secrets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import google.auth
import google.auth.exceptions
import requests
from google.auth.transport.requests import AuthorizedSession

API_URL = "https://sqladmin.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/sqlservice.admin"
# Cloud SQL runs one administrative operation per instance at a time: an automated backup or
# maintenance in progress answers 409, which passes; so do the API's transient errors.
RETRYABLE = {409, 429, 500, 502, 503, 504}
# A new identity's grants and its Workload Identity binding take a while to apply (IAM is
# eventually consistent; the GKE metadata server may not answer in a pod's first seconds), so
# refusals and token failures are retried this long before they count.
REFUSED = {401, 403}


class BackupFailed(Exception):
    """The backup did not happen; the message says why."""


@dataclass
class Backup:
    project: str
    instance: str
    description: str
    api_url: str = API_URL
    timeout_seconds: float = 1800
    poll_seconds: float = 10
    permission_grace_seconds: float = 180

    @property
    def target(self) -> str:
        return f"Cloud SQL instance {self.project}/{self.instance}"


def _reason(response: requests.Response) -> str:
    """The API's own message when it sent one (Google's JSON error body), else the status text."""
    try:
        error = response.json().get("error", {})
        message = error.get("message") or response.reason
    except ValueError:
        message = response.reason or response.text[:200]
    return f"HTTP {response.status_code}: {message}"


def _operation_error(operation: dict) -> str:
    errors = (operation.get("error") or {}).get("errors") or []
    return "; ".join(f"{e.get('code', 'ERROR')}: {e.get('message', '')}".strip() for e in errors)


def take_backup(
    backup: Backup,
    session: requests.Session,
    log: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """Starts the backup run and waits for its operation; returns the finished operation."""
    started = clock()
    deadline = started + backup.timeout_seconds
    base = f"{backup.api_url.rstrip('/')}/v1/projects/{backup.project}"

    def within_grace() -> bool:
        return clock() - started < backup.permission_grace_seconds

    def request(method: str, url: str, **kwargs) -> dict:
        """One API call, retried on transient answers until the deadline."""
        while True:
            try:
                response = session.request(method, url, timeout=30, **kwargs)
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}: {exc}"
            except google.auth.exceptions.GoogleAuthError as exc:
                if not within_grace():
                    raise BackupFailed(f"no access token for the Job's identity ({exc})") from exc
                problem = f"no access token yet ({type(exc).__name__}: {exc})"
            else:
                if response.ok:
                    return response.json()
                problem = _reason(response)
                refused_for_now = response.status_code in REFUSED and within_grace()
                if response.status_code not in RETRYABLE and not refused_for_now:
                    hint = (
                        "; the Job's identity needs cloudsql.backupRuns.create, cloudsql.backupRuns.get and "
                        "cloudsql.instances.get"
                        if response.status_code in REFUSED
                        else ""
                    )
                    raise BackupFailed(f"the SQL Admin API refused {method} {url} ({problem}){hint}")
            if clock() + backup.poll_seconds > deadline:
                raise BackupFailed(f"gave up after {backup.timeout_seconds:.0f} s; last answer: {problem}")
            log(f"retrying in {backup.poll_seconds:g} s: {problem}")
            sleep(backup.poll_seconds)

    operation = request(
        "POST", f"{base}/instances/{backup.instance}/backupRuns", json={"description": backup.description}
    )
    name = operation.get("name")
    if not name:
        raise BackupFailed(f"the SQL Admin API started no operation (answer: {operation})")
    log(f"backup of {backup.target} started: operation {name}")
    while operation.get("status") != "DONE":
        if clock() + backup.poll_seconds > deadline:
            raise BackupFailed(
                f"operation {name} still {operation.get('status', 'unknown')} after {backup.timeout_seconds:.0f} s"
            )
        sleep(backup.poll_seconds)
        operation = request("GET", f"{base}/operations/{name}")
    error = _operation_error(operation)
    if error:
        raise BackupFailed(f"operation {name} finished with errors: {error}")
    log(f"backup of {backup.target} done: operation {name}")
    return operation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.cloudsql_backup", description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument("--project", default=env("BACKUP_PROJECT"), help="default: $BACKUP_PROJECT")
    parser.add_argument("--instance", default=env("BACKUP_INSTANCE"), help="default: $BACKUP_INSTANCE")
    parser.add_argument("--description", default=env("BACKUP_DESCRIPTION", "on-demand backup before a migration"))
    parser.add_argument("--api-url", default=API_URL, help="the SQL Admin API's root (a fake in tests)")
    parser.add_argument(
        "--timeout", type=float, default=float(env("BACKUP_TIMEOUT_SECONDS", "1800")), help="seconds to wait"
    )
    parser.add_argument("--poll", type=float, default=10, help="seconds between polls of the operation")
    parser.add_argument(
        "--permission-grace", type=float, default=180, help="seconds a refusal (401/403) is retried: IAM settling"
    )
    args = parser.parse_args(argv)
    for option in ("project", "instance"):
        if not getattr(args, option):
            parser.error(f"--{option} (or BACKUP_{option.upper()}) is required: the Cloud SQL {option} to back up")
    backup = Backup(
        args.project, args.instance, args.description, args.api_url, args.timeout, args.poll, args.permission_grace
    )
    try:
        try:
            credentials, _ = google.auth.default(scopes=[SCOPE])
        except google.auth.exceptions.DefaultCredentialsError as exc:
            raise BackupFailed(
                f"no Google credentials ({exc}); on GKE the Job's ServiceAccount needs its Workload Identity annotation"
            ) from exc
        with AuthorizedSession(credentials) as session:
            take_backup(backup, session)
    except (BackupFailed, google.auth.exceptions.GoogleAuthError) as exc:
        print(f"backup failed: {backup.target}: {exc}. Nothing was migrated.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
