# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The mailbox of an account: who may use it, its folders, fetching and pushing changes.

The conversation with the servers is ``tools/imap_sync.py`` and ``tools/pop3_fetch.py``;
they read and write the ORM through the stores of ``mail_account_store.py``.
"""

import contextlib
import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import SQL

from ..tools import errors, imap_sync, oauth, pop3_fetch
from .mail_account_store import ImapOrmStore, Pop3OrmStore
from .transaction import unit_of_work

_logger = logging.getLogger(__name__)

CRON_BUDGET = 240  # seconds per cron run; the cron runs again at once for the rest
# pg_try_advisory_lock(FETCH_LOCK, account id): one fetch per account at a time, held
# across the commits of a long fetch (session lock).
FETCH_LOCK = 0x4D414531
FOLDER_LABELS = {"inbox": "Inbox", "drafts": "Drafts", "sent": "Sent", "trash": "Deleted Items",
                 "junk": "Junk"}


class MailAccount(models.Model):
    _inherit = "mail.account"

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_fetch_now(self):
        """Fetch the mail of these accounts now; a notification says how it went."""
        accounts = self._check_may_use()
        results = accounts._fetch_mail()
        lines, failed = [], False
        for account in accounts:
            result = results[account.id]
            failed = failed or result["ok"] is False
            lines.append(self.env._("%(account)s: %(result)s", account=account.name,
                                    result=result["message"]))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "danger" if failed else "success",
                "title": self.env._("Fetching e-mail failed") if failed
                else self.env._("E-mail fetched"),
                "message": "\n".join(lines),
                "sticky": failed,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_open_mailbox(self):
        self.ensure_one()
        self.check_access("read")
        return self.env["mail.account.message"]._action_mailbox(
            folder=self._existing_folder("inbox") or self._existing_folder("account"))

    @api.model
    def _cron_fetch_mail(self):
        """Fetch every account in use, the least recently fetched first.

        Each account is fetched on its own (its chunks committed as they come); a
        failing account records its error and the others go on. After CRON_BUDGET
        seconds the cron reports the remaining accounts and Odoo runs it again.
        """
        self._cron_fetch_accounts(self.sudo().search(
            [("state", "in", ("tested", "in_use"))],
            order="last_fetch_date ASC NULLS FIRST, id"))

    @api.model
    def _cron_fetch_accounts(self, accounts):
        """Fetch ``accounts`` in their order within CRON_BUDGET seconds; report the
        progress to the running cron, which runs again at once for the rest."""
        deadline = time.monotonic() + CRON_BUDGET
        done = 0
        for account in accounts:
            if time.monotonic() > deadline:
                break
            account._fetch_mail()
            done += 1
        self.env["ir.cron"]._notify_progress(done=done, remaining=len(accounts) - done)

    # ------------------------------------------------------------------
    # WHO MAY USE AN ACCOUNT
    # ------------------------------------------------------------------
    def _may_use(self, user=None):
        """Owner, listed users, company users of a shared account (and administrators)."""
        self.ensure_one()
        user = user or self.env.user
        return user.has_group("base.group_system") or self._may_be_used_by(user)

    def _check_may_use(self):
        self.check_access("read")
        for account in self:
            if not account.active:
                raise UserError(self.env._(
                    "The e-mail account %(account)s is archived: it neither fetches nor "
                    "sends. Restore it (Action > Unarchive) to use it again.",
                    account=account.name))
            if not account._may_use():
                raise UserError(self.env._(
                    "You may read the e-mails of %(account)s but not use the account.",
                    account=account.name))
        return self

    @api.model
    def _mailbox_accounts(self):
        """The active accounts whose mailbox the current user may read and write."""
        return self.search([("active", "=", True)]).filtered(lambda a: a._may_use())

    @api.model
    def _default_account(self):
        """The mailbox opened first: the sender rule's account, else the first one."""
        usable = self._mailbox_accounts()
        return (self._resolve_sender(None) & usable) or usable[:1]

    # ------------------------------------------------------------------
    # FOLDERS
    # ------------------------------------------------------------------
    def _root_folder(self):
        """The account's top folder in the mailbox (kept in Odoo only)."""
        self.ensure_one()
        Folder = self.env["mail.account.folder"].sudo()
        root = Folder.search([("account_id", "=", self.id), ("role", "=", "account")], limit=1)
        return root or Folder.create({"account_id": self.id, "role": "account",
                                      "name": self.sudo().email, "is_local": True})

    def _existing_folder(self, role):
        """The folder of ``role`` if the account has one (no server contact)."""
        if not self:
            return self.env["mail.account.folder"]
        self.ensure_one()
        return self.env["mail.account.folder"].sudo().search(
            [("account_id", "=", self.id), ("role", "=", role)], order="is_local, id", limit=1)

    def _mailbox_folder(self, role):
        """The folder of ``role`` (inbox, drafts, sent, trash, junk), created if needed.

        POP3 accounts keep their folders in Odoo; IMAP accounts use the server's, which
        are listed (and created on the server when missing) the first time.
        """
        self.ensure_one()
        Folder = self.env["mail.account.folder"].sudo()
        domain = [("account_id", "=", self.id), ("role", "=", role)]
        folder = Folder.search(domain, order="is_local, id", limit=1)
        if folder:
            return folder
        if self.incoming_protocol == "imap":
            self._imap_refresh_folders()
            folder = Folder.search(domain, order="is_local, id", limit=1)
            if folder:
                return folder
        return Folder.create({
            "account_id": self.id, "role": role, "is_local": True,
            "name": FOLDER_LABELS.get(role, role), "parent_id": self._root_folder().id,
        })

    def _imap_refresh_folders(self):
        """List the server's folders now (creating Sent, Drafts, Deleted Items if missing)."""
        self.ensure_one()
        account = self.sudo()
        try:
            with account._imap_session() as conn:
                folders = imap_sync.list_folders(conn)
                folders = imap_sync.ensure_folders(conn, folders, ("sent", "drafts", "trash"),
                                                   imap_sync.SyncReport())
        except Exception as error:
            raise UserError(account._fetch_error_text(error)) from error
        # in the caller's transaction (e.g. a user writing a draft): no commit
        ImapOrmStore(account, commit=False).update_folders(folders)

    # ------------------------------------------------------------------
    # FETCHING
    # ------------------------------------------------------------------
    def _fetch_error_text(self, error):
        account = self.sudo()
        explanation = errors.explain(error, protocol=account.incoming_protocol,
                                     host=account.incoming_host, port=account.incoming_port)
        return self._explain_text(explanation)

    @contextlib.contextmanager
    def _fetch_lock(self):
        """Yield True when no other fetch of this account runs (PostgreSQL session lock)."""
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", FETCH_LOCK, self.id))
        locked = cr.fetchone()[0]
        try:
            yield locked
        finally:
            if locked:
                cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", FETCH_LOCK, self.id))

    def _fetch_mail(self):
        """Fetch (POP3) or synchronise (IMAP) each account; failures are recorded.

        :return: {account id: {"ok": True/False/None (skipped), "message": text,
            "report": the sync's report or None}}
        """
        results = {}
        for account in self.sudo():
            results[account.id] = account._fetch_one()
        return results

    def _fetch_one(self):
        self.ensure_one()
        with self._fetch_lock() as locked:
            if not locked:
                return {"ok": None, "report": None,
                        "message": self.env._("A fetch of this account is already running.")}
            try:  # the stores commit what they write, chunk by chunk (units of work)
                if self.incoming_protocol == "imap":
                    report = self._sync_imap()
                    message = self.env._(
                        "%(count)s new e-mails; %(folders)s folders synchronised.",
                        count=report.fetched, folders=len(report.folders))
                    if report.problems:
                        message += " " + self.env._(
                            "The server refused some operations (they are tried again at the "
                            "next fetch): %(problems)s", problems="; ".join(report.problems[:3]))
                else:
                    report = self._fetch_pop3()
                    message = self.env._("%(count)s new e-mails.", count=report.fetched)
                    if report.remaining:
                        message += " " + self.env._(
                            "%(count)s more come with the next fetches.", count=report.remaining)
            except Exception as error:  # noqa: BLE001 - recorded on the account
                # the failing unit of work was rolled back; earlier ones stay committed
                text = self._fetch_error_text(error)
                # an account waiting for its user to sign in again is a state the
                # account shows, not a fault of the code: no traceback in the log
                _logger.info("fetching e-mail account %s failed: %s", self.id, text,
                             exc_info=not isinstance(error, oauth.SignInNeeded))
                with unit_of_work(self.env):
                    self._mark_fetched(False, text)
                return {"ok": False, "message": text, "report": None}
            with unit_of_work(self.env):
                self._mark_fetched(True, message)
            return {"ok": True, "message": message, "report": report}

    def _mark_fetched(self, ok, message):
        """Record a fetch/sync result; the first successful one locks the protocol."""
        values = {"last_fetch_date": fields.Datetime.now(), "last_fetch_ok": ok,
                  "last_fetch_message": message}
        for account in self:
            account.write(dict(values, protocol_locked=account.protocol_locked or ok))

    def _sync_options(self):
        return imap_sync.SyncOptions(since_days=self.sync_days,
                                     max_messages=self.sync_max_messages)

    def _sync_imap(self):
        """Two-way sync with the IMAP server; returns the :class:`SyncReport`."""
        with self._imap_session() as conn:
            return imap_sync.synchronize(conn, ImapOrmStore(self), self._sync_options())

    def _fetch_pop3(self):
        """Download the POP3 Inbox; returns the :class:`FetchReport`."""
        with self._pop3_session() as conn:
            return pop3_fetch.fetch(conn, Pop3OrmStore(self),
                                    max_messages=self.sync_max_messages)

    # ------------------------------------------------------------------
    # PUSHING LOCAL CHANGES
    # ------------------------------------------------------------------
    def _has_pending_changes(self):
        self.ensure_one()
        Message = self.env["mail.account.message"]
        Message.flush_model()
        self.env["mail.account.deletion"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT EXISTS(SELECT 1 FROM mail_account_message WHERE account_id = %(id)s
                   AND (seen_dirty OR needs_upload OR server_folder_id != folder_id))
                   OR EXISTS(SELECT 1 FROM mail_account_deletion WHERE account_id = %(id)s
                   AND delete_on_server)""", id=self.id))
        return self.env.cr.fetchone()[0]

    def _push_changes_quietly(self, commit=False):
        """Push local changes of IMAP accounts now; on any problem the next sync does it.

        :param commit: commit each change as soon as the server has it (a unit of work
            each), before the account's fetch lock is released, so that no other worker
            pushes the same changes again; else the caller's transaction keeps them
        """
        for account in self.sudo():
            if account.incoming_protocol != "imap" or account.state not in ("tested", "in_use") \
                    or not account._has_pending_changes():
                continue
            with account._fetch_lock() as locked:
                if not locked:
                    continue
                # committing: each change pushed is a unit of work of its own; else the
                # push is a savepoint of the caller's transaction
                scope = contextlib.nullcontext() if commit else self.env.cr.savepoint()
                try:
                    with scope, account._imap_session() as conn:
                        imap_sync.push_changes(conn, ImapOrmStore(account, commit=commit))
                except Exception:  # noqa: BLE001 - the next sync pushes what is left
                    _logger.info("e-mail account %s: changes left for the next sync",
                                 account.id, exc_info=True)
