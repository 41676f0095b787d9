# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What each payment reminder said about each invoice: the level it was at.

Written only by the payment reminder report (printed by hand or e-mailed by *Print &
e-mail*), under ``sudo()`` after its access checks: one row per invoice and reminder date.
The next reminder reads the rows dated before its own date, so printing the same reminder
again on the same date gives the same letter and records nothing new.
"""

from odoo import fields, models


class AccountMoveReminder(models.Model):
    _name = "account.move.reminder"
    _description = "Payment Reminder of an Invoice"
    _order = "date desc, id desc"
    _rec_name = "move_id"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, readonly=True, index=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade",
    )
    level_id = fields.Many2one(
        "account.reminder.level", required=True, readonly=True,
        ondelete="restrict",
    )
    date = fields.Date(string="Reminder Date", required=True, readonly=True, index=True)
    days_overdue = fields.Integer(readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Issued by", readonly=True, default=lambda self: self.env.user,
    )

    _sql_constraints = [
        ("move_date_unique", "UNIQUE(move_id, date)",
         "An invoice is reminded at most once a day."),
    ]
