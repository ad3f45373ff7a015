"""Logs of every role: one JSON object per line on stdout, in the shape Cloud Logging reads
(`severity`, `message`, `logging.googleapis.com/trace`, `httpRequest`), or plain text when
DJANGO_DEBUG is on. The same configuration serves Django (settings.LOGGING), gunicorn
(logconfig_dict in gunicorn.conf.py) and Celery (its setup_logging signal, config/celery.py).

No log line carries a secret: every value the app was given as one (secret key, database
password, Redis URL and password, Flower's credentials, Sentry DSN) is replaced by [redacted]
in the formatted line, as is the password of any URL, whatever logged it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
from urllib.parse import urlsplit

from pythonjsonlogger.json import JsonFormatter

TRACE_FIELD = "logging.googleapis.com/trace"
TRACE_HEADER = "HTTP_X_CLOUD_TRACE_CONTEXT"
REDACTED = "[redacted]"
# user:password@ in any URL (redis://:pw@host, postgres://u:pw@host).
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]+@", re.IGNORECASE)
# Environment variables (or their _FILE twins) whose values are secrets.
SECRET_SETTINGS = (
    "DJANGO_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "REDIS_URL",
    "FLOWER_BASIC_AUTH",
    "BATCH_API_TOKEN",
    "SENTRY_DSN",
)

_trace: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace", default=None)
_SEVERITY = {"WARNING": "WARNING", "CRITICAL": "CRITICAL", "ERROR": "ERROR", "INFO": "INFO", "DEBUG": "DEBUG"}


def trace_of(header: str | None, project: str | None) -> str | None:
    """`projects/<p>/traces/<id>` from X-Cloud-Trace-Context (`TRACE_ID/SPAN_ID;o=1`)."""
    if not header:
        return None
    trace_id = header.split("/", 1)[0].split(";", 1)[0].strip()
    if not re.fullmatch(r"[0-9a-fA-F]{1,32}", trace_id):
        return None
    return f"projects/{project}/traces/{trace_id}" if project else trace_id


def _secret_values() -> list[str]:
    """The secret values this process was given, longest first (so a URL goes before its password)."""
    values: set[str] = set()
    for name in SECRET_SETTINGS:
        value = os.environ.get(name)
        path = os.environ.get(f"{name}_FILE")
        if not value and path:
            try:
                with open(path, encoding="utf-8") as handle:
                    value = handle.read().strip()
            except OSError:
                value = None
        if not value:
            continue
        values.add(value)
        if "://" in value:
            password = urlsplit(value).password
            if password:
                values.add(password)
        if name == "FLOWER_BASIC_AUTH" and ":" in value:
            values.add(value.split(":", 1)[1])
    # Too short to be a real secret, and replacing it would mangle ordinary words.
    return sorted((v for v in values if len(v) >= 6), key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    for value in secrets:
        if value in text:
            text = text.replace(value, REDACTED)
        escaped = json.dumps(value)[1:-1]
        if escaped != value and escaped in text:
            text = text.replace(escaped, REDACTED)
    return _URL_PASSWORD.sub(rf"\g<scheme>:{REDACTED}@", text)


def _task_fields(record: logging.LogRecord) -> dict | None:
    """Celery's task name, id and state, for records logged about or inside a task."""
    data = getattr(record, "data", None)
    if isinstance(data, dict) and "id" in data and "name" in data:
        from celery.app import trace

        states = {
            trace.LOG_RECEIVED: "RECEIVED",
            trace.LOG_SUCCESS: "SUCCESS",
            trace.LOG_FAILURE: "FAILURE",
            trace.LOG_RETRY: "RETRY",
            trace.LOG_REJECTED: "REJECTED",
        }
        return {"name": data["name"], "id": data["id"], "state": states.get(record.msg, "")}
    try:
        from celery import current_task
    except ImportError:
        return None
    task = current_task
    if task and getattr(task, "request", None) is not None and task.request.id:
        return {"name": task.name, "id": task.request.id, "state": "STARTED"}
    return None


