"""Liveness and readiness, in-process: any Host header, and 503 naming what is down."""

import pytest
import redis
from django.db import connections

from config import health

from .conftest import closed_port

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["10.4.0.17:8000", "evil.example.net", "app.example.com"])
def test_health_paths_answer_any_host(client, host):
    assert client.get("/healthz", HTTP_HOST=host).status_code == 200
    response = client.get("/readyz", HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_paths_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/", HTTP_HOST="app.example.com").status_code == 301
    assert client.get("/healthz", HTTP_HOST="10.0.0.1").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.1").status_code == 200


def test_readiness_is_503_naming_the_database_when_it_is_down(client):
    db = connections["default"]
    original_port = db.settings_dict["PORT"]
    db.close()
    db.settings_dict["PORT"] = closed_port()
    try:
        response = client.get("/readyz", HTTP_HOST="10.0.0.1")
        liveness = client.get("/healthz", HTTP_HOST="10.0.0.1")
    finally:
        db.close()
        db.settings_dict["PORT"] = original_port
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    assert liveness.status_code == 200, "liveness must not depend on the database"


def test_readiness_is_503_naming_redis_when_it_is_down(client, monkeypatch):
    unreachable = redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=1)
    monkeypatch.setattr(health, "_redis_client", unreachable)
    response = client.get("/readyz", HTTP_HOST="10.0.0.1")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "redis": "unavailable"}
    assert client.get("/healthz", HTTP_HOST="10.0.0.1").status_code == 200


def test_readiness_follows_redis_going_down_and_coming_back(client, redis_server):
    """This run's own redis-server is stopped and started again: readiness says so, and the
    pooled connection recovers without a restart of the app."""
    assert client.get("/readyz", HTTP_HOST="10.0.0.1").status_code == 200
    redis_server.stop()
    response = client.get("/readyz", HTTP_HOST="10.0.0.1")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "redis": "unavailable"}
    redis_server.start()
    response = client.get("/readyz", HTTP_HOST="10.0.0.1")
    assert response.status_code == 200, response.json()


def test_readiness_failures_name_the_dependency_and_nothing_internal(client, monkeypatch, caplog):
    """/readyz is reachable through the public load balancer: the body says which dependency is
    down, never the exception, host or port; those go to the log."""
    secret_port = closed_port()
    unreachable = redis.Redis(host="127.0.0.1", port=secret_port, socket_connect_timeout=1)
    monkeypatch.setattr(health, "_redis_client", unreachable)
    with caplog.at_level("WARNING", logger="config.health"):
        response = client.get("/readyz", HTTP_HOST="10.0.0.1")
    text = response.content.decode()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "redis": "unavailable"}
    for internal in (str(secret_port), "127.0.0.1", "Error", "refused"):
        assert internal not in text, f"{internal!r} leaked into the public body: {text}"
    assert f"127.0.0.1:{secret_port}" in caplog.text, "the details are in the log"


def test_readiness_is_503_while_draining(client, monkeypatch, tmp_path):
    from config import drain

    monkeypatch.setattr(drain, "DRAIN_FILE", str(tmp_path / "draining"))
    assert client.get("/readyz", HTTP_HOST="10.0.0.1").status_code == 200
    drain.start_draining()
    response = client.get("/readyz", HTTP_HOST="10.0.0.1")
    assert (response.status_code, response.json()) == (503, {"status": "draining"})
    assert client.get("/healthz", HTTP_HOST="10.0.0.1").status_code == 200, "draining is not dead"
