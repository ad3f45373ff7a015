"""Who may call POST /api/batch, and how often.

Each call queues up to 50 CPU-bound tasks, enough to drive the worker and node autoscalers
(and the bill), so only holders of the batch token may call it: the load generator, which the
program gives the token as a mounted file, and an operator who reads it from the stack. Others
get a clear 403.

Calls are also rate-limited, across every web pod, with a fixed one-minute window counted in
Django's cache (the shared Redis). Written here rather than taken from django-ratelimit: that
library would count in the very same cache, and the counter is two cache calls (add, then
an atomic incr), while a new dependency would enter the hash-locked requirements of every
image. The limit bounds the damage of a leaked token; the token is what keeps strangers out.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from config import env

logger = logging.getLogger(__name__)

#: The contract name (components/k8s/djangoApp/appContract.ts ENV.batchToken); read from BATCH_API_TOKEN_FILE.
SETTING_NAME = "BATCH_API_TOKEN"
#: Calls a minute, all callers and pods together: the load generator makes 60.
CALLS_PER_MINUTE = 120
#: The form field fortio can send from a file (it cannot read a header from one).
FORM_FIELD = "token"

View = Callable[..., HttpResponse]


def presented_token(request: HttpRequest) -> str:
    """`Authorization: Bearer <token>`, else the `token` form field of the POST body."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    return request.POST.get(FORM_FIELD, "")


def _refused(status: int, error: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": error}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _calls_this_minute() -> tuple[int | None, int]:
    """(calls counted in this window including this one, or None if the cache is down; seconds left)."""
    now = time.time()
    window = int(now // 60)
    key = f"batch-calls:{window}"
    # Two windows' lifetime: the key is gone soon after its minute, whatever the clocks say.
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=120)
        count = 1
    return count, 60 - int(now % 60)


def batch_guard(view: View) -> View:
    """Token check, then the rate limit, then the view. Other methods go straight to the view (405)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        expected = env.get(SETTING_NAME) or ""
        if not expected:
            return _refused(403, f"the batch endpoint is closed: no {SETTING_NAME} (or {SETTING_NAME}_FILE) is set")
        if not hmac.compare_digest(presented_token(request).encode(), expected.encode()):
            return _refused(
                403,
                "POST /api/batch needs the batch token: send 'Authorization: Bearer <token>' "
                f"or a '{FORM_FIELD}' form field",
            )
        count, seconds_left = _calls_this_minute()
        if count is None:
            # The cache is the shared Redis, which the tasks need too: refuse rather than count nothing.
            logger.warning("batch rate limit unavailable: the cache did not answer")
            return _refused(503, "the rate limiter's cache is unavailable; try again", **{"Retry-After": "5"})
        if count > CALLS_PER_MINUTE:
            return _refused(
                429,
                f"at most {CALLS_PER_MINUTE} batch calls a minute; try again in {seconds_left} s",
                **{"Retry-After": str(seconds_left)},
            )
        return view(request, *args, **kwargs)

    return guarded
