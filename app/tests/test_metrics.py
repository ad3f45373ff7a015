"""The metrics and logs of the real roles, and the names the Pulumi program's alerts rely on.

One run (module fixture): gunicorn with three processes, a Celery worker with two pool
processes, beat and Flower, started with the pods' commands against this run's PostgreSQL and Redis.
It sends known traffic and tasks, scrapes each role's metrics port, and checks that the
figures add up across processes. Then it synthesizes the GCP stacks (`npm run synth`, offline)
and checks that every metric an alert policy or dashboard widget reads is one this run exported.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client import multiprocess
from prometheus_client.parser import text_string_to_metric_families

from .conftest import (
    APP_DIR,
    BIN_DIR,
    AppProcess,
    celery_worker_argv,
    collect_static,
    flower_argv,
    free_port,
    http_get,
    wait_for,
    wait_until_answering,
)

# The roles use the test database pytest-django creates for database tests.
pytestmark = pytest.mark.django_db(transaction=True)

INDEX_VISITS = 24
NOT_FOUND = 6
FAILING_TASKS = 3
RETRIED_TASKS = 2
WEB_PROCESSES = 3
APP_HOST = {"Host": "app.example.com"}
TRACE_ID = "105445aa7843bc8bf206b12000100000"
PROJECT = "obs-test-project"


def scrape(port: int) -> dict[str, list]:
    """{sample name: [(labels, value)]} from a metrics endpoint."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:  # noqa: S310
        text = response.read().decode()
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def total(samples: dict[str, list], metric: str, **labels) -> float:
    return sum(value for got, value in samples.get(metric, []) if all(got.get(k) == v for k, v in labels.items()))


