"""scripts/migration-plan.py, the migration plan of a pull request, run for real: against a
temporary git repository of a minimal Django project (tests/migration_plan_project), on this
run's PostgreSQL role, as the pull-request workflow runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from .conftest import APP_DIR
from .private_services import this_run

SCRIPT = APP_DIR.parent / "scripts" / "migration-plan.py"
PROJECT = APP_DIR / "tests" / "migration_plan_project"
GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"]


def commit(repo: Path, tree: str, message: str) -> None:
    shutil.copytree(PROJECT / tree, repo, dirs_exist_ok=True)
    subprocess.run([*GIT, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(repo), "commit", "-q", "-m", message], check=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """main: the project with one migration; pr: adds three; broken: adds one that fails."""
    path = tmp_path_factory.mktemp("plan-repo")
    subprocess.run([*GIT, "init", "-q", str(path)], check=True)
    commit(path, "base", "the project")
    for branch in ("pr", "broken"):
        subprocess.run([*GIT, "-C", str(path), "checkout", "-q", "-b", branch, "main"], check=True)
        commit(path, "head" if branch == "pr" else branch, f"{branch}: migrations")
    subprocess.run([*GIT, "-C", str(path), "checkout", "-q", "main"], check=True)
    return path


def run_plan(repo: Path, tmp_path: Path, *refs: str) -> tuple[subprocess.CompletedProcess, dict, float]:
    """Runs the script as a developer would; returns its result, its JSON and its duration."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "POSTGRES_"))}
    env.update({key: value for key, value in this_run().env().items() if key.startswith("POSTGRES_")})
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            *refs,
            "--json",
            str(tmp_path / "plan.json"),
            "--markdown",
            str(tmp_path / "plan.md"),
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, json.loads((tmp_path / "plan.json").read_text()), time.monotonic() - started


def database_exists(name: str) -> bool:
    run = this_run().env()
    params = {key: run[f"POSTGRES_{key.upper()}"] for key in ("host", "port", "user", "password")}
    with psycopg.connect(dbname="postgres", **params) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def assert_cleaned_up(repo: Path, stderr: str) -> None:
    """The database the script created is gone, and so are its worktrees."""
    created = re.findall(r"created database (\S+)", stderr)
    assert len(created) == 1, stderr
    assert not database_exists(created[0])
    worktrees = subprocess.run(
        ["git", "-C", str(repo), "worktree", "list", "--porcelain"], capture_output=True, text=True
    )
    assert worktrees.stdout.count("worktree ") == 1, worktrees.stdout


def report_time(capsys, what: str, seconds: float) -> None:
    with capsys.disabled():
        print(f"\n[migration plan: {what}] {seconds:.1f} s")


def test_the_plan_orders_checks_applies_and_reverses_the_added_migrations(repo, tmp_path, capsys):
    result, plan, seconds = run_plan(repo, tmp_path, "--base", "main", "--head", "pr")
    report_time(capsys, "three migrations", seconds)
    assert result.returncode == 0, result.stderr
    assert plan["error"] is None
    entries = {entry["name"]: entry for entry in plan["migrations"]}
    # The graph's order, which is not the order of the file names.
    assert list(entries) == ["0002_nullable_note", "0002_seed", "0002_required_code"]
    assert all(entry["app"] == "shop" and entry["applied"] for entry in entries.values())

    required = entries["0002_required_code"]
    assert required["rolling"]["safe"] is False
    assert "NOT NULL without a database default" in required["rolling"]["reason"]
    assert required["linter"]["verdict"] in ("error", "warning")
    assert any("NOT NULL" in message for message in required["linter"]["messages"])
    assert "ADD COLUMN \"code\" varchar(8) DEFAULT 'none' NOT NULL" in required["sql"]
    assert (required["reversed"], required["irreversible_reason"]) == (True, None)

    nullable = entries["0002_nullable_note"]
    assert nullable["rolling"] == {"safe": True, "reason": "changes nothing the old code reads or writes"}
    assert nullable["linter"] == {"verdict": "ok", "messages": []}
    assert 'ADD COLUMN "note" text NULL' in nullable["sql"]
    # Applied before the irreversible seed, so it stays applied: reversing it would need the
    # seed reversed first.
    assert nullable["reversed"] is False
    assert nullable["irreversible_reason"] == "not reversed: shop.0002_seed, applied after it, could not be reversed"

    seed = entries["0002_seed"]
    assert seed["rolling"]["safe"] is False and seed["rolling"]["reason"].startswith("review needed: Raw Python")
    assert seed["reversed"] is False
    assert seed["irreversible_reason"] == "RunPython (Raw Python operation) has no reverse"

    markdown = (tmp_path / "plan.md").read_text()
    assert "| 3 | `shop.0002_required_code` | unsafe | " in markdown
    assert "| 1 | `shop.0002_nullable_note` | safe | ok | yes | no |" in markdown
    assert_cleaned_up(repo, result.stderr)


def test_a_migration_that_fails_is_named_and_everything_is_still_removed(repo, tmp_path, capsys):
    result, plan, seconds = run_plan(repo, tmp_path, "--base", "main", "--head", "broken")
    report_time(capsys, "a failing migration", seconds)
    assert result.returncode == 1
    assert plan["error"].startswith("applying shop.0002_broken failed: ProgrammingError"), plan["error"]
    assert "no_such_function" in plan["error"]
    assert [(entry["name"], entry["applied"], entry["reversed"]) for entry in plan["migrations"]] == [
        ("0002_broken", False, None)
    ]
    assert_cleaned_up(repo, result.stderr)


def test_no_added_migration_gives_an_empty_plan(repo, tmp_path):
    result, plan, _ = run_plan(repo, tmp_path, "--base", "pr", "--head", "main")
    assert (result.returncode, plan) == (0, {"migrations": [], "error": None}), result.stderr
    assert "created database" not in result.stderr
    assert "adds no migration" in (tmp_path / "plan.md").read_text()


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_a_bad_ref_is_named(repo, tmp_path, option):
    refs = {"--base": "main", "--head": "pr", option: "no-such-branch"}
    result, plan, _ = run_plan(repo, tmp_path, *[arg for pair in refs.items() for arg in pair])
    assert result.returncode == 2
    expected = f"{option} 'no-such-branch' is not a commit in {repo}; expected a branch, tag or commit"
    assert plan == {"migrations": [], "error": expected}
    assert expected in result.stderr
