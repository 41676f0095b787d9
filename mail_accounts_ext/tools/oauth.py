"""OAuth 2.0 sign-in for mail accounts (authorization code grant with PKCE).

Plain Python (``requests`` and the standard library), no Odoo import: tested
without a database against a real authorization server on loopback
(``tests/oauth_server.py``).  The ORM layer calls it through the account's
credentials seam:

1. ``provider = microsoft(endpoint)`` / ``google()`` / ``generic(...)``: where to
   send the user and which scopes to ask for (:attr:`Provider.scopes`: the mail
   scopes plus ``openid email profile`` to learn the signed-in mailbox).
2. ``pkce = make_pkce()``; ``state, nonce = sign_state(key, target="mail.account,7",
   user_id=uid, session=sid)``; the caller keeps ``pkce.verifier`` and the
   ``nonce`` server-side (e.g. on the account or wizard row) and redirects
   to ``authorization_url(provider, client_id=..., redirect_uri=..., state=state,
   code_challenge=pkce.challenge)``.
3. The callback: ``error_from_redirect(params)`` (the provider refused: typed
   error), ``verify_state(key, params["state"], user_id=uid, session=sid)``
   (raises :class:`StateError` with a ``reason``), then the caller **checks and
   consumes the nonce** it stored in step 2 -- a state is single-use only
   because the caller refuses a nonce it no longer holds (this module keeps no
   storage) --, then ``exchange_code(...)`` returns a :class:`TokenSet`.
4. ``resolve_mailbox(account_address, tokens.mailbox, shared_mailbox=...)``: the
   XOAUTH2 user and, for a shared mailbox, the delegate who signed in.
5. Later: ``needs_refresh(expires_at)`` then ``refresh(...)``; the provider may
   rotate the refresh token (:attr:`TokenSet.rotated`): store the new one in the
   same transaction as it is used.

Errors of the token endpoint are typed (:class:`SignInNeeded`,
:class:`AdministratorNeeded`, :class:`ConsentNeeded`, :class:`NetworkError`,
:class:`ProviderError`, all :class:`OAuthError`); ``tools.errors.explain``
turns them into words.

Datetimes are naive UTC, as Odoo stores them.  Every HTTP request has a timeout.
"""

# No ``env`` here: ``_lt`` only marks the texts, the ORM translates them with ``env._``.
# pylint: disable=prefer-env-translation

import base64
import binascii
import contextlib
import dataclasses
import hashlib
import hmac
import ipaddress
import json
import secrets
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode, urlsplit

import requests
import requests.adapters

from .translation import _lt

# --------------------------------------------------------------------------- providers

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
MICROSOFT_DEFAULT_ENDPOINT = MICROSOFT_AUTHORITY + "/common/oauth2/v2.0/"
MICROSOFT_RESOURCE = "https://outlook.office.com"
MICROSOFT_MAIL_PERMISSIONS = ("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send")
MICROSOFT_MAIL_SCOPES = ("offline_access",) + tuple(
    f"{MICROSOFT_RESOURCE}/{permission}" for permission in MICROSOFT_MAIL_PERMISSIONS
)
GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_USERINFO_URL = "https://openidconnect.googleapis.com/v1/userinfo"
GOOGLE_REVOCATION_URL = "https://oauth2.googleapis.com/revoke"
GOOGLE_MAIL_SCOPES = ("https://mail.google.com/",)
# OpenID Connect scopes: an ID token (and userinfo) naming the signed-in mailbox.
IDENTITY_SCOPES = ("openid", "email", "profile")

PROVIDERS = ("microsoft", "google", "generic")
CLIENT_AUTH_METHODS = ("post", "basic")  # client_secret_post / client_secret_basic

DEFAULT_TIMEOUT = (5.0, 20.0)  # (connect, read) seconds
# Assumed access token lifetime when the provider gives no ``expires_in``.
DEFAULT_EXPIRES_IN = 3600
REFRESH_MARGIN = timedelta(minutes=5)

ENDPOINT_NOT_HTTPS = _lt(
    "The address %(url)s must start with https:// (plain http:// is only accepted for "
    "this computer, 127.0.0.1 or localhost)."
)
ENDPOINT_INVALID = _lt("The address %(url)s is not a valid web address.")
MICROSOFT_ENDPOINT_INVALID = _lt(
    "The Microsoft endpoint %(url)s must look like "
    "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/ (the tenant is \"common\", "
    "\"organizations\", your directory's domain or ID)."
)


