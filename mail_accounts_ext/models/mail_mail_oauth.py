# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Mail of an account whose sign-in is needed waits: not failed, not sent elsewhere,
not counted as a failed try; it leaves after *Sign in again*
(``mail.account._oauth_release_waiting_mail``)."""

from datetime import timedelta

from odoo import fields, models

from ..tools import oauth

# Waiting mail is looked at again after this long even without a sign-in (the queue
# then finds the account still waiting); a sign-in releases it at once.
SIGN_IN_WAIT = timedelta(hours=6)


class MailMail(models.Model):
    _inherit = "mail.mail"

    mae_waiting_sign_in = fields.Boolean(
        string="Waiting for a Sign-in", readonly=True, copy=False,
        help="The e-mail waits until its account's owner signs in again; the sign-in "
        "releases it (and only it: e-mails held by the sending limit keep their time).",
    )

    def _mae_waits_for_sign_in(self, account, error=None):
        """Keep this mail waiting when ``account`` needs a sign-in (its status, or
        ``error``: the refusal met while connecting). Returns whether it waits."""
        self.ensure_one()
        account = account.sudo()
        if not self._mae_sign_in_blocks(account, error):
            if self.mae_waiting_sign_in:  # its turn came: any later hold is another's
                self.sudo().mae_waiting_sign_in = False
            return False
        self.sudo().write({"scheduled_date": fields.Datetime.now() + SIGN_IN_WAIT,
                           "mae_waiting_sign_in": True})
        self._mae_set_reason(self.env._(
            "Waiting for a sign-in: %(account)s must be signed in again by its owner "
            "(\"Sign in again\" on the account). The e-mail leaves through this account "
            "right after; it is not sent through any other server.",
            account=account.display_name,
        ), waiting=True)
        return True

    @staticmethod
    def _mae_sign_in_blocks(account, error):
        if not account or account.auth_method != "oauth":
            return False
        if error is not None:
            return isinstance(error, oauth.SignInNeeded)
        return account.oauth_status == "needed"
