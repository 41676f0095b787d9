# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    mail_account_ids = fields.Many2many(
        "mail.account", compute="_compute_mail_account_ids", string="Sender Accounts",
        groups="base.group_user",
        help="E-mail accounts serving this project (set on the accounts, Projects tab).",
    )
    default_mail_account_ids = fields.Many2many(
        "mail.account", compute="_compute_mail_account_ids", string="Default Sender Accounts",
        groups="base.group_user",
        help="Whoever may use one of these accounts and writes from this project or its "
        "tasks sends from it.",
    )

    @api.depends_context("uid")
    def _compute_mail_account_ids(self):
        # Read through the accounts, with the reader's access: accounts one may not
        # see stay hidden.
        Account = self.env["mail.account"]
        for project in self:
            ids = project._origin.ids
            if not ids:
                project.mail_account_ids = project.default_mail_account_ids = Account
                continue
            project.mail_account_ids = Account.search([("project_ids", "in", ids)])
            project.default_mail_account_ids = Account.search([("default_project_ids", "in", ids)])

    def _mae_project(self):
        self.ensure_one()
        return self
