"""The Celery application: `celery -A config worker|beat|flower`."""

import os
from datetime import UTC, datetime

from celery import Celery, bootsteps
from celery.backends.redis import RedisBackend
from celery.contrib.django.task import DjangoTask
from django.conf import settings

import heartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class BoundedTask(DjangoTask):
    """Refuses a countdown/ETA long enough for Redis to redeliver the held task to a second
    worker (see config/timing.py): countdown + time limit must stay below the visibility timeout.
    A DjangoTask, as Celery's Django fixup would make it (``delay_on_commit``)."""

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, link=None, link_error=None, **options):
        limit = settings.TASK_MAX_COUNTDOWN
        countdown = options.get("countdown")
        eta = options.get("eta")
        if eta is not None:
            countdown = (eta - datetime.now(UTC if eta.tzinfo else None)).total_seconds()
        if countdown is not None and countdown > limit:
            raise ValueError(
                f"{self.name}: a countdown/ETA of {countdown:.0f}s exceeds CELERY_VISIBILITY_TIMEOUT minus "
                f"CELERY_TASK_TIME_LIMIT ({limit}s); Redis would hand the waiting task to a second worker."
            )
        return super().apply_async(args, kwargs, task_id, producer, link, link_error, **options)


class ResultBackend(RedisBackend):
    """The Redis result backend without its subscription at publish time.

    Celery subscribes to a task's result channel as it sends the task, in case the sender
    waits for the result, and retries that subscription for seconds when Redis is down: a
    web request would hang that long before even trying to publish. The web role never
    waits for a result (the page polls the stored state), and ``AsyncResult.get()`` still
    subscribes when it is called.
    """

    def on_task_call(self, producer, task_id):
        pass


app = Celery("config", task_cls=BoundedTask)
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


# Observability (docs/observability.md): logs through settings.LOGGING, task and queue metrics.
from . import logs, metrics  # noqa: E402 - after the app exists, which these connect to

logs.install_celery(app)
metrics.install_celery(app)