class Run:
    """What the module's one run of the app produced."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.processes: dict[str, AppProcess] = {}
        self.ports: dict[str, int] = {}
        self.scrapes: dict[str, dict] = {}
        self.secrets: dict[str, str] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> AppProcess:
        self.processes[name] = AppProcess(name, argv, env, self.tmp)
        return self.processes[name]

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()


def role_env(base: dict[str, str], tmp: Path, role: str, port: int, multiprocess_dir: bool) -> dict[str, str]:
    env = {**base, "METRICS_PORT": str(port)}
    if multiprocess_dir:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp / f"{role}-metrics")
    return env


def wait_for_port(process: AppProcess, port: int, timeout: float = 40) -> None:
    def answers():
        if process.proc.poll() is not None:
            raise AssertionError(f"{process.name} exited:\n{process.log()[-3000:]}")
        try:
            scrape(port)
            return True
        except OSError:
            return False

    wait_for(answers, timeout, f"{process.name}'s metrics on port {port}")


@pytest.fixture(scope="module")
def run(tmp_path_factory, django_db_setup, django_db_blocker):
    from django.db import connection

    tmp = tmp_path_factory.mktemp("observed")
    with django_db_blocker.unblock():
        connection.ensure_connection()
        db = dict(connection.settings_dict)
    secrets = {
        "DJANGO_SECRET_KEY": "obs-secret-key-3f9d0c7a1b2e4d5f6a7b8c9d0e1f2a3b",
        "POSTGRES_PASSWORD": str(db["PASSWORD"]),
        "REDIS_URL": settings.REDIS_URL,
        "FLOWER_BASIC_AUTH": "admin:obs-flower-password-5c1e",
    }
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "POSTGRES_", "REDIS_", "CELERY_", "STATIC_", "PYTEST_", "PROMETHEUS_"))
    }
    base.update(
        {
            "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ALLOWED_HOSTS": "app.example.com",
            "DJANGO_HTTPS": "false",
            "DJANGO_STATIC_ROOT": str(tmp / "staticfiles"),
            "POSTGRES_HOST": str(db["HOST"]),
            "POSTGRES_PORT": str(db["PORT"]),
            "POSTGRES_DB": str(db["NAME"]),
            "POSTGRES_USER": str(db["USER"]),
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "CELERY_WORKER_HEARTBEAT_FILE": str(tmp / "worker-heartbeat"),
            "CELERY_BEAT_HEARTBEAT_FILE": str(tmp / "beat-heartbeat"),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp / "celerybeat-schedule"),
            # Beat sends nothing during the run, so the queue holds exactly what the test sent.
            "HEARTBEAT_SECONDS": "3600",
            "RECONCILE_SECONDS": "3600",
            **secrets,
        }
    )
    collect_static(base)
    result = Run(tmp)
    result.secrets = secrets
    ports = result.ports
    ports.update({"web": free_port(), "web-metrics": free_port(), "worker-metrics": free_port()})
    ports["beat-metrics"] = free_port()
    try:
        with django_db_blocker.unblock():
            _exercise(result, base)
        yield result
    finally:
        result.stop()


def _exercise(result: Run, base: dict[str, str]) -> None:
    tmp, ports = result.tmp, result.ports
    web = result.start(
        "web",
        [str(BIN_DIR / "gunicorn"), "config.wsgi:application"],
        {
            **role_env(base, tmp, "web", ports["web-metrics"], True),
            "PORT": str(ports["web"]),
            "WEB_CONCURRENCY": str(WEB_PROCESSES),
        },
    )
    beat = result.start(
        "beat",
        [str(BIN_DIR / "celery"), "-A", "config", "beat", "--loglevel=INFO"],
        role_env(base, tmp, "beat", ports["beat-metrics"], False),
    )
    flower_port = free_port()
    flower = result.start(
        "flower",
        flower_argv(flower_port),
        base,
    )
    wait_for_port(web, ports["web-metrics"])
    wait_for_port(beat, ports["beat-metrics"])
    wait_until_answering(flower, flower_port, "/healthcheck")
    wait_for(lambda: http_get(ports["web"], "/healthz")[0] == 200, 30, "web to answer /healthz")

    # Known traffic, concurrent so that several gunicorn processes take part.
    def visit(path: str) -> int:
        headers = {**APP_HOST, "X-Cloud-Trace-Context": f"{TRACE_ID}/1;o=1"}
        return http_get(ports["web"], path, headers)[0]

    started = time.time()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(visit, ["/"] * INDEX_VISITS + ["/no-such-page"] * NOT_FOUND))
    assert statuses.count(200) == INDEX_VISITS and statuses.count(404) == NOT_FOUND, statuses

    from config.celery import app

    for _ in range(FAILING_TASKS):
        app.send_task("demo.tasks.burn_cpu", args=["not a number of milliseconds"])
    for _ in range(RETRIED_TASKS):
        app.send_task("tests.metrics_tasks.flaky")
    time.sleep(1.5)
    result.scrapes["beat-before"] = scrape(ports["beat-metrics"])
    result.waited = time.time() - started

    worker = result.start(
        "worker",
        [*celery_worker_argv("observed", concurrency=2), "-I", "tests.metrics_tasks"],
        role_env(base, tmp, "worker", ports["worker-metrics"], True),
    )
    wait_for_port(worker, ports["worker-metrics"])
    expected = INDEX_VISITS + FAILING_TASKS + 2 * RETRIED_TASKS

    def all_done() -> bool:
        samples = scrape(ports["worker-metrics"])
        return total(samples, "celery_tasks_total") >= expected

    wait_for(all_done, 60, f"{expected} task outcomes on the worker's metrics")
    time.sleep(0.5)  # a late duplicate would show in the counts below
    result.scrapes["worker"] = scrape(ports["worker-metrics"])
    result.scrapes["web"] = scrape(ports["web-metrics"])
    result.scrapes["beat"] = scrape(ports["beat-metrics"])

    # Stop everything so the logs are complete (SIGTERM, as the kubelet does).
    for process in result.processes.values():
        process.proc.terminate()
    for process in result.processes.values():
        try:
            process.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.stop()


# --- metrics -------------------------------------------------------------------------------------


def test_web_requests_are_counted_once_across_gunicorn_processes(run):
    web = run.scrapes["web"]
    responses = "django_http_responses_total_by_status_view_method_total"
    assert total(web, responses, view="index", status="200", method="GET") == INDEX_VISITS
    assert total(web, responses, status="404") == NOT_FOUND
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert total(web, latency, view="index", method="GET") == INDEX_VISITS

    # The same figure per process, from each process' own file: several took part, and the
    # endpoint's value is their sum, not one worker's.
    per_process = {}
    for path in sorted(Path(run.tmp / "web-metrics").glob("counter_*.db")):
        merged = multiprocess.MultiProcessCollector.merge([str(path)], accumulate=True)
        per_process[path.name] = sum(
            sample.value
            for family in merged
            for sample in family.samples
            if sample.name == responses and sample.labels.get("view") == "index"
        )
    busy = {name: count for name, count in per_process.items() if count}
    print(f"\n[metrics] index responses per gunicorn process: {busy}")
    assert len(busy) >= 2, f"only one gunicorn process served the traffic: {per_process}"
    assert sum(busy.values()) == INDEX_VISITS


def test_database_and_cache_calls_are_counted_and_timed(run):
    web = run.scrapes["web"]
    assert total(web, "django_db_execute_total", vendor="postgresql") >= INDEX_VISITS
    assert total(web, "django_db_query_duration_seconds_count", vendor="postgresql") >= INDEX_VISITS
    assert total(web, "django_cache_get_total") == INDEX_VISITS, "one cache read per page"
    hits, misses = total(web, "django_cache_get_hits_total"), total(web, "django_cache_get_misses_total")
    assert hits + misses == INDEX_VISITS and misses >= 1
    assert total(web, "django_cache_operation_seconds_count", operation="get") == INDEX_VISITS


def test_queue_length_and_oldest_task_age_are_read_while_tasks_wait(run):
    before, after = run.scrapes["beat-before"], run.scrapes["beat"]
    waiting = INDEX_VISITS + FAILING_TASKS + RETRIED_TASKS
    assert total(before, "celery_queue_length", queue="celery") == waiting
    age = total(before, "celery_queue_oldest_task_age_seconds", queue="celery")
    assert 1.0 <= age <= run.waited + 1, f"oldest task age {age:.2f}s, the test waited {run.waited:.2f}s"
    assert total(after, "celery_queue_length", queue="celery") == 0
    assert total(after, "celery_queue_oldest_task_age_seconds", queue="celery") == 0
    heartbeat = total(after, "celery_beat_heartbeat_age_seconds")
    assert 0 <= heartbeat < 35, f"beat's heartbeat is {heartbeat:.1f}s old"


def test_task_outcomes_are_counted_by_name_across_pool_processes(run):
    worker = run.scrapes["worker"]
    tasks = "celery_tasks_total"
    assert total(worker, tasks, name="demo.tasks.digest_visit", state="succeeded") == INDEX_VISITS
    assert total(worker, tasks, name="demo.tasks.burn_cpu", state="failed") == FAILING_TASKS
    assert total(worker, tasks, name="tests.metrics_tasks.flaky", state="retried") == RETRIED_TASKS
    assert total(worker, tasks, name="tests.metrics_tasks.flaky", state="succeeded") == RETRIED_TASKS
    assert total(worker, "celery_worker_up") == 1
    files = list(Path(run.tmp / "worker-metrics").glob("counter_*.db"))
    assert files, "the pool processes wrote no counters"


# --- logs ----------------------------------------------------------------------------------------


def log_lines(run: Run, role: str) -> list[dict]:
    lines = [line for line in run.processes[role].log().splitlines() if line.strip()]
    assert lines, f"{role} logged nothing"
    parsed = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"{role} logged a line that is not JSON: {line[:300]}") from None
        assert isinstance(record, dict) and record.get("severity") and "message" in record, line[:300]
        parsed.append(record)
    return parsed


def test_every_role_logs_one_json_object_per_line(run):
    for role in ("web", "worker", "beat", "flower"):
        log_lines(run, role)
    gunicorn = [r for r in log_lines(run, "web") if r.get("logger") == "gunicorn.error"]
    assert any("Booting worker" in r["message"] for r in gunicorn), "gunicorn's own lines are JSON too"


def test_web_request_lines_carry_method_path_status_latency_and_trace(run):
    requests = [r for r in log_lines(run, "web") if "httpRequest" in r]
    index = [r for r in requests if r["httpRequest"]["requestUrl"] == "/"]
    assert len(index) == INDEX_VISITS
    line = index[0]
    assert line["httpRequest"]["requestMethod"] == "GET" and line["httpRequest"]["status"] == 200
    assert line["httpRequest"]["latency"].endswith("s") and float(line["httpRequest"]["latency"][:-1]) > 0
    assert line["logging.googleapis.com/trace"] == f"projects/{PROJECT}/traces/{TRACE_ID}"
    assert sum(r["httpRequest"]["status"] == 404 for r in requests) == NOT_FOUND


def test_worker_lines_carry_task_name_id_and_state(run):
    tasks = [r["celery"] for r in log_lines(run, "worker") if "celery" in r]
    succeeded = [t for t in tasks if t["task_name"] == "demo.tasks.digest_visit" and t["state"] == "SUCCESS"]
    assert len(succeeded) == INDEX_VISITS and all(t["task_id"] for t in succeeded)
    assert sum(t["state"] == "FAILURE" for t in tasks) == FAILING_TASKS
    assert sum(t["state"] == "RETRY" for t in tasks) == RETRIED_TASKS


def test_no_role_logs_a_secret_it_was_given(run):
    from urllib.parse import urlsplit

    for role, process in run.processes.items():
        text = process.log()
        for name, value in run.secrets.items():
            parts = {value}
            if "://" in value and urlsplit(value).password:
                parts.add(urlsplit(value).password)
            elif name == "FLOWER_BASIC_AUTH":
                parts.add(value.split(":", 1)[1])
            for part in parts:
                assert part not in text, f"{role} logged the value of {name}"


# --- agreement with the Pulumi program -----------------------------------------------------------

REPO = APP_DIR.parent
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool"}
PROMQL_KEYWORDS |= {"offset", "inf", "nan"}


def metric_names(query: str) -> set[str]:
    """The metric names a PromQL query reads: identifiers outside label matchers, ranges and
    grouping clauses that are neither functions nor keywords."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", text):
        name, call = match.groups()
        if not call and name.lower() not in PROMQL_KEYWORDS:
            names.add(name)
    return names


