"""Handing messages to an SMTP server, and what a failure then means (plain Python).

:class:`Session` wraps an *opener* (a callable returning a connected, logged-in
``smtplib.SMTP``, e.g. ``tools.connection.open_smtp`` with an account's settings) in a
context manager: nothing connects until a message needs the server, a connection that
failed is not tried again until :meth:`Session.reset` (which also drops a broken one),
and leaving the block sends ``QUIT`` and closes the socket whatever happened.

:func:`transmit` hands the messages of one mail to an open client, one SMTP transaction
each, and stops at the first failure; :func:`deliver` does it through a session and
reconnects once when the connection dropped before a message was handed over. Both
return a :class:`Transmission`: who was reached, the error and the transaction stage
it happened at (``tools.connection`` clients record it), the message as sent.

What an exception raised during a transaction means (:func:`send_outcome`): a reply of
the server is a refusal (:data:`NOT_DELIVERED`); a connection lost before the whole
message was handed over is not a delivery either; a connection lost after it, while
waiting for the final reply, is :data:`UNCERTAIN` (the server may have accepted it).

No Odoo import here: this module is tested without a database.
"""

import contextlib
import dataclasses
import smtplib

# Outcome of an SMTP transaction that raised.
NOT_DELIVERED = "not_delivered"
UNCERTAIN = "uncertain"

# Stages of an SMTP transaction as ``tools.connection`` clients report them
# (``transaction_stage``): "sender", "recipient", "data", then "data_sent".
SMTP_STAGE_DATA_SENT = "data_sent"
# The stage of a failure to connect (no transaction began).
CONNECT = "connect"

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


def send_outcome(stage, error):
    """What an exception raised during an SMTP transaction means for the message.

    ``stage`` is where the transaction stood (``"sender"``, ``"recipient"``, ``"data"``,
    ``"data_sent"``); ``error`` the exception. A reply from the server (any
    ``SMTPResponseException``) is a refusal: not delivered. A connection lost before
    the whole message was handed over: not delivered. A connection lost after it,
    while waiting for the final reply: :data:`UNCERTAIN`.
    """
    if isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
        return NOT_DELIVERED
    if stage == SMTP_STAGE_DATA_SENT:
        return UNCERTAIN
    return NOT_DELIVERED


def reconnect_may_help(error):
    """Whether a new connection is worth one try for the same message (the old one
    was dropped, e.g. an idle timeout), as opposed to a refusal by the server."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPException):
        return False
    return isinstance(error, OSError)


def is_server_failure(error):
    """Whether ``error`` came from the connection or the server (a socket, TLS or
    ``smtplib`` error, to explain with ``tools.errors``), rather than from the mail
    itself (e.g. core's assertion that no recipient is valid)."""
    return isinstance(error, OSError | smtplib.SMTPException)


def explain_stage(stage):
    """The stage name ``tools.errors.explain`` knows for a session stage."""
    return "data" if stage == SMTP_STAGE_DATA_SENT else stage


class Session:
    """One SMTP session at a time through ``opener``.

    ``opener()`` returns a connected client, or ``None`` for a server that sends
    nothing (Odoo's own outgoing server while tests run). What it raises reaches the
    caller of :attr:`client`, and again at every access until :meth:`reset`: the other
    messages of the session fail with the same error instead of connecting again.
    """

    def __init__(self, opener):
        self._opener = opener
        self._client = _UNOPENED
        self._error = None

    @property
    def client(self):
        """The open client, connected now if it was not."""
        if self._error is not None:
            raise self._error
        if self._client is _UNOPENED:
            try:
                self._client = self._opener()
            except Exception as error:
                self._error = error
                raise
        return self._client

    def reset(self):
        """End the current connection (if any) and forget a failed one: the next
        :attr:`client` connects again."""
        client, self._client, self._error = self._client, _UNOPENED, None
        if client is not _UNOPENED:
            close_client(client)

    def close(self):
        self.reset()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close()


@dataclasses.dataclass
class Transmission:
    """What handing a mail's messages to the server gave: the recipients reached
    (``reached``: the keys of the messages accepted), the error and the transaction
    stage it happened at (``None``: everything was accepted), the first message as
    sent (``raw``, for a copy in Sent)."""

    reached: list = dataclasses.field(default_factory=list)
    error: BaseException | None = None
    stage: str | None = None
    raw: bytes | None = None

    @property
    def delivered(self):
        return self.error is None

    @property
    def uncertain(self):
        """The connection was lost after a whole message was handed over."""
        return self.error is not None and send_outcome(self.stage, self.error) == UNCERTAIN

    @property
    def worth_reconnecting(self):
        """The connection dropped before a message was handed over (e.g. an idle
        timeout): a new connection may deliver the rest."""
        return (self.error is not None and reconnect_may_help(self.error)
                and send_outcome(self.stage, self.error) == NOT_DELIVERED)

    def add(self, key):
        """A message accepted; ``key`` says for whom (nothing to keep when empty)."""
        if key:
            self.reached.append(key)


def transmit(client, prepare, previous=None):
    """Hand the messages of one mail to ``client``, stopping at the first failure.

    :param client: an open ``smtplib.SMTP``, or ``None`` for a server that sends
        nothing (every message counts as accepted)
    :param prepare: ``prepare(client, reached)`` returns the messages still to send,
        ``[(key, message, smtp_from, smtp_to)]``, leaving out the keys in ``reached``;
        what it raises (e.g. no valid recipient) is the failure
    :param previous: the :class:`Transmission` of an attempt on a connection that
        dropped: what it reached stays reached
    :returns: :class:`Transmission`
    """
    result = Transmission(reached=list(previous.reached) if previous else [],
                          raw=previous.raw if previous else None)
    try:
        messages = prepare(client, result.reached)
    except Exception as error:  # noqa: BLE001 - the mail cannot be sent: its failure
        result.error = error
        return result
    for key, message, smtp_from, smtp_to in messages:
        if client is None:
            result.add(key)
            continue
        raw = message.as_bytes()
        client.transaction_stage = None
        try:
            client.send_message(message, smtp_from, smtp_to)
        except Exception as error:  # noqa: BLE001 - explained by the caller
            result.error = error
            result.stage = getattr(client, "transaction_stage", None)
            return result
        result.add(key)
        result.raw = result.raw or raw
    return result


def deliver(session, prepare):
    """:func:`transmit` through ``session`` (a :class:`Session`), connected if needed;
    when the connection dropped before a message was handed over, once more on a new
    connection for what was not reached. A failure to connect is a
    :class:`Transmission` at stage :data:`CONNECT`."""
    result = None
    for attempt in range(2):
        try:
            client = session.client
        except Exception as error:  # noqa: BLE001 - explained by the caller
            result = Transmission(reached=list(result.reached) if result else [],
                                  raw=result.raw if result else None,
                                  error=error, stage=CONNECT)
            return result
        result = transmit(client, prepare, result)
        if attempt or not result.worth_reconnecting:
            return result
        session.reset()
    return result
