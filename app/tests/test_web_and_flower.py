"""The web and flower roles started with their production commands (gunicorn, celery flower)."""

import base64
import re
import signal

import pytest

from .conftest import APP_DIR, closed_port, flower_argv, free_port, http_get, start_web, wait_until_answering

pytestmark = pytest.mark.django_db(transaction=True)

APP_HOST = {"Host": "app.example.com", "X-Forwarded-Proto": "https"}


def start_flower(start, env, name="flower"):
    """The flower role's command on a free port, once it answers its health path."""
    port = free_port()
    flower = start(name, flower_argv(port), env)

    wait_until_answering(flower, port, "/healthcheck")
    return port


def test_web_serves_the_app_behind_tls_and_probes_on_any_host(start, collected_static, clean_redis):
    env = {**collected_static, "DJANGO_HTTPS": "true"}
    web, port = start_web(start, env)

    status, _, body = http_get(port, "/readyz", {"Host": "10.8.0.12:8000"})
    assert (status, body) == (200, '{"status": "ok"}')

    status, headers, _ = http_get(port, "/", {"Host": "app.example.com"})
    assert status == 301 and headers["Location"] == "https://app.example.com/", "plain HTTP goes to HTTPS"

    status, headers, body = http_get(port, "/", APP_HOST)
    assert status == 200
    assert "Strict-Transport-Security" in headers
    assert "primes below" in body

    stylesheet = body.split('rel="stylesheet" href="')[1].split('"')[0]
    assert stylesheet.startswith("/static/demo/style.") and stylesheet != "/static/demo/style.css", "hashed name"
    status, headers, css = http_get(port, stylesheet, APP_HOST)
    assert status == 200 and "font-family" in css
    assert "max-age=315360000" in headers["Cache-Control"], "hashed files are cached for a long time"
    assert "gthread" in web.log() or "Booting worker" in web.log()


def test_web_starts_and_stops_without_an_error_when_home_is_not_writable(start, collected_static, tmp_path):
    """The image's user has HOME=/nonexistent on a read-only root filesystem. Anything that
    writes under $HOME (gunicorn's control socket did) logs an ERROR on every start. HOME is a
    regular file here, so nothing can be created under it, not even by root."""
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    env = {key: value for key, value in collected_static.items() if key != "XDG_RUNTIME_DIR"}
    web, port = start_web(start, {**env, "HOME": str(home)}, "web-unwritable-home")
    assert http_get(port, "/readyz", {"Host": "10.0.0.1"})[0] == 200
    web.proc.send_signal(signal.SIGTERM)  # what the kubelet sends to the container's PID 1
    assert web.proc.wait(timeout=30) == 0
    log = web.log()
    assert "Shutting down: Master" in log
    errors = [line for line in log.splitlines() if re.search(r"\bERROR\b|Traceback", line)]
    assert not errors, "ERROR lines in the web role's log:\n" + "\n".join(errors)


def test_web_keeps_serving_pages_when_redis_is_down(start, collected_static):
    env = {**collected_static, "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0", "DJANGO_HTTPS": "false"}
    _, port = start_web(start, env, "web-without-redis")

    status, _, body = http_get(port, "/", {"Host": "app.example.com"})
    assert status == 200, "a cache and broker outage must not break the page"
    assert "The task queue is unavailable" in body
    assert "127.0.0.1" not in body and "Error" not in body, "the page shows no connection details"

    status, _, body = http_get(port, "/readyz", {"Host": "10.0.0.1"})
    assert (status, body) == (503, '{"status": "unavailable", "redis": "unavailable"}')
    assert http_get(port, "/healthz", {"Host": "10.0.0.1"})[0] == 200


def test_web_is_not_ready_but_alive_when_the_database_is_down(start, collected_static, clean_redis):
    env = {**collected_static, "POSTGRES_PORT": str(closed_port())}
    _, port = start_web(start, env, "web-without-db")
    status, _, body = http_get(port, "/readyz", {"Host": "10.0.0.1"})
    assert (status, body) == (503, '{"status": "unavailable", "database": "unavailable"}')


def test_flower_requires_basic_auth_and_has_an_open_health_path(start, app_env, clean_redis):
    port = start_flower(start, {**app_env, "FLOWER_BASIC_AUTH": "admin:s3cret-flower"})
    assert http_get(port, "/")[0] == 401
    wrong = base64.b64encode(b"admin:wrong").decode()
    assert http_get(port, "/", {"Authorization": f"Basic {wrong}"})[0] == 401
    right = base64.b64encode(b"admin:s3cret-flower").decode()
    status, _, body = http_get(port, "/", {"Authorization": f"Basic {right}"})
    assert status == 200 and "Flower" in body


def test_flower_takes_basic_auth_from_the_mounted_secret_file(start, app_env, clean_redis, tmp_path):
    """The pods mount the app Secret at APP_SECRETS_DIR; FLOWER_BASIC_AUTH is not in the environment."""
    (tmp_path / "FLOWER_BASIC_AUTH").write_text("admin:from-a-file\n")
    port = start_flower(start, {**app_env, "APP_SECRETS_DIR": str(tmp_path)}, "flower-file")
    assert http_get(port, "/")[0] == 401
    right = base64.b64encode(b"admin:from-a-file").decode()
    assert http_get(port, "/", {"Authorization": f"Basic {right}"})[0] == 200


REFUSAL = "refusing to start without basic auth"


@pytest.mark.parametrize(
    "secret_file, message",
    [
        (
            None,
            "flower: no basic-auth credentials: {dir}/FLOWER_BASIC_AUTH does not exist and FLOWER_BASIC_AUTH "
            f"is not user:password; {REFUSAL}",
        ),
        ("\n", f"flower: {{dir}}/FLOWER_BASIC_AUTH does not hold user:password; {REFUSAL}"),
        ("admin\n", f"flower: {{dir}}/FLOWER_BASIC_AUTH does not hold user:password; {REFUSAL}"),
    ],
    ids=["no file", "empty file", "no password"],
)
def test_flower_refuses_to_start_without_basic_auth(start, app_env, tmp_path, secret_file, message):
    """A renamed Secret key or a dropped projection must not serve Flower to anyone who reaches it."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    if secret_file is not None:
        (secrets / "FLOWER_BASIC_AUTH").write_text(secret_file)
    env = {**app_env, "APP_SECRETS_DIR": str(secrets)}
    env.pop("FLOWER_BASIC_AUTH", None)
    port = free_port()
    flower = start("flower-without-auth", flower_argv(port), env)
    assert flower.proc.wait(timeout=30) != 0
    assert flower.log().strip().splitlines()[-1] == message.format(dir=secrets)


def test_flower_refuses_to_start_when_its_config_file_is_missing(start, app_env, tmp_path):
    """Flower skips its default config file silently when it is missing, and so the basic-auth
    check in it: the command names the file, which makes a missing one an error (an image that
    moved or dropped flowerconfig.py must not serve Flower without a password)."""
    elsewhere = tmp_path / "no-flowerconfig-here"
    elsewhere.mkdir()
    env = {**app_env, "PYTHONPATH": str(APP_DIR)}
    env.pop("FLOWER_BASIC_AUTH", None)
    flower = start("flower-without-config", flower_argv(free_port()), env, elsewhere)
    assert flower.proc.wait(timeout=30) != 0
    assert "flowerconfig.py" in flower.log(), flower.log()[-2000:]
