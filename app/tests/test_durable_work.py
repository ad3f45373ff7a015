"""The pieces the fault suite relies on, in-process against the real PostgreSQL and Redis:
the idempotent task, the reconcile query, the countdown bound and the cache's TTLs."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from demo.models import Visit
from demo.tasks import burn_cpu, digest_visit, reconcile_visits

pytestmark = pytest.mark.django_db


def test_a_visit_processed_twice_takes_effect_once(settings):
    visit = Visit.objects.create(user_agent="twice")
    first = digest_visit.run(visit.pk)
    Visit.objects.filter(pk=visit.pk).update(processed_by="first run")
    second = digest_visit.run(visit.pk)
    visit.refresh_from_db()
    assert first == second == visit.digest and visit.state == Visit.State.DONE
    assert visit.processed_by == "first run", "the second run changed nothing"
    assert digest_visit.run(10**9) is None, "a visit that no longer exists is no error"


def test_reconcile_sends_only_pending_visits_past_the_grace_period(settings, clean_redis):
    settings.RECONCILE_GRACE_SECONDS = 60
    old = timezone.now() - timedelta(seconds=120)
    waiting = Visit.objects.create(user_agent="waiting")
    done = Visit.objects.create(user_agent="done", state=Visit.State.DONE)
    recent = Visit.objects.create(user_agent="recent")
    Visit.objects.filter(pk__in=[waiting.pk, done.pk]).update(queued_at=old)

    assert reconcile_visits.run() == 1
    assert clean_redis.llen("celery") == 1
    waiting.refresh_from_db()
    assert waiting.queued_at > old, "sent again now: the next run waits another grace period"
    assert reconcile_visits.run() == 0, "nothing is due until the grace period passes again"
    recent.refresh_from_db()
    assert recent.state == Visit.State.PENDING


def test_reconcile_leaves_the_work_pending_when_redis_is_down(settings, redis_server):
    settings.RECONCILE_GRACE_SECONDS = 0
    visit = Visit.objects.create(user_agent="outage")
    redis_server.stop()
    assert reconcile_visits.run() == 0
    visit.refresh_from_db()
    assert visit.state == Visit.State.PENDING


@pytest.mark.parametrize("options", [{"countdown": 10_000}, {"eta": timezone.now() + timedelta(hours=3)}])
def test_a_countdown_beyond_the_visibility_timeout_is_refused(settings, clean_redis, options):
    with pytest.raises(ValueError, match=r"exceeds CELERY_VISIBILITY_TIMEOUT minus CELERY_TASK_TIME_LIMIT \(539s\)"):
        burn_cpu.apply_async((10,), **options)
    assert clean_redis.llen("celery") == 0
    burn_cpu.apply_async((10,), countdown=settings.TASK_MAX_COUNTDOWN)
    assert clean_redis.llen("celery") == 1


def test_every_cache_key_expires_even_when_asked_to_live_forever(clean_redis, settings):
    cache.set("forever", 1, None)
    cache.set("default", 1)
    cache.add("added", 1, None)
    cache.set("touched", 1, 30)
    cache.touch("touched", None)
    keys = clean_redis.keys("cache:*")
    assert len(keys) == 4
    for key in keys:
        assert 0 < clean_redis.ttl(key) <= settings.CACHE_MAX_TIMEOUT, key
    with pytest.raises(NotImplementedError, match="without a TTL"):
        cache.persist("forever")
