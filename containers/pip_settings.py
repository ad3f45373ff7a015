"""The host's pip package-index settings, handed to the image build without baking them in.

Reads what pip on this machine would use (its config files and PIP_* variables, through
`pip config list`), keeps only the keys that say where packages come from and how to reach
it, and writes:

- ``<out>/pip.conf``: those keys, for ``podman build --secret id=pip.conf`` (the Dockerfile
  mounts it at /etc/pip.conf for the install step only);
- ``<out>/pip-ca.pem``: a copy of the CA bundle pip trusts, when one is configured, for
  ``--secret id=pip-ca.pem`` (pip.conf points ``cert`` at its mount path);
- on stdout, one ``--volume`` argument per line for the local directories the settings name
  (find-links directories, file:// indexes), mounted read-only at the same path during RUN.

Other keys (constraint, require-virtualenv, target, user ...) are left out on purpose: what
the image contains must follow from the Dockerfile and app/requirements.txt alone, not from
the builder's machine. Hand-written over pip's private configuration API, which may change.

Usage: python pip_settings.py <out-dir>
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

# Where packages come from and how to reach them.
INDEX_KEYS = (
    "index-url",
    "extra-index-url",
    "find-links",
    "no-index",
    "trusted-host",
    "proxy",
    "timeout",
    "default-timeout",
    "retries",
    "cert",
    "client-cert",
)
# pip's own precedence: [global] < [install] < PIP_* variables.
SECTION_RANK = {"global": 0, "install": 1, ":env:": 2}
CA_MOUNT = "/run/secrets/pip-ca.pem"


def effective_settings() -> dict[str, str]:
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], check=True, capture_output=True, text=True
    ).stdout
    best: dict[str, tuple[int, str]] = {}
    for line in listing.splitlines():
        name, _, raw = line.partition("=")
        section, _, key = name.rpartition(".")
        if key not in INDEX_KEYS or section not in SECTION_RANK:
            continue
        value = raw.strip().strip("'\"")
        rank = SECTION_RANK[section]
        if key not in best or rank >= best[key][0]:
            best[key] = (rank, value)
    if "default-timeout" in best:  # PIP_DEFAULT_TIMEOUT is pip's spelling of `timeout`
        best.setdefault("timeout", best.pop("default-timeout"))
    return {key: value for key, (_, value) in best.items()}


def local_directory(location: str) -> Path | None:
    """The host directory a find-links entry or index URL reads from, if it is local."""
    parsed = urlparse(location)
    if parsed.scheme not in ("", "file"):
        return None
    path = Path(unquote(parsed.path) if parsed.scheme else location)
    if not path.exists():
        return None
    path = path if path.is_dir() else path.parent
    # A PEP 503 tree (<root>/simple/<project>/index.html) links to files beside it (../../files).
    return path.parent if path.name == "simple" else path


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = effective_settings()
    ca = settings.pop("cert", "") or os.environ.get("PIP_CERT", "")
    if ca and Path(ca).is_file():
        shutil.copyfile(ca, out / "pip-ca.pem")
        settings["cert"] = CA_MOUNT
    else:
        (out / "pip-ca.pem").write_text("")  # the mount must exist; an empty file is ignored
    mounts: set[Path] = set()
    for key in ("index-url", "extra-index-url", "find-links"):
        for location in settings.get(key, "").split():
            directory = local_directory(location)
            if directory is not None:
                mounts.add(directory)
    lines = ["[global]"] + [f"{key} = {value}" for key, value in sorted(settings.items())]
    (out / "pip.conf").write_text("\n".join(lines) + "\n")
    for directory in sorted(mounts):
        print(f"--volume={directory}:{directory}:ro")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
