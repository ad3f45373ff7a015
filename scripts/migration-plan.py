#!/usr/bin/env python3
"""The migration plan of a pull request: the migrations the head adds, applied for real.

    .venv/bin/python scripts/migration-plan.py --base <ref> --head <ref> [--json <file>] [--markdown <file>]

1. The migrations the head adds: files under app/**/migrations/ added between the merge base
   of the two refs and the head.
2. A PostgreSQL database of its own (``migration_plan_<random>``) on the server the tests use
   (POSTGRES_HOST/POSTGRES_PORT, default 127.0.0.1:5432, as POSTGRES_USER or PGUSER, default
   postgres, with POSTGRES_PASSWORD or PGPASSWORD; the role needs CREATEDB), migrated with the
   base ref's code (a detached git worktree of the base, its app/ and its settings).
3. With the head's code (a worktree too; scripts/migration_plan_django.py runs inside it), in
   the order the head's migration graph applies them: each added migration's SQL (sqlmigrate),
   django-migration-linter's verdict, and the rollout verdict (can the old code run against
   the new schema?), from the rules in app/migration_safety.py; then it is applied. Afterwards
   the applied ones are reversed, last first, until one is irreversible.
4. The database and the worktrees are removed, also when a step fails or the run is stopped.

Writes the plan as JSON (to --json, or to stdout when neither output is given) and as Markdown
(--markdown). Exits 0 when the plan was made (whatever its verdicts), 1 when a step failed (the
JSON's "error" says which), 2 for a bad argument such as a ref that is not a commit.
The rules come from this checkout (app/migration_safety.py), the code under test from the refs;
both run with this Python, so the refs' requirements are assumed to match its packages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "app" / "migration_safety.py"
INSIDE_DJANGO = Path(__file__).resolve().parent / "migration_plan_django.py"
MIGRATIONS = ":(glob)app/**/migrations/*.py"
# The settings require REDIS_URL when DJANGO_DEBUG is off, but only read it at import: no
# migration talks to Redis. The discard port on loopback: should anything connect, it fails at
# once instead of reaching a real Redis.
HARMLESS_REDIS_URL = "redis://127.0.0.1:9/0"
STEP_TIMEOUT_SECONDS = 900


class PlanError(Exception):
    """A step of the plan failed; the message says which and why."""


class BadArgument(PlanError):
    pass


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise PlanError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def resolve(repo: Path, option: str, ref: str) -> str:
    """The commit a ref names, or a BadArgument naming the option and the ref."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
    except PlanError:
        raise BadArgument(f"{option} {ref!r} is not a commit in {repo}; expected a branch, tag or commit") from None


def added_migrations(repo: Path, base: str, head: str) -> list[str]:
    """Migration files the head adds since it left the base, relative to app/."""
    try:
        merge_base = git(repo, "merge-base", base, head).strip()
    except PlanError:
        raise BadArgument(f"--base {base} and --head {head} have no common ancestor in {repo}") from None
    names = git(
        repo, "diff", "--name-only", "--no-renames", "--diff-filter=A", "-z", merge_base, head, "--", MIGRATIONS
    )
    return sorted(
        str(Path(name).relative_to("app")) for name in names.split("\0") if name and Path(name).name != "__init__.py"
    )


def server() -> dict[str, str]:
    """Where and as whom to create the plan's database (the tests' conventions)."""
    return {
        "host": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "port": os.environ.get("POSTGRES_PORT", "5432"),
        "user": os.environ.get("POSTGRES_USER") or os.environ.get("PGUSER", "postgres"),
        "password": os.environ.get("POSTGRES_PASSWORD") or os.environ.get("PGPASSWORD", ""),
    }


@contextlib.contextmanager
def own_database(params: dict[str, str]) -> Iterator[str]:
    """A new, empty database, dropped afterwards: only this one, by the name made here."""
    name = f"migration_plan_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise PlanError(
            f"cannot create a database on PostgreSQL at {params['host']}:{params['port']} as {params['user']} "
            f"({exc}); bash scripts/ensure-services.sh starts a local one"
        ) from None
    print(f"migration-plan: created database {name}", file=sys.stderr)
    try:
        yield name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        print(f"migration-plan: dropped database {name}", file=sys.stderr)


@contextlib.contextmanager
def worktree(repo: Path, commit: str, path: Path) -> Iterator[Path]:
    """A detached checkout of one commit, removed afterwards."""
    git(repo, "worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield path
    finally:
        with contextlib.suppress(PlanError):
            git(repo, "worktree", "remove", "--force", str(path))
        shutil.rmtree(path, ignore_errors=True)
        git(repo, "worktree", "prune")


def django_env(params: dict[str, str], database: str, settings: str) -> dict[str, str]:
    """The app's environment pointed at the plan's database; nothing else of this shell's app
    settings (a developer's DJANGO_DEBUG or SENTRY_DSN) leaks in."""
    prefixes = ("DJANGO_", "POSTGRES_", "REDIS_", "CELERY_", "SENTRY_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "POSTGRES_HOST": params["host"],
            "POSTGRES_PORT": params["port"],
            "POSTGRES_USER": params["user"],
            "POSTGRES_PASSWORD": params["password"],
            "POSTGRES_DB": database,
            "REDIS_URL": HARMLESS_REDIS_URL,
        }
    )
    return env


