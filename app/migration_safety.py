"""Which migrations the release still running during a rollout survives: the one set of rules
that tests/test_migration_safety.py enforces and scripts/migration-plan.py reports on a pull
request.

While a deploy rolls out, the previous release keeps serving against the schema the new
migration Job has just changed (docs/operations.md, "Migrations that survive a rollout"). Two
readings of a migration say whether that release survives it:

- django-migration-linter reads the migration's SQL (``linter``, ``lint_app``, ``lint_one``);
  the project counts its warnings as errors.
- ``rolling_verdict`` reads the migration's operations and says in plain words what breaks the
  old code, for a reviewer: a NOT NULL column without a database default (the old code's
  INSERTs do not name it), a dropped or renamed column or table (the old code still uses it), a
  column made NOT NULL; code (RunPython, RunSQL) needs a person to read it.

A migration that is unsafe on purpose (the contract step of an expand/contract change) carries
the reviewed marker, ``unsafe_reviewed = "<why it is safe now, and who reviewed it>"``: both
readings exempt exactly that migration.

This module is a development tool (the linter is in requirements-dev.txt only); it sits outside
the image, whose build context is an allowlist (app/.dockerignore).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

from django.contrib.postgres.operations import CreateExtension
from django.db import models
from django.db.migrations import Migration, operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django_migration_linter import MigrationLinter

REVIEWED_MARKER = "unsafe_reviewed"
# A reason short enough to be a placeholder ("ok", "safe") is not a review.
MIN_REASON_LENGTH = 20


def reviewed_reason(migration: Migration) -> str | None:
    """The migration's reviewed marker, or None; a marker without a real reason is refused."""
    if not hasattr(migration, REVIEWED_MARKER):
        return None
    reason = getattr(migration, REVIEWED_MARKER)
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(
            f"{migration.app_label}.{migration.name}: {REVIEWED_MARKER} = {reason!r}; expected the reason it is "
            f"safe now and who reviewed it (at least {MIN_REASON_LENGTH} characters)"
        )
    return reason


def reviewed_migrations(loader: MigrationLoader, app_label: str) -> dict[str, str]:
    """The app's migrations that carry the reviewed marker, with their reasons."""
    marked = {}
    for (label, name), migration in loader.disk_migrations.items():
        reason = reviewed_reason(migration) if label == app_label else None
        if reason is not None:
            marked[name] = reason
    return marked


def linter(loader: MigrationLoader, app_label: str, warnings_as_errors: bool = True) -> MigrationLinter:
    """The linter as the project configures it for one app: reviewed migrations exempt, and
    (for the test suite's verdict) warnings counted as errors."""
    return MigrationLinter(
        no_cache=True,
        include_apps=[app_label],
        ignore_name=reviewed_migrations(loader, app_label),
        all_warnings_as_errors=warnings_as_errors,
    )


def lint_app(loader: MigrationLoader, app_label: str) -> MigrationLinter:
    """Lints every migration of one app, printing the linter's report; see ``has_errors``."""
    checked = linter(loader, app_label)
    checked.lint_all_migrations(app_label=app_label)
    return checked


@dataclass
class LintResult:
    verdict: str  # "ok", "warning" or "error"
    messages: list[str]


def lint_one(loader: MigrationLoader, migration: Migration) -> LintResult:
    """The linter's own verdict on one migration (its warnings kept as warnings) and its
    messages. The linter has no API that returns the messages: they are the indented lines of
    its report, which it prints."""
    checked = linter(loader, migration.app_label, warnings_as_errors=False)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        checked.lint_migration(migration)
    messages = [line.strip() for line in printed.getvalue().splitlines() if line.startswith("\t")]
    if checked.nb_ignored:
        reason = reviewed_reason(migration)
        messages.append(f"ignored: {REVIEWED_MARKER}: {reason}" if reason else "ignored by the linter's settings")
    verdict = "error" if checked.nb_erroneous else "warning" if checked.nb_warnings else "ok"
    return LintResult(verdict, messages)


@dataclass
class Rolling:
    safe: bool
    reason: str


