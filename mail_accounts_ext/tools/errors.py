"""Explain mail server errors in plain words: the engine.

``explain(error, protocol=..., stage=...)`` turns whatever a connection to an SMTP,
IMAP or POP3 server raised (or the raw text / reply the server sent) into an
:class:`Explanation`: a stable ``kind`` code, the server's own text, what happened
(``message``) and what to do (``remedy``), and whether retrying later may help.

``message`` and ``remedy`` are untranslated ``_lt`` templates that only use the
named placeholders of ``params`` (:data:`PARAM_NAMES`); the ORM layer renders them with
``env._(template, **params)``. :func:`format_plain` joins everything into one text.

The error is normalised into a :class:`Signal` (source, protocol, stage, reply codes,
server text) and matched against the diagnosis table of ``tools/error_rules.py``
(``RULES``, the first matching rule wins).

No Odoo import here: this module is tested without a database.
"""

# No ``env`` here: ``_lt`` only marks the texts, the ORM translates them with ``env._``.
# pylint: disable=prefer-env-translation

import ast
import imaplib
import json
import poplib
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field

from .error_rules import RULES
from .oauth import OAuthError
from .translation import _lt

PROTOCOLS = ("smtp", "imap", "pop3")
STAGES = (
    "connect",
    "tls",
    "auth",
    "sender",
    "recipient",
    "data",
    "list",
    "fetch",
    "append",
    "send",
)

PROTOCOL_LABELS = {"smtp": "SMTP", "imap": "IMAP", "pop3": "POP3"}
# Technical labels only (no words to translate): usual ports per security mode.
PORT_HINTS = {
    "smtp": "465 (SSL/TLS), 587 (STARTTLS)",
    "imap": "993 (SSL/TLS), 143 (STARTTLS)",
    "pop3": "995 (SSL/TLS), 110 (STARTTLS)",
}
ANY_PROTOCOL_LABEL = "SMTP/IMAP/POP3"

# Every template below may use exactly these placeholders; ``explain`` always
# fills all of them (host and port are empty strings when unknown).
PARAM_NAMES = ("protocol", "ports", "host", "port", "permissions")

# Exception families ("sources") a rule can require.
SOURCES = (
    "cert",  # ssl.SSLCertVerificationError
    "ssl",  # any other ssl.SSLError
    "dns",  # socket.gaierror / socket.herror
    "refused",  # ConnectionRefusedError
    "timeout",  # TimeoutError / socket.timeout
    "reset",  # ConnectionResetError, ConnectionAbortedError, BrokenPipeError
    "os",  # any other OSError
    "smtp_reply",  # SMTPResponseException without a more specific class, (code, text)
    "smtp_auth",  # SMTPAuthenticationError
    "smtp_sender",  # SMTPSenderRefused
    "smtp_recipients",  # SMTPRecipientsRefused
    "smtp_data",  # SMTPDataError
    "smtp_connect",  # SMTPConnectError (greeting was not 220)
    "smtp_helo",  # SMTPHeloError
    "smtp_disconnected",  # SMTPServerDisconnected
    "smtp_not_supported",  # SMTPNotSupportedError
    "smtp_other",  # any other SMTPException
    "imap_error",  # imaplib.IMAP4.error
    "imap_abort",  # imaplib.IMAP4.abort
    "imap_readonly",  # imaplib.IMAP4.readonly
    "pop_error",  # poplib.error_proto
    "oauth",  # tools.oauth.OAuthError (the provider's sign-in service)
    "text",  # a plain str / bytes
    "other",  # any other exception
)

# Stage implied by the exception class (more precise than the caller's stage).
_IMPLIED_STAGES = {
    "smtp_auth": "auth",
    "smtp_sender": "sender",
    "smtp_recipients": "recipient",
    "smtp_data": "data",
    "smtp_connect": "connect",
    "smtp_helo": "connect",
}


# --------------------------------------------------------------------------- OAuth 2.0

