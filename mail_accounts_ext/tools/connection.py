"""Connection probes and logged-in clients for SMTP, IMAP and POP3.

``probe_smtp`` / ``probe_imap`` / ``probe_pop3`` are what the "Test account"
button of an account form runs: they connect, secure the connection, log in and
do one harmless command (SMTP ``MAIL FROM`` then ``RSET``, never ``DATA``; IMAP
``LIST`` + read-only ``SELECT INBOX``; POP3 ``STAT``), and return a
:class:`ProbeResult` instead of raising.  On failure the result carries the
stage that failed and the exception itself (an ``ssl.SSLCertVerificationError``,
an ``smtplib.SMTPAuthenticationError``...); ``tools.errors.explain`` turns it
into words.  The only exceptions the probes build themselves are
``smtplib.SMTPSenderRefused`` for a refused ``MAIL FROM`` and ``IMAP4.error``
when ``LIST``/``SELECT`` answer NO (imaplib returns those instead of raising).
When a library wraps a socket error in its own "connection closed"
exception (``SMTPServerDisconnected``, ``IMAP4.abort``), the socket error itself
(``TimeoutError``, ``ConnectionResetError``, ``ssl.SSLError``) is reported.

``open_smtp`` / ``open_imap`` / ``open_pop3`` return logged-in clients (the
mailbox synchronisation and the sender reuse them) and raise on failure.

``password`` is a password (str) or a :class:`Bearer` OAuth 2.0 access token; with a
token, ``login`` is the mailbox to open (for a shared mailbox: its address, not the
delegate's) and the client signs in with SASL XOAUTH2, or OAUTHBEARER (RFC 7628)
when the server offers only that.  A refused token is detected on every protocol
(the server's error challenge is answered, never mistaken for success, and no later
command is eaten as a SASL answer) and raised as the library's usual exception
(``SMTPAuthenticationError``, ``IMAP4.error``, ``poplib.error_proto``) of a
:class:`TokenRefused` subclass carrying the mechanism and the server's JSON error.

``security`` is ``"ssl"`` (implicit TLS), ``"starttls"`` (upgrade; an error if
the server does not offer it) or ``"none"``.  ``timeout`` (seconds) applies to
the TCP connection, the TLS handshake and every read (not to the DNS lookup).
``ssl_context`` None means ``ssl.create_default_context()``: certificates and
host names are verified.  Sockets are always closed before a probe returns or
an ``open_*`` function raises.

No Odoo import here: this module is tested without a database.
"""

import contextlib
import imaplib
import json
import poplib
import smtplib
import socket
import ssl
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass, field

from . import headers

PROTOCOLS = ("smtp", "imap", "pop3")
SECURITIES = ("ssl", "starttls", "none")
STAGES = ("connect", "tls", "auth", "sender", "list", "stat")
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class ProbeResult:
    """Outcome of a probe.

    ``stage``: where it failed (one of ``STAGES``), None when ``ok``.
    ``error``: the exception raised there (None when ``ok``).
    ``transcript``: the steps that succeeded, in order, e.g.
    ``("connect", "starttls", "auth", "mail_from", "rset", "quit")``.
    """

    ok: bool
    protocol: str
    stage: str | None
    error: BaseException | None
    transcript: tuple[str, ...]


class _Steps:
    """Tracks the current stage and the steps done so far."""

    def __init__(self):
        self.stage = "connect"
        self.done = []

    def enter(self, stage):
        self.stage = stage

    def ok(self, step):
        self.done.append(step)


def make_ssl_context(verify=True, cafile=None):
    """A client TLS context: verifying (system CAs, or only ``cafile``) or not at all."""
    context = ssl.create_default_context(cafile=cafile)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _check_security(security):
    if security not in SECURITIES:
        raise ValueError(f"security must be one of {SECURITIES}, not {security!r}")


def _check_credentials(login, password):
    """A token needs the mailbox as login, without control characters (they separate
    the fields of the SASL response)."""
    if isinstance(password, Bearer) and (
        not login or any(ord(char) < 32 or ord(char) == 127 for char in login)
    ):
        raise ValueError("a bearer token needs the mailbox address as login")


