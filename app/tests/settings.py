"""Test settings: the production settings module, fed the contract's variables.

Connection settings come from the same environment variables as in the pods, with
defaults for the PostgreSQL and Redis servers on this machine.
"""

import os

TEST_ENV_DEFAULTS = {
    "POSTGRES_HOST": "127.0.0.1",
    "POSTGRES_PORT": "5432",
    "POSTGRES_DB": "test",
    "POSTGRES_USER": "postgres",
    "POSTGRES_PASSWORD": "",
    # A database number of its own, flushed by the tests, so they never touch other data.
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "DJANGO_SECRET_KEY": "test-secret-key-that-is-long-enough-to-not-be-a-deploy-warning-123",
    "DJANGO_ALLOWED_HOSTS": "testserver,app.example.com",
    "DJANGO_HTTPS": "false",
}
for name, value in TEST_ENV_DEFAULTS.items():
    os.environ.setdefault(name, value)

from config.settings import *  # noqa: E402,F403

# Tests render templates without running collectstatic first (the image runs it at build time).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # no staticfiles/ directory is needed in tests
