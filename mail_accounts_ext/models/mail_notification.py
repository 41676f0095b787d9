# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    def format_failure_reason(self):
        """Show what the server said, explained, for mail sent through an e-mail account.

        Core shows only the kind of failure (e.g. "SMTP error") in the chatter's
        failure dialog; the reason of an account's failure says what to do.
        """
        label = super().format_failure_reason()
        notification = self.sudo()
        server = notification.mail_mail_id.mail_server_id or (
            notification.mail_message_id.mail_server_id)
        if (self.failure_type == "unknown" or not self.failure_reason
                or not server.mail_account_id):
            return label
        return self.env._("%(failure)s: %(reason)s", failure=label, reason=self.failure_reason)