class EndpointError(ValueError):
    """An administrator-configured URL cannot be used; ``message`` is an ``_lt`` template
    rendered with ``params`` (``url``)."""

    def __init__(self, message, url):
        super().__init__(message % {"url": url})
        self.message = message
        self.params = {"url": url}


def _loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url):
    """Raise :class:`EndpointError` unless ``url`` is https (or http on loopback)."""
    try:
        parts = urlsplit(url or "")
        host = parts.hostname
    except ValueError:
        raise EndpointError(ENDPOINT_INVALID, url) from None
    if not host or parts.scheme not in ("https", "http") or parts.username or parts.password:
        raise EndpointError(ENDPOINT_INVALID, url)
    if parts.scheme == "http" and not _loopback(host):
        raise EndpointError(ENDPOINT_NOT_HTTPS, url)
    return url


@dataclass(frozen=True)
class Provider:
    """Where and how to sign in.

    ``mail_scopes`` give IMAP/POP3/SMTP access; ``identity_scopes`` an ID token
    naming the signed-in mailbox (``mailbox_claims``, first present wins).
    ``authorize_params``: fixed extra parameters of the authorize URL.
    ``scope_on_refresh``: send the scopes again with a refresh (Microsoft wants them).
    ``client_auth``: ``"post"`` (client id and secret in the body) or ``"basic"``.
    """

    code: str
    authorize_url: str
    token_url: str
    mail_scopes: tuple
    identity_scopes: tuple = IDENTITY_SCOPES
    userinfo_url: str | None = None
    revocation_url: str | None = None
    authorize_params: tuple = ()
    mailbox_claims: tuple = ("email", "preferred_username")
    scope_on_refresh: bool = False
    client_auth: str = "post"

    @property
    def scopes(self):
        """Every scope to ask for, mail scopes first, without duplicates."""
        return tuple(dict.fromkeys(self.mail_scopes + self.identity_scopes))


def microsoft_endpoint(tenant="common", authority=MICROSOFT_AUTHORITY):
    """The v2.0 endpoint base of a tenant ("common", "organizations", a domain or an ID)
    at an authority (national clouds: e.g. ``https://login.microsoftonline.us``)."""
    return f"{authority.rstrip('/')}/{quote(tenant.strip(), safe='.-')}/oauth2/v2.0/"


def microsoft(endpoint=None, *, resource=MICROSOFT_RESOURCE):
    """Microsoft 365 / Outlook.com through the Microsoft identity platform v2.0.

    ``endpoint`` is the base URL that Odoo's own ``microsoft_outlook.endpoint``
    parameter holds (default ``https://login.microsoftonline.com/common/oauth2/v2.0/``;
    a single tenant or a national cloud replaces ``common`` or the host); ``resource``
    the Exchange Online host the mail scopes belong to (national clouds have their own,
    e.g. ``https://outlook.office365.us``).  Microsoft names the mailbox in the ID
    token; its userinfo endpoint does not accept tokens made for Outlook.
    """
    endpoint = (endpoint or MICROSOFT_DEFAULT_ENDPOINT).strip()
    if not endpoint.endswith("/"):
        endpoint += "/"
    check_endpoint(endpoint)
    if not urlsplit(endpoint).path.endswith("/oauth2/v2.0/"):
        raise EndpointError(MICROSOFT_ENDPOINT_INVALID, endpoint)
    check_endpoint(resource)
    resource = resource.rstrip("/")
    return Provider(
        code="microsoft",
        authorize_url=endpoint + "authorize",
        token_url=endpoint + "token",
        mail_scopes=("offline_access",)
        + tuple(f"{resource}/{permission}" for permission in MICROSOFT_MAIL_PERMISSIONS),
        authorize_params=(("response_mode", "query"),),
        mailbox_claims=("email", "preferred_username", "upn"),
        scope_on_refresh=True,
    )


