# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

ROLE_SEQUENCE = {"account": 0, "inbox": 1, "drafts": 2, "sent": 3, "junk": 4, "trash": 5,
                 "other": 10}


class BigInteger(fields.Integer):
    """An integer stored as ``int8``: IMAP UIDs, UIDVALIDITY and MODSEQ exceed ``int4``.

    As for ``Integer``, 0 (or NULL) means "none": UIDs start at 1.
    """

    column_type = ("int8", "int8")


class MailAccountFolder(models.Model):
    _name = "mail.account.folder"
    _inherit = ["mail.account.write.guard"]
    _description = "E-mail Folder"
    # Archived accounts (kept after Change protocol) come last in the folder panel.
    _order = "account_active desc, account_id, sequence, name, id"
    _parent_store = True
    _write_guard_hint = _lt(  # pylint: disable=prefer-env-translation
        "Folders follow the mail server: they change with each fetch.")

    name = fields.Char(required=True, help="The folder's full name on the server.")
    account_id = fields.Many2one(
        "mail.account", string="E-mail Account", required=True, ondelete="cascade", index=True,
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    account_active = fields.Boolean(related="account_id.active", store=True)
    role = fields.Selection(
        [("account", "Account"), ("inbox", "Inbox"), ("drafts", "Drafts"), ("sent", "Sent"),
         ("junk", "Junk"), ("trash", "Deleted Items"), ("other", "Other")],
        required=True, default="other",
        help="What the folder is for. Deleted Items is the folder deleted e-mails go to; "
        "deleting an e-mail there deletes it for good.",
    )
    sequence = fields.Integer(compute="_compute_sequence", store=True)
    parent_id = fields.Many2one("mail.account.folder", ondelete="cascade", index=True)
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("mail.account.folder", "parent_id")
    server_name = fields.Char(
        readonly=True, help="The name IMAP commands use (modified UTF-7). Empty: a folder "
        "kept in Odoo only.",
    )
    delimiter = fields.Char(readonly=True)
    is_local = fields.Boolean(
        readonly=True, help="Kept in Odoo only (POP3 accounts, the account's top folder).",
    )
    message_count = fields.Integer(string="Number of e-mails", readonly=True)
    unread_count = fields.Integer(string="Unread", readonly=True)
    message_ids = fields.One2many("mail.account.message", "folder_id", string="E-mails")
    # IMAP state between two syncs (see tools/imap_sync.FolderState).
    uidvalidity = BigInteger(readonly=True, copy=False)
    uidnext = BigInteger(readonly=True, copy=False)
    exists_count = BigInteger(readonly=True, copy=False)
    highestmodseq = BigInteger(readonly=True, copy=False)
    last_uid = BigInteger(readonly=True, copy=False)
    sync_from_uid = BigInteger(
        readonly=True, copy=False,
        help="Lowest server UID mirrored: older mail was left on the server by the first "
        "sync (see the account's first sync limits).",
    )
    last_sync_date = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        ("server_name_uniq", "UNIQUE(account_id, server_name)",
         "An account cannot have two folders with the same server name."),
    ]

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("role")
    def _compute_sequence(self):
        for folder in self:
            folder.sequence = ROLE_SEQUENCE.get(folder.role, 10)

    @api.depends("name", "role", "parent_id", "account_id.name", "account_id.active")
    def _compute_display_name(self):
        labels = dict(self._fields["role"]._description_selection(self.env))
        for folder in self:
            if folder.role == "account":
                label = folder.account_id.name or folder.name
                if not folder.account_active:
                    label = self.env._("%(account)s (archived)", account=label)
            elif folder.role != "other":
                label = labels[folder.role]
            else:
                label = folder.name or ""
                parent = folder.parent_id
                prefix = (parent.name or "") + (folder.delimiter or "/")
                if parent and parent.role == "other" and label.startswith(prefix):
                    label = label[len(prefix):]
            folder.display_name = label

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _update_counts(self):
        """Store the number of e-mails and unread e-mails of these folders (one query)."""
        folders = self.sudo().exists()
        if not folders:
            return
        Message = self.env["mail.account.message"].sudo()
        Message.flush_model(["folder_id", "is_seen"])
        counts = defaultdict(lambda: [0, 0])
        for folder, seen, count in Message._read_group(
            [("folder_id", "in", folders.ids)], ["folder_id", "is_seen"], ["__count"]
        ):
            counts[folder.id][0] += count
            if not seen:
                counts[folder.id][1] += count
        for folder in folders:
            total, unread = counts[folder.id]
            if (folder.message_count, folder.unread_count) != (total, unread):
                folder.write({"message_count": total, "unread_count": unread})

    def _imap_state(self):
        """This folder's :class:`~..tools.imap_sync.FolderState` values as a dict."""
        self.ensure_one()
        return {
            "uidvalidity": self.uidvalidity or 0,
            "uidnext": self.uidnext or 0,
            "exists": self.exists_count or 0,
            "highestmodseq": self.highestmodseq or 0,
            "last_uid": self.last_uid or 0,
            "sync_from_uid": self.sync_from_uid or 0,
        }

    def _save_imap_state(self, state):
        self.ensure_one()
        self.sudo().write({
            "uidvalidity": state.uidvalidity,
            "uidnext": state.uidnext,
            "exists_count": state.exists,
            "highestmodseq": state.highestmodseq,
            "last_uid": state.last_uid,
            "sync_from_uid": state.sync_from_uid,
            "last_sync_date": fields.Datetime.now(),
        })
