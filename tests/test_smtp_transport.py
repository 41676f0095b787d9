"""``tools/smtp_transport.py`` against real servers: the harness' aiosmtpd, and a scripted
server that hangs up at chosen points of the SMTP transaction.

Sessions open at first use, reopen after ``reset()`` and end with QUIT whatever
happened; ``transmit``/``deliver`` hand a mail's messages over and say who was reached
and, on failure, where the transaction stood and whether the server may have the message.
"""

import email
import smtplib
import socket
import threading
import uuid
from email.message import EmailMessage

import pytest
from leaks import NO_LEAKS

from mail_accounts_ext.tools import connection, smtp_transport
from mail_accounts_ext.tools.smtp_transport import NOT_DELIVERED, UNCERTAIN

pytestmark = NO_LEAKS
PASSWORD = "Secret-pw"


@pytest.fixture(scope="module")
def sender(mailservers):
    login = "transport" + uuid.uuid4().hex[:8] + "@example.com"
    mailservers.add_user(login, PASSWORD, email=login)
    yield login
    mailservers.remove_user(login)


def _open(mailservers, login, password=PASSWORD):
    return connection.open_smtp(mailservers.host, mailservers.smtp_port, "starttls", login,
                                password, timeout=5, ssl_context=mailservers.ssl_context())


@pytest.fixture
def opener(mailservers, sender):
    """An opener counting the connections it made."""
    opened = []

    def open_client():
        client = _open(mailservers, sender)
        opened.append(client)
        return client

    open_client.opened = opened
    return open_client


def _message(sender, recipient="to@example.org", subject="Invoice"):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-Id"] = f"<{uuid.uuid4().hex}@example.com>"
    message.set_content("Please find your invoice attached.")
    return message


def _subjects(mailservers, sender, count):
    received = mailservers.wait_smtp(count)
    return [email.message_from_bytes(r.data)["Subject"] for r in received if r.login == sender]


def _prepare(sender, *recipients):
    """A ``prepare`` of ``transmit``: one message per recipient not reached yet."""
    calls = []

    def prepare(client, reached):
        calls.append(list(reached))
        return [(recipient, _message(sender, recipient, subject=recipient), sender,
                 [recipient]) for recipient in recipients if recipient not in reached]

    prepare.calls = calls
    return prepare


# --------------------------------------------------------------------------- sessions


def test_connects_at_first_use_and_quits_at_the_end(mailservers, sender, opener):
    mailservers.clear_smtp()
    with smtp_transport.Session(opener) as session:
        assert opener.opened == [], "nothing connects before a message needs the server"
        session.client.send_message(_message(sender, subject="one"))
        session.client.send_message(_message(sender, subject="two"))
        client = session.client
    assert len(opener.opened) == 1, "one connection for both messages"
    assert smtp_transport.is_broken(client), "the socket is closed after the block"
    assert _subjects(mailservers, sender, 2) == ["one", "two"]


def test_reset_reconnects_for_the_next_message(mailservers, sender, opener):
    mailservers.clear_smtp()
    with smtp_transport.Session(opener) as session:
        first = session.client
        mailservers.smtp_drop_next(1, stage="mail")  # the server hangs up at MAIL FROM
        with pytest.raises(smtplib.SMTPServerDisconnected):
            first.send_message(_message(sender, subject="lost"))
        assert smtp_transport.is_broken(first)
        session.reset()
        session.client.send_message(_message(sender, subject="again"))
    assert len(opener.opened) == 2
    assert _subjects(mailservers, sender, 1) == ["again"]


def test_a_failed_connection_is_not_tried_again_until_reset(mailservers, sender):
    calls = []

    def refused():
        calls.append(1)
        return _open(mailservers, sender, password="wrong password")

    with smtp_transport.Session(refused) as session:
        for _attempt in range(2):
            with pytest.raises(smtplib.SMTPAuthenticationError):
                session.client  # noqa: B018 - connecting is what is tested
        assert len(calls) == 1, "the other messages fail with the same error"
        session.reset()
        with pytest.raises(smtplib.SMTPAuthenticationError):
            session.client  # noqa: B018
    assert len(calls) == 2


