"""Server errors explained: one table of real-world errors and the expected diagnosis."""

import ast
import imaplib
import os
import poplib
import re
import smtplib
import socket
import ssl

import pytest

from mail_accounts_ext.tools import errors, oauth
from mail_accounts_ext.tools.connection import (
    IMAPTokenRefused,
    POP3TokenRefused,
    SMTPTokenRefused,
)
from mail_accounts_ext.tools.errors import explain, format_plain


def _cert_error(code, message):
    error = ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s (_ssl.c:1006)" % message
    )
    error.verify_code = code
    error.verify_message = message
    return error


IMAP_ERROR = imaplib.IMAP4.error
IMAP_ABORT = imaplib.IMAP4.abort
POP_ERROR = poplib.error_proto

def _refused(cls, *args, status="401", mechanism="XOAUTH2"):
    error = cls(*args)
    return error._set_sasl(mechanism, {"status": status, "schemes": "bearer", "scope": "mail"})


# (id, error, protocol, stage, expected kind)
CASES = [
    # ---- OAuth 2.0: the provider's token endpoint (texts seen from Microsoft and Google)
    ("oauth-network", oauth.NetworkError("network", "HTTPSConnectionPool: Max retries "
                                         "exceeded (Caused by NewConnectionError: Connection "
                                         "refused)"), None, None, "oauth_unreachable"),
    ("oauth-declined", oauth.make_error("access_denied", "The user declined."), None, None,
     "oauth_consent_missing"),
    ("oauth-consent-aadsts65001", oauth.make_error(
        "invalid_grant", "AADSTS65001: The user or administrator has not consented to use "
        "the application with ID 'x'. Send an interactive authorization request.",
        suberror="consent_required"), None, None, "oauth_consent_missing"),
    ("oauth-interaction", oauth.make_error("interaction_required", "AADSTS50076: Due to a "
                                           "configuration change made by your administrator, "
                                           "you must use multi-factor authentication."),
     None, None, "oauth_consent_missing"),
    ("oauth-invalid-scope", oauth.make_error("invalid_scope", "AADSTS70011: The provided "
                                             "value for the input parameter 'scope' is not "
                                             "valid."), None, None, "oauth_scope_missing"),
    ("oauth-bad-secret", oauth.make_error("invalid_client", "AADSTS7000215: Invalid client "
                                          "secret provided.", status=401), None, None,
     "oauth_client_invalid"),
    ("oauth-google-expired-or-revoked", oauth.make_error(
        "invalid_grant", "Token has been expired or revoked."), None, None,
     "oauth_sign_in_expired"),
    ("oauth-password-changed", oauth.make_error(
        "invalid_grant", "AADSTS50173: The provided grant has expired due to it being revoked, "
        "a fresh auth token is needed. The user might have changed or reset their password."),
     None, None, "oauth_sign_in_revoked"),
    ("oauth-inactivity", oauth.make_error(
        "invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity."),
     None, None, "oauth_sign_in_expired"),
    ("oauth-invalid-grant-bare", oauth.make_error("invalid_grant"), None, None,
     "oauth_sign_in_needed"),
    ("oauth-server-error", oauth.make_error("temporarily_unavailable", "", status=503), None,
     None, "oauth_provider_unavailable"),
    ("oauth-html-answer", oauth.ProviderError("invalid_response", "HTTP 404 <html>Not found",
                                              status=404), None, None, "oauth_failed"),
    # ---- OAuth 2.0: a mail server refused the token
    ("oauth-smtp-refused", _refused(SMTPTokenRefused, 535, b"5.7.8 Username and Password not "
                                    b"accepted."), "smtp", "auth", "oauth_token_rejected"),
    ("oauth-imap-refused", _refused(IMAPTokenRefused, "AUTHENTICATE failed."), "imap", "auth",
     "oauth_token_rejected"),
    ("oauth-pop3-refused", _refused(POP3TokenRefused, b"-ERR [AUTH] Authentication failed."),
     "pop3", "auth", "oauth_token_rejected"),
    ("oauth-m365-imap-no-challenge", IMAP_ERROR("AUTHENTICATE failed."), "imap", "auth",
     "auth_failed"),
    ("oauth-smtp-scope", _refused(SMTPTokenRefused, 535, b"5.7.8 Authentication credentials "
                                  b"invalid", status="403"), "smtp", "auth",
     "oauth_scope_missing"),
    ("oauth-bearer-scope", _refused(IMAPTokenRefused, "Authentication failed.",
                                    status="insufficient_scope", mechanism="OAUTHBEARER"),
     "imap", "auth", "oauth_scope_missing"),
    ("oauth-m365-smtp-auth-off", SMTPTokenRefused(
        535, b"5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
        b"the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.")
     ._set_sasl("XOAUTH2", None), "smtp", "auth", "smtp_auth_disabled"),
    ("oauth-not-offered", smtplib.SMTPNotSupportedError(
        "The server offers no OAuth 2.0 sign-in (XOAUTH2 or OAUTHBEARER); it offers: PLAIN "
        "LOGIN"), "smtp", "auth", "oauth_not_offered"),
    # ---- authentication failed
    ("smtp-535-578-gmail", smtplib.SMTPAuthenticationError(
        535, b"5.7.8 Username and Password not accepted. For more information, go to\n"
             b"5.7.8  https://support.google.com/mail/?p=BadCredentials"),
     "smtp", "auth", "auth_failed"),
    ("smtp-535-generic", smtplib.SMTPAuthenticationError(535, b"Authentication failed"),
     "smtp", "auth", "auth_failed"),
    ("smtp-535-tuple", (535, "5.7.0 Error: authentication failed"), None, None, "auth_failed"),
    ("smtp-535-plain-text", "535 Incorrect authentication data", "smtp", None, "auth_failed"),
    ("smtp-auth-error-other-5xx", smtplib.SMTPAuthenticationError(
        501, b"5.5.2 Cannot decode response"), "smtp", None, "auth_failed"),
    ("imap-authenticationfailed", IMAP_ERROR(b"[AUTHENTICATIONFAILED] Authentication failed."),
     "imap", "auth", "auth_failed"),
    ("imap-gmail-invalid-credentials",
     IMAP_ERROR(b"[AUTHENTICATIONFAILED] Invalid credentials (Failure)"),
     "imap", "auth", "auth_failed"),
    ("imap-str-of-bytes", IMAP_ERROR("b'[AUTHENTICATIONFAILED] Authentication failed.'"),
     "imap", "auth", "auth_failed"),
    ("imap-outlook-login-failed", IMAP_ERROR(b"LOGIN failed."), "imap", "auth", "auth_failed"),
    ("imap-no-at-auth-stage", IMAP_ERROR(b"Sorry, not today."), "imap", "auth", "auth_failed"),
    ("pop3-err-auth", POP_ERROR(b"-ERR [AUTH] Authentication failed."), "pop3", "auth",
     "auth_failed"),
    ("pop3-logon-failure", POP_ERROR(b"-ERR Logon failure: unknown user name or bad password."),
     None, None, "auth_failed"),
    ("m365-535-573", smtplib.SMTPAuthenticationError(
        535, b"5.7.3 Authentication unsuccessful [AM0PR01CA0123.eurprd01.prod.outlook.com]"),
     "smtp", "auth", "auth_failed"),
    ("smtp-530-auth-required", (530, b"5.7.0 Authentication Required. Learn more at"),
     "smtp", "sender", "auth_failed"),
    # ---- app password / web login (Gmail)
    ("gmail-534-579", smtplib.SMTPAuthenticationError(
        534, b"5.7.9 Application-specific password required. Learn more at\n"
             b"5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor"),
     "smtp", "auth", "app_password_required"),
    ("gmail-534-5714", smtplib.SMTPAuthenticationError(
        534, b"5.7.14 <https://accounts.google.com/signin/continue?sarp=1>\n"
             b"5.7.14 Please log in via your web browser and\n5.7.14 then try again."),
     "smtp", "auth", "app_password_required"),
    ("gmail-imap-app-password", IMAP_ERROR(
        b"[ALERT] Application-specific password required: "
        b"https://support.google.com/accounts/answer/185833 (Failure)"),
     "imap", "auth", "app_password_required"),
    ("gmail-imap-web-login", IMAP_ERROR(b"[ALERT] Please log in via your web browser: "
                                        b"https://support.google.com/mail/accounts/answer/78754"),
     "imap", "auth", "app_password_required"),
    # ---- Microsoft 365 basic authentication disabled
    ("m365-535-57139", smtplib.SMTPAuthenticationError(
        535, b"5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
             b"the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."),
     "smtp", "auth", "basic_auth_disabled"),
    ("m365-535-57139-basic", (535, "5.7.139 Authentication unsuccessful, basic authentication "
                                   "is disabled."), "smtp", "auth", "basic_auth_disabled"),
    ("m365-550-5730", (550, "5.7.30 Basic authentication is not supported for Client "
                            "Submission."), "smtp", "auth", "basic_auth_disabled"),
    # ---- STARTTLS required / not offered
    ("smtp-530-starttls", smtplib.SMTPSenderRefused(
        530, b"5.7.0 Must issue a STARTTLS command first.", "me@example.com"),
     "smtp", None, "starttls_required"),
    ("imap-privacyrequired", IMAP_ERROR(
        b"[PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) "
        b"connections."), "imap", "auth", "starttls_required"),
    ("imap-logindisabled", IMAP_ERROR("LOGIN command error: BAD [b'LOGINDISABLED']"),
     "imap", "auth", "starttls_required"),
    ("pop3-plaintext-disallowed", POP_ERROR(
        b"-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."),
     "pop3", "auth", "starttls_required"),
    ("smtp-starttls-not-offered", smtplib.SMTPNotSupportedError(
        "STARTTLS extension not supported by server."), "smtp", "tls", "tls_failed"),
    ("imap-starttls-not-offered", IMAP_ABORT("TLS not supported by server"), "imap", "tls",
     "tls_failed"),
    ("smtp-auth-not-offered", smtplib.SMTPNotSupportedError(
        "SMTP AUTH extension not supported by server."), "smtp", "auth", "auth_not_supported"),
    # ---- TLS / certificates
    ("ssl-wrong-version", ssl.SSLError(
        1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
     "smtp", "connect", "wrong_port_or_protocol"),
    ("ssl-unexpected-eof", ssl.SSLEOFError(
        8, "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol "
           "(_ssl.c:1006)"), "imap", "connect", "tls_failed"),
    ("ssl-generic", ssl.SSLError(1, "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol "
                                    "version (_ssl.c:1006)"), "pop3", "tls", "tls_failed"),
    ("cert-self-signed", _cert_error(18, "self-signed certificate"), "imap", "connect",
     "certificate_invalid"),
    ("cert-hostname-mismatch", _cert_error(
        62, "Hostname mismatch, certificate is not valid for 'mail.example.com'."),
     "smtp", "connect", "certificate_invalid"),
    ("cert-expired", _cert_error(10, "certificate has expired"), "smtp", "connect",
     "certificate_invalid"),
    ("cert-unknown-issuer", _cert_error(20, "unable to get local issuer certificate"),
     "pop3", "connect", "certificate_invalid"),
    # ---- wrong port or protocol
    ("smtp-disconnected-greeting", smtplib.SMTPServerDisconnected(
        "Connection unexpectedly closed"), "smtp", "connect", "wrong_port_or_protocol"),
    ("smtp-disconnected-no-stage", smtplib.SMTPServerDisconnected(
        "Connection unexpectedly closed: timed out"), "smtp", None, "wrong_port_or_protocol"),
    ("imap-unexpected-response-smtp-banner", IMAP_ABORT(
        "unexpected response: b'220 smtp.example.com ESMTP Postfix'"),
     "imap", "connect", "wrong_port_or_protocol"),
    ("imap-eof-greeting", IMAP_ABORT("socket error: EOF"), "imap", "connect",
     "wrong_port_or_protocol"),
    ("pop3-greeting-from-smtp", POP_ERROR(b"220 mx.example.com ESMTP ready"), "pop3", "connect",
     "wrong_port_or_protocol"),
    ("pop3-greeting-from-imap", POP_ERROR(b"* OK [CAPABILITY IMAP4rev1] Dovecot ready."),
     "pop3", None, "wrong_port_or_protocol"),
    ("smtp-connect-error-imap-banner", smtplib.SMTPConnectError(
        -1, b"[CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS] Dovecot ready."),
     "smtp", "connect", "wrong_port_or_protocol"),
    ("smtp-connect-error-554", smtplib.SMTPConnectError(554, b"No SMTP service here"),
     "smtp", None, "wrong_port_or_protocol"),
    ("smtp-sees-imap-banner-text", "* OK IMAP4rev1 Service Ready", "smtp", "connect",
     "wrong_port_or_protocol"),
    # ---- network
    ("dns-unknown-name", socket.gaierror(-2, "Name or service not known"), "smtp", "connect",
     "dns_failed"),
    ("dns-try-again", socket.gaierror(-3, "Temporary failure in name resolution"), "imap",
     "connect", "dns_failed"),
    ("refused", ConnectionRefusedError(111, "Connection refused"), "smtp", "connect",
     "connection_refused"),
    ("unreachable", OSError(101, "Network is unreachable"), "imap", "connect",
     "connection_refused"),
    ("timeout-error", TimeoutError("timed out"), "smtp", "connect", "timeout"),
    ("timeout-no-text", TimeoutError(), "pop3", "connect", "timeout"),
    ("reset", ConnectionResetError(104, "Connection reset by peer"), "imap", "fetch",
     "connection_lost"),
    ("smtp-disconnected-later", smtplib.SMTPServerDisconnected(
        "Connection unexpectedly closed"), "smtp", "data", "connection_lost"),
    ("imap-eof-later", IMAP_ABORT("socket error: EOF"), "imap", "fetch", "connection_lost"),
    # ---- sender not allowed
    ("postfix-not-owned", smtplib.SMTPRecipientsRefused({
        "bob@example.org": (553, b"5.7.1 <ceo@example.com>: Sender address rejected: not owned "
                                 b"by user me@example.com")}), "smtp", "recipient",
     "sender_not_allowed"),
    ("m365-550-5760", smtplib.SMTPDataError(
        550, b"5.7.60 SMTP; Client does not have permissions to send as this sender"),
     "smtp", "data", "sender_not_allowed"),
    ("zoho-553-relaying", smtplib.SMTPSenderRefused(
        553, b"Relaying disallowed as ceo@example.com", "ceo@example.com"), "smtp", None,
     "sender_not_allowed"),
    ("sender-refused-generic", smtplib.SMTPSenderRefused(
        550, b"Nope", "ceo@example.com"), "smtp", None, "sender_not_allowed"),
    # ---- limits and temporary failures
    ("smtp-421-too-many", smtplib.SMTPConnectError(
        421, b"4.7.0 Too many concurrent SMTP connections from this IP address; please try "
             b"again later."), "smtp", "connect", "too_many_connections"),
    ("gmail-421-temporary-system-problem", (421, "4.7.0 Temporary System Problem. Try again "
                                                 "later (10)."), "smtp", "send",
     "too_many_connections"),
    ("imap-unavailable-max-connections", IMAP_ERROR(
        b"[UNAVAILABLE] Maximum number of connections from user+IP exceeded "
        b"(mail_max_userip_connections=10)"), "imap", "auth", "too_many_connections"),
    ("imap-bye-too-many", IMAP_ABORT("Too many simultaneous connections. (Failure)"), "imap",
     "connect", "too_many_connections"),
    ("pop3-in-use", POP_ERROR(b"-ERR [IN-USE] Unable to lock maildrop"), "pop3", "auth",
     "too_many_connections"),
    ("greylisted-450", smtplib.SMTPRecipientsRefused({
        "bob@example.org": (450, b"4.2.0 <bob@example.org>: Recipient address rejected: "
                                 b"Greylisted, see http://postgrey.schweikert.ch/")}),
     "smtp", "recipient", "temporary"),
    ("greylisted-451", (451, "4.7.1 Please try again later"), "smtp", "recipient",
     "temporary"),
    ("smtp-4xx-generic", (451, "4.3.0 Local error in processing"), "smtp", "data", "temporary"),
    ("imap-unavailable-temp-auth", IMAP_ERROR(
        b"[UNAVAILABLE] Temporary authentication failure. [host:2024-01-01 10:00:00]"),
     "imap", "auth", "temporary"),
    ("pop3-sys-temp", POP_ERROR(b"-ERR [SYS/TEMP] Internal error occurred. Refer to server log"),
     "pop3", "fetch", "temporary"),
    # ---- mailbox full / too large / recipient
    ("smtp-552-522", smtplib.SMTPRecipientsRefused({
        "bob@example.org": (552, b"5.2.2 The email account that you tried to reach is over "
                                 b"quota.")}), "smtp", "recipient", "mailbox_full"),
    ("smtp-452-422", (452, "4.2.2 The email account that you tried to reach is over quota."),
     "smtp", "recipient", "mailbox_full"),
    ("imap-overquota", IMAP_ERROR(b"[OVERQUOTA] Quota exceeded (mailbox for user is full)"),
     "imap", "append", "mailbox_full"),
    ("smtp-552-534", smtplib.SMTPDataError(
        552, b"5.3.4 Message size exceeds fixed maximum message size"), "smtp", "data",
     "message_too_large"),
    ("smtp-550-511", smtplib.SMTPRecipientsRefused({
        "nobody@example.org": (550, b"5.1.1 <nobody@example.org>: Recipient address rejected: "
                                    b"User unknown in virtual mailbox table")}),
     "smtp", "recipient", "recipient_rejected"),
    ("smtp-550-user-unknown-text", "550 User unknown", "smtp", "recipient",
     "recipient_rejected"),
    ("recipients-refused-generic", smtplib.SMTPRecipientsRefused({
        "x@example.org": (554, b"Rejected")}), "smtp", None, "recipient_rejected"),
    # ---- refused at the end of DATA: the content, its size, a recipient
    ("smtp-550-571-spam", smtplib.SMTPDataError(550, b"5.7.1 Message rejected as spam"),
     "smtp", "data", "message_rejected"),
    ("smtp-554-560-spam", smtplib.SMTPDataError(554, b"5.6.0 Message rejected as spam"),
     "smtp", "data", "message_rejected"),
    ("smtp-554-content-policy", smtplib.SMTPDataError(
        554, b"5.7.0 Message rejected due to content restrictions"), "smtp", "data",
     "message_rejected"),
    ("gmail-550-571-unsolicited", smtplib.SMTPDataError(
        550, b"5.7.1 [203.0.113.5] Our system has detected that this message is likely "
             b"unsolicited mail. To reduce the amount of spam sent to Gmail, this message "
             b"has been blocked."), "smtp", "data", "message_rejected"),
    ("m365-550-571-unnamed", smtplib.SMTPDataError(550, b"5.7.1 Service unavailable"),
     "smtp", "data", "message_rejected"),
    ("smtp-552-at-data-rfc-text", smtplib.SMTPDataError(
        552, b"Requested mail action aborted: exceeded storage allocation"), "smtp", "data",
     "message_too_large"),
    ("smtp-552-at-data-quota", smtplib.SMTPDataError(552, b"5.2.2 Mailbox full"), "smtp",
     "data", "mailbox_full"),
    ("smtp-550-511-at-data", smtplib.SMTPDataError(
        550, b"5.1.1 <nobody@example.org>: Recipient address rejected: User unknown"),
     "smtp", "data", "recipient_rejected"),
    ("smtp-451-at-data-spam-later", smtplib.SMTPDataError(
        451, b"4.7.1 Spam suspected, please try again later"), "smtp", "data", "temporary"),
    ("smtp-550-571-sender-at-data", smtplib.SMTPDataError(
        550, b"5.7.1 Sender address rejected: not owned by user me@example.com"), "smtp",
     "data", "sender_not_allowed"),
    # ---- unknown
    ("unknown-smtp-554-530", smtplib.SMTPDataError(554, b"5.3.0 Other mail system problem"),
     "smtp", "data", "unknown"),
    ("unknown-imap-illegal-state", IMAP_ERROR(
        "command SELECT illegal in state NONAUTH, only allowed in states AUTH, SELECTED"),
     "imap", "list", "unknown"),
    ("unknown-value-error", ValueError("something odd"), None, None, "unknown"),
]


@pytest.mark.parametrize(
    "error, protocol, stage, kind", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_kind(error, protocol, stage, kind):
    assert explain(error, protocol=protocol, stage=stage).kind == kind


def test_case_table_is_large_enough():
    assert len(CASES) >= 40
    # dns_unavailable needs known_host: test_dns_of_a_known_provider_host below.
    assert {case[4] for case in CASES} >= set(errors.KINDS) - {"dns_unavailable"}


@pytest.mark.parametrize("error", [
    socket.gaierror(-2, "Name or service not known"),
    socket.gaierror(-3, "Temporary failure in name resolution"),
    socket.gaierror(-5, "No address associated with hostname"),
    "[Errno -3] Temporary failure in name resolution",
])
def test_dns_of_a_known_provider_host(error):
    """imap.gmail.com exists: failing to look it up means this machine has no DNS."""
    known = explain(error, protocol="imap", stage="connect", host="imap.gmail.com",
                    port=993, known_host=True)
    assert known.kind == "dns_unavailable" and known.temporary
    text = format_plain(known)
    assert "imap.gmail.com" in text and "no working name resolution (DNS)" in text
    assert "not the problem" in text
    # Any other host: the name may simply be mistyped.
    other = explain(error, protocol="imap", stage="connect", host="imap.gmial.com", port=993)
    assert other.kind == "dns_failed"
    # Other failures of a known host keep their own explanation.
    refused = explain(ConnectionRefusedError(111, "Connection refused"), protocol="imap",
                      stage="connect", host="imap.gmail.com", known_host=True)
    assert refused.kind == "connection_refused"


# (id, error, protocol, stage, expected temporary flag)
TEMPORARY_CASES = [
    ("auth-failed", (535, "5.7.8 Username and Password not accepted"), "smtp", "auth", False),
    ("greylisting", (450, "4.2.0 Greylisted"), "smtp", "recipient", True),
    ("too-many", POP_ERROR(b"-ERR [IN-USE] Mailbox locked"), "pop3", "auth", True),
    ("timeout", TimeoutError("timed out"), "imap", "connect", True),
    ("dns-not-found", socket.gaierror(-2, "Name or service not known"), "smtp", None, False),
    ("dns-try-again", socket.gaierror(-3, "Temporary failure in name resolution"), None, None,
     True),
    ("mailbox-full-452", (452, "4.2.2 Mailbox full"), "smtp", "recipient", True),
    ("mailbox-full-552", (552, "5.2.2 Mailbox full"), "smtp", "recipient", False),
    ("unknown-4xx-derived", (499, "odd"), "smtp", "data", True),
    ("unknown-5xx-derived", smtplib.SMTPDataError(554, b"5.6.0 spam"), "smtp", "data", False),
    ("refused", ConnectionRefusedError(111, "Connection refused"), "smtp", "connect", False),
]


@pytest.mark.parametrize(
    "error, protocol, stage, temporary",
    [case[1:] for case in TEMPORARY_CASES],
    ids=[case[0] for case in TEMPORARY_CASES],
)
def test_temporary(error, protocol, stage, temporary):
    assert explain(error, protocol=protocol, stage=stage).temporary is temporary


# (id, error, expected server_text)
SERVER_TEXT_CASES = [
    ("smtp-reply", smtplib.SMTPAuthenticationError(
        535, b"5.7.8 Username and Password not accepted"),
     "535 5.7.8 Username and Password not accepted"),
    ("smtp-multiline-collapsed", smtplib.SMTPAuthenticationError(
        534, b"5.7.9 Application-specific password required.\n5.7.9  Learn more"),
     "534 5.7.9 Application-specific password required. 5.7.9 Learn more"),
    ("tuple-str", (550, "5.1.1 User unknown"), "550 5.1.1 User unknown"),
    ("imap-bytes", IMAP_ERROR(b"[AUTHENTICATIONFAILED] Authentication failed."),
     "[AUTHENTICATIONFAILED] Authentication failed."),
    ("imap-bytes-repr-unwrapped", IMAP_ABORT("unexpected response: b'220 mx ESMTP'"),
     "unexpected response: 220 mx ESMTP"),
    ("pop3-bytes", POP_ERROR(b"-ERR [AUTH] Authentication failed."),
     "-ERR [AUTH] Authentication failed."),
    ("plain-bytes", b"451 4.7.1 Greylisted", "451 4.7.1 Greylisted"),
    ("network", socket.gaierror(-2, "Name or service not known"),
     "[Errno -2] Name or service not known"),
    ("empty-exception", TimeoutError(), "TimeoutError"),
    ("recipients", smtplib.SMTPRecipientsRefused({
        "a@x.org": (550, b"5.1.1 User unknown"), "b@x.org": (450, b"4.2.0 Greylisted")}),
     "a@x.org: 550 5.1.1 User unknown; b@x.org: 450 4.2.0 Greylisted"),
]


@pytest.mark.parametrize(
    "error, server_text",
    [case[1:] for case in SERVER_TEXT_CASES],
    ids=[case[0] for case in SERVER_TEXT_CASES],
)
def test_server_text(error, server_text):
    assert explain(error).server_text == server_text


# (id, error, protocol given, expected code, expected enhanced code, expected label)
DETAIL_CASES = [
    ("smtp-exception", smtplib.SMTPAuthenticationError(535, b"5.7.139 Nope"), None, 535,
     "5.7.139", "SMTP"),
    ("tuple", (552, "5.3.4 Too big"), None, 552, "5.3.4", "SMTP"),
    ("imap-guessed", IMAP_ERROR(b"[OVERQUOTA] Full"), None, None, None, "IMAP"),
    ("pop3-guessed", POP_ERROR(b"-ERR nope"), None, None, None, "POP3"),
    ("pop3-text-guessed", "-ERR [IN-USE] locked", None, None, None, "POP3"),
    ("network-unknown-protocol", TimeoutError("timed out"), None, None, None, "SMTP/IMAP/POP3"),
    ("network-given-protocol", TimeoutError("timed out"), "imap", None, None, "IMAP"),
    ("ip-is-not-an-enhanced-code", (554, "Your IP 5.6.7.8 is listed"), None, 554, None, "SMTP"),
]


@pytest.mark.parametrize(
    "error, protocol, code, enhanced, label",
    [case[1:] for case in DETAIL_CASES],
    ids=[case[0] for case in DETAIL_CASES],
)
def test_codes_and_protocol_label(error, protocol, code, enhanced, label):
    explanation = explain(error, protocol=protocol)
    assert (explanation.code, explanation.enhanced_code) == (code, enhanced)
    assert explanation.params["protocol"] == label


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3", None])
@pytest.mark.parametrize("index", range(len(errors.RULES)))
def test_every_rule_template_is_filled_by_params(index, protocol):
    rule = errors.RULES[index]
    params = errors._params(protocol)
    assert set(params) == set(errors.PARAM_NAMES)
    for template in (rule.message, rule.remedy):
        assert set(_PLACEHOLDER.findall(template)) <= set(params)
        rendered = template % params
        assert "%(" not in rendered
        assert rendered.strip()


def test_each_text_is_written_once():
    """A sentence several rules (or modules) use is a named constant, never a copy: the
    texts of the plain-Python modules (``_lt("...")``) are all different."""
    tools = os.path.dirname(errors.__file__)
    seen = {}
    for name in sorted(os.listdir(tools)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(tools, name), encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_lt":
                text = node.args[0].value
                where = f"{name}:{node.lineno}"
                assert text not in seen, f"{where} repeats the text of {seen.get(text)}"
                seen[text] = where
    assert len(seen) > 100


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_every_explanation_renders(case):
    _id, error, protocol, stage, _kind = case
    explanation = explain(error, protocol=protocol, stage=stage, host="mail.example.com", port=993)
    assert explanation.params["host"] == "mail.example.com"
    assert explanation.params["port"] == "993"
    for template in (explanation.message, explanation.remedy):
        assert "%(" not in template % explanation.params
    # Only named placeholders: positional ones would break env._(template, **params).
    for template in (explanation.message, explanation.remedy, errors.SERVER_SAID):
        assert not re.search(r"%[^(]", template)


def test_unknown_keeps_server_text_and_generic_message():
    explanation = explain((554, "5.3.0 Other mail system problem"), protocol="smtp")
    assert explanation.kind == "unknown"
    assert explanation.message == errors.UNKNOWN_MESSAGE
    assert explanation.remedy == errors.UNKNOWN_REMEDY
    assert "554 5.3.0 Other mail system problem" in format_plain(explanation)


@pytest.mark.parametrize(
    "error, protocol, expected",
    [
        (
            (535, "5.7.8 Username and Password not accepted"),
            "smtp",
            "The SMTP server did not accept the login or the password. Check the login",
        ),
        (
            TimeoutError("timed out"),
            "imap",
            "The IMAP server did not answer in time. Check the server name",
        ),
    ],
)
def test_format_plain_default_translate(error, protocol, expected):
    text = format_plain(explain(error, protocol=protocol))
    assert text.startswith(expected)
    assert text.endswith(")")
    assert "(Server said: " in text


def test_format_plain_uses_given_translate():
    calls = []

    def translate(template, **params):
        calls.append((template, params))
        return "<" + (template % params).upper() + ">"

    explanation = explain(IMAP_ERROR(b"[OVERQUOTA] Quota exceeded"), protocol="imap")
    text = format_plain(explanation, translate=translate)
    assert [template for template, _params in calls] == [
        explanation.message,
        explanation.remedy,
        errors.SERVER_SAID,
    ]
    assert calls[2][1] == {"server_text": "[OVERQUOTA] Quota exceeded"}
    assert text.startswith("<THE MAILBOX IS FULL")
    assert text.endswith("<(SERVER SAID: [OVERQUOTA] QUOTA EXCEEDED)>")


def test_format_plain_without_server_text():
    explanation = errors.Explanation(
        kind="unknown", server_text="", message="A %(protocol)s.", remedy="B.",
        params={"protocol": "SMTP"},
    )
    assert format_plain(explanation) == "A SMTP. B."


def test_explanation_is_frozen():
    explanation = explain((535, "x"))
    with pytest.raises(AttributeError):
        explanation.kind = "other"
