# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import email_normalize


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def message_post(self, **kwargs):
        """Send what a user writes from the account the sender rule picks.

        Applies to messages (``comment``) the current user writes as themselves,
        when the caller chose neither a server nor another sender (the composer
        always passes ``mail_server_id``: it applies the rule, or the user's choice,
        itself). Sets ``email_from``, ``mail_server_id`` and, when the account
        receives the replies, ``reply_to``; the message's notification e-mails
        inherit them.
        """
        if len(self) == 1 and self._mae_sender_rule_applies(kwargs):
            values = self.env["mail.account"]._sender_values(
                self.env["mail.account"]._resolve_sender(self)
            )
            if values:
                kwargs["author_id"] = self.env.user.partner_id.id
                kwargs["email_from"] = values["email_from"]
                kwargs["mail_server_id"] = values["mail_server_id"]
                if "reply_to" in values:
                    kwargs.setdefault("reply_to", values["reply_to"])
        return super().message_post(**kwargs)

    def _mae_sender_rule_applies(self, post_values):
        """Whether the sender rule picks the sender of ``message_post(**post_values)``."""
        if "mail_server_id" in post_values:
            return False
        if post_values.get("message_type", "notification") != "comment":
            return False
        user = self.env.user
        if user._is_superuser() or not user._is_internal():
            return False
        if post_values.get("author_id") not in (None, user.partner_id.id):
            return False
        email_from = post_values.get("email_from")
        return not email_from or email_normalize(email_from) == email_normalize(
            user.partner_id.email or ""
        )
