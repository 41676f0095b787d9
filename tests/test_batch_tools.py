"""Batch print & e-mail: the line state machine and what a failed SMTP transaction means.

Tables of cases, no database; the SMTP stages are observed on real conversations (the
harness' aiosmtpd and a scripted server that hangs up at chosen points).
"""

import datetime
import smtplib
import socket
import threading
import uuid
from email.message import EmailMessage

import pytest

from mail_accounts_ext.tools import batch as bt
from mail_accounts_ext.tools import connection

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


@pytest.mark.parametrize(
    ("stage", "error", "outcome"),
    [
        ("sender", smtplib.SMTPSenderRefused(553, b"5.7.1 not yours", "a@b.c"), bt.NOT_DELIVERED),
        ("recipient", smtplib.SMTPRecipientsRefused({"x@y.z": (550, b"no")}), bt.NOT_DELIVERED),
        ("data_sent", smtplib.SMTPDataError(554, b"5.7.1 spam"), bt.NOT_DELIVERED),
        ("data_sent", smtplib.SMTPResponseException(451, b"4.3.0 try later"), bt.NOT_DELIVERED),
        ("sender", smtplib.SMTPServerDisconnected("closed"), bt.NOT_DELIVERED),
        ("data", smtplib.SMTPServerDisconnected("closed"), bt.NOT_DELIVERED),
        ("data", ConnectionResetError(104, "reset"), bt.NOT_DELIVERED),
        ("data_sent", smtplib.SMTPServerDisconnected("closed"), bt.UNCERTAIN),
        ("data_sent", TimeoutError("timed out"), bt.UNCERTAIN),
        ("data_sent", ConnectionResetError(104, "reset"), bt.UNCERTAIN),
        (None, ConnectionRefusedError(111, "refused"), bt.NOT_DELIVERED),
    ],
)
def test_send_outcome(stage, error, outcome):
    assert bt.send_outcome(stage, error) == outcome


@pytest.mark.parametrize(
    ("error", "helps"),
    [
        (smtplib.SMTPServerDisconnected("closed"), True),
        (ConnectionResetError(104, "reset"), True),
        (TimeoutError("timed out"), True),
        (smtplib.SMTPSenderRefused(553, b"no", "a@b.c"), False),
        (smtplib.SMTPDataError(554, b"no"), False),
        (smtplib.SMTPAuthenticationError(535, b"bad"), False),
        (ValueError("bug"), False),
    ],
)
def test_reconnect_may_help(error, helps):
    assert bt.reconnect_may_help(error) is helps


def test_progress():
    assert bt.progress({"sent": 2, "failed": 1, "pending": 1, "skipped": 1}) == 80
    assert bt.progress({}) == 100
    assert bt.progress({"pending": 3, "queued": 0}) == 0
    assert bt.progress({"rendering": 1, "sent": 2}) == 66


def test_explain_stage():
    assert bt.explain_stage("data_sent") == "data"
    assert bt.explain_stage("recipient") == "recipient"
    assert bt.explain_stage(None) is None


def test_uncertain_message_is_translatable_text():
    assert "may have been delivered" in bt.UNCERTAIN_MESSAGE
    assert "%" not in bt.UNCERTAIN_MESSAGE


# --------------------------------------------------------------------------- SMTP stages


def _message(sender, recipient):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "Invoice"
    message["Message-Id"] = f"<{uuid.uuid4().hex}@example.com>"
    message.set_content("Please find your invoice attached.")
    return message


@pytest.fixture(scope="module")
def sender(mailservers):
    login = "batch" + uuid.uuid4().hex[:8] + "@example.com"
    mailservers.add_user(login, "Secret-pw", email=login)
    yield login
    mailservers.remove_user(login)


def _open(mailservers, login):
    return connection.open_smtp(mailservers.host, mailservers.smtp_port, "starttls", login,
                                "Secret-pw", timeout=5, ssl_context=mailservers.ssl_context())


def test_stage_after_success(mailservers, sender):
    client = _open(mailservers, sender)
    try:
        assert client.transaction_stage is None
        client.send_message(_message(sender, "to@example.org"))
        assert client.transaction_stage == "data_sent"
    finally:
        client.quit()


@pytest.mark.parametrize(
    ("reject_stage", "error_class", "stage"),
    [
        ("mail", smtplib.SMTPSenderRefused, "sender"),
        ("rcpt", smtplib.SMTPRecipientsRefused, "recipient"),
        ("data", smtplib.SMTPDataError, "data_sent"),
    ],
)
def test_stage_of_a_refusal(mailservers, sender, reject_stage, error_class, stage):
    mailservers.smtp_reject_next(1, 550, "5.7.1 refused here", stage=reject_stage)
    client = _open(mailservers, sender)
    try:
        with pytest.raises(error_class):
            client.send_message(_message(sender, "to@example.org"))
        assert client.transaction_stage == stage
    finally:
        client.close()


class HangUpServer:
    """A minimal SMTP server that hangs up at a chosen point of the transaction:
    ``"mail"`` (instead of answering MAIL FROM), ``"data"`` (instead of answering
    DATA), ``"end"`` (after the whole message, instead of the final reply)."""

    def __init__(self, hang_up_at):
        self.hang_up_at = hang_up_at
        self.received = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _addr = self.sock.accept()
        with conn, conn.makefile("rwb") as stream:
            def say(text):
                stream.write(text.encode() + b"\r\n")
                stream.flush()

            say("220 hangup.example ESMTP")
            in_data = False
            for raw in stream:
                line = raw.decode().rstrip("\r\n")
                if in_data:
                    if line == ".":
                        in_data = False
                        self.received.append(True)
                        if self.hang_up_at == "end":
                            return
                        say("250 2.0.0 queued")
                    continue
                verb = line.split(" ")[0].upper()
                if verb == "EHLO":
                    say("250-hangup.example\r\n250 8BITMIME")
                elif verb == "MAIL":
                    if self.hang_up_at == "mail":
                        return
                    say("250 2.1.0 ok")
                elif verb == "RCPT":
                    say("250 2.1.5 ok")
                elif verb == "DATA":
                    if self.hang_up_at == "data":
                        return
                    in_data = True
                    say("354 go ahead")
                elif verb == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("502 5.5.2 no")

    def close(self):
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.mark.parametrize(
    ("hang_up_at", "stage", "outcome"),
    [
        ("mail", "sender", bt.NOT_DELIVERED),
        ("data", "data", bt.NOT_DELIVERED),
        ("end", "data_sent", bt.UNCERTAIN),
    ],
)
def test_connection_lost_during_transaction(hang_up_at, stage, outcome):
    server = HangUpServer(hang_up_at)
    client = connection.open_smtp("127.0.0.1", server.port, "none", "", "", timeout=5)
    try:
        with pytest.raises(smtplib.SMTPServerDisconnected) as caught:
            client.send_message(_message("a@example.com", "b@example.org"))
        assert client.transaction_stage == stage
        assert bt.send_outcome(client.transaction_stage, caught.value) == outcome
        assert bool(server.received) is (hang_up_at == "end")
    finally:
        client.close()
        server.close()
