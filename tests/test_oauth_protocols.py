"""XOAUTH2 / OAUTHBEARER in tools/connection.py against real peers on loopback.

Dovecot (IMAP, POP3) validates tokens with its ``oauth2`` passdb and aiosmtpd
(SMTP) with the harness' handler, both by introspection at the loopback
authorization server (tests/oauth_server.py).  A refused token must be detected
as such on every protocol: the SASL error challenge is answered, never taken for
success, and no later command is eaten as the SASL answer.
"""

import base64
import contextlib
import imaplib
import json
import poplib
import smtplib
import time
import uuid

import pytest
from leaks import NO_LEAKS

from mail_accounts_ext.tools import connection, errors, oauth
from mail_accounts_ext.tools.connection import (
    Bearer,
    IMAPTokenRefused,
    POP3TokenRefused,
    SMTPTokenRefused,
    TokenRefused,
    open_imap,
    open_pop3,
    open_smtp,
    probe,
)

pytestmark = NO_LEAKS

REDIRECT = "http://127.0.0.1:8069/callback"
PLAIN_PORTS = {"smtp": "smtp_port", "imap": "imap_port", "pop3": "pop3_port"}
TLS_PORTS = {"smtp": "smtps_port", "imap": "imaps_port", "pop3": "pop3s_port"}
REFUSED = {"smtp": SMTPTokenRefused, "imap": IMAPTokenRefused, "pop3": POP3TokenRefused}
LIBRARY_ERRORS = {
    "smtp": smtplib.SMTPAuthenticationError,
    "imap": imaplib.IMAP4.error,
    "pop3": poplib.error_proto,
}


class Person:
    """A user of the authorization server with a mailbox at the mail servers."""

    def __init__(self, server, mailservers, *, shared=()):
        suffix = uuid.uuid4().hex[:8]
        self.login = "p" + suffix
        self.password = "pw-" + suffix
        self.mailbox = f"{self.login}@example.com"
        self.server = server
        server.add_user(self.login, self.password, mailbox=self.mailbox,
                        shared_mailboxes=shared)
        # the mailbox exists at Dovecot/aiosmtpd (its password is not used here)
        mailservers.add_user(self.mailbox, "unused-" + suffix)


@pytest.fixture(scope="module")
def app(oauth_server):
    suffix = uuid.uuid4().hex[:8]
    client = ("odoo-" + suffix, "secret-" + suffix)
    oauth_server.add_client(*client, [REDIRECT])
    provider = oauth.generic(
        oauth_server.url("authorize"), oauth_server.url("token"), mail_scopes="mail offline_access"
    )
    return {"server": oauth_server, "client": client, "provider": provider}


def sign_in(app, person, scopes=None):
    """The whole authorization code flow, as a browser and Odoo do it: a TokenSet."""
    from mail_accounts_ext.tests.oauth_server import browser_sign_in, query_of

    provider = app["provider"]
    if scopes is not None:
        provider = oauth.generic(provider.authorize_url, provider.token_url,
                                 mail_scopes=scopes, identity_scopes=())
    pkce = oauth.make_pkce()
    url = oauth.authorization_url(
        provider, client_id=app["client"][0], redirect_uri=REDIRECT, state="s",
        code_challenge=pkce.challenge,
    )  # fmt: skip
    query = query_of(browser_sign_in(url, person.login, person.password))
    return oauth.exchange_code(
        provider, client_id=app["client"][0], client_secret=app["client"][1],
        code=query["code"], redirect_uri=REDIRECT, code_verifier=pkce.verifier,
    )  # fmt: skip


@pytest.fixture
def person(app, oauth_mailservers):
    return Person(app["server"], oauth_mailservers)


def _open(protocol, servers, user, credential, security="starttls", **kwargs):
    port = getattr(servers, (TLS_PORTS if security == "ssl" else PLAIN_PORTS)[protocol])
    opener = {"smtp": open_smtp, "imap": open_imap, "pop3": open_pop3}[protocol]
    return opener(servers.host, port, security, user, credential,
                  ssl_context=servers.ssl_context(), **kwargs)


def _close(protocol, client):
    """Log out politely, then close the socket whatever happened."""
    if protocol == "imap":
        with contextlib.suppress(Exception):
            client.logout()
        with contextlib.suppress(Exception):
            client.shutdown()
        return
    with contextlib.suppress(Exception):
        client.quit()
    with contextlib.suppress(Exception):
        client.close()


