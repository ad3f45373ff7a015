"""The part of scripts/migration-plan.py that runs inside the head ref's Django project.

Started by migration-plan.py with the head's app/ as working directory and the environment
pointing at the plan's own database, already migrated with the base ref's code:

    python scripts/migration_plan_django.py <request.json> <result.json>

The request names the head's app/ directory, the migration files the head adds (relative to
it) and the rules module (app/migration_safety.py of the checkout running the plan, loaded by
its path so the head's own files cannot shadow it). For each added migration, in the order the
head's migration graph applies them: its SQL (sqlmigrate, against the database in the state
just before it), the linter's verdict and the rollout verdict, then it is applied; afterwards
each applied migration is reversed, last first, until one is irreversible. The result is
written even when a step fails, with the failure in "error".
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType


def load_rules(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_plan_rules", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the migration rules from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def added_in_graph_order(loader, executor, app_dir: Path, added: list[str]) -> tuple[list, list[str]]:
    """The added migrations in the order `migrate` applies them on an empty database, and the
    added files no installed app loads (a test fixture app, say)."""
    by_file = {
        Path(sys.modules[migration.__module__].__file__).resolve(): key
        for key, migration in loader.disk_migrations.items()
    }
    wanted = {by_file[path]: None for path in (app_dir / name for name in added) if path.resolve() in by_file}
    unknown = [name for name in added if (app_dir / name).resolve() not in by_file]
    full_plan = executor.migration_plan(loader.graph.leaf_nodes(), clean_start=True)
    ordered = [migration for migration, _ in full_plan if (migration.app_label, migration.name) in wanted]
    return ordered, unknown


def describe(rules: ModuleType, loader, migration) -> dict:
    from django.core.management import call_command

    sql = call_command("sqlmigrate", migration.app_label, migration.name, stdout=io.StringIO())
    lint = rules.lint_one(loader, migration)
    rolling = rules.rolling_verdict(loader, migration)
    return {
        "app": migration.app_label,
        "name": migration.name,
        "sql": sql,
        "linter": {"verdict": lint.verdict, "messages": lint.messages},
        "rolling": {"safe": rolling.safe, "reason": rolling.reason},
        "applied": False,
        "reversed": None,
        "irreversible_reason": None,
    }


def apply(entry: dict) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    call_command("migrate", entry["app"], entry["name"], interactive=False, verbosity=0)
    entry["applied"] = (entry["app"], entry["name"]) in MigrationRecorder(connection).applied_migrations()


def reverse_all(entries: list[dict]) -> str | None:
    """Reverses the applied migrations, last first. One that cannot be reversed stops it: the
    ones before it stay applied, since unapplying them would need it unapplied first."""
    from django.db import connection
    from django.db.migrations.exceptions import IrreversibleError
    from django.db.migrations.executor import MigrationExecutor

    blocker = None
    for entry in reversed([entry for entry in entries if entry["applied"]]):
        key = (entry["app"], entry["name"])
        entry["reversed"] = False
        if blocker:
            entry["irreversible_reason"] = f"not reversed: {blocker}, applied after it, could not be reversed"
            continue
        executor = MigrationExecutor(connection)
        try:
            executor.migrate([key], plan=[(executor.loader.graph.nodes[key], True)])
        except IrreversibleError:
            # Django's message holds the operation's repr, a memory address that would change the
            # pull request's comment on every push.
            operation = next(op for op in executor.loader.graph.nodes[key].operations if not op.reversible)
            entry["irreversible_reason"] = f"{type(operation).__name__} ({operation.describe()}) has no reverse"
        except Exception as exc:
            entry["irreversible_reason"] = f"reversing it failed: {type(exc).__name__}: {exc}"
            return f"reversing {key[0]}.{key[1]} failed: {type(exc).__name__}: {exc}"
        else:
            entry["reversed"] = True
            continue
        blocker = f"{key[0]}.{key[1]}"
    return None


def plan(request: dict, result: dict) -> None:
    app_dir = Path(request["app_dir"]).resolve()
    sys.path[0] = str(app_dir)  # the head's project, in place of this script's folder
    rules = load_rules(request["rules"])
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    ordered, result["not_loaded"] = added_in_graph_order(executor.loader, executor, app_dir, request["added"])
    entries = result["migrations"]
    for migration in ordered:
        name = f"{migration.app_label}.{migration.name}"
        try:
            entries.append(describe(rules, executor.loader, migration))
        except Exception as exc:
            result["error"] = f"describing {name} failed: {type(exc).__name__}: {exc}"
            break
        try:
            apply(entries[-1])
        except Exception as exc:
            result["error"] = f"applying {name} failed: {type(exc).__name__}: {exc}"
            break
    result["error"] = reverse_all(entries) or result["error"]


def main() -> int:
    request = json.loads(Path(sys.argv[1]).read_text())
    result: dict = {"migrations": [], "error": None, "not_loaded": []}
    try:
        plan(request, result)
    except Exception as exc:
        result["error"] = f"the head ref's Django project failed: {type(exc).__name__}: {exc}"
    Path(sys.argv[2]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
