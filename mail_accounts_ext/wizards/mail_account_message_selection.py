# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class MailAccountMessageSelection(models.AbstractModel):
    """The e-mails a wizard of the mailbox works on: those selected in the list (or the
    open one). *Link to document* and *Move to folder...* inherit it."""

    _name = "mail.account.message.selection"
    _description = "Selected e-mails"

    message_ids = fields.Many2many(
        "mail.account.message", string="E-mails", required=True,
        default=lambda self: self._default_message_ids(),
    )

    @api.model
    def _default_message_ids(self):
        if self.env.context.get("active_model") == "mail.account.message":
            return self.env["mail.account.message"].browse(
                self.env.context.get("active_ids") or []).exists()
        return self.env["mail.account.message"]
