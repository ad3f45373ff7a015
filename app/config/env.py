"""Reading settings from the environment, 12-factor style.

Every setting comes from an environment variable or from a file whose path is in
``<NAME>_FILE`` (how Kubernetes Secrets are mounted without putting the value in the
pod spec). A required setting that is missing stops start-up with a message that
names it, instead of a confusing failure on the first request.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def get(name: str, default: str | None = None) -> str | None:
    """The value of ``name``, from the variable itself or from ``<name>_FILE``."""
    value = os.environ.get(name)
    if value is not None:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path} cannot be read: {exc}") from exc
    return default


def required(name: str, why: str = "") -> str:
    value = get(name)
    if not value:
        hint = f" ({why})" if why else ""
        raise ImproperlyConfigured(f"Environment variable {name} is required{hint}; set it or {name}_FILE.")
    return value


def setting(name: str, dev_default: str, debug: bool, allow_empty: bool = False) -> str:
    """A connection setting: defaults to localhost values only while debugging.

    In production a missing one stops start-up instead of silently connecting to localhost,
    so a misspelt variable in a manifest is an error, not a half-working pod.
    """
    value = get(name)
    if value is None or (value == "" and not allow_empty):
        if debug:
            return dev_default
        raise ImproperlyConfigured(
            f"Environment variable {name} is required when DJANGO_DEBUG is off; set it or {name}_FILE."
        )
    return value


def boolean(name: str, default: bool) -> bool:
    raw = get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def integer(name: str, default: int, minimum: int | None = None) -> int:
    raw = get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def csv(name: str, default: str = "") -> list[str]:
    raw = get(name, default) or ""
    return [item.strip() for item in raw.split(",") if item.strip()]
