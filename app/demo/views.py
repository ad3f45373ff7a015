from __future__ import annotations

import logging
import time

from celery.result import AsyncResult
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import Heartbeat, Visit
from .tasks import burn_cpu, enqueue_visit

logger = logging.getLogger(__name__)

PRIMES_LIMIT = 200_000
PRIMES_CACHE_KEY = f"primes-below-{PRIMES_LIMIT}"
PRIMES_CACHE_SECONDS = 300
BATCH_MAX_MILLISECONDS = 5000


def count_primes(limit: int) -> int:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(range(i * i, limit, i)))
    return sum(sieve)


def cached_prime_count() -> tuple[int, bool, float]:
    """(value, came from the cache, milliseconds spent). A Redis outage is a miss."""
    started = time.perf_counter()
    value = cache.get(PRIMES_CACHE_KEY)
    hit = value is not None
    if not hit:
        value = count_primes(PRIMES_LIMIT)
        cache.set(PRIMES_CACHE_KEY, value, PRIMES_CACHE_SECONDS)
    return value, hit, (time.perf_counter() - started) * 1000


@require_GET
def index(request: HttpRequest):
    visit = Visit.objects.create(user_agent=request.headers.get("User-Agent", "")[:256])
    queue_available = True
    try:
        visit.task_id = enqueue_visit(visit.pk)
        visit.save(update_fields=["task_id"])
    except Exception as exc:  # the visit stays pending; the reconcile task sends it later
        logger.warning("could not enqueue digest_visit for visit %s: %s", visit.pk, exc)
        queue_available = False
    primes, cache_hit, primes_ms = cached_prime_count()
    context = {
        "visit": visit,
        "visits": Visit.objects.all()[:10],
        "visit_count": Visit.objects.count(),
        "heartbeat": Heartbeat.objects.filter(name="beat").first(),
        "heartbeat_seconds": settings.HEARTBEAT_SECONDS,
        "primes": primes,
        "primes_limit": PRIMES_LIMIT,
        "cache_hit": cache_hit,
        "primes_ms": primes_ms,
        "queue_available": queue_available,
    }
    return render(request, "demo/index.html", context)


@require_GET
def task_status(request: HttpRequest, task_id: str):
    result = AsyncResult(task_id)
    try:
        body = {"id": task_id, "state": result.state}
        if result.successful():
            body["result"] = result.result
        elif result.failed():
            # Anyone holding a task id may ask (the page and the batch endpoint hand them out),
            # and an exception's text can carry a host, a port or a user name: the caller gets
            # its type, the log the rest, as /readyz keeps its reasons to itself.
            error = result.result
            body["error"] = type(error).__name__
            logger.warning("task %s failed: %r", task_id, error)
    except Exception as exc:  # the result store (Redis) is unreachable: say so, without details
        logger.warning("task status of %s unavailable: %s", task_id, exc)
        return JsonResponse({"id": task_id, "state": "UNKNOWN"}, status=503)
    return JsonResponse(body)


def _bounded_int(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name, request.POST.get(name, str(default)))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer from 1 to {maximum}, got {raw!r}") from None
    if not 1 <= value <= maximum:
        raise ValueError(f"{name} must be an integer from 1 to {maximum}, got {value}")
    return value


# The load generator posts here without a session or CSRF token; the endpoint only
# enqueues bounded CPU work and changes no stored data.
@csrf_exempt
@require_POST
def enqueue_batch(request: HttpRequest):
    """Enqueue `count` CPU-bound tasks of `ms` milliseconds each, for the worker to scale on."""
    try:
        count = _bounded_int(request, "count", 10, settings.DEMO_BATCH_MAX)
        milliseconds = _bounded_int(request, "ms", 200, BATCH_MAX_MILLISECONDS)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    ids = [burn_cpu.delay(milliseconds).id for _ in range(count)]
    return JsonResponse({"enqueued": count, "ms": milliseconds, "ids": ids}, status=202)
