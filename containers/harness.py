"""Runs every app role from the minikube stack's rendered pod specs in the built image and
checks each does its job (see docs/containers.md). Called by scripts/test-containers.sh.

Every failure is printed as `FAIL <role>: <cause>`; the exit status is 1 when any check
failed. `--mutate CASE:ROLE` breaks one role's spec on purpose (the self-test).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import podspec
from podspec import Role, RunPlan, SpecError
from services import Services, free_port

ERROR_LINE = re.compile(r"\bERROR\b")
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Configured|Denied|Exit)\w*: ")
HASHED_STATIC = re.compile(r"""["'](/static/[^"']+\.[0-9a-f]{12}\.[A-Za-z0-9]+)["']""")
FAR_FUTURE_SECONDS = 365 * 24 * 3600
IDLE_WORKER_STOP_SECONDS = 10
BUSY_TASK_MS = 3000
# Paths a container must not be able to write unless its spec mounts something writable there.
WRITE_PROBES = ["/", "/app", "/app/staticfiles", "/opt/venv", "/etc", "/usr/local", "/var/tmp", "/root", "/run", "/srv"]
# The runtime's /dev/shm is writable in every Kubernetes pod too (gunicorn keeps its heartbeats there).
ALWAYS_WRITABLE = ["/dev/shm"]
WRITE_CHECK = (
    "import json,os,sys,tempfile\n"
    "ok=[]\n"
    "for p in sys.argv[1:]:\n"
    "    try:\n"
    "        fd,name=tempfile.mkstemp(dir=p); os.close(fd); os.unlink(name); ok.append(p)\n"
    "    except OSError: pass\n"
    "print(json.dumps(ok))\n"
)


def readable(line: str) -> list[str]:
    """A log line as text lines: a JSON log record (Cloud Logging's shape) gives its message and
    the lines of its exception, so the cause of a crash is found in either log format."""
    if not line.startswith("{"):
        return [line]
    try:
        record = json.loads(line)
    except ValueError:
        return [line]
    if not isinstance(record, dict):
        return [line]
    parts = [record.get(key) for key in ("message", "exc_info", "exception", "stack_trace")]
    return [text.strip() for part in parts if isinstance(part, str) for text in part.splitlines()]


class Fail(Exception):
    """A check failed; the message names the cause (the role is added where it is caught)."""


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise Fail(f"podman {args[0]} failed: {result.stderr.strip()[-400:]}")
    return result


@dataclass
class Running:
    role: Role
    label: str  # the row in the table: the role, or e.g. "worker (busy)"
    name: str
    plan: RunPlan
    started: float = 0.0
    ready_seconds: float | None = None
    budget_seconds: float | None = None
    peak_memory: int = 0
    stop_seconds: float | None = None
    cgroup: Path | None = None

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr

    def state(self) -> dict:
        out = podman("inspect", "--format", "{{json .State}}", self.name, check=False).stdout
        return json.loads(out) if out.strip() else {}

    def sample_memory(self) -> None:
        if self.cgroup is None:
            return
        for name in ("memory.max_usage_in_bytes", "memory.peak", "memory.current"):
            try:
                self.peak_memory = max(self.peak_memory, int((self.cgroup / name).read_text()))
                return
            except (OSError, ValueError):
                continue

    def cause(self) -> str:
        """The exception a crashed process logged last, else its last log line."""
        lines = [line for raw in self.logs().splitlines() for line in readable(raw.strip()) if line]
        for line in reversed(lines):
            if EXCEPTION_LINE.match(line):
                return line[:300]
        return lines[-1][:300] if lines else "no log output"

    def tail(self, lines: int = 15) -> str:
        return "\n".join("    | " + line for line in self.logs().strip().splitlines()[-lines:])


@dataclass
class Harness:
    objects: podspec.Objects
    roles: dict[str, Role]
    services: Services
    run_id: str
    work_dir: Path
    failures: list[str] = field(default_factory=list)
    rows: list[Running] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, role: str, cause: str, run: Running | None = None) -> None:
        message = f"FAIL {role}: {cause}"
        if run is not None:
            message += f"\n    last log lines of {run.name}:\n{run.tail()}"
        with self.lock:
            self.failures.append(message)
        print(message, flush=True)

    # --- containers ----------------------------------------------------------------------------
    def start(self, role: Role, label: str | None = None) -> Running:
        label = label or role.name
        name = f"dk8s-ct-{self.run_id}-{label.replace(' ', '-').replace('(', '').replace(')', '')}"
        values_of = lambda kind, ref: self.services.values_of(self.objects, kind, ref)  # noqa: E731
        env = podspec.container_env(role, self.objects, values_of)
        plan = podspec.plan_run(role, self.objects, values_of, env, self.work_dir / name, free_port)
        podspec.write_files(plan.files)
        run = Running(role, label, name, plan)
        args = ["run", "--detach", "--pull=never", "--name", name, "--hostname", name,
                "--label", f"django-k8s.container-test={self.run_id}",
                "--network", "slirp4netns:allow_host_loopback=true", *plan.args, *plan.command]  # fmt: skip
        run.started = time.monotonic()
        try:
            podman(*args)
        except Fail as exc:
            raise Fail(f"{label}: {exc}") from None
        cgroup = podman("inspect", "--format", "{{.State.CgroupPath}}", name, check=False).stdout.strip()
        for root in (Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")):
            if cgroup and (root / cgroup.lstrip("/")).is_dir():
                run.cgroup = root / cgroup.lstrip("/")
                break
        self.check_limits(run)
        with self.lock:
            self.rows.append(run)
        return run

    def check_limits(self, run: Running) -> None:
        applied = podman(
            "inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}", run.name
        ).stdout.split()
        memory, nano_cpus = int(applied[0]), int(applied[1])
        if run.plan.memory_limit is not None and memory != run.plan.memory_limit:
            self.fail(run.label, f"memory limit applied is {memory} bytes, the spec says {run.plan.memory_limit}")
        if run.plan.cpu_limit is not None and nano_cpus != round(run.plan.cpu_limit * 1e9):
            self.fail(run.label, f"CPU limit applied is {nano_cpus / 1e9:g}, the spec says {run.plan.cpu_limit:g}")

    # --- probes ----------------------------------------------------------------------------------
    def probe_once(self, run: Running, probe: dict) -> tuple[bool, str]:
        timeout = float(probe.get("timeoutSeconds", 1))
        if "httpGet" in probe:
            get = probe["httpGet"]
            port = run.plan.ports.get(podspec.port_of(run.role, get["port"]))
            if port is None:
                return False, f"probe port {get['port']} is not published by the container"
            headers = {h["name"]: h["value"] for h in get.get("httpHeaders") or []}
            try:
                status, _, _ = http_get(port, get.get("path", "/"), headers, timeout)
            except OSError as exc:
                return False, f"GET {get.get('path', '/')} on port {get['port']}: {exc}"
            return 200 <= status < 400, f"GET {get.get('path', '/')} on port {get['port']}: HTTP {status}"
        if "exec" in probe:
            command = probe["exec"]["command"]
            try:
                result = podman("exec", run.name, *command, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                return False, f"exec {' '.join(command)}: no answer within timeoutSeconds={timeout:g}"
            detail = (result.stdout + result.stderr).strip()
            return result.returncode == 0, f"exec {' '.join(command)}: exit {result.returncode} {detail}".strip()
        raise SpecError(f"{run.label}: probe type {sorted(probe)} is not supported here")

    def wait_ready(self, run: Running) -> bool:
        """Polls the startup, then the readiness probe (as the kubelet gates them) until both
        pass; the budget is what they allow: initialDelaySeconds + failureThreshold x periodSeconds."""
        probes = [
            (kind, run.role.container[kind])
            for kind in ("startupProbe", "readinessProbe")
            if kind in run.role.container
        ]
        if not probes and "livenessProbe" in run.role.container:
            probes = [("livenessProbe", run.role.container["livenessProbe"])]
        if not probes:
            self.fail(run.label, "the spec declares no probe, so readiness cannot be checked")
            return False
        budget = sum(
            p.get("initialDelaySeconds", 0) + p.get("failureThreshold", 3) * p.get("periodSeconds", 10)
            for _, p in probes
        )
        run.budget_seconds = budget
        deadline = run.started + budget + 5  # keep looking a little past the budget, to report how far over
        for kind, probe in probes:
            detail = ""
            while True:
                run.sample_memory()
                if not run.state().get("Running", False):
                    code = run.state().get("ExitCode")
                    self.fail(run.label, f"exited with code {code} before its {kind} passed: {run.cause()}", run)
                    return False
                ok, detail = self.probe_once(run, probe)
                if ok:
                    break
                if time.monotonic() > deadline:
                    self.fail(run.label, f"{kind} still failing after the {budget:g} s its probes allow: {detail}", run)
                    return False
                time.sleep(0.5)
        run.ready_seconds = time.monotonic() - run.started
        if run.ready_seconds > budget:
            self.fail(run.label, f"ready after {run.ready_seconds:.1f} s, over the {budget:g} s its probes allow")
        self.check_startup_log(run)
        return True

    def check_startup_log(self, run: Running) -> None:
        errors = [line for line in run.logs().splitlines() if ERROR_LINE.search(line)]
        if errors:
            more = "".join("\n    | " + e for e in errors[1:10])
            self.fail(run.label, f"ERROR in the startup log: {errors[0].strip()[:300]}{more}")

    def check_all_probes(self, run: Running) -> None:
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            if kind in run.role.container:
                ok, detail = self.probe_once(run, run.role.container[kind])
                if not ok:
                    self.fail(run.label, f"{kind} fails once ready: {detail}", run)

    def check_writes(self, run: Running) -> None:
        mounts = [m["mountPath"] for m in run.role.container.get("volumeMounts") or []]
        paths = sorted(set(WRITE_PROBES + mounts + ALWAYS_WRITABLE))
        result = podman("exec", run.name, "python", "-c", WRITE_CHECK, *paths, check=False)
        if result.returncode != 0:
            self.fail(run.label, f"write check could not run: {result.stderr.strip()[-300:]}")
            return
        wrote = set(json.loads(result.stdout))
        allowed = set(run.plan.writable + ALWAYS_WRITABLE)
        if wrote - allowed:
            self.fail(run.label, f"can write outside its writable volumes: {', '.join(sorted(wrote - allowed))}")
        if allowed - wrote:
            self.fail(run.label, f"cannot write its writable volume(s): {', '.join(sorted(allowed - wrote))}")

    def stop(self, run: Running, limit: float | None = None, why: str = "") -> None:
        """SIGTERM, as the kubelet sends it, then SIGKILL after terminationGracePeriodSeconds."""
        run.sample_memory()
        grace = run.role.grace_seconds
        started = time.monotonic()
        podman("stop", "--time", str(grace), run.name, timeout=grace + 30, check=False)
        run.stop_seconds = time.monotonic() - started
        code = run.state().get("ExitCode")
        if code != 0:
            self.fail(run.label, f"SIGTERM: exit code {code} (wanted 0) after {run.stop_seconds:.1f} s", run)
        if run.stop_seconds > grace:
            self.fail(run.label, f"SIGTERM: took {run.stop_seconds:.1f} s, over terminationGracePeriodSeconds={grace}")
        if limit is not None and run.stop_seconds > limit:
            self.fail(run.label, f"SIGTERM: {why} took {run.stop_seconds:.1f} s, over {limit:g} s")

    # --- the roles' jobs ----------------------------------------------------------------------
    def run_migrate(self) -> bool:
        role = self.roles["migrate"]
        run = self.start(role)
        deadline = float(self.objects.get("Job", role.workload, "migrate")["spec"].get("activeDeadlineSeconds", 600))
        run.budget_seconds = deadline
        while run.state().get("Running", False):
            run.sample_memory()
            if time.monotonic() - run.started > deadline:
                self.fail("migrate", f"still running after activeDeadlineSeconds={deadline:g}", run)
                return False
            time.sleep(0.2)
        run.ready_seconds = time.monotonic() - run.started
        code = run.state().get("ExitCode")
        if code != 0:
            self.fail("migrate", f"exited with code {code}: {run.cause()}", run)
            return False
        self.check_startup_log(run)
        return True

    def check_web(self, web: Running) -> None:
        port = web.plan.ports[podspec.port_of(web.role, web.role.container["ports"][0]["containerPort"])]
        try:
            status, _, body = http_get(port, "/", {"Host": "localhost"}, 10)
        except OSError as exc:
            self.fail("web", f"GET / failed: {exc}", web)
            return
        if status != 200:
            self.fail("web", f"GET / answered HTTP {status}", web)
            return
        static = HASHED_STATIC.search(body.decode(errors="replace"))
        if not static:
            self.fail("web", "GET / links no hashed static file (/static/<name>.<12 hex>.<ext>)")
        else:
            status, headers, _ = http_get(port, static.group(1), {"Host": "localhost"}, 5)
            max_age = re.search(r"max-age=(\d+)", headers.get("cache-control", ""))
            if status != 200:
                self.fail("web", f"GET {static.group(1)} answered HTTP {status}")
            elif not max_age or int(max_age.group(1)) < FAR_FUTURE_SECONDS:
                self.fail(
                    "web",
                    f"{static.group(1)} is not cached far into the future: "
                    f"Cache-Control={headers.get('cache-control')!r}",
                )

    def check_task_through_web(self) -> None:
        """GET / enqueued digest_visit; the worker must have written the digest to PostgreSQL."""
        deadline = time.monotonic() + 60
        rows = []
        while time.monotonic() < deadline:
            rows = self.services.query("SELECT id, digest, processed_by FROM demo_visit ORDER BY id")
            if rows and all(digest for _, digest, _ in rows):
                print(f"  worker: visit {rows[-1][0]} digested by {rows[-1][2]} (read from PostgreSQL)")
                return
            time.sleep(0.5)
        self.fail("worker", f"the task web enqueued was not executed within 60 s (visits in PostgreSQL: {rows})")

    def check_flower(self, flower: Running) -> None:
        port = flower.plan.ports[podspec.port_of(flower.role, flower.role.container["ports"][0]["containerPort"])]
        creds = self.services.values_of(self.objects, "Secret", self.secret_with("FLOWER_BASIC_AUTH", flower.role))
        status, _, _ = http_get(port, "/", {}, 5)
        if status != 401:
            self.fail("flower", f"GET / without credentials answered HTTP {status}, wanted 401")
        token = base64.b64encode(creds["FLOWER_BASIC_AUTH"].encode()).decode()
        status, _, _ = http_get(port, "/", {"Authorization": f"Basic {token}"}, 5)
        if status != 200:
            self.fail("flower", f"GET / with the rendered credentials answered HTTP {status}, wanted 200")

    def secret_with(self, key: str, role: Role) -> str:
        for volume in role.pod.get("volumes") or []:
            ref = (volume.get("secret") or {}).get("secretName")
            if ref and key in podspec.resolve_values(self.objects.get("Secret", ref, role.name)):
                return ref
        raise Fail(f"no Secret volume of the pod carries {key}")

    def check_beat(self, beat: Running) -> None:
        interval_code = (
            "import django; django.setup(); from django.conf import settings; "
            "print(min(float(getattr(e['schedule'], 'total_seconds', lambda: e['schedule'])()) "
            "for e in settings.CELERY_BEAT_SCHEDULE.values()))"
        )
        result = podman("exec", beat.name, "python", "-c", interval_code, check=False)
        if result.returncode != 0:
            self.fail("beat", f"cannot read the beat schedule in the container: {result.stderr.strip()[-300:]}")
            return
        interval = float(result.stdout.strip().splitlines()[-1])
        # The first run is due one interval after beat's scheduler started (it was ready then);
        # the slack covers the worker picking the task up and running it.
        ticking = beat.started + (beat.ready_seconds or 0)
        deadline = ticking + interval + 15
        while time.monotonic() < deadline:
            rows = self.services.query("SELECT runs, worker FROM demo_heartbeat WHERE name = 'beat'")
            if rows:
                waited = time.monotonic() - ticking
                print(
                    f"  beat: heartbeat ran {waited:.0f} s after beat was ready "
                    f"(interval {interval:g} s), by {rows[0][1]}"
                )
                return
            time.sleep(1)
        self.fail(
            "beat", f"no heartbeat row in PostgreSQL within its {interval:g} s interval (+15 s) of being ready", beat
        )

    def busy_worker(self, web: Running) -> None:
        """A worker stopped while running a task finishes it or hands it back: nothing is lost."""
        worker = self.start(self.roles["worker"], "worker (busy)")
        if not self.wait_ready(worker):
            return
        port = web.plan.ports[podspec.port_of(web.role, web.role.container["ports"][0]["containerPort"])]
        # The batch endpoint admits the token's holders only (app/demo/batch_guard.py): web's own Secret has it.
        token = self.services.values_of(self.objects, "Secret", self.secret_with("BATCH_API_TOKEN", web.role))
        auth = {"Authorization": f"Bearer {token['BATCH_API_TOKEN']}"}
        status, _, body = http_post(port, f"/api/batch?count=1&ms={BUSY_TASK_MS}", 10, auth)
        if status != 202:
            self.fail("web", f"POST /api/batch answered HTTP {status}: {body[:200]!r}")
            return
        task_id = json.loads(body)["ids"][0]
        state = self.task_state(port, task_id, {"STARTED", "SUCCESS"}, 30)
        if state != "STARTED":
            self.fail("worker (busy)", f"the task never started running (state {state}); cannot test a busy stop")
            return
        self.stop(worker)
        state = self.task_state(port, task_id, {"SUCCESS"}, 2)
        if state == "SUCCESS":
            print(f"  worker (busy): finished its running task before exiting ({worker.stop_seconds:.1f} s)")
            return
        again = self.start(self.roles["worker"], "worker (after)")
        if self.wait_ready(again):
            state = self.task_state(port, task_id, {"SUCCESS"}, 60)
            self.stop(again)
        if state != "SUCCESS":
            self.fail("worker (busy)", f"the task it was running at SIGTERM was lost (state {state})")
        else:
            print("  worker (busy): handed its task back; the next worker ran it")

    def task_state(self, port: int, task_id: str, wanted: set[str], seconds: float) -> str:
        deadline, state = time.monotonic() + seconds, "?"
        while time.monotonic() < deadline:
            status, _, body = http_get(port, f"/api/tasks/{task_id}", {}, 5)
            state = json.loads(body).get("state", "?") if status == 200 else f"HTTP {status}"
            if state in wanted:
                return state
            time.sleep(0.3)
        return state

    # --- the whole run ----------------------------------------------------------------------------
    def run(self, selected: list[str]) -> None:
        if "migrate" in selected and not self.run_migrate():
            return
        long_running = [r for r in ("web", "worker", "beat", "flower") if r in selected]
        runs = {name: self.start(self.roles[name]) for name in long_running}
        with ThreadPoolExecutor(len(runs) or 1) as pool:
            ready = dict(zip(runs, pool.map(self.wait_ready, runs.values()), strict=True))
        for name, run in runs.items():
            if ready[name]:
                self.check_all_probes(run)
                self.check_writes(run)
        web, worker, beat, flower = (runs.get(r) if ready.get(r) else None for r in ("web", "worker", "beat", "flower"))
        if web:
            self.check_web(web)
        if web and worker:
            self.check_task_through_web()
        if flower:
            self.check_flower(flower)
        if beat and worker:
            self.check_beat(beat)
        # Stops: beat and Flower plainly; the worker while idle (it must not wait out its soft
        # shutdown); then a busy worker; web last, because the busy-worker test enqueues through it.
        with ThreadPoolExecutor(3) as pool:
            for name in ("beat", "flower", "worker"):
                run = runs.get(name)
                if run and run.state().get("Running"):
                    limit = IDLE_WORKER_STOP_SECONDS if name == "worker" else None
                    pool.submit(self.stop, run, limit, "stopping an idle worker")
        if web and worker and "busy" not in self.skip:
            self.busy_worker(web)
        if web:
            self.stop(web)

    skip: tuple[str, ...] = ()

    def table(self, build: dict) -> str:
        mib = 1024 * 1024
        lines = [
            f"image {build.get('image', '?')}: {build.get('size_mb', '?')} MB; base: {build.get('base', '?')}; "
            f"build cold {build.get('cold_s', '?')} s, cached {build.get('cached_s', '?')} s",
            f"{'role':<16}{'ready (s)':>10}{'budget (s)':>11}{'memory (MiB)':>14}{'limit (MiB)':>12}"
            f"{'stop (s)':>10}{'grace (s)':>10}",
        ]
        for run in self.rows:

            def fmt(value, spec="{:.1f}"):
                return "-" if value is None else spec.format(value)

            lines.append(
                f"{run.label:<16}{fmt(run.ready_seconds):>10}{fmt(run.budget_seconds, '{:g}'):>11}"
                f"{fmt(run.peak_memory / mib if run.peak_memory else None):>14}"
                f"{fmt(run.plan.memory_limit / mib if run.plan.memory_limit else None, '{:g}'):>12}"
                f"{fmt(run.stop_seconds):>10}{(str(run.role.grace_seconds) if run.role.kind != 'Job' else '-'):>10}"
            )
        return "\n".join(lines)

    def check_memory(self) -> None:
        for run in self.rows:
            if run.plan.memory_limit and run.peak_memory >= run.plan.memory_limit:
                self.fail(run.label, f"memory peaked at {run.peak_memory} bytes, at its limit {run.plan.memory_limit}")

    def cleanup(self) -> None:
        for run in self.rows:
            podman("rm", "--force", "--time", "0", run.name, check=False)


def http_get(port: int, path: str, headers: dict, timeout: float) -> tuple[int, dict, bytes]:
    return _http("GET", port, path, headers, timeout)


def http_post(port: int, path: str, timeout: float, headers: dict | None = None) -> tuple[int, dict, bytes]:
    return _http("POST", port, path, {"Content-Length": "0", **(headers or {})}, timeout)


def _http(method: str, port: int, path: str, headers: dict, timeout: float) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", required=True, help="the rendered manifests as JSON (manifests-to-json.mjs)")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--work-dir", required=True, type=Path)
    parser.add_argument("--roles", default=",".join(podspec.ROLE_ORDER))
    parser.add_argument("--mutate", help=f"CASE:ROLE, CASE one of {', '.join(podspec.MUTATIONS)}")
    parser.add_argument("--skip", default="", help="comma-separated: busy (the busy-worker stop)")
    parser.add_argument("--build", default="{}", help="JSON with image, size_mb, base, cold_s, cached_s for the table")
    options = parser.parse_args()

    objects = podspec.load_objects(options.objects)
    try:
        roles = podspec.app_roles(objects)
        selected = [r for r in options.roles.split(",") if r]
        unknown = [r for r in selected if r not in roles]
        if unknown:
            raise SpecError(f"--roles: unknown role(s) {', '.join(unknown)}; the stack has {', '.join(roles)}")
        if options.mutate:
            case, _, role = options.mutate.partition(":")
            print(f"deliberately broken spec: {podspec.mutate(roles, case, role)}")
    except SpecError as exc:
        print(f"FAIL {exc}")
        return 1
    # A TERM (the CI runner cancelling) unwinds through the finally below: containers, redis-server
    # and database are removed as on any other failure.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    services = Services(options.run_id, options.work_dir)
    harness = Harness(objects, roles, services, options.run_id, options.work_dir)
    harness.skip = tuple(s for s in options.skip.split(",") if s)
    try:
        services.start()
        print(
            f"this run's PostgreSQL database {services.db} on 127.0.0.1:5432 and redis-server on 127.0.0.1:"
            f"{services.redis_port}; the containers reach both through slirp4netns' host loopback"
        )
        harness.run(selected)
        harness.check_memory()
    except (Fail, SpecError) as exc:
        # Messages start with the role they concern ("web: ..."); anything else is the harness's own.
        role, _, cause = str(exc).partition(": ")
        known = role in roles or role.split(" ")[0] in roles
        harness.fail(role if known else "harness", cause if known else str(exc))
    finally:
        if services.generated:
            print("generated for secrets the stack renders as [secret]: " + ", ".join(services.generated))
        harness.cleanup()
        services.stop()
    print(harness.table(json.loads(options.build)))
    if harness.failures:
        print(f"{len(harness.failures)} check(s) failed:")
        for failure in harness.failures:
            print("  " + failure.splitlines()[0])
        return 1
    print("container test: every role passed every check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
