# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Sign in with Microsoft / Google / <provider>* in the setup wizard.

The wizard row is the sign-in's target: the callback (``mail.account._oauth_finish``)
exchanges the code, checks the mailbox, tests the wizard's settings with the token and
saves through the wizard's own ``_save_tested``, exactly as a password that passed.
"""

from odoo import api, fields, models
from odoo.tools import email_normalize

from ..models.mail_account_oauth import GENERIC_PREFIX, PROVIDER_SELECTION
from ..tools import presets

# Keys of the tested settings that are no account field.
SETTINGS_ONLY_KEYS = ("oauth_mailbox", "oauth_access_token", "oauth_account_id")


class MailAccountSetup(models.TransientModel):
    _inherit = "mail.account.setup"

    oauth_provider = fields.Selection(
        PROVIDER_SELECTION, string="Sign-in Provider", compute="_compute_oauth_provider",
    )
    oauth_generic_available = fields.Boolean(
        string="Other Sign-in Provider Available", compute="_compute_oauth_provider",
        help="An administrator configured another OAuth 2.0 provider in Settings: its "
        "sign-in button is offered for addresses that no known provider serves.",
    )
    oauth_shared_mailbox = fields.Boolean(
        string="Shared Mailbox",
        help="Microsoft 365 shared mailbox: sign in as a person who has access to it.",
    )

    @api.depends("preset")
    def _compute_oauth_provider(self):
        params = self.env["ir.config_parameter"].sudo()
        generic = bool(params.get_param(GENERIC_PREFIX + "authorize_url"))
        for wizard in self:
            wizard.oauth_provider = presets.oauth_provider_for(wizard.preset) or False
            wizard.oauth_generic_available = generic

    def action_oauth_sign_in(self):
        """To the provider's consent page; the account is saved by the callback once
        the connection test with the new sign-in passed."""
        self.ensure_one()
        self._check_can_save()
        self._check_complete()
        self._check_protocol_lock()
        return self.env["mail.account"]._oauth_authorize(
            f"{self._name},{self.id}", self.oauth_provider or "generic",
            email_normalize(self.email) or self.email, self.oauth_shared_mailbox,
        )

    def _oauth_complete(self, params, pending):
        """The callback's end for a wizard: ``(None, account)`` once saved, else
        ``(translated test failure, None)``."""
        self.ensure_one()
        self._check_can_save()
        Account = self.env["mail.account"]
        settings, tokens, identity = Account._oauth_tested_settings(
            params, pending, self._settings())
        result = Account._run_connection_test(settings)
        if not result["ok"]:
            self.write({"test_state": "failed", "test_message": result["message"]})
            self._hook_test_failed(result)
            return result["message"], None
        self.write({"test_state": "passed", "test_message": result["message"]})
        if self.account_id:
            self.account_id.sudo()._oauth_save_tokens(tokens, identity)
            account = self._save_tested(settings, result)
        else:
            # A new account knows no signed-in mailbox until its token row exists: it is
            # created signed for none, then signed for the mailbox, in one transaction.
            account = self._save_tested(dict(settings, oauth_mailbox=""), result)
            account.sudo()._oauth_save_tokens(tokens, identity)
            account.sudo().write({"tested_fingerprint": Account._sign_settings(settings)})
        account.sudo().oauth_shared_mailbox = bool(pending["shared"])
        return None, account

    def _settings(self):
        """An account signing in with OAuth keeps doing so unless a password is typed."""
        settings = super()._settings()
        current = self.account_id._connection_settings() if self.account_id else {}
        if current.get("auth_method") == "oauth" and not (
                self.incoming_password or self.smtp_password):
            settings.update({key: current[key] for key in (
                "auth_method", "oauth_provider", "oauth_mailbox", "oauth_account_id")})
            settings.update(incoming_password=False, smtp_password=False)
        return settings

    def _tested_values(self, settings, result):
        values = super()._tested_values(settings, result)
        for key in SETTINGS_ONLY_KEYS:
            values.pop(key, None)
        if values.get("auth_method") != "oauth":
            values.update(auth_method="password", oauth_provider=False)
        return values

    def _save_tested(self, settings, result):
        account = super()._save_tested(settings, result)
        if settings.get("auth_method") != "oauth":
            # a password that passed its test replaces the sign-in: the tokens go
            account.sudo()._oauth_token().unlink()
            account.sudo().write({"oauth_status": False, "oauth_status_message": False})
        return account