def gcp_stacks() -> list[str]:
    stacks = []
    for path in sorted(REPO.glob("Pulumi.*.yaml")):
        if re.search(r"^\s*django-k8s:platform:\s*gcp\s*$", path.read_text(), re.MULTILINE):
            stacks.append(path.name.split(".")[1])
    return stacks


@pytest.fixture(scope="module")
def synthesized_queries(tmp_path_factory) -> dict[str, list[str]]:
    """{stack: [PromQL]} from every alert policy and dashboard widget of the synthesized GCP stacks
    (`npm run synth`, offline under mocks, as the scanners and reviewers read it)."""
    queries = {}
    for stack in gcp_stacks():
        out = tmp_path_factory.mktemp(f"synth-{stack}")
        done = subprocess.run(
            ["npx", "--no-install", "tsx", "scripts/synth.ts", "--stack", stack, "--out", str(out)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"synth of {stack} failed:\n{done.stderr[-3000:]}"
        resources = json.loads((out / "resources.json").read_text())
        found = []
        for resource in resources:
            if resource["type"] == "gcp:monitoring/alertPolicy:AlertPolicy":
                for condition in resource["inputs"].get("conditions", []):
                    promql = condition.get("conditionPrometheusQueryLanguage")
                    if promql:
                        found.append(promql["query"])
            if resource["type"] == "gcp:monitoring/dashboard:Dashboard":
                found += re.findall(r'"prometheusQuery":\s*("(?:[^"\\]|\\.)*")', resource["inputs"]["dashboardJson"])
        queries[stack] = [json.loads(q) if q.startswith('"') else q for q in found]
    return queries


def missing_metrics(queries: list[str], exported: set[str]) -> dict[str, set[str]]:
    """{query: names it reads that the app did not export}."""
    return {query: metric_names(query) - exported for query in queries if metric_names(query) - exported}


def exported_names(run: Run) -> set[str]:
    return {name for samples in run.scrapes.values() for name in samples}


def test_every_metric_the_gcp_alerts_and_dashboard_read_is_one_the_app_exported(run, synthesized_queries):
    assert set(synthesized_queries) >= {"dev", "prod"}, synthesized_queries.keys()
    exported = exported_names(run)
    for stack, queries in synthesized_queries.items():
        used = set().union(*(metric_names(q) for q in queries))
        print(f"\n[agreement] {stack}: {len(queries)} PromQL queries read {len(used)} metrics: {sorted(used)}")
        assert len(queries) >= 15 and len(used) >= 8, f"{stack}: the monitoring resources are missing"
        assert missing_metrics(queries, exported) == {}, f"{stack}: metrics no role of the app exported"


def test_a_renamed_metric_fails_the_agreement(run, synthesized_queries):
    exported = exported_names(run)
    queries = synthesized_queries["prod"]
    # The app renames its queue metric: the alert on the backlog reads a name nothing exports.
    renamed = (exported - {"celery_queue_length"}) | {"celery_queue_size"}
    failing = missing_metrics(queries, renamed)
    assert failing and all(names == {"celery_queue_length"} for names in failing.values()), failing
    # The program renames a metric in a query: caught the same way.
    typo = [q.replace("celery_tasks_total", "celery_task_total") for q in queries]
    assert {"celery_task_total"} in missing_metrics(typo, exported).values()


def test_the_promql_reader_finds_metrics_not_functions_labels_or_keywords():
    query = (
        '100 * sum(rate(a_total{namespace="x",status=~"5.."}[5m])) / clamp_min(sum(rate(a_total[5m])), 0.001)'
        ' or max by (queue) (b_length) > 1e9 or absent(c_age{q="by"}) or vector(0)'
    )
    assert metric_names(query) == {"a_total", "b_length", "c_age"}
    assert metric_names("histogram_quantile(0.95, sum by (le) (rate(d_bucket[5m])))") == {"d_bucket"}
