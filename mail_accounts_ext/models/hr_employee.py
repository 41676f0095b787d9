# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    def _mae_report_lang(self):
        """Language of the employee's documents: theirs, else their company's."""
        self.ensure_one()
        return self.sudo().lang or self.company_id.partner_id.lang or self.env.lang

    def _mae_has_document(self, report_code, date=None, company=None):
        """Same signature as ``res.partner._mae_has_document``: employee documents
        (``mail_accounts_ext.report_employee_declaration`` and any other ``hr.employee``
        report) always have something to print."""
        self.ensure_one()
        return True