# Operations that change nothing the old code reads or writes: new tables, indexes (how they
# are built is the linter's concern), options and managers that live only in Python.
SAFE_OPERATIONS = (
    operations.CreateModel,
    operations.AddIndex,  # and AddIndexConcurrently, its subclass
    operations.RemoveIndex,
    operations.RenameIndex,
    operations.RemoveConstraint,
    operations.AlterModelOptions,
    operations.AlterModelManagers,
    CreateExtension,
)


def _field_risks(operation: Operation, app_label: str, state: ProjectState) -> list[str]:
    """Risks of the operations on one column, each "unsafe: ..." or "review needed: ..."."""
    where = f"{operation.model_name}.{getattr(operation, 'name', getattr(operation, 'old_name', ''))}"
    if isinstance(operation, operations.AddField):
        field = operation.field
        if field.many_to_many or field.null or field.db_default is not models.NOT_PROVIDED:
            return []
        return [
            f"unsafe: adds {where} NOT NULL without a database default: the old code's INSERTs do not set it "
            "and fail (add it nullable or with db_default=)"
        ]
    if isinstance(operation, operations.RemoveField):
        return [f"unsafe: drops {where}, which the old code reads and writes"]
    if isinstance(operation, operations.RenameField):
        return [f"unsafe: renames {where} to {operation.new_name}: the old code still uses the old name"]
    old = state.models[app_label, operation.model_name_lower].fields[operation.name]
    new = operation.field
    risks = []
    if old.null and not new.null:
        risks.append(f"unsafe: makes {where} NOT NULL: the old code's writes that leave it empty fail")
    if (old.db_column or operation.name) != (new.db_column or operation.name):
        risks.append(f"unsafe: renames the column of {where}: the old code still uses the old name")
    if type(old) is not type(new) or old.deconstruct()[3].get("max_length") != new.deconstruct()[3].get("max_length"):
        risks.append(f"review needed: changes the type of {where}: check the old code's values still fit")
    return risks


def operation_risks(operation: Operation, app_label: str, state: ProjectState) -> list[str]:
    """What one operation does to the old code, given the project state before it."""
    if isinstance(operation, SAFE_OPERATIONS):
        return []
    if isinstance(operation, operations.SeparateDatabaseAndState):
        return [risk for inner in operation.database_operations for risk in operation_risks(inner, app_label, state)]
    if isinstance(operation, operations.AddField | operations.RemoveField | operations.RenameField):
        return _field_risks(operation, app_label, state)
    if isinstance(operation, operations.AlterField):
        return _field_risks(operation, app_label, state)
    if isinstance(operation, operations.DeleteModel):
        return [f"unsafe: drops the table of {operation.name}, which the old code reads and writes"]
    if isinstance(operation, operations.RenameModel):
        return [
            f"unsafe: renames {operation.old_name} to {operation.new_name} and so its table: "
            "the old code still uses the old name"
        ]
    if isinstance(operation, operations.AlterModelTable):
        return [f"unsafe: moves {operation.name} to table {operation.table}: the old code still uses the old one"]
    if isinstance(operation, operations.RunPython | operations.RunSQL):
        return [f"review needed: {operation.describe()}: what it does to the data is not checked by these rules"]
    if isinstance(operation, operations.AddConstraint | operations.AlterUniqueTogether):
        return [f"review needed: {operation.describe()}: the old code's writes may violate it"]
    return [f"review needed: {operation.describe()} ({type(operation).__name__}) is not an operation these rules know"]


def rolling_verdict(loader: MigrationLoader, migration: Migration) -> Rolling:
    """Whether the old code survives this migration, and why not, in plain words."""
    state = loader.project_state((migration.app_label, migration.name), at_end=False)
    risks = []
    for operation in migration.operations:
        risks += operation_risks(operation, migration.app_label, state)
        state = state.clone()
        operation.state_forwards(migration.app_label, state)
    reviewed = reviewed_reason(migration)
    if reviewed is not None:
        return Rolling(True, f"reviewed ({REVIEWED_MARKER}): {reviewed}" + "".join(f"; {r}" for r in risks))
    if not risks:
        return Rolling(True, "changes nothing the old code reads or writes")
    # Unsafe findings first: they decide, the ones needing review come after.
    risks.sort(key=lambda risk: not risk.startswith("unsafe"))
    return Rolling(False, "; ".join(risks))
