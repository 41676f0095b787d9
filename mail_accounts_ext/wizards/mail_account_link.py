# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

# Document models that make no sense as a target for an e-mail of the mailbox.
EXCLUDED_MODELS = {"mail.account", "mail.thread", "mail.thread.blacklist", "res.users"}
# The documents users link mail to, in this order, when the system parameter below
# is not set; models of modules that are not installed are left out.
LINK_MODELS_PARAM = "mail_accounts_ext.link_models"
DEFAULT_LINK_MODELS = (
    "res.partner", "crm.lead", "sale.order", "purchase.order", "account.move",
    "project.project", "project.task", "hr.employee",
)


class MailAccountLink(models.TransientModel):
    _name = "mail.account.link"
    _inherit = ["mail.account.message.selection"]
    _description = "Link e-mails to a document"

    record_ref = fields.Reference(
        selection="_selection_target_model", string="Document", required=True,
        help="The e-mails (with their attachments) are posted in this document's chatter.",
    )

    @api.model
    def _selection_target_model(self):
        """The business documents e-mails can be linked to (see :meth:`_link_models`)
        that the user may read, in the configured order."""
        return [(name, self._link_model_label(name)) for name in self._link_models()
                if self.env[name].has_access("read")]

    @api.model
    def _link_model_names(self):
        """The configured model names (system parameter, else the defaults), as written."""
        value = self.env["ir.config_parameter"].sudo().get_param(LINK_MODELS_PARAM)
        if not value:
            return list(DEFAULT_LINK_MODELS)
        return list(dict.fromkeys(name.strip() for name in value.replace("\n", ",").split(",")
                                  if name.strip()))

    @api.model
    def _link_models(self):
        """The configured models that are installed documents with a chatter."""
        thread = self.pool["mail.thread"]
        return [
            name for name in self._link_model_names()
            if name in self.env and name not in EXCLUDED_MODELS
            and not self.env[name]._transient and not self.env[name]._abstract
            and isinstance(self.env[name], thread)
        ]

    @api.model
    def _link_model_label(self, name):
        if name == "account.move":
            return self.env._("Invoice or Bill")
        return self.env["ir.model"]._get(name).name or name

    def action_link(self):
        self.ensure_one()
        record = self.record_ref
        if not record or not record.exists():
            raise UserError(self.env._("Choose the document to post the e-mails to."))
        if record._name not in self._link_models():
            raise UserError(self.env._(
                "E-mails cannot be linked to %(kind)s: choose one of the documents offered.",
                kind=self.env["ir.model"]._get(record._name).name or record._name))
        record.check_access("read")
        # Linking changes the e-mails (their document): not for read-only supervisors.
        self.message_ids.check_access("write")
        for message in self.message_ids:
            message._post_to_document(record)
        return {"type": "ir.actions.act_window_close"}
