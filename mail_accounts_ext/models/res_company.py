# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.dunning import DAY_COUNT_ACTUAL_365, DAY_COUNTS


class ResCompany(models.Model):
    _inherit = "res.company"

    interest_note_rate = fields.Float(
        string="Late-payment interest rate (%)",
        digits=(16, 4),
        help="Annual rate, in percent, of the interest charged on overdue customer invoices "
        "in interest notes (simple interest on the open amount, per day late).",
    )
    interest_note_day_count = fields.Selection(
        selection=DAY_COUNTS,
        string="Interest day count",
        default=DAY_COUNT_ACTUAL_365,
        required=True,
        help="How days late become a fraction of the year: Actual/365 divides by 365, "
        "Actual/360 by 360, Actual/actual (ISDA) counts each day of a leap year as 1/366.",
    )

    @api.constrains("interest_note_rate")
    def _check_interest_note_rate(self):
        for company in self:
            if company.interest_note_rate < 0 or company.interest_note_rate > 100:
                raise ValidationError(
                    self.env._("The late-payment interest rate must be between 0 and 100.")
                )
