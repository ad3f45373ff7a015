"""The Django cache client: every key it writes expires.

The cache shares Redis with the Celery queue, and that Redis evicts with ``volatile-lru``:
only keys with a TTL are candidates. The queue's keys never have one, so a full cache evicts
cache entries and never a queued task, but only as long as every cache key carries a TTL.
Django's cache API lets a caller ask for "forever" (timeout None, or touch(key, None)); here
that becomes CACHE_MAX_TIMEOUT. django-redis' own extensions that write other data types
(hset, sadd, lpush...) are not used by the app and are refused, so none slips in untimed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis.client import DefaultClient


def _refuse(name: str):
    def refused(self, *args, **kwargs):
        raise NotImplementedError(f"cache.{name}() writes a key without a TTL, which volatile-lru cannot evict")

    return refused


class ExpiringClient(DefaultClient):
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, *args, **kwargs):
        if timeout is None:
            timeout = settings.CACHE_MAX_TIMEOUT
        return super().set(key, value, timeout, *args, **kwargs)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, *args, **kwargs):
        if timeout is None:
            timeout = settings.CACHE_MAX_TIMEOUT
        return super().touch(key, timeout, *args, **kwargs)

    persist = _refuse("persist")
    hset = _refuse("hset")
    sadd = _refuse("sadd")
    lpush = _refuse("lpush")
    rpush = _refuse("rpush")
    zadd = _refuse("zadd")
