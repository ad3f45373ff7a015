"""How many CPUs this container may use, from its cgroup limit.

os.cpu_count() reports the node's cores, not the container's limit; sizing gunicorn
workers or Celery concurrency from it oversubscribes a pod with a 1-CPU limit on a
32-core node. Kubernetes turns `resources.limits.cpu` into the cgroup quota read here.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_V2_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1_QUOTA = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
CGROUP_V1_PERIOD = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")


def parse_cpu_max(text: str) -> float | None:
    """'200000 100000' -> 2.0; 'max 100000' (no limit) -> None."""
    quota, _, period = text.strip().partition(" ")
    if quota == "max" or not period:
        return None
    return int(quota) / int(period)


def cpu_limit() -> float:
    """The container's CPU limit in cores; the visible cores when there is none."""
    try:
        limit = parse_cpu_max(CGROUP_V2_CPU_MAX.read_text())
    except (OSError, ValueError):
        limit = None
        try:
            quota = int(CGROUP_V1_QUOTA.read_text())
            if quota > 0:
                limit = quota / int(CGROUP_V1_PERIOD.read_text())
        except (OSError, ValueError):
            pass
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(limit, available) if limit else float(available)


def whole_cpus() -> int:
    """At least one; a 500m limit still gets one process."""
    return max(1, math.ceil(cpu_limit()))