def _context(ssl_context):
    return ssl_context if ssl_context is not None else ssl.create_default_context()


def _connect_socket(host, port, timeout, implicit_context, steps, source_address=None):
    """TCP connection (stage connect), wrapped in TLS for implicit TLS (stage tls).

    The transcript gets "connect" once the TCP connection is up (a failure at
    stage "connect" with "connect" in the transcript is a greeting problem).
    """
    sock = socket.create_connection((host, port), timeout, source_address)
    steps.ok("connect")
    if implicit_context is None:
        return sock  # still stage "connect": the greeting comes next
    steps.enter("tls")
    try:
        sock = implicit_context.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise
    steps.ok("tls")
    steps.enter("connect")  # the greeting comes next
    return sock


def _root_cause(error):
    """The socket error behind a library's "connection lost" wrapper, else ``error``."""
    if isinstance(error, smtplib.SMTPServerDisconnected | imaplib.IMAP4.abort):
        context = error.__context__
        if isinstance(context, OSError) and not isinstance(context, smtplib.SMTPException):
            return context
    return error


def _raising_root_cause(open_client, *args):
    """``open_client(*args)``; on failure the root cause (see :func:`_root_cause`) is
    raised, chained to the library's wrapper."""
    try:
        return open_client(*args)
    except Exception as error:
        cause = _root_cause(error)
        if cause is error:
            raise
        raise cause from error


def _probe(
    protocol, dialect, converse, host, port, security, login, password, timeout, ssl_context,
    **options,
):
    """A :class:`ProbeResult`: the client of ``dialect`` opened (``options`` go to its
    class), then ``converse(client, steps)``; the client is always closed."""
    _check_security(security)  # programming errors: raised, not reported
    _check_credentials(login, password)
    steps = _Steps()
    client = None
    try:
        client = _open_client(
            dialect, host, port, security, login, password, timeout, ssl_context, steps,
            **options,
        )
        converse(client, steps)
        return ProbeResult(True, protocol, None, None, tuple(steps.done))
    except Exception as error:
        return ProbeResult(False, protocol, steps.stage, _root_cause(error), tuple(steps.done))
    finally:
        if client is not None:
            dialect.close(client)


@dataclass(frozen=True)
class _Dialect:
    """How one protocol's client is greeted, upgraded to TLS, signed in and closed."""

    client_class: type
    upgrade: Callable  # (client, context): STARTTLS / STLS, then what must follow it
    sign_in: Callable  # (client, login, password)
    close: Callable  # (client): never raises
    greet: Callable = lambda client: None
    login_optional: bool = False  # no login: no AUTH (SMTP)


def _say_goodbye(steps, *commands):
    """The polite end of a probe: each ``(step, command)`` in turn until one fails;
    failures are ignored (the verdict is already known)."""
    with contextlib.suppress(Exception):
        for step, command in commands:
            command()
            steps.ok(step)


def _open_client(
    dialect, host, port, security, login, password, timeout, ssl_context, steps, **options
):
    """The client of ``dialect`` connected (implicit TLS for "ssl"), upgraded for
    "starttls" and signed in; closed again on any failure.  ``options`` go to the
    client class."""
    _check_security(security)
    _check_credentials(login, password)
    context = _context(ssl_context)
    steps.enter("connect")
    client = dialect.client_class(
        host,
        port,
        timeout=timeout,
        implicit_context=context if security == "ssl" else None,
        steps=steps,
        **options,
    )
    try:
        dialect.greet(client)
        if security == "starttls":
            steps.enter("tls")
            dialect.upgrade(client, context)
            steps.ok("starttls")
        if login or not dialect.login_optional:
            steps.enter("auth")
            dialect.sign_in(client, login, password or "")
            steps.ok("auth")
    except BaseException:
        dialect.close(client)
        raise
    return client


def _is_ascii(*texts):
    return all(text.isascii() for text in texts)


# --------------------------------------------------------------------------- OAuth 2.0

OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")


