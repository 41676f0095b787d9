# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from odoo.addons.mail.tools.discuss import Store


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

    def _to_store(self, store: Store, /):
        """E-mails that wait (a server that asked to try later, an account's sending
        limit) say why and until when in the chatter's message status popover."""
        result = super()._to_store(store)
        for notification in self:
            waiting = notification.notification_status == "ready" and \
                notification.notification_type == "email" and notification.failure_reason
            store.add(notification, {"waiting_reason": waiting or False})
        return result
