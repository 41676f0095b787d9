"""Explain mail server errors in plain words.

``explain(error, protocol=..., stage=...)`` turns whatever a connection to an SMTP,
IMAP or POP3 server raised (or the raw text / reply the server sent) into an
:class:`Explanation`: a stable ``kind`` code, the server's own text, what happened
(``message``) and what to do (``remedy``), and whether retrying later may help.

``message`` and ``remedy`` are untranslated ``_lt`` templates that only use the
named placeholders of ``params``; the ORM layer renders them with
``env._(template, **params)``. :func:`format_plain` joins everything into one text.

The diagnosis is a table of :class:`Rule` (``RULES``), ordered from the most
specific to the most generic; the first rule that matches wins.

OAuth 2.0: errors of the provider's token endpoint (``tools.oauth.OAuthError``) and
token refusals of the mail servers (``tools.connection.TokenRefused``, or any error
explained with ``oauth=True``) have rules of their own (``OAUTH_RULES``, first in the
table).  A server cannot tell an expired token from a revoked one: the caller refreshes
the token first, and a refused refresh (``invalid_grant``) says which it was. A rule matches on
the reply code, the enhanced status code (RFC 3463, e.g. ``5.7.139``),
case-insensitive keywords of the server text, the kind of exception, the
protocol and the stage, each condition being optional.

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
from collections.abc import Callable
from dataclasses import dataclass, field

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


# --------------------------------------------------------------------------- texts

# Shared remedies (used by several rules).
REMEDY_CHECK_PORT_SECURITY = _lt(
    "Check the server name, the port and the security setting: they must match what "
    "your provider documents. Usual %(protocol)s ports: %(ports)s."
)
REMEDY_RETRY_LATER = _lt(
    "Nothing to change in the settings: try again in a few minutes. If it keeps "
    "happening, contact your e-mail provider."
)
REMEDY_CHECK_PASSWORD = _lt(
    "Check the login (usually the full e-mail address) and the password of this "
    "account, then test the connection again. If your provider uses two-step "
    "verification, create an app password and enter it instead of your normal password."
)
REMEDY_CERTIFICATE = _lt(
    "Use the server name written in the provider's documentation (the certificate is "
    "issued for that name). If this is your own server, install a valid certificate. "
    "Only if you trust this server and network, untick \"Verify certificates\"."
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


@dataclass(frozen=True)
class Rule:
    """One line of the diagnosis table; every given condition must hold.

    ``codes``: reply codes as strings, ``x`` is a wildcard digit (``"535"``, ``"4xx"``).
    ``enhanced``: enhanced status codes; ``"5.7"`` also matches ``5.7.x`` (but
    ``"5.7.1"`` does not match ``5.7.139``).
    ``keywords``: any of them occurs in the lower-cased server text.
    ``sources`` / ``protocols`` / ``stages``: any of them.
    ``test``: an extra predicate on the :class:`Signal`.
    ``temporary``: ``None`` derives it from the code (4xx / 4.x.x).
    """

    kind: str
    message: str
    remedy: str
    codes: tuple = ()
    enhanced: tuple = ()
    keywords: tuple = ()
    sources: tuple = ()
    protocols: tuple = ()
    stages: tuple = ()
    test: Callable[[Signal], bool] | None = None
    temporary: bool | None = None

    def matches(self, signal):
        if self.codes and not _code_matches(signal.code, self.codes):
            return False
        if self.enhanced and not _enhanced_matches(signal.enhanced_code, self.enhanced):
            return False
        if self.keywords and not any(word in signal.text for word in self.keywords):
            return False
        if self.sources and signal.source not in self.sources:
            return False
        if self.protocols and signal.protocol not in self.protocols:
            return False
        if self.stages and signal.stage not in self.stages:
            return False
        if self.test is not None and not self.test(signal):
            return False
        return True


def _code_matches(code, patterns):
    if code is None or code < 0:
        return False
    text = "%03d" % code
    if len(text) != 3:
        return False
    return any(
        len(pattern) == 3 and all(p in ("x", c) for p, c in zip(pattern, text, strict=True))
        for pattern in patterns
    )


def _enhanced_matches(enhanced, prefixes):
    if not enhanced:
        return False
    return any(enhanced == prefix or enhanced.startswith(prefix + ".") for prefix in prefixes)


# --------------------------------------------------------------------------- predicates

_EARLY_STAGES = (None, "connect", "tls")


def _early(signal):
    """Nothing was exchanged yet but the greeting / TLS handshake."""
    return signal.stage in _EARLY_STAGES


def _no_reply(signal):
    """No reply code: the text comes from the network layer, not from the server."""
    return signal.code is None


def _not_permanent(signal):
    if signal.code is not None and 500 <= signal.code < 600:
        return False
    return not (signal.enhanced_code or "").startswith("5.")


def _permanent_reply(signal):
    """A 5xx reply, an IMAP NO/BAD or a POP3 -ERR (anything not flagged temporary)."""
    if signal.code is not None and signal.code >= 0:
        return 500 <= signal.code < 600
    return signal.source in ("imap_error", "pop_error", "text", "smtp_reply")


_FOREIGN_BANNERS = {
    # What an SMTP client may receive from an IMAP or POP3 server, etc.
    "smtp": re.compile(r"(^|\s|\[)(\* ok\b|\+ok\b|imap4|pop3)"),
    "imap": re.compile(r"^(unexpected response: )?(\d{3}[ -]|\+ok\b)|esmtp"),
    "pop3": re.compile(r"^(-err\s+)?(\d{3}[ -]|\* )|esmtp|imap4"),
}


_QUOTA_WORDS = ("quota", "mailbox full", "mailbox is full", "mailbox size")


def _foreign_banner(signal):
    """The text is the greeting of another protocol than the one spoken."""
    if signal.code not in (None, -1):
        return False
    pattern = _FOREIGN_BANNERS.get(signal.protocol)
    return bool(pattern and pattern.search(signal.text))


def _greeting_not_numeric(signal):
    # smtplib reports a greeting that does not start with a reply code as code -1.
    return signal.code == -1


# --------------------------------------------------------------------------- the table

# --------------------------------------------------------------------------- OAuth 2.0

OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")
_OAUTH_PERMISSIONS_HINT = (
    "Microsoft: IMAP.AccessAsUser.All, POP.AccessAsUser.All, SMTP.Send and offline_access; "
    "Google: https://mail.google.com/"
)


def _oauth_endpoint(*errors):
    """An error of the provider's sign-in service with one of these OAuth error codes
    (all of them when none is given)."""

    def test(signal):
        if signal.source != "oauth":
            return False
        return not errors or signal.text.split(" ", 1)[0] in errors

    return test


def _oauth_refusal(signal):
    """A mail server refused an OAuth token (not the network, not a temporary reply)."""
    if not signal.oauth or signal.source == "oauth":
        return False
    if signal.sasl_status:
        return True
    return signal.stage == "auth" and signal.source in (
        "smtp_auth", "smtp_reply", "imap_error", "pop_error", "text",
    ) and _permanent_reply(signal)  # fmt: skip


def _oauth_scope_refusal(signal):
    return _oauth_refusal(signal) and (
        signal.sasl_status in ("insufficient_scope", "403") or "insufficient_scope" in signal.text
    )


REMEDY_SIGN_IN_AGAIN = _lt(
    "Sign in again with the provider from the account (Sign in again). Mail for this "
    "account waits until then."
)
REMEDY_OAUTH_ADMIN_SMTP_AUTH = _lt(
    "A Microsoft 365 administrator must turn on Authenticated SMTP (SMTP AUTH), which "
    "sending needs also with Sign in with Microsoft: for this mailbox in the Microsoft "
    "365 admin center (Users > Active users > the user > Mail > Manage email apps > "
    "Authenticated SMTP), or in Exchange Online PowerShell with \"Set-CASMailbox -Identity "
    "<address> -SmtpClientAuthenticationDisabled $false\" (for the whole organisation: "
    "\"Set-TransportConfig -SmtpClientAuthenticationDisabled $false\")."
)

OAUTH_RULES = (
    # ---- the provider's sign-in service (token endpoint, authorize redirect)
    Rule(
        "oauth_unreachable",
        _lt("The sign-in service of the e-mail provider could not be reached."),
        _lt(
            "Nothing to change: Odoo tries again later. If it keeps happening, check that "
            "this Odoo server can reach the provider's sign-in service (a firewall or a "
            "proxy may block it)."
        ),
        test=_oauth_endpoint("network"),
        temporary=True,
    ),
    Rule(
        "oauth_consent_missing",
        _lt("The sign-in was cancelled or the requested permissions were declined."),
        _lt(
            "Sign in again and accept the permissions the provider asks for: without them "
            "Odoo cannot read or send this mailbox's mail."
        ),
        test=_oauth_endpoint("access_denied"),
        temporary=False,
    ),
    Rule(
        "oauth_consent_missing",
        _lt(
            "The provider needs a consent (or another step in the browser) before Odoo may "
            "access this mailbox."
        ),
        _lt(
            "Sign in again and accept every permission the provider asks for. If the "
            "provider says that an administrator must approve the application, ask your "
            "organisation's administrator to grant consent for it (Microsoft Entra: "
            "Enterprise applications > the application > Permissions > Grant admin "
            "consent)."
        ),
        keywords=("consent_required", "interaction_required", "aadsts65001", "aadsts65004",
                  "aadsts90094", "aadsts90008", "consent"),
        test=_oauth_endpoint(),
        temporary=False,
    ),
    Rule(
        "oauth_scope_missing",
        _lt("The provider refused the permissions (scopes) Odoo asks for."),
        _lt(
            "An administrator must add the mail permissions to the application "
            "registration at the provider (%(permissions)s), then the user signs in "
            "again."
        ),
        test=_oauth_endpoint("invalid_scope"),
        temporary=False,
    ),
    Rule(
        "oauth_client_invalid",
        _lt(
            "The provider did not accept this database's application registration (the "
            "client ID, the client secret or the redirect URL)."
        ),
        _lt(
            "An administrator must check the client ID and the client secret in the "
            "settings (a client secret expires: create a new one in Microsoft Entra or "
            "Google Cloud if needed) and that the redirect URL registered at the provider "
            "is exactly the one the settings show."
        ),
        test=_oauth_endpoint("invalid_client", "unauthorized_client", "invalid_request",
                             "unsupported_grant_type", "unsupported_response_type",
                             "redirect_uri_mismatch"),
        temporary=False,
    ),
    Rule(
        "oauth_sign_in_expired",
        _lt("The sign-in with the provider has expired or was revoked."),
        _lt(
            "Sign in again with the provider from the account. With Google, sign-ins of an "
            "application still in \"Testing\" expire after 7 days: an administrator should "
            "publish it (Google Cloud console > OAuth consent screen > Publish app)."
        ),
        keywords=("token has been expired or revoked",),
        test=_oauth_endpoint("invalid_grant"),
        temporary=False,
    ),
    Rule(
        "oauth_sign_in_revoked",
        _lt(
            "The provider revoked this account's sign-in (for example after a password "
            "change, or by an administrator or a security policy)."
        ),
        REMEDY_SIGN_IN_AGAIN,
        keywords=("revoked", "aadsts50173", "aadsts50076", "aadsts50079", "aadsts50057",
                  "aadsts50053", "aadsts50126", "aadsts53003", "password", "disabled",
                  "locked"),
        test=_oauth_endpoint("invalid_grant"),
        temporary=False,
    ),
    Rule(
        "oauth_sign_in_expired",
        _lt(
            "The sign-in with the provider has expired (it was not used for too long, or "
            "the provider limits how long it lasts)."
        ),
        REMEDY_SIGN_IN_AGAIN,
        keywords=("expired", "inactivity", "aadsts700082", "aadsts70008", "aadsts700084"),
        test=_oauth_endpoint("invalid_grant"),
        temporary=False,
    ),
    Rule(
        "oauth_sign_in_needed",
        _lt("The provider no longer accepts this account's sign-in."),
        REMEDY_SIGN_IN_AGAIN,
        test=_oauth_endpoint("invalid_grant", "invalid_token", "login_required",
                             "account_selection_required"),
        temporary=False,
    ),
    Rule(
        "oauth_provider_unavailable",
        _lt("The provider's sign-in service has a temporary problem."),
        REMEDY_RETRY_LATER,
        test=lambda s: _oauth_endpoint()(s) and (
            s.text.split(" ", 1)[0] in ("server_error", "temporarily_unavailable", "slow_down")
            or (s.code or 0) >= 500
        ),
        temporary=True,
    ),
    Rule(
        "oauth_failed",
        _lt("The provider's sign-in service answered with an error."),
        _lt(
            "Read the provider's answer below and sign in again. If it keeps happening, an "
            "administrator should check the provider's settings (for another provider: its "
            "authorize, token and userinfo addresses)."
        ),
        test=_oauth_endpoint(),
        temporary=False,
    ),
    # ---- a mail server refused the token
    Rule(
        "smtp_auth_disabled",
        _lt(
            "Microsoft 365 refuses to send: SMTP sign-in (SMTP AUTH) is switched off for "
            "this mailbox or for the whole organisation."
        ),
        REMEDY_OAUTH_ADMIN_SMTP_AUTH,
        enhanced=("5.7.139", "5.7.30"),
        test=lambda s: s.oauth,
        temporary=False,
    ),
    Rule(
        "smtp_auth_disabled",
        _lt(
            "Microsoft 365 refuses to send: SMTP sign-in (SMTP AUTH) is switched off for "
            "this mailbox or for the whole organisation."
        ),
        REMEDY_OAUTH_ADMIN_SMTP_AUTH,
        keywords=("smtpclientauthentication is disabled", "smtp auth is disabled",
                  "smtpclientauthenticationdisabled"),
        test=lambda s: s.oauth,
        temporary=False,
    ),
    Rule(
        "oauth_not_offered",
        _lt("The %(protocol)s server does not offer sign-in with OAuth 2.0 (XOAUTH2)."),
        _lt(
            "Check the server name and the port: they must be the provider's (for example "
            "outlook.office365.com or imap.gmail.com). For other servers, sign in with a "
            "password instead."
        ),
        keywords=("offers no oauth 2.0 sign-in",),
        temporary=False,
    ),
    Rule(
        "oauth_scope_missing",
        _lt(
            "The %(protocol)s server refused the sign-in token: it lacks the permission "
            "(scope) for %(protocol)s."
        ),
        _lt(
            "Sign in again and accept every permission the provider asks for. An "
            "administrator must make sure the application registration includes the mail "
            "permissions (%(permissions)s)."
        ),
        test=_oauth_scope_refusal,
        temporary=False,
    ),
    Rule(
        "oauth_token_rejected",
        _lt(
            "The %(protocol)s server did not accept this account's sign-in token: it has "
            "expired or was revoked, or it does not give access to this mailbox."
        ),
        _lt(
            "Sign in again with the provider from the account. For a shared mailbox, the "
            "person who signs in must have full access to it, and the account's address "
            "must be the shared mailbox's address."
        ),
        test=_oauth_refusal,
        temporary=False,
    ),
    # ---- password sign-in switched off (Microsoft 365 basic authentication)
    Rule(
        "basic_auth_disabled",
        _lt(
            "Microsoft 365 no longer accepts a password for this mailbox (basic "
            "authentication is switched off)."
        ),
        _lt(
            "Use Sign in with Microsoft (OAuth 2.0) for this account instead of the "
            "password. Microsoft switches password sign-in for sending off in every "
            "organisation by the end of 2026."
        ),
        enhanced=("5.7.30",),
        keywords=("basic authentication is not supported", "basic authentication is disabled",
                  "basicauthblocked"),
        temporary=False,
    ),
)

RULES = OAUTH_RULES + (
    # ---- certificates (before the generic TLS rules: it is an SSLError too)
    Rule(
        "certificate_invalid",
        _lt(
            "The %(protocol)s server's certificate is not valid for this server name, "
            "so the connection was stopped to protect your password."
        ),
        REMEDY_CERTIFICATE,
        keywords=("hostname mismatch", "doesn't match", "does not match", "not valid for"),
        test=lambda s: s.source == "cert" or "certificate" in s.text,
    ),
    Rule(
        "certificate_invalid",
        _lt(
            "The %(protocol)s server uses a self-signed certificate that no known "
            "authority vouches for, so the connection was stopped to protect your password."
        ),
        REMEDY_CERTIFICATE,
        keywords=("self-signed", "self signed"),
    ),
    Rule(
        "certificate_invalid",
        _lt(
            "The %(protocol)s server's certificate has expired, so the connection was "
            "stopped to protect your password."
        ),
        _lt(
            "The server's administrator must renew its certificate. Until then, only if "
            "you trust this server and network, untick \"Verify certificates\"."
        ),
        keywords=("certificate has expired", "certificate expired"),
    ),
    Rule(
        "certificate_invalid",
        _lt(
            "The %(protocol)s server's certificate could not be verified, so the "
            "connection was stopped to protect your password."
        ),
        REMEDY_CERTIFICATE,
        sources=("cert",),
    ),
    Rule(
        "certificate_invalid",
        _lt(
            "The %(protocol)s server's certificate could not be verified, so the "
            "connection was stopped to protect your password."
        ),
        REMEDY_CERTIFICATE,
        keywords=("certificate verify failed", "certificate_verify_failed"),
    ),
    # ---- TLS spoken to a plain port (or the reverse)
    Rule(
        "wrong_port_or_protocol",
        _lt(
            "The %(protocol)s server did not answer with an encrypted (SSL/TLS) "
            "connection on this port: the port and the security setting do not match."
        ),
        _lt(
            "Use SSL/TLS only with a port made for it and STARTTLS (or no encryption) "
            "with the other ports. Usual %(protocol)s ports: %(ports)s."
        ),
        keywords=("wrong_version_number", "wrong version number", "unknown_protocol",
                  "unknown protocol", "http_request", "record layer failure",
                  "packet length too long"),
    ),
    Rule(
        "tls_failed",
        _lt(
            "The %(protocol)s server closed the connection while setting up encryption "
            "(SSL/TLS)."
        ),
        REMEDY_CHECK_PORT_SECURITY,
        keywords=("unexpected_eof", "eof occurred in violation of protocol"),
    ),
    Rule(
        "tls_failed",
        _lt(
            "The encrypted (SSL/TLS) connection to the %(protocol)s server could not be "
            "set up."
        ),
        _lt(
            "Check the security setting and the port (usual %(protocol)s ports: "
            "%(ports)s). If they are right, the server may only offer outdated "
            "encryption: ask your provider."
        ),
        sources=("ssl",),
    ),
    # ---- network
    Rule(
        "dns_failed",
        _lt(
            "The name of the %(protocol)s server could not be looked up right now "
            "(the name service did not answer)."
        ),
        _lt(
            "Check that the server name is spelled correctly and that this Odoo server "
            "has Internet access, then try again in a few minutes."
        ),
        keywords=("temporary failure in name resolution",),
        test=_no_reply,
        temporary=True,
    ),
    Rule(
        "dns_failed",
        _lt("The %(protocol)s server name does not exist: it could not be found in DNS."),
        _lt(
            "Check the spelling of the server name (for example smtp.example.com or "
            "imap.example.com) in your provider's documentation."
        ),
        sources=("dns",),
        temporary=False,
    ),
    Rule(
        "dns_failed",
        _lt("The %(protocol)s server name does not exist: it could not be found in DNS."),
        _lt(
            "Check the spelling of the server name (for example smtp.example.com or "
            "imap.example.com) in your provider's documentation."
        ),
        keywords=("name or service not known", "nodename nor servname", "getaddrinfo failed",
                  "no address associated with hostname", "name does not resolve"),
        test=_no_reply,
        temporary=False,
    ),
    Rule(
        "connection_refused",
        _lt(
            "The %(protocol)s server refused the connection: nothing accepts connections "
            "on this port."
        ),
        REMEDY_CHECK_PORT_SECURITY,
        sources=("refused",),
        temporary=False,
    ),
    Rule(
        "connection_refused",
        _lt(
            "The %(protocol)s server refused the connection: nothing accepts connections "
            "on this port."
        ),
        REMEDY_CHECK_PORT_SECURITY,
        keywords=("connection refused",),
        test=_no_reply,
        temporary=False,
    ),
    Rule(
        "connection_refused",
        _lt("The %(protocol)s server could not be reached from this Odoo server."),
        _lt(
            "Check the server name and port. A firewall may block outgoing connections "
            "on this port: ask your hosting provider. Usual %(protocol)s ports: %(ports)s."
        ),
        keywords=("network is unreachable", "no route to host", "host is unreachable"),
        test=_no_reply,
        temporary=False,
    ),
    # ---- a greeting of the wrong kind: wrong port or wrong protocol
    Rule(
        "wrong_port_or_protocol",
        _lt(
            "The server on this port does not speak %(protocol)s: it answered like "
            "another kind of mail server."
        ),
        _lt(
            "Check the port and the protocol: for example an SMTP port was entered for "
            "IMAP or POP3, or the reverse. Usual %(protocol)s ports: %(ports)s."
        ),
        test=_foreign_banner,
        temporary=False,
    ),
    Rule(
        "wrong_port_or_protocol",
        _lt(
            "The server on this port did not greet like a %(protocol)s server: the port "
            "or the security setting is probably wrong."
        ),
        REMEDY_CHECK_PORT_SECURITY,
        test=_greeting_not_numeric,
        temporary=False,
    ),
    Rule(
        "wrong_port_or_protocol",
        _lt(
            "The server on this port did not greet like a %(protocol)s server: the port "
            "or the security setting is probably wrong."
        ),
        REMEDY_CHECK_PORT_SECURITY,
        keywords=("unexpected response", "not imap4 compliant"),
        sources=("imap_error", "imap_abort"),
        temporary=False,
    ),
    Rule(
        "wrong_port_or_protocol",
        _lt(
            "The %(protocol)s server closed the connection without a greeting: the port "
            "and the security setting (SSL/TLS or STARTTLS) probably do not match."
        ),
        REMEDY_CHECK_PORT_SECURITY,
        keywords=("connection unexpectedly closed", "socket error: eof", "-err eof"),
        sources=("smtp_disconnected", "imap_abort", "pop_error"),
        test=_early,
        temporary=False,
    ),
    Rule(
        "timeout",
        _lt("The %(protocol)s server did not answer in time."),
        _lt(
            "Check the server name, the port and the security setting (a connection "
            "without SSL/TLS to an SSL/TLS port waits forever). A firewall may also "
            "block this port. Usual %(protocol)s ports: %(ports)s. If all is right, "
            "try again later."
        ),
        sources=("timeout",),
        temporary=True,
    ),
    Rule(
        "timeout",
        _lt("The %(protocol)s server did not answer in time."),
        _lt(
            "Check the server name, the port and the security setting (a connection "
            "without SSL/TLS to an SSL/TLS port waits forever). A firewall may also "
            "block this port. Usual %(protocol)s ports: %(ports)s. If all is right, "
            "try again later."
        ),
        keywords=("timed out", "timeout"),
        test=_no_reply,
        temporary=True,
    ),
    Rule(
        "connection_lost",
        _lt("The %(protocol)s server closed the connection unexpectedly."),
        REMEDY_RETRY_LATER,
        sources=("reset", "smtp_disconnected"),
        temporary=True,
    ),
    Rule(
        "connection_lost",
        _lt("The %(protocol)s server closed the connection unexpectedly."),
        REMEDY_RETRY_LATER,
        keywords=("socket error", "-err eof", "connection reset", "broken pipe"),
        sources=("imap_abort", "pop_error", "text", "os"),
        temporary=True,
    ),
    # ---- provider specific sign-in policies
    Rule(
        "app_password_required",
        _lt(
            "The provider refuses your normal password here because two-step "
            "verification is on: mail programs need an app password."
        ),
        _lt(
            "Create an app password in your account's security settings (Google: "
            "myaccount.google.com/apppasswords) and enter it as the password of this "
            "account."
        ),
        keywords=("application-specific password", "application specific password",
                  "app password", "app-specific password"),
        temporary=False,
    ),
    Rule(
        "app_password_required",
        _lt(
            "The provider refuses your normal password here because two-step "
            "verification is on: mail programs need an app password."
        ),
        _lt(
            "Create an app password in your account's security settings (Google: "
            "myaccount.google.com/apppasswords) and enter it as the password of this "
            "account."
        ),
        codes=("534",),
        enhanced=("5.7.9",),
        temporary=False,
    ),
    Rule(
        "app_password_required",
        _lt(
            "The provider blocked this sign-in and asks you to confirm it in a web "
            "browser first."
        ),
        _lt(
            "Sign in to your mailbox in a web browser and confirm the security alert, "
            "then test again. If the account uses two-step verification, create an app "
            "password and enter it as the password of this account."
        ),
        keywords=("log in via your web browser", "login via your web browser",
                  "sign in via your web browser", "[webalert", "web login required"),
        temporary=False,
    ),
    Rule(
        "app_password_required",
        _lt(
            "The provider blocked this sign-in and asks you to confirm it in a web "
            "browser first."
        ),
        _lt(
            "Sign in to your mailbox in a web browser and confirm the security alert, "
            "then test again. If the account uses two-step verification, create an app "
            "password and enter it as the password of this account."
        ),
        enhanced=("5.7.14",),
        temporary=False,
    ),
    Rule(
        "basic_auth_disabled",
        _lt(
            "Microsoft 365 refuses sign-in with a password (basic authentication) for "
            "this mailbox or organisation."
        ),
        _lt(
            "Ask your Microsoft 365 administrator to enable \"Authenticated SMTP\" (SMTP "
            "AUTH) for this mailbox, or to allow basic authentication for it; otherwise "
            "this mailbox cannot be used with a password."
        ),
        enhanced=("5.7.139", "5.7.30"),
        temporary=False,
    ),
    Rule(
        "basic_auth_disabled",
        _lt(
            "Microsoft 365 refuses sign-in with a password (basic authentication) for "
            "this mailbox or organisation."
        ),
        _lt(
            "Ask your Microsoft 365 administrator to enable \"Authenticated SMTP\" (SMTP "
            "AUTH) for this mailbox, or to allow basic authentication for it; otherwise "
            "this mailbox cannot be used with a password."
        ),
        keywords=("smtpclientauthentication is disabled", "basic authentication is disabled",
                  "basic authentication is not supported", "basicauthblocked"),
        temporary=False,
    ),
    # ---- encryption required / not offered
    Rule(
        "tls_failed",
        _lt(
            "The %(protocol)s server does not offer STARTTLS on this port, so the "
            "connection cannot be encrypted as configured."
        ),
        _lt(
            "Choose SSL/TLS with the server's SSL/TLS port, or check that the port is "
            "right. Usual %(protocol)s ports: %(ports)s."
        ),
        keywords=("starttls extension not supported", "tls not supported by server",
                  "stls not supported by server"),
        temporary=False,
    ),
    Rule(
        "starttls_required",
        _lt(
            "The %(protocol)s server refuses to receive your password over an "
            "unencrypted connection."
        ),
        _lt(
            "Set the security of this server to SSL/TLS or STARTTLS with the matching "
            "port. Usual %(protocol)s ports: %(ports)s."
        ),
        keywords=("issue a starttls", "starttls command first", "starttls required",
                  "[privacyrequired]", "logindisabled", "plaintext authentication disallowed",
                  "plaintext authentication not allowed", "cleartext logins not permitted",
                  "encryption required", "requires a secure connection",
                  "must use tls", "tls required"),
        temporary=False,
    ),
    Rule(
        "starttls_required",
        _lt(
            "The %(protocol)s server refuses to receive your password over an "
            "unencrypted connection."
        ),
        _lt(
            "Set the security of this server to SSL/TLS or STARTTLS with the matching "
            "port. Usual %(protocol)s ports: %(ports)s."
        ),
        enhanced=("5.7.11",),
        temporary=False,
    ),
    Rule(
        "auth_not_supported",
        _lt(
            "The %(protocol)s server does not offer sign-in on this connection (it only "
            "accepts mail to its own mailboxes here, or expects encryption first)."
        ),
        _lt(
            "Use the submission port with encryption (usual %(protocol)s ports: "
            "%(ports)s) and set the security accordingly."
        ),
        keywords=("auth extension not supported", "no suitable authentication method"),
        temporary=False,
    ),
    # ---- limits
    Rule(
        "too_many_connections",
        _lt(
            "The %(protocol)s server refused the connection because too many "
            "connections or sign-ins were made with this account recently."
        ),
        _lt(
            "Wait a few minutes and try again. Close other mail programs using this "
            "account, or fetch less often."
        ),
        keywords=("too many concurrent", "too many connections", "too many simultaneous",
                  "too many login", "too many sessions", "too many open",
                  "too many auth", "maximum number of connections", "connection limit",
                  "[in-use]", "[inuse]", "[login-delay]", "mailbox locked",
                  "maildrop locked", "unable to lock maildrop", "temporary system problem",
                  "[limit]"),
        temporary=True,
    ),
    Rule(
        "too_many_connections",
        _lt(
            "The %(protocol)s server refused the connection because too many "
            "connections or sign-ins were made with this account recently."
        ),
        _lt(
            "Wait a few minutes and try again. Close other mail programs using this "
            "account, or fetch less often."
        ),
        codes=("421",),
        enhanced=("4.7.0",),
        temporary=True,
    ),
    Rule(
        "message_too_large",
        _lt("The message is larger than the receiving server accepts."),
        _lt(
            "Remove or shrink attachments (or share them as links) and send the "
            "message again."
        ),
        enhanced=("5.3.4", "5.2.3"),
        temporary=False,
    ),
    Rule(
        "message_too_large",
        _lt("The message is larger than the receiving server accepts."),
        _lt(
            "Remove or shrink attachments (or share them as links) and send the "
            "message again."
        ),
        keywords=("message size exceeds", "message too big", "message too large",
                  "message is too large", "size limit", "exceeds size", "[toobig]",
                  "message exceeds"),
        temporary=False,
    ),
    Rule(
        "mailbox_full",
        _lt("The mailbox is full (its storage quota is used up)."),
        _lt(
            "If it is this account's own mailbox, delete or archive old messages (also "
            "in Sent and Trash). If it is a recipient's mailbox, they must free space; "
            "try again later."
        ),
        enhanced=("5.2.2", "4.2.2"),
    ),
    Rule(
        "message_too_large",
        _lt("The message is larger than the receiving server accepts."),
        _lt(
            "Remove or shrink attachments (or share them as links) and send the "
            "message again."
        ),
        # RFC 5321: 552 at the end of DATA, "exceeded storage allocation": the message
        # itself is too big (a full mailbox says so, or 5.2.2, matched above and here)
        codes=("552",),
        stages=("data",),
        test=lambda s: not any(word in s.text for word in _QUOTA_WORDS),
        temporary=False,
    ),
    Rule(
        "mailbox_full",
        _lt("The mailbox is full (its storage quota is used up)."),
        _lt(
            "If it is this account's own mailbox, delete or archive old messages (also "
            "in Sent and Trash). If it is a recipient's mailbox, they must free space; "
            "try again later."
        ),
        keywords=("[overquota]", "quota exceeded", "over quota", "overquota",
                  "mailbox full", "mailbox is full", "exceeded storage", "quota exceed"),
    ),
    # ---- Microsoft 365 generic authentication failure
    Rule(
        "auth_failed",
        _lt("Microsoft 365 did not accept the login or the password of this account."),
        _lt(
            "Check the login (the full e-mail address) and the password. If they are "
            "right, ask your Microsoft 365 administrator whether \"Authenticated SMTP\" "
            "is enabled for this mailbox and whether multi-factor authentication or "
            "security defaults block password sign-in."
        ),
        enhanced=("5.7.3",),
        keywords=("authentication unsuccessful",),
        temporary=False,
    ),
    Rule(
        "auth_failed",
        _lt(
            "The %(protocol)s server requires you to sign in before it accepts this "
            "command, but no sign-in took place."
        ),
        _lt(
            "Enter the login and the password of this account (and encryption if the "
            "server requires it), then test the connection again."
        ),
        keywords=("authentication required", "authentication is required",
                  "client was not authenticated", "must authenticate", "not authenticated",
                  "auth required"),
        test=_permanent_reply,
        temporary=False,
    ),
    # ---- temporary failures (after the specific 4xx rules above)
    Rule(
        "temporary",
        _lt(
            "The receiving server postponed the message (greylisting): this is a "
            "normal anti-spam delay."
        ),
        _lt("Nothing to do: the message will be accepted when it is sent again later."),
        keywords=("greylist", "graylist", "grey-list", "gray-list"),
        temporary=True,
    ),
    Rule(
        "temporary",
        _lt("The %(protocol)s server has a temporary problem."),
        REMEDY_RETRY_LATER,
        keywords=("[unavailable]", "[sys/temp]", "temporary authentication failure",
                  "[servererror]", "temporarily unavailable", "temporary failure",
                  "try again later", "please try again", "service not available"),
        test=_not_permanent,
        temporary=True,
    ),
    Rule(
        "temporary",
        _lt("The %(protocol)s server has a temporary problem."),
        REMEDY_RETRY_LATER,
        codes=("4xx",),
        temporary=True,
    ),
    Rule(
        "temporary",
        _lt("The %(protocol)s server has a temporary problem."),
        REMEDY_RETRY_LATER,
        enhanced=("4",),
        temporary=True,
    ),
    # ---- authentication
    Rule(
        "auth_failed",
        _lt("The %(protocol)s server did not accept the login or the password."),
        REMEDY_CHECK_PASSWORD,
        codes=("535",),
        temporary=False,
    ),
    Rule(
        "auth_failed",
        _lt("The %(protocol)s server did not accept the login or the password."),
        REMEDY_CHECK_PASSWORD,
        enhanced=("5.7.8",),
        temporary=False,
    ),
    Rule(
        "auth_failed",
        _lt("The %(protocol)s server did not accept the login or the password."),
        REMEDY_CHECK_PASSWORD,
        keywords=("authenticationfailed", "authentication failed", "auth failed",
                  "invalid credentials", "login failed", "authenticate failed",
                  "logon failure", "bad password", "incorrect password",
                  "password incorrect", "invalid password", "wrong password",
                  "username and password not accepted", "invalid login",
                  "login incorrect", "incorrect login", "authorization failed",
                  "[auth]", "[authorizationfailed]", "bad credentials",
                  "authentication credentials invalid"),
        temporary=False,
    ),
    Rule(
        "auth_failed",
        _lt("The %(protocol)s server did not accept the login or the password."),
        REMEDY_CHECK_PASSWORD,
        sources=("smtp_auth",),
        test=_permanent_reply,
        temporary=False,
    ),
    Rule(
        "auth_failed",
        _lt("The %(protocol)s server did not accept the login or the password."),
        REMEDY_CHECK_PASSWORD,
        sources=("smtp_reply", "imap_error", "pop_error", "text"),
        stages=("auth",),
        test=_permanent_reply,
        temporary=False,
    ),
    # ---- sender
    Rule(
        "sender_not_allowed",
        _lt(
            "The %(protocol)s server does not let this account send with this sender "
            "address."
        ),
        _lt(
            "Send from the address of the account you sign in with, or ask your provider "
            "or administrator to allow this account to send as this address (an alias "
            "or \"Send As\" permission)."
        ),
        enhanced=("5.7.60", "5.1.7", "5.1.8", "5.2.252"),
        temporary=False,
    ),
    Rule(
        "sender_not_allowed",
        _lt(
            "The %(protocol)s server does not let this account send with this sender "
            "address."
        ),
        _lt(
            "Send from the address of the account you sign in with, or ask your provider "
            "or administrator to allow this account to send as this address (an alias "
            "or \"Send As\" permission)."
        ),
        keywords=("not owned by user", "send as", "sendasdenied", "relaying disallowed",
                  "sender address rejected", "sender not allowed", "sender rejected",
                  "sender is not allowed", "sender verify failed"),
        protocols=("smtp", None),
        temporary=False,
    ),
    # ---- recipients
    Rule(
        "recipient_rejected",
        _lt(
            "The receiving server rejected a recipient address: the mailbox does not "
            "exist or does not accept mail."
        ),
        _lt(
            "Check the recipient's address for typos; if it is right, contact the "
            "recipient another way."
        ),
        enhanced=("5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1", "5.4.1"),
        temporary=False,
    ),
    Rule(
        "recipient_rejected",
        _lt(
            "The receiving server rejected a recipient address: the mailbox does not "
            "exist or does not accept mail."
        ),
        _lt(
            "Check the recipient's address for typos; if it is right, contact the "
            "recipient another way."
        ),
        keywords=("user unknown", "unknown user", "no such user", "recipient address rejected",
                  "does not exist", "recipient not found", "invalid recipient",
                  "mailbox unavailable", "no mailbox", "mailbox not found",
                  "recipient rejected", "unrouteable address", "no such recipient"),
        protocols=("smtp", None),
        temporary=False,
    ),
    Rule(
        "sender_not_allowed",
        _lt(
            "The %(protocol)s server does not let this account send with this sender "
            "address."
        ),
        _lt(
            "Send from the address of the account you sign in with, or ask your provider "
            "or administrator to allow this account to send as this address (an alias "
            "or \"Send As\" permission)."
        ),
        sources=("smtp_sender",),
        temporary=False,
    ),
    Rule(
        "sender_not_allowed",
        _lt(
            "The %(protocol)s server does not let this account send with this sender "
            "address."
        ),
        _lt(
            "Send from the address of the account you sign in with, or ask your provider "
            "or administrator to allow this account to send as this address (an alias "
            "or \"Send As\" permission)."
        ),
        stages=("sender",),
        codes=("5xx",),
        temporary=False,
    ),
    Rule(
        "recipient_rejected",
        _lt(
            "The receiving server rejected a recipient address: the mailbox does not "
            "exist or does not accept mail."
        ),
        _lt(
            "Check the recipient's address for typos; if it is right, contact the "
            "recipient another way."
        ),
        sources=("smtp_recipients",),
        temporary=False,
    ),
    Rule(
        "recipient_rejected",
        _lt(
            "The receiving server rejected a recipient address: the mailbox does not "
            "exist or does not accept mail."
        ),
        _lt(
            "Check the recipient's address for typos; if it is right, contact the "
            "recipient another way."
        ),
        stages=("recipient",),
        codes=("5xx",),
        temporary=False,
    ),
    # ---- the message itself refused at the end of DATA (content, spam, policy)
    Rule(
        "message_rejected",
        _lt(
            "The %(protocol)s server refused the message itself: its spam or content "
            "filter or a policy of the provider rejected it."
        ),
        _lt(
            "Read the server's answer below. Remove what looks like spam (many links, "
            "shortened links, a large image without text, attachments such as .exe, .js "
            "or password-protected archives), check that the sender address belongs to "
            "this account, then send it again. If it is refused again, send the server's "
            "answer to your e-mail provider: they can tell which rule rejected it."
        ),
        keywords=("spam", "junk", "content", "policy", "virus", "malware", "phishing",
                  "blocked", "blacklist", "blocklist", "denylist", "reputation", "dmarc",
                  "spf", "dkim", "suspicious", "bulk", "rejected", "not accepted"),
        stages=("data",),
        test=_permanent_reply,
        temporary=False,
    ),
    Rule(
        "message_rejected",
        _lt(
            "The %(protocol)s server refused the message itself: its spam or content "
            "filter or a policy of the provider rejected it."
        ),
        _lt(
            "Read the server's answer below. Remove what looks like spam (many links, "
            "shortened links, a large image without text, attachments such as .exe, .js "
            "or password-protected archives), check that the sender address belongs to "
            "this account, then send it again. If it is refused again, send the server's "
            "answer to your e-mail provider: they can tell which rule rejected it."
        ),
        # 5.7.x at DATA: security or policy status (5.7.60 "send as" is matched above)
        enhanced=("5.7",),
        stages=("data",),
        temporary=False,
    ),
    # ---- a greeting that was not 220 (and not explained above)
    Rule(
        "wrong_port_or_protocol",
        _lt(
            "The server on this port did not greet like a %(protocol)s server: the port "
            "or the security setting is probably wrong."
        ),
        REMEDY_CHECK_PORT_SECURITY,
        sources=("smtp_connect",),
        temporary=False,
    ),
)

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
        "permissions": _OAUTH_PERMISSIONS_HINT,
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
    params = _params(signal.protocol, host, port)
    if known_host and host and rule is not None and rule.kind == "dns_failed":
        return Explanation(
            kind="dns_unavailable",
            server_text=signal.server_text,
            message=DNS_UNAVAILABLE_MESSAGE,
            remedy=DNS_UNAVAILABLE_REMEDY,
            params=params,
            temporary=True,
            code=signal.code,
            enhanced_code=signal.enhanced_code,
        )
    if rule is None:
        return Explanation(
            kind="unknown",
            server_text=signal.server_text,
            message=UNKNOWN_MESSAGE,
            remedy=UNKNOWN_REMEDY,
            params=params,
            temporary=_derived_temporary(signal),
            code=signal.code,
            enhanced_code=signal.enhanced_code,
        )
    temporary = rule.temporary if rule.temporary is not None else _derived_temporary(signal)
    return Explanation(
        kind=rule.kind,
        server_text=signal.server_text,
        message=rule.message,
        remedy=rule.remedy,
        params=params,
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