@dataclass(frozen=True)
class Bearer:
    """An OAuth 2.0 access token, passed as ``password`` to sign in with it."""

    token: str = field(repr=False)

    def __post_init__(self):
        token = self.token
        if not isinstance(token, str) or not token or not token.isascii() \
                or any(char.isspace() or char == "\x01" for char in token):
            raise ValueError("a bearer token is a non-empty ASCII string without spaces")


class TokenRefused:
    """Mixin of the exceptions raised when a server refuses an OAuth 2.0 token.

    ``sasl_mechanism``: "XOAUTH2" or "OAUTHBEARER"; ``sasl_error``: the server's
    decoded JSON error challenge (e.g. ``{"status": "401", "schemes": "bearer",
    "scope": "..."}``), or None when it sent none.
    """

    sasl_mechanism = None
    sasl_error = None

    def _set_sasl(self, mechanism, sasl_error):
        self.sasl_mechanism = mechanism
        self.sasl_error = sasl_error
        return self


class SMTPTokenRefused(TokenRefused, smtplib.SMTPAuthenticationError):
    """The SMTP server refused the token (``smtp_code`` / ``smtp_error`` as usual)."""


class IMAPTokenRefused(TokenRefused, imaplib.IMAP4.error):
    """The IMAP server refused the token (AUTHENTICATE answered NO/BAD)."""


class POP3TokenRefused(TokenRefused, poplib.error_proto):
    """The POP3 server refused the token (the final -ERR)."""


NO_OAUTH_MECHANISM = (
    "The server offers no OAuth 2.0 sign-in (XOAUTH2 or OAUTHBEARER); it offers: {offered}"
)


def xoauth2_response(user, token):
    """The SASL XOAUTH2 initial response (Google / Microsoft), as bytes."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def oauthbearer_response(user, token, host, port):
    """The SASL OAUTHBEARER initial response (RFC 7628), as bytes."""
    # RFC 5801 gs2 header: "," and "=" in the authorization identity are escaped
    authzid = user.replace("=", "=3D").replace(",", "=2C")
    return f"n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01".encode()


def _pick_mechanism(offered):
    """XOAUTH2 if offered, else OAUTHBEARER if offered, else None."""
    offered = {name.upper() for name in offered}
    for mechanism in OAUTH_MECHANISMS:
        if mechanism in offered:
            return mechanism
    return None


def _initial_response(mechanism, user, bearer, host, port):
    if mechanism == "XOAUTH2":
        return xoauth2_response(user, bearer.token)
    return oauthbearer_response(user, bearer.token, host, port)


def _peer(sock, host):
    """(host name as given, port) for OAUTHBEARER's host and port fields."""
    try:
        address = sock.getpeername()
    except (AttributeError, OSError):
        return host or "", 0
    return host or address[0], address[1]


