# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Change protocol* of an account that signs in with OAuth 2.0.

The sign-in belongs to the mailbox, not to the protocol: the grant covers IMAP, POP3 and
SMTP (the presets ask for all of them), and the wizard's connection test has just signed
in to the new protocol with it. So the new account keeps it -- the token row moves to it
(never copied: a rotated refresh token would kill the copy) and the archived old account,
which neither fetches nor sends, keeps none. A password typed in the wizard replaces the
sign-in as in *Change settings*.
"""

from odoo import models


class MailAccountChangeProtocol(models.TransientModel):
    _inherit = "mail.account.change.protocol"

    def _tested_values(self, settings, result):
        values = super()._tested_values(settings, result)
        if settings.get("auth_method") == "oauth":
            # created without a sign-in, signed for none; signed for the mailbox once
            # the sign-in moved to it (_hook_account_switched), in the same transaction
            values["tested_fingerprint"] = self.env["mail.account"]._sign_settings(
                dict(settings, oauth_mailbox=""))
        return values

    def _hook_account_switched(self, old, new, settings):
        lines = super()._hook_account_switched(old, new, settings)
        if settings.get("auth_method") != "oauth" or old.auth_method != "oauth":
            return lines
        # the flow that owns the system-only sign-in, after the passing test
        token = old.sudo()._oauth_token()
        token.account_id = new.id
        new.sudo().write({
            "tested_fingerprint": self.env["mail.account"]._sign_settings(settings),
            "oauth_shared_mailbox": old.oauth_shared_mailbox,
            "oauth_status": "ok",
            "oauth_status_message": False,
        })
        provider = dict(new._fields["oauth_provider"]._description_selection(self.env)).get(
            new.oauth_provider, new.oauth_provider)
        lines.append(self.env._(
            "The sign-in with %(provider)s moved to the new account: no new sign-in is "
            "needed.", provider=provider))
        return lines
