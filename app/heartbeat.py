"""Heartbeat files: how the Celery worker and beat prove to the kubelet that they are alive.

The worker and beat touch a file from inside their main loops (see config/celery.py);
the liveness probe runs `python heartbeat.py check <file> <max-age-seconds>`, which only
stats a file. That catches a hung loop, unlike a bare process check, and costs nothing,
unlike `celery inspect ping` (a broadcast through the broker to every worker).
This module imports nothing from Django or Celery so the probe stays cheap.
"""

from __future__ import annotations

import os
import sys
import time

# /tmp is the one writable path in the image (an emptyDir in the pod).
WORKER_FILE = os.environ.get("CELERY_WORKER_HEARTBEAT_FILE", "/tmp/celery-worker-heartbeat")
BEAT_FILE = os.environ.get("CELERY_BEAT_HEARTBEAT_FILE", "/tmp/celery-beat-heartbeat")


def touch(path: str) -> None:
    with open(path, "a", encoding="utf-8"):
        pass
    os.utime(path, None)


def age_seconds(path: str) -> float | None:
    try:
        return time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return None


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] != "check":
        print("usage: heartbeat.py check <file> <max-age-seconds>", file=sys.stderr)
        return 2
    path, max_age = argv[2], float(argv[3])
    age = age_seconds(path)
    if age is None:
        print(f"{path} does not exist", file=sys.stderr)
        return 1
    if age > max_age:
        print(f"{path} is {age:.0f}s old (max {max_age:.0f}s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
