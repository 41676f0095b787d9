# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize


class MailAccountRemoteSender(models.Model):
    """A sender whose e-mails a user reads with their remote content (images, styles).

    The mailbox blocks remote content by default (a remote image tells its server
    that and when the e-mail was read); *Always show for <sender>* adds the sender
    here. Each user has their own list: record rules let users see, add and remove
    only their own entries; entries are never changed (no write access).
    """

    _name = "mail.account.remote.sender"
    _description = "Sender allowed to show remote content"
    _order = "email, id"
    _rec_name = "email"

    user_id = fields.Many2one(
        "res.users", required=True, index=True, ondelete="cascade",
        default=lambda self: self.env.user, readonly=True,
    )
    email = fields.Char(
        string="Sender", required=True, readonly=True,
        help="E-mails from this address are shown with their remote content.",
    )

    _sql_constraints = [
        ("user_email_uniq", "UNIQUE(user_id, email)",
         "This sender is already allowed to show remote content."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            email = email_normalize(vals.get("email") or "")
            if not email:
                raise UserError(self.env._(
                    "%(value)s is not an e-mail address.", value=vals.get("email") or ""))
            vals["email"] = email
        return super().create(vals_list)

    @api.model
    def _allowed(self, emails):
        """The addresses among ``emails`` whose remote content the current user shows."""
        emails = {email for email in emails if email}
        if not emails:
            return set()
        return set(self.search_fetch(
            [("user_id", "=", self.env.uid), ("email", "in", list(emails))], ["email"],
        ).mapped("email"))

    @api.model
    def _allow(self, email):
        """Add ``email`` to the current user's list (once)."""
        email = email_normalize(email or "")
        if email and not self._allowed([email]):
            self.create({"email": email})
        return email
