"""What the fault tests share: the beat command, fast reconcile settings, and counting how
often each visit's work took effect from the workers' logs."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime

from demo.models import Visit

from ..conftest import BIN_DIR

BEAT_ARGV = [str(BIN_DIR / "celery"), "-A", "config", "beat", "--loglevel=INFO"]

# Seconds, not minutes: the reconcile task runs every second and sends work pending for a second.
FAST_RECONCILE = {
    "RECONCILE_SECONDS": "1",
    "RECONCILE_GRACE_SECONDS": "1",
    "HEARTBEAT_SECONDS": "3600",
    "CELERY_BEAT_MAX_LOOP_INTERVAL": "1",
}

_APPLIED = re.compile(r"visit (\d+) digested\b")
_ABSORBED = re.compile(r"visit (\d+) was already digested")


def digest_counts(*logs: str) -> tuple[Counter, int]:
    """(how many times each visit's digest was applied, how many duplicate runs changed nothing)."""
    applied: Counter = Counter()
    absorbed = 0
    for log in logs:
        applied.update(int(visit) for visit in _APPLIED.findall(log))
        absorbed += len(_ABSORBED.findall(log))
    return applied, absorbed


def outcome(visit_ids: list[int], *worker_logs: str) -> dict[str, int]:
    """The counts every durable-work fault test prints: done, lost, doubled."""
    states = dict(Visit.objects.filter(pk__in=visit_ids).values_list("pk", "state"))
    applied, absorbed = digest_counts(*worker_logs)
    done = sum(1 for pk in visit_ids if states.get(pk) == Visit.State.DONE)
    return {
        "sent": len(visit_ids),
        "done": done,
        "lost": len(visit_ids) - done,
        "doubled": sum(1 for pk in visit_ids if applied[pk] > 1),
        "duplicate_runs_absorbed": absorbed,
    }


def all_done(visit_ids: list[int]) -> bool:
    return Visit.objects.filter(pk__in=visit_ids, state=Visit.State.DONE).count() == len(visit_ids)


_PLAIN_TIME = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}):")


def logged_at(log: str, needle: str) -> list[float]:
    """When each line of a role's log containing `needle` was written (epoch seconds), whether
    the role logs JSON lines (production) or Celery's plain format."""
    times = []
    for line in log.splitlines():
        if needle not in line:
            continue
        if line.startswith("{"):
            times.append(datetime.fromisoformat(json.loads(line)["time"]).timestamp())
        elif match := _PLAIN_TIME.match(line):
            times.append(datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f").timestamp())
    return times