def test_a_server_that_sends_nothing():
    """Odoo's own outgoing server while tests run: ``connect()`` gives None."""
    calls = []

    def nothing():
        calls.append(1)

    with smtp_transport.Session(nothing) as session:
        assert session.client is None
        assert session.client is None
        result = smtp_transport.deliver(session, _prepare("a@example.com", "b@example.org"))
    assert calls == [1], "connected once: None is a session too"
    assert result.delivered and result.reached == ["b@example.org"]


def test_is_broken():
    class Client:
        sock = object()

    assert smtp_transport.is_broken(None)
    assert not smtp_transport.is_broken(Client())
    closed = Client()
    closed.sock = None
    assert smtp_transport.is_broken(closed)


# --------------------------------------------------------------------------- transmit, deliver


def _transmit_two(mailservers, sender):
    """``transmit`` of a mail to two recipients on a new connection, closed after."""
    client = _open(mailservers, sender)
    try:
        return smtp_transport.transmit(client, _prepare(sender, "a@example.org",
                                                        "b@example.org"))
    finally:
        smtp_transport.close_client(client)


def test_transmit_reaches_every_recipient(mailservers, sender):
    mailservers.clear_smtp()
    result = _transmit_two(mailservers, sender)
    assert result.delivered and not result.uncertain
    assert result.reached == ["a@example.org", "b@example.org"]
    assert b"Subject: a@example.org" in result.raw, "the first message as sent"
    assert _subjects(mailservers, sender, 2) == ["a@example.org", "b@example.org"]


def test_transmit_stops_at_a_refusal(mailservers, sender):
    mailservers.clear_smtp()
    mailservers.smtp_reject_next(1, 550, "5.1.1 no such user", stage="rcpt")
    result = _transmit_two(mailservers, sender)
    assert isinstance(result.error, smtplib.SMTPRecipientsRefused)
    assert (result.stage, result.reached, result.raw) == ("recipient", [], None)
    assert not result.uncertain and not result.worth_reconnecting


def test_transmit_reports_what_prepare_raised():
    def prepare(client, reached):
        raise AssertionError("Error without recipient")

    result = smtp_transport.transmit(None, prepare)
    assert isinstance(result.error, AssertionError) and result.reached == []


def test_deliver_reconnects_once_for_what_was_not_reached(mailservers, sender, opener):
    """The connection drops at the second message's MAIL FROM: a new connection
    delivers it, and the first recipient is not sent to again."""
    mailservers.clear_smtp()
    calls = []

    def prepare(client, reached):
        calls.append(list(reached))
        todo = [r for r in ("a@example.org", "b@example.org") if r not in reached]
        for index, recipient in enumerate(todo):
            if len(calls) == 1 and index == 1:
                mailservers.smtp_drop_next(1, stage="mail")
            yield recipient, _message(sender, recipient, recipient), sender, [recipient]

    with smtp_transport.Session(opener) as session:
        result = smtp_transport.deliver(session, prepare)
    assert result.delivered, result.error
    assert result.reached == ["a@example.org", "b@example.org"]
    assert calls == [[], ["a@example.org"]]
    assert len(opener.opened) == 2
    assert _subjects(mailservers, sender, 2) == ["a@example.org", "b@example.org"]


def test_deliver_gives_up_after_one_reconnection(mailservers, sender, opener):
    mailservers.clear_smtp()
    mailservers.smtp_drop_next(2, stage="mail")
    with smtp_transport.Session(opener) as session:
        result = smtp_transport.deliver(session, _prepare(sender, "a@example.org"))
    assert len(opener.opened) == 2, "one new connection, not more"
    assert isinstance(result.error, smtplib.SMTPServerDisconnected)
    assert result.stage == "sender" and result.worth_reconnecting
    assert mailservers.smtp_received == []


