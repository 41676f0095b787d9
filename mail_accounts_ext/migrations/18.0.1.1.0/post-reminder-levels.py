# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Payment reminder levels arrive in 18.0.1.1.0: every existing company gets the default
levels (1st reminder, 2nd reminder, final notice before legal action), as new companies
and new installations do. Companies that already have levels are left alone."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    # called on no company: every company without levels (archived companies included)
    env["res.company"]._mae_create_default_reminder_levels()