# SASL mechanisms of OAuth 2.0 (a refused sign-in with one of them is about the token),
# and the mail permissions OAuth texts name (``%(permissions)s``).
OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")
OAUTH_PERMISSIONS_HINT = (
    "Microsoft: IMAP.AccessAsUser.All, POP.AccessAsUser.All, SMTP.Send and offline_access; "
    "Google: https://mail.google.com/"
)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Explanation:
    """What went wrong, in plain words.

    ``message`` and ``remedy`` are untranslated ``_lt`` templates; render them with
    ``translate(template, **params)``.
    """

    kind: str
    server_text: str
    message: str
    remedy: str
    params: dict = field(default_factory=dict, hash=False)
    temporary: bool = False
    code: int | None = None
    enhanced_code: str | None = None


@dataclass(frozen=True)
class Signal:
    """The normalised facts a rule is matched against."""

    source: str
    protocol: str | None
    stage: str | None
    code: int | None
    enhanced_code: str | None
    text: str  # lower-cased, whitespace collapsed
    server_text: str
    oauth: bool = False  # the sign-in used an OAuth 2.0 token
    sasl_status: str | None = None  # "status" of the server's SASL JSON error challenge


# --------------------------------------------------------------------------- texts of the engine

UNKNOWN_MESSAGE = _lt("The %(protocol)s server reported an error.")
UNKNOWN_REMEDY = _lt(
    "Read the server's answer below. If it does not help, send it to your e-mail "
    "provider or administrator together with the account's settings (without the "
    "password)."
)

# A name that exists for sure (a known provider's server) could not be looked up:
# the DNS of the machine running Odoo is broken, not the user's settings.
DNS_UNAVAILABLE_MESSAGE = _lt(
    "This Odoo server could not look up %(host)s, the %(protocol)s server of a "
    "well-known provider, which does exist: this Odoo server has no working name "
    "resolution (DNS)."
)
DNS_UNAVAILABLE_REMEDY = _lt(
    "The account settings are not the problem. Ask the administrator of this Odoo "
    "server to fix its DNS settings (name servers) or its Internet access, then test "
    "again."
)

KINDS = tuple(dict.fromkeys(
    [rule.kind for rule in RULES] + ["dns_unavailable", "unknown"]))

SERVER_SAID = _lt("(Server said: %(server_text)s)")


# --------------------------------------------------------------------------- normalising

_BYTES_REPR = re.compile(r"""\bb(['"])(.*?)(?<!\\)\1""")
_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_LEADING_CODE = re.compile(r"^\s*(\d{3})(?:[ -]|$)")
_SPACES = re.compile(r"\s+")


def _decode(value):
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _unwrap_bytes_repr(text):
    """``"b'[AUTH] failed'"`` (str() of an exception holding bytes) -> ``[AUTH] failed``."""

    def _inner(match):
        try:
            return _decode(ast.literal_eval(match.group(0)))
        except (ValueError, SyntaxError):
            return match.group(2)

    return _BYTES_REPR.sub(_inner, text)


def _clean(text):
    return _SPACES.sub(" ", _unwrap_bytes_repr(_decode(text))).strip()


def _exception_text(error):
    args = getattr(error, "args", ())
    if len(args) == 1 and isinstance(args[0], bytes | bytearray | str):
        text = _decode(args[0])
    else:
        text = str(error)
    return _clean(text) or type(error).__name__


def _reply_text(code, text):
    text = _clean(text)
    if code is None or code < 0:
        return text
    return ("%d %s" % (code, text)).strip()


