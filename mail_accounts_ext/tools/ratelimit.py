"""Sending limits per account: what may leave now, and when the rest may (pure Python).

A provider allows an account at most ``limit`` messages in any one-minute window
(e.g. Microsoft 365: 30). E-mails over the limit are not refused: they wait until
enough of the window has passed. :func:`plan_sending` decides, from what already left
through the account, how many of the queued e-mails (kept in their order, none jumps
the queue) may leave now and when the others should try again.

An e-mail counts as the number of SMTP messages it produces (one per notified
partner, one for its plain To/Cc addresses); one larger than the whole limit leaves
alone, in an empty window.

No Odoo import here: this module is tested without a database.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Plan:
    """``granted``: how many queued e-mails (from the first) may leave now;
    ``used``: the messages they count for; ``retry_at``: when the others may try
    again (``None`` when all were granted), on a whole second."""

    granted: int
    used: int
    retry_at: datetime | None


def _ceil_second(moment):
    if moment.microsecond:
        return moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def plan_sending(sent: Iterable, now: datetime, limit: int, weights: Iterable,
                 window: timedelta = WINDOW) -> Plan:
    """Plan the e-mails ``weights`` (messages per e-mail, in sending order).

    ``sent`` holds ``(sent_at, messages)`` of what already left through the
    account; only what left after ``now - window`` counts (an entry leaves the
    window exactly ``window`` after it was sent). ``limit`` <= 0 means no limit.

    >>> t = datetime(2026, 1, 1, 12, 0, 0)
    >>> plan_sending([(t, 29)], t, 30, [1, 1, 1])
    Plan(granted=1, used=1, retry_at=datetime.datetime(2026, 1, 1, 12, 1))
    """
    weights = [max(1, int(weight)) for weight in weights]
    if limit <= 0:
        return Plan(len(weights), sum(weights), None)
    start = now - window
    recent = sorted((at, count) for at, count in sent if at > start)
    room = limit - sum(count for _at, count in recent)
    granted = used = 0
    for weight in weights:
        weight = min(weight, limit)
        if weight > room - used:
            break
        granted += 1
        used += weight
    if granted == len(weights):
        return Plan(granted, used, None)
    # The next e-mail leaves once enough of the window has passed: free the
    # oldest sends first (the ones granted now are the newest).
    need = min(weights[granted], limit)
    free = room - used
    retry_at = now + window
    for at, count in recent + [(now, used)]:
        free += count
        if free >= need:
            retry_at = at + window
            break
    return Plan(granted, used, _ceil_second(max(retry_at, now)))
