from __future__ import annotations

import hashlib
import os
import socket
import time

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat, Visit


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@shared_task
def digest_visit(visit_id: int) -> str:
    """Hash the visit a few thousand times (a stand-in for real work) and store the result."""
    visit = Visit.objects.get(pk=visit_id)
    digest = f"{visit.pk}:{visit.created_at.isoformat()}:{visit.user_agent}".encode()
    for _ in range(5000):
        digest = hashlib.sha256(digest).digest()
    visit.digest = digest.hex()
    visit.processed_by = _worker_name()
    visit.save(update_fields=["digest", "processed_by"])
    return visit.digest


@shared_task
def heartbeat() -> int:
    """Scheduled by beat every HEARTBEAT_SECONDS; counts its runs."""
    now = timezone.now()
    row, created = Heartbeat.objects.get_or_create(
        name="beat", defaults={"last_run": now, "runs": 1, "worker": _worker_name()}
    )
    if not created:
        Heartbeat.objects.filter(pk=row.pk).update(last_run=now, runs=F("runs") + 1, worker=_worker_name())
        row.refresh_from_db()
    return row.runs


@shared_task(bind=True)
def burn_cpu(self, milliseconds: int, token: str = "") -> dict:
    """CPU-bound work for about `milliseconds` of CPU time: what autoscaling reacts to.

    Returns who ran it, so tests can tell which worker finished a task.
    """
    deadline = time.process_time() + milliseconds / 1000
    rounds = 0
    value = token.encode() or b"x"
    while time.process_time() < deadline:
        value = hashlib.sha256(value).digest()
        rounds += 1
    return {"token": token, "rounds": rounds, "worker": self.request.hostname}
