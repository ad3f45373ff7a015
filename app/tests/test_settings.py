"""Settings from the environment: production mode passes `check --deploy`, and a missing or
malformed setting stops start-up with a message naming it."""

import os
import subprocess
import sys

import pytest

from config import cpu
from config.storage import IMMUTABLE_CACHE_CONTROL

from .conftest import APP_DIR
from .private_services import this_run

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "Vq3yX0c9-7mT!hb2Lr5pZk8Qw1NfUe4sJd6GaYiO0xCvB_3nMtRlP7qWzEyHu",
    "DJANGO_ALLOWED_HOSTS": "app.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://app.example.com",
    # This run's own servers and names (nothing here connects, but nothing may point elsewhere).
    **this_run().env(),
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "POSTGRES_", "REDIS_", "STATIC_"))}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=APP_DIR, env={**clean, **env}, capture_output=True, text=True
    )


def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_catches_debug_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "DJANGO_DEBUG": "true"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is required"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG='maybe' is not a boolean"),
        ({"POSTGRES_PORT": "fivefourthreetwo"}, "POSTGRES_PORT='fivefourthreetwo' is not an integer"),
        ({"CELERY_TASK_TIME_LIMIT": "0"}, "CELERY_TASK_TIME_LIMIT=0 must be at least 1"),
        (
            {"CELERY_TASK_TIME_LIMIT": "600"},
            "CELERY_TASK_TIME_LIMIT=600 must be less than CELERY_VISIBILITY_TIMEOUT=600",
        ),
        (
            {"CELERY_TASK_TIME_LIMIT": "60", "CELERY_VISIBILITY_TIMEOUT": "30"},
            "CELERY_TASK_TIME_LIMIT=60 must be less than CELERY_VISIBILITY_TIMEOUT=30",
        ),
        ({"REDIS_CA_CERT": "/etc/ca.pem"}, "REDIS_CA_CERT is set but REDIS_URL is not a rediss:// URL"),
        ({"STATIC_BUCKET": "my-bucket"}, "STATIC_URL is required"),
        ({"POSTGRES_HOST": ""}, "POSTGRES_HOST is required when DJANGO_DEBUG is off"),
        ({"REDIS_URL": ""}, "REDIS_URL is required when DJANGO_DEBUG is off"),
        ({"DJANGO_SECRET_KEY": "", "DJANGO_SECRET_KEY_FILE": "/nonexistent/key"}, "DJANGO_SECRET_KEY_FILE"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(env, message):
    result = manage("check", env={**PRODUCTION_ENV, **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_secrets_can_come_from_mounted_files(tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text(PRODUCTION_ENV["DJANGO_SECRET_KEY"] + "\n")
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "", "DJANGO_SECRET_KEY_FILE": str(key_file)}
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr


def test_static_files_go_to_the_bucket_with_hashed_names_and_long_cache(tmp_path):
    """collectstatic with STATIC_BUCKET set uploads through django-storages' GCS backend.
    The Google client is replaced by a recorder; everything above it is the real code."""
    script = """
import json
from unittest import mock
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from storages.backends.gcloud import GoogleCloudStorage
from tests.fake_gcs import FakeBlob, FakeBucket

bucket = FakeBucket()
new_blob = lambda name, bucket, chunk_size=None: FakeBlob(bucket, name)
with mock.patch.object(GoogleCloudStorage, "bucket", bucket), mock.patch("storages.backends.gcloud.Blob", new_blob):
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.templatetags.static import static
    url = static("demo/style.css")
uploads = {n: {"cache_control": b.cache_control, "acl": b.predefined_acl} for n, b in bucket.objects.items()}
print(json.dumps({"uploads": uploads, "url": url}))
"""
    env = {**PRODUCTION_ENV, "STATIC_BUCKET": "static-bucket", "STATIC_URL": "https://cdn.example.com/static/"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "POSTGRES_", "REDIS_", "STATIC_"))}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=APP_DIR,
        capture_output=True,
        text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )
    assert result.returncode == 0, result.stderr
    import json

    report = json.loads(result.stdout.strip().splitlines()[-1])
    names = set(report["uploads"])
    assert "static/staticfiles.json" in names, "the manifest goes to the bucket too"
    hashed = [n for n in names if n.startswith("static/demo/style.") and n != "static/demo/style.css"]
    assert hashed, f"no hashed copy of style.css among {sorted(names)[:10]}"
    assert report["uploads"][hashed[0]]["cache_control"] == IMMUTABLE_CACHE_CONTROL
    assert report["uploads"][hashed[0]]["acl"] is None, "uniform bucket-level access: no per-object ACL"
    assert report["url"] == "https://cdn.example.com/static/" + hashed[0].removeprefix("static/")


@pytest.mark.parametrize("text, expected", [("200000 100000", 2.0), ("50000 100000", 0.5), ("max 100000", None)])
def test_cgroup_cpu_limit_parsing(text, expected):
    assert cpu.parse_cpu_max(text) == expected


def test_whole_cpus_rounds_a_fractional_limit_up(monkeypatch):
    monkeypatch.setattr(cpu, "cpu_limit", lambda: 0.5)
    assert cpu.whole_cpus() == 1
    monkeypatch.setattr(cpu, "cpu_limit", lambda: 2.5)
    assert cpu.whole_cpus() == 3
