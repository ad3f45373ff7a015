"""Optional error reporting to Sentry: on only when SENTRY_DSN (or the file SENTRY_DSN_FILE, as
the Pulumi program mounts it) is set. Without it sentry_sdk is never imported, so the app
behaves exactly as if the package were not installed.

release is the image's digest (SENTRY_RELEASE, set by the Pulumi program), environment the
stack's name (SENTRY_ENVIRONMENT).
"""

from __future__ import annotations

from . import env


def dsn() -> str | None:
    return env.get("SENTRY_DSN") or None


def init() -> bool:
    """Starts the SDK with the Django, Celery and Redis integrations; False when off."""
    value = dsn()
    if not value:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=value,
        release=env.get("SENTRY_RELEASE") or None,
        environment=env.get("SENTRY_ENVIRONMENT") or "production",
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        # No request bodies, cookies, user names or IP addresses leave the cluster.
        send_default_pii=False,
        traces_sample_rate=float(env.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
    )
    return True
