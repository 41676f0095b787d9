# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Payment reminder levels of a company: 1st reminder, 2nd reminder, final notice.

The choice of the level of each invoice is plain Python (``tools/dunning.reminder_level``);
``res.partner._mae_payment_reminder_lines`` applies it, the payment reminder report prints
the level's title and text, and each printed or e-mailed reminder records the level of each
invoice (``account.move.reminder``).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountReminderLevel(models.Model):
    _name = "account.reminder.level"
    _description = "Payment Reminder Level"
    _order = "company_id, sequence, days_overdue, id"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------
    name = fields.Char(
        string="Report Title", required=True, translate=True,
        help="The title of the payment reminder at this level, e.g. 2nd reminder.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
    )
    days_overdue = fields.Integer(
        required=True, default=7,
        help="An invoice reaches this level when it is at least this many days overdue and "
        "its previous reminder was at the level before.",
    )
    body = fields.Html(
        string="Letter Text", translate=True, sanitize=True,
        help="What the reminder says above the list of invoices. Empty: the standard text "
        "of the payment reminder.",
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="E-mail Template",
        domain="[('model', '=', 'res.partner')]",
        help="The e-mail that carries reminders of this level in Print & e-mail. Empty: the "
        "template chosen when sending.",
    )

    _sql_constraints = [
        ("days_overdue_positive", "CHECK(days_overdue > 0)",
         "A reminder level starts at one day overdue or later."),
    ]

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------
    @api.constrains("days_overdue", "sequence", "company_id", "active")
    def _check_days_escalate(self):
        """Each level of a company starts later than the level before it."""
        for company in self.company_id:
            levels = self.search([("company_id", "=", company.id)])
            days = levels.mapped("days_overdue")
            if days != sorted(days) or len(set(days)) != len(days):
                raise ValidationError(self.env._(
                    "The reminder levels of %(company)s must start later and later: each "
                    "level needs more days overdue than the level before it.",
                    company=company.display_name))

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    @api.model
    def _mae_levels(self, company):
        """The active levels of ``company`` in escalation order."""
        return self.search([("company_id", "=", company.id)])