@contextlib.contextmanager
def _smtp_before_login(servers):
    """An SMTP session of ``servers`` after STARTTLS and EHLO, not signed in yet."""
    client = smtplib.SMTP(servers.host, servers.smtp_port, timeout=10)
    try:
        client.starttls(context=servers.ssl_context())
        client.ehlo()
        yield client
    finally:
        _close("smtp", client)


# --------------------------------------------------------------------------- pure parts


def test_sasl_strings():
    assert connection.xoauth2_response("anna@example.com", "tok") == (
        b"user=anna@example.com\x01auth=Bearer tok\x01\x01"
    )
    assert connection.oauthbearer_response("a,b=c@example.com", "tok", "imap.example", 993) == (
        b"n,a=a=2Cb=3Dc@example.com,\x01host=imap.example\x01port=993\x01auth=Bearer tok\x01\x01"
    )


@pytest.mark.parametrize("token", ["", "has space", "new\nline", "zażółć", "a\x01b", None, 5])
def test_bearer_refuses_unusable_tokens(token):
    with pytest.raises(ValueError):
        Bearer(token)


def test_bearer_hides_the_token():
    assert "secret-token" not in repr(Bearer("secret-token"))


def test_oauth_is_off_by_default(mailservers):
    """The plain harness (other tests) offers no token mechanism."""
    conn = imaplib.IMAP4(mailservers.host, mailservers.imap_port, timeout=10)
    try:
        assert "AUTH=XOAUTH2" not in conn.capabilities
    finally:
        conn.logout()
    with _smtp_before_login(mailservers) as client:
        assert "XOAUTH2" not in client.esmtp_features["auth"].upper()


# --------------------------------------------------------------------------- sign-in


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_fresh_token_signs_in(app, oauth_mailservers, person, protocol, security):
    tokens = sign_in(app, person)
    result = probe(
        protocol, oauth_mailservers.host,
        getattr(oauth_mailservers, (TLS_PORTS if security == "ssl" else PLAIN_PORTS)[protocol]),
        security, person.mailbox, Bearer(tokens.access_token), address=person.mailbox,
        ssl_context=oauth_mailservers.ssl_context(),
    )  # fmt: skip
    assert result.ok, result
    assert "auth" in result.transcript


def test_smtp_sends_with_a_token_and_passwords_still_work(app, oauth_mailservers, person):
    tokens = sign_in(app, person)
    client = _open("smtp", oauth_mailservers, person.mailbox, Bearer(tokens.access_token))
    try:
        assert "XOAUTH2" in client.esmtp_features["auth"].upper()
        client.sendmail(person.mailbox, [person.mailbox],
                        b"Subject: via XOAUTH2\r\n\r\nhello\r\n")
    finally:
        _close("smtp", client)
    received = oauth_mailservers.wait_smtp(1)
    assert any(item.login == person.mailbox and b"via XOAUTH2" in item.data
               for item in received)
    # the password passdb beside the oauth2 one
    password_user = "pw" + uuid.uuid4().hex[:8]
    oauth_mailservers.add_user(password_user, "Secret-1")
    for protocol in ("smtp", "imap", "pop3"):
        client = _open(protocol, oauth_mailservers, password_user, "Secret-1")
        _close(protocol, client)
    # and a password is no token: a password sent as a bearer token is refused
    with pytest.raises(IMAPTokenRefused):
        _open("imap", oauth_mailservers, password_user, Bearer("Secret-1"))


def test_imap_and_pop3_read_the_mailbox_with_a_token(app, oauth_mailservers, person):
    oauth_mailservers.deliver(person.mailbox, b"Subject: hello\r\n\r\nbody\r\n")
    bearer = Bearer(sign_in(app, person).access_token)
    conn = _open("imap", oauth_mailservers, person.mailbox, bearer)
    try:
        typ, data = conn.select("INBOX", readonly=True)
        assert (typ, data) == ("OK", [b"1"])
    finally:
        _close("imap", conn)
    pop = _open("pop3", oauth_mailservers, person.mailbox, bearer)
    try:
        assert pop.stat()[0] == 1
    finally:
        _close("pop3", pop)


# --------------------------------------------------------------------------- refusals


