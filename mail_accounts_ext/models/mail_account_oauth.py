# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""OAuth 2.0 sign-in of an account (Microsoft 365, Google, a generic provider).

Plugs into the secrets seam of ``mail_account_connection.py`` with ``super()``:

* ``_connection_settings`` adds the sign-in method, the provider and the signed-in
  mailbox (not the tokens: they are read lazily, only to connect);
* ``_credentials_from`` returns ``(account address, Bearer(access_token))`` for an OAuth
  account, refreshing the token first when it expires soon (:meth:`_oauth_access_token`);
* ``_sign_settings`` makes the tested-settings fingerprint cover the sign-in method,
  the provider and the signed-in mailbox.

The tokens live in ``mail.account.oauth.token`` (no access rights at all); the sign-in
itself is started by :meth:`action_oauth_sign_in` and finished by the callback route
(``controllers/oauth.py``), which saves only after a passing connection test.
"""

import hashlib
import hmac
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import html_escape

from ..tools import connection, delivery, errors, oauth, presets, protocol_lock
from .ir_mail_server import MailAccountDeliveryException
from .mail_account_connection import CA_FILE_PARAM

CALLBACK_PATH = "/mail_accounts_ext/oauth/callback"
RESTART_PATH = "/mail_accounts_ext/oauth/start"
GENERIC_PREFIX = "mail_accounts_ext.oauth_generic_"
# Odoo's own parameter names (google_gmail / microsoft_outlook): one registration
# serves both, with or without those modules installed.
CLIENT_PARAMS = {
    "microsoft": ("microsoft_outlook_client_identifier", "microsoft_outlook_client_secret"),
    "google": ("google_gmail_client_id", "google_gmail_client_secret"),
    "generic": (GENERIC_PREFIX + "client_id", GENERIC_PREFIX + "client_secret"),
}
MICROSOFT_ENDPOINT_PARAM = "microsoft_outlook.endpoint"
PROVIDER_SELECTION = [
    ("microsoft", "Microsoft 365 / Outlook.com"),
    ("google", "Google (Gmail, Google Workspace)"),
    ("generic", "Other provider (configured in Settings)"),
]


class MailAccount(models.Model):
    _inherit = "mail.account"

    auth_method = fields.Selection(
        [("password", "Password"), ("oauth", "Sign in with the provider (OAuth 2.0)")],
        string="Sign-in Method", required=True, default="password", copy=False,
        tracking=True,
        help="Password: the account signs in to its servers with a password. Sign in with "
        "the provider: the owner signs in once at Microsoft, Google or the configured "
        "provider; Odoo then uses a token that renews itself (XOAUTH2).",
    )
    oauth_provider = fields.Selection(
        PROVIDER_SELECTION, string="Sign-in Provider", copy=False,
    )
    oauth_shared_mailbox = fields.Boolean(
        string="Shared Mailbox", readonly=True, copy=False,
        help="Microsoft 365 shared mailbox: a person who has access to it signed in; the "
        "account's address stays the mailbox Odoo opens. Changed with \"Change settings\", "
        "by signing in again.",
    )
    oauth_status = fields.Selection(
        [("ok", "Signed in"), ("needed", "Sign-in needed")],
        string="Sign-in Status", readonly=True, copy=False,
        help="Sign-in needed: the provider no longer accepts the sign-in (password "
        "changed, access revoked, sign-in expired). The account neither fetches nor sends "
        "until its owner signs in again; its queued e-mails wait.",
    )
    oauth_status_message = fields.Text(
        string="Sign-in Problem", readonly=True, copy=False,
    )
    oauth_sign_in_label = fields.Char(
        string="Sign-in Button Label", compute="_compute_oauth_sign_in_label",
        help="The text of the sign-in button: \"Sign in with Microsoft\", \"Sign in with "
        "Google\", \"Sign in with\" and the name of the provider configured in Settings, or "
        "\"Sign in with your provider\".",
    )

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("oauth_provider", "preset")
    def _compute_oauth_sign_in_label(self):
        for account in self:
            code = account.oauth_provider or presets.oauth_provider_for(account.preset) or "generic"
            account.oauth_sign_in_label = self._oauth_button_label(code)

    @api.model
    def _oauth_button_label(self, code):
        if code == "microsoft":
            return self.env._("Sign in with Microsoft")
        if code == "google":
            return self.env._("Sign in with Google")
        name = self.env["ir.config_parameter"].sudo().get_param(GENERIC_PREFIX + "name")
        if not name:
            return self.env._("Sign in with your provider")
        return self.env._("Sign in with %(provider)s", provider=name)

    # ------------------------------------------------------------------
    # THE SECRETS SEAM
    # ------------------------------------------------------------------
    def _connection_settings(self):
        settings = super()._connection_settings()
        account = self.sudo()  # system-only token model: read here, never returned
        settings["auth_method"] = account.auth_method
        if account.auth_method == "oauth":
            settings.update(
                oauth_provider=account.oauth_provider,
                oauth_mailbox=account._oauth_token().mailbox or "",
                oauth_account_id=account.id,
            )
        return settings

    @api.model
    def _credentials_from(self, settings, direction):
        if settings.get("auth_method") != "oauth":
            return super()._credentials_from(settings, direction)
        token = settings.get("oauth_access_token")
        if not token:
            account = self.browse(settings.get("oauth_account_id") or [])
            if not account:
                raise oauth.SignInNeeded("invalid_grant", "the account is not signed in")
            token = account._oauth_access_token()
        # XOAUTH2 user: the account's address (for a shared mailbox too).
        return settings["email"], connection.Bearer(token)

    @api.model
    def _sign_settings(self, settings):
        signature = super()._sign_settings(settings)
        if settings.get("auth_method", "password") == "password":
            return signature  # passwords: unchanged, existing tests stay valid
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""
        payload = json.dumps([
            signature, "oauth", settings.get("oauth_provider") or "",
            oauth.normalize_address(settings.get("oauth_mailbox")),
        ])
        return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------
    # TOKENS
    # ------------------------------------------------------------------
    def _oauth_token(self, create=False):
        """The account's token row (superuser; empty recordset when none)."""
        self.ensure_one()
        tokens = self.env["mail.account.oauth.token"].sudo()
        token = tokens.search([("account_id", "=", self.id)], limit=1)
        if not token and create:
            token = tokens.create({"account_id": self.id})
        return token

    def _oauth_access_token(self):
        """A valid access token, refreshed first when it expires within five minutes.

        Raises ``oauth.SignInNeeded`` while the account needs a sign-in (without asking
        the provider), and the provider's typed errors.
        """
        self.ensure_one()
        account = self.sudo()
        if account.oauth_status == "needed":
            raise oauth.SignInNeeded(
                "invalid_grant", account.oauth_status_message or "sign-in needed")
        token = account._oauth_token()
        if token.access_token and not oauth.needs_refresh(token.expires_at):
            return token.access_token
        return account._oauth_refresh()

    def _oauth_refresh(self):
        """Refresh the access token under a row lock, in a short transaction of its own.

        Two workers refreshing at once: the second waits for the lock, then reads what
        the first committed and uses it instead of refreshing with a refresh token the
        provider may already have rotated away. The rotated refresh token is stored in
        the transaction that used it. A refused refresh marks the account *Sign-in
        needed* (committed too) and notifies its owner once.
        """
        self.ensure_one()
        refused = None
        self.env["mail.account.oauth.token"].flush_model()
        with self._own_transaction() as cr:
            cr.execute(
                "SELECT id, refresh_token, access_token, expires_at"
                "  FROM mail_account_oauth_token WHERE account_id = %s FOR UPDATE",
                [self.id],
            )
            row = cr.fetchone()
            env = self.env(cr=cr, su=True)
            account = env["mail.account"].browse(self.id)
            if row and row[2] and not oauth.needs_refresh(row[3]):
                access = row[2]  # refreshed by another worker meanwhile
            else:
                access = None
                try:
                    if not row or not row[1]:
                        raise oauth.SignInNeeded("invalid_grant", "no refresh token stored")
                    provider, client_id, secret = account._oauth_provider_config(
                        account.oauth_provider)
                    with account._oauth_http_session() as http:
                        tokens = oauth.refresh(provider, client_id=client_id,
                                               client_secret=secret, refresh_token=row[1],
                                               session=http)
                except oauth.SignInNeeded as error:
                    refused = error
                    account._oauth_mark_sign_in_needed(error)
                else:
                    cr.execute(
                        "UPDATE mail_account_oauth_token SET refresh_token = %s,"
                        " access_token = %s, expires_at = %s, scopes = %s,"
                        " write_date = (now() at time zone 'UTC') WHERE id = %s",
                        [tokens.refresh_token, tokens.access_token, tokens.expires_at,
                         " ".join(tokens.scopes), row[0]],
                    )
                    access = tokens.access_token
                env.flush_all()
        self.env["mail.account.oauth.token"].invalidate_model()
        self.invalidate_recordset(["oauth_status", "oauth_status_message"])
        if refused is not None:
            raise refused
        return access

    def _oauth_mark_sign_in_needed(self, error):
        """*Sign-in needed* with the reason; the owner is notified on the first time only."""
        self.ensure_one()
        first = self.oauth_status != "needed"
        reason = self._explain_text(errors.explain(error, oauth=True))
        self.write({"oauth_status": "needed", "oauth_status_message": reason})
        if first:
            self._oauth_notify_owner(reason)

    def _oauth_notify_owner(self, reason):
        self.ensure_one()
        person = self.owner_id or self.create_uid
        if not person.partner_id:
            return
        url = f"{self.get_base_url()}{RESTART_PATH}?account_id={self.id}"
        body = self.env._(
            "%(account)s can no longer sign in to its mail servers: %(reason)s "
            "Its e-mails wait until you sign in again.",
            account=self.display_name, reason=reason,
        )
        link = self.env._("Sign in again")
        self.with_context(mail_notify_author=True).message_notify(
            partner_ids=person.partner_id.ids,
            subject=self.env._("Sign-in needed: %(account)s", account=self.display_name),
            body=f"<p>{html_escape(body)}</p><p><a class=\"btn btn-primary\" "
                 f"href=\"{html_escape(url)}\">{html_escape(link)}</a></p>",
        )

    # ------------------------------------------------------------------
    # PROVIDERS
    # ------------------------------------------------------------------
    @api.model
    def _oauth_provider_config(self, code):
        """``(tools.oauth.Provider, client_id, client_secret)`` of provider ``code``;
        a translated ``UserError`` telling what the administrator must do when the
        application is not registered."""
        params = self.env["ir.config_parameter"].sudo()
        id_param, secret_param = CLIENT_PARAMS.get(code) or CLIENT_PARAMS["generic"]
        client_id = params.get_param(id_param)
        label = dict(self._fields["oauth_provider"]._description_selection(self.env)).get(
            code, code)
        try:
            if code == "microsoft":
                provider = oauth.microsoft(params.get_param(MICROSOFT_ENDPOINT_PARAM) or None)
            elif code == "google":
                provider = oauth.google()
            else:
                authorize = params.get_param(GENERIC_PREFIX + "authorize_url")
                token = params.get_param(GENERIC_PREFIX + "token_url")
                if not (authorize and token):
                    client_id = False
                    provider = None
                else:
                    provider = oauth.generic(
                        authorize, token,
                        userinfo_url=params.get_param(GENERIC_PREFIX + "userinfo_url") or None,
                        mail_scopes=params.get_param(GENERIC_PREFIX + "scopes") or "",
                    )
        except oauth.EndpointError as error:
            raise UserError(self.env._(
                "The sign-in settings of %(provider)s are not valid: %(error)s Ask an "
                "administrator to correct them in Settings > E-mail accounts.",
                provider=label, error=self._translate_template(error.message,
                                                               {"url": error.url}),
            )) from None
        if not client_id:
            raise UserError(self.env._(
                "Sign-in with %(provider)s is not set up in this database yet. An "
                "administrator registers Odoo as an application at the provider once and "
                "enters its client ID and secret in Settings > E-mail accounts (the page "
                "shows the redirect URL to register). Until then, use a password or an app "
                "password if the provider allows one.",
                provider=label,
            ))
        return provider, client_id, params.get_param(secret_param) or None

    @api.model
    def _oauth_http_session(self):
        """The HTTP session to the provider's endpoints: the CA file of the mail servers
        (``mail_accounts_ext.ca_file``) is trusted too, for a provider of one's own."""
        cafile = self.env["ir.config_parameter"].sudo().get_param(CA_FILE_PARAM) or None
        return oauth.http_session(cafile)

    @api.model
    def _oauth_redirect_uri(self):
        return self.get_base_url() + CALLBACK_PATH

    @api.model
    def _oauth_state_key(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.secret")

    @api.model
    def _oauth_session_id(self):
        return request.session.sid if request else ""

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_oauth_sign_in(self):
        """*Sign in with...* / *Sign in again*: to the provider's consent page.

        Who may change the account (its owner; administrators for company accounts)
        only. Nothing changes on the account before the callback's connection test
        passes; the pending sign-in (state nonce, PKCE verifier) is stored on the
        token row, system only.
        """
        self.ensure_one()
        self.check_access("write")
        code = self.oauth_provider or presets.oauth_provider_for(self.preset) or "generic"
        return self._oauth_start(code, shared=self.oauth_shared_mailbox)

    def _oauth_start(self, code, shared=False):
        self.ensure_one()
        return self._oauth_authorize(f"{self._name},{self.id}", code, self.email, shared)

    @api.model
    def _oauth_authorize(self, target, code, address, shared=False):
        """The act_url to the provider's consent page for ``target`` ("model,id": an
        account or a setup wizard), the pending sign-in stored (system only)."""
        provider, client_id, _secret = self._oauth_provider_config(code)
        pkce = oauth.make_pkce()
        state, nonce = oauth.sign_state(
            self._oauth_state_key(), target=target, user_id=self.env.uid,
            session=self._oauth_session_id(),
        )
        pending = self.env["mail.account.oauth.pending"].sudo()
        pending.search([("target", "=", target)]).unlink()  # replaced by this one
        pending.create({"target": target, "nonce": nonce, "verifier": pkce.verifier,
                        "user_id": self.env.uid, "provider": code, "shared": bool(shared)})
        url = oauth.authorization_url(
            provider, client_id=client_id, redirect_uri=self._oauth_redirect_uri(),
            state=state, code_challenge=pkce.challenge, login_hint=address,
        )
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    @api.model
    def _oauth_account_url(self, account_id):
        return f"/odoo/{self._name}/{int(account_id)}" if account_id else "/odoo"

    # ------------------------------------------------------------------
    # THE CALLBACK (controllers/oauth.py)
    # ------------------------------------------------------------------
    @api.model
    def _oauth_finish(self, params):
        """Finish a sign-in from the provider's redirect ``params``.

        Checks in order: the state (signature, expiry, user, session), its single-use
        nonce (consumed here in every case), the provider's answer, the code exchange
        (PKCE), the signed-in mailbox, then the connection test with the new token.
        Only a passing test saves anything else.

        :returns: ``(ok, message, account_id)``, ``message`` translated
        """
        try:
            state = oauth.verify_state(
                self._oauth_state_key(), params.get("state"), user_id=self.env.uid,
                session=self._oauth_session_id(),
            )
        except oauth.StateError as error:
            return False, self._translate_template(error.message, {}), None
        model, _sep, res_id = state.target.partition(",")
        if model not in (self._name, "mail.account.setup") or not res_id.isdigit():
            return False, self._translate_template(oauth.STATE_MESSAGES["bad_signature"], {}), None
        target = self.env[model].browse(int(res_id)).exists()
        account_id = target.id if model == self._name else target.account_id.id
        pending = self.env["mail.account.oauth.pending"].sudo().search([
            ("target", "=", state.target), ("user_id", "=", self.env.uid)], limit=1)
        if not target or not pending or not hmac.compare_digest(pending.nonce, state.nonce):
            return False, self._translate_template(oauth.STATE_MESSAGES["used"], {}), account_id
        values = {"verifier": pending.verifier, "provider": pending.provider,
                  "shared": pending.shared}
        # single use: consumed whatever happens next (the page is answered, not raised,
        # so this is committed and nothing else)
        pending.unlink()
        try:
            target.check_access("write")
            message, account = target._oauth_complete(params, values)
        except (oauth.OAuthError, UserError) as error:
            return False, self._oauth_error_text(error), account_id
        except oauth.MailboxMismatch as error:
            return False, self._translate_template(error.message, error.params), account_id
        if message is not None:
            return False, message, account_id
        return True, self.env._(
            "%(account)s is signed in: the connection test passed with the new sign-in.",
            account=account.display_name), account.id

    @api.model
    def _oauth_error_text(self, error):
        if isinstance(error, UserError):
            return error.args[0]
        return self._explain_text(errors.explain(error, oauth=True))

    def _oauth_complete(self, params, pending):
        """Finish the sign-in of this account: ``(None, account)`` when saved, else
        ``(translated test failure, None)`` with nothing saved. Raises the typed errors."""
        self.ensure_one()
        settings, tokens, identity = self._oauth_tested_settings(
            params, pending, self._connection_settings())
        result = self._run_connection_test(settings)
        if not result["ok"]:
            return result["message"], None
        account = self.sudo()  # the flow that owns the auth fields, after its checks
        account._oauth_save_tokens(tokens, identity)
        account.write({
            "auth_method": "oauth",
            "oauth_provider": settings["oauth_provider"],
            "oauth_shared_mailbox": bool(pending["shared"]),
            "incoming_password": False,
            "smtp_password": False,
            "tested_fingerprint": self._sign_settings(settings),
            "last_test_date": fields.Datetime.now(),
            "last_test_ok": True,
            "last_test_message": result["message"],
        })
        return None, self

    @api.model
    def _oauth_tested_settings(self, params, pending, settings):
        """Exchange the code and check the mailbox: ``(settings to test, TokenSet,
        MailboxIdentity)``; the settings sign in with the new token, no password."""
        if params.get("error"):
            raise oauth.error_from_redirect(params)
        if not params.get("code"):
            raise oauth.ProviderError("invalid_response", "no authorization code")
        code = pending["provider"]
        provider, client_id, secret = self._oauth_provider_config(code)
        with self._oauth_http_session() as http:
            tokens = oauth.exchange_code(
                provider, client_id=client_id, client_secret=secret, code=params["code"],
                redirect_uri=self._oauth_redirect_uri(), code_verifier=pending["verifier"],
                session=http,
            )
        identity = oauth.resolve_mailbox(
            settings["email"], tokens.mailbox, shared_mailbox=pending["shared"],
            hint_shared=code == "microsoft",
        )
        settings = dict(
            settings, auth_method="oauth", oauth_provider=code, oauth_mailbox=tokens.mailbox,
            oauth_access_token=tokens.access_token, incoming_password=False,
            smtp_password=False,
        )
        settings.pop("oauth_account_id", None)
        return settings, tokens, identity

    def _oauth_save_tokens(self, tokens, identity):
        """Store a new sign-in's tokens (superuser) and clear *Sign-in needed*."""
        self.ensure_one()
        self._oauth_token(create=True).write({
            "refresh_token": tokens.refresh_token,
            "access_token": tokens.access_token,
            "expires_at": tokens.expires_at,
            "scopes": " ".join(tokens.scopes),
            "mailbox": tokens.mailbox,
            "delegate": identity.delegate or False,
        })
        self.write({"oauth_status": "ok", "oauth_status_message": False})
        self._oauth_release_waiting_mail()

    def _oauth_release_waiting_mail(self):
        """After a sign-in: the mail queue runs now for the mail that waited for it (only
        that: mail held by the sending limit or scheduled later keeps its time)."""
        if self.mail_server_id:
            self.env["mail.mail"].sudo().search([
                ("mail_server_id", "=", self.mail_server_id.id), ("state", "=", "outgoing"),
                ("mae_waiting_sign_in", "=", True),
            ]).write({"scheduled_date": fields.Datetime.now(), "mae_waiting_sign_in": False})
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    # ------------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------------
    def _smtp_connect(self, smtp_from=None):
        """A sign-in problem while connecting is a delivery failure like the others
        (explained; the mail queue keeps the mail waiting for *Sign-in needed*)."""
        try:
            return super()._smtp_connect(smtp_from=smtp_from)
        except oauth.OAuthError as error:
            text = self._explain_text(errors.explain(error, oauth=True))
            outcome = (delivery.TEMPORARY if error.temporary
                       or isinstance(error, oauth.SignInNeeded) else delivery.PERMANENT)
            raise MailAccountDeliveryException(text, outcome, error) from error

    # ------------------------------------------------------------------
    # DEMO DATA
    # ------------------------------------------------------------------
    @api.model
    def _demo_create_oauth_account(self):
        """Demo data: "Demo sign-in", the loopback authorization server that ``./dev/run``
        serves on port 10080 (tests/oauth_server.py), as the generic provider, and an
        account of the administrator signing in with it (user ``oauth``, password
        ``demo-oauth``). It starts as *Sign-in needed*: *Sign in again* does the whole
        flow against the local servers."""
        params = self.env["ir.config_parameter"].sudo()
        base = "http://127.0.0.1:10080"
        for name, value in {
            "name": "Demo sign-in", "authorize_url": base + "/authorize",
            "token_url": base + "/token", "userinfo_url": base + "/userinfo",
            "scopes": "mail offline_access", "client_id": "demo-odoo",
            "client_secret": "demo-odoo-secret",
        }.items():
            if not params.get_param(GENERIC_PREFIX + name):
                params.set_param(GENERIC_PREFIX + name, value)
        address = "oauth@demo.example.com"
        values = {
            "name": "Demo sign-in (OAuth)", "email": address, "account_type": "personal",
            "owner_id": self.env.ref("base.user_admin").id,
            "company_id": self.env.ref("base.main_company").id,
            "incoming_protocol": "imap", "incoming_host": "127.0.0.1", "incoming_port": 10143,
            "incoming_security": "starttls", "incoming_login": address,
            "smtp_host": "127.0.0.1", "smtp_port": 10025, "smtp_security": "starttls",
            "smtp_login": address, "verify_certificates": False,
            "auth_method": "oauth", "oauth_provider": "generic", "oauth_status": "needed",
            "oauth_status_message": self.env._(
                "Demo: click \"Sign in again\" and sign in at the demo provider as oauth "
                "(password demo-oauth)."),
        }
        settings = {name: values.get(name) for name in protocol_lock.CONNECTION_FIELDS}
        settings.update(auth_method="oauth", oauth_provider="generic", oauth_mailbox="")
        values["tested_fingerprint"] = self._sign_settings(settings)
        return self.sudo().create(values)
