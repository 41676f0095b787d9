#!/usr/bin/env python3
"""Odoo's server for ``./dev/run``: ``odoo-bin``, stopped without a traceback.

    python odoo_serve.py <odoo-bin> [odoo options]

Odoo 18's threaded server (``odoo/service/server.py``, ``ThreadedServer``) stops as
follows on Ctrl-C or SIGTERM: it shuts the HTTP server down, runs the functions registered
with ``CommonServer.on_stop``, waits up to one second for its non-daemon threads, then
closes every database connection (``odoo.sql_db.close_all``) and exits. Its cron threads
are daemon threads and are not waited for:

- a cron thread between jobs waits in ``select`` on its ``LISTEN cron_trigger``
  connection; closing that connection wakes it at once, and ``pg_conn.poll()``, outside
  any ``try``, raises ``psycopg2.InterfaceError: connection already closed``. When that
  thread runs before the process is gone, Python prints "Exception in thread
  odoo.service.cron.cron0" and the traceback;
- a cron thread running a job (at start, every cron of the demo database is due: the
  mailbox fetch, the mail queue, ...) has its connection closed under it: the job fails
  and Odoo logs "cron0 encountered an Exception" with a traceback.

Nothing is lost (the process is exiting), but a run that ends with tracebacks looks
broken. This launcher changes nothing in Odoo: it registers an ``on_stop`` function that
lets the cron jobs in progress finish (at most :data:`CRON_WAIT` seconds: ``./dev/run``
waits longer before it insists) and, once the shutdown has begun, keeps the first case's
exception of a cron thread from being printed. Everything else, including any other
exception of a cron thread, reaches the log as before.
"""

import os
import runpy
import sys
import threading
import time

CRON_WAIT = 20.0
CRON_THREAD_PREFIX = "odoo.service.cron."


def is_cron_thread(thread):
    return thread is not None and thread.name.startswith(CRON_THREAD_PREFIX)


def busy_cron_threads(threads=None):
    """The cron threads running jobs now (``ThreadedServer.cron_thread`` sets
    ``start_time`` while it processes the jobs of a database)."""
    threads = threading.enumerate() if threads is None else threads
    return [thread for thread in threads
            if is_cron_thread(thread) and getattr(thread, "start_time", None)]


def wait_for_cron_jobs(timeout=CRON_WAIT, every=0.1, threads=None):
    """Wait until no cron thread runs a job, at most ``timeout`` seconds; True if none
    does any more."""
    deadline = time.monotonic() + timeout
    while busy_cron_threads(threads):
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)
    return True


class ShutdownHook:
    """``threading.excepthook`` that drops the ``InterfaceError`` of a cron thread whose
    database connection the shutdown closed; the rest goes to ``fallback``."""

    def __init__(self, fallback):
        self.fallback = fallback
        self.stopping = threading.Event()

    def __call__(self, args):
        if (self.stopping.is_set() and is_cron_thread(args.thread)
                and args.exc_type.__name__ == "InterfaceError"):
            return
        self.fallback(args)

    def on_stop(self):
        self.stopping.set()
        wait_for_cron_jobs()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    odoo_bin = argv.pop(0)
    os.environ["TZ"] = "UTC"  # as odoo-bin does, before Odoo is imported
    time.tzset()
    from odoo.service.server import CommonServer  # noqa: PLC0415 - Odoo's venv only

    hook = ShutdownHook(threading.excepthook)
    threading.excepthook = hook
    CommonServer.on_stop(hook.on_stop)
    sys.argv = [odoo_bin, *argv]
    runpy.run_path(odoo_bin, run_name="__main__")


if __name__ == "__main__":
    main()
