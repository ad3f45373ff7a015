"""What the real node's stack test (cluster/real-node/stack-test.sh) measures, printing its figures.

    python stack_checks.py ready-times --namespace django [--timeout 300]
        every pod of the namespace Ready (Jobs' pods: Succeeded), each one's seconds from creation
        to Ready against its probes' budget, restarts; exit 1 when a pod is late, restarted or
        not Ready by the timeout
    python stack_checks.py load --url http://127.0.0.1:<port>/ --rate 5 --stop-file <file>
        GET the URL at a steady rate until the stop file exists; prints sent/ok/failed and the
        failures; exit 1 when one failed. Each request on its own thread (a slow answer never
        lowers the rate); an answer is ok when it is a 200 within 10 s.

Standard library only; kubectl (context django-k8s-local) on PATH.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import pathlib
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

CONTEXT = "django-k8s-local"


def pods(namespace: str) -> list[dict]:
    out = subprocess.run(
        ["kubectl", "--context", CONTEXT, "-n", namespace, "get", "pods", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)["items"]


def when(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def condition(pod: dict, kind: str) -> dict | None:
    return next((c for c in pod["status"].get("conditions", []) if c["type"] == kind), None)


def probe_budget(container: dict) -> int:
    """Seconds the probes give a container to turn Ready: the window after which the kubelet
    would restart it (the startup probe's, else the liveness probe's; the readiness probe's
    when it has neither), plus one readiness period for the first passing check to land."""

    def window(probe: dict) -> int:
        return probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)

    readiness = container.get("readinessProbe") or {}
    guard = container.get("startupProbe") or container.get("livenessProbe") or readiness
    return window(guard) + readiness.get("periodSeconds", 10)


def role(pod: dict) -> str:
    labels = pod["metadata"].get("labels", {})
    return labels.get("app.kubernetes.io/component") or labels.get("app.kubernetes.io/name") or pod["metadata"]["name"]


def ready_times(namespace: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        items = pods(namespace)
        failed_pods = [p["metadata"]["name"] for p in items if p["status"].get("phase") == "Failed"]
        if failed_pods:
            print(f"pods Failed: {', '.join(failed_pods)}")
            return 1
        waiting = [
            p["metadata"]["name"]
            for p in items
            if p["status"].get("phase") != "Succeeded" and (condition(p, "Ready") or {}).get("status") != "True"
        ]
        if items and not waiting:
            break
        if time.monotonic() > deadline:
            print(f"not Ready after {timeout:.0f} s: {', '.join(waiting) or 'no pods'}")
            return 1
        time.sleep(1)
    failed = 0
    print(f"  {'pod':<44} {'role':<10} {'Ready after':>11} {'budget':>7} {'restarts':>8}")
    for pod in sorted(items, key=lambda p: p["metadata"]["creationTimestamp"]):
        created = when(pod["metadata"]["creationTimestamp"])
        restarts = sum(s.get("restartCount", 0) for s in pod["status"].get("containerStatuses", []))
        budget = max(probe_budget(c) for c in pod["spec"]["containers"])
        if pod["status"].get("phase") == "Succeeded":
            finished = max(
                when(s["state"]["terminated"]["finishedAt"])
                for s in pod["status"]["containerStatuses"]
                if "terminated" in s["state"]
            )
            after, note = (finished - created).total_seconds(), "(Succeeded)"
        else:
            after = (when(condition(pod, "Ready")["lastTransitionTime"]) - created).total_seconds()
            note = ""
            if after > budget or restarts:
                failed += 1
                note = "LATE" if after > budget else "RESTARTED"
        print(f"  {pod['metadata']['name']:<44} {role(pod):<10} {after:>9.0f} s {budget:>5} s {restarts:>8} {note}")
    return 1 if failed else 0


def load(url: str, rate: float, stop_file: pathlib.Path) -> int:
    counts: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (http to 127.0.0.1)
                response.read()
                ok = response.status == 200
                detail = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as error:
            ok, detail = False, str(getattr(error, "reason", error))
        with lock:
            counts["ok" if ok else "failed"] += 1
            if not ok:
                failures.append(f"request {n} at +{started - begun:.1f} s: {detail}")

    begun = time.monotonic()
    threads = []
    n = 0
    while not stop_file.exists():
        thread = threading.Thread(target=one, args=(n,))
        thread.start()
        threads.append(thread)
        n += 1
        time.sleep(max(0.0, begun + n / rate - time.monotonic()))
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - begun
    print(f"load: sent {n}, ok {counts['ok']}, failed {counts['failed']} ({rate:g} req/s for {seconds:.0f} s)")
    for failure in failures:
        print(f"  {failure}")
    return 1 if counts["failed"] else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ready = sub.add_parser("ready-times")
    ready.add_argument("--namespace", required=True)
    ready.add_argument("--timeout", type=float, default=300)
    loader = sub.add_parser("load")
    loader.add_argument("--url", required=True)
    loader.add_argument("--rate", type=float, default=5)
    loader.add_argument("--stop-file", type=pathlib.Path, required=True)
    args = parser.parse_args()
    if args.command == "ready-times":
        return ready_times(args.namespace, args.timeout)
    return load(args.url, args.rate, args.stop_file)


if __name__ == "__main__":
    sys.exit(main())
