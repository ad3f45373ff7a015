"""The Celery application: `celery -A config worker|beat|flower`."""

import os

from celery import Celery, bootsteps
from celery.beat import PersistentScheduler

import heartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_INTERVAL_SECONDS = 10.0


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Touches heartbeat.WORKER_FILE from the worker's own timer, for the liveness probe.

    The timer runs in the worker's main process, so a stale file means the worker stopped
    serving its event loop, not merely that some thread is alive.
    """

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.entry = None

    def start(self, worker):
        heartbeat.touch(heartbeat.WORKER_FILE)
        self.entry = worker.timer.call_repeatedly(HEARTBEAT_INTERVAL_SECONDS, heartbeat.touch, (heartbeat.WORKER_FILE,))

    def stop(self, worker):
        if self.entry is not None:
            self.entry.cancel()


app.steps["worker"].add(WorkerHeartbeat)


class HeartbeatScheduler(PersistentScheduler):
    """Beat's scheduler, touching heartbeat.BEAT_FILE on every tick (at least every
    CELERY_BEAT_MAX_LOOP_INTERVAL seconds) for the liveness probe."""

    def tick(self, *args, **kwargs):
        heartbeat.touch(heartbeat.BEAT_FILE)
        return super().tick(*args, **kwargs)
