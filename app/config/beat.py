"""Celery beat's scheduler: one beat sends, however many run.

Kubernetes' ``replicas: 1`` and ``Recreate`` do not make beat a singleton: a pod on a lost
node, or one still terminating while its successor starts, is a second beat, and two beats
send every periodic task twice. Here a beat sends only while it holds a PostgreSQL session
advisory lock; another beat stands by, retrying every few seconds, and takes over once the
holder's database session ends (its process exits or is killed: the server releases the lock
at once; its node is lost: after the TCP keepalive below, about 30 s).

Why PostgreSQL and not RedBeat's Redis lock: the lock must not live where memory pressure
can remove it. RedBeat's lock key has a TTL, and this Redis evicts keys with a TTL when the
cache fills it (volatile-lru, see config/cache.py); a lock in PostgreSQL is never evicted and
is released by the server itself when its holder dies. It costs one database connection per
beat process and no new dependency.
"""

from __future__ import annotations

import logging

import psycopg
from celery.beat import PersistentScheduler
from django.conf import settings

import heartbeat

logger = logging.getLogger(__name__)

# pg_try_advisory_lock's key: any bigint of the app's own; "beat" in ASCII.
LOCK_KEY = 0x62656174
# How often a standing-by beat tries to take the lock (at most; beat's max interval caps it).
STANDBY_RETRY_SECONDS = 2.0


class LeaderScheduler(PersistentScheduler):
    """Sends due tasks only while holding the beat lock; touches heartbeat.BEAT_FILE on every
    tick (at least every CELERY_BEAT_MAX_LOOP_INTERVAL seconds) for the liveness probe."""

    def __init__(self, *args, **kwargs):
        self._lock_connection: psycopg.Connection | None = None
        self._leading = False
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        heartbeat.touch(heartbeat.BEAT_FILE)
        if not self._lead():
            return min(self.max_interval, STANDBY_RETRY_SECONDS)
        return super().tick(*args, **kwargs)

    def close(self):
        self._drop_connection()
        super().close()

    def _lead(self) -> bool:
        """Whether this beat holds the lock now (taking it if it is free)."""
        try:
            if self._lock_connection is None:
                self._lock_connection = _lock_connection()
            if self._leading:
                # Still our session? A lost session means the server released the lock.
                self._lock_connection.execute("SELECT 1")
                return True
            row = self._lock_connection.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
        except psycopg.Error as exc:
            if self._leading:
                logger.error("beat lost its database session and with it the beat lock: %s", exc)
            else:
                logger.warning("beat cannot reach PostgreSQL for the beat lock: %s", exc)
            self._drop_connection()
            return False
        if not row[0]:
            return False
        self._leading = True
        # Runs count from the takeover, as in a freshly started beat: the previous holder may
        # have sent a task moments before it died, and sending it again now would double it.
        now = self.app.now()
        for entry in self.schedule.values():
            entry.last_run_at = now
        logger.info("beat holds the beat lock: sending periodic tasks")
        return True

    def _drop_connection(self) -> None:
        self._leading = False
        if self._lock_connection is not None:
            try:
                self._lock_connection.close()
            except psycopg.Error:
                pass
            self._lock_connection = None


def _lock_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    connection = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        connect_timeout=db["OPTIONS"].get("connect_timeout", 3),
        application_name="celery-beat-lock",
        autocommit=True,
        # The client notices a dead server (or path) within about 30 s...
        keepalives=1,
        keepalives_idle=10,
        keepalives_interval=5,
        keepalives_count=3,
    )
    # ...and the server notices a dead beat as soon, releasing the lock for the standby.
    connection.execute("SET tcp_keepalives_idle = 10")
    connection.execute("SET tcp_keepalives_interval = 5")
    connection.execute("SET tcp_keepalives_count = 3")
    return connection
