# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The signature of an account: in the mailbox composer and in chatter mail sent
through the account (``mail_thread_signature.py``), instead of the user's own.
Whoever may change the account changes it (``USER_WRITABLE_FIELDS``)."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import is_html_empty

from ..tools import compose_body


class MailAccount(models.Model):
    _inherit = "mail.account"

    signature = fields.Html(
        help="Added to new e-mails, replies and forwards written from this account, and "
        "to chatter e-mails sent through it instead of the user's own signature. "
        "Empty: chatter e-mails keep the user's signature.",
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # Personal accounts start with their owner's Odoo signature, company ones empty.
        for vals in vals_list:
            if "signature" in vals or vals.get("account_type", "personal") != "personal":
                continue
            owner = self.env["res.users"].browse(vals.get("owner_id") or self.env.uid)
            # sudo: reading the owner's own signature (an administrator may create the
            # account for someone else); only the text is copied.
            signature = owner.sudo().signature
            if not is_html_empty(signature):
                vals["signature"] = signature
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _signature_block(self):
        """The signature as the composer inserts it (empty Markup when there is none)."""
        self.ensure_one()
        if is_html_empty(self.signature):
            return Markup()
        # The signature is sanitized HTML (an Html field): kept as markup.
        return Markup(compose_body.signature_block(self.signature))  # noqa: S704
