"""What the fault tests share: the beat command, fast reconcile settings, and counting how
often each visit's work took effect from the workers' logs."""

from __future__ import annotations

import re
from collections import Counter

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