def _source_of(error):
    # Order matters: subclasses before their bases (SMTPException is an OSError,
    # SSLCertVerificationError is an SSLError, IMAP4.readonly is an abort...).
    checks = (
        (OAuthError, "oauth"),
        (smtplib.SMTPAuthenticationError, "smtp_auth"),
        (smtplib.SMTPSenderRefused, "smtp_sender"),
        (smtplib.SMTPRecipientsRefused, "smtp_recipients"),
        (smtplib.SMTPDataError, "smtp_data"),
        (smtplib.SMTPConnectError, "smtp_connect"),
        (smtplib.SMTPHeloError, "smtp_helo"),
        (smtplib.SMTPResponseException, "smtp_reply"),
        (smtplib.SMTPServerDisconnected, "smtp_disconnected"),
        (smtplib.SMTPNotSupportedError, "smtp_not_supported"),
        (smtplib.SMTPException, "smtp_other"),
        (imaplib.IMAP4.readonly, "imap_readonly"),
        (imaplib.IMAP4.abort, "imap_abort"),
        (imaplib.IMAP4.error, "imap_error"),
        (poplib.error_proto, "pop_error"),
        (ssl.SSLCertVerificationError, "cert"),
        (ssl.SSLError, "ssl"),
        (socket.gaierror, "dns"),
        (socket.herror, "dns"),
        (ConnectionRefusedError, "refused"),
        (TimeoutError, "timeout"),
        (ConnectionResetError, "reset"),
        (ConnectionAbortedError, "reset"),
        (BrokenPipeError, "reset"),
        (OSError, "os"),
    )
    for cls, source in checks:
        if isinstance(error, cls):
            return source
    return "other"


def _guess_protocol(source, text):
    if source.startswith("smtp_"):
        return "smtp"
    if source.startswith("imap_"):
        return "imap"
    if source == "pop_error":
        return "pop3"
    if source == "text":
        lowered = text.lower()
        if lowered.startswith(("-err", "+ok")):
            return "pop3"
        if _LEADING_CODE.match(text):
            return "smtp"
        if lowered.startswith(("* ", "[")) or lowered.startswith(("no ", "bad ")):
            return "imap"
    return None


def _pick_recipient(recipients):
    """The refused recipient to explain: the first permanent refusal, else the first."""
    items = list((recipients or {}).items())
    for address, reply in items:
        code = reply[0] if isinstance(reply, tuple | list) and reply else None
        if isinstance(code, int) and 500 <= code < 600:
            return address, reply
    return items[0] if items else (None, (None, ""))


def _signal(error, protocol, stage, oauth=False):
    """Normalise any accepted input into a :class:`Signal`."""
    code = None
    text = ""
    if isinstance(error, tuple) and len(error) == 2 and isinstance(error[0], int):
        source = "smtp_reply"
        code = error[0]
        text = _clean(error[1])
        server_text = _reply_text(code, error[1])
    elif isinstance(error, bytes | bytearray | str):
        source = "text"
        server_text = text = _clean(error)
        match = _LEADING_CODE.match(text)
        if match:
            code = int(match.group(1))
    elif isinstance(error, BaseException):
        source = _source_of(error)
        if source == "smtp_recipients":
            refused = getattr(error, "recipients", {}) or {}
            _address, reply = _pick_recipient(refused)
            code, text = (reply[0], _clean(reply[1])) if len(reply) == 2 else (None, "")
            server_text = "; ".join(
                "%s: %s" % (address, _reply_text(*rcpt_reply))
                for address, rcpt_reply in refused.items()
                if isinstance(rcpt_reply, tuple | list) and len(rcpt_reply) == 2
            ) or _exception_text(error)
        elif isinstance(error, smtplib.SMTPResponseException):
            code = error.smtp_code
            text = _clean(error.smtp_error)
            server_text = _reply_text(code, error.smtp_error)
        elif source == "oauth":
            text = _clean(f"{error.error} {error.suberror} {error.description}")
            server_text = _clean(str(error))
        else:
            server_text = text = _exception_text(error)
    else:
        source = "other"
        server_text = text = _clean(error)
    if not isinstance(code, int):
        code = None
    enhanced = _ENHANCED.search(text) if source != "oauth" else None
    protocol = (protocol or "").lower() or _guess_protocol(source, text)
    sasl_mechanism = getattr(error, "sasl_mechanism", None)
    sasl_error = getattr(error, "sasl_error", None)
    sasl_status = None
    if isinstance(sasl_error, dict):
        sasl_status = str(sasl_error.get("status") or "") or None
        server_text = "%s %s" % (server_text, json.dumps(sasl_error, sort_keys=True))
    return Signal(
        source=source,
        protocol=protocol if protocol in PROTOCOLS else None,
        stage=_IMPLIED_STAGES.get(source) or stage,
        code=code,
        enhanced_code=".".join(enhanced.groups()) if enhanced else None,
        text=text.lower(),
        server_text=server_text,
        oauth=bool(oauth or sasl_mechanism in OAUTH_MECHANISMS),
        sasl_status=sasl_status,
    )


