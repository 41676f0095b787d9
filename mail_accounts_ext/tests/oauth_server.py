#!/usr/bin/env python3
# pylint: disable=print-used,except-pass
# (a test harness that is also a command-line program: it prints its endpoints)
"""A real OAuth 2.0 authorization server on loopback, for tests and demos.

Built on oauthlib (``WebApplicationServer`` + a :class:`RequestValidator` keeping
everything in memory) and served by the standard library's ``http.server`` in a
thread, on ``127.0.0.1``.  No Odoo import: the pure pytest suite, the addon's Odoo
tests and, run as a script, the project's run command (a "Demo sign-in" provider)
use it::

    python3 oauth_server.py --port 10080 \\
        --client demo,demo-secret,http://localhost:8069/mail_accounts_ext/oauth/callback \\
        --user alice:secret:alice@example.com:shared@example.com

Endpoints (``server.url(name)``):

* ``/authorize``: a login and consent page that a test drives over HTTP like a
  browser (:func:`browser_sign_in`): GET shows the form, POST with login, password
  and "allow" redirects (302) to the client's ``redirect_uri`` with ``code`` and
  ``state``, or with ``error=access_denied`` when the user declines.  PKCE with
  ``S256`` is required (``plain`` and no challenge are refused).
* ``/token``: ``authorization_code`` (the code is single-use; a replayed code is
  refused and revokes what it gave) and ``refresh_token`` with rotation (each
  refresh returns a new refresh token and kills the old one).  An ID token
  (HS256, signed with the client secret) comes with the ``openid`` scope.
* ``/revoke`` (RFC 7009), ``/userinfo`` (OpenID Connect: ``email``,
  ``preferred_username`` of the signed-in user) and ``/introspect`` (RFC 7662,
  Basic authentication of a resource client such as Dovecot or the SMTP server).
  Introspection claims: ``username`` (the user's mailbox), ``mailboxes`` (it and
  the mailboxes the user may open as a delegate: Microsoft 365 shared mailboxes),
  ``scope``, ``client_id``, ``exp``...
* ``/.well-known/openid-configuration``: the endpoints, for discovery.

The same endpoints also answer at Microsoft's paths (``/<tenant>/oauth2/v2.0/authorize``
and ``token``; ID token claims as Microsoft sends them: ``preferred_username``, no
``email``) and Google's (``/o/oauth2/v2/auth``, ``/token``, ``/v1/userinfo``,
``/revoke``; ``email`` and ``email_verified``), so that the addon's Microsoft and Google
code paths sign in here unchanged; ``start(tls=(cert, key))`` serves them over HTTPS as
well (:attr:`OAuthServer.https_base_url`, :meth:`~OAuthServer.microsoft_endpoint`,
:meth:`~OAuthServer.google_urls`).  :meth:`~OAuthServer.requests_of` tells what the
authorize and token endpoints received (the scopes asked for).

Test controls: :meth:`OAuthServer.add_user`, :meth:`~OAuthServer.add_client`,
:meth:`~OAuthServer.set_access_token_lifetime`,
:meth:`~OAuthServer.expire_access_tokens`, :meth:`~OAuthServer.revoke_user`,
:meth:`~OAuthServer.fail_next_authorize`, :meth:`~OAuthServer.fail_next_token`,
:meth:`~OAuthServer.token_request_count`.

Plain HTTP on loopback only: never expose it elsewhere.
"""

import argparse
import base64
import collections
import contextlib
import hashlib
import hmac
import html
import http.server
import json
import logging
import os
import re
import secrets
import ssl
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote_plus, urlencode, urljoin, urlsplit

from oauthlib.oauth2 import RequestValidator, WebApplicationServer
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

if __package__:
    from . import harness_cli
else:  # run as a script (dev/run): the harness module beside it is on sys.path
    import harness_cli  # pylint: disable=import-error

_logger = logging.getLogger(__name__)

CODE_LIFETIME = 600
PENDING_LIFETIME = 900
DEFAULT_ACCESS_LIFETIME = 3600
DEFAULT_SCOPES = (
    "openid", "email", "profile", "offline_access", "mail",
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/POP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
    "https://mail.google.com/",
)  # fmt: skip
RESOURCE_CLIENT_ID = "mailservers"
ENDPOINTS = {
    "authorize": "/authorize",
    "token": "/token",
    "revoke": "/revoke",
    "userinfo": "/userinfo",
    "introspect": "/introspect",
    "discovery": "/.well-known/openid-configuration",
}
# The same server also answers in the layouts of the real providers, so that the addon's
# Microsoft and Google code paths talk to it unchanged (only their base URL differs):
# Microsoft identity platform v2.0: <base>/<tenant>/oauth2/v2.0/authorize|token (the
# Outlook scopes; the mailbox in the ID token's ``preferred_username``, no ``email``);
# Google: /o/oauth2/v2/auth, /token, /v1/userinfo, /revoke (ID token and userinfo:
# ``email`` and ``email_verified``).
LAYOUTS = ("generic", "microsoft", "google")
MICROSOFT_PATH = re.compile(
    r"^/(?P<tenant>[A-Za-z0-9._-]+)/oauth2/v2\.0/(?P<name>authorize|token)$"
)
GOOGLE_ENDPOINTS = {
    "authorize": "/o/oauth2/v2/auth",
    "token": "/token",
    "userinfo": "/v1/userinfo",
    "revoke": "/revoke",
}
MICROSOFT_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"


