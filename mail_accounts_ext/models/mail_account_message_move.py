# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Moving e-mails of the mailbox: *Move to folder...*, *Junk* and *Not junk*.

A move changes ``folder_id``; the server copy follows at once when the server can be
reached (``mail.account._push_changes_quietly``: ``UID MOVE``, else ``COPY`` +
``\\Deleted`` + ``UID EXPUNGE``, see ``tools/imap_sync.push_moves``), else at the next
sync, which finds the e-mails whose ``server_folder_id`` differs from their folder.
POP3 accounts have no folders on the server: their folders, Junk included, are kept
in Odoo only, and a move changes nothing on the server.
"""

from textwrap import shorten

from odoo import models
from odoo.exceptions import UserError


class MailAccountMessage(models.Model):
    _inherit = "mail.account.message"

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_move_to_folder(self):
        """*Move to folder...*: the wizard to pick a folder of the e-mails' account."""
        self.check_access("write")
        self._move_account()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Move to folder"),
            "res_model": "mail.account.message.move",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def action_mark_junk(self):
        """*Junk*: to the account's Junk folder (the server's ``\\Junk`` folder)."""
        self.check_access("write")
        junk = self._move_account()._junk_folder()
        return self._move_to_folder(junk)

    def action_mark_not_junk(self):
        """*Not junk*: e-mails of the Junk folder back to the Inbox."""
        self.check_access("write")
        account = self._move_account()
        in_junk = self.filtered(lambda message: message.folder_id.role == "junk")
        if not in_junk:
            raise UserError(self.env._(
                "None of the selected e-mails is in Junk: there is nothing to put back in "
                "the Inbox."))
        return in_junk._move_to_folder(account._mailbox_folder("inbox"))

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _move_account(self):
        """The one account of these e-mails; moves never mix accounts."""
        accounts = self.account_id
        if not self:
            raise UserError(self.env._("Select the e-mails to move first."))
        if len(accounts) > 1:
            raise UserError(self.env._(
                "The selected e-mails belong to several accounts (%(accounts)s). An e-mail "
                "moves only to a folder of its own account: select the e-mails of one "
                "account at a time.",
                accounts=", ".join(accounts.sudo().mapped("name"))))
        return accounts

    def _move_to_folder(self, folder):
        """Move these e-mails (of one account) to ``folder`` and push the server copies.

        To Deleted Items the e-mails remember where they were (*Restore*), as with
        *Delete*; out of it they forget it. Returns a notification for the web client.
        """
        self.check_access("write")
        account = self._move_account()
        folder = folder.sudo()
        if not folder or folder.account_id != account or folder.role == "account":
            raise UserError(self.env._(
                "The e-mails of %(account)s can only be moved to a folder of that account.",
                account=account.sudo().name))
        moving = self.filtered(lambda message: message.folder_id != folder)
        if folder.role == "trash":
            moving._remember_origin()
        else:
            moving.filtered("origin_folder_id").sudo().write({"origin_folder_id": False})
        # folder_id is what users may write (RPC included): the same rules apply
        moving.write({"folder_id": folder.id})
        account._push_changes_quietly()
        label = folder.with_env(self.env).display_name
        if len(self) == 1:
            message = self.env._("“%(subject)s” moved to %(folder)s.",
                                 subject=shorten(self.display_name or "", 60, placeholder="…"),
                                 folder=label)
        else:
            message = self.env._("%(count)s e-mails moved to %(folder)s.",
                                 count=len(self), folder=label)
        # a notification, then the list reloads its rows and counts (the form its record)
        return {
            "type": "ir.actions.client",
            "tag": "mail_account_message_moved",
            "params": {"message": message},
        }


class MailAccount(models.Model):
    _inherit = "mail.account"

    def _junk_folder(self):
        """The account's Junk folder.

        IMAP: the server's folder marked ``\\Junk`` (or named Junk, Spam...), listed
        again from the server when none is known yet; a server without one is said so
        (creating folders on the user's server is left to the user). POP3: the Junk
        folder kept in Odoo, created on first use.
        """
        self.ensure_one()
        if self.incoming_protocol != "imap":
            return self._mailbox_folder("junk")
        domain = [("account_id", "=", self.id), ("role", "=", "junk"),
                  ("server_name", "!=", False)]
        Folder = self.env["mail.account.folder"].sudo()
        folder = Folder.search(domain, limit=1)
        if not folder:
            self._imap_refresh_folders()
            folder = Folder.search(domain, limit=1)
        if not folder:
            raise UserError(self.env._(
                "The mail server of %(account)s has no Junk folder (no folder marked as junk "
                "and none named Junk or Spam). Create a folder named Junk on the server (in "
                "your webmail or another mail program), then try again, or use Move to "
                "folder.", account=self.sudo().name))
        return folder
