# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools.sql import create_index
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class MailAccountSendLog(models.Model):
    """What left through an account with a sending limit, and when.

    Written by ``mail.account._reserve_sending`` only (plain SQL in a short
    transaction of its own); kept for an hour, only the last minute counts.
    """

    _name = "mail.account.send.log"
    _inherit = ["mail.account.write.guard"]
    _description = "E-mail Account Sending Log"
    _order = "sent_at desc, id desc"
    _log_access = False
    _write_guard_hint = _lt(  # pylint: disable=prefer-env-translation
        "Only sending through the account writes them.")

    account_id = fields.Many2one("mail.account", required=True, ondelete="cascade")
    sent_at = fields.Datetime(required=True)
    message_count = fields.Integer(
        string="Messages", required=True, default=1,
        help="Messages counted against the sending limit at that moment.",
    )

    def init(self):
        create_index(self.env.cr, "mail_account_send_log_account_sent_at_idx", self._table,
                     ["account_id", "sent_at"])
