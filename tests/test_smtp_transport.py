"""SMTP sessions of ``tools/smtp_transport.py`` against the harness' real aiosmtpd.

Opened at first use, reopened after ``reset()``, ended with QUIT whatever happened.
"""

import email
import smtplib
import uuid
from email.message import EmailMessage

import pytest

from mail_accounts_ext.tools import connection, smtp_transport

pytestmark = [pytest.mark.filterwarnings("error::ResourceWarning")]


@pytest.fixture(scope="module")
def login(mailservers):
    name = "transport" + uuid.uuid4().hex[:8]
    mailservers.add_user(name, "Secret-" + name, email=name + "@example.com")
    yield name
    mailservers.remove_user(name)


@pytest.fixture
def opener(mailservers, login):
    """An opener counting the connections it made."""
    opened = []

    def open_client():
        client = connection.open_smtp(
            mailservers.host, mailservers.smtp_port, "starttls", login, "Secret-" + login,
            ssl_context=mailservers.ssl_context(), timeout=10)
        opened.append(client)
        return client

    open_client.opened = opened
    return open_client


def _subjects(mailservers, login, count):
    received = mailservers.wait_smtp(count)
    return [email.message_from_bytes(r.data)["Subject"] for r in received if r.login == login]


def _message(login, subject):
    message = EmailMessage()
    message["From"] = f"{login}@example.com"
    message["To"] = "someone@example.net"
    message["Subject"] = subject
    message.set_content("Hello")
    return message


def test_connects_at_first_use_and_quits_at_the_end(mailservers, login, opener):
    mailservers.clear_smtp()
    with smtp_transport.Session(opener) as session:
        assert opener.opened == [], "nothing connects before a message needs the server"
        session.client.send_message(_message(login, "one"))
        session.client.send_message(_message(login, "two"))
        client = session.client
    assert len(opener.opened) == 1, "one connection for both messages"
    assert smtp_transport.is_broken(client), "the socket is closed after the block"
    assert _subjects(mailservers, login, 2) == ["one", "two"]


def test_reset_reconnects_for_the_next_message(mailservers, login, opener):
    mailservers.clear_smtp()
    with smtp_transport.Session(opener) as session:
        first = session.client
        mailservers.smtp_drop_next(1, stage="mail")  # the server hangs up at MAIL FROM
        with pytest.raises(smtplib.SMTPServerDisconnected):
            first.send_message(_message(login, "lost"))
        assert smtp_transport.is_broken(first)
        session.reset()
        session.client.send_message(_message(login, "again"))
    assert len(opener.opened) == 2
    assert _subjects(mailservers, login, 1) == ["again"]


def test_a_failed_connection_raises_and_is_tried_again(mailservers, login):
    calls = []

    def refused():
        calls.append(1)
        return connection.open_smtp(mailservers.host, mailservers.smtp_port, "starttls",
                                    login, "wrong password",
                                    ssl_context=mailservers.ssl_context(), timeout=10)

    with smtp_transport.Session(refused) as session:
        for _attempt in range(2):
            with pytest.raises(smtplib.SMTPAuthenticationError):
                session.client  # noqa: B018 - connecting is what is tested
    assert len(calls) == 2


def test_a_server_that_sends_nothing():
    """Odoo's own outgoing server while tests run: ``connect()`` gives None."""
    calls = []

    def nothing():
        calls.append(1)

    with smtp_transport.Session(nothing) as session:
        assert session.client is None
        assert session.client is None
    assert calls == [1], "connected once: None is a session too"


def test_is_broken():
    class Client:
        sock = object()

    assert smtp_transport.is_broken(None)
    assert not smtp_transport.is_broken(Client())
    closed = Client()
    closed.sock = None
    assert smtp_transport.is_broken(closed)
