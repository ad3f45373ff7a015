"""Liveness and readiness endpoints.

They are answered by a middleware that runs before everything else, because kubelet and
load-balancer probes send the pod IP (or nothing) as Host: going through ALLOWED_HOSTS,
the HTTPS redirect or the session machinery would turn a healthy pod into a failing probe.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse

from . import drain

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"

_redis_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _redis_client
    if _redis_client is None:
        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=1,
            socket_timeout=1,
            **settings.REDIS_SSL_OPTIONS,
        )
    return _redis_client


def check_database() -> None:
    """Raises when PostgreSQL does not answer."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        # Drop the broken connection so the next probe reconnects instead of reusing it.
        connection.close()
        raise


def check_redis() -> None:
    """Raises when Redis does not answer PING."""
    _redis().ping()


CHECKS = {"database": check_database, "redis": check_redis}


def readiness() -> tuple[int, dict]:
    """(status, body). The body names what is down and nothing more: /readyz is reachable
    through the public load balancer, so exception text (internal hosts, ports, user names)
    goes to the log only."""
    if drain.draining():
        return 503, {"status": "draining"}
    down = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means not ready
            logger.warning("not ready: %s is unavailable: %s: %s", name, type(exc).__name__, exc)
            down[name] = "unavailable"
    if down:
        return 503, {"status": "unavailable", **down}
    return 200, {"status": "ok"}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == LIVENESS_PATH:
            # Liveness asks only "is this process serving?": no external calls, so an
            # outage elsewhere never makes Kubernetes restart healthy pods.
            return HttpResponse("ok", content_type="text/plain")
        if request.path == READINESS_PATH:
            status, body = readiness()
            return JsonResponse(body, status=status)
        return self.get_response(request)
