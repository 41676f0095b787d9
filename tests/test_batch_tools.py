"""Batch print & e-mail: the line state machine, Message-Ids, progress (no database)."""

import datetime
import doctest

import pytest

from mail_accounts_ext.tools import batch as bt

# --------------------------------------------------------------------------- states


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("pending", "rendering", True),
        ("pending", "skipped", True),
        ("pending", "queued", False),  # never queued without rendering (the claim)
        ("pending", "sent", False),
        ("rendering", "queued", True),
        ("rendering", "pending", True),  # document busy, or claim stale
        ("rendering", "failed", True),
        ("rendering", "skipped", True),  # sent by another batch in the meantime
        ("rendering", "sent", False),
        ("queued", "sending", True),
        ("queued", "failed", True),
        ("queued", "sent", True),  # sent by other means (an administrator's Send now)
        ("queued", "pending", False),  # the mail exists: never rendered again
        ("sending", "sent", True),
        ("sending", "failed", True),
        ("sending", "queued", False),  # never sent again on its own
        ("sent", "queued", False),
        ("sent", "failed", False),
        ("sent", "pending", False),
        ("failed", "pending", True),  # retry, nothing was queued
        ("failed", "queued", True),  # retry, the mail exists
        ("failed", "sent", False),
        ("failed", "skipped", True),  # retried, but another batch sent it meanwhile
        ("skipped", "pending", False),
        ("sent", "sent", True),
    ],
)
def test_transitions(old, new, allowed):
    assert bt.can_move(old, new) is allowed
    if allowed:
        bt.check_move(old, new)
    else:
        with pytest.raises(bt.TransitionError):
            bt.check_move(old, new)


def test_unknown_state():
    with pytest.raises(ValueError):
        bt.can_move("pending", "lost")


def test_state_groups():
    assert set(bt.OPEN_STATES) | set(bt.DONE_STATES) == set(bt.STATES)
    assert not set(bt.OPEN_STATES) & set(bt.DONE_STATES)
    assert set(bt.MAIL_STATES) == {"queued", "sending", "sent"}
    assert all(not bt.TRANSITIONS[state] for state in ("sent", "skipped"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((12, 345, "0a1b2c3d", "example.com"), "<mae-batch-12-line-345.0a1b2c3d@example.com>"),
        ((1, 2, "0a1b-2c3d-ffff", "Example.COM"), "<mae-batch-1-line-2.0a1b2c3dffff@Example.COM>"),
        ((1, 2, "", ""), "<mae-batch-1-line-2.odoo@localhost>"),
        ((1, 2, None, " @example.org "), "<mae-batch-1-line-2.odoo@example.org>"),
        ((1, 2, "x" * 40, "a.b"), f"<mae-batch-1-line-2.{'x' * 16}@a.b>"),
    ],
)
def test_message_id(args, expected):
    assert bt.message_id(*args) == expected
    assert bt.message_id(*args) == bt.message_id(*args)  # deterministic


@pytest.mark.parametrize("ids", [(0, 1), (1, 0), (-1, 2), ("1", 2), (1.0, 2)])
def test_message_id_needs_ids(ids):
    with pytest.raises(ValueError):
        bt.message_id(*ids, "key", "example.com")


NOW = datetime.datetime(2026, 3, 2, 12, 0, 0)


def test_progress():
    assert bt.progress({"sent": 2, "failed": 1, "pending": 1, "skipped": 1}) == 80
    assert bt.progress({}) == 100
    assert bt.progress({"pending": 3, "queued": 0}) == 0
    assert bt.progress({"rendering": 1, "sent": 2}) == 66


def test_uncertain_message_is_translatable_text():
    assert "may have been delivered" in bt.UNCERTAIN_MESSAGE
    assert "%" not in bt.UNCERTAIN_MESSAGE


def test_doctests():
    """``message_id`` and ``each_apart`` (one bad document never stops the others)."""
    assert doctest.testmod(bt).failed == 0


def test_each_apart_takes_a_result_started_earlier():
    calls = []

    def run(keys):
        calls.append(list(keys))
        if 3 in keys:
            raise ValueError("no 3")
        return {key: key * 2 for key in keys}

    assert bt.each_apart([1, 2], run, first=lambda: {1: 2, 2: 4}) == ({1: 2, 2: 4}, {})
    assert calls == [], "the started result is used, nothing is run again"

    def failed():
        raise ValueError("the conversion of the whole chunk failed")

    results, failures = bt.each_apart([1, 3], run, first=failed)
    assert results == {1: 2}
    assert {key: str(error) for key, error in failures.items()} == {3: "no 3"}
    assert calls == [[1], [3]], "after a failed start, one key at a time"
