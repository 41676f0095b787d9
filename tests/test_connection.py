"""Connection probes against real servers (Dovecot + aiosmtpd from the harness).

No mocks: every failure comes from a real socket (a closed port, a server that
never speaks, a minimal scripted server for capabilities Dovecot always has).
"""

import contextlib
import email.policy
import imaplib
import os
import poplib
import smtplib
import socket
import ssl
import threading
import time
import uuid
from email.message import EmailMessage

import pytest
from leaks import NO_LEAKS

from mail_accounts_ext.tools import connection
from mail_accounts_ext.tools.connection import (
    ProbeResult,
    make_ssl_context,
    open_imap,
    open_pop3,
    open_smtp,
    probe,
    probe_imap,
    probe_pop3,
    probe_smtp,
)

pytestmark = NO_LEAKS

PORT_ATTR = {
    ("smtp", "ssl"): "smtps_port",
    ("smtp", "starttls"): "smtp_port",
    ("smtp", "none"): "smtp_port",
    ("imap", "ssl"): "imaps_port",
    ("imap", "starttls"): "imap_port",
    ("imap", "none"): "imap_port",
    ("pop3", "ssl"): "pop3s_port",
    ("pop3", "starttls"): "pop3_port",
    ("pop3", "none"): "pop3_port",
}
PLAIN_PORT = {"smtp": "smtp_port", "imap": "imap_port", "pop3": "pop3_port"}
IMPLICIT_PORT = {"smtp": "smtps_port", "imap": "imaps_port", "pop3": "pop3s_port"}
PROTOCOLS = ("smtp", "imap", "pop3")
SECURITIES = ("ssl", "starttls", "none")


class Account:
    def __init__(self, login, password, email):
        self.login, self.password, self.email = login, password, email


@pytest.fixture(scope="module")
def account(mailservers):
    login = "probe" + uuid.uuid4().hex[:8]
    user = Account(login, "Secret-" + login, login + "@example.com")
    mailservers.add_user(user.login, user.password, email=user.email)
    yield user
    mailservers.remove_user(user.login)


def _socket_fds():
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
    return count


@pytest.fixture(autouse=True)
def no_socket_leak():
    """Every probe closes its sockets itself (not the garbage collector)."""
    before = _socket_fds()
    yield
    # in-process servers (aiosmtpd, scripted ones) close their side a bit later
    deadline = time.monotonic() + 2
    while _socket_fds() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _socket_fds() <= before


def run_probe(servers, account, protocol, security, *, port=None, password=None, **options):
    port = port if port is not None else getattr(servers, PORT_ATTR[protocol, security])
    options.setdefault("ssl_context", servers.ssl_context())
    return probe(
        protocol,
        servers.host,
        port,
        security,
        account.login,
        account.password if password is None else password,
        account.email,
        **options,
    )


@contextlib.contextmanager
def plaintext_smtp_auth(servers, protocol, security):
    """SMTP AUTH without TLS is off by default in the harness (as on real servers)."""
    allow = protocol == "smtp" and security == "none"
    if allow:
        servers.smtp_allow_plaintext_auth(True)
    try:
        yield
    finally:
        if allow:
            servers.smtp_allow_plaintext_auth(False)


# --------------------------------------------------------------------------- success

EXPECTED_TRANSCRIPTS = {
    "smtp": ("auth", "mail_from", "rset", "quit"),
    "imap": ("auth", "list", "select", "logout"),
    "pop3": ("auth", "stat", "quit"),
}
SECURITY_STEPS = {
    "ssl": ("connect", "tls"),
    "starttls": ("connect", "starttls"),
    "none": ("connect",),
}


@pytest.mark.parametrize("security", SECURITIES)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_probe_succeeds(mailservers, account, protocol, security):
    with plaintext_smtp_auth(mailservers, protocol, security):
        result = run_probe(mailservers, account, protocol, security)
    assert result == ProbeResult(
        ok=True,
        protocol=protocol,
        stage=None,
        error=None,
        transcript=SECURITY_STEPS[security] + EXPECTED_TRANSCRIPTS[protocol],
    )


def test_probe_smtp_never_sends_data(mailservers, account):
    before = len(mailservers.smtp_received)
    result = run_probe(mailservers, account, "smtp", "starttls")
    assert result.ok
    assert len(mailservers.smtp_received) == before


def test_smtp_plain_port_without_tls_offers_no_auth(mailservers, account):
    result = run_probe(mailservers, account, "smtp", "none")
    assert not result.ok and result.stage == "auth"
    assert isinstance(result.error, smtplib.SMTPNotSupportedError)
    assert result.transcript == ("connect",)


