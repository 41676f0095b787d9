# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.dunning import (
    DAY_COUNT_ACTUAL_365,
    DAY_COUNTS,
    DEFAULT_REMINDER_INTERVAL,
    DEFAULT_REMINDER_LEVELS,
)


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
    interest_note_post_move = fields.Boolean(
        string="Post interest notes to accounting",
        help="Printing or e-mailing an interest note posts a journal entry: the interest is "
        "debited to the customer's receivable account and credited to the interest income "
        "account (one entry per customer, currency and note date).",
    )
    interest_note_account_id = fields.Many2one(
        "account.account", string="Interest income account", check_company=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
    )
    interest_note_journal_id = fields.Many2one(
        "account.journal", string="Interest journal", check_company=True,
        domain="[('type', 'in', ('sale', 'general'))]",
    )
    reminder_level_ids = fields.One2many(
        "account.reminder.level", "company_id", string="Payment reminder levels",
    )
    reminder_interval_days = fields.Integer(
        string="Days between reminders", default=DEFAULT_REMINDER_INTERVAL,
        help="An invoice gets its next reminder level at the earliest this many days after "
        "its previous reminder.",
    )

    @api.constrains("interest_note_rate")
    def _check_interest_note_rate(self):
        for company in self:
            if company.interest_note_rate < 0 or company.interest_note_rate > 100:
                raise ValidationError(
                    self.env._("The late-payment interest rate must be between 0 and 100.")
                )

    @api.constrains("reminder_interval_days")
    def _check_reminder_interval_days(self):
        for company in self:
            if company.reminder_interval_days < 0:
                raise ValidationError(
                    self.env._("The days between reminders cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._mae_create_default_reminder_levels()
        return companies

    def _mae_create_default_reminder_levels(self):
        """The default levels (1st reminder, 2nd reminder, final notice) for the
        companies (all when called on an empty recordset, as the install data does) that
        have none yet, archived ones included; titles and texts in every installed
        language that has their translation."""
        Level = self.env["account.reminder.level"].sudo().with_context(active_test=False)
        domain = [("reminder_level_ids", "=", False)]
        if self:
            domain.append(("id", "in", self.ids))
        todo = self.sudo().with_context(active_test=False).search(domain)
        if not todo:
            return Level
        vals_list, sources = [], []
        for company in todo:
            for index, (days, title, text) in enumerate(DEFAULT_REMINDER_LEVELS):
                vals_list.append({
                    "company_id": company.id,
                    "sequence": (index + 1) * 10,
                    "days_overdue": days,
                    "name": title,
                    "body": text and Markup("<p>%s</p>") % text,
                })
                sources.append((title, text))
        levels = Level.with_context(lang="en_US").create(vals_list)
        for lang, _name in self.env["res.lang"].get_installed():
            if lang == "en_US":
                continue
            translate = self.with_context(lang=lang).env._
            for level, (title, text) in zip(levels, sources, strict=True):
                values = {}
                if translate(title) != title:
                    values["name"] = translate(title)
                if text and translate(text) != text:
                    values["body"] = Markup("<p>%s</p>") % translate(text)
                if values:
                    level.with_context(lang=lang).write(values)
        return levels
