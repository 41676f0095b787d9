# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


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
