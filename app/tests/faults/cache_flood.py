"""Run as ``python -m tests.faults.cache_flood fill <MB>`` or ``... enqueue <N>`` with the role's
environment: fills the Django cache through the app's own cache settings, or records N visits
and enqueues their tasks the way the page does, writing cache entries in between. Prints one
JSON line of counts."""

import json
import os
import sys

import django

ENTRY_BYTES = 16 * 1024


def fill(megabytes: float) -> dict:
    from django.core.cache import cache

    written = 0
    while written * ENTRY_BYTES < megabytes * 2**20:
        cache.set(f"flood-{os.getpid()}-{written}", os.urandom(ENTRY_BYTES))
        written += 1
    return {"cache_entries_written": written}


def enqueue(count: int) -> dict:
    from django.core.cache import cache

    from demo.models import Visit
    from demo.tasks import enqueue_visit

    ids, errors = [], []
    for n in range(count):
        visit = Visit.objects.create(user_agent="cache-flood")
        ids.append(visit.pk)
        try:
            enqueue_visit(visit.pk)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        for m in range(4):  # the cache keeps growing while tasks are sent
            cache.set(f"flood-enqueue-{os.getpid()}-{n}-{m}", os.urandom(ENTRY_BYTES))
    return {"ids": ids, "publish_errors": len(errors), "first_error": errors[0] if errors else ""}


if __name__ == "__main__":
    django.setup()
    mode, amount = sys.argv[1], float(sys.argv[2])
    print(json.dumps(fill(amount) if mode == "fill" else enqueue(int(amount))))
