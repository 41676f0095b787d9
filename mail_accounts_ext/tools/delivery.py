"""Handing a mail to an SMTP server: what a failure means, and when to try again.

Mail through an e-mail account is sent exactly once. A failure is one of:

- :data:`TEMPORARY`: the server asked to try later (a 4xx reply at any stage), or the
  connection failed before the whole message was handed over (lost, timed out). The
  mail was not delivered: it stays queued and is tried again after a growing delay
  (:func:`next_try`), at most :data:`MAX_TRIES` times in all, then it fails;
- :data:`PERMANENT`: the server refused it for good (5xx) or the settings are wrong:
  it fails at once, with the explanation of ``tools.errors``;
- :data:`UNCERTAIN`: the whole message had been handed over and the connection was
  lost before the server confirmed it. It may have been delivered: it fails as *maybe
  delivered* and is never sent again without a person deciding so (as batch lines,
  ``tools.smtp_transport.send_outcome``).

No Odoo import here: this module is tested without a database.
"""

# No ``env`` here: ``_lt`` only marks the texts, the ORM translates them with ``env._``.
# pylint: disable=prefer-env-translation

import smtplib
from datetime import timedelta

from . import smtp_transport
from .translation import _lt

TEMPORARY = "temporary"
PERMANENT = "permanent"
UNCERTAIN = "uncertain"
OUTCOMES = (TEMPORARY, PERMANENT, UNCERTAIN)

# Delay before each new try after a temporary failure: growing, about 8 hours in all.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
)
# The first try and one try after each delay.
MAX_TRIES = len(RETRY_DELAYS) + 1

WAITING_SERVER = _lt(
    "Waiting: the server asked to try later, next try at %(date)s (try %(tries)s of "
    "%(max_tries)s done). %(explanation)s"
)
WAITING_CONNECTION = _lt(
    "Waiting: the connection to the server failed before the message was handed over, "
    "next try at %(date)s (try %(tries)s of %(max_tries)s done). %(explanation)s"
)
GAVE_UP = _lt(
    "Not sent: the server refused it temporarily %(tries)s times in a row, so Odoo stopped "
    "trying. %(explanation)s When the cause is fixed, send it again."
)
WAITING_LIMIT = _lt(
    "Waiting for the sending limit of %(account)s, leaves at %(date)s."
)


def outcome(error, stage, temporary):
    """:data:`TEMPORARY`, :data:`PERMANENT` or :data:`UNCERTAIN` for an exception raised
    while handing a message to the server.

    :param error: the exception (``smtplib``, ``ssl``, ``socket``)
    :param stage: where the SMTP transaction stood (``tools.connection`` sessions record
        it: ``"sender"``, ``"recipient"``, ``"data"``, ``"data_sent"``; ``None`` while
        connecting or before any transaction)
    :param temporary: what ``tools.errors.explain`` says of the error
        (``Explanation.temporary``)
    """
    if smtp_transport.send_outcome(stage, error) == smtp_transport.UNCERTAIN:
        return UNCERTAIN
    return TEMPORARY if temporary else PERMANENT


def next_try(tries, now):
    """When to try again after ``tries`` tries that all failed temporarily.

    :returns: a datetime, or ``None`` when :data:`MAX_TRIES` tries were made (give up)

    >>> from datetime import datetime
    >>> next_try(1, datetime(2026, 1, 1, 12, 0))
    datetime.datetime(2026, 1, 1, 12, 1)
    >>> next_try(MAX_TRIES, datetime(2026, 1, 1, 12, 0)) is None
    True
    """
    if tries < 1:
        raise ValueError("at least one try failed before another is planned")
    if tries >= MAX_TRIES:
        return None
    return now + RETRY_DELAYS[tries - 1]


def server_asked(error):
    """Whether the server answered (a reply code), rather than the connection failing."""
    return isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused)


def waiting_template(error):
    """The "waiting" text for a temporary failure caused by ``error``."""
    return WAITING_SERVER if server_asked(error) else WAITING_CONNECTION