def test_smtp_without_login_is_refused_at_sender(mailservers, account):
    result = probe_smtp(
        mailservers.host,
        mailservers.smtp_port,
        "starttls",
        "",
        "",
        account.email,
        ssl_context=mailservers.ssl_context(),
    )
    assert (result.ok, result.stage) == (False, "sender")
    assert isinstance(result.error, smtplib.SMTPSenderRefused)
    assert result.error.smtp_code == 530
    assert result.error.smtp_error == b"5.7.0 Authentication required"
    assert result.error.sender == account.email
    assert result.transcript == ("connect", "starttls")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_non_ascii_credentials(mailservers, protocol):
    login = "utf" + uuid.uuid4().hex[:8]
    user = Account(login, "pässwörd €", login + "@example.com")
    mailservers.add_user(user.login, user.password, email=user.email)
    try:
        result = run_probe(mailservers, user, protocol, "ssl")
        assert result.ok, result
        result = run_probe(mailservers, user, protocol, "ssl", password="pässwort €")
        assert (result.ok, result.stage) == (False, "auth")
    finally:
        mailservers.remove_user(user.login)


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_wrong_password_smtp(mailservers, account, security):
    result = run_probe(mailservers, account, "smtp", security, password="wrong")
    assert (result.ok, result.protocol, result.stage) == (False, "smtp", "auth")
    assert isinstance(result.error, smtplib.SMTPAuthenticationError)
    assert result.error.smtp_code == 535
    assert result.error.smtp_error == b"5.7.8 Authentication credentials invalid"
    assert result.transcript == SECURITY_STEPS[security]


def test_wrong_password_imap(mailservers, account):
    result = run_probe(mailservers, account, "imap", "ssl", password="wrong")
    assert (result.ok, result.stage) == (False, "auth")
    assert type(result.error) is imaplib.IMAP4.error
    assert "AUTHENTICATIONFAILED" in str(result.error)


def test_wrong_password_pop3(mailservers, account):
    result = probe_pop3(
        mailservers.host,
        mailservers.pop3_port,
        "starttls",
        account.login,
        "wrong",
        ssl_context=mailservers.ssl_context(),
    )
    assert (result.ok, result.protocol, result.stage) == (False, "pop3", "auth")
    assert result.transcript == ("connect", "starttls")
    assert isinstance(result.error, poplib.error_proto)
    assert result.error.args[0].startswith(b"-ERR")


def test_unknown_user(mailservers, account):
    ghost = Account("ghost" + uuid.uuid4().hex[:6], "x", "ghost@example.com")
    for protocol in PROTOCOLS:
        result = run_probe(mailservers, ghost, protocol, "ssl")
        assert (result.ok, result.stage) == (False, "auth"), result


# --------------------------------------------------------------------------- sender


def test_sender_policy_refuses_foreign_address(mailservers, account):
    mailservers.smtp_sender_policy(mailservers.own_address_policy)
    try:
        ok = run_probe(mailservers, account, "smtp", "ssl")
        assert ok.ok, ok
        result = probe_smtp(
            mailservers.host,
            mailservers.smtps_port,
            "ssl",
            account.login,
            account.password,
            "ceo@example.com",
            ssl_context=mailservers.ssl_context(),
        )
    finally:
        mailservers.smtp_sender_policy(None)
    assert (result.ok, result.stage) == (False, "sender")
    assert isinstance(result.error, smtplib.SMTPSenderRefused)
    assert result.error.smtp_code == 553
    assert result.error.smtp_error.startswith(b"5.7.1")
    assert result.error.sender == "ceo@example.com"
    assert result.transcript == ("connect", "tls", "auth")


def test_temporary_sender_refusal(mailservers, account):
    mailservers.smtp_reject_next(1, 451, "4.7.1 Try again later", stage="mail")
    result = run_probe(mailservers, account, "smtp", "starttls")
    assert (result.ok, result.stage) == (False, "sender")
    assert result.error.smtp_code == 451
    assert run_probe(mailservers, account, "smtp", "starttls").ok


# --------------------------------------------------------------------------- wrong port / TLS


def test_imap_probe_at_pop3_port(mailservers, account):
    result = run_probe(mailservers, account, "imap", "none", port=mailservers.pop3_port)
    assert (result.ok, result.stage) == (False, "connect")
    assert isinstance(result.error, imaplib.IMAP4.error)
    assert result.error.args[0].startswith(b"+OK")  # the POP3 greeting
    assert result.transcript == ("connect",)


