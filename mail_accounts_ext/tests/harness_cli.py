# pylint: disable=print-used,except-pass
# (shared by the test harnesses that are also command-line programs)
"""Running a loopback test harness from the command line (no Odoo import).

``mailservers.py`` and ``oauth_server.py`` are imported by the tests and also run as
scripts (the project's run command serves demo mail servers and a demo OAuth
provider with them). Both run the same way: SIGTERM and SIGHUP stop them like
Ctrl-C, the servers start, get configured and describe themselves, then serve until
stopped and shut down cleanly with exit status 0.
"""

import signal
import time


def _terminate(_signum, _frame):
    raise KeyboardInterrupt  # a requested stop: clean shutdown, exit status 0


def serve_until_stopped(start, configure, what):
    """Start servers with ``start()`` (an object with ``stop()``), hand them to
    ``configure(servers)`` (users, clients, printing where they listen), then serve
    until Ctrl-C, SIGTERM or SIGHUP; ``what`` names them in the last line printed.
    Returns the exit status."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    servers = start()
    try:
        configure(servers)
        print(f"Ctrl-C or SIGTERM stops {what}.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        servers.stop()
    return 0
