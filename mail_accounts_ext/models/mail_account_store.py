# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The ORM side of the mailbox sync: the stores ``tools/imap_sync.py`` and
``tools/pop3_fetch.py`` read and write (adapters on ``mail.account.*`` records, not models).
"""

import base64
import contextlib

from odoo.tools.sql import SQL

from ..tools import imap_sync, pop3_fetch
from .transaction import unit_of_work


class _OrmStore:
    """What the two stores share: the account, its models and the unit of work."""

    def __init__(self, account, commit=True):
        self.account = account.sudo()
        self.env = self.account.env
        self.commit = commit
        self.Message = self.env["mail.account.message"].sudo()
        self.Deletion = self.env["mail.account.deletion"].sudo()

    def _unit(self):
        """Each write of the store: a unit of work of its own (committed as soon as the
        server's side is done, so that a later failure never undoes it), or with
        ``commit=False`` part of the caller's transaction."""
        return unit_of_work(self.env) if self.commit else contextlib.nullcontext()


class ImapOrmStore(_OrmStore, imap_sync.ImapStore):
    """``imap_sync.ImapStore`` on the ORM: folders, messages and deletions of an account."""

    def __init__(self, account, commit=True):
        super().__init__(account, commit=commit)
        self.Folder = self.env["mail.account.folder"].sudo()
        self._by_name = None

    def _folders(self):
        if self._by_name is None:
            folders = self.Folder.search([("account_id", "=", self.account.id),
                                          ("server_name", "!=", False)])
            self._by_name = {folder.server_name: folder for folder in folders}
        return self._by_name

    def _folder(self, server_name):
        return self._folders()[server_name]

    def _query(self, query):
        self.Message.flush_model()
        self.Deletion.flush_model()
        self.env.cr.execute(query)
        return self.env.cr.fetchall()

    # -- folders ---------------------------------------------------------------
    def update_folders(self, folders):
        with self._unit():
            self._update_folders(folders)

    def _update_folders(self, folders):
        existing = self.Folder.search([("account_id", "=", self.account.id),
                                       ("server_name", "!=", False)])
        by_name = {folder.server_name: folder for folder in existing}
        root = self.account._root_folder()
        kept = self.Folder
        for info in folders:
            values = {"name": info.name, "role": info.role, "delimiter": info.delimiter}
            folder = by_name.get(info.server_name)
            if folder:
                changed = {k: v for k, v in values.items() if folder[k] != (v or False)}
                if changed:
                    folder.write(changed)
            else:
                folder = self.Folder.create(dict(values, account_id=self.account.id,
                                                 server_name=info.server_name,
                                                 parent_id=root.id))
                by_name[info.server_name] = folder
            kept |= folder
        by_display = {info.name: by_name[info.server_name] for info in folders}
        for info in folders:
            parent = root
            if info.delimiter and info.delimiter in info.name:
                parent = by_display.get(info.name.rsplit(info.delimiter, 1)[0], root)
            folder = by_name[info.server_name]
            if folder.parent_id != parent:
                folder.parent_id = parent
        gone = existing - kept
        if gone:
            self.Message.search([("folder_id", "in", gone.ids)]).unlink()
            gone.unlink()
        self._by_name = {name: folder for name, folder in by_name.items() if folder in kept}

    def folder_states(self):
        return {name: imap_sync.FolderState(**folder._imap_state())
                for name, folder in self._folders().items()}

    def save_state(self, folder, state):
        record = self._folder(folder)
        with self._unit():
            record._save_imap_state(state)
            record._update_counts()

    def reset_folder(self, folder, uidvalidity):
        record = self._folder(folder)
        with self._unit():
            self.Message.search([("server_folder_id", "=", record.id)]).write(
                {"imap_uid": False, "seen_dirty": False})
            self.Deletion.search([("folder_id", "=", record.id)]).write({"imap_uid": False})
            record._save_imap_state(imap_sync.FolderState(uidvalidity=uidvalidity))

    # -- reading the local side ------------------------------------------------------
    def local_uids(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid, is_seen FROM mail_account_message "
            "WHERE server_folder_id = %s AND imap_uid > 0", self._folder(folder).id))
        return {uid: bool(seen) for uid, seen in rows}

    def deleted_uids(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid FROM mail_account_deletion "
            "WHERE folder_id = %s AND imap_uid > 0", self._folder(folder).id))
        return {row[0] for row in rows}

    def unmatched_message_ids(self, folder):
        folder_id = self._folder(folder).id
        rows = self._query(SQL(
            """SELECT message_id FROM mail_account_message WHERE server_folder_id = %(f)s
                   AND COALESCE(imap_uid, 0) = 0 AND message_id IS NOT NULL
               UNION SELECT message_id FROM mail_account_deletion WHERE folder_id = %(f)s
                   AND COALESCE(imap_uid, 0) = 0 AND message_id IS NOT NULL""", f=folder_id))
        return {row[0] for row in rows}

    def adopt(self, folder, uids_by_message_id):
        record = self._folder(folder)
        ids = list(uids_by_message_id)
        with self._unit():
            for message in self.Message.search([("server_folder_id", "=", record.id),
                                                ("imap_uid", "=", False),
                                                ("message_id", "in", ids)]):
                uid, seen = uids_by_message_id[message.message_id]
                message.write({"imap_uid": uid, "is_seen": seen, "seen_dirty": False})
            for deletion in self.Deletion.search([("folder_id", "=", record.id),
                                                  ("imap_uid", "=", False),
                                                  ("message_id", "in", ids)]):
                deletion.imap_uid = uids_by_message_id[deletion.message_id][0]

    # -- writing what the server says ------------------------------------------------
    def store(self, folder, messages, state):
        record = self._folder(folder)
        with self._unit():
            self.Message._store_fetched(record, messages, "imap")
            record._save_imap_state(state)

    def set_flags(self, folder, seen_by_uid):
        record = self._folder(folder)
        with self._unit():
            for seen in (True, False):
                uids = [uid for uid, value in seen_by_uid.items() if value is seen]
                if uids:
                    self.Message.search([("server_folder_id", "=", record.id),
                                         ("imap_uid", "in", uids)]).write(
                        {"is_seen": seen, "seen_dirty": False})

    def vanished(self, folder, uids):
        record = self._folder(folder)
        with self._unit():
            self.Message.search([("server_folder_id", "=", record.id),
                                 ("imap_uid", "in", list(uids))]).unlink()
            self.Deletion.search([("folder_id", "=", record.id),
                                  ("imap_uid", "in", list(uids))]).unlink()

    # -- pushing local changes ---------------------------------------------------------
    def pending_flags(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid, is_seen FROM mail_account_message WHERE server_folder_id = %s "
            "AND seen_dirty AND imap_uid > 0", self._folder(folder).id))
        return {uid: bool(seen) for uid, seen in rows}

    def flags_pushed(self, folder, uids):
        with self._unit():
            self.Message.search([("server_folder_id", "=", self._folder(folder).id),
                                 ("imap_uid", "in", list(uids))]).write({"seen_dirty": False})

    def pending_expunges(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid FROM mail_account_deletion WHERE folder_id = %s "
            "AND delete_on_server AND imap_uid > 0", self._folder(folder).id))
        return sorted({row[0] for row in rows})

    def expunged(self, folder, uids):
        with self._unit():
            self.Deletion.search([("folder_id", "=", self._folder(folder).id),
                                  ("imap_uid", "in", list(uids))]).unlink()

    def pending_moves(self):
        rows = self._query(SQL(
            """SELECT m.id, source.server_name, m.imap_uid, target.server_name
                 FROM mail_account_message m
                 JOIN mail_account_folder source ON source.id = m.server_folder_id
                 JOIN mail_account_folder target ON target.id = m.folder_id
                WHERE m.account_id = %s AND m.imap_uid > 0
                  AND m.server_folder_id != m.folder_id
                  AND source.server_name IS NOT NULL AND target.server_name IS NOT NULL
                ORDER BY m.id""", self.account.id))
        return [imap_sync.Move(*row) for row in rows]

    def moved(self, key, target, uid):
        with self._unit():
            self.Message.browse(key).write({"server_folder_id": self._folder(target).id,
                                            "imap_uid": uid or False})

    def pending_uploads(self):
        uploads = []
        for message in self.Message.search([("account_id", "=", self.account.id),
                                            ("needs_upload", "=", True)]):
            if not message.folder_id.server_name or not message.upload_raw:
                continue
            flags = ("\\Seen", "\\Draft") if message.state == "draft" else ("\\Seen",)
            uploads.append(imap_sync.Upload(message.id, message.folder_id.server_name,
                                            base64.b64decode(message.upload_raw), flags))
        return uploads

    def uploaded(self, key, target, uid):
        with self._unit():
            self.Message.browse(key).write({
                "needs_upload": False, "upload_raw": False,
                "server_folder_id": self._folder(target).id, "imap_uid": uid or False})


    # -- decoding stored messages again ------------------------------------------------
    def pending_refetch(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid FROM mail_account_message WHERE server_folder_id = %s "
            "AND refetch_pending AND imap_uid > 0", self._folder(folder).id))
        return [row[0] for row in rows]

    def refetched(self, folder, messages, uids):
        record = self._folder(folder)
        with self._unit():
            self.Message._apply_refetched_batch(
                [("server_folder_id", "=", record.id), ("imap_uid", "in", list(uids))],
                {message.uid: message.parsed for message in messages}, "imap_uid")


