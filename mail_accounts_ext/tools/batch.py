"""Batch print & e-mail: the state machine of a batch line, plain Python.

A batch line is one document to render and e-mail. It moves through::

    pending --claim--> rendering --PDF + chatter post + mail.mail--> queued
    queued --marked before the SMTP transaction--> sending --server said 250--> sent
    any open state --> failed (with the explained reason) | skipped (with the reason)
    failed --Retry failed--> pending (nothing was queued) | queued (its mail exists)
                             | skipped (another batch sent the document meanwhile)

Each arrow is committed on its own, so that a crash loses at most the step in progress:

- ``rendering`` only claims the line; the PDF is kept in memory. A crashed worker's claim
  goes stale after a lease (:data:`DEFAULT_LEASE`) and the line is rendered again;
  nothing was written for it.
- ``queued`` is committed together with the chatter post and the ``mail.mail`` (with its
  deterministic Message-Id, :func:`message_id`): the mail exists exactly once.
- ``sending`` is committed *before* the SMTP transaction starts. If the worker dies
  during the transaction, the line stays ``sending``; once stale, it cannot be known
  whether the server accepted the message, so it becomes ``failed`` with
  ``uncertain`` set, and is never re-sent automatically (``tools.smtp_transport``
  tells the same from an exception: only a connection lost after the whole message was
  handed over is uncertain).
- ``sent`` is committed when the server accepted the message.

No Odoo import here: this module is tested without a database.
"""

# No ``env`` here: ``_lt`` only marks the texts, the ORM translates them with ``env._``.
# pylint: disable=prefer-env-translation

import datetime

from .translation import _lt

PENDING = "pending"
RENDERING = "rendering"
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"

STATES = (PENDING, RENDERING, QUEUED, SENDING, SENT, FAILED, SKIPPED)
OPEN_STATES = (PENDING, RENDERING, QUEUED, SENDING)
DONE_STATES = (SENT, FAILED, SKIPPED)
# States that hold (or held) a mail for the document: the "sent once" guard.
MAIL_STATES = (QUEUED, SENDING, SENT)

TRANSITIONS = {
    PENDING: frozenset({RENDERING, SKIPPED, FAILED}),
    # back to pending: the document was busy (locked) or the claim went stale
    RENDERING: frozenset({QUEUED, PENDING, FAILED, SKIPPED}),
    # sent: the mail left by other means (e.g. an administrator's "Send now")
    QUEUED: frozenset({SENDING, FAILED, SENT}),
    SENDING: frozenset({SENT, FAILED}),
    SENT: frozenset(),
    # skipped: on retry, another batch had sent the document in the meantime
    FAILED: frozenset({PENDING, QUEUED, SKIPPED}),
    SKIPPED: frozenset(),
}

NO_EMAIL = "no_email"
INVALID_EMAIL = "invalid_email"
NOTHING_TO_SEND = "nothing_to_send"
ALREADY_SENT = "already_sent"
NOT_APPLICABLE = "not_applicable"
SKIP_REASONS = (NO_EMAIL, INVALID_EMAIL, NOTHING_TO_SEND, ALREADY_SENT, NOT_APPLICABLE)

DEFAULT_LEASE = datetime.timedelta(minutes=10)

UNCERTAIN_MESSAGE = _lt(
    "The sending was interrupted after the whole message had reached the mail server, "
    "before it confirmed: the message may have been delivered. Check with the recipient, "
    "then use Send again if it did not arrive."
)


class TransitionError(ValueError):
    """A line was asked to move between two states the state machine does not link."""


def can_move(old, new):
    """Whether a line may go from ``old`` to ``new`` (staying put is always allowed)."""
    if old not in TRANSITIONS or new not in TRANSITIONS:
        raise ValueError(f"unknown batch line state: {old!r} -> {new!r}")
    return old == new or new in TRANSITIONS[old]


def check_move(old, new):
    """Raise :class:`TransitionError` unless ``old`` -> ``new`` is allowed."""
    if not can_move(old, new):
        raise TransitionError(f"a batch line cannot go from {old!r} to {new!r}")


def message_id(batch_id, line_id, database_key, domain):
    """The Message-Id of a line's e-mail: the same every time the line is (re)sent.

    ``database_key`` (e.g. the start of the database UUID) keeps two databases (a copy
    for tests, a restored backup) from producing the same ids; ``domain`` is the domain
    of the sending address (``localhost`` when there is none).

    >>> message_id(12, 345, "0a1b2c3d", "example.com")
    '<mae-batch-12-line-345.0a1b2c3d@example.com>'
    """
    if not (isinstance(batch_id, int) and isinstance(line_id, int)) or batch_id <= 0 \
            or line_id <= 0:
        raise ValueError("batch and line ids must be positive integers")
    key = "".join(char for char in str(database_key or "") if char.isalnum())[:16] or "odoo"
    domain = (domain or "").strip().strip("<>@ ") or "localhost"
    return f"<mae-batch-{batch_id}-line-{line_id}.{key}@{domain}>"


def progress(state_counts):
    """Percentage (0-100, int) of lines that reached a final state."""
    total = sum(state_counts.get(state, 0) for state in STATES)
    if not total:
        return 100
    done = sum(state_counts.get(state, 0) for state in DONE_STATES)
    return done * 100 // total


def each_apart(keys, run, first=None):
    """``run(keys)`` (which returns a dict) for all of them at once; when it raises,
    ``run([key])`` for each key alone, to find the culprits: one bad document never
    stops the others.

    :param first: what gives the all-at-once result instead of ``run(keys)`` (e.g. a
        conversion started earlier); when it raises, the keys are run one by one
    :returns: ``(results, {key: exception})``

    >>> def double(keys):
    ...     if 3 in keys:
    ...         raise ValueError("no 3")
    ...     return {key: key * 2 for key in keys}
    >>> each_apart([1, 2], double)
    ({1: 2, 2: 4}, {})
    >>> results, failures = each_apart([1, 3], double)
    >>> results, {key: str(error) for key, error in failures.items()}
    ({1: 2}, {3: 'no 3'})
    """
    keys = list(keys)
    try:
        return (first() if first is not None else run(keys)), {}
    except Exception:  # noqa: BLE001 - find the culprits, one key at a time
        results, failures = {}, {}
        for key in keys:
            try:
                results.update(run([key]))
            except Exception as error:  # noqa: BLE001 - this key fails, not the others
                failures[key] = error
        return results, failures
