"""The app's side of the contract, by running it: which environment variables the app reads
while its settings load, the Celery app starts and gunicorn's config is evaluated (a name
counts as read when it or its <NAME>_FILE is looked up), and the values its probes and drain
use. Run from app/ with the app's Python; prints JSON. tests/unit/appContract.test.ts compares
it with the program's side (components/k8s/djangoApp/appContract.ts), the one table.

    cd app && ../.venv/bin/python ../tests/support/app_side.py '<JSON object of the environment>'
"""

import json
import os
import runpy
import sys

read: set[str] = set()


class RecordingEnviron(type(os.environ)):
    def __getitem__(self, key):
        read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        read.add(key)
        return super().__contains__(key)


os.environ.__class__ = RecordingEnviron
os.environ.update(json.loads(sys.argv[1]))
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()
import config.celery  # noqa: E402, F401
import heartbeat  # noqa: E402
from config import drain, health  # noqa: E402

gunicorn = runpy.run_path("gunicorn.conf.py")
from config import logs, metrics  # noqa: E402
from demo import batch_guard  # noqa: E402

# Names read only when a request or a log line comes: asked the way the app asks them.
logs._secret_values()
logs.RequestLogMiddleware(lambda request: None)

json.dump(
    {
        "read": sorted({name.removesuffix("_FILE") for name in read if isinstance(name, str)}),
        "livenessPath": health.LIVENESS_PATH,
        "readinessPath": health.READINESS_PATH,
        "workerHeartbeatFile": heartbeat.WORKER_FILE,
        "beatHeartbeatFile": heartbeat.BEAT_FILE,
        "drainPauseSeconds": drain.DEFAULT_PAUSE_SECONDS,
        "gracefulTimeoutSeconds": gunicorn["graceful_timeout"],
        "bind": gunicorn["bind"],
        "celeryMain": config.celery.app.main,
        "metricsPortName": metrics.METRICS_PORT_ENV,
        "batchTokenName": batch_guard.SETTING_NAME,
    },
    sys.stdout,
)
