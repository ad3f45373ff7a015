from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat, Visit

logger = logging.getLogger(__name__)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def compute_digest(visit: Visit) -> str:
    digest = f"{visit.pk}:{visit.created_at.isoformat()}:{visit.user_agent}".encode()
    for _ in range(5000):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()


@shared_task
def digest_visit(visit_id: int) -> str | None:
    """Hash the visit a few thousand times (a stand-in for real work) and store the result.

    Idempotent: the message may come more than once (Redis redelivering a killed worker's
    task, the reconcile task sending pending work again), but only the first run to finish
    moves the visit from pending to done; a later one changes nothing.
    """
    visit = Visit.objects.filter(pk=visit_id).first()
    if visit is None:
        return None
    digest = compute_digest(visit)
    applied = Visit.objects.filter(pk=visit_id, state=Visit.State.PENDING).update(
        state=Visit.State.DONE, digest=digest, processed_by=_worker_name()
    )
    if applied:
        logger.info("visit %s digested", visit_id)
    else:
        logger.info("visit %s was already digested; nothing to do", visit_id)
    return digest


def enqueue_visit(visit_id: int) -> str:
    """Send the visit's task; raises if Redis does not take it (within about a second, see
    settings.REDIS_REQUEST_TIMEOUT). The visit stays pending either way until the task ran."""
    return digest_visit.delay(visit_id).id


@shared_task
def reconcile_visits() -> int:
    """Send again the visits still pending RECONCILE_GRACE_SECONDS after they were last sent.

    PostgreSQL, not Redis, is the record of work: a visit whose enqueue failed (Redis down)
    or whose message was lost (Redis restarted without its data) is still pending here. A
    visit still queued behind a long backlog may be sent twice; digest_visit applies it once.
    Rows are claimed with SKIP LOCKED, so concurrent runs never send the same visit together.
    Returns how many visits were sent.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.RECONCILE_GRACE_SECONDS)
    with transaction.atomic():
        ids = list(
            Visit.objects.filter(state=Visit.State.PENDING, queued_at__lte=cutoff)
            .order_by("queued_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: settings.RECONCILE_BATCH]
        )
        Visit.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    sent = 0
    for visit_id in ids:
        try:
            enqueue_visit(visit_id)
        except Exception as exc:  # Redis still away: the next run tries again
            logger.warning("reconcile could not enqueue visit %s (%s); %d left", visit_id, exc, len(ids) - sent)
            break
        sent += 1
    if ids:
        logger.info("reconcile sent %d pending visit(s) again", sent)
    return sent


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