def _params(protocol, host=None, port=None):
    return {
        "protocol": PROTOCOL_LABELS.get(protocol, ANY_PROTOCOL_LABEL),
        "ports": PORT_HINTS.get(protocol)
        or "; ".join("%s %s" % (PROTOCOL_LABELS[p], PORT_HINTS[p]) for p in PROTOCOLS),
        "host": host or "",
        "port": "" if port in (None, False, "") else str(port),
        "permissions": OAUTH_PERMISSIONS_HINT,
    }


def _derived_temporary(signal):
    if signal.code is not None and 400 <= signal.code < 500:
        return True
    return (signal.enhanced_code or "").startswith("4.")


# --------------------------------------------------------------------------- public API


def match_rule(signal):
    """The first rule of ``RULES`` matching ``signal``, or ``None``."""
    for rule in RULES:
        if rule.matches(signal):
            return rule
    return None


def explain(error, *, protocol=None, stage=None, host=None, port=None, oauth=False,
            known_host=False):
    """Explain ``error`` (an exception, an SMTP ``(code, text)`` reply or server text).

    ``protocol`` is ``"smtp"``, ``"imap"`` or ``"pop3"`` (guessed from the exception
    when omitted); ``stage`` is where it happened (``"connect"``, ``"tls"``,
    ``"auth"``, ``"sender"``, ``"recipient"``, ``"data"``, ``"list"``, ``"fetch"``,
    ``"append"``, ``"send"``). ``host`` / ``port`` only go into ``params``.
    ``oauth``: the account signs in with an OAuth 2.0 token (also known from a
    ``TokenRefused`` exception), so a refused sign-in is about the token.
    ``known_host``: ``host`` is a server of a known provider (it exists), so a name
    that cannot be looked up means this machine has no DNS (``dns_unavailable``).
    """
    signal = _signal(error, protocol, stage, oauth)
    rule = match_rule(signal)
    if known_host and host and rule is not None and rule.kind == "dns_failed":
        kind, message, remedy, temporary = (
            "dns_unavailable", DNS_UNAVAILABLE_MESSAGE, DNS_UNAVAILABLE_REMEDY, True)
    elif rule is None:
        kind, message, remedy, temporary = (
            "unknown", UNKNOWN_MESSAGE, UNKNOWN_REMEDY, _derived_temporary(signal))
    else:
        kind, message, remedy = rule.kind, rule.message, rule.remedy
        temporary = rule.temporary if rule.temporary is not None else _derived_temporary(signal)
    return Explanation(
        kind=kind,
        server_text=signal.server_text,
        message=message,
        remedy=remedy,
        params=_params(signal.protocol, host, port),
        temporary=temporary,
        code=signal.code,
        enhanced_code=signal.enhanced_code,
    )


def _default_translate(template, **params):
    return template % params


def format_plain(explanation, translate=_default_translate):
    """One text: "message remedy (Server said: ...)".

    ``translate(template, **params)`` renders a template; the ORM passes ``env._``.
    """
    parts = [
        translate(explanation.message, **explanation.params),
        translate(explanation.remedy, **explanation.params),
    ]
    if explanation.server_text:
        parts.append(translate(SERVER_SAID, server_text=explanation.server_text))
    return " ".join(part for part in parts if part)
