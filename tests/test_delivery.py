"""Mail through an account: which failures are tried again, when, and when it stops.

Tables of cases, no database. The stage is what ``tools.connection`` sessions record
(``transaction_stage``); the ``temporary`` flag comes from ``tools.errors.explain``, as
in the ORM layer.
"""

import doctest
import smtplib
import socket
from datetime import datetime, timedelta

import pytest

from mail_accounts_ext.tools import delivery, errors
from mail_accounts_ext.tools.delivery import PERMANENT, TEMPORARY, UNCERTAIN

T = datetime(2026, 3, 2, 9, 30, 0)

# (id, error, stage of the SMTP transaction, expected outcome)
OUTCOME_CASES = [
    # the server asked to try later, at any stage
    ("421-at-greeting", smtplib.SMTPConnectError(421, b"4.7.0 Too many connections"), None,
     TEMPORARY),
    ("454-at-auth", smtplib.SMTPAuthenticationError(454, b"4.7.0 Temporary authentication "
                                                         b"failure"), None, TEMPORARY),
    ("451-at-mail-from", smtplib.SMTPSenderRefused(451, b"4.3.0 Try later", "a@example.com"),
     "sender", TEMPORARY),
    ("450-greylisted-rcpt", smtplib.SMTPRecipientsRefused(
        {"b@example.org": (450, b"4.2.0 Greylisted")}), "recipient", TEMPORARY),
    ("451-at-data", smtplib.SMTPDataError(451, b"4.3.0 Local error in processing"), "data",
     TEMPORARY),
    # a reply after the whole message: a refusal, never "maybe delivered"
    ("451-after-data-sent", smtplib.SMTPDataError(451, b"4.3.0 Try again later"), "data_sent",
     TEMPORARY),
    ("452-too-many-recipients", smtplib.SMTPDataError(452, b"4.5.3 Too many recipients"),
     "data_sent", TEMPORARY),
    # the connection failed before the message was handed over
    ("lost-at-connect", smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
     "sender", TEMPORARY),
    ("lost-during-data", smtplib.SMTPServerDisconnected("Server not connected"), "data",
     TEMPORARY),
    ("reset-during-rcpt", ConnectionResetError(104, "Connection reset by peer"), "recipient",
     TEMPORARY),
    ("timeout-before-data-end", smtplib.SMTPServerDisconnected(
        "Connection unexpectedly closed: timed out"), "data", TEMPORARY),
    ("timeout-at-connect", TimeoutError("timed out"), None, TEMPORARY),
    # the whole message was handed over, the confirmation never came: maybe delivered
    ("lost-after-data-sent", smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
     "data_sent", UNCERTAIN),
    ("timeout-after-data-sent", TimeoutError("timed out"), "data_sent", UNCERTAIN),
    ("reset-after-data-sent", ConnectionResetError(104, "Connection reset by peer"),
     "data_sent", UNCERTAIN),
    # refused for good
    ("550-spam-at-data", smtplib.SMTPDataError(550, b"5.7.1 Message rejected as spam"),
     "data_sent", PERMANENT),
    ("552-too-big", smtplib.SMTPDataError(552, b"5.3.4 Message size exceeds fixed limit"),
     "data_sent", PERMANENT),
    ("550-511-recipient", smtplib.SMTPRecipientsRefused(
        {"nobody@example.org": (550, b"5.1.1 User unknown")}), "recipient", PERMANENT),
    ("mixed-recipients-one-permanent", smtplib.SMTPRecipientsRefused(
        {"a@example.org": (450, b"4.2.0 Greylisted"), "b@example.org": (550, b"5.1.1 Nope")}),
     "recipient", PERMANENT),
    ("535-auth", smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), None,
     PERMANENT),
    ("refused-connection", ConnectionRefusedError(111, "Connection refused"), None, PERMANENT),
    ("dns-unknown-host", socket.gaierror(-2, "Name or service not known"), None, PERMANENT),
]


@pytest.mark.parametrize(
    "error, stage, expected",
    [case[1:] for case in OUTCOME_CASES],
    ids=[case[0] for case in OUTCOME_CASES],
)
def test_outcome(error, stage, expected):
    explanation = errors.explain(error, protocol="smtp", stage=stage)
    assert delivery.outcome(error, stage, explanation.temporary) == expected


def test_every_outcome_has_cases():
    assert {case[3] for case in OUTCOME_CASES} == set(delivery.OUTCOMES)


def test_schedule_grows_and_ends():
    tries = []
    moment = T
    attempt = 1
    while True:
        following = delivery.next_try(attempt, moment)
        if following is None:
            break
        tries.append(following - moment)
        moment = following
        attempt += 1
    assert attempt == delivery.MAX_TRIES
    assert tries == list(delivery.RETRY_DELAYS)
    assert all(later > earlier for earlier, later in zip(tries, tries[1:], strict=False))
    assert tries[0] == timedelta(minutes=1)
    # about a working day of tries before giving up
    assert timedelta(hours=6) < sum(tries, timedelta()) < timedelta(hours=12)


@pytest.mark.parametrize("tries", [delivery.MAX_TRIES, delivery.MAX_TRIES + 3])
def test_gives_up_after_max_tries(tries):
    assert delivery.next_try(tries, T) is None


def test_next_try_needs_a_failed_try():
    with pytest.raises(ValueError):
        delivery.next_try(0, T)


@pytest.mark.parametrize(
    "error, template",
    [
        (smtplib.SMTPDataError(451, b"4.3.0 later"), delivery.WAITING_SERVER),
        (smtplib.SMTPRecipientsRefused({"a@x.org": (450, b"4.2.0 Greylisted")}),
         delivery.WAITING_SERVER),
        (smtplib.SMTPServerDisconnected("lost"), delivery.WAITING_CONNECTION),
        (TimeoutError("timed out"), delivery.WAITING_CONNECTION),
    ],
)
def test_waiting_text_says_who_asked(error, template):
    assert delivery.waiting_template(error) == template


@pytest.mark.parametrize(
    "template, params",
    [
        (delivery.WAITING_SERVER, {"date": "d", "tries": 1, "max_tries": 8, "explanation": "e"}),
        (delivery.WAITING_CONNECTION, {"date": "d", "tries": 1, "max_tries": 8,
                                       "explanation": "e"}),
        (delivery.GAVE_UP, {"tries": 8, "explanation": "e"}),
        (delivery.WAITING_LIMIT, {"account": "a", "date": "d"}),
    ],
)
def test_texts_use_named_placeholders_only(template, params):
    rendered = template % params
    assert "%(" not in rendered
    assert "%s" not in template and "%d" not in template


def test_doctests():
    assert doctest.testmod(delivery).failed == 0
