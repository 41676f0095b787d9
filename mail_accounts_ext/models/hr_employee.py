# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    def _mae_report_lang(self):
        """Language of the employee's documents: theirs, else their company's."""
        self.ensure_one()
        return self.sudo().lang or self.company_id.partner_id.lang or self.env.lang
