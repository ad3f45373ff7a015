from django.db import models
from django.db.models.functions import Now


class Visit(models.Model):
    """One request to the demo page; a Celery task fills in the digest afterwards.

    The row is the record of that work: ``state`` stays pending until the task has run, so
    work whose message never reached Redis, or was lost with it, is found and sent again by
    the reconcile task (demo/tasks.py).
    """

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"

    created_at = models.DateTimeField(auto_now_add=True)
    user_agent = models.CharField(max_length=256, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    processed_by = models.CharField(max_length=256, blank=True)
    # The database defaults serve the release still running during the rollout that adds these
    # columns: its inserts do not name them (docs/operations.md, expand/contract).
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_default=State.PENDING)
    # When the work was last handed to the queue (or tried to be): the reconcile task sends
    # again only what has waited longer than its grace period since then.
    queued_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The reconcile task's query; a partial index stays as small as the backlog.
            models.Index(fields=["queued_at"], name="visit_pending_queued_at", condition=models.Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"visit {self.pk} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class Heartbeat(models.Model):
    """Written by the periodic task that beat schedules: proof that beat and a worker run."""

    name = models.CharField(max_length=64, unique=True)
    last_run = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)
    worker = models.CharField(max_length=256, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.runs} runs, last {self.last_run:%Y-%m-%d %H:%M:%S}"
