# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..wizards.mail_account_link import LINK_MODELS_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    interest_note_rate = fields.Float(
        related="company_id.interest_note_rate", readonly=False
    )
    interest_note_day_count = fields.Selection(
        related="company_id.interest_note_day_count", readonly=False
    )
    interest_note_post_move = fields.Boolean(
        related="company_id.interest_note_post_move", readonly=False
    )
    interest_note_account_id = fields.Many2one(
        related="company_id.interest_note_account_id", readonly=False
    )
    interest_note_journal_id = fields.Many2one(
        related="company_id.interest_note_journal_id", readonly=False
    )
    reminder_interval_days = fields.Integer(
        related="company_id.reminder_interval_days", readonly=False
    )
    mae_link_model_ids = fields.Many2many(
        "ir.model", string="Documents to Link E-mails To",
        domain=[("is_mail_thread", "=", True), ("transient", "=", False)],
        help="The kinds of documents users can link e-mails of their mailbox to "
        "(Link to document). Empty: contacts, leads, sales and purchase orders, invoices, "
        "projects, tasks and employees, those whose application is installed.",
    )

    @api.model
    def get_values(self):
        res = super().get_values()
        names = self.env["mail.account.link"]._link_models()
        models_ = self.env["ir.model"].sudo().search([("model", "in", names)])
        res["mae_link_model_ids"] = [fields.Command.set(models_.ids)]
        return res

    def set_values(self):
        res = super().set_values()
        link = self.env["mail.account.link"]
        chosen = self.mae_link_model_ids.mapped("model")
        if not chosen:
            value = False  # back to the defaults
        else:
            # Keep the configured models of applications not installed (yet): they come
            # back when the application is installed.
            absent = [name for name in link._link_model_names() if name not in self.env]
            ordered = [name for name in link._link_model_names() if name in chosen]
            value = ",".join(dict.fromkeys(ordered + sorted(chosen) + absent))
        self.env["ir.config_parameter"].sudo().set_param(LINK_MODELS_PARAM, value)
        return res