def _decode_sasl_error(challenge):
    """The JSON object of an error challenge (already base64-decoded bytes), else None."""
    try:
        value = json.loads(challenge.decode("utf-8"))
    except (AttributeError, UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _error_answer(mechanism):
    # XOAUTH2 (Google, Microsoft): an empty response; OAUTHBEARER: %x01 (RFC 7628 3.2.3)
    return b"" if mechanism == "XOAUTH2" else b"\x01"


class _SaslExchange:
    """One client side of a token sign-in: the initial response, then at most one
    error challenge, which is recorded and answered so the server sends its failure."""

    def __init__(self, mechanism, initial):
        self.mechanism = mechanism
        self.initial = initial
        self.sent_initial = False
        self.sasl_error = None
        self.challenged = False

    def respond(self, challenge):
        """bytes to send for a server ``challenge`` (bytes, base64-decoded)."""
        if not self.sent_initial:
            self.sent_initial = True
            return self.initial
        self.challenged = True
        self.sasl_error = _decode_sasl_error(challenge)
        return _error_answer(self.mechanism)


def _envelope_address(address):
    """``address`` with its domain in the IDNA form (``headers.ascii_domain``); an
    address whose domain has none is left as it is, for the server to judge."""
    local, at, domain = address.rpartition("@")
    try:
        return f"{local}{at}{headers.ascii_domain(domain)}" if at else address
    except ValueError:
        return address


# --------------------------------------------------------------------------- SMTP


class _SMTP(smtplib.SMTP):
    """smtplib.SMTP that may speak implicit TLS, reporting its stages.

    ``transaction_stage`` tells where the last mail transaction stood, so that a caller
    whose connection breaks knows whether the server may have accepted the message:
    ``"sender"`` (MAIL FROM), ``"recipient"`` (RCPT TO), ``"data"`` (DATA command, the
    message not sent yet) and ``"data_sent"`` (the whole message sent, the final reply
    awaited: only then may a lost connection hide an accepted message).
    """

    transaction_stage = None

    def __init__(self, host, port, *, timeout, implicit_context, steps, local_hostname=None):
        self._implicit_context = implicit_context
        self._steps = steps
        try:
            super().__init__(host, port, local_hostname=local_hostname, timeout=timeout)
        except BaseException:
            self.close()
            raise

    def _get_socket(self, host, port, timeout):
        return _connect_socket(
            host, port, timeout, self._implicit_context, self._steps, self.source_address
        )

    def send_message(self, msg, from_addr=None, to_addrs=None, mail_options=(),
                     rcpt_options=()):
        """A message whose policy is UTF-8 (``utf8=True``: non-ASCII addresses in its
        headers) is sent with SMTPUTF8 even when its envelope is ASCII; smtplib only
        asks for it when the envelope is not."""
        envelope = [from_addr or "", *([to_addrs] if isinstance(to_addrs, str)
                                       else to_addrs or [])]
        if getattr(msg.policy, "utf8", False) and _is_ascii(*envelope) \
                and not any(option.upper() == "SMTPUTF8" for option in mail_options):
            self.ehlo_or_helo_if_needed()
            if not self.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError(
                    "The message has internationalised addresses, but the server does "
                    "not advertise the required SMTPUTF8 capability")
            mail_options = (*mail_options, "SMTPUTF8", "BODY=8BITMIME")
        return super().send_message(msg, from_addr, to_addrs, mail_options, rcpt_options)

    def mail(self, sender, options=()):
        self.transaction_stage = "sender"
        return super().mail(sender, options)

    def rcpt(self, recip, options=()):
        self.transaction_stage = "recipient"
        return super().rcpt(recip, options)

    def data(self, msg):
        self.transaction_stage = "data"
        return super().data(msg)

    def send(self, s):
        result = super().send(s)
        # smtplib.data() sends the whole message, ending with CRLF.CRLF, in one call
        if self.transaction_stage == "data" and isinstance(s, bytes) \
                and s.endswith(b"\r\n.\r\n"):
            self.transaction_stage = "data_sent"
        return result


_SMTP_SYNTAX_CODES = (500, 501, 502, 504)


class _Utf8Text(str):
    """A SASL response for ``smtplib.SMTP.auth``, which encodes it as ASCII: a mailbox
    with non-ASCII characters (SMTPUTF8) is sent as UTF-8 instead."""

    def encode(self, encoding="utf-8", errors="strict"):
        return str.encode(self, "utf-8", errors)


def _smtp_oauth(client, login, bearer):
    """AUTH XOAUTH2 (or OAUTHBEARER) with an initial response, through smtplib's ``auth``:
    an error challenge (334 + base64 JSON) is answered and the final 535 raised."""
    client.ehlo_or_helo_if_needed()
    if not client.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    offered = client.esmtp_features["auth"].split()
    mechanism = _pick_mechanism(offered)
    if mechanism is None:
        raise smtplib.SMTPNotSupportedError(
            NO_OAUTH_MECHANISM.format(offered=" ".join(offered) or "-")
        )
    host, port = _peer(client.sock, getattr(client, "_host", ""))
    exchange = _SaslExchange(mechanism, _initial_response(mechanism, login, bearer, host, port))

    def authobject(challenge=None):
        return _Utf8Text(exchange.respond(challenge).decode("utf-8"))

    try:
        return client.auth(mechanism, authobject, initial_response_ok=True)
    except smtplib.SMTPAuthenticationError as error:
        if error.smtp_code in _SMTP_SYNTAX_CODES:  # the command itself, not the token
            raise
        refused = SMTPTokenRefused(error.smtp_code, error.smtp_error)
        raise refused._set_sasl(mechanism, exchange.sasl_error) from error


def _smtp_login(client, login, password):
    """AUTH with smtplib's usual mechanism choice; UTF-8 credentials via AUTH PLAIN;
    a :class:`Bearer` token via XOAUTH2/OAUTHBEARER."""
    if isinstance(password, Bearer):
        _smtp_oauth(client, login, password)
        return
    if _is_ascii(login, password):
        client.login(login, password)
        return
    # smtplib encodes credentials as ASCII: send AUTH PLAIN (RFC 4616: UTF-8) ourselves.
    client.ehlo_or_helo_if_needed()
    if not client.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    token = b64encode(b"\0" + login.encode("utf-8") + b"\0" + password.encode("utf-8"))
    code, reply = client.docmd("AUTH", "PLAIN " + token.decode("ascii"))
    if code == 334:  # server wanted the credentials in a second line
        code, reply = client.docmd(token.decode("ascii"))
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, reply)


