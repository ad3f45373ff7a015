"""Test settings: the production settings module, fed the contract's variables.

The connection variables point at this run's own Redis and PostgreSQL role (see
tests/private_services.py), started here because Django reads its settings once, at import.
"""

import os

from tests.private_services import this_run

os.environ.update(this_run().env())
TEST_ENV_DEFAULTS = {
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