class Pop3OrmStore(_OrmStore, pop3_fetch.Pop3Store):
    """``pop3_fetch.Pop3Store`` on the ORM: the account's Inbox and deletions."""

    def __init__(self, account, commit=True):
        super().__init__(account, commit=commit)
        self.inbox = self.account._mailbox_folder("inbox")

    def _uidls(self, query):
        self.Message.flush_model()
        self.Deletion.flush_model()
        self.env.cr.execute(query)
        return {row[0] for row in self.env.cr.fetchall()}

    def known_uidls(self):
        return self._uidls(SQL(
            """SELECT pop_uidl FROM mail_account_message WHERE account_id = %(a)s
                   AND pop_uidl IS NOT NULL
               UNION SELECT pop_uidl FROM mail_account_deletion WHERE account_id = %(a)s
                   AND pop_uidl IS NOT NULL""", a=self.account.id))

    def pending_deletions(self):
        return self._uidls(SQL(
            "SELECT pop_uidl FROM mail_account_deletion WHERE account_id = %s "
            "AND delete_on_server AND pop_uidl IS NOT NULL", self.account.id))

    def store(self, messages):
        with self._unit():
            self.Message._store_fetched(self.inbox, messages, "pop3")
            self.inbox._update_counts()

    def deleted_on_server(self, uidls):
        with self._unit():
            self.Deletion.search([("account_id", "=", self.account.id),
                                  ("pop_uidl", "in", list(uidls))]).unlink()

    def forget_deletions(self, current_uidls):
        with self._unit():
            self.Deletion.search([("account_id", "=", self.account.id),
                                  ("pop_uidl", "!=", False)]).filtered(
                lambda deletion: deletion.pop_uidl not in current_uidls).unlink()

    def pending_refetch(self):
        return self._uidls(SQL(
            "SELECT pop_uidl FROM mail_account_message WHERE account_id = %s "
            "AND refetch_pending AND pop_uidl IS NOT NULL", self.account.id))

    def refetched(self, messages, uidls):
        with self._unit():
            self.Message._apply_refetched_batch(
                [("account_id", "=", self.account.id), ("pop_uidl", "in", list(uidls))],
                {message.uidl: message.parsed for message in messages}, "pop_uidl")