def _assert_refused(protocol, error, mechanism="XOAUTH2"):
    assert isinstance(error, REFUSED[protocol])
    assert isinstance(error, LIBRARY_ERRORS[protocol])  # the kind the probes explain
    assert isinstance(error, TokenRefused)
    assert error.sasl_mechanism == mechanism
    assert isinstance(error.sasl_error, dict) and error.sasl_error.get("status"), error
    explanation = errors.explain(error, protocol=protocol, stage="auth")
    assert explanation.kind == "oauth_token_rejected"
    assert json.dumps(error.sasl_error, sort_keys=True) in explanation.server_text


@pytest.mark.parametrize("how", ["expired", "revoked", "really-expired"])
@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_expired_or_revoked_token_refused_and_detected(
    app, oauth_mailservers, person, protocol, how
):
    server = app["server"]
    if how == "really-expired":
        server.set_access_token_lifetime(1)
        try:
            tokens = sign_in(app, person)
        finally:
            server.set_access_token_lifetime(3600)
        time.sleep(1.2)
    else:
        tokens = sign_in(app, person)
        if how == "expired":
            server.expire_access_tokens(person.login)
        else:
            server.revoke_user(person.login)
    bearer = Bearer(tokens.access_token)
    with pytest.raises(REFUSED[protocol]) as info:
        _open(protocol, oauth_mailservers, person.mailbox, bearer)
    _assert_refused(protocol, info.value)
    result = probe(
        protocol, oauth_mailservers.host, getattr(oauth_mailservers, PLAIN_PORTS[protocol]),
        "starttls", person.mailbox, bearer, address=person.mailbox,
        ssl_context=oauth_mailservers.ssl_context(),
    )  # fmt: skip
    assert not result.ok and result.stage == "auth"
    _assert_refused(protocol, result.error)


def test_token_of_another_mailbox_refused(app, oauth_mailservers, person):
    other = Person(app["server"], oauth_mailservers)
    bearer = Bearer(sign_in(app, person).access_token)
    for protocol in ("smtp", "imap", "pop3"):
        with pytest.raises(REFUSED[protocol]) as info:
            _open(protocol, oauth_mailservers, other.mailbox, bearer)
        _assert_refused(protocol, info.value)


def test_shared_mailbox_opened_by_a_delegate(app, oauth_mailservers):
    """Microsoft 365 style: the XOAUTH2 user is the shared mailbox, the token the
    delegate's; someone without access is refused."""
    shared = f"office-{uuid.uuid4().hex[:8]}@example.com"
    oauth_mailservers.add_user(shared, "unused")
    oauth_mailservers.deliver(shared, b"Subject: for the team\r\n\r\nhi\r\n")
    delegate = Person(app["server"], oauth_mailservers, shared=[shared])
    outsider = Person(app["server"], oauth_mailservers)
    tokens = sign_in(app, delegate)
    identity = oauth.resolve_mailbox(shared, tokens.mailbox, shared_mailbox=True)
    assert identity == oauth.MailboxIdentity(shared, delegate.mailbox)
    bearer = Bearer(tokens.access_token)
    conn = _open("imap", oauth_mailservers, identity.user, bearer)
    try:
        assert conn.select("INBOX", readonly=True) == ("OK", [b"1"])
    finally:
        _close("imap", conn)
    for protocol in ("smtp", "pop3"):
        _close(protocol, _open(protocol, oauth_mailservers, identity.user, bearer))
    outsider_bearer = Bearer(sign_in(app, outsider).access_token)
    for protocol in ("smtp", "imap", "pop3"):
        with pytest.raises(REFUSED[protocol]):
            _open(protocol, oauth_mailservers, shared, outsider_bearer)


def test_smtp_refusal_eats_no_command(app, oauth_mailservers, person):
    """After a refused token the SMTP session is in a clean state: the next command
    gets its own reply (core's docmd-based login would have it eaten)."""
    tokens = sign_in(app, person)
    app["server"].revoke_user(person.login)
    with _smtp_before_login(oauth_mailservers) as client:
        with pytest.raises(SMTPTokenRefused) as info:
            connection._smtp_login(client, person.mailbox, Bearer(tokens.access_token))
        assert info.value.smtp_code == 535
        assert info.value.sasl_error == {"status": "401", "schemes": "bearer", "scope": "mail"}
        assert client.noop()[0] == 250
        # the same session may still sign in (a fresh token of someone else)
        other = Person(app["server"], oauth_mailservers)
        connection._smtp_login(client, other.mailbox, Bearer(sign_in(app, other).access_token))
        assert client.mail(other.mailbox)[0] == 250
        client.rset()


