"""Flower's configuration file (Flower loads ./flowerconfig.py by default).

The basic-auth credentials come from the mounted Secret file, so they are never in the
container's environment. FLOWER_BASIC_AUTH in the environment still works (Flower reads it
itself), e.g. when running Flower by hand.

Without either Flower refuses to start: it would otherwise serve every task's arguments and
results, and the buttons that revoke tasks and shut workers down, to whoever reaches it (a
renamed Secret key or a dropped projection must not open it; on minikube it is a NodePort).
"""

import os
from pathlib import Path

# Not FLOWER_-prefixed: Flower treats every FLOWER_* variable as one of its options.
_credentials = Path(os.environ.get("APP_SECRETS_DIR", "/run/secrets/django")) / "FLOWER_BASIC_AUTH"


def _user_and_password(value: str) -> bool:
    user, colon, password = value.partition(":")
    return bool(user and colon and password)


if _credentials.is_file():
    _value = _credentials.read_text(encoding="utf-8").strip()
    if not _user_and_password(_value):
        raise SystemExit(f"flower: {_credentials} does not hold user:password; refusing to start without basic auth")
    basic_auth = [_value]
elif not _user_and_password(os.environ.get("FLOWER_BASIC_AUTH", "")):
    raise SystemExit(
        f"flower: no basic-auth credentials: {_credentials} does not exist and FLOWER_BASIC_AUTH is not "
        "user:password; refusing to start without basic auth"
    )
