"""Migrations that the release still running during a rollout survives.

While a deploy rolls out, the previous release keeps serving against the schema the new
migration Job has just changed. django-migration-linter reads each migration's SQL and flags
what breaks that release: dropping or renaming a column or table, a NOT NULL column without a
database default, and the like (docs/operations.md, "Migrations that survive a rollout"). Every migration of the
project's apps must pass, unless it carries the reviewed marker: a class attribute
``unsafe_reviewed = "<why it is safe now, and who reviewed it>"`` that exempts exactly that
migration. A deliberately unsafe fixture app (tests/unsafe_migrations) proves the linter catches
what it should and that the marker exempts only what it marks, and that the plain rollout
verdict the pull request's migration plan shows says why. The rules live in migration_safety.py,
shared with scripts/migration-plan.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings
from django_migration_linter import MigrationLinter

import migration_safety
from migration_safety import REVIEWED_MARKER

from .conftest import APP_DIR

# transaction=True: sqlmigrate must render a non-atomic migration (AddIndexConcurrently) outside
# the transaction a plain django_db test runs in.
pytestmark = pytest.mark.django_db(transaction=True)

FIXTURE_APP = "tests.unsafe_migrations"


def lint(app_label: str) -> MigrationLinter:
    """Lints every migration of one app as the project's rules say (migration_safety.py)."""
    return migration_safety.lint_app(MigrationLoader(connection), app_label)


def project_apps() -> list[str]:
    """The apps of this project (code under app/, not a library) that have migrations."""
    return sorted(
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(APP_DIR)
        and not Path(config.path).is_relative_to(APP_DIR / "tests")
        and (Path(config.path) / "migrations").is_dir()
    )


def test_the_project_has_apps_with_migrations_to_lint():
    assert "demo" in project_apps()


@pytest.mark.parametrize("app_label", project_apps())
def test_every_migration_is_safe_for_the_release_still_running(app_label, capsys):
    linter = lint(app_label)
    output = capsys.readouterr().out
    assert linter.nb_total > 0, f"no migration of {app_label} was linted"
    assert not linter.has_errors, (
        f"{app_label} has a migration the running release would not survive (docs/operations.md, "
        f"expand/contract; a reviewed exception carries {REVIEWED_MARKER}):\n{output}"
    )


@override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, FIXTURE_APP])
def test_the_linter_catches_the_unsafe_fixture_and_exempts_only_the_reviewed_one(capsys):
    linter = lint("unsafe_migrations")
    output = capsys.readouterr().out
    assert linter.has_errors
    assert (linter.nb_valid, linter.nb_erroneous, linter.nb_ignored) == (1, 1, 1), output
    assert "(unsafe_migrations, 0002_unsafe)... ERR" in output
    assert "DROPPING columns" in output and "NOT NULL" in output, output
    assert "(unsafe_migrations, 0003_reviewed)... IGNORE" in output


@override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, FIXTURE_APP])
def test_a_marker_without_a_reason_is_refused(monkeypatch):
    reviewed = MigrationLoader(connection).disk_migrations[("unsafe_migrations", "0003_reviewed")]
    monkeypatch.setattr(type(reviewed), REVIEWED_MARKER, "ok")
    with pytest.raises(
        ValueError, match=r"unsafe_migrations.0003_reviewed: unsafe_reviewed = 'ok'; expected the reason"
    ):
        lint("unsafe_migrations")


@override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, FIXTURE_APP])
def test_the_rollout_verdict_says_why_the_old_code_breaks():
    loader = MigrationLoader(connection)
    verdict = {
        name: migration_safety.rolling_verdict(loader, loader.disk_migrations[("unsafe_migrations", name)])
        for name in ("0001_initial", "0002_unsafe", "0003_reviewed")
    }
    assert verdict["0001_initial"] == migration_safety.Rolling(True, "changes nothing the old code reads or writes")
    assert not verdict["0002_unsafe"].safe
    assert "unsafe: drops order.note, which the old code reads" in verdict["0002_unsafe"].reason
    assert "unsafe: adds order.customer NOT NULL without a database default" in verdict["0002_unsafe"].reason
    assert verdict["0003_reviewed"].safe
    assert verdict["0003_reviewed"].reason.startswith("reviewed (unsafe_reviewed): contract step:")