def _smtp_starttls(client, context):
    client.starttls(context=context)
    client.ehlo()


_SMTP_DIALECT = _Dialect(
    _SMTP,
    _smtp_starttls,
    _smtp_login,
    lambda client: client.close(),
    greet=lambda client: client.ehlo_or_helo_if_needed(),
    login_optional=True,
)


def _open_smtp(
    host, port, security, login, password, timeout, ssl_context, steps, local_hostname=None
):
    return _open_client(
        _SMTP_DIALECT, host, port, security, login, password, timeout, ssl_context, steps,
        local_hostname=local_hostname,
    )


def open_smtp(
    host,
    port,
    security,
    login,
    password,
    *,
    timeout=DEFAULT_TIMEOUT,
    ssl_context=None,
    local_hostname=None,
):
    """A connected ``smtplib.SMTP`` (EHLO done, TLS as asked, logged in if ``login``).

    The caller sends with ``sendmail``/``send_message`` and ends with ``quit()``
    (or ``close()``).  Raises the original exception on failure.
    """
    return _raising_root_cause(
        _open_smtp,
        host, port, security, login, password, timeout, ssl_context, _Steps(), local_hostname,
    )


def probe_smtp(
    host,
    port,
    security,
    login,
    password,
    address,
    *,
    timeout=DEFAULT_TIMEOUT,
    ssl_context=None,
    local_hostname=None,
):
    """Check that ``login`` may send as ``address``: EHLO, TLS, AUTH, MAIL FROM, RSET, QUIT.

    Never sends DATA.  A MAIL FROM reply other than 2xx fails at stage
    "sender" with ``smtplib.SMTPSenderRefused(code, reply, address)``.
    """
    if not address or not isinstance(address, str):
        raise ValueError("probe_smtp needs the sender address to try in MAIL FROM")

    def converse(client, steps):
        steps.enter("sender")
        # As the mail will leave: the domain in its IDNA form; SMTPUTF8 only for a
        # non-ASCII local part (refused by smtplib when the server lacks it).
        sender = _envelope_address(address)
        options = [] if sender.isascii() else ["SMTPUTF8"]
        code, reply = client.mail(sender, options)
        if not 200 <= code < 300:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        steps.ok("mail_from")
        _say_goodbye(steps, ("rset", client.rset), ("quit", client.quit))

    return _probe(
        "smtp", _SMTP_DIALECT, converse,
        host, port, security, login, password, timeout, ssl_context,
        local_hostname=local_hostname,
    )


# --------------------------------------------------------------------------- IMAP


class _IMAP4(imaplib.IMAP4):
    """imaplib.IMAP4 that may speak implicit TLS, reporting its stages."""

    def __init__(self, host, port, *, timeout, implicit_context, steps):
        self._implicit_context = implicit_context
        self._steps = steps
        self._last_line = None
        try:
            super().__init__(host, port, timeout)  # closes itself if the greeting fails
        except imaplib.IMAP4.error as error:
            if error.args == (None,) and self._last_line is not None:
                # imaplib reports a non-IMAP greeting (e.g. "+OK" of a POP3
                # server) as error(None): give the line the server sent instead.
                raise self.error(self._last_line) from None
            raise

    def _create_socket(self, timeout):
        return _connect_socket(self.host, self.port, timeout, self._implicit_context, self._steps)

    def _get_line(self):
        line = super()._get_line()
        self._last_line = line
        return line