def google():
    """Gmail / Google Workspace.  ``access_type=offline`` and ``prompt=consent`` make
    Google return a refresh token on every sign-in."""
    return Provider(
        code="google",
        authorize_url=GOOGLE_AUTHORIZE_URL,
        token_url=GOOGLE_TOKEN_URL,
        mail_scopes=GOOGLE_MAIL_SCOPES,
        identity_scopes=("openid", "email"),
        userinfo_url=GOOGLE_USERINFO_URL,
        revocation_url=GOOGLE_REVOCATION_URL,
        authorize_params=(("access_type", "offline"), ("prompt", "consent")),
        mailbox_claims=("email",),
    )


def generic(
    authorize_url,
    token_url,
    *,
    userinfo_url=None,
    mail_scopes=(),
    identity_scopes=IDENTITY_SCOPES,
    revocation_url=None,
    client_auth="post",
):
    """Another OAuth 2.0 host whose endpoints an administrator configures.

    ``mail_scopes``: a sequence or a space-separated string (e.g. the provider's mail
    scope and ``offline_access``).  Every URL must be https (http only on loopback).
    """
    for url in (authorize_url, token_url, userinfo_url, revocation_url):
        if url:
            check_endpoint(url)
    if client_auth not in CLIENT_AUTH_METHODS:
        raise ValueError(f"client_auth must be one of {CLIENT_AUTH_METHODS}")
    return Provider(
        code="generic",
        authorize_url=authorize_url,
        token_url=token_url,
        mail_scopes=_scope_tuple(mail_scopes),
        identity_scopes=_scope_tuple(identity_scopes),
        userinfo_url=userinfo_url or None,
        revocation_url=revocation_url or None,
        client_auth=client_auth,
    )


def _scope_tuple(scopes):
    if isinstance(scopes, str):
        scopes = scopes.split()
    return tuple(dict.fromkeys(scope for scope in scopes or () if scope))


# --------------------------------------------------------------------------- PKCE


@dataclass(frozen=True)
class Pkce:
    """A PKCE pair (RFC 7636): keep ``verifier`` secret, send ``challenge``."""

    verifier: str = field(repr=False)
    challenge: str
    method: str = "S256"


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text):
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def pkce_challenge(verifier):
    """``BASE64URL(SHA256(verifier))``, the S256 challenge of ``verifier``."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def make_pkce():
    """A fresh S256 pair; the verifier has 86 characters (RFC 7636: 43 to 128)."""
    verifier = secrets.token_urlsafe(64)
    return Pkce(verifier=verifier, challenge=pkce_challenge(verifier))


# --------------------------------------------------------------------------- state

STATE_LIFETIME = 600  # seconds
STATE_REFUSALS = ("bad_signature", "expired", "other_user", "other_session")
STATE_MESSAGES = {
    "bad_signature": _lt(
        "This sign-in link is not valid (it was changed or does not come from this "
        "database). Start the sign-in again from the account."
    ),
    "expired": _lt(
        "This sign-in took too long and has expired. Start the sign-in again from the "
        "account."
    ),
    "other_user": _lt(
        "This sign-in was started by another user. Each user signs in from their own "
        "Odoo session: start the sign-in again from the account."
    ),
    "other_session": _lt(
        "This sign-in was started in another browser session. Start the sign-in again "
        "from the account in this browser."
    ),
    "used": _lt(
        "This sign-in was already completed or replaced by a newer one. Start the "
        "sign-in again from the account if needed."
    ),
}
_STATE_PURPOSE = b"mail_accounts_ext oauth state v1"


class StateError(ValueError):
    """A refused ``state``; ``reason`` is one of :data:`STATE_REFUSALS` (the caller adds
    ``"used"`` for a nonce it no longer holds); ``message`` the ``_lt`` text to show."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
        self.message = STATE_MESSAGES[reason]


@dataclass(frozen=True)
class State:
    """What a verified state carries: the caller's ``target`` (e.g. "mail.account,7"),
    the user, the single-use ``nonce`` and the expiry (epoch seconds)."""

    target: str
    user_id: int
    nonce: str
    expires: int


def _state_key(key):
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not key:
        raise ValueError("the state signing key must not be empty")
    return hmac.new(key, _STATE_PURPOSE, hashlib.sha256).digest()


def session_hash(session):
    """A digest of the session identifier: the state never carries the session itself."""
    if isinstance(session, str):
        session = session.encode("utf-8")
    return _b64url(hashlib.sha256(b"mail_accounts_ext session:" + (session or b"")).digest()[:18])