def test_deliver_after_a_drop_sends_on_a_new_connection(mailservers, sender, opener):
    mailservers.clear_smtp()
    mailservers.smtp_drop_next(1, stage="mail")
    prepare = _prepare(sender, "a@example.org")
    with smtp_transport.Session(opener) as session:
        result = smtp_transport.deliver(session, prepare)
    assert result.delivered and result.reached == ["a@example.org"]
    assert len(opener.opened) == 2
    assert prepare.calls == [[], []], "prepared again on the new connection"
    assert _subjects(mailservers, sender, 1) == ["a@example.org"]


def test_deliver_reports_a_failed_connection(mailservers, sender):
    with smtp_transport.Session(lambda: _open(mailservers, sender, "wrong")) as session:
        result = smtp_transport.deliver(session, _prepare(sender, "a@example.org"))
    assert isinstance(result.error, smtplib.SMTPAuthenticationError)
    assert result.stage == smtp_transport.CONNECT and not result.uncertain


# --------------------------------------------------------------------------- outcomes


@pytest.mark.parametrize(
    ("stage", "error", "outcome"),
    [
        ("sender", smtplib.SMTPSenderRefused(553, b"5.7.1 not yours", "a@b.c"), NOT_DELIVERED),
        ("recipient", smtplib.SMTPRecipientsRefused({"x@y.z": (550, b"no")}), NOT_DELIVERED),
        ("data_sent", smtplib.SMTPDataError(554, b"5.7.1 spam"), NOT_DELIVERED),
        ("data_sent", smtplib.SMTPResponseException(451, b"4.3.0 try later"), NOT_DELIVERED),
        ("sender", smtplib.SMTPServerDisconnected("closed"), NOT_DELIVERED),
        ("data", smtplib.SMTPServerDisconnected("closed"), NOT_DELIVERED),
        ("data", ConnectionResetError(104, "reset"), NOT_DELIVERED),
        ("data_sent", smtplib.SMTPServerDisconnected("closed"), UNCERTAIN),
        ("data_sent", TimeoutError("timed out"), UNCERTAIN),
        ("data_sent", ConnectionResetError(104, "reset"), UNCERTAIN),
        (None, ConnectionRefusedError(111, "refused"), NOT_DELIVERED),
    ],
)
def test_send_outcome(stage, error, outcome):
    assert smtp_transport.send_outcome(stage, error) == outcome


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
    assert smtp_transport.reconnect_may_help(error) is helps


@pytest.mark.parametrize(
    ("error", "server"),
    [
        (smtplib.SMTPDataError(554, b"no"), True),
        (smtplib.SMTPServerDisconnected("closed"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("timed out"), True),
        (AssertionError("Error without recipient"), False),
        (ValueError("bug"), False),
    ],
)
def test_is_server_failure(error, server):
    assert smtp_transport.is_server_failure(error) is server


def test_explain_stage():
    assert smtp_transport.explain_stage("data_sent") == "data"
    assert smtp_transport.explain_stage("recipient") == "recipient"
    assert smtp_transport.explain_stage(None) is None


# --------------------------------------------------------------------------- SMTP stages


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
        ("mail", "sender", NOT_DELIVERED),
        ("data", "data", NOT_DELIVERED),
        ("end", "data_sent", UNCERTAIN),
    ],
)
def test_connection_lost_during_transaction(hang_up_at, stage, outcome):
    server = HangUpServer(hang_up_at)
    client = connection.open_smtp("127.0.0.1", server.port, "none", "", "", timeout=5)
    try:
        with pytest.raises(smtplib.SMTPServerDisconnected) as caught:
            client.send_message(_message("a@example.com", "b@example.org"))
        assert client.transaction_stage == stage
        assert smtp_transport.send_outcome(client.transaction_stage, caught.value) == outcome
        assert bool(server.received) is (hang_up_at == "end")
    finally:
        client.close()
        server.close()