def _imap_oauth(conn, login, bearer):
    """AUTHENTICATE XOAUTH2 (or OAUTHBEARER); the error challenge gets the empty (or
    %x01) answer so that the server ends with NO, raised as :class:`IMAPTokenRefused`."""
    offered = [cap[5:] for cap in conn.capabilities if cap.upper().startswith("AUTH=")]
    mechanism = _pick_mechanism(offered)
    if mechanism is None:
        raise conn.error(NO_OAUTH_MECHANISM.format(offered=" ".join(offered) or "-"))
    exchange = _SaslExchange(
        mechanism, _initial_response(mechanism, login, bearer, conn.host, conn.port)
    )
    try:
        conn.authenticate(mechanism, exchange.respond)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as error:
        if not exchange.sent_initial:  # refused the mechanism, not the token
            raise
        raise IMAPTokenRefused(*error.args)._set_sasl(mechanism, exchange.sasl_error) from error


def _imap_login(conn, login, password):
    if isinstance(password, Bearer):
        _imap_oauth(conn, login, password)
        return
    if _is_ascii(login, password) or "AUTH=PLAIN" not in conn.capabilities:
        conn.login(login, password)
        return
    # LOGIN is ASCII-only in imaplib; AUTHENTICATE PLAIN carries UTF-8 (RFC 4616).
    secret = b"\0" + login.encode("utf-8") + b"\0" + password.encode("utf-8")
    conn.authenticate("PLAIN", lambda _challenge: secret)


def _close_imap(conn):
    with contextlib.suppress(Exception):
        conn.shutdown()


def _imap_starttls(conn, context):
    conn.starttls(ssl_context=context)


_IMAP_DIALECT = _Dialect(_IMAP4, _imap_starttls, _imap_login, _close_imap)


def _open_imap(*args):
    """A logged-in client; ``args`` as for :func:`_open_client`."""
    return _open_client(_IMAP_DIALECT, *args)


def open_imap(host, port, security, login, password, *, timeout=DEFAULT_TIMEOUT, ssl_context=None):
    """A logged-in ``imaplib.IMAP4`` (state AUTH); raises the original exception.

    End it with ``logout()``.
    """
    return _raising_root_cause(
        _open_imap, host, port, security, login, password, timeout, ssl_context, _Steps()
    )


def _imap_ok(conn, typ, data, command):
    if typ != "OK":
        text = b" ".join(item for item in data if isinstance(item, bytes)).decode(
            "utf-8", "replace"
        )
        raise conn.error(f"{command} failed: {text}")


def probe_imap(host, port, security, login, password, *, timeout=DEFAULT_TIMEOUT, ssl_context=None):
    """Connect, TLS, LOGIN, LIST, SELECT INBOX (read-only), LOGOUT."""

    def converse(conn, steps):
        steps.enter("list")
        typ, data = conn.list()
        _imap_ok(conn, typ, data, "LIST")
        steps.ok("list")
        typ, data = conn.select("INBOX", readonly=True)
        _imap_ok(conn, typ, data, "SELECT INBOX")
        steps.ok("select")
        _say_goodbye(steps, ("logout", conn.logout))

    return _probe(
        "imap", _IMAP_DIALECT, converse, host, port, security, login, password, timeout,
        ssl_context,
    )


# --------------------------------------------------------------------------- POP3


class _POP3(poplib.POP3):
    """poplib.POP3 that may speak implicit TLS, reporting its stages, never leaking."""

    def __init__(self, host, port, *, timeout, implicit_context, steps):
        self._implicit_context = implicit_context
        self._steps = steps
        self.sock = self.file = None
        try:
            super().__init__(host, port, timeout)
        except BaseException:
            _close_pop3(self)  # poplib leaves the socket open when the greeting fails
            raise

    def _create_socket(self, timeout):
        return _connect_socket(self.host, self.port, timeout, self._implicit_context, self._steps)


