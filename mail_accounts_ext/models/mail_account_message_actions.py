# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What users do with an e-mail of the mailbox: read, delete and restore, show remote
content, reply and forward, link it to a document, send it again."""

from textwrap import shorten

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.safe_eval import safe_eval

from ..tools import remote_content
from .mail_account_message import DELETE_GROUP


class MailAccountMessage(models.Model):
    _inherit = "mail.account.message"

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_mark_read(self):
        self.check_access("write")
        self.filtered(lambda message: not message.is_seen).write({"is_seen": True})

    def action_mark_unread(self):
        self.check_access("write")
        self.filtered("is_seen").write({"is_seen": False})

    def mark_as_opened(self):
        """The reading view opened these e-mails: unread ones become read.

        Readers who may not change the e-mails (other operators' accounts) leave them
        as they are. Returns whether anything changed.
        """
        unread = self.filtered(lambda message: not message.is_seen)
        if not unread or not unread.has_access("write"):
            return False
        unread.write({"is_seen": True})
        return True

    def action_delete(self):
        """Delete: to Deleted Items; from Deleted Items: for good (with the right).

        Returns the ``mail_account_message_deleted`` client action: a notification
        (with *Undo* for e-mails moved to Deleted Items), then the view reloads; the
        reading view handles the answer itself (back to the list or the next e-mail).
        """
        self.check_access("write")
        subject = shorten(self[:1].display_name or "", 60, placeholder="…")
        in_trash = self.filtered(lambda message: message.folder_id.role == "trash")
        if in_trash:
            in_trash._check_permanent_delete()
        moved = self - in_trash
        accounts = self.account_id
        moved._move_to_trash()
        count = len(in_trash)
        in_trash.unlink()
        accounts._push_changes_quietly()
        if moved:
            message = self.env._("%(count)s e-mails moved to Deleted Items.", count=len(moved)) \
                if len(moved) > 1 else self.env._("“%(subject)s” moved to Deleted Items.",
                                                  subject=subject)
        else:
            message = self.env._("%(count)s e-mails deleted for good.", count=count) \
                if count > 1 else self.env._("“%(subject)s” deleted for good.", subject=subject)
        return {
            "type": "ir.actions.client",
            "tag": "mail_account_message_deleted",
            "params": {"message": message, "restore_ids": moved.ids},
        }

    def get_body_with_remote_content(self):
        """*Show* in the reading view: the body with its remote content, this time."""
        self.ensure_one()
        self.check_access("read")
        return Markup(remote_content.clean_body(self.body_html or "", block_remote=False).html)

    def action_allow_remote_content(self):
        """*Always show for <sender>*: the current user's allow list gets the sender."""
        self.ensure_one()
        self.check_access("read")
        if not self.sender_email:
            raise UserError(self.env._("This e-mail has no sender address to allow."))
        self.env["mail.account.remote.sender"]._allow(self.sender_email)
        self.invalidate_model(["body_view", "remote_content_blocked"])
        return True

    def action_restore(self):
        """Put e-mails of Deleted Items back where they were (else in the Inbox)."""
        self.check_access("write")
        for message in self.filtered(lambda m: m.folder_id.role == "trash"):
            target = message.origin_folder_id
            if not target or target.account_id != message.account_id:
                target = message.account_id._mailbox_folder("inbox")
            message.write({"folder_id": target.id})
        self.sudo().write({"origin_folder_id": False})
        self.account_id._push_changes_quietly()

    def action_reply(self):
        return self._action_compose("reply")

    def action_reply_all(self):
        return self._action_compose("reply_all")

    def action_forward(self):
        return self._action_compose("forward")

    def action_edit_draft(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Only drafts can be edited."))
        return self._action_compose("draft")

    def action_link_document(self):
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Link to a document"),
            "res_model": "mail.account.link",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def action_open_document(self):
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def action_retry(self):
        """Send a failed e-mail again."""
        self.check_access("write")
        for message in self.filtered(lambda m: m.state == "exception"):
            mail = message.sudo().mail_mail_id
            if not mail:
                raise UserError(self.env._(
                    "The e-mail “%(subject)s” cannot be sent again; write it again with "
                    "Forward.", subject=message.display_name))
            message.sudo().write({"state": "outgoing", "failure_reason": False})
            mail.write({"state": "outgoing", "failure_reason": False, "failure_type": False})
            mail.send_after_commit()

    def action_fetch_now(self):
        """Fetch the mail of every account the user may use (mailbox button)."""
        accounts = self.env["mail.account"]._mailbox_accounts()
        if not accounts:
            raise UserError(self.env._(
                "You have no e-mail account yet: add one under E-mail > Accounts > "
                "My e-mail accounts."))
        action = accounts.action_fetch_now()
        # The mailbox list reloads itself (keeping its folder and search) and its counts.
        action["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return action

    def action_compose(self):
        """Write a new e-mail (mailbox button; the selection does not matter)."""
        return self.browse()._action_compose("new")

    @api.model
    def action_open_mailbox(self):
        """The Mailbox menu: the messages, the default account's Inbox selected."""
        account = self.env["mail.account"]._default_account()
        return self._action_mailbox(folder=account._existing_folder("inbox"))

    # ------------------------------------------------------------------
    # HELPERS OF THE ACTIONS
    # ------------------------------------------------------------------
    @api.model
    def _action_mailbox(self, folder=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mail_accounts_ext.mail_account_message_action")
        if folder:
            context = safe_eval(action.get("context") or "{}")
            action["context"] = dict(context, searchpanel_default_folder_id=folder.id)
        return action

    def _action_compose(self, mode):
        if self:
            self.ensure_one()
            self.check_access("read")
        return self.env["mail.account.compose"]._action_open(mode, message=self)

    def _check_permanent_delete(self):
        """Deleting for good: only from Deleted Items, only with the right."""
        outside = self.filtered(lambda message: message.folder_id.role != "trash")
        if outside:
            raise UserError(self.env._(
                "E-mails are deleted for good only from Deleted Items. Use Delete to move "
                "“%(subject)s” to Deleted Items first.", subject=outside[0].display_name,
            ))
        if self and not self.env.user.has_group(DELETE_GROUP):
            raise AccessError(self.env._(
                "You may move e-mails to Deleted Items, but deleting them for good needs the "
                "\"Right to permanently delete e-mails\". Ask your administrator."
            ))

    def _move_to_trash(self):
        for account, messages in self.grouped("account_id").items():
            trash = account._mailbox_folder("trash")
            messages._remember_origin()
            messages.write({"folder_id": trash.id})

    def _remember_origin(self):
        """Before a move to Deleted Items: each e-mail keeps its folder, for *Restore*."""
        for folder, in_folder in self.grouped("folder_id").items():
            in_folder.sudo().write({"origin_folder_id": folder.id})

    def _remember_deletions(self, force_server_delete=False):
        """Keep the server identity of these messages before they are deleted."""
        values = []
        for message in self:
            account = message.account_id
            delete = force_server_delete or account.delete_on_server
            if account.incoming_protocol == "pop3":
                if message.pop_uidl:
                    values.append({"account_id": account.id, "pop_uidl": message.pop_uidl,
                                   "message_id": message.message_id,
                                   "delete_on_server": delete})
            elif message.server_folder_id and (message.imap_uid or message.message_id):
                values.append({"account_id": account.id,
                               "folder_id": message.server_folder_id.id,
                               "imap_uid": message.imap_uid or False,
                               "message_id": message.message_id,
                               "delete_on_server": delete})
        if values:
            self.env["mail.account.deletion"].sudo().create(values)