def resolve_path(path):
    """``(layout, endpoint name)`` of a request path, or ``(None, None)``.

    The generic paths win where Google's are the same (``/token``, ``/revoke``): the
    grant remembers the layout of the authorize page it came from.
    """
    for name, route in ENDPOINTS.items():
        if path == route:
            return "generic", name
    for name, route in GOOGLE_ENDPOINTS.items():
        if path == route:
            return "google", name
    match = MICROSOFT_PATH.match(path)
    if match:
        return "microsoft", match["name"]
    return None, None


class OAuthServerError(RuntimeError):
    """The harness was asked something impossible (unknown user...)."""


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(claims, key):
    """A compact JWS (HS256) of ``claims`` signed with ``key`` (str or bytes)."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(claims, sort_keys=True).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = _b64url(hmac.new(key, signing_input, hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


class _Client:
    """A registered client; oauthlib wants an object with ``client_id``."""

    def __init__(self, client_id, secret=None, redirect_uris=(), kind="app"):
        self.client_id = client_id
        self.secret = secret or None
        self.redirect_uris = tuple(redirect_uris)
        self.kind = kind  # "app" (signs users in) or "resource" (introspects)

    def as_json(self):
        return {
            "client_id": self.client_id,
            "secret": self.secret,
            "redirect_uris": list(self.redirect_uris),
            "kind": self.kind,
        }


class _Store:
    """Everything the server knows; guarded by the server's lock."""

    def __init__(self):
        self.users = {}  # login -> {"password", "mailbox", "shared", "name"}
        self.clients = {}  # client_id -> _Client
        self.codes = {}  # code -> grant
        self.used_codes = {}  # code -> [access tokens it gave]
        self.access = {}  # access token -> {...}
        self.refresh = {}  # refresh token -> {...}

    def as_json(self):
        return {
            "users": self.users,
            "clients": [client.as_json() for client in self.clients.values()],
            "access": self.access,
            "refresh": self.refresh,
        }

    def load_json(self, data):
        self.users = dict(data.get("users") or {})
        self.clients = {
            item["client_id"]: _Client(
                item["client_id"], item.get("secret"), item.get("redirect_uris") or (),
                item.get("kind") or "app",
            )  # fmt: skip
            for item in data.get("clients") or ()
        }
        self.access = dict(data.get("access") or {})
        self.refresh = dict(data.get("refresh") or {})


# ---------------------------------------------------------------------------
# The oauthlib request validator
# ---------------------------------------------------------------------------


def _basic_credentials(headers):
    value = (headers or {}).get("Authorization") or ""
    scheme, _sep, encoded = value.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


