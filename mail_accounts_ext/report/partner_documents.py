# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..tools import dunning


class PartnerDocumentReport(models.AbstractModel):
    """Values shared by the partner documents: the date (``data["date"]``, default today),
    the issuing company (the current one) and each partner's plain data."""

    _name = "mail_accounts_ext.partner.document.report"
    _description = "Partner document report"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        partners._mae_check_accounting_access()
        date = partners._mae_report_date((data or {}).get("date"))
        company = self.env.company
        values = {
            partner.id: self._mae_partner_values(partner, date, company)
            for partner in partners
        }
        self._mae_check_something_to_say(partners, values, date)
        currency_ids = {
            row["currency_id"]
            for partner_values in values.values()
            for key in ("lines", "credits", "totals")
            for row in partner_values.get(key, [])
        }
        currencies = self.env["res.currency"].browse(currency_ids)
        result = {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "mae_date": date,
            "mae_values": values,
            "mae_currencies": {currency.id: currency for currency in currencies},
            "data_report_print_delay": self.env["ir.actions.report"]._mae_short_print_delay(),
        }
        if (data or {}).get("report_type") == "pdf":
            # the PDF is the document sent (printed by hand or e-mailed): what it says is
            # recorded; the HTML preview records nothing
            result.update(self._mae_issue(partners, values))
        return result

    @api.model
    def _mae_partner_values(self, partner, date, company):
        """One partner's plain data in the document (see ``tools/dunning.py``) at ``date``
        for ``company``; each document says which (the base has no lines)."""
        return {"lines": []}

    @api.model
    def _mae_issue(self, partners, values):
        """What issuing the documents does (besides printing them); extra report values."""
        return {}

    @api.model
    def _mae_has_something_to_say(self, partner_values):
        """Whether a partner's document says something (its values: ``tools.dunning``);
        by default every document has something to say."""
        return True

    @api.model
    def _mae_nothing_to_say(self, partners, date):
        """The refusal of documents with nothing to say: ``partners`` their names,
        ``date`` the document date, both formatted."""
        return self.env._("Nothing was printed: on %(date)s there is nothing to say to "
                          "%(partners)s. Leave them out of the selection.",
                          partners=partners, date=date)

    @api.model
    def _mae_check_something_to_say(self, partners, values, date):
        """Refuse documents that would have nothing to say (batch printing skips them as
        "nothing to send"), naming the partners (at most ten)."""
        empty = partners.filtered(
            lambda partner: not self._mae_has_something_to_say(values[partner.id]))
        if not empty:
            return
        names = ", ".join(empty[:10].mapped("display_name"))
        if len(empty) > 10:
            names = self.env._("%(names)s and %(count)s more", names=names,
                               count=len(empty) - 10)
        raise UserError(self._mae_nothing_to_say(names, format_date(self.env, date)))


class ReportPaymentReminder(models.AbstractModel):
    _name = "report.mail_accounts_ext.report_payment_reminder"
    _inherit = "mail_accounts_ext.partner.document.report"
    _description = "Payment reminder"

    @api.model
    def _mae_has_something_to_say(self, partner_values):
        """No letter asking to pay nothing: an overdue amount is left after the credits."""
        return dunning.has_amount_to_pay(partner_values)

    @api.model
    def _mae_partner_values(self, partner, date, company):
        return partner._mae_payment_reminder_lines(date, company)

    @api.model
    def _mae_nothing_to_say(self, partners, date):
        return self.env._(
            "No payment reminder was printed: on %(date)s nothing overdue is left to "
            "pay (after open credits) for %(partners)s. Leave them out of the "
            "selection.",
            partners=partners, date=date)

    @api.model
    def _get_report_values(self, docids, data=None):
        result = super()._get_report_values(docids, data=data)
        levels = self.env["account.reminder.level"].with_context(active_test=False).browse({
            line["level_id"]
            for partner_values in result["mae_values"].values()
            for line in partner_values["lines"] if line["level_id"]
        })
        result["mae_levels"] = {level.id: level for level in levels}
        return result

    @api.model
    def _mae_issue(self, partners, values):
        """Each invoice's new reminder level is recorded: the next reminder moves it up."""
        for partner in partners:
            partner._mae_record_reminder(values[partner.id])
        return {}


class ReportBalanceConfirmation(models.AbstractModel):
    _name = "report.mail_accounts_ext.report_balance_confirmation"
    _inherit = "mail_accounts_ext.partner.document.report"
    _description = "Balance confirmation"

    @api.model
    def _mae_partner_values(self, partner, date, company):
        return partner._mae_balance_confirmation_lines(date, company)


class ReportInterestNote(models.AbstractModel):
    _name = "report.mail_accounts_ext.report_interest_note"
    _inherit = "mail_accounts_ext.partner.document.report"
    _description = "Interest note"

    @api.model
    def _mae_nothing_to_say(self, partners, date):
        """Names the two causes: nothing overdue, or no interest rate set (the setting
        is the company's, in Invoicing)."""
        return self.env._(
            "No interest note was printed: on %(date)s no interest is due from "
            "%(partners)s (no overdue invoice, or no late-payment interest rate in the "
            "Invoicing settings). Leave them out of the selection.",
            partners=partners, date=date)

    @api.model
    def _mae_has_something_to_say(self, partner_values):
        """No note charging no interest: the overdue invoices bear interest on the date
        (some are overdue, and an interest rate is set)."""
        return dunning.has_interest(partner_values)

    @api.model
    def _mae_issue(self, partners, values):
        """When the company books interest: the journal entries of each note."""
        return {"mae_interest_moves": {
            partner.id: partner._mae_book_interest(values[partner.id]) for partner in partners
        }}

    @api.model
    def _mae_partner_values(self, partner, date, company):
        return partner._mae_interest_note_lines(date, company)
