# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The OAuth 2.0 callback of the accounts' sign-in, and *Sign in again* from a link.

Thin: the checks and the saving are ``mail.account._oauth_finish`` (state, single-use
nonce, provider answer, PKCE exchange, mailbox, connection test). Every refusal is a
page in the user's language; nothing but the consumed nonce is saved then.
"""

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ..models.mail_account_oauth import CALLBACK_PATH, RESTART_PATH


class MailAccountOAuthController(http.Controller):
    @http.route(CALLBACK_PATH, type="http", auth="user", methods=["GET"], csrf=False)
    def oauth_callback(self, **params):
        # csrf=False: the provider redirects the browser here with GET; the signed,
        # single-use state bound to this user and session plays the CSRF token's part.
        accounts = request.env["mail.account"]
        ok, message, account_id = accounts._oauth_finish(params)
        return self._page(ok, message, accounts._oauth_account_url(account_id))

    @http.route(RESTART_PATH, type="http", auth="user", methods=["GET"])
    def oauth_start(self, account_id=None, **_kw):
        """The *Sign in again* link of the notification: straight to the provider."""
        accounts = request.env["mail.account"]
        try:
            account = accounts.browse(int(account_id or 0)).exists()
            if not account:
                raise UserError(request.env._("This e-mail account no longer exists."))
            action = account.action_oauth_sign_in()
        except (AccessError, UserError, ValueError) as error:
            message = error.args[0] if error.args else str(error)
            return self._page(False, message, accounts._oauth_account_url(None))
        return request.redirect(action["url"], code=303, local=False)

    def _page(self, ok, message, back_url):
        return request.render(
            "mail_accounts_ext.oauth_result_page",
            {"ok": ok, "message": message, "back_url": back_url},
            status=200 if ok else 400,
        )
