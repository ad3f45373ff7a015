"""Flower's configuration file (Flower loads ./flowerconfig.py by default).

The basic-auth credentials come from the mounted Secret file, so they are never in the
container's environment. FLOWER_BASIC_AUTH in the environment still works (Flower reads it
itself), e.g. when running Flower by hand.
"""

import os
from pathlib import Path

# Not FLOWER_-prefixed: Flower treats every FLOWER_* variable as one of its options.
_credentials = Path(os.environ.get("APP_SECRETS_DIR", "/run/secrets/django")) / "FLOWER_BASIC_AUTH"

if _credentials.is_file():
    basic_auth = [_credentials.read_text(encoding="utf-8").strip()]
