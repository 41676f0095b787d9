# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError


class ReportEmployeeDeclaration(models.AbstractModel):
    """Example employee document: a declaration of receipt of the work rules."""

    _name = "report.mail_accounts_ext.report_employee_declaration"
    _description = "Employee declaration"

    @api.model
    def _get_report_values(self, docids, data=None):
        if not self.env.su and not self.env.user.has_group("hr.group_hr_user"):
            raise AccessError(self.env._("Only HR officers can print employee declarations."))
        employees = self.env["hr.employee"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "hr.employee",
            "docs": employees,
            "mae_date": self.env["res.partner"]._mae_report_date((data or {}).get("date")),
            "data_report_print_delay": self.env["ir.actions.report"]._mae_short_print_delay(),
        }
