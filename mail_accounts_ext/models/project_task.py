# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProjectTask(models.Model):
    _inherit = "project.task"

    def _mae_project(self):
        self.ensure_one()
        return self.project_id
