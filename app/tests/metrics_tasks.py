"""A task that is retried once and then succeeds: what the retried count is checked against.
The metrics test's worker loads it with `-I tests.metrics_tasks`; the app has no retrying task."""

from celery import shared_task


@shared_task(bind=True, max_retries=1)
def flaky(self) -> str:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return "ok"
