# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The OAuth 2.0 tokens of an account, and its sign-in in progress: system only.

No access right grants anything on this model (``security/ir.model.access.csv`` has a
line with every permission off, for ``base.group_no_one``, only so that Odoo does not
warn about a model without rules): nobody reads or writes it over RPC, administrators
included. Only the superuser does, at the credentials seam of
``models/mail_account_oauth.py`` and in the callback route.
"""

from odoo import fields, models


class MailAccountOAuthToken(models.Model):
    _name = "mail.account.oauth.token"
    _description = "E-mail account: OAuth 2.0 sign-in (system only)"
    _rec_name = "account_id"

    account_id = fields.Many2one(
        "mail.account", required=True, index=True, ondelete="cascade", copy=False,
    )
    refresh_token = fields.Char(copy=False)
    access_token = fields.Char(copy=False)
    expires_at = fields.Datetime(copy=False)
    scopes = fields.Char(copy=False)
    mailbox = fields.Char(string="Signed-in Mailbox", copy=False)
    delegate = fields.Char(copy=False)

    _sql_constraints = [
        ("account_unique", "UNIQUE(account_id)", "An account has one OAuth 2.0 sign-in."),
    ]

