"""Sending limits: how many queued e-mails leave now, and when the others retry."""

import doctest
from datetime import datetime, timedelta

import pytest

from mail_accounts_ext.tools import ratelimit
from mail_accounts_ext.tools.ratelimit import Plan, plan_sending

T = datetime(2026, 3, 2, 9, 30, 0)


def s(seconds):
    return T + timedelta(seconds=seconds)


# (id, sent, now, limit, weights, expected Plan)
CASES = [
    ("no-limit", [(s(0), 500)], s(1), 0, [1, 1], Plan(2, 2, None)),
    ("negative-limit-is-no-limit", [], s(0), -5, [3], Plan(1, 3, None)),
    ("nothing-queued", [(s(0), 30)], s(1), 30, [], Plan(0, 0, None)),
    ("empty-window-all-fit", [], s(0), 30, [1] * 30, Plan(30, 30, None)),
    ("sixty-at-thirty", [], s(0), 30, [1] * 60, Plan(30, 30, s(60))),
    ("window-full", [(s(0), 30)], s(10), 30, [1], Plan(0, 0, s(60))),
    ("entry-leaves-window-exactly-after-a-minute", [(s(0), 30)], s(60), 30, [1] * 30,
     Plan(30, 30, None)),
    ("entry-one-second-before", [(s(0), 30)], s(59), 30, [1], Plan(0, 0, s(60))),
    ("older-than-window-ignored", [(s(-120), 30), (s(-61), 30)], s(0), 30, [1] * 5,
     Plan(5, 5, None)),
    ("partial-room", [(s(0), 25)], s(20), 30, [1] * 8, Plan(5, 5, s(60))),
    ("oldest-frees-first", [(s(0), 10), (s(30), 20)], s(40), 30, [1] * 3, Plan(0, 0, s(60))),
    ("needs-two-entries", [(s(0), 2), (s(30), 28)], s(40), 30, [5], Plan(0, 0, s(90))),
    ("granted-now-counts-for-retry", [(s(0), 20)], s(45), 30, [5, 5, 5],
     Plan(2, 10, s(60))),
    ("retry-after-own-grant", [], s(0), 30, [20, 20], Plan(1, 20, s(60))),
    ("heavy-mail-over-limit-alone", [], s(0), 30, [45], Plan(1, 30, None)),
    ("heavy-mail-waits-for-empty-window", [(s(0), 1)], s(10), 30, [45], Plan(0, 0, s(60))),
    ("order-kept-small-does-not-jump", [(s(0), 27)], s(5), 30, [5, 1], Plan(0, 0, s(60))),
    ("zero-weight-counts-one", [], s(0), 2, [0, 0, 0], Plan(2, 2, s(60))),
    ("microseconds-round-up", [(s(0.25), 30)], s(10), 30, [1],
     Plan(0, 0, T + timedelta(seconds=61))),
    ("over-limit-already", [(s(0), 40)], s(10), 30, [1], Plan(0, 0, s(60))),
    ("future-entries-count", [(s(30), 30)], s(0), 30, [1], Plan(0, 0, s(90))),
]


@pytest.mark.parametrize(
    "sent, now, limit, weights, expected",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_plan_sending(sent, now, limit, weights, expected):
    assert plan_sending(sent, now, limit, weights) == expected


def test_sixty_at_thirty_per_minute_over_two_windows():
    """The acceptance scenario, replayed: 30 leave at once, 30 one minute later."""
    log = []
    queue = [1] * 60
    now = T
    rounds = []
    while queue:
        plan = plan_sending(log, now, 30, queue)
        if plan.granted:
            log.append((now, plan.used))
            rounds.append((now, plan.granted))
        queue = queue[plan.granted:]
        if queue:
            assert plan.retry_at is not None and plan.retry_at > now
            now = plan.retry_at
    assert rounds == [(T, 30), (s(60), 30)]
    # never more than 30 in any one-minute window
    for at, _count in log:
        assert sum(c for a, c in log if at - timedelta(minutes=1) < a <= at) <= 30


def test_doctests():
    assert doctest.testmod(ratelimit).failed == 0
