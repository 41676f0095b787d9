# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class PartnerDocumentReport(models.AbstractModel):
    """Values shared by the partner documents: the date (``data["date"]``, default today),
    the issuing company (the current one) and each partner's plain data."""

    _name = "mail_accounts_ext.partner.document.report"
    _description = "Partner document report"

    # name of the res.partner method returning a partner's data
    _mae_lines_method = None

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        partners._mae_check_accounting_access()
        date = partners._mae_report_date((data or {}).get("date"))
        company = self.env.company
        values = {
            partner.id: getattr(partner, self._mae_lines_method)(date, company)
            for partner in partners
        }
        currency_ids = {
            row["currency_id"]
            for partner_values in values.values()
            for key in ("lines", "credits", "totals")
            for row in partner_values.get(key, [])
        }
        currencies = self.env["res.currency"].browse(currency_ids)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "mae_date": date,
            "mae_values": values,
            "mae_currencies": {currency.id: currency for currency in currencies},
            "data_report_print_delay": self.env["ir.actions.report"]._mae_short_print_delay(),
        }


class ReportPaymentReminder(models.AbstractModel):
    _name = "report.mail_accounts_ext.report_payment_reminder"
    _inherit = "mail_accounts_ext.partner.document.report"
    _description = "Payment reminder"
    _mae_lines_method = "_mae_payment_reminder_lines"


class ReportBalanceConfirmation(models.AbstractModel):
    _name = "report.mail_accounts_ext.report_balance_confirmation"
    _inherit = "mail_accounts_ext.partner.document.report"
    _description = "Balance confirmation"
    _mae_lines_method = "_mae_balance_confirmation_lines"


class ReportInterestNote(models.AbstractModel):
    _name = "report.mail_accounts_ext.report_interest_note"
    _inherit = "mail_accounts_ext.partner.document.report"
    _description = "Interest note"
    _mae_lines_method = "_mae_interest_note_lines"
