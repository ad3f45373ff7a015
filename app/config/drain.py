"""Draining the web role before it stops: the pod's preStop hook.

When a pod is deleted, Kubernetes removes it from the Service's endpoints and runs the
preStop hook at the same time; SIGTERM follows only when the hook returns. Clients holding a
keep-alive connection to the pod keep sending on it after it has left the endpoints (kube-proxy
and load balancers route new connections only). So the hook

    python /app/config/drain.py <seconds>

marks the process as draining (a file in /tmp, the pod's emptyDir) and waits <seconds>.
While the file exists, gunicorn answers every request with "Connection: close"
(gunicorn.conf.py's pre_request hook), so each client moves to a new connection, which goes to
a pod still in the endpoints, and /readyz answers 503 so the load balancer's health check
drops the pod too. When SIGTERM comes, nothing but requests already running is left; gunicorn
lets those finish within its graceful_timeout.

Standard library only: the hook runs in the container beside the server and must start fast.
"""

from __future__ import annotations

import os
import sys
import time

DRAIN_FILE = os.environ.get("WEB_DRAIN_FILE", "/tmp/web-draining")
# The pause Kubernetes needs to take the pod out of every path to it: kube-proxy on every node
# and the cloud load balancer's backends (the GCP load balancer is the slow one).
DEFAULT_PAUSE_SECONDS = 15


def draining() -> bool:
    return os.path.exists(DRAIN_FILE)


def start_draining() -> None:
    with open(DRAIN_FILE, "w", encoding="utf-8") as marker:
        marker.write(f"{time.time():.0f}\n")


def stop_draining() -> None:
    """At server start: a marker left in the emptyDir by the container's previous run (the
    preStop hook also runs before a liveness restart) must not make the new server drain."""
    try:
        os.remove(DRAIN_FILE)
    except FileNotFoundError:
        pass


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print("usage: drain.py [pause-seconds]", file=sys.stderr)
        return 2
    try:
        pause = float(argv[1]) if len(argv) == 2 else DEFAULT_PAUSE_SECONDS
    except ValueError:
        print(f"drain.py: pause-seconds must be a number, got {argv[1]!r}", file=sys.stderr)
        return 2
    start_draining()
    time.sleep(pause)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