class CloudLoggingFormatter(JsonFormatter):
    """python-json-logger's formatter with Cloud Logging's field names and redaction."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "severity", "exc_info": "stack_trace", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("reserved_attrs", [*_RESERVED, "data", "request", "server_time", "color_message"])
        super().__init__("%(levelname)s %(message)s %(name)s", *args, **kwargs)
        self._secrets: list[str] | None = None

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        log_data["severity"] = _SEVERITY.get(record.levelname, "DEFAULT")
        trace = _trace.get()
        if trace:
            log_data[TRACE_FIELD] = trace
        task = _task_fields(record)
        if task:
            log_data["celery"] = {"task_name": task["name"], "task_id": task["id"], "state": task["state"]}

    def format(self, record):
        if self._secrets is None:
            self._secrets = _secret_values()
        return redact(super().format(record), self._secrets)


class PlainFormatter(logging.Formatter):
    """Dev mode's readable lines, redacted the same way."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self._secrets: list[str] | None = None

    def format(self, record):
        if self._secrets is None:
            self._secrets = _secret_values()
        return redact(super().format(record), self._secrets)


_RESERVED = list(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) + ["message", "asctime", "taskName"]


def config(debug: bool, level: str = "INFO") -> dict:
    """The logging configuration (dictConfig) of every role."""
    formatter = "plain" if debug else "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "config.logs.CloudLoggingFormatter"},
            "plain": {"()": "config.logs.PlainFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": formatter, "stream": "ext://sys.stdout"}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # gunicorn's own lines (start, workers booting and exiting) in the same format.
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            # Requests are logged by RequestLogMiddleware, with the trace and the view's timing.
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            # Django's own per-request error lines duplicate RequestLogMiddleware's.
            "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }


class RequestLogMiddleware:
    """One line per request with Cloud Logging's httpRequest fields, and the load balancer's
    trace on every line logged while the request runs. Probes are answered before this
    middleware (config/health.py) and are not logged."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.logger = logging.getLogger("app.request")
        self.project = os.environ.get("GOOGLE_CLOUD_PROJECT") or None

    def __call__(self, request):
        token = _trace.set(trace_of(request.META.get(TRACE_HEADER), self.project))
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            latency = time.perf_counter() - started
            self.logger.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "httpRequest": {
                        "requestMethod": request.method,
                        "requestUrl": request.path,
                        "status": status,
                        "latency": f"{latency:.6f}s",
                        "userAgent": request.headers.get("User-Agent", ""),
                        "remoteIp": request.META.get("REMOTE_ADDR", ""),
                    }
                },
            )
            _trace.reset(token)


def _debug() -> bool:
    from django.conf import settings

    return settings.DEBUG


def install_celery(app) -> None:
    """Celery logs through settings.LOGGING instead of its own handlers, and without the
    startup banner (plain text spread over many lines) when the logs are JSON."""
    from celery import signals

    @signals.setup_logging.connect(weak=False)
    def configure(**_):
        import logging.config

        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
        # Python warnings (Celery's SecurityWarning...) as log records, not bare stderr text.
        logging.captureWarnings(True)

    @signals.celeryd_init.connect(weak=False)
    def quiet_worker(instance=None, **_):
        from django.conf import settings

        # Before the worker's first checks, which may warn, and without its banner.
        configure()
        if instance is not None and not settings.DEBUG:
            instance.quiet = True
            logging.getLogger("celery.worker").info("celery worker %s starting", instance.hostname)

    import celery.apps.worker

    plain_say = celery.apps.worker.safe_say

    def say_json(msg, f=sys.__stderr__):
        """Celery's shutdown notices, written from its signal handlers with os.write (logging
        is not safe there), as one JSON line each instead of bare text."""
        if _debug():
            return plain_say(msg, f)
        line = json.dumps({"severity": "NOTICE", "message": str(msg).strip(), "logger": "celery.apps.worker"})
        os.write(sys.__stdout__.fileno(), (line + "\n").encode())

    celery.apps.worker.safe_say = say_json

    from celery.apps.beat import Beat

    class QuietBeat(Beat):
        def __init__(self, *args, quiet=False, **kwargs):
            from django.conf import settings

            super().__init__(*args, quiet=quiet or not settings.DEBUG, **kwargs)

    app.Beat = app.subclass_with_self(QuietBeat)
