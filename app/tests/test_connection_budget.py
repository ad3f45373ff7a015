"""The PostgreSQL connections each role opens, measured on real processes: the numbers the
Pulumi config's connection budget adds up (docs/app.md, "PostgreSQL connections")."""

import threading

import pytest
from django.db import connection

from demo.models import Visit
from demo.tasks import digest_visit

from .conftest import celery_worker_argv, http_get, report, start_web, wait_for
from .faults.helpers import BEAT_ARGV

pytestmark = pytest.mark.django_db(transaction=True)


_TEST_SESSIONS: set[int] = set()


def open_connections(application_name: str = "%") -> int:
    """Sessions on the test database, other than this test's own (one per thread that asks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        _TEST_SESSIONS.add(cursor.fetchone()[0])
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE %s"
            " AND NOT pid = ANY(%s)",
            [application_name, sorted(_TEST_SESSIONS)],
        )
        return cursor.fetchone()[0]


def test_each_role_opens_at_most_its_budgeted_connections(start, collected_static, clean_redis, capsys):
    baseline = open_connections()
    processes, threads = 2, 3
    env = {**collected_static, "DJANGO_HTTPS": "false", "WEB_CONCURRENCY": str(processes)}
    web, port = start_web(start, {**env, "GUNICORN_THREADS": str(threads)})

    def burst():
        for _ in range(6):
            http_get(port, "/", {"Host": "app.example.com"}, timeout=30)

    clients = [threading.Thread(target=burst) for _ in range(4 * processes * threads)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=120)
    web_connections = open_connections() - baseline
    web.stop()
    wait_for(lambda: open_connections() == baseline, 30, "the web role's sessions to end")

    concurrency = 2
    worker = start("worker", celery_worker_argv("budget", concurrency=concurrency), env)
    worker.wait_for_log("ready.")
    # Celery's Django fixup closes a task's connection when the task ends: count the peak. The
    # worker's main process may keep one of its own.
    visits = [Visit.objects.create(user_agent="budget") for _ in range(40)]
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], open_connections() - baseline)
        connection.close()  # this thread's own

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        for result in [digest_visit.delay(visit.pk) for visit in visits]:
            result.get(timeout=60)
    finally:
        done.set()
        sampler.join()
    worker_connections = peak[0]

    beat = start("beat", BEAT_ARGV, env)
    beat.wait_for_log("beat holds the beat lock")
    beat_connections = open_connections("celery-beat-lock")  # its one session (config/beat.py)

    report(
        capsys,
        "postgresql connections",
        web=web_connections,
        web_budget=processes * threads,
        worker=worker_connections,
        worker_budget=concurrency + 1,
        beat=beat_connections,
        beat_budget=1,
    )
    assert 0 < web_connections <= processes * threads
    assert 0 < worker_connections <= concurrency + 1
    assert beat_connections == 1
    for process in (beat, worker):
        process.stop()
    wait_for(lambda: open_connections() == baseline, 30, "the roles' sessions to end")