def sign_state(key, *, target, user_id, session, lifetime=STATE_LIFETIME, now=None, nonce=None):
    """A signed, short-lived ``state`` bound to ``target``, ``user_id`` and ``session``.

    ``key``: a secret of the caller (e.g. derived from the database secret).
    Returns ``(state, nonce)``: store ``nonce`` and accept the state once only.
    """
    nonce = nonce or secrets.token_urlsafe(16)
    now = int(time.time() if now is None else now)
    payload = {
        "t": str(target),
        "u": int(user_id),
        "s": session_hash(session),
        "n": nonce,
        "e": now + int(lifetime),
    }
    body = _b64url(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    signature = _b64url(hmac.new(_state_key(key), body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{signature}", nonce


def verify_state(key, state, *, user_id, session, now=None):
    """The :class:`State` of a valid ``state``; raises :class:`StateError` otherwise.

    Checked in this order: signature (anything malformed counts as a bad signature),
    expiry, user, session.  Single use is the caller's part (see the module doc).
    """
    try:
        body, signature = (state or "").split(".")
        expected = hmac.new(_state_key(key), body.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(_b64url_decode(signature), expected):
            raise StateError("bad_signature")
        payload = json.loads(_b64url_decode(body))
        parsed = State(str(payload["t"]), int(payload["u"]), str(payload["n"]), int(payload["e"]))
        session_digest = str(payload["s"])
    except StateError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        raise StateError("bad_signature") from None
    now = time.time() if now is None else now
    if now >= parsed.expires:
        raise StateError("expired")
    if parsed.user_id != int(user_id):
        raise StateError("other_user")
    if not hmac.compare_digest(session_digest, session_hash(session)):
        raise StateError("other_session")
    return parsed


# --------------------------------------------------------------------------- authorize


def authorization_url(
    provider, *, client_id, redirect_uri, state, code_challenge, login_hint=None, prompt=None
):
    """The provider's consent page for this sign-in (authorization code + PKCE S256).

    ``login_hint``: the account's address, pre-filled on the provider's page;
    ``prompt``: e.g. "select_account" or "consent" (overrides the provider's own).
    """
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": " ".join(provider.scopes),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    params.update(dict(provider.authorize_params))
    if login_hint:
        params["login_hint"] = login_hint
    if prompt:
        params["prompt"] = prompt
    separator = "&" if urlsplit(provider.authorize_url).query else "?"
    return provider.authorize_url + separator + urlencode(params, quote_via=quote)


# --------------------------------------------------------------------------- errors

ERROR_KINDS = ("sign_in_needed", "administrator", "consent", "network", "provider")


class OAuthError(Exception):
    """An OAuth 2.0 error answer (RFC 6749 5.2 / 4.1.2.1) or a failed request.

    ``error``: the OAuth error code (``invalid_grant``...; ``network`` for a request
    that got no answer, ``invalid_response`` for an unreadable one); ``description``:
    the provider's ``error_description``; ``status``: the HTTP status; ``suberror``:
    Microsoft's ``suberror``.  ``kind`` says who can fix it (:data:`ERROR_KINDS`).
    """

    kind = "provider"
    temporary = False

    def __init__(self, error, description="", *, status=None, suberror=None, temporary=None):
        self.error = str(error or "")
        self.description = str(description or "")
        self.status = status
        self.suberror = str(suberror or "")
        if temporary is not None:
            self.temporary = temporary
        text = self.error + (f": {self.description}" if self.description else "")
        super().__init__(text)


class SignInNeeded(OAuthError):
    """The grant is gone (expired, revoked, password changed): the user signs in again."""

    kind = "sign_in_needed"


class AdministratorNeeded(OAuthError):
    """The application registration is wrong (client id/secret, redirect URL, scopes)."""

    kind = "administrator"


class ConsentNeeded(OAuthError):
    """The user (or the organisation's administrator) must consent or act interactively."""

    kind = "consent"


class NetworkError(OAuthError):
    """No answer from the provider (DNS, connection, TLS, timeout)."""

    kind = "network"
    temporary = True


class ProviderError(OAuthError):
    """The provider failed (5xx, ``server_error``, ``temporarily_unavailable``) or
    answered something unreadable."""

    kind = "provider"


_CONSENT_ERRORS = ("consent_required", "interaction_required", "access_denied")
_SIGN_IN_ERRORS = ("invalid_grant", "login_required", "account_selection_required")
_ADMIN_ERRORS = (
    "invalid_client",
    "unauthorized_client",
    "invalid_scope",
    "unsupported_grant_type",
    "unsupported_response_type",
    "invalid_request",
    "redirect_uri_mismatch",
)
_TEMPORARY_ERRORS = ("server_error", "temporarily_unavailable", "slow_down")
# Microsoft Entra: "AADSTS65001: The user or administrator has not consented..."
_CONSENT_CODES = ("aadsts65001", "aadsts65004", "aadsts90094", "aadsts90008")


def make_error(error, description="", *, status=None, suberror=None):
    """The typed :class:`OAuthError` for an OAuth error code."""
    error = str(error or "").strip()
    lowered = description.lower() if isinstance(description, str) else ""
    if (
        error in _CONSENT_ERRORS
        or suberror == "consent_required"
        or any(code in lowered for code in _CONSENT_CODES)
    ):
        cls = ConsentNeeded
    elif error in _SIGN_IN_ERRORS:
        cls = SignInNeeded
    elif error in _ADMIN_ERRORS:
        cls = AdministratorNeeded
    else:
        temporary = error in _TEMPORARY_ERRORS or (status is not None and status >= 500)
        return ProviderError(
            error or "invalid_response", description, status=status, suberror=suberror,
            temporary=temporary,
        )  # fmt: skip
    return cls(error, description, status=status, suberror=suberror)


def error_from_redirect(params):
    """The typed error of a callback query (``error=...``), or None when it has a code."""
    error = params.get("error")
    if not error:
        return None
    return make_error(error, params.get("error_description") or "")


def _error_from_response(response):
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and payload.get("error"):
        return make_error(
            payload["error"],
            str(payload.get("error_description") or ""),
            status=response.status_code,
            suberror=payload.get("suberror"),
        )
    text = (response.text or "").strip().replace("\n", " ")[:300]
    temporary = response.status_code >= 500 or response.status_code == 429
    return ProviderError(
        "invalid_response", f"HTTP {response.status_code} {text}".strip(),
        status=response.status_code, temporary=temporary,
    )  # fmt: skip


# --------------------------------------------------------------------------- tokens


def _utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class TokenSet:
    """A token endpoint's answer.

    ``refresh_token``: the rotated one when the provider sent one (``rotated``), else
    the one used for a refresh; ``expires_at``: naive UTC; ``scopes``: granted scopes;
    ``id_claims``: the ID token's claims (received straight from the token endpoint
    over TLS, so not re-verified: OpenID Connect Core 3.1.3.7); ``mailbox``: the
    signed-in mailbox (ID token, else userinfo), lower-case, or None (compare mailboxes
    with :func:`normalize_address`).
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    scopes: tuple
    token_type: str = "Bearer"
    id_claims: dict = field(default_factory=dict, hash=False, compare=False)
    mailbox: str | None = None
    rotated: bool = False


def decode_id_token(id_token):
    """The claims of a JWT (payload only, no signature check); {} when unreadable."""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(_b64url_decode(payload))
    except (AttributeError, IndexError, ValueError, TypeError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def mailbox_from_claims(provider, claims):
    """The mailbox named by ID token or userinfo claims (``mailbox_claims`` order), or None.

    An ``email`` marked ``email_verified: false`` is not trusted.
    """
    for name in provider.mailbox_claims:
        value = claims.get(name)
        if name == "email" and claims.get("email_verified") in (False, "false"):
            continue
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


class _TrustAdapter(requests.adapters.HTTPAdapter):
    """HTTPS verified against an SSL context of our own (see :func:`http_session`)."""

    def __init__(self, ssl_context):
        self._ssl_context = ssl_context
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self._ssl_context
        return super().init_poolmanager(*args, **kwargs)


def http_session(cafile=None):
    """A ``requests`` session for the provider's endpoints (pass it as ``session``).

    ``cafile``: a CA bundle trusted *besides* the system's (a provider of one's own with a
    private CA, the same file as the mail servers'); None: the usual verification.
    """
    session = requests.Session()
    if cafile:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=cafile)
        session.mount("https://", _TrustAdapter(context))
    return session


def _post(url, data, *, auth=None, timeout=DEFAULT_TIMEOUT, session=None):
    http = session or requests
    try:
        return http.post(
            url, data=data, auth=auth, timeout=timeout,
            headers={"Accept": "application/json"}, allow_redirects=False,
        )  # fmt: skip
    except requests.RequestException as error:
        raise NetworkError("network", str(error)) from error


def _client_credentials(provider, data, client_id, client_secret):
    """Adds the client authentication to ``data``; returns the ``auth`` for requests."""
    if provider.client_auth == "basic" and client_secret:
        # RFC 6749 2.3.1: form-urlencode id and secret before Basic
        return (quote(client_id, safe=""), quote(client_secret, safe=""))
    data["client_id"] = client_id
    if client_secret:
        data["client_secret"] = client_secret
    return None


def _token_request(
    provider, data, client_id, client_secret, *, timeout, session, now, previous, requested,
):  # fmt: skip
    auth = _client_credentials(provider, data, client_id, client_secret)
    now = now or _utcnow()
    response = _post(provider.token_url, data, auth=auth, timeout=timeout, session=session)
    if response.status_code != 200:
        raise _error_from_response(response)
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("access_token"), str):
        if isinstance(payload, dict) and payload.get("error"):
            raise _error_from_response(response)
        raise ProviderError("invalid_response", "no access_token in the token response")
    token_type = str(payload.get("token_type") or "Bearer")
    if token_type.lower() != "bearer":
        raise ProviderError("invalid_response", f"unsupported token_type {token_type!r}")
    try:
        expires_in = int(payload.get("expires_in") or DEFAULT_EXPIRES_IN)
    except (TypeError, ValueError):
        expires_in = DEFAULT_EXPIRES_IN
    new_refresh = payload.get("refresh_token")
    scope = payload.get("scope")
    # RFC 6749 5.1: no "scope" in the answer means the requested scopes were granted
    scopes = _scope_tuple(scope) if scope else requested
    claims = decode_id_token(payload["id_token"]) if payload.get("id_token") else {}
    return TokenSet(
        access_token=payload["access_token"],
        refresh_token=new_refresh or previous,
        expires_at=now + timedelta(seconds=max(expires_in, 0)),
        scopes=scopes,
        token_type="Bearer",
        id_claims=claims,
        mailbox=mailbox_from_claims(provider, claims),
        rotated=previous is not None and bool(new_refresh) and new_refresh != previous,
    )


def exchange_code(
    provider, *, client_id, client_secret, code, redirect_uri, code_verifier,
    timeout=DEFAULT_TIMEOUT, session=None, now=None, userinfo=True,
):  # fmt: skip
    """Redeem an authorization code; returns a :class:`TokenSet`, raises :class:`OAuthError`.

    When the ID token names no mailbox and the provider has a userinfo endpoint
    (and ``userinfo``), the mailbox is asked there.
    """
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    tokens = _token_request(
        provider, data, client_id, client_secret, timeout=timeout, session=session, now=now,
        previous=None, requested=provider.scopes,
    )  # fmt: skip
    if tokens.mailbox is None and userinfo and provider.userinfo_url:
        claims = fetch_userinfo(provider, tokens.access_token, timeout=timeout, session=session)
        mailbox = mailbox_from_claims(provider, claims)
        if mailbox:
            tokens = dataclasses.replace(tokens, mailbox=mailbox)
    return tokens


def refresh(
    provider, *, client_id, client_secret, refresh_token, timeout=DEFAULT_TIMEOUT,
    session=None, now=None,
):  # fmt: skip
    """A new access token from ``refresh_token``; :attr:`TokenSet.refresh_token` is the
    rotated refresh token if the provider sent one (store it: the old one may be dead),
    else ``refresh_token``.  Raises :class:`OAuthError` (``invalid_grant`` ->
    :class:`SignInNeeded`)."""
    if not refresh_token:
        raise SignInNeeded("invalid_grant", "no refresh token stored")
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if provider.scope_on_refresh:
        data["scope"] = " ".join(provider.scopes)
    return _token_request(
        provider, data, client_id, client_secret, timeout=timeout, session=session, now=now,
        previous=refresh_token, requested=provider.scopes,
    )  # fmt: skip


def fetch_userinfo(provider, access_token, *, timeout=DEFAULT_TIMEOUT, session=None):
    """The userinfo claims (OpenID Connect) for ``access_token``; raises :class:`OAuthError`."""
    if not provider.userinfo_url:
        return {}
    http = session or requests
    try:
        response = http.get(
            provider.userinfo_url, timeout=timeout, allow_redirects=False,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )  # fmt: skip
    except requests.RequestException as error:
        raise NetworkError("network", str(error)) from error
    if response.status_code != 200:
        if response.status_code == 401:
            raise SignInNeeded("invalid_token", "the userinfo endpoint refused the token",
                               status=401)
        raise _error_from_response(response)
    try:
        claims = response.json()
    except ValueError:
        claims = None
    if not isinstance(claims, dict):
        raise ProviderError("invalid_response", "unreadable userinfo answer")
    return claims


def revoke(provider, token, *, client_id, client_secret=None, timeout=DEFAULT_TIMEOUT,
           session=None):
    """Revoke a token (RFC 7009) where the provider offers it; False when it does not."""
    if not provider.revocation_url:
        return False
    data = {"token": token}
    auth = _client_credentials(provider, data, client_id, client_secret)
    response = _post(provider.revocation_url, data, auth=auth, timeout=timeout, session=session)
    if response.status_code != 200:
        raise _error_from_response(response)
    return True


def needs_refresh(expires_at, *, now=None, margin=REFRESH_MARGIN):
    """Whether an access token expiring at ``expires_at`` (naive UTC) must be refreshed
    before use: it expires within ``margin``, or its expiry is unknown."""
    if not expires_at:
        return True
    return (now or _utcnow()) >= expires_at - margin


# --------------------------------------------------------------------------- mailbox

MAILBOX_UNKNOWN = _lt(
    "The provider did not tell which mailbox you signed in with. Sign in again and allow "
    "Odoo to see your e-mail address."
)
MAILBOX_MISMATCH = _lt(
    "You signed in as %(signed_in)s, but this account is %(address)s. Sign in with the "
    "mailbox %(address)s (choose \"Use another account\" on the provider's page)."
)
MAILBOX_MISMATCH_SHARED = _lt(
    "You signed in as %(signed_in)s, but this account is %(address)s. Sign in with "
    "%(address)s or, if it is a shared mailbox, mark the account as a shared mailbox "
    "and sign in as a person who has access to it."
)


def normalize_address(address):
    """Lower-case, trimmed, the domain in IDNA (ASCII) form: for comparing mailboxes."""
    address = (address or "").strip().lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    with contextlib.suppress(UnicodeError):  # not IDNA-encodable: compared as written
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


@dataclass(frozen=True)
class MailboxIdentity:
    """Who signs in to the mail servers: ``user`` is the XOAUTH2/OAUTHBEARER user (always
    the account's address); ``delegate`` the signed-in person when it is another mailbox
    (a Microsoft 365 shared mailbox), else None."""

    user: str
    delegate: str | None = None


class MailboxMismatch(ValueError):
    """The signed-in mailbox cannot be used for the account; ``message`` / ``params``."""

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def resolve_mailbox(account_address, signed_in, *, shared_mailbox=False, hint_shared=False):
    """The :class:`MailboxIdentity` for an account, or :class:`MailboxMismatch`.

    The signed-in mailbox must be the account's address; for a shared mailbox
    (``shared_mailbox``) it may be another one: the account's address stays the
    XOAUTH2 user and the signed-in person is the delegate -- whether the delegate may
    open the mailbox is the connection test's verdict, the provider gives no list.
    ``hint_shared``: the refusal mentions shared mailboxes (providers that have them).
    """
    address = (account_address or "").strip().lower()
    if not signed_in:
        raise MailboxMismatch(MAILBOX_UNKNOWN)
    person = signed_in.strip().lower()
    if normalize_address(person) == normalize_address(address):
        return MailboxIdentity(user=address)
    if shared_mailbox:
        return MailboxIdentity(user=address, delegate=person)
    message = MAILBOX_MISMATCH_SHARED if hint_shared else MAILBOX_MISMATCH
    raise MailboxMismatch(message, signed_in=person, address=address)
