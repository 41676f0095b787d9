"""The diagnosis table of ``tools/errors.py``: what each server error means, what to do.

``RULES`` is a tuple of :class:`Rule`, ordered from the most specific to the most generic;
``errors.explain`` takes the first one that matches. A rule matches on the reply code, the
enhanced status code (RFC 3463, e.g. ``5.7.139``), case-insensitive keywords of the
server text, the kind of exception (``source``), the protocol and the stage, each
condition being optional, and says what happened (``message``) and what to do
(``remedy``): untranslated ``_lt`` templates using only the placeholders of
``errors.PARAM_NAMES``. A text several rules share is a named constant, written once.

OAuth 2.0: errors of the provider's token endpoint (``tools.oauth.OAuthError``) and
token refusals of the mail servers (``tools.connection.TokenRefused``, or any error
explained with ``oauth=True``) have rules of their own (``OAUTH_RULES``, first in the
table). A server cannot tell an expired token from a revoked one: the caller refreshes
the token first, and a refused refresh (``invalid_grant``) says which it was.

No Odoo import here: this module is tested without a database.
"""

# No ``env`` here: ``_lt`` only marks the texts, the ORM translates them with ``env._``.
# pylint: disable=prefer-env-translation

import re
from collections.abc import Callable
from dataclasses import dataclass

from .translation import _lt

# --------------------------------------------------------------------------- shared texts

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

# Texts several rules share (each written once).
MESSAGE_SMTP_AUTH_DISABLED = _lt(
    "Microsoft 365 refuses to send: SMTP sign-in (SMTP AUTH) is switched off for "
    "this mailbox or for the whole organisation."
)
MESSAGE_CERTIFICATE_UNVERIFIED = _lt(
    "The %(protocol)s server's certificate could not be verified, so the "
    "connection was stopped to protect your password."
)
MESSAGE_DNS_NOT_FOUND = _lt(
    "The %(protocol)s server name does not exist: it could not be found in DNS."
)
REMEDY_CHECK_SERVER_NAME = _lt(
    "Check the spelling of the server name (for example smtp.example.com or "
    "imap.example.com) in your provider's documentation."
)
MESSAGE_CONNECTION_REFUSED = _lt(
    "The %(protocol)s server refused the connection: nothing accepts connections "
    "on this port."
)
MESSAGE_WRONG_GREETING = _lt(
    "The server on this port did not greet like a %(protocol)s server: the port "
    "or the security setting is probably wrong."
)
MESSAGE_TIMEOUT = _lt("The %(protocol)s server did not answer in time.")
REMEDY_TIMEOUT = _lt(
    "Check the server name, the port and the security setting (a connection "
    "without SSL/TLS to an SSL/TLS port waits forever). A firewall may also "
    "block this port. Usual %(protocol)s ports: %(ports)s. If all is right, "
    "try again later."
)
MESSAGE_CONNECTION_LOST = _lt("The %(protocol)s server closed the connection unexpectedly.")
MESSAGE_APP_PASSWORD = _lt(
    "The provider refuses your normal password here because two-step "
    "verification is on: mail programs need an app password."
)
REMEDY_APP_PASSWORD = _lt(
    "Create an app password in your account's security settings (Google: "
    "myaccount.google.com/apppasswords) and enter it as the password of this "
    "account."
)
MESSAGE_CONFIRM_IN_BROWSER = _lt(
    "The provider blocked this sign-in and asks you to confirm it in a web "
    "browser first."
)
REMEDY_CONFIRM_IN_BROWSER = _lt(
    "Sign in to your mailbox in a web browser and confirm the security alert, "
    "then test again. If the account uses two-step verification, create an app "
    "password and enter it as the password of this account."
)
MESSAGE_BASIC_AUTH_DISABLED = _lt(
    "Microsoft 365 refuses sign-in with a password (basic authentication) for "
    "this mailbox or organisation."
)
REMEDY_ENABLE_SMTP_AUTH = _lt(
    "Ask your Microsoft 365 administrator to enable \"Authenticated SMTP\" (SMTP "
    "AUTH) for this mailbox, or to allow basic authentication for it; otherwise "
    "this mailbox cannot be used with a password."
)
MESSAGE_STARTTLS_REQUIRED = _lt(
    "The %(protocol)s server refuses to receive your password over an "
    "unencrypted connection."
)
REMEDY_USE_ENCRYPTION = _lt(
    "Set the security of this server to SSL/TLS or STARTTLS with the matching "
    "port. Usual %(protocol)s ports: %(ports)s."
)
MESSAGE_TOO_MANY_CONNECTIONS = _lt(
    "The %(protocol)s server refused the connection because too many "
    "connections or sign-ins were made with this account recently."
)
REMEDY_TOO_MANY_CONNECTIONS = _lt(
    "Wait a few minutes and try again. Close other mail programs using this "
    "account, or fetch less often."
)
MESSAGE_TOO_LARGE = _lt("The message is larger than the receiving server accepts.")
REMEDY_TOO_LARGE = _lt(
    "Remove or shrink attachments (or share them as links) and send the "
    "message again."
)
MESSAGE_MAILBOX_FULL = _lt("The mailbox is full (its storage quota is used up).")
REMEDY_MAILBOX_FULL = _lt(
    "If it is this account's own mailbox, delete or archive old messages (also "
    "in Sent and Trash). If it is a recipient's mailbox, they must free space; "
    "try again later."
)
MESSAGE_SERVER_TEMPORARY = _lt("The %(protocol)s server has a temporary problem.")
MESSAGE_AUTH_FAILED = _lt("The %(protocol)s server did not accept the login or the password.")
MESSAGE_SENDER_NOT_ALLOWED = _lt(
    "The %(protocol)s server does not let this account send with this sender "
    "address."
)
REMEDY_SENDER_NOT_ALLOWED = _lt(
    "Send from the address of the account you sign in with, or ask your provider "
    "or administrator to allow this account to send as this address (an alias "
    "or \"Send As\" permission)."
)
MESSAGE_RECIPIENT_REJECTED = _lt(
    "The receiving server rejected a recipient address: the mailbox does not "
    "exist or does not accept mail."
)
REMEDY_RECIPIENT_REJECTED = _lt(
    "Check the recipient's address for typos; if it is right, contact the "
    "recipient another way."
)
MESSAGE_REJECTED = _lt(
    "The %(protocol)s server refused the message itself: its spam or content "
    "filter or a policy of the provider rejected it."
)
REMEDY_MESSAGE_REJECTED = _lt(
    "Read the server's answer below. Remove what looks like spam (many links, "
    "shortened links, a large image without text, attachments such as .exe, .js "
    "or password-protected archives), check that the sender address belongs to "
    "this account, then send it again. If it is refused again, send the server's "
    "answer to your e-mail provider: they can tell which rule rejected it."
)



# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """One line of the diagnosis table; every given condition must hold.

    ``codes``: reply codes as strings, ``x`` is a wildcard digit (``"535"``, ``"4xx"``).
    ``enhanced``: enhanced status codes; ``"5.7"`` also matches ``5.7.x`` (but
    ``"5.7.1"`` does not match ``5.7.139``).
    ``keywords``: any of them occurs in the lower-cased server text.
    ``sources`` / ``protocols`` / ``stages``: any of them.
    ``test``: an extra predicate on the ``errors.Signal``.
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
    test: Callable[..., bool] | None = None
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


def _either(kind, message, remedy, *conditions, **common):
    """Rules giving the same diagnosis, one for each way of recognising it, in order:
    ``conditions`` are dicts of :class:`Rule` conditions, ``common`` applies to all."""
    return tuple(Rule(kind, message, remedy, **common, **condition) for condition in conditions)


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


# --------------------------------------------------------------------------- OAuth 2.0


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
    *_either(
        "smtp_auth_disabled", MESSAGE_SMTP_AUTH_DISABLED, REMEDY_OAUTH_ADMIN_SMTP_AUTH,
        {"enhanced": ("5.7.139", "5.7.30")},
        {
            "keywords": (
                "smtpclientauthentication is disabled", "smtp auth is disabled",
                "smtpclientauthenticationdisabled",
            ),
        },
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
    *_either(
        "certificate_invalid", MESSAGE_CERTIFICATE_UNVERIFIED, REMEDY_CERTIFICATE,
        {"sources": ("cert",)},
        {"keywords": ("certificate verify failed", "certificate_verify_failed")},
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
    *_either(
        "dns_failed", MESSAGE_DNS_NOT_FOUND, REMEDY_CHECK_SERVER_NAME,
        {"sources": ("dns",)},
        {
            "keywords": (
                "name or service not known", "nodename nor servname", "getaddrinfo failed",
                "no address associated with hostname", "name does not resolve",
            ),
            "test": _no_reply,
        },
        temporary=False,
    ),
    *_either(
        "connection_refused", MESSAGE_CONNECTION_REFUSED, REMEDY_CHECK_PORT_SECURITY,
        {"sources": ("refused",)},
        {"keywords": ("connection refused",), "test": _no_reply},
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
    *_either(
        "wrong_port_or_protocol", MESSAGE_WRONG_GREETING, REMEDY_CHECK_PORT_SECURITY,
        {"test": _greeting_not_numeric},
        {
            "keywords": ("unexpected response", "not imap4 compliant"),
            "sources": ("imap_error", "imap_abort"),
        },
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
    *_either(
        "timeout", MESSAGE_TIMEOUT, REMEDY_TIMEOUT,
        {"sources": ("timeout",)},
        {"keywords": ("timed out", "timeout"), "test": _no_reply},
        temporary=True,
    ),
    *_either(
        "connection_lost", MESSAGE_CONNECTION_LOST, REMEDY_RETRY_LATER,
        {"sources": ("reset", "smtp_disconnected")},
        {
            "keywords": ("socket error", "-err eof", "connection reset", "broken pipe"),
            "sources": ("imap_abort", "pop_error", "text", "os"),
        },
        temporary=True,
    ),
    # ---- provider specific sign-in policies
    *_either(
        "app_password_required", MESSAGE_APP_PASSWORD, REMEDY_APP_PASSWORD,
        {
            "keywords": (
                "application-specific password", "application specific password", "app password",
                "app-specific password",
            ),
        },
        {"codes": ("534",), "enhanced": ("5.7.9",)},
        temporary=False,
    ),
    *_either(
        "app_password_required", MESSAGE_CONFIRM_IN_BROWSER, REMEDY_CONFIRM_IN_BROWSER,
        {
            "keywords": (
                "log in via your web browser", "login via your web browser",
                "sign in via your web browser", "[webalert", "web login required",
            ),
        },
        {"enhanced": ("5.7.14",)},
        temporary=False,
    ),
    *_either(
        "basic_auth_disabled", MESSAGE_BASIC_AUTH_DISABLED, REMEDY_ENABLE_SMTP_AUTH,
        {"enhanced": ("5.7.139", "5.7.30")},
        {
            "keywords": (
                "smtpclientauthentication is disabled", "basic authentication is disabled",
                "basic authentication is not supported", "basicauthblocked",
            ),
        },
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
    *_either(
        "starttls_required", MESSAGE_STARTTLS_REQUIRED, REMEDY_USE_ENCRYPTION,
        {
            "keywords": (
                "issue a starttls", "starttls command first", "starttls required",
                "[privacyrequired]", "logindisabled", "plaintext authentication disallowed",
                "plaintext authentication not allowed", "cleartext logins not permitted",
                "encryption required", "requires a secure connection", "must use tls",
                "tls required",
            ),
        },
        {"enhanced": ("5.7.11",)},
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
    *_either(
        "too_many_connections", MESSAGE_TOO_MANY_CONNECTIONS, REMEDY_TOO_MANY_CONNECTIONS,
        {
            "keywords": (
                "too many concurrent", "too many connections", "too many simultaneous",
                "too many login", "too many sessions", "too many open", "too many auth",
                "maximum number of connections", "connection limit", "[in-use]", "[inuse]",
                "[login-delay]", "mailbox locked", "maildrop locked", "unable to lock maildrop",
                "temporary system problem", "[limit]",
            ),
        },
        {"codes": ("421",), "enhanced": ("4.7.0",)},
        temporary=True,
    ),
    *_either(
        "message_too_large", MESSAGE_TOO_LARGE, REMEDY_TOO_LARGE,
        {"enhanced": ("5.3.4", "5.2.3")},
        {
            "keywords": (
                "message size exceeds", "message too big", "message too large",
                "message is too large", "size limit", "exceeds size", "[toobig]", "message exceeds",
            ),
        },
        temporary=False,
    ),
    Rule(
        "mailbox_full",
        MESSAGE_MAILBOX_FULL,
        REMEDY_MAILBOX_FULL,
        enhanced=("5.2.2", "4.2.2"),
    ),
    Rule(
        "message_too_large",
        MESSAGE_TOO_LARGE,
        REMEDY_TOO_LARGE,
        # RFC 5321: 552 at the end of DATA, "exceeded storage allocation": the message
        # itself is too big (a full mailbox says so, or 5.2.2, matched above and here)
        codes=("552",),
        stages=("data",),
        test=lambda s: not any(word in s.text for word in _QUOTA_WORDS),
        temporary=False,
    ),
    Rule(
        "mailbox_full",
        MESSAGE_MAILBOX_FULL,
        REMEDY_MAILBOX_FULL,
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
    *_either(
        "temporary", MESSAGE_SERVER_TEMPORARY, REMEDY_RETRY_LATER,
        {
            "keywords": (
                "[unavailable]", "[sys/temp]", "temporary authentication failure", "[servererror]",
                "temporarily unavailable", "temporary failure", "try again later",
                "please try again", "service not available",
            ),
            "test": _not_permanent,
        },
        {"codes": ("4xx",)},
        {"enhanced": ("4",)},
        temporary=True,
    ),
    # ---- authentication
    *_either(
        "auth_failed", MESSAGE_AUTH_FAILED, REMEDY_CHECK_PASSWORD,
        {"codes": ("535",)},
        {"enhanced": ("5.7.8",)},
        {
            "keywords": (
                "authenticationfailed", "authentication failed", "auth failed",
                "invalid credentials", "login failed", "authenticate failed", "logon failure",
                "bad password", "incorrect password", "password incorrect", "invalid password",
                "wrong password", "username and password not accepted", "invalid login",
                "login incorrect", "incorrect login", "authorization failed", "[auth]",
                "[authorizationfailed]", "bad credentials", "authentication credentials invalid",
            ),
        },
        {"sources": ("smtp_auth",), "test": _permanent_reply},
        {
            "sources": ("smtp_reply", "imap_error", "pop_error", "text"),
            "stages": ("auth",),
            "test": _permanent_reply,
        },
        temporary=False,
    ),
    # ---- sender
    *_either(
        "sender_not_allowed", MESSAGE_SENDER_NOT_ALLOWED, REMEDY_SENDER_NOT_ALLOWED,
        {"enhanced": ("5.7.60", "5.1.7", "5.1.8", "5.2.252")},
        {
            "keywords": (
                "not owned by user", "send as", "sendasdenied", "relaying disallowed",
                "sender address rejected", "sender not allowed", "sender rejected",
                "sender is not allowed", "sender verify failed",
            ),
            "protocols": ("smtp", None),
        },
        temporary=False,
    ),
    # ---- recipients
    *_either(
        "recipient_rejected", MESSAGE_RECIPIENT_REJECTED, REMEDY_RECIPIENT_REJECTED,
        {"enhanced": ("5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1", "5.4.1")},
        {
            "keywords": (
                "user unknown", "unknown user", "no such user", "recipient address rejected",
                "does not exist", "recipient not found", "invalid recipient", "mailbox unavailable",
                "no mailbox", "mailbox not found", "recipient rejected", "unrouteable address",
                "no such recipient",
            ),
            "protocols": ("smtp", None),
        },
        temporary=False,
    ),
    *_either(
        "sender_not_allowed", MESSAGE_SENDER_NOT_ALLOWED, REMEDY_SENDER_NOT_ALLOWED,
        {"sources": ("smtp_sender",)},
        {"stages": ("sender",), "codes": ("5xx",)},
        temporary=False,
    ),
    *_either(
        "recipient_rejected", MESSAGE_RECIPIENT_REJECTED, REMEDY_RECIPIENT_REJECTED,
        {"sources": ("smtp_recipients",)},
        {"stages": ("recipient",), "codes": ("5xx",)},
        temporary=False,
    ),
    # ---- the message itself refused at the end of DATA (content, spam, policy)
    *_either(
        "message_rejected", MESSAGE_REJECTED, REMEDY_MESSAGE_REJECTED,
        {
            "keywords": (
                "spam", "junk", "content", "policy", "virus", "malware", "phishing", "blocked",
                "blacklist", "blocklist", "denylist", "reputation", "dmarc", "spf", "dkim",
                "suspicious", "bulk", "rejected", "not accepted",
            ),
            "test": _permanent_reply,
        },
        {"enhanced": ("5.7",)},
        stages=("data",),
        temporary=False,
    ),
    # ---- a greeting that was not 220 (and not explained above)
    Rule(
        "wrong_port_or_protocol",
        MESSAGE_WRONG_GREETING,
        REMEDY_CHECK_PORT_SECURITY,
        sources=("smtp_connect",),
        temporary=False,
    ),
)

