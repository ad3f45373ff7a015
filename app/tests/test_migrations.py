"""Migrations: the migrate role's command builds the schema in an empty database, and no
model change is missing a migration."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings

from .conftest import APP_DIR
from .private_services import this_run


@pytest.fixture
def empty_database():
    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}
    name = f"migrate_check_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name, params
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def role_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "POSTGRES_", "REDIS_"))}
    base = {
        **this_run().env(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "x" * 60,
        "POSTGRES_DB": "postgres",  # exists on every server; the run's role may connect to it
    }
    return {**env, **base, **overrides}


def test_migrate_role_builds_the_schema_in_an_empty_database(empty_database):
    name, params = empty_database
    env = role_env(
        POSTGRES_HOST=str(params["host"]),
        POSTGRES_PORT=str(params["port"]),
        POSTGRES_DB=name,
        POSTGRES_USER=str(params["user"]),
        POSTGRES_PASSWORD=str(params["password"]),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=APP_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Applying demo.0001_initial... OK" in result.stdout

    with psycopg.connect(dbname=name, **params) as conn:
        tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"demo_visit", "demo_heartbeat", "django_migrations", "auth_user"} <= tables

    again = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=APP_DIR, env=env, capture_output=True, text=True
    )
    assert again.returncode == 0 and "No migrations to apply." in again.stdout, "migrate is idempotent"


def test_no_model_change_lacks_a_migration():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=APP_DIR,
        env=role_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