def _close_pop3(conn):
    with contextlib.suppress(Exception):
        conn.close()
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(Exception):
            sock.close()


def _pop3_mechanisms(conn):
    """SASL mechanisms of the POP3 ``CAPA`` answer; None when CAPA is not supported."""
    try:
        capabilities = conn.capa()
    except poplib.error_proto:
        return None
    return capabilities.get("SASL", [])


def _pop3_oauth(conn, login, bearer):
    """AUTH XOAUTH2 (or OAUTHBEARER), the initial response on its own line (RFC 5034:
    a token does not fit in a 255-octet command).  A refusing server (Dovecot) sends
    ``+ <base64 JSON>``, which poplib would take for success: it is recognised, answered
    and the final -ERR raised as :class:`POP3TokenRefused`."""
    offered = _pop3_mechanisms(conn)
    mechanism = "XOAUTH2" if offered is None else _pick_mechanism(offered)
    if mechanism is None:
        raise poplib.error_proto(
            NO_OAUTH_MECHANISM.format(offered=" ".join(offered) or "-").encode()
        )
    exchange = _SaslExchange(
        mechanism, _initial_response(mechanism, login, bearer, conn.host, conn.port)
    )
    try:
        reply = conn._shortcmd("AUTH " + mechanism)
        while True:
            if reply.startswith(b"+OK"):
                if exchange.challenged:  # success after an error challenge: not SASL
                    raise poplib.error_proto(reply)
                return reply
            # a continuation: "+ <base64>" (or a bare "+")
            challenge = b64decode(reply[1:].strip()) if reply[1:].strip() else b""
            if exchange.challenged:
                raise poplib.error_proto(b"-ERR unexpected second SASL challenge: " + reply)
            answer = exchange.respond(challenge)
            reply = conn._shortcmd(b64encode(answer).decode("ascii"))
    except poplib.error_proto as error:
        if not exchange.sent_initial:  # refused the mechanism, not the token
            raise
        refused = POP3TokenRefused(*error.args)
        raise refused._set_sasl(mechanism, exchange.sasl_error) from error


def _pop3_stls(conn, context):
    conn.stls(context=context)


def _pop3_login(conn, login, password):
    if isinstance(password, Bearer):
        _pop3_oauth(conn, login, password)
    else:
        conn.user(login)
        conn.pass_(password)


_POP3_DIALECT = _Dialect(_POP3, _pop3_stls, _pop3_login, _close_pop3)


def _open_pop3(*args):
    """A logged-in client; ``args`` as for :func:`_open_client`."""
    return _open_client(_POP3_DIALECT, *args)


def open_pop3(host, port, security, login, password, *, timeout=DEFAULT_TIMEOUT, ssl_context=None):
    """A logged-in ``poplib.POP3`` (TRANSACTION state); raises the original exception.

    End it with ``quit()`` (which commits deletions) or ``close()``.
    """
    return _raising_root_cause(
        _open_pop3, host, port, security, login, password, timeout, ssl_context, _Steps()
    )


def probe_pop3(host, port, security, login, password, *, timeout=DEFAULT_TIMEOUT, ssl_context=None):
    """Connect, TLS (STLS for "starttls"), USER/PASS, STAT, QUIT."""

    def converse(conn, steps):
        steps.enter("stat")
        conn.stat()
        steps.ok("stat")
        _say_goodbye(steps, ("quit", conn.quit))

    return _probe(
        "pop3", _POP3_DIALECT, converse, host, port, security, login, password, timeout,
        ssl_context,
    )


# --------------------------------------------------------------------------- any


def probe(protocol, host, port, security, login, password, address=None, **options):
    """Dispatch to probe_smtp (which needs ``address``), probe_imap or probe_pop3."""
    if protocol == "smtp":
        return probe_smtp(host, port, security, login, password, address or login, **options)
    if protocol == "imap":
        return probe_imap(host, port, security, login, password, **options)
    if protocol == "pop3":
        return probe_pop3(host, port, security, login, password, **options)
    raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
