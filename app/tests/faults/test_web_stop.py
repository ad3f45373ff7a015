"""Fault: a web pod stopped under keep-alive load, replaying the pod's stop sequence.

Kubernetes removes the pod from the endpoints and runs the preStop hook at once; SIGTERM
comes when the hook returns. Clients keep their kept-alive connections to the old pod (only
new connections follow the endpoints), so the hook (config/drain.py) makes the server answer
each of them with "Connection: close" during its pause; the clients reconnect, to the other
pod. At SIGTERM only requests already running are left, and gunicorn lets them finish.
"""

import http.client
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from ..conftest import APP_DIR, free_port, report, start_web

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 6
PAUSE_SECONDS = 3  # the preStop pause, shortened (the pods use drain.DEFAULT_PAUSE_SECONDS)
SLOW_REQUESTS = 2
SLOW_APP = "tests.faults.slow_wsgi:application"
PAGE = {"Host": "app.example.com"}


class KeepAliveClients:
    """Client threads, each reusing one HTTP/1.1 connection until the server closes it. A new
    connection goes to `route["port"]`, as kube-proxy sends new connections to current endpoints."""

    def __init__(self, port: int):
        self.route = {"port": port}
        self.counts: Counter = Counter()
        self.failures: list[str] = []
        self.open_to: dict[int, int] = {}  # client -> port of its current connection
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(CLIENTS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _run(self, n: int) -> None:
        connection = None
        while not self.stop.is_set():
            if connection is None:
                port = self.route["port"]
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                with self.lock:
                    self.open_to[n] = port
                    self.counts[f"connections_to_{port}"] += 1
            try:
                connection.request("GET", "/", headers=PAGE)
                response = connection.getresponse()
                response.read()
                with self.lock:
                    self.counts["sent"] += 1
                    self.counts["ok" if response.status == 200 else "failed"] += 1
                    self.counts[f"answered_by_{port}"] += 1
                    if response.status != 200:
                        self.failures.append(f"HTTP {response.status} from {port}")
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.counts["sent"] += 1
                    self.counts["failed"] += 1
                    self.failures.append(f"{type(exc).__name__} on a connection to {port}: {exc}")
                connection.close()
                connection = None
            time.sleep(0.02)
        if connection is not None:
            connection.close()


def slow_request(port: int, milliseconds: int, results: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", f"/__slow?ms={milliseconds}", headers=PAGE)
        response = connection.getresponse()
        results.append((response.status, response.read().decode(), time.monotonic()))
    except (OSError, http.client.HTTPException) as exc:
        results.append((None, f"{type(exc).__name__}: {exc}", time.monotonic()))
    finally:
        connection.close()


def test_a_web_pod_stopped_under_keep_alive_load_drops_no_request(
    start, collected_static, clean_redis, tmp_path, capsys
):
    env = {**collected_static, "DJANGO_HTTPS": "false"}
    old_env = {**env, "WEB_DRAIN_FILE": str(tmp_path / "old-draining"), "METRICS_PORT": str(free_port())}
    new_env = {**env, "WEB_DRAIN_FILE": str(tmp_path / "new-draining"), "METRICS_PORT": str(free_port())}
    old, old_port = start_web(start, old_env, "web-old", app=SLOW_APP)
    _, new_port = start_web(start, new_env, "web-new", app=SLOW_APP)

    clients = KeepAliveClients(old_port)
    clients.start()
    time.sleep(2)  # every client on a kept-alive connection to the old pod

    # Requests that will still be running at SIGTERM (they outlast the preStop pause).
    slow_results: list = []
    slow_threads = [
        threading.Thread(target=slow_request, args=(old_port, (PAUSE_SECONDS + 2) * 1000, slow_results))
        for _ in range(SLOW_REQUESTS)
    ]
    for thread in slow_threads:
        thread.start()
    time.sleep(0.3)

    # The stop sequence: endpoint removal and the preStop hook together, then SIGTERM.
    clients.route["port"] = new_port
    prestop_command = [sys.executable, "config/drain.py", str(PAUSE_SECONDS)]  # the pod's: python /app/config/drain.py
    prestop = subprocess.run(prestop_command, cwd=APP_DIR, env=old_env, capture_output=True, text=True)
    assert prestop.returncode == 0, prestop.stderr
    with clients.lock:
        still_on_old = sum(1 for port in clients.open_to.values() if port == old_port)
        answered_by_old_at_sigterm = clients.counts[f"answered_by_{old_port}"]
    sigterm_at = time.monotonic()
    old.proc.terminate()  # the kubelet's SIGTERM to the container's PID 1

    time.sleep(2)  # the load goes on, all of it on the new pod
    clients.finish()
    for thread in slow_threads:
        thread.join(timeout=60)
    exit_code = old.proc.wait(timeout=60)
    stopped_after = time.monotonic() - sigterm_at

    counts = clients.counts
    slow_ok = sum(1 for status, body, _ in slow_results if status == 200 and body == "slow done")
    slow_after_sigterm = sum(1 for status, _, done_at in slow_results if status == 200 and done_at > sigterm_at)
    report(
        capsys,
        "web stop under keep-alive load",
        sent=counts["sent"],
        ok=counts["ok"],
        failed=counts["failed"],
        answered_by_old=counts[f"answered_by_{old_port}"],
        answered_by_new=counts[f"answered_by_{new_port}"],
        answered_by_old_after_sigterm=counts[f"answered_by_{old_port}"] - answered_by_old_at_sigterm,
        clients_on_old_at_sigterm=still_on_old,
        in_flight_at_sigterm=slow_after_sigterm,
        in_flight_completed=slow_ok,
        old_exit_code=exit_code,
        old_stopped_after_sigterm_s=stopped_after,
    )
    assert counts["failed"] == 0, "\n".join(clients.failures[:10])
    assert counts["sent"] > 50 and counts[f"answered_by_{new_port}"] > 0
    assert still_on_old == 0, "the drain moved every kept-alive client off the old pod before SIGTERM"
    assert slow_ok == SLOW_REQUESTS and slow_after_sigterm == SLOW_REQUESTS, slow_results
    assert exit_code == 0


def test_a_restarted_server_does_not_inherit_the_drain_marker(start, collected_static, tmp_path):
    """The preStop hook also runs before a liveness restart, and /tmp (an emptyDir) outlives the
    container: the new server must remove the marker, or it would close every connection."""
    marker = tmp_path / "draining"
    marker.write_text("left by the previous container\n")
    env = {**collected_static, "DJANGO_HTTPS": "false", "WEB_DRAIN_FILE": str(marker)}
    _, port = start_web(start, env, "web-restarted")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        assert not response.will_close, "the restarted server keeps connections alive"
    finally:
        connection.close()
    assert not marker.exists()


def test_the_prestop_command_rejects_a_bad_pause():
    result = subprocess.run([sys.executable, "config/drain.py", "soon"], cwd=APP_DIR, capture_output=True, text=True)
    assert result.returncode == 2
    assert "pause-seconds must be a number, got 'soon'" in result.stderr
