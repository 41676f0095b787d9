"""tools/oauth.py: providers, PKCE, the signed state, and the authorization code flow
against the real loopback authorization server (tests/oauth_server.py), driven over
HTTP like a browser.  Nothing here reaches the internet."""

import base64
import hashlib
import json
import socket
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from leaks import NO_LEAKS

from mail_accounts_ext.tools import errors, oauth

pytestmark = NO_LEAKS

KEY = b"database secret for tests"
SID = "session-id-1"


def _utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


# --------------------------------------------------------------------------- providers


def test_microsoft_default_endpoint_and_mail_scopes():
    provider = oauth.microsoft()
    assert provider.authorize_url == (
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    )
    assert provider.token_url == "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    assert " ".join(provider.mail_scopes) == (
        "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
        "https://outlook.office.com/POP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
    )
    assert provider.scopes[-3:] == ("openid", "email", "profile")
    assert provider.userinfo_url is None  # Graph's userinfo refuses Outlook tokens
    assert provider.scope_on_refresh


@pytest.mark.parametrize("endpoint, token_url", [
    ("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0",
     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"),
    (oauth.microsoft_endpoint("1b2c3d4e-0000-4000-8000-000000000000"),
     "https://login.microsoftonline.com/1b2c3d4e-0000-4000-8000-000000000000/oauth2/v2.0/token"),
    (oauth.microsoft_endpoint("organizations", "https://login.microsoftonline.us"),
     "https://login.microsoftonline.us/organizations/oauth2/v2.0/token"),
])  # fmt: skip
def test_microsoft_single_tenant_and_national_clouds(endpoint, token_url):
    provider = oauth.microsoft(endpoint, resource="https://outlook.office365.us")
    assert provider.token_url == token_url
    assert "https://outlook.office365.us/SMTP.Send" in provider.mail_scopes


@pytest.mark.parametrize("endpoint", [
    pytest.param("http://login.microsoftonline.com/common/oauth2/v2.0/", id="plain-http"),
    pytest.param("https://login.microsoftonline.com/common/oauth2/", id="not-v2.0"),
    pytest.param("https://user:pw@login.microsoftonline.com/common/oauth2/v2.0/",
                 id="credentials"),
    pytest.param("login.microsoftonline.com/common/oauth2/v2.0/", id="no-scheme"),
])
def test_microsoft_bad_endpoints_refused(endpoint):
    with pytest.raises(oauth.EndpointError) as info:
        oauth.microsoft(endpoint)
    assert info.value.params == {"url": info.value.params["url"]}
    assert "%(url)s" in info.value.message


def test_google_provider():
    provider = oauth.google()
    assert provider.mail_scopes == ("https://mail.google.com/",)
    assert provider.scopes == ("https://mail.google.com/", "openid", "email")
    assert dict(provider.authorize_params) == {"access_type": "offline", "prompt": "consent"}


def test_generic_provider_validates_urls():
    provider = oauth.generic(
        "https://id.example.com/authorize", "https://id.example.com/token",
        userinfo_url="https://id.example.com/userinfo", mail_scopes="mail offline_access mail",
    )  # fmt: skip
    assert provider.mail_scopes == ("mail", "offline_access")
    # plain http only on this computer
    oauth.generic("http://127.0.0.1:8080/a", "http://localhost:8080/t")
    with pytest.raises(oauth.EndpointError):
        oauth.generic("http://id.example.com/authorize", "https://id.example.com/token")
    with pytest.raises(oauth.EndpointError):
        oauth.generic("https://id.example.com/authorize", "ftp://id.example.com/token")
    with pytest.raises(ValueError):
        oauth.generic("https://a.example/a", "https://a.example/t", client_auth="jwt")


def test_authorization_url_carries_pkce_state_and_provider_params():
    pkce = oauth.make_pkce()
    url = oauth.authorization_url(
        oauth.google(), client_id="cid.apps", redirect_uri="https://odoo.example/cb",
        state="st.ate", code_challenge=pkce.challenge, login_hint="anna@example.com",
    )  # fmt: skip
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == oauth.GOOGLE_AUTHORIZE_URL
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query == {
        "client_id": "cid.apps",
        "response_type": "code",
        "redirect_uri": "https://odoo.example/cb",
        "scope": "https://mail.google.com/ openid email",
        "state": "st.ate",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
        "login_hint": "anna@example.com",
    }


# --------------------------------------------------------------------------- PKCE


def test_pkce_s256_pair():
    pkce = oauth.make_pkce()
    assert 43 <= len(pkce.verifier) <= 128
    digest = hashlib.sha256(pkce.verifier.encode()).digest()
    assert pkce.challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert pkce.method == "S256"
    assert pkce.verifier not in repr(pkce)
    assert oauth.make_pkce().verifier != pkce.verifier
    # RFC 7636 appendix B
    assert oauth.pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


# --------------------------------------------------------------------------- state


def _sign(**overrides):
    values = {"target": "mail.account,7", "user_id": 5, "session": SID, "now": 1_000_000}
    values.update(overrides)
    return oauth.sign_state(KEY, **values)


def test_state_round_trip():
    state, nonce = _sign()
    checked = oauth.verify_state(KEY, state, user_id=5, session=SID, now=1_000_000 + 599)
    assert checked == oauth.State("mail.account,7", 5, nonce, 1_000_000 + oauth.STATE_LIFETIME)
    assert SID not in base64.urlsafe_b64decode(state.split(".")[0] + "==").decode()
    assert _sign()[1] != nonce  # a fresh nonce each time


def _tamper_payload(state):
    body, signature = state.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["u"] = 6  # pretend to be another user
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{forged}.{signature}"


@pytest.mark.parametrize("mangle", [
    _tamper_payload,
    lambda s: s[:-2] + ("AA" if not s.endswith("AA") else "BB"),
    lambda s: s.replace(".", ""),
    lambda s: s + ".x",
    lambda s: "",
    lambda s: "not base64!.???",
    lambda s: oauth.sign_state(b"another key", target="mail.account,7", user_id=5,
                               session=SID, now=1_000_000)[0],
], ids=["payload", "signature", "no-dot", "extra-part", "empty", "garbage", "other-key"])
def test_state_bad_signature(mangle):
    state, _nonce = _sign()
    with pytest.raises(oauth.StateError) as info:
        oauth.verify_state(KEY, mangle(state), user_id=5, session=SID, now=1_000_001)
    assert info.value.reason == "bad_signature"
    assert info.value.message == oauth.STATE_MESSAGES["bad_signature"]


@pytest.mark.parametrize("kwargs, reason", [
    ({"now": 1_000_000 + oauth.STATE_LIFETIME}, "expired"),
    ({"now": 1_000_000 + 86400}, "expired"),
    ({"user_id": 6}, "other_user"),
    ({"session": "session-id-2"}, "other_session"),
    ({"session": ""}, "other_session"),
])  # fmt: skip
def test_state_refusal_reasons(kwargs, reason):
    state, _nonce = _sign()
    values = {"user_id": 5, "session": SID, "now": 1_000_001, **kwargs}
    with pytest.raises(oauth.StateError) as info:
        oauth.verify_state(KEY, state, **values)
    assert info.value.reason == reason
    assert set(oauth.STATE_MESSAGES) >= set(oauth.STATE_REFUSALS) | {"used"}


def test_state_checks_expiry_before_user_and_session():
    state, _nonce = _sign()
    with pytest.raises(oauth.StateError) as info:
        oauth.verify_state(KEY, state, user_id=6, session="x", now=2_000_000)
    assert info.value.reason == "expired"


def test_state_key_required():
    with pytest.raises(ValueError):
        oauth.sign_state(b"", target="x", user_id=1, session=SID)


# --------------------------------------------------------------------------- pure helpers


def test_needs_refresh_margin():
    now = datetime(2026, 1, 1, 12, 0, 0)
    assert oauth.needs_refresh(None, now=now)
    assert oauth.needs_refresh(now + timedelta(minutes=4, seconds=59), now=now)
    assert not oauth.needs_refresh(now + timedelta(minutes=5, seconds=1), now=now)
    assert oauth.needs_refresh(now + timedelta(minutes=9), now=now, margin=timedelta(minutes=10))
    assert oauth.needs_refresh(now - timedelta(seconds=1), now=now)


@pytest.mark.parametrize("address, signed_in, shared, expected", [
    ("Anna@Example.com", "anna@example.com", False, oauth.MailboxIdentity("anna@example.com")),
    ("anna@Bücher.example", "ANNA@xn--bcher-kva.example", False,
     oauth.MailboxIdentity("anna@bücher.example")),
    ("office@example.com", "anna@example.com", True,
     oauth.MailboxIdentity("office@example.com", "anna@example.com")),
    ("office@example.com", "office@example.com", True, oauth.MailboxIdentity("office@example.com")),
])  # fmt: skip
def test_resolve_mailbox(address, signed_in, shared, expected):
    assert oauth.resolve_mailbox(address, signed_in, shared_mailbox=shared) == expected


def test_resolve_mailbox_refusals():
    with pytest.raises(oauth.MailboxMismatch) as info:
        oauth.resolve_mailbox("office@example.com", "anna@example.com")
    assert info.value.params == {"signed_in": "anna@example.com", "address": "office@example.com"}
    assert info.value.message == oauth.MAILBOX_MISMATCH
    with pytest.raises(oauth.MailboxMismatch) as info:
        oauth.resolve_mailbox("office@example.com", "anna@example.com", hint_shared=True)
    assert info.value.message == oauth.MAILBOX_MISMATCH_SHARED
    with pytest.raises(oauth.MailboxMismatch) as info:
        oauth.resolve_mailbox("office@example.com", None, shared_mailbox=True)
    assert info.value.message == oauth.MAILBOX_UNKNOWN


def test_mailbox_from_claims_order_and_unverified_email():
    microsoft = oauth.microsoft()
    assert oauth.mailbox_from_claims(
        microsoft, {"preferred_username": "Anna@Contoso.com", "name": "Anna"}
    ) == "anna@contoso.com"
    assert oauth.mailbox_from_claims(
        oauth.google(), {"email": "anna@gmail.com", "email_verified": False}
    ) is None
    assert oauth.mailbox_from_claims(oauth.google(), {"sub": "123"}) is None
    assert oauth.decode_id_token("garbage") == {}
    assert oauth.decode_id_token("a.bm90IGpzb24.c") == {}


@pytest.mark.parametrize("error, description, suberror, cls", [
    ("invalid_grant", "AADSTS70008: expired", None, oauth.SignInNeeded),
    ("invalid_grant", "AADSTS65001: not consented", None, oauth.ConsentNeeded),
    ("invalid_grant", "", "consent_required", oauth.ConsentNeeded),
    ("consent_required", "", None, oauth.ConsentNeeded),
    ("interaction_required", "", None, oauth.ConsentNeeded),
    ("access_denied", "", None, oauth.ConsentNeeded),
    ("invalid_client", "AADSTS7000222: expired secret", None, oauth.AdministratorNeeded),
    ("unauthorized_client", "", None, oauth.AdministratorNeeded),
    ("invalid_scope", "", None, oauth.AdministratorNeeded),
    ("server_error", "", None, oauth.ProviderError),
    ("mystery", "", None, oauth.ProviderError),
])  # fmt: skip
def test_make_error_types(error, description, suberror, cls):
    made = oauth.make_error(error, description, suberror=suberror)
    assert type(made) is cls
    assert made.error == error
    assert made.kind in oauth.ERROR_KINDS
    assert made.temporary == (error == "server_error")


def test_error_from_redirect():
    assert oauth.error_from_redirect({"code": "abc", "state": "s"}) is None
    error = oauth.error_from_redirect({"error": "access_denied", "error_description": "no"})
    assert isinstance(error, oauth.ConsentNeeded)
    assert errors.explain(error).kind == "oauth_consent_missing"


# --------------------------------------------------------------------------- the real flow

REDIRECT = "http://127.0.0.1:8069/mail_accounts_ext/oauth/callback"


@pytest.fixture(scope="module")
def app(oauth_server):
    """A registered application, its provider description and a user."""
    suffix = uuid.uuid4().hex[:8]
    client_id, secret = "odoo-" + suffix, "secret-" + suffix
    oauth_server.add_client(client_id, secret, [REDIRECT])
    login = "anna-" + suffix
    oauth_server.add_user(login, "pw-" + suffix, mailbox=f"{login}@example.com",
                          shared_mailboxes=[f"office-{suffix}@example.com"])
    provider = oauth.generic(
        oauth_server.url("authorize"), oauth_server.url("token"),
        userinfo_url=oauth_server.url("userinfo"), revocation_url=oauth_server.url("revoke"),
        mail_scopes="mail offline_access",
    )  # fmt: skip
    return {
        "server": oauth_server, "provider": provider, "client_id": client_id, "secret": secret,
        "login": login, "password": "pw-" + suffix, "mailbox": f"{login}@example.com",
    }  # fmt: skip


def _start(app, **kwargs):
    from mail_accounts_ext.tests.oauth_server import browser_sign_in, query_of

    pkce = oauth.make_pkce()
    state, nonce = oauth.sign_state(KEY, target="mail.account,7", user_id=5, session=SID)
    url = oauth.authorization_url(
        app["provider"], client_id=app["client_id"], redirect_uri=REDIRECT, state=state,
        code_challenge=pkce.challenge, login_hint=app["mailbox"],
    )  # fmt: skip
    location = browser_sign_in(
        url, kwargs.get("login", app["login"]), kwargs.get("password", app["password"]),
        allow=kwargs.get("allow", True),
    )  # fmt: skip
    assert location.startswith(REDIRECT + "?")
    return pkce, state, nonce, query_of(location)


def _exchange(app, code, verifier, **kwargs):
    values = {
        "client_id": app["client_id"], "client_secret": app["secret"], "code": code,
        "redirect_uri": REDIRECT, "code_verifier": verifier,
    }  # fmt: skip
    values.update(kwargs)
    return oauth.exchange_code(app["provider"], **values)


def test_full_authorization_code_flow_with_pkce(app):
    server = app["server"]
    before = server.token_request_count("authorization_code")
    pkce, state, nonce, query = _start(app)
    # the callback's checks, as the ORM does them
    assert oauth.error_from_redirect(query) is None
    checked = oauth.verify_state(KEY, query["state"], user_id=5, session=SID)
    assert (checked.nonce, checked.target) == (nonce, "mail.account,7")
    tokens = _exchange(app, query["code"], pkce.verifier)
    assert server.token_request_count("authorization_code") == before + 1
    assert tokens.mailbox == app["mailbox"]
    assert tokens.id_claims["sub"] == app["login"]
    assert set(tokens.scopes) >= {"mail", "offline_access", "openid"}
    assert tokens.refresh_token and not tokens.rotated
    remaining = tokens.expires_at - _utcnow()
    assert timedelta(minutes=55) < remaining <= timedelta(hours=1)
    assert tokens.access_token not in repr(tokens)
    assert tokens.refresh_token not in repr(tokens)
    identity = oauth.resolve_mailbox(app["mailbox"].upper(), tokens.mailbox)
    assert identity == oauth.MailboxIdentity(app["mailbox"])
    claims = oauth.fetch_userinfo(app["provider"], tokens.access_token)
    assert claims["email"] == app["mailbox"]


def test_mailbox_from_userinfo_when_no_id_token(app):
    """Without ``openid`` there is no ID token: the mailbox is asked at userinfo."""
    provider = oauth.generic(
        app["provider"].authorize_url, app["provider"].token_url,
        userinfo_url=app["provider"].userinfo_url, mail_scopes="mail email offline_access",
        identity_scopes=(),
    )  # fmt: skip
    tokens = _exchange({**app, "provider": provider}, *_code_for({**app, "provider": provider}))
    assert tokens.id_claims == {}
    assert tokens.mailbox == app["mailbox"]


def _code_for(app):
    pkce, _state, _nonce, query = _start(app)
    return query["code"], pkce.verifier


def test_pkce_mismatch_refused(app):
    code, _verifier = _code_for(app)
    with pytest.raises(oauth.SignInNeeded) as info:
        _exchange(app, code, oauth.make_pkce().verifier)
    assert info.value.error == "invalid_grant"
    assert info.value.status == 400


def test_plain_or_missing_pkce_refused_at_authorize(app):
    from mail_accounts_ext.tests.oauth_server import query_of

    base = {
        "client_id": app["client_id"], "response_type": "code", "redirect_uri": REDIRECT,
        "scope": "mail", "state": "s1",
    }  # fmt: skip
    for extra in ({}, {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
                  {"code_challenge": "x" * 43}):
        response = requests.get(
            app["provider"].authorize_url, params={**base, **extra}, allow_redirects=False,
            timeout=10,
        )  # fmt: skip
        assert response.status_code == 302
        query = query_of(response.headers["Location"])
        assert query["error"] == "invalid_request", extra
        assert query["state"] == "s1"


def test_replayed_code_refused_and_revokes_its_tokens(app):
    code, verifier = _code_for(app)
    tokens = _exchange(app, code, verifier)
    with pytest.raises(oauth.SignInNeeded):
        _exchange(app, code, verifier)
    # RFC 6749 4.1.2: what the replayed code gave is revoked too
    with pytest.raises(oauth.SignInNeeded):
        oauth.fetch_userinfo(app["provider"], tokens.access_token)
    with pytest.raises(oauth.SignInNeeded):
        _refresh(app, tokens.refresh_token)


def test_wrong_redirect_uri_at_exchange_refused(app):
    code, verifier = _code_for(app)
    with pytest.raises(oauth.AdministratorNeeded) as info:
        _exchange(app, code, verifier, redirect_uri=REDIRECT + "/other")
    assert info.value.kind == "administrator"


def test_wrong_client_secret_is_an_administrator_error(app):
    code, verifier = _code_for(app)
    with pytest.raises(oauth.AdministratorNeeded) as info:
        _exchange(app, code, verifier, client_secret="wrong")
    assert info.value.error == "invalid_client"
    assert errors.explain(info.value).kind == "oauth_client_invalid"


def test_declined_consent_comes_back_as_access_denied(app):
    _pkce, state, _nonce, query = _start(app, allow=False)
    assert query["state"] == state
    error = oauth.error_from_redirect(query)
    assert isinstance(error, oauth.ConsentNeeded)
    assert error.error == "access_denied"


def test_provider_error_answer_at_authorize(app):
    app["server"].fail_next_authorize("consent_required", "AADSTS65001: admin consent needed")
    _pkce, state, _nonce, query = _start(app)
    assert query["state"] == state
    error = oauth.error_from_redirect(query)
    assert isinstance(error, oauth.ConsentNeeded)
    explanation = errors.explain(error)
    assert explanation.kind == "oauth_consent_missing"
    assert "AADSTS65001" in explanation.server_text


def test_wrong_password_keeps_the_form(app):
    from mail_accounts_ext.tests.oauth_server import SignInRefused

    with pytest.raises(SignInRefused, match="Wrong login or password"):
        _start(app, password="nope")


def _refresh(app, refresh_token):
    return oauth.refresh(
        app["provider"], client_id=app["client_id"], client_secret=app["secret"],
        refresh_token=refresh_token,
    )  # fmt: skip


def test_refresh_rotates_and_the_old_refresh_token_dies(app):
    server = app["server"]
    tokens = _exchange(app, *_code_for(app))
    before = server.token_request_count("refresh_token")
    fresh = _refresh(app, tokens.refresh_token)
    assert server.token_request_count("refresh_token") == before + 1
    assert fresh.rotated and fresh.refresh_token != tokens.refresh_token
    assert fresh.access_token != tokens.access_token
    assert fresh.mailbox == app["mailbox"]
    with pytest.raises(oauth.SignInNeeded) as info:
        _refresh(app, tokens.refresh_token)
    assert errors.explain(info.value).kind == "oauth_sign_in_needed"
    again = _refresh(app, fresh.refresh_token)
    assert again.rotated
    assert not server.refresh_token_active(fresh.refresh_token)


def test_revoked_user_must_sign_in_again(app):
    tokens = _exchange(app, *_code_for(app))
    app["server"].revoke_user(app["login"])
    with pytest.raises(oauth.SignInNeeded):
        _refresh(app, tokens.refresh_token)
    with pytest.raises(oauth.SignInNeeded):
        oauth.fetch_userinfo(app["provider"], tokens.access_token)


def test_revocation_endpoint(app):
    tokens = _exchange(app, *_code_for(app))
    assert oauth.revoke(app["provider"], tokens.refresh_token, client_id=app["client_id"],
                        client_secret=app["secret"])
    with pytest.raises(oauth.SignInNeeded):
        _refresh(app, tokens.refresh_token)
    assert oauth.revoke(oauth.microsoft(), "t", client_id="x") is False  # none at Microsoft


def test_token_endpoint_error_answers_are_typed(app):
    server = app["server"]
    tokens = _exchange(app, *_code_for(app))
    server.fail_next_token("interaction_required", "AADSTS50076: MFA required")
    with pytest.raises(oauth.ConsentNeeded):
        _refresh(app, tokens.refresh_token)
    server.fail_next_token("temporarily_unavailable", status=503)
    with pytest.raises(oauth.ProviderError) as info:
        _refresh(app, tokens.refresh_token)
    assert info.value.temporary and info.value.status == 503
    assert errors.explain(info.value).kind == "oauth_provider_unavailable"
    # the failures did not consume the refresh token
    assert _refresh(app, tokens.refresh_token).rotated


def test_network_failure_is_typed_and_temporary(app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    provider = oauth.generic(f"http://127.0.0.1:{port}/a", f"http://127.0.0.1:{port}/t")
    with pytest.raises(oauth.NetworkError) as info:
        oauth.refresh(provider, client_id="x", client_secret="y", refresh_token="z",
                      timeout=(2, 2))
    assert info.value.temporary
    explanation = errors.explain(info.value)
    assert explanation.kind == "oauth_unreachable" and explanation.temporary


def test_non_json_answer_is_a_provider_error(app):
    provider = oauth.generic(app["server"].base_url + "/", app["server"].base_url + "/")
    with pytest.raises(oauth.ProviderError) as info:
        oauth.refresh(provider, client_id="x", client_secret="y", refresh_token="z")
    assert info.value.error in ("invalid_response", "not_found")
    assert errors.explain(info.value).kind == "oauth_failed"


def test_public_client_with_pkce_only(app):
    server = app["server"]
    client_id = "public-" + uuid.uuid4().hex[:6]
    server.add_client(client_id, None, [REDIRECT])
    public = {**app, "client_id": client_id, "secret": None}
    tokens = _exchange(public, *_code_for(public))
    assert tokens.mailbox == app["mailbox"]


def test_basic_client_authentication(app):
    provider = oauth.generic(
        app["provider"].authorize_url, app["provider"].token_url, mail_scopes="mail",
        client_auth="basic",
    )  # fmt: skip
    basic = {**app, "provider": provider}
    tokens = _exchange(basic, *_code_for(basic))
    assert tokens.mailbox == app["mailbox"]


def test_introspection_needs_the_resource_client(app):
    server = app["server"]
    tokens = _exchange(app, *_code_for(app))
    url = server.url("introspect")
    answer = requests.post(url, data={"token": tokens.access_token},
                           auth=server.resource_client, timeout=10).json()
    assert answer["active"] is True
    assert answer["username"] == app["mailbox"]
    assert answer["mailboxes"][0] == app["mailbox"] and len(answer["mailboxes"]) == 2
    # an application client may not introspect; a refresh token is no access token
    refused = requests.post(url, data={"token": tokens.access_token},
                            auth=(app["client_id"], app["secret"]), timeout=10)
    assert refused.status_code == 401
    answer = requests.post(url, data={"token": tokens.refresh_token},
                           auth=server.resource_client, timeout=10).json()
    assert answer == {"active": False}
    server.expire_access_tokens(app["login"])
    answer = requests.post(url, data={"token": tokens.access_token},
                           auth=server.resource_client, timeout=10).json()
    assert answer == {"active": False}


def test_access_token_lifetime_control(app):
    server = app["server"]
    server.set_access_token_lifetime(120)
    try:
        tokens = _exchange(app, *_code_for(app))
    finally:
        server.set_access_token_lifetime(3600)
    assert tokens.expires_at - _utcnow() <= timedelta(seconds=120)
    assert oauth.needs_refresh(tokens.expires_at)  # within the 5-minute margin


def test_discovery_document(app):
    document = requests.get(app["server"].url("discovery"), timeout=10).json()
    assert document["token_endpoint"] == app["server"].url("token")
    assert document["code_challenge_methods_supported"] == ["S256"]


# --------------------------------------------------------------------------- providers' layouts


def _sign_in_at(app, provider, person):
    from mail_accounts_ext.tests.oauth_server import browser_sign_in, query_of

    pkce = oauth.make_pkce()
    url = oauth.authorization_url(
        provider, client_id=app["client_id"], redirect_uri=REDIRECT, state="s",
        code_challenge=pkce.challenge, login_hint=person,
    )  # fmt: skip
    query = query_of(browser_sign_in(url, person, "pw"))
    return oauth.exchange_code(
        provider, client_id=app["client_id"], client_secret=app["secret"],
        code=query["code"], redirect_uri=REDIRECT, code_verifier=pkce.verifier,
    )  # fmt: skip


def test_microsoft_layout_sign_in_and_refresh(app):
    server = app["server"]
    person = f"adele-{uuid.uuid4().hex[:6]}@contoso.onmicrosoft.com"
    server.add_user(person, "pw")
    provider = oauth.microsoft(server.microsoft_endpoint("contoso.onmicrosoft.com"))
    tokens = _sign_in_at(app, provider, person)
    assert tokens.mailbox == person, "from preferred_username"
    assert "email" not in tokens.id_claims
    assert tokens.id_claims["iss"].startswith("https://login.microsoftonline.com/")
    asked = server.requests_of("authorize", "microsoft")[-1]
    assert asked["scope"].split() == list(provider.scopes)
    assert asked["response_mode"] == "query"
    refreshed = oauth.refresh(provider, client_id=app["client_id"], client_secret=app["secret"],
                              refresh_token=tokens.refresh_token)
    assert refreshed.rotated and refreshed.mailbox == person
    assert server.requests_of("token", "microsoft")[-1]["scope"].split() == list(provider.scopes)
    # a sign-in name that is no address: the mailbox is the upn claim
    other = f"+48123{uuid.uuid4().hex[:6]}"
    server.add_user(other, "pw", mailbox=f"{other[1:]}@contoso.onmicrosoft.com",
                    claims={"preferred_username": other, "upn": f"{other[1:]}@contoso.com"})
    assert _sign_in_at(app, provider, other).mailbox == f"{other[1:]}@contoso.com"


def test_google_layout_sign_in(app, monkeypatch):
    server = app["server"]
    urls = server.google_urls()  # Google's addresses are constants: pointed here
    for constant, name in (("GOOGLE_AUTHORIZE_URL", "authorize"), ("GOOGLE_TOKEN_URL", "token"),
                           ("GOOGLE_USERINFO_URL", "userinfo"),
                           ("GOOGLE_REVOCATION_URL", "revoke")):
        monkeypatch.setattr(oauth, constant, urls[name])
    provider = oauth.google()
    person = f"bob-{uuid.uuid4().hex[:6]}@gmail.com"
    server.add_user(person, "pw")
    tokens = _sign_in_at(app, provider, person)
    assert tokens.mailbox == person
    assert tokens.id_claims["email_verified"] is True
    assert "preferred_username" not in tokens.id_claims
    asked = server.requests_of("authorize", "google")[-1]
    assert asked["scope"].split() == ["https://mail.google.com/", "openid", "email"]
    assert (asked["access_type"], asked["prompt"]) == ("offline", "consent")
    assert oauth.fetch_userinfo(provider, tokens.access_token)["email"] == person
    assert oauth.revoke(provider, tokens.refresh_token, client_id=app["client_id"],
                        client_secret=app["secret"])
    # an address Google has not verified names no mailbox, in the ID token or userinfo
    unverified = f"eve-{uuid.uuid4().hex[:6]}@gmail.com"
    server.add_user(unverified, "pw", claims={"email_verified": False})
    assert _sign_in_at(app, provider, unverified).mailbox is None


def test_http_session_trusts_the_extra_ca(mailservers):
    from mail_accounts_ext.tests.https_server import HttpsServer

    with HttpsServer(mailservers.cert_file, mailservers.key_file) as server:
        server.routes["/token"] = (200, b"{}")
        with pytest.raises(requests.exceptions.SSLError):
            oauth.http_session().get(server.url("/token"), timeout=5)
        response = oauth.http_session(mailservers.ca_file).get(server.url("/token"), timeout=5)
        assert response.status_code == 200