def run_step(what: str, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    try:
        result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise PlanError(f"{what} did not finish within {STEP_TIMEOUT_SECONDS} s") from None
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise PlanError(f"{what} failed (exit {result.returncode}):\n{output}")


def plan_in_head(head_app: Path, added: list[str], env: dict[str, str], scratch: Path) -> dict:
    request, result = scratch / "request.json", scratch / "result.json"
    request.write_text(json.dumps({"app_dir": str(head_app), "added": added, "rules": str(RULES)}))
    run_step(
        "the plan in the head ref's code",
        [sys.executable, str(INSIDE_DJANGO), str(request), str(result)],
        head_app,
        env,
    )
    answer = json.loads(result.read_text())
    for name in answer.pop("not_loaded"):
        print(f"migration-plan: app/{name} is added but no installed app loads it; left out", file=sys.stderr)
    return answer


def make_plan(repo: Path, base: str, head: str, settings: str) -> dict:
    added = added_migrations(repo, base, head)
    if not added:
        return {"migrations": [], "error": None}
    params = server()
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="migration-plan-")))
        base_tree = stack.enter_context(worktree(repo, base, scratch / "base"))
        head_tree = stack.enter_context(worktree(repo, head, scratch / "head"))
        env = django_env(params, stack.enter_context(own_database(params)), settings)
        migrate = [sys.executable, "manage.py", "migrate", "--noinput"]
        run_step("migrating the new database with the base ref's code", migrate, base_tree / "app", env)
        return plan_in_head(head_tree / "app", added, env, scratch)


def rollout_word(entry: dict) -> str:
    if entry["rolling"]["safe"]:
        return "safe"
    return "review needed" if entry["rolling"]["reason"].startswith("review needed") else "unsafe"


def reversal_word(entry: dict) -> str:
    if entry["reversed"] is None:
        return "-"
    return "yes" if entry["reversed"] else "no"


def markdown(plan: dict) -> str:
    entries = plan["migrations"]
    lines = ["### Migration plan", ""]
    if plan["error"]:
        lines += [f"**The plan failed:** {plan['error']}", ""]
    if not entries:
        return (
            "\n".join([*lines, "No migration planned." if plan["error"] else "This pull request adds no migration."])
            + "\n"
        )
    lines += [
        f"{len(entries)} migration(s) added, in the order they are applied: applied to a database first migrated "
        "with the base's code, then reversed, last first. Rollout: can the old code still run on the new schema?",
        "",
        "| # | migration | rollout | linter | applied | reversed |",
        "|---|---|---|---|---|---|",
    ]
    for number, entry in enumerate(entries, 1):
        cells = [str(number), f"`{entry['app']}.{entry['name']}`", rollout_word(entry), entry["linter"]["verdict"]]
        cells += ["yes" if entry["applied"] else "no", reversal_word(entry)]
        lines.append(f"| {' | '.join(cells)} |")
    for entry in entries:
        lines += ["", f"<details><summary><code>{entry['app']}.{entry['name']}</code>: {rollout_word(entry)}</summary>"]
        lines += ["", f"- rollout: {entry['rolling']['reason']}"]
        lines += [f"- linter ({entry['linter']['verdict']}): {message}" for message in entry["linter"]["messages"]]
        if entry["irreversible_reason"]:
            lines.append(f"- not reversed: {entry['irreversible_reason']}")
        # A fence longer than any run of backticks in the SQL (a comment may hold one).
        fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`+", entry["sql"]))])
        lines += ["", f"{fence}sql", entry["sql"].rstrip(), fence, "", "</details>"]
    return "\n".join(lines) + "\n"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--base", required=True, help="the ref the pull request merges into")
    parser.add_argument("--head", required=True, help="the pull request's ref")
    parser.add_argument("--json", type=Path, help="write the plan as JSON here")
    parser.add_argument("--markdown", type=Path, help="write the plan as Markdown here")
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the git repository (default: the current one)")
    parser.add_argument("--settings", default="config.settings", help="the Django settings module under app/")
    return parser.parse_args(argv)


def stop_on_sigterm(signum: int, frame: object) -> None:
    """A stopped job (SIGTERM) unwinds like an error, so the database and worktrees go too."""
    raise SystemExit(f"migration-plan: stopped by signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    status = 0
    try:
        repo = Path(git(args.repo, "rev-parse", "--show-toplevel").strip())
        base, head = resolve(repo, "--base", args.base), resolve(repo, "--head", args.head)
        plan = make_plan(repo, base, head, args.settings)
    except PlanError as exc:
        status = 2 if isinstance(exc, BadArgument) else 1
        plan = {"migrations": [], "error": str(exc)}
    if plan["error"]:
        status = status or 1
        print(f"migration-plan: {plan['error']}", file=sys.stderr)
    text = json.dumps(plan, indent=2) + "\n"
    if args.json:
        args.json.write_text(text)
    if args.markdown:
        args.markdown.write_text(markdown(plan))
    if not args.json and not args.markdown:
        sys.stdout.write(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
