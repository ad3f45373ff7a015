"""A free TCP port on the loopback address, for a server a test or the benchmark starts.

The one copy: the app's tests, app/bench/benchmark.py and the container harness
(containers/services.py) import it. No Django, no package-relative imports, so it loads
from a script as well as from the test package.
"""

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