class _Validator(RequestValidator):
    """oauthlib's questions answered from the in-memory store (under the server lock)."""

    def __init__(self, server):
        super().__init__()
        self.server = server

    @property
    def store(self):
        return self.server._store

    # -- clients ---------------------------------------------------------------

    def _wanted_kind(self, request):
        path = urlsplit(request.uri or "").path
        return "resource" if path == ENDPOINTS["introspect"] else "app"

    def client_authentication_required(self, request, *args, **kwargs):
        if _basic_credentials(request.headers) or self._wanted_kind(request) == "resource":
            return True
        client = self.store.clients.get(request.client_id or "")
        return bool(client and client.secret)

    def authenticate_client(self, request, *args, **kwargs):
        credentials = _basic_credentials(request.headers)
        if credentials is None:
            credentials = (request.client_id or "", getattr(request, "client_secret", None) or "")
        client_id, secret = credentials
        client = self.store.clients.get(client_id)
        if (
            client is None
            or client.kind != self._wanted_kind(request)
            or not client.secret
            or not hmac.compare_digest(client.secret.encode(), (secret or "").encode())
        ):
            return False
        request.client = client
        request.client_id = client_id
        return True

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        client = self.store.clients.get(client_id or "")
        if client is None or client.secret or client.kind != "app":
            return False
        request.client = client
        return True

    def validate_client_id(self, client_id, request, *args, **kwargs):
        client = self.store.clients.get(client_id or "")
        return client is not None and client.kind == "app"

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        client = self.store.clients.get(client_id)
        return bool(client) and redirect_uri in client.redirect_uris

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        client = self.store.clients.get(client_id)
        if client and len(client.redirect_uris) == 1:
            return client.redirect_uris[0]
        return None

    def validate_response_type(self, client_id, response_type, client, request, *a, **kw):
        return response_type == "code"

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in ("authorization_code", "refresh_token")

    # -- scopes ------------------------------------------------------------------

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return all(scope in self.server.scopes for scope in scopes)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return ["openid", "email", "mail"]

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        return list(self.store.refresh[refresh_token]["scopes"])

    def is_within_original_scope(self, request_scopes, refresh_token, request, *a, **kw):
        original = set(self.store.refresh[refresh_token]["scopes"])
        return set(request_scopes) <= original

    # -- codes -------------------------------------------------------------------

    def is_pkce_required(self, client_id, request):
        return True

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        self.store.codes[code["code"]] = {
            "client_id": client_id,
            "user": request.user,
            "scopes": list(request.scopes or ()),
            "redirect_uri": request.redirect_uri,
            "challenge": request.code_challenge,
            "method": request.code_challenge_method,
            "nonce": getattr(request, "nonce", None),
            "expires": time.time() + CODE_LIFETIME,
            "layout": getattr(request, "mae_layout", None) or "generic",
        }

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if code in self.store.used_codes:
            # RFC 6749 4.1.2: a replayed code revokes the tokens it gave.
            for token in self.store.used_codes[code]:
                self.server._revoke_access(token, with_refresh=True)
            return False
        grant = self.store.codes.get(code)
        if not grant or grant["client_id"] != client_id or grant["expires"] < time.time():
            return False
        if grant["user"] not in self.store.users:
            return False
        request.user = grant["user"]
        request.scopes = list(grant["scopes"])
        request.nonce = grant["nonce"]
        request.mae_layout = grant.get("layout") or "generic"
        return True

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *a, **kw):
        grant = self.store.codes.get(code)
        return bool(grant) and grant["redirect_uri"] == redirect_uri

    def get_code_challenge(self, code, request):
        grant = self.store.codes.get(code)
        return grant["challenge"] if grant else None

    def get_code_challenge_method(self, code, request):
        grant = self.store.codes.get(code)
        return grant["method"] if grant else None

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        self.store.codes.pop(code, None)
        self.store.used_codes[code] = [request.mae_access_token]

    # -- tokens ------------------------------------------------------------------

    def save_bearer_token(self, token, request, *args, **kwargs):
        now = time.time()
        access = token["access_token"]
        new_refresh = token.get("refresh_token")
        old_refresh = request.refresh_token if request.grant_type == "refresh_token" else None
        layout = getattr(request, "mae_layout", None) or "generic"
        self.store.access[access] = {
            "client_id": request.client_id,
            "user": request.user,
            "scopes": list(request.scopes or ()),
            "issued": now,
            "expires": now + int(token.get("expires_in") or 0),
            "refresh_token": new_refresh,
            "active": True,
            "layout": layout,
        }
        if new_refresh and new_refresh != old_refresh:
            self.store.refresh[new_refresh] = {
                "client_id": request.client_id,
                "user": request.user,
                "scopes": list(request.scopes or ()),
                "issued": now,
                "active": True,
                "layout": layout,
            }
            if old_refresh in self.store.refresh:  # rotation: the old one dies
                self.store.refresh[old_refresh]["active"] = False
        request.mae_access_token = access

    def rotate_refresh_token(self, request):
        return True

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        grant = self.store.refresh.get(refresh_token)
        if not grant or not grant["active"] or grant["client_id"] != client.client_id:
            return False
        if grant["user"] not in self.store.users:
            return False
        request.user = grant["user"]
        request.mae_layout = grant.get("layout") or "generic"
        return True

    def validate_bearer_token(self, token, scopes, request):
        grant = self.server._active_access(token)
        if grant is None:
            return False
        request.user = grant["user"]
        request.scopes = grant["scopes"]
        request.client_id = grant["client_id"]
        return all(scope in grant["scopes"] for scope in scopes or ())

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        if token in self.store.refresh:
            grant = self.store.refresh[token]
            if grant["client_id"] == request.client_id:
                self.server._revoke_refresh(token)
        elif token in self.store.access:
            if self.store.access[token]["client_id"] == request.client_id:
                self.server._revoke_access(token, with_refresh=False)

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs):
        grant = self.server._active_access(token)
        if grant is None:
            return None
        user = self.store.users[grant["user"]]
        return {
            "username": user["mailbox"],
            "sub": grant["user"],
            "email": user["mailbox"],
            "mailboxes": [user["mailbox"], *user["shared"]],
            "scope": " ".join(grant["scopes"]),
            "client_id": grant["client_id"],
            "token_type": "Bearer",
            "iat": int(grant["issued"]),
            "exp": int(grant["expires"]),
            "iss": self.server.base_url,
        }


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:28em;margin:3em auto}}
label{{display:block;margin:.6em 0}}input[type=text],input[type=password]{{width:100%}}
.error{{color:#a00}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""

_FORM = """<p><b>{client}</b> asks to access your mailbox: <code>{scopes}</code></p>
{error}
<form method="post" action="{action}">
<input type="hidden" name="request" value="{request}">
<label>Login <input type="text" name="login" value="{login}" autofocus></label>
<label>Password <input type="password" name="password"></label>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "mail_accounts_ext-oauth-test/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def owner(self):
        return self.server.owner

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        _logger.debug("oauth server: " + format, *args)

    # -- plumbing ----------------------------------------------------------------

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8") if length else ""

    def _send(self, status, body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, payload, headers=None):
        merged = {"Content-Type": "application/json", "Cache-Control": "no-store"}
        merged.update(headers or {})
        body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        self._send(status, body, merged)

    def _page(self, status, title, body):
        html_text = _PAGE.format(title=html.escape(title), body=body)
        self._send(status, html_text, {"Content-Type": "text/html; charset=utf-8"})

    def _uri(self):
        return self.owner.base_url + self.path

    def _route(self):
        return urlsplit(self.path).path

    # -- verbs -------------------------------------------------------------------

    def do_GET(self):
        self._answer(self._get)

    def do_POST(self):
        self._answer(self._post)

    def _answer(self, handle):
        """``handle(route, layout, name)`` of the request's path; a harness bug must
        show (logged, 500), not hang the client."""
        route = self._route()
        layout, name = resolve_path(route)
        try:
            handle(route, layout, name)
        except Exception:
            _logger.exception("oauth server: %s %s failed", self.command, self.path)
            self._json(500, {"error": "server_error", "error_description": "harness failure"})

    def _get(self, route, layout, name):
        if name == "authorize":
            self.owner._get_authorize(self, layout)
        elif name == "userinfo":
            self.owner._userinfo(self, "", layout)
        elif route == ENDPOINTS["discovery"]:
            self._json(200, self.owner.discovery())
        elif route == "/":
            links = "".join(
                f'<li><a href="{html.escape(path)}">{html.escape(name)}</a></li>'
                for name, path in ENDPOINTS.items()
            )
            self._page(200, "Test OAuth 2.0 server", f"<ul>{links}</ul>")
        else:
            self._json(404, {"error": "not_found"})

    def _post(self, _route, layout, name):
        body = self._body()
        if name == "authorize":
            self.owner._post_authorize(self, body)
        elif name == "token":
            self.owner._token(self, body, layout)
        elif name == "revoke":
            self.owner._revoke(self, body)
        elif name == "introspect":
            self.owner._introspect(self, body)
        elif name == "userinfo":
            self.owner._userinfo(self, body, layout)
        else:
            self._json(404, {"error": "not_found"})


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------


class OAuthServer:
    """The authorization server; see the module docstring.  Use :meth:`start`."""

    def __init__(self, host="127.0.0.1", port=0, *, state_path=None, scopes=DEFAULT_SCOPES):
        self.host = host
        self._requested_port = int(port or 0)
        self.scopes = set(scopes)
        self.state_path = state_path
        self._lock = threading.RLock()
        self._store = _Store()
        self._pending = {}  # form request id -> pending authorization
        self._access_lifetime = DEFAULT_ACCESS_LIFETIME
        self._authorize_failures = []  # (error, description)
        self._token_failures = []  # [error, description, status, remaining]
        self._token_requests = collections.Counter()
        self._introspections = 0
        self._requests = []  # (layout, endpoint, {param: value}) of authorize and token
        self._validator = _Validator(self)
        self._oauth = WebApplicationServer(
            self._validator, token_expires_in=lambda _request: self._access_lifetime
        )
        # S256 only: a challenge without a method ("plain" by default) or "plain" is refused.
        self._oauth.auth_grant.custom_validators.pre_auth.append(self._require_s256)
        for grant in (self._oauth.auth_grant, self._oauth.refresh_grant):
            grant.register_token_modifier(self._add_id_token)
        self._httpd = None
        self._thread = None
        self._httpsd = None
        self._https_thread = None
        self.resource_client = (RESOURCE_CLIENT_ID, secrets.token_urlsafe(16))

    # -- lifecycle ---------------------------------------------------------------

    @classmethod
    def start(cls, host="127.0.0.1", port=0, *, state_path=None, scopes=DEFAULT_SCOPES,
              tls=None):
        """Serve on ``host:port`` (a free port when 0) in a daemon thread.

        ``tls``: ``(cert_file, key_file)`` to serve the same endpoints over HTTPS too, on
        another free port (:attr:`https_base_url`), as the real providers do; the
        resource servers keep introspecting over plain HTTP on loopback.
        """
        server = cls(host, port, state_path=state_path, scopes=scopes)
        server._load()
        server._httpd = _HTTPServer((host, server._requested_port), _Handler)
        server._httpd.owner = server
        server._thread = threading.Thread(
            target=server._httpd.serve_forever, name="oauth-server", daemon=True
        )
        server._thread.start()
        if tls:
            server.serve_https(*tls)
        client_id, secret = server.resource_client
        existing = server._store.clients.get(client_id)
        if existing is not None and existing.kind == "resource":
            server.resource_client = (client_id, existing.secret)
        else:
            server.add_resource_client(client_id, secret)
        return server

    def serve_https(self, cert_file, key_file):
        """Serve the same endpoints over HTTPS too, on another free port
        (:attr:`https_base_url`), with this certificate."""
        if self._httpsd is not None:
            return
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        httpd = _HTTPServer((self.host, 0), _Handler)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        httpd.owner = self
        self._httpsd = httpd
        self._https_thread = threading.Thread(
            target=httpd.serve_forever, name="oauth-server-https", daemon=True
        )
        self._https_thread.start()

    def stop(self):
        """Stop serving (idempotent)."""
        for attribute, thread_attribute in (("_httpd", "_thread"),
                                            ("_httpsd", "_https_thread")):
            httpd = getattr(self, attribute)
            setattr(self, attribute, None)
            if httpd is not None:
                httpd.shutdown()
                httpd.server_close()
            thread = getattr(self, thread_attribute)
            if thread is not None:
                thread.join(5)
                setattr(self, thread_attribute, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1] if self._httpd else self._requested_port

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    def url(self, name):
        """The full URL of an endpoint: authorize, token, revoke, userinfo, introspect,
        discovery."""
        return self.base_url + ENDPOINTS[name]

    @property
    def https_base_url(self):
        """The HTTPS twin of :attr:`base_url` (``start(tls=...)``), else None."""
        if self._httpsd is None:
            return None
        return f"https://{self.host}:{self._httpsd.server_address[1]}"

    def microsoft_endpoint(self, tenant="common"):
        """The value of Odoo's ``microsoft_outlook.endpoint`` for this server (HTTPS
        when served), in the Microsoft identity platform's layout."""
        return f"{self.https_base_url or self.base_url}/{tenant}/oauth2/v2.0/"

    def google_urls(self):
        """Google's endpoints on this server (HTTPS when served): authorize, token,
        userinfo, revoke."""
        base = self.https_base_url or self.base_url
        return {name: base + path for name, path in GOOGLE_ENDPOINTS.items()}

    def requests_of(self, endpoint, layout=None):
        """The parameters (flat dicts) of the authorize or token requests received,
        oldest first, of one ``layout`` or all: for assertions (scopes...)."""
        with self._lock:
            return [dict(params) for kind, name, params in self._requests
                    if name == endpoint and (layout is None or kind == layout)]

    def _log_request(self, layout, endpoint, params):
        self._requests.append(
            (layout, endpoint, {key: values[0] for key, values in params.items()}))

    @property
    def introspection_url(self):
        """The introspection URL with the resource client's credentials in it, as
        Dovecot's ``introspection_url`` and the harness' SMTP server take it."""
        client_id, secret = self.resource_client
        return f"http://{client_id}:{secret}@{self.host}:{self.port}{ENDPOINTS['introspect']}"

    def discovery(self):
        return {
            "issuer": self.base_url,
            "authorization_endpoint": self.url("authorize"),
            "token_endpoint": self.url("token"),
            "userinfo_endpoint": self.url("userinfo"),
            "revocation_endpoint": self.url("revoke"),
            "introspection_endpoint": self.url("introspect"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": sorted(self.scopes),
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post", "none"],
            "id_token_signing_alg_values_supported": ["HS256"],
        }

    # -- persistence (standalone demo) ---------------------------------------------

    def _load(self):
        if not self.state_path:
            return
        with contextlib.suppress(FileNotFoundError, ValueError):
            with open(self.state_path, encoding="utf-8") as handle:
                self._store.load_json(json.load(handle))

    def _save(self):
        if not self.state_path:
            return
        folder = os.path.dirname(os.path.abspath(self.state_path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".oauth-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._store.as_json(), handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.state_path)

    # -- test controls -------------------------------------------------------------

    def add_user(self, login, password, *, mailbox=None, shared_mailboxes=(), name=None,
                 claims=None):
        """Create or update a user who can sign in on the authorize page.

        ``mailbox``: the user's own address (default: the login when it is one);
        ``shared_mailboxes``: mailboxes this user may open as a delegate (Microsoft 365
        shared mailbox style: the XOAUTH2 user is the shared address, the token the
        delegate's); ``claims``: ID token / userinfo claims that replace the
        provider's usual ones (None removes one), e.g. ``{"email_verified": False}``.
        """
        if not login or not isinstance(password, str):
            raise ValueError("a user needs a login and a password")
        mailbox = (mailbox or (login if "@" in login else "")).strip().lower()
        if "@" not in mailbox:
            raise ValueError("a user needs a mailbox address")
        with self._lock:
            self._store.users[login] = {
                "password": password,
                "mailbox": mailbox,
                "shared": [address.strip().lower() for address in shared_mailboxes],
                "name": name or login,
                "claims": dict(claims or {}),
            }
            self._save()

    def remove_user(self, login):
        """Delete a user and everything issued to them."""
        with self._lock:
            self.revoke_user(login)
            self._store.users.pop(login, None)
            self._save()

    def add_client(self, client_id, secret=None, redirect_uris=()):
        """Register an application (``secret`` None: a public client, PKCE only)."""
        if isinstance(redirect_uris, str):
            redirect_uris = (redirect_uris,)
        with self._lock:
            self._store.clients[client_id] = _Client(client_id, secret, redirect_uris, "app")
            self._save()

    def add_resource_client(self, client_id, secret):
        """Register a resource server allowed to introspect tokens (Basic auth)."""
        if not secret:
            raise ValueError("a resource client needs a secret")
        with self._lock:
            self._store.clients[client_id] = _Client(client_id, secret, (), "resource")
            self._save()

    def set_access_token_lifetime(self, seconds):
        """``expires_in`` of access tokens issued from now on."""
        self._access_lifetime = int(seconds)

    def expire_access_tokens(self, login=None):
        """Make the access tokens issued so far (to ``login``, or all) expired now."""
        now = time.time()
        with self._lock:
            for grant in self._store.access.values():
                if login is None or grant["user"] == login:
                    grant["expires"] = min(grant["expires"], now - 1)
            self._save()

    def revoke_user(self, login):
        """Revoke every grant of ``login``: codes, access and refresh tokens (as a
        provider does after a password change)."""
        with self._lock:
            for code in [c for c, g in self._store.codes.items() if g["user"] == login]:
                del self._store.codes[code]
            for grant in self._store.access.values():
                if grant["user"] == login:
                    grant["active"] = False
            for grant in self._store.refresh.values():
                if grant["user"] == login:
                    grant["active"] = False
            self._save()

    def fail_next_authorize(self, error="access_denied", description=""):
        """The next authorize request is answered with ``error`` (redirected to the
        client with its ``state``), e.g. "consent_required" or "server_error"."""
        with self._lock:
            self._authorize_failures.append((error, description))

    def fail_next_token(self, error="invalid_grant", description="", *, status=400, count=1):
        """The next ``count`` token requests get an error answer."""
        with self._lock:
            self._token_failures.append([error, description, int(status), int(count)])

    def token_request_count(self, grant_type=None):
        """Token requests received (of one ``grant_type``, or all), failed ones included."""
        with self._lock:
            if grant_type is None:
                return sum(self._token_requests.values())
            return self._token_requests[grant_type]

    @property
    def introspection_count(self):
        """Introspection requests received (by Dovecot and the SMTP server)."""
        return self._introspections

    def access_token_info(self, token):
        """The stored grant of an access token (a copy) or None: for assertions."""
        with self._lock:
            grant = self._store.access.get(token)
            return dict(grant) if grant else None

    def refresh_token_active(self, token):
        with self._lock:
            grant = self._store.refresh.get(token)
            return bool(grant and grant["active"])

    # -- store helpers (called under the lock) -------------------------------------

    def _active_access(self, token):
        grant = self._store.access.get(token or "")
        if not grant or not grant["active"] or grant["expires"] <= time.time():
            return None
        if grant["user"] not in self._store.users:
            return None
        return grant

    def _revoke_access(self, token, *, with_refresh):
        grant = self._store.access.get(token)
        if grant is None:
            return
        grant["active"] = False
        if with_refresh and grant.get("refresh_token"):
            self._revoke_refresh(grant["refresh_token"])

    def _revoke_refresh(self, token):
        grant = self._store.refresh.get(token)
        if grant is None:
            return
        grant["active"] = False
        for access in self._store.access.values():
            if access.get("refresh_token") == token:
                access["active"] = False

    # -- oauthlib hooks --------------------------------------------------------------

    @staticmethod
    def _require_s256(request):
        if request.code_challenge is not None and request.code_challenge_method != "S256":
            raise oauth_errors.UnsupportedCodeChallengeMethodError(
                description="Only the S256 code challenge method is accepted.", request=request
            )
        return {}

    def identity_claims(self, login, layout="generic"):
        """What the provider says about user ``login``, as the provider of ``layout``
        says it (ID token and userinfo), with the user's ``claims`` overrides (a claim
        set to None is left out)."""
        user = self._store.users.get(login) or {}
        mailbox = user.get("mailbox")
        if layout == "microsoft":
            # v2.0 ID token of a work account: the sign-in name, no "email" by default
            claims = {"preferred_username": mailbox, "name": user.get("name"),
                      "oid": hashlib.sha256(login.encode()).hexdigest()[:32],
                      "tid": MICROSOFT_TENANT_ID, "ver": "2.0"}
        elif layout == "google":
            claims = {"email": mailbox, "email_verified": True}
        else:
            claims = {"email": mailbox, "email_verified": True,
                      "preferred_username": mailbox, "name": user.get("name")}
        claims.update(user.get("claims") or {})
        return {key: value for key, value in claims.items() if value is not None}

    def _add_id_token(self, token, token_handler, request):
        if "openid" not in (request.scopes or ()):
            return token
        layout = getattr(request, "mae_layout", None) or "generic"
        client = self._store.clients.get(request.client_id)
        now = int(time.time())
        issuer = {
            "microsoft": f"https://login.microsoftonline.com/{MICROSOFT_TENANT_ID}/v2.0",
            "google": "https://accounts.google.com",
        }.get(layout, self.base_url)
        claims = {
            "iss": issuer,
            "sub": request.user,
            "aud": request.client_id,
            "iat": now,
            "exp": now + 3600,
            **self.identity_claims(request.user, layout),
        }
        if getattr(request, "nonce", None):
            claims["nonce"] = request.nonce
        key = (client.secret if client and client.secret else None) or "public-client"
        token["id_token"] = make_jwt(claims, key)
        return token

    # -- endpoints -------------------------------------------------------------------

    def _get_authorize(self, handler, layout="generic"):
        uri = handler._uri()
        with self._lock:
            self._log_request(layout, "authorize", parse_qs(urlsplit(uri).query))
            try:
                scopes, info = self._oauth.validate_authorization_request(uri, "GET")
            except oauth_errors.FatalClientError as error:
                handler._page(400, "Sign-in error", f"<p class=error>{html.escape(error.error)}: "
                              f"{html.escape(error.description or '')}</p>")
                return
            except oauth_errors.OAuth2Error as error:
                handler._send(302, b"", {"Location": error.in_uri(error.redirect_uri)})
                return
            if self._authorize_failures:
                error, description = self._authorize_failures.pop(0)
                params = {"error": error}
                if description:
                    params["error_description"] = description
                if info.get("state"):
                    params["state"] = info["state"]
                handler._send(302, b"", {"Location": _add_query(info["redirect_uri"], params)})
                return
            request_id = secrets.token_urlsafe(16)
            now = time.time()
            self._pending = {k: v for k, v in self._pending.items() if v["expires"] > now}
            self._pending[request_id] = {
                "uri": uri,
                "scopes": list(scopes),
                "client_id": info["client_id"],
                "redirect_uri": info["redirect_uri"],
                "state": info.get("state"),
                "expires": now + PENDING_LIFETIME,
                "layout": layout,
                "path": handler._route(),
            }
        login_hint = (parse_qs(urlsplit(uri).query).get("login_hint") or [""])[0]
        self._show_form(handler, request_id, login_hint, "")

    def _show_form(self, handler, request_id, login, error):
        pending = self._pending[request_id]
        body = _FORM.format(
            client=html.escape(pending["client_id"]),
            scopes=html.escape(" ".join(pending["scopes"])),
            error=f'<p class="error">{html.escape(error)}</p>' if error else "",
            action=html.escape(pending.get("path") or ENDPOINTS["authorize"]),
            request=html.escape(request_id),
            login=html.escape(login),
        )
        handler._page(200, "Sign in", body)

    def _post_authorize(self, handler, body):
        form = {key: values[0] for key, values in parse_qs(body).items()}
        request_id = form.get("request", "")
        with self._lock:
            pending = self._pending.get(request_id)
            if pending is None or pending["expires"] < time.time():
                handler._page(400, "Sign-in error",
                              "<p class=error>This sign-in page has expired.</p>")
                return
            if form.get("decision") != "allow":
                del self._pending[request_id]
                params = {"error": "access_denied",
                          "error_description": "The user declined the request."}
                if pending["state"]:
                    params["state"] = pending["state"]
                handler._send(302, b"", {"Location": _add_query(pending["redirect_uri"], params)})
                return
            login = form.get("login", "")
            user = self._store.users.get(login)
            if user is None or not hmac.compare_digest(
                user["password"].encode(), form.get("password", "").encode()
            ):
                self._show_form(handler, request_id, login, "Wrong login or password.")
                return
            del self._pending[request_id]
            headers, _body, status = self._oauth.create_authorization_response(
                pending["uri"], "GET", scopes=pending["scopes"],
                credentials={"user": login, "mae_layout": pending["layout"]},
            )
            self._save()
        handler._send(status, b"", {"Location": headers["Location"]})

    def _token(self, handler, body, layout="generic"):
        grant_type = (parse_qs(body).get("grant_type") or [""])[0]
        with self._lock:
            self._token_requests[grant_type or "?"] += 1
            self._log_request(layout, "token", parse_qs(body))
            if self._token_failures:
                failure = self._token_failures[0]
                failure[3] -= 1
                if failure[3] <= 0:
                    self._token_failures.pop(0)
                payload = {"error": failure[0]}
                if failure[1]:
                    payload["error_description"] = failure[1]
                handler._json(failure[2], payload)
                return
            headers, response, status = self._oauth.create_token_response(
                handler._uri(), "POST", body, dict(handler.headers)
            )
            if status == 200:
                self._save()
        handler._json(status, response, headers)

    def _revoke(self, handler, body):
        with self._lock:
            headers, response, status = self._oauth.create_revocation_response(
                handler._uri(), "POST", body, dict(handler.headers)
            )
            self._save()
        handler._json(status, response or "{}", headers)

    def _introspect(self, handler, body):
        with self._lock:
            self._introspections += 1
            headers, response, status = self._oauth.create_introspect_response(
                handler._uri(), "POST", body, dict(handler.headers)
            )
        handler._json(status, response, headers)

    def _userinfo(self, handler, body, layout="generic"):
        with self._lock:
            valid, request = self._oauth.verify_request(
                handler._uri(), handler.command, body or None, dict(handler.headers), scopes=[]
            )
            user = self._store.users.get(getattr(request, "user", None) or "")
        if not valid or user is None:
            handler._json(401, {"error": "invalid_token"},
                          {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        claims = {"sub": request.user}
        if layout != "google":
            claims["name"] = user["name"]
        if "email" in request.scopes or "openid" in request.scopes:
            claims.update(self.identity_claims(request.user, layout))
        handler._json(200, claims)


def _add_query(url, params):
    separator = "&" if urlsplit(url).query else "?"
    return url + separator + urlencode(params)


# ---------------------------------------------------------------------------
# A browser, for tests
# ---------------------------------------------------------------------------


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}
        self.errors = []
        self._in_error = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs.get("name")] = attrs.get("value") or ""
        elif tag == "p" and "error" in (attrs.get("class") or ""):
            self._in_error = True

    def handle_endtag(self, tag):
        if tag == "p":
            self._in_error = False

    def handle_data(self, data):
        if self._in_error and data.strip():
            self.errors.append(data.strip())


class SignInRefused(AssertionError):
    """The authorize page did not redirect (wrong password, expired page...)."""


def browser_sign_in(authorize_url, login, password, *, allow=True, session=None, timeout=10):
    """Drive the authorize page like a browser; returns the redirect's ``Location``.

    GET ``authorize_url``: a redirect (the server answered an error at once) is
    returned as is; otherwise the login form is filled with ``login`` and
    ``password`` and submitted with "allow" (or "deny" when not ``allow``).
    Raises :class:`SignInRefused` when the page answers with a page instead.
    """
    import requests

    if session is None:
        with requests.Session() as own:
            return browser_sign_in(
                authorize_url, login, password, allow=allow, session=own, timeout=timeout
            )
    http = session
    response = http.get(authorize_url, allow_redirects=False, timeout=timeout)
    if response.status_code in (301, 302, 303, 307):
        return response.headers["Location"]
    if response.status_code != 200:
        raise SignInRefused(f"authorize page answered {response.status_code}: {response.text}")
    parser = _FormParser()
    parser.feed(response.text)
    if parser.action is None:
        raise SignInRefused("no sign-in form on the authorize page")
    data = dict(parser.fields)
    data.update(login=login, password=password, decision="allow" if allow else "deny")
    response = http.post(
        urljoin(response.url, parser.action), data=data, allow_redirects=False, timeout=timeout
    )
    if response.status_code in (301, 302, 303, 307):
        return response.headers["Location"]
    errors = _FormParser()
    errors.feed(response.text)
    raise SignInRefused(
        f"sign-in answered {response.status_code}: {' '.join(errors.errors) or response.text}"
    )


def query_of(url):
    """The query parameters of a redirect ``Location`` as a flat dict."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# ---------------------------------------------------------------------------
# Command line: a demo provider
# ---------------------------------------------------------------------------


def _parse_client(text):
    parts = text.split(",")
    if len(parts) < 3 or not parts[0]:
        raise argparse.ArgumentTypeError(
            f"bad client {text!r} (want CLIENT_ID,SECRET,REDIRECT_URI[,REDIRECT_URI...];"
            " an empty SECRET makes a public client)"
        )
    return parts[0], parts[1] or None, tuple(parts[2:])


def _parse_resource(text):
    client_id, sep, secret = text.partition(",")
    if not sep or not client_id or not secret:
        raise argparse.ArgumentTypeError(f"bad resource client {text!r} (want ID,SECRET)")
    return client_id, secret


def _parse_user(text):
    parts = text.split(":")
    if len(parts) < 2 or not parts[0]:
        raise argparse.ArgumentTypeError(
            f"bad user {text!r} (want LOGIN:PASSWORD[:MAILBOX[:SHARED,SHARED...]])"
        )
    login, password = parts[0], parts[1]
    mailbox = parts[2] if len(parts) > 2 and parts[2] else None
    shared = tuple(filter(None, parts[3].split(","))) if len(parts) > 3 else ()
    return login, password, mailbox, shared


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Serve a loopback OAuth 2.0 authorization server (tests and demos)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--state", help="JSON file keeping users, clients and tokens")
    parser.add_argument("--info", help="write the endpoints as JSON to this file")
    parser.add_argument("--client", action="append", type=_parse_client, default=[],
                        metavar="ID,SECRET,REDIRECT_URI[,...]")
    parser.add_argument("--resource-client", type=_parse_resource, metavar="ID,SECRET",
                        help="the client Dovecot and the SMTP server introspect with")
    parser.add_argument("--user", action="append", type=_parse_user, default=[],
                        metavar="LOGIN:PASSWORD[:MAILBOX[:SHARED,...]]")
    parser.add_argument("--token-lifetime", type=int, default=DEFAULT_ACCESS_LIFETIME)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    def configure(server):
        if args.resource_client:
            server.add_resource_client(*args.resource_client)
            server.resource_client = args.resource_client
        for client_id, secret, redirect_uris in args.client:
            server.add_client(client_id, secret, redirect_uris)
        for login, password, mailbox, shared in args.user:
            server.add_user(login, password, mailbox=mailbox, shared_mailboxes=shared)
        server.set_access_token_lifetime(args.token_lifetime)
        info = {name: server.url(name) for name in ENDPOINTS}
        info.update(base_url=server.base_url, introspection_url=server.introspection_url,
                    pid=os.getpid())
        if args.info:
            with open(args.info, "w", encoding="utf-8") as handle:
                json.dump(info, handle)
        print(f"OAuth 2.0 server ready on {server.base_url}")
        for name in ENDPOINTS:
            print(f"  {name:10} {server.url(name)}")
        print(f"  peers      {server.introspection_url}")

    return harness_cli.serve_until_stopped(
        lambda: OAuthServer.start(args.host, args.port, state_path=args.state), configure, "it")

if __name__ == "__main__":
    sys.exit(main())
