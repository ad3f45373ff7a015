"""The web role's WSGI application plus one test-only path, ``/__slow?ms=N``, a request that
takes N milliseconds: what the stop test needs to have requests running at SIGTERM. Served by
gunicorn with the role's own app/gunicorn.conf.py (drain hook included)."""

import time
from urllib.parse import parse_qs

from config.wsgi import application as django_application


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/__slow":
        milliseconds = int(parse_qs(environ.get("QUERY_STRING", ""))["ms"][0])
        time.sleep(milliseconds / 1000)
        body = b"slow done"
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    return django_application(environ, start_response)
