"""The locked requirements: every package pinned with hashes (so pip installs them in
hash-checking mode), the test set at exactly the runtime versions, and the locks current with
the .in files they are generated from (pip-compile; see requirements.in)."""

import re

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import APP_DIR


def locked(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """{package: (version, hashes)} of a pip-compile output; comments and `# via` lines dropped."""
    text = (APP_DIR / name).read_text().replace("\\\n", " ")
    entries = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spec, *options = line.split(" --hash=")
        requirement = Requirement(spec.strip())
        assert len(requirement.specifier) == 1 and str(requirement.specifier).startswith("=="), f"{name}: {line}"
        entries[canonicalize_name(requirement.name)] = (
            str(requirement.specifier)[2:],
            frozenset(option.strip() for option in options),
        )
    return entries


def direct(name: str) -> dict[str, str]:
    """{package: version} pinned in a .in file (constraint and include lines skipped)."""
    pins = {}
    for line in (APP_DIR / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            pins[canonicalize_name(requirement.name)] = str(requirement.specifier)[2:]
    return pins


def test_every_locked_package_is_pinned_with_sha256_hashes():
    for name in ("requirements.txt", "requirements-dev.txt"):
        entries = locked(name)
        assert len(entries) > 40, f"{name} looks truncated"
        for package, (_, hashes) in entries.items():
            assert hashes, f"{name}: {package} has no hash, so pip would not install in hash-checking mode"
            assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), f"{name}: {package}"


def test_the_test_set_installs_exactly_the_runtime_versions():
    runtime, dev = locked("requirements.txt"), locked("requirements-dev.txt")
    for package, (version, hashes) in runtime.items():
        assert package in dev, f"requirements-dev.txt lacks the runtime package {package}"
        assert dev[package] == (version, hashes), f"{package}: the test set differs from the runtime lock"


def test_the_locks_are_current_with_their_in_files():
    for source, lock in (("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")):
        entries = locked(lock)
        for package, version in direct(source).items():
            assert package in entries, f"{package} from {source} is missing in {lock}: re-run pip-compile"
            assert entries[package][0] == version, f"{package}: {source} pins {version}, {lock} {entries[package][0]}"
