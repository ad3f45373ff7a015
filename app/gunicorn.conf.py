"""gunicorn settings for the web role (`gunicorn config.wsgi`), read from the working directory.

Sized from the container's CPU limit: one process per CPU, each with threads, because a
Django request spends much of its time waiting on PostgreSQL and Redis. WEB_CONCURRENCY
and GUNICORN_THREADS override the defaults (the Pulumi program sets them from the pod's limit).
"""

import os

from config import drain, env, logs, metrics
from config.cpu import whole_cpus

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Read before the app is loaded (preload_app): the web role gives up on Redis within 250 ms,
# because a publish happens inside a request (see REDIS_REQUEST_TIMEOUT in config/settings.py).
os.environ.setdefault("REDIS_TIMEOUT_MS", "250")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or whole_cpus() + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# Load the app once in the master: faster forks, shared memory pages, and a broken
# settings module fails the pod at start instead of in every worker.
preload_app = True
# Recycle workers now and then so a slow leak never grows unbounded; jitter avoids all at once.
max_requests = 2000
max_requests_jitter = 200
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
# On SIGTERM, requests already running get this long to finish: far more than the app's
# longest request (well under a second; gthread has no per-request limit). The pod's
# terminationGracePeriodSeconds covers the preStop pause (config/drain.py) plus this plus a margin.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 25)
# Longer than the load balancer's idle timeout would be ideal; 5 s keeps idle threads free.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or 5)
# The heartbeat files of the workers: in memory, never on the (read-only) root filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No control socket (gunicornc, gunicorn >= 25.1). Its default path is $HOME/.gunicorn/, and the
# image's user has HOME=/nonexistent on a read-only root filesystem, so gunicorn logged
# "Control server error" on every start. Nothing in a pod uses it: the kubelet stops and
# restarts the server and replicas scale it; a socket that can resize or stop the server
# from inside the pod would only be one more thing to secure.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# The load balancer's X-Forwarded-* headers are trusted; only it can reach the pod.
forwarded_allow_ips = "*"
# gunicorn's own lines as JSON (plain when debugging), like the app's (config/logs.py); the
# access lines come from the app's RequestLogMiddleware instead, with the trace and view timing.
logconfig_dict = logs.config(env.boolean("DJANGO_DEBUG", default=False))
# Metrics (config/metrics.py): every worker process writes its figures under
# PROMETHEUS_MULTIPROC_DIR, emptied here before the app is loaded; the master serves their sum.
metrics.prepare_multiprocess_dir()


def when_ready(server):
    metrics.serve(multiprocess_files=True)


def child_exit(server, worker):
    metrics.process_exited(worker.pid)


def on_starting(server):
    drain.stop_draining()


def pre_request(worker, req):
    # Draining (the preStop hook ran, config/drain.py): this response closes its connection,
    # so a keep-alive client reconnects, to a pod that is still in the endpoints.
    if drain.draining():
        req.force_close()
