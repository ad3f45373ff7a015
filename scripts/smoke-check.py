#!/usr/bin/env python3
"""Smoke check of a live deployment: is the site up, ready, serving the demo page, and running tasks?

    python3 scripts/smoke-check.py https://app.example.com [--timeout 300] [--markdown FILE]

Four checks, through whatever sits in front of the app (the load balancer after a deploy):
  liveness    GET /healthz answers 200 (the web process serves)
  readiness   GET /readyz answers 200 (the web pods reach PostgreSQL and Redis)
  demo page   GET / answers 200 and enqueued a task (PostgreSQL, the Redis cache and broker)
  task        that task reaches SUCCESS at /api/tasks/<id> (a Celery worker ran it)

A fresh deploy may need a moment (the load balancer's health checks, pods starting), so the
checks are repeated until all pass or --timeout seconds have passed; then each check's last
finding is printed and the exit status is 1, naming the failing checks. Standard library only,
so it runs anywhere Python 3 does (the deploy workflow, a laptop). The app's side of the URLs
is app/config/urls.py and app/config/health.py; app/tests/test_smoke_check.py runs this
script against the app served by gunicorn, healthy and with its readiness failing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
DEMO_PATH = "/"
TASK_PATH = "/api/tasks/{id}"
# The demo page shows the id of the task it enqueued (demo/templates/demo/index.html).
TASK_ID = re.compile(r'<code id="task-id">([0-9a-fA-F-]{8,})</code>')
CHECKS = ("liveness", "readiness", "demo page", "task")


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str


@dataclass
class Response:
    status: int
    body: str
    error: str = ""


@dataclass
class Run:
    base_url: str
    request_timeout: float
    findings: dict[str, Finding] = field(default_factory=dict)

    def get(self, path: str) -> Response:
        # The scheme is checked in main (http or https only), so S310's file:// worry does not apply.
        url = self.base_url.rstrip("/") + path
        request = urllib.request.Request(url, headers={"User-Agent": "django-k8s smoke-check"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.request_timeout) as answer:  # noqa: S310
                return Response(answer.status, answer.read().decode(errors="replace"))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode(errors="replace"))
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return Response(0, "", f"{type(exc).__name__}: {reason}")

    def record(self, check: str, ok: bool, detail: str) -> bool:
        self.findings[check] = Finding(check, ok, detail)
        return ok


def describe(response: Response) -> str:
    if response.error:
        return f"no answer ({response.error})"
    return f"HTTP {response.status}: {' '.join(response.body.split())[:300]}"


def check_once(run: Run, task_wait: float) -> bool:
    """One round of every check; True when all passed."""
    live = run.get(LIVENESS_PATH)
    ok = run.record("liveness", live.status == 200, describe(live))
    ready = run.get(READINESS_PATH)
    ok &= run.record("readiness", ready.status == 200, describe(ready))
    page = run.get(DEMO_PATH)
    match = TASK_ID.search(page.body) if page.status == 200 else None
    if match is None:
        why = "the page enqueued no task" if page.status == 200 else describe(page)
        if "task queue is unavailable" in page.body:
            why = "the page says the task queue is unavailable"
        run.record("demo page", False, why)
        run.record("task", False, "no task to follow (the demo page failed)")
        return False
    task_id = match.group(1)
    run.record("demo page", True, f"HTTP 200, enqueued task {task_id}")
    return bool(ok & follow_task(run, task_id, task_wait))


def follow_task(run: Run, task_id: str, wait: float) -> bool:
    """Polls the task's state until SUCCESS, a failure, or `wait` seconds."""
    deadline = time.monotonic() + wait
    state = "unknown"
    while True:
        answer = run.get(TASK_PATH.format(id=task_id))
        if answer.status == 200:
            try:
                state = json.loads(answer.body).get("state", "unknown")
            except ValueError:
                state = f"unreadable answer {answer.body[:100]!r}"
            if state == "SUCCESS":
                return run.record("task", True, f"task {task_id} SUCCESS")
            if state == "FAILURE":
                return run.record("task", False, f"task {task_id} FAILURE: {answer.body[:300]}")
        else:
            state = describe(answer)
        if time.monotonic() >= deadline:
            return run.record("task", False, f"task {task_id} not done after {wait:.0f} s (last: {state})")
        time.sleep(0.5)


def smoke_check(base_url: str, timeout: float, interval: float = 5, request_timeout: float = 10) -> Run:
    run = Run(base_url, request_timeout)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if check_once(run, task_wait=max(1.0, min(60.0, remaining))):
            return run
        if time.monotonic() + interval >= deadline:
            return run
        time.sleep(interval)


def report(run: Run, timeout: float) -> tuple[str, str]:
    """(plain text, Markdown) of the last findings."""
    failed = [name for name in CHECKS if not run.findings[name].ok]
    verdict = (
        f"smoke check passed: {run.base_url}"
        if not failed
        else f"smoke check failed: {', '.join(failed)} (at {run.base_url}, after up to {timeout:.0f} s)"
    )
    lines = [f"{'PASS' if f.ok else 'FAIL'} {f.check}: {f.detail}" for f in (run.findings[n] for n in CHECKS)]
    table = ["| check | result | finding |", "|---|---|---|"] + [
        f"| {f.check} | {'pass' if f.ok else '**FAIL**'} | {f.detail.replace('|', '/')} |"
        for f in (run.findings[n] for n in CHECKS)
    ]
    return "\n".join([*lines, verdict]), "\n".join([f"### {verdict}", "", *table, ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the site's base URL, e.g. https://app.example.com or http://34.1.2.3")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to keep trying (default 300)")
    parser.add_argument("--interval", type=float, default=5, help="seconds between rounds (default 5)")
    parser.add_argument("--markdown", help="also append the findings as Markdown to this file ($GITHUB_STEP_SUMMARY)")
    args = parser.parse_args(argv)
    if not re.match(r"^https?://[^/\s]+", args.url):
        parser.error(f"url: got {args.url!r}; expected http:// or https:// and a host")
    run = smoke_check(args.url, args.timeout, args.interval)
    text, markdown = report(run, args.timeout)
    print(text)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as summary:
            summary.write(markdown)
    return 0 if all(f.ok for f in run.findings.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