def test_the_harness_reproduces_cores_eaten_command(app, oauth_mailservers, person):
    """What Odoo core's ``_smtp_login`` does (``docmd("AUTH", "XOAUTH2 ...")`` without
    reading the reply) really breaks against this peer: the error challenge waits for
    an answer, and MAIL FROM is taken as it (the realism the tests above rely on)."""
    tokens = sign_in(app, person)
    app["server"].expire_access_tokens(person.login)
    with _smtp_before_login(oauth_mailservers) as client:
        initial = base64.b64encode(
            connection.xoauth2_response(person.mailbox, tokens.access_token)
        ).decode()
        code, challenge = client.docmd("AUTH", "XOAUTH2 " + initial)
        assert code == 334
        assert json.loads(base64.b64decode(challenge))["status"] == "401"
        code, _reply = client.mail(person.mailbox)  # eaten as the SASL answer
        assert code == 501


def test_pop3_error_challenge_is_not_taken_for_success(app, oauth_mailservers, person):
    """Dovecot answers a bad token with ``+ <base64 JSON>``, which poplib's
    ``_shortcmd`` accepts like ``+OK``: the client must see it as a challenge."""
    tokens = sign_in(app, person)
    app["server"].expire_access_tokens(person.login)
    conn = poplib.POP3(oauth_mailservers.host, oauth_mailservers.pop3_port, timeout=10)
    try:
        conn.stls(context=oauth_mailservers.ssl_context())
        # what a naive client sees: the "success" poplib reports
        assert conn._shortcmd("AUTH XOAUTH2") == b"+ "
        reply = conn._shortcmd(base64.b64encode(
            connection.xoauth2_response(person.mailbox, tokens.access_token)).decode())
        assert reply.startswith(b"+ ") and not reply.startswith(b"+OK")
        assert json.loads(base64.b64decode(reply[2:]))["status"] == "401"
        with pytest.raises(poplib.error_proto):
            conn._shortcmd("")
        # ours: the same conversation ends in POP3TokenRefused, the session usable
        with pytest.raises(POP3TokenRefused) as info:
            connection._pop3_oauth(conn, person.mailbox, Bearer(tokens.access_token))
        _assert_refused("pop3", info.value)
        assert conn.capa()  # still in a clean AUTHORIZATION state
    finally:
        _close("pop3", conn)


def test_refresh_after_expiry_then_every_protocol_works(app, oauth_mailservers, person):
    server = app["server"]
    tokens = sign_in(app, person)
    server.expire_access_tokens(person.login)
    with pytest.raises(IMAPTokenRefused):
        _open("imap", oauth_mailservers, person.mailbox, Bearer(tokens.access_token))
    fresh = oauth.refresh(app["provider"], client_id=app["client"][0],
                          client_secret=app["client"][1], refresh_token=tokens.refresh_token)
    assert fresh.rotated
    for protocol in ("smtp", "imap", "pop3"):
        _close(protocol, _open(protocol, oauth_mailservers, person.mailbox,
                               Bearer(fresh.access_token)))
    with pytest.raises(oauth.SignInNeeded):
        oauth.refresh(app["provider"], client_id=app["client"][0],
                      client_secret=app["client"][1], refresh_token=tokens.refresh_token)


def test_smtp_auth_rejection_rule_applies_to_tokens(app, oauth_mailservers, person):
    """A tenant without SMTP AUTH answers 535 5.7.139 whatever the token: explained
    with the administrator's remedy."""
    tokens = sign_in(app, person)
    oauth_mailservers.smtp_reject_next(
        1, 535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
        "for the Tenant.", stage="auth",
    )  # fmt: skip
    with pytest.raises(SMTPTokenRefused) as info:
        _open("smtp", oauth_mailservers, person.mailbox, Bearer(tokens.access_token))
    explanation = errors.explain(info.value, protocol="smtp", stage="auth")
    assert explanation.kind == "smtp_auth_disabled"
    assert "Set-CASMailbox" in explanation.remedy


# --------------------------------------------------------------------------- other peers


@pytest.fixture(scope="module")
def bearer_only(oauth_server):
    """Peers offering OAUTHBEARER alone (no XOAUTH2) and requiring the "mail" scope."""
    from mail_accounts_ext.tests import mailservers as harness

    harness.check_available(pytest.skip.Exception)
    servers = harness.MailServers.start(
        oauth_introspection_url=oauth_server.introspection_url, oauth_scope="mail",
        oauth_mechanisms=("OAUTHBEARER",),
    )  # fmt: skip
    try:
        yield servers
    finally:
        servers.stop()


