# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import is_html_empty


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _notify_by_email_prepare_rendering_context(self, message, msg_vals=False,
                                                   model_description=False,
                                                   force_email_company=False,
                                                   force_email_lang=False):
        """Mail sent through an account signs with the account's signature (when it has
        one) instead of the author's: core puts ``signature`` in the layout's values."""
        values = super()._notify_by_email_prepare_rendering_context(
            message, msg_vals=msg_vals, model_description=model_description,
            force_email_company=force_email_company, force_email_lang=force_email_lang)
        if not values.get("email_add_signature"):
            return values
        if msg_vals and "mail_server_id" in msg_vals:
            server_id = msg_vals["mail_server_id"]
        else:
            server_id = message.mail_server_id.id
        if not server_id:
            return values
        # sudo: outgoing servers and the account behind one are system data; only the
        # signature of the account the message is sent through is read.
        account = self.env["ir.mail_server"].sudo().browse(server_id).mail_account_id
        if account and not is_html_empty(account.signature):
            values["signature"] = account.signature
        return values
