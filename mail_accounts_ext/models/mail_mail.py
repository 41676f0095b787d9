# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        """Then append the copies of what left through e-mail accounts to IMAP Sent."""
        accounts = self.sudo().mail_server_id.mail_account_id
        result = super().send(auto_commit=auto_commit, raise_exception=raise_exception,
                              post_send_callback=post_send_callback)
        accounts._push_changes_quietly()
        return result

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """Mailbox e-mails whose sending failed say so (and can be sent again)."""
        if failure_type:
            messages = self.env["mail.account.message"].sudo().search(
                [("mail_mail_id", "in", self.ids), ("state", "=", "outgoing")])
            for message in messages:
                message.write({
                    "state": "exception",
                    "failure_reason": failure_reason or message.mail_mail_id.failure_reason,
                })
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type)
