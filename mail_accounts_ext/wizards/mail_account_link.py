# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

# Document models that make no sense as a target for an e-mail of the mailbox.
EXCLUDED_MODELS = {"mail.account", "mail.thread", "mail.thread.blacklist", "res.users"}


class MailAccountLink(models.TransientModel):
    _name = "mail.account.link"
    _description = "Link e-mails to a document"

    message_ids = fields.Many2many(
        "mail.account.message", string="E-mails", required=True,
        default=lambda self: self._default_message_ids(),
    )
    record_ref = fields.Reference(
        selection="_selection_target_model", string="Document", required=True,
        help="The e-mails (with their attachments) are posted in this document's chatter.",
    )

    @api.model
    def _default_message_ids(self):
        if self.env.context.get("active_model") == "mail.account.message":
            return self.env["mail.account.message"].browse(
                self.env.context.get("active_ids") or []).exists()
        return self.env["mail.account.message"]

    @api.model
    def _selection_target_model(self):
        models_ = self.env["ir.model"].sudo().search(
            [("is_mail_thread", "=", True), ("transient", "=", False),
             ("model", "not in", list(EXCLUDED_MODELS))], order="name")
        return [(model.model, model.name) for model in models_
                if model.model in self.env and self.env[model.model].has_access("read")]

    def action_link(self):
        self.ensure_one()
        record = self.record_ref
        if not record or not record.exists():
            raise UserError(self.env._("Choose the document to post the e-mails to."))
        record.check_access("read")
        # Linking changes the e-mails (their document): not for read-only supervisors.
        self.message_ids.check_access("write")
        for message in self.message_ids:
            message._post_to_document(record)
        return {"type": "ir.actions.act_window_close"}
