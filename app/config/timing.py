"""The rules between Celery's timeouts on the Redis transport, in one place.

Redis has no real acknowledgement: a message a worker took stays in the ``unacked`` hash, and
any worker puts it back on the queue once it is older than the visibility timeout. So:

- a task may run at most CELERY_TASK_TIME_LIMIT seconds, which must be shorter than
  CELERY_VISIBILITY_TIMEOUT, or a task still running is handed to a second worker;
- a countdown/ETA task is held unacknowledged from delivery until it has run, so its
  countdown plus the time limit must stay below the visibility timeout as well
  (``max_countdown``; config/celery.py refuses longer ones when they are sent);
- a task whose worker was killed runs again within the visibility timeout plus one restore
  sweep (RESTORE_SWEEP_SECONDS): the bound the docs promise (default 600 + 10 s).

The Pulumi program validates the same rules (docs/app.md lists them); this module stays
free of Django so the rules read the same wherever they are checked.
"""

from __future__ import annotations

DEFAULT_VISIBILITY_TIMEOUT = 600
# How often every worker looks for expired unacknowledged messages (kombu's
# unacked_restore_interval with a throttle of 1; kombu's own default is about 100 s).
RESTORE_SWEEP_SECONDS = 10


class TimingError(ValueError):
    """A combination of timeouts under which a task could run twice or never again."""


def check(task_time_limit: int, visibility_timeout: int) -> None:
    if task_time_limit >= visibility_timeout:
        raise TimingError(
            f"CELERY_TASK_TIME_LIMIT={task_time_limit} must be less than CELERY_VISIBILITY_TIMEOUT="
            f"{visibility_timeout}: a task still running when the visibility timeout passes is "
            "given to a second worker."
        )


def max_countdown(task_time_limit: int, visibility_timeout: int) -> int:
    """The longest countdown/ETA (seconds) a task may be sent with."""
    return visibility_timeout - task_time_limit - 1


def redelivery_bound(visibility_timeout: int) -> int:
    """Seconds within which a task of a killed worker runs again (with a worker running)."""
    return visibility_timeout + RESTORE_SWEEP_SECONDS
