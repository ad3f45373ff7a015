from django.db import models


class Visit(models.Model):
    """One request to the demo page; a Celery task fills in the digest afterwards."""

    created_at = models.DateTimeField(auto_now_add=True)
    user_agent = models.CharField(max_length=256, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    processed_by = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["-id"]

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