def test_smtp_probe_at_imap_port(mailservers, account):
    result = run_probe(mailservers, account, "smtp", "none", port=mailservers.imap_port)
    assert (result.ok, result.stage) == (False, "connect")
    assert isinstance(result.error, smtplib.SMTPConnectError)
    assert b"Dovecot" in result.error.smtp_error


def test_pop3_probe_at_smtp_port(mailservers, account):
    result = run_probe(mailservers, account, "pop3", "none", port=mailservers.smtp_port)
    assert (result.ok, result.stage) == (False, "connect")
    assert isinstance(result.error, poplib.error_proto)
    assert result.error.args[0].startswith(b"220")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_ssl_on_plain_port(mailservers, account, protocol):
    port = getattr(mailservers, PLAIN_PORT[protocol])
    result = run_probe(mailservers, account, protocol, "ssl", port=port, timeout=5)
    assert (result.ok, result.stage) == (False, "tls")
    assert isinstance(result.error, ssl.SSLError)
    assert not isinstance(result.error, ssl.SSLCertVerificationError)
    assert result.transcript == ("connect",)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_starttls_on_implicit_port(mailservers, account, protocol):
    port = getattr(mailservers, IMPLICIT_PORT[protocol])
    started = time.monotonic()
    result = run_probe(mailservers, account, protocol, "starttls", port=port, timeout=1)
    assert time.monotonic() - started < 3
    assert not result.ok
    # the server waits for a TLS handshake, the client for a greeting
    assert result.stage == "connect"
    assert isinstance(result.error, TimeoutError | ConnectionError | ssl.SSLError), result


