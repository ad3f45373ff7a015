"""POST /api/batch: only the token's holders, and at most CALLS_PER_MINUTE a minute (demo/batch_guard.py)."""

import pytest

from demo import batch_guard

pytestmark = pytest.mark.django_db

HOST = {"HTTP_HOST": "app.example.com"}
TOKEN = "t0ken-for-the-batch-endpoint"


@pytest.fixture
def token_file(tmp_path, monkeypatch):
    """The token as the pods get it: a mounted file named by BATCH_API_TOKEN_FILE."""
    path = tmp_path / "BATCH_API_TOKEN"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    monkeypatch.delenv("BATCH_API_TOKEN", raising=False)
    monkeypatch.setenv("BATCH_API_TOKEN_FILE", str(path))
    return path


def test_refuses_a_call_without_the_token(client, clean_redis, token_file):
    response = client.post("/api/batch?count=1&ms=10", **HOST)
    assert response.status_code == 403
    assert "needs the batch token" in response.json()["error"]
    assert clean_redis.llen("celery") == 0, "nothing is queued for a refused call"


def test_refuses_a_wrong_token(client, clean_redis, token_file):
    response = client.post("/api/batch?count=1&ms=10", HTTP_AUTHORIZATION="Bearer guessed", **HOST)
    assert response.status_code == 403
    assert clean_redis.llen("celery") == 0


def test_refuses_everyone_when_no_token_is_configured(client, clean_redis, monkeypatch):
    monkeypatch.delenv("BATCH_API_TOKEN", raising=False)
    monkeypatch.delenv("BATCH_API_TOKEN_FILE", raising=False)
    response = client.post("/api/batch?count=1&ms=10", HTTP_AUTHORIZATION="Bearer ", **HOST)
    assert response.status_code == 403
    assert "no BATCH_API_TOKEN" in response.json()["error"]


def test_accepts_the_token_as_a_bearer_header(client, clean_redis, token_file):
    response = client.post("/api/batch?count=2&ms=10", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **HOST)
    assert response.status_code == 202
    assert clean_redis.llen("celery") == 2


def test_accepts_the_token_as_the_form_field_the_load_generator_posts(client, clean_redis, token_file):
    # fortio posts its payload file: count=5&ms=200&token=<token> (components/loadgen/fortio.ts).
    response = client.post(
        "/api/batch",
        data=f"count=1&ms=10&token={TOKEN}",
        content_type="application/x-www-form-urlencoded",
        **HOST,
    )
    assert response.status_code == 202
    assert clean_redis.llen("celery") == 1


def test_limits_calls_per_minute_across_callers(client, clean_redis, token_file, monkeypatch):
    monkeypatch.setattr(batch_guard, "CALLS_PER_MINUTE", 3)
    # A fresh window, whatever earlier tests counted.
    monkeypatch.setattr(batch_guard.time, "time", lambda: 1_000_040.0)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}", **HOST}
    statuses = [client.post("/api/batch?count=1&ms=10", **auth).status_code for _ in range(5)]
    assert statuses == [202, 202, 202, 429, 429]
    refused = client.post("/api/batch?count=1&ms=10", **auth)
    assert refused["Retry-After"] == "40"
    assert clean_redis.llen("celery") == 3
    # The next minute starts a new count.
    monkeypatch.setattr(batch_guard.time, "time", lambda: 1_000_100.0)
    assert client.post("/api/batch?count=1&ms=10", **auth).status_code == 202


def test_refuses_when_the_counter_cannot_be_kept(client, clean_redis, token_file, monkeypatch):
    monkeypatch.setattr(batch_guard.cache, "incr", lambda *a, **k: None)  # django-redis's answer when Redis is down
    response = client.post("/api/batch?count=1&ms=10", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **HOST)
    assert response.status_code == 503
    assert clean_redis.llen("celery") == 0


def test_other_methods_still_get_405(client, token_file):
    assert client.get("/api/batch", **HOST).status_code == 405
