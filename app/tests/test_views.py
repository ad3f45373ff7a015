"""The demo page, the task API and the batch endpoint, in-process against real PostgreSQL and Redis."""

import logging

import pytest
from django.core.cache import cache

from config.celery import app as celery_app
from demo.models import Visit
from demo.views import PRIMES_CACHE_KEY, count_primes

pytestmark = pytest.mark.django_db

# The batch endpoint's token (demo/batch_guard.py); test_batch_guard.py tests the refusals.
BATCH_AUTH = {"HTTP_AUTHORIZATION": "Bearer test-batch-token"}


@pytest.fixture(autouse=True)
def batch_token(monkeypatch):
    monkeypatch.setenv("BATCH_API_TOKEN", "test-batch-token")


def test_count_primes_is_right():
    assert count_primes(10) == 4  # 2, 3, 5, 7
    assert count_primes(200_000) == 17984


def test_index_records_a_visit_caches_and_enqueues(client, clean_redis):
    cache.delete(PRIMES_CACHE_KEY)

    first = client.get("/", HTTP_HOST="app.example.com", HTTP_USER_AGENT="pytest")
    assert first.status_code == 200
    visit = Visit.objects.get()
    assert visit.user_agent == "pytest"
    assert visit.task_id, "the page enqueues a Celery task and remembers its id"
    assert b"computed and cached" in first.content
    # The task message really is in Redis, waiting for a worker.
    assert clean_redis.llen("celery") == 1

    second = client.get("/", HTTP_HOST="app.example.com")
    assert b"read from the cache" in second.content
    assert Visit.objects.count() == 2
    assert b"2 visits recorded" in second.content


def test_task_status_reports_a_pending_task(client, clean_redis):
    response = client.get("/api/tasks/does-not-exist", HTTP_HOST="app.example.com")
    assert response.status_code == 200
    assert response.json() == {"id": "does-not-exist", "state": "PENDING"}


def test_task_status_gives_a_failed_task_exception_type_only_and_logs_the_rest(client, clean_redis, caplog):
    detail = 'connection to server at "10.20.0.5", port 5432 failed: password authentication failed for user "django"'
    celery_app.backend.mark_as_failure("failed-task", ConnectionError(detail))
    with caplog.at_level(logging.WARNING, logger="demo.views"):
        response = client.get("/api/tasks/failed-task", HTTP_HOST="app.example.com")
    assert response.status_code == 200
    assert response.json() == {"id": "failed-task", "state": "FAILURE", "error": "ConnectionError"}
    assert caplog.messages == [f"task failed-task failed: ConnectionError('{detail}')"]


def test_no_admin_site_is_routed(client):
    assert client.get("/admin/", HTTP_HOST="app.example.com").status_code == 404
    assert client.get("/admin/login/", HTTP_HOST="app.example.com").status_code == 404


def test_batch_enqueues_bounded_cpu_work(client, clean_redis, settings):
    response = client.post("/api/batch?count=3&ms=50", HTTP_HOST="app.example.com", **BATCH_AUTH)
    assert response.status_code == 202
    body = response.json()
    assert body["enqueued"] == 3 and body["ms"] == 50 and len(body["ids"]) == 3
    assert clean_redis.llen("celery") == 3


@pytest.mark.parametrize(
    "query, message",
    [
        ("count=0", "count must be an integer from 1 to 50"),
        ("count=51", "count must be an integer from 1 to 50"),
        ("count=many", "count must be an integer from 1 to 50"),
        ("ms=999999", "ms must be an integer from 1 to 5000"),
    ],
)
def test_batch_rejects_bad_input(client, clean_redis, query, message):
    response = client.post(f"/api/batch?{query}", HTTP_HOST="app.example.com", **BATCH_AUTH)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert clean_redis.llen("celery") == 0


def test_batch_only_accepts_post(client):
    assert client.get("/api/batch", HTTP_HOST="app.example.com").status_code == 405


def test_unknown_host_is_rejected_outside_the_health_paths(client):
    assert client.get("/", HTTP_HOST="evil.example.net").status_code == 400


def test_task_status_says_unknown_without_details_when_redis_is_down(client, redis_server):
    redis_server.stop()
    response = client.get("/api/tasks/some-task", HTTP_HOST="app.example.com")
    assert response.status_code == 503
    assert response.json() == {"id": "some-task", "state": "UNKNOWN"}


def test_the_page_answers_and_keeps_the_visit_pending_when_redis_is_down(client, redis_server):
    redis_server.stop()
    response = client.get("/", HTTP_HOST="app.example.com")
    assert response.status_code == 200
    assert b"this visit is recorded and will be hashed when it is back" in response.content
    visit = Visit.objects.get()
    assert (visit.state, visit.task_id) == (Visit.State.PENDING, "")
