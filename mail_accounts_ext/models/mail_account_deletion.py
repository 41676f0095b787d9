# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools.sql import create_index
from odoo.tools.translate import LazyTranslate

from .mail_account_folder import BigInteger

_lt = LazyTranslate(__name__)


class MailAccountDeletion(models.Model):
    """The server identity of an e-mail deleted for good in Odoo.

    A sync must not download it again; when ``delete_on_server`` is set, the next
    sync deletes the server copy (IMAP expunge, POP3 DELE) and then this record.
    Records whose server copy disappeared are dropped by the sync.
    Only the sync code (sudo) reads and writes these records.
    """

    _name = "mail.account.deletion"
    _inherit = ["mail.account.write.guard"]
    _description = "Deleted e-mail (server reference)"
    _order = "id"
    _write_guard_hint = _lt(  # pylint: disable=prefer-env-translation
        "Only the synchronisation with the mail server writes them.")

    account_id = fields.Many2one("mail.account", required=True, ondelete="cascade", index=True)
    folder_id = fields.Many2one(
        "mail.account.folder", ondelete="cascade",
        help="IMAP: the server folder holding the copy.",
    )
    imap_uid = BigInteger()
    pop_uidl = fields.Char()
    message_id = fields.Char()
    delete_on_server = fields.Boolean()

    def init(self):
        create_index(self.env.cr, "mail_account_deletion_folder_uid_idx", self._table,
                     ["folder_id", "imap_uid"])
        create_index(self.env.cr, "mail_account_deletion_account_uidl_idx", self._table,
                     ["account_id", "pop_uidl"], where="pop_uidl IS NOT NULL")
