# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class Base(models.AbstractModel):
    """What every document answers to the sender rule (as mail's own ``base`` helpers,
    e.g. ``_mail_get_companies``): the sender rule applies to records of any model."""

    _inherit = "base"

    def _mae_project(self):
        """The project whose default sender account applies to this document.

        None by default; ``project.project`` (itself) and ``project.task`` (its
        project) override it. See readme/DEVELOP.md to add other documents.

        :returns: ``project.project`` record, possibly empty
        """
        self.ensure_one()
        return self.env["project.project"]
