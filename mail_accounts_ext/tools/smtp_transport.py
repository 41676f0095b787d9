"""SMTP sessions that open at first use, reopen after a lost connection and end with QUIT.

:class:`Session` wraps an *opener* (a callable returning a connected, logged-in
``smtplib.SMTP``, e.g. ``tools.connection.open_smtp`` with an account's settings) in a
context manager: nothing connects until a message needs the server, a broken connection
is dropped with :meth:`Session.reset` and the next message opens a new one, and leaving
the block sends ``QUIT`` and closes the socket whatever happened.

No Odoo import here: this module is tested without a database.
"""

import contextlib

_UNOPENED = object()


def close_client(client):
    """``QUIT``, then close the socket; a client that is already gone raises nothing."""
    if client is None:
        return
    with contextlib.suppress(Exception):
        client.quit()
    with contextlib.suppress(Exception):
        client.close()


def is_broken(client):
    """Whether an ``smtplib.SMTP`` client can no longer be used (closed after an
    error, or never connected): the next message needs a new connection."""
    return client is None or getattr(client, "sock", None) is None


class Session:
    """One SMTP session at a time through ``opener``.

    ``opener()`` returns a connected client, or ``None`` for a server that sends
    nothing (Odoo's own outgoing server while tests run); what it raises reaches the
    caller of :attr:`client`, and the next access tries again.
    """

    def __init__(self, opener):
        self._opener = opener
        self._client = _UNOPENED

    @property
    def client(self):
        """The open client, connected now if it was not."""
        if self._client is _UNOPENED:
            self._client = self._opener()
        return self._client

    def reset(self):
        """End the current connection (if any): the next :attr:`client` reconnects."""
        client, self._client = self._client, _UNOPENED
        if client is not _UNOPENED:
            close_client(client)

    def close(self):
        self.reset()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close()
