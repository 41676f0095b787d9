# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The OAuth 2.0 sign-ins in progress: system only (no access right grants anything,
see ``security/ir.model.access.csv``)."""

from odoo import fields, models


class MailAccountOAuthPending(models.TransientModel):
    """A sign-in in progress: the single-use nonce of its signed state, its PKCE
    verifier, who started it, for which account or setup wizard (``target``) and
    provider. The callback consumes it (unlinks it) whatever happens next; a newer
    sign-in of the same target replaces it. System only, as the tokens."""

    _name = "mail.account.oauth.pending"
    _description = "E-mail account: OAuth 2.0 sign-in in progress (system only)"
    _transient_max_hours = 1.0

    target = fields.Char(required=True, index=True)
    nonce = fields.Char(required=True, index=True)
    verifier = fields.Char(required=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade")
    provider = fields.Char(required=True)
    shared = fields.Boolean()