def test_oauthbearer_when_offered_alone(app, bearer_only):
    person = Person(app["server"], bearer_only)
    tokens = sign_in(app, person)
    bearer = Bearer(tokens.access_token)
    conn = _open("imap", bearer_only, person.mailbox, bearer)
    try:
        assert "AUTH=XOAUTH2" not in conn.capabilities
        assert "AUTH=OAUTHBEARER" in conn.capabilities
    finally:
        _close("imap", conn)
    client = _open("smtp", bearer_only, person.mailbox, bearer)
    try:
        offered = client.esmtp_features["auth"].upper().split()
        assert "OAUTHBEARER" in offered and "XOAUTH2" not in offered
    finally:
        _close("smtp", client)
    _close("pop3", _open("pop3", bearer_only, person.mailbox, bearer))
    app["server"].expire_access_tokens(person.login)
    for protocol in ("smtp", "imap", "pop3"):
        with pytest.raises(REFUSED[protocol]) as info:
            _open(protocol, bearer_only, person.mailbox, bearer)
        _assert_refused(protocol, info.value, mechanism="OAUTHBEARER")


def test_token_without_the_mail_scope_refused(app, bearer_only):
    person = Person(app["server"], bearer_only)
    tokens = sign_in(app, person, scopes="openid email offline_access")
    assert "mail" not in tokens.scopes
    bearer = Bearer(tokens.access_token)
    with pytest.raises(SMTPTokenRefused) as info:
        _open("smtp", bearer_only, person.mailbox, bearer)
    assert info.value.sasl_error["status"] == "insufficient_scope"
    assert errors.explain(info.value).kind == "oauth_scope_missing"
    for protocol in ("imap", "pop3"):  # Dovecot: a plain refusal
        with pytest.raises(REFUSED[protocol]):
            _open(protocol, bearer_only, person.mailbox, bearer)


def test_no_oauth_mechanism_offered(mailservers):
    """Against servers without OAuth, a clear error before any token is sent."""
    for protocol in ("smtp", "imap"):
        with pytest.raises(LIBRARY_ERRORS[protocol] if protocol == "imap"
                           else smtplib.SMTPNotSupportedError) as info:
            _open(protocol, mailservers, "nobody@example.com", Bearer("token"))
        assert not isinstance(info.value, TokenRefused)
        assert errors.explain(info.value, protocol=protocol, stage="auth").kind == (
            "oauth_not_offered"
        )
    with pytest.raises(poplib.error_proto) as info:
        _open("pop3", mailservers, "nobody@example.com", Bearer("token"))
    assert not isinstance(info.value, TokenRefused)
    assert errors.explain(info.value, protocol="pop3", stage="auth").kind == "oauth_not_offered"


@pytest.mark.parametrize("login", ["", "anna@example.com\x01auth=Bearer x", "a\r\nb@example.com"])
@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_token_needs_a_clean_mailbox_login(oauth_mailservers, protocol, login):
    """Programming errors, raised before connecting (probes too)."""
    with pytest.raises(ValueError):
        _open(protocol, oauth_mailservers, login, Bearer("token"))
    with pytest.raises(ValueError):
        probe(protocol, oauth_mailservers.host, 1, "ssl", login, Bearer("token"), address="a@b.c")


def test_smtp_utf8_mailbox_signs_in(app, oauth_mailservers):
    """smtplib's auth() sends ASCII only: a mailbox with diacritics still signs in."""
    suffix = uuid.uuid4().hex[:6]
    mailbox = f"łucja-{suffix}@przykład.example"
    app["server"].add_user("lucja-" + suffix, "pw", mailbox=mailbox)
    person = type("P", (), {"login": "lucja-" + suffix, "password": "pw", "mailbox": mailbox})
    tokens = sign_in(app, person)
    assert tokens.mailbox == mailbox
    client = _open("smtp", oauth_mailservers, mailbox, Bearer(tokens.access_token))
    _close("smtp", client)
    app["server"].expire_access_tokens(person.login)
    with pytest.raises(SMTPTokenRefused):
        _open("smtp", oauth_mailservers, mailbox, Bearer(tokens.access_token))