@pytest.mark.parametrize("security", ["ssl", "starttls"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_self_signed_not_trusted(mailservers, account, protocol, security):
    result = run_probe(mailservers, account, protocol, security, ssl_context=None)
    assert (result.ok, result.stage) == (False, "tls")
    assert isinstance(result.error, ssl.SSLCertVerificationError)
    assert result.error.verify_code == 20  # unable to get local issuer certificate


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_unverified_context_accepts_any_certificate(mailservers, account, protocol):
    with plaintext_smtp_auth(mailservers, protocol, "ssl"):
        result = run_probe(
            mailservers, account, protocol, "ssl", ssl_context=make_ssl_context(verify=False)
        )
    assert result.ok, result


def test_make_ssl_context(mailservers):
    verifying = make_ssl_context(cafile=mailservers.ca_file)
    assert verifying.verify_mode == ssl.CERT_REQUIRED and verifying.check_hostname
    loose = make_ssl_context(verify=False)
    assert loose.verify_mode == ssl.CERT_NONE and not loose.check_hostname
    assert make_ssl_context().verify_mode == ssl.CERT_REQUIRED


# --------------------------------------------------------------------------- network


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port():
    """A port that accepts TCP connections and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_connection_refused(mailservers, account, protocol, closed_port):
    result = run_probe(mailservers, account, protocol, "ssl", port=closed_port)
    assert (result.ok, result.stage, result.transcript) == (False, "connect", ())
    assert isinstance(result.error, ConnectionRefusedError)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_unknown_host(protocol):
    result = probe(protocol, "nonexistent.invalid", 993, "ssl", "a", "b", "a@b.c", timeout=5)
    assert (result.ok, result.stage, result.transcript) == (False, "connect", ())
    assert isinstance(result.error, socket.gaierror)


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_timeout(mailservers, account, protocol, security, silent_port):
    started = time.monotonic()
    result = run_probe(mailservers, account, protocol, security, port=silent_port, timeout=1)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 2.5, elapsed
    assert not result.ok
    assert result.stage == ("tls" if security == "ssl" else "connect")
    assert isinstance(result.error, TimeoutError), repr(result.error)
    assert result.transcript == ("connect",)


def test_invalid_arguments(mailservers, account):
    with pytest.raises(ValueError):
        probe_imap("127.0.0.1", 1, "tls", "a", "b")
    with pytest.raises(ValueError):
        probe("nntp", "127.0.0.1", 1, "ssl", "a", "b")
    with pytest.raises(ValueError):
        open_smtp("127.0.0.1", 1, "plain", "a", "b")
    with pytest.raises(ValueError):
        probe_smtp("127.0.0.1", 1, "ssl", "a", "b", "")


# --------------------------------------------------------------------------- scripted servers


class ScriptedServer:
    """A tiny line server: a greeting, then ``reply(line) -> text | None`` per line."""

    def __init__(self, greeting, reply):
        self.greeting, self.reply = greeting, reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            with conn, conn.makefile("rwb") as stream:
                conn.settimeout(5)
                try:
                    stream.write(self.greeting.encode() + b"\r\n")
                    stream.flush()
                    for line in stream:
                        answer = self.reply(line.decode().rstrip("\r\n"))
                        if answer is None:
                            break
                        stream.write(answer.encode() + b"\r\n")
                        stream.flush()
                except OSError:
                    pass

    def close(self):
        self.stopped.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def scripted():
    servers = []

    def start(greeting, reply):
        server = ScriptedServer(greeting, reply)
        servers.append(server)
        return server.port

    yield start
    for server in servers:
        server.close()


def _smtp_reply(line):
    verb = line.split(" ")[0].upper()
    if verb == "EHLO":
        return "250-fake.example\r\n250 AUTH PLAIN"
    if verb == "QUIT":
        return None
    return "502 5.5.2 not implemented"


def _imap_reply(line):
    tag, _sep, rest = line.partition(" ")
    if rest.upper().startswith("CAPABILITY"):
        return "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + " OK done"
    if rest.upper().startswith("LOGOUT"):
        return None
    return tag + " BAD unknown"


def _pop3_reply(line):
    if line.upper() == "CAPA":
        return "+OK\r\nUSER\r\n."
    if line.upper() == "QUIT":
        return None
    return "-ERR unknown"


SCRIPTS = {
    "smtp": ("220 fake.example ESMTP", _smtp_reply, smtplib.SMTPNotSupportedError),
    "imap": ("* OK fake ready", _imap_reply, imaplib.IMAP4.error),
    "pop3": ("+OK fake ready", _pop3_reply, poplib.error_proto),
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_starttls_not_offered(scripted, protocol):
    greeting, reply, error_class = SCRIPTS[protocol]
    port = scripted(greeting, reply)
    result = probe(protocol, "127.0.0.1", port, "starttls", "a", "b", "a@b.c", timeout=5)
    assert (result.ok, result.stage, result.transcript) == (False, "tls", ("connect",))
    assert isinstance(result.error, error_class)
    assert "not supported" in str(result.error).lower() or "STLS" in str(result.error)


def test_server_closing_mid_session_reports_socket_error(scripted):
    port = scripted("220 fake.example ESMTP", lambda line: None)  # hangs up after EHLO
    result = probe_smtp("127.0.0.1", port, "none", "a", "b", "a@b.c", timeout=5)
    assert (result.ok, result.stage) == (False, "connect")
    assert isinstance(result.error, smtplib.SMTPServerDisconnected | ConnectionError)


# --------------------------------------------------------------------------- open_*


def test_open_clients(mailservers, account):
    context = mailservers.ssl_context()
    mailservers.deliver(account.login, b"Subject: open\r\n\r\nbody\r\n")
    imap = open_imap(
        mailservers.host, mailservers.imaps_port, "ssl", account.login, account.password,
        timeout=5, ssl_context=context,
    )  # fmt: skip
    try:
        assert imap.state == "AUTH"
        typ, data = imap.select("INBOX", readonly=True)
        assert typ == "OK" and int(data[0]) >= 1
    finally:
        imap.logout()
    pop = open_pop3(
        mailservers.host, mailservers.pop3_port, "starttls", account.login, account.password,
        timeout=5, ssl_context=context,
    )  # fmt: skip
    try:
        assert pop.stat()[0] >= 1
    finally:
        pop.quit()
    before = len(mailservers.smtp_received)
    smtp = open_smtp(
        mailservers.host, mailservers.smtp_port, "starttls", account.login, account.password,
        timeout=5, ssl_context=context,
    )  # fmt: skip
    try:
        smtp.sendmail(account.email, ["someone@example.org"], b"Subject: sent\r\n\r\nhi\r\n")
    finally:
        smtp.quit()
    received = mailservers.smtp_received[before:]
    assert [(r.login, r.tls) for r in received] == [(account.login, True)]


def test_open_clients_raise_original_errors(mailservers, account, silent_port):
    context = mailservers.ssl_context()
    with pytest.raises(smtplib.SMTPAuthenticationError):
        open_smtp(
            mailservers.host, mailservers.smtps_port, "ssl", account.login, "wrong",
            ssl_context=context,
        )  # fmt: skip
    with pytest.raises(imaplib.IMAP4.error):
        open_imap(mailservers.host, mailservers.imap_port, "none", account.login, "wrong")
    with pytest.raises(poplib.error_proto):
        open_pop3(mailservers.host, mailservers.pop3_port, "none", account.login, "wrong")
    with pytest.raises(ssl.SSLCertVerificationError):
        open_imap(mailservers.host, mailservers.imaps_port, "ssl", account.login, "x")
    for opener in (open_smtp, open_imap, open_pop3):
        with pytest.raises(TimeoutError):
            opener("127.0.0.1", silent_port, "none", "a", "b", timeout=0.5)


def test_module_constants():
    assert connection.SECURITIES == ("ssl", "starttls", "none")
    assert set(connection.STAGES) == {"connect", "tls", "auth", "sender", "list", "stat"}


# --------------------------------------------------------------------------- IDNA


def _sender_spy(servers):
    seen = []

    def policy(login, mail_from):
        seen.append(mail_from)

    servers.smtp_sender_policy(policy)
    return seen


@pytest.mark.parametrize("smtputf8", [True, False])
def test_smtp_probe_sends_idna_domain(mailservers, account, smtputf8):
    """MAIL FROM carries the domain in its IDNA form, with or without SMTPUTF8."""
    seen = _sender_spy(mailservers)
    mailservers.smtp_offer_smtputf8(smtputf8)
    try:
        result = probe_smtp(mailservers.host, mailservers.smtp_port, "starttls",
                            account.login, account.password, "dave@bücher.example",
                            ssl_context=mailservers.ssl_context())
    finally:
        mailservers.smtp_offer_smtputf8(True)
        mailservers.smtp_sender_policy(None)
    assert result.ok, result
    assert seen == ["dave@xn--bcher-kva.example"]


def test_smtp_probe_non_ascii_local_part_needs_smtputf8(mailservers, account):
    seen = _sender_spy(mailservers)
    try:
        result = probe_smtp(mailservers.host, mailservers.smtp_port, "starttls",
                            account.login, account.password, "jörg@bücher.example",
                            ssl_context=mailservers.ssl_context())
        assert result.ok, result
        assert seen == ["jörg@xn--bcher-kva.example"]
        mailservers.smtp_offer_smtputf8(False)
        result = probe_smtp(mailservers.host, mailservers.smtp_port, "starttls",
                            account.login, account.password, "jörg@bücher.example",
                            ssl_context=mailservers.ssl_context())
        assert (result.ok, result.stage) == (False, "sender")
        assert isinstance(result.error, smtplib.SMTPNotSupportedError)
    finally:
        mailservers.smtp_offer_smtputf8(True)
        mailservers.smtp_sender_policy(None)


def _utf8_message(account):
    message = EmailMessage(policy=email.policy.SMTP.clone(utf8=True))
    message["From"] = account.email
    message["To"] = "ann@example.org"
    message["Reply-To"] = "Jörg <jörg@xn--bcher-kva.example>"
    message["Subject"] = "utf-8 headers"
    message.set_content("hello")
    return message


def test_smtp_utf8_headers_sent_with_smtputf8(mailservers, account):
    """A message with a UTF-8 address in a header only (ASCII envelope) goes out with
    SMTPUTF8: its headers as UTF-8, never as encoded words inside an address."""
    before = len(mailservers.smtp_received)
    client = open_smtp(mailservers.host, mailservers.smtp_port, "starttls", account.login,
                       account.password, ssl_context=mailservers.ssl_context())
    try:
        client.send_message(_utf8_message(account), account.email, ["ann@example.org"])
        client.quit()
    finally:
        client.close()
    received = mailservers.wait_smtp(before + 1)[-1]
    assert received.rcpt_tos == ["ann@example.org"]
    assert "Reply-To: Jörg <jörg@xn--bcher-kva.example>".encode() in received.data


def test_smtp_utf8_headers_refused_without_smtputf8(mailservers, account):
    before = len(mailservers.smtp_received)
    mailservers.smtp_offer_smtputf8(False)
    try:
        client = open_smtp(mailservers.host, mailservers.smtp_port, "starttls",
                           account.login, account.password,
                           ssl_context=mailservers.ssl_context())
        try:
            with pytest.raises(smtplib.SMTPNotSupportedError):
                client.send_message(_utf8_message(account), account.email,
                                    ["ann@example.org"])
        finally:
            client.close()
    finally:
        mailservers.smtp_offer_smtputf8(True)
    assert len(mailservers.smtp_received) == before
