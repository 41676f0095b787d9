# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import datetime
import logging
import re
from textwrap import shorten

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import email_normalize, plaintext2html
from odoo.tools.misc import format_date, format_datetime, format_time
from odoo.tools.sql import SQL, create_index

from ..tools import parse, remote_content, search_text
from .mail_account_folder import BigInteger

_logger = logging.getLogger(__name__)

DELETE_GROUP = "mail_accounts_ext.group_mail_accounts_ext_delete"
# What users may change directly (RPC included); everything else goes through actions.
USER_WRITABLE_FIELDS = {"is_seen", "folder_id"}
# Attachment types a browser could run: always served as downloads.
ACTIVE_MIMETYPE_RE = re.compile(r"html|xml|javascript|ecmascript|svg", re.I)
CID_RE = re.compile(r"""(src\s*=\s*["'])cid:([^"']+)(["'])""", re.I)
STATE_BY_ROLE = {"sent": "sent", "drafts": "draft"}
# What the search text is made of (besides attachment names).
SEARCHED_FIELDS = ("subject", "email_from", "email_to", "email_cc", "body_html")
# What a re-decoding of the original e-mail may repair (see _apply_refetched).
REDECODED_FIELDS = ("subject", "email_from", "email_to", "email_cc", "reply_to")


def _replace_cids(html, urls):
    """Point ``src="cid:..."`` of inline images to their stored attachments."""
    return CID_RE.sub(
        lambda m: m.group(1) + urls.get(m.group(2), "cid:" + m.group(2)) + m.group(3), html)


class MailAccountMessage(models.Model):
    _name = "mail.account.message"
    _inherit = ["mail.account.write.guard"]
    _description = "E-mail"
    _order = "date desc, id desc"
    _rec_name = "subject"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------
    account_id = fields.Many2one(
        "mail.account", string="E-mail Account", required=True, ondelete="cascade",
        readonly=True,
    )
    folder_id = fields.Many2one(
        "mail.account.folder", required=True, ondelete="cascade", index=True,
        domain="[('account_id', '=', account_id), ('role', '!=', 'account')]",
    )
    folder_role = fields.Selection(related="folder_id.role", string="Folder role")
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    state = fields.Selection(
        [("received", "Received"), ("draft", "Draft"), ("outgoing", "Sending"),
         ("sent", "Sent"), ("exception", "Not sent")],
        default="received", required=True, readonly=True,
    )
    message_id = fields.Char(string="Message-Id", readonly=True, copy=False)
    subject = fields.Char(readonly=True)
    email_from = fields.Char(string="From", readonly=True)
    email_to = fields.Char(string="To", readonly=True)
    email_cc = fields.Char(string="Cc", readonly=True)
    email_bcc = fields.Char(string="Bcc", readonly=True)
    reply_to = fields.Char(string="Reply-To", readonly=True)
    date = fields.Datetime(readonly=True, default=fields.Datetime.now)
    in_reply_to = fields.Char(string="In-Reply-To", readonly=True)
    references = fields.Text(readonly=True)
    body_html = fields.Html(string="Body", readonly=True, sanitize_style=True)
    body_view = fields.Html(
        string="Text", compute="_compute_body_view", sanitize=False,
        help="The body as shown: remote images and styles blocked unless the sender is in "
        "your list of senders allowed to show remote content.",
    )
    remote_content_blocked = fields.Boolean(
        compute="_compute_body_view",
        help="The body refers to images or styles on other servers, which were not loaded.",
    )
    sender_email = fields.Char(compute="_compute_sender_email")
    search_text = fields.Text(
        readonly=True, copy=False, prefetch=False,
        help="Sender, recipients, subject, attachment names and body text, normalised for "
        "searching (lower case, no diacritics); indexed by trigrams.",
    )
    text_search = fields.Char(
        string="Anywhere", compute="_compute_text_search", search="_search_text_search",
        help="Searches sender, recipients, subject, text and attachment names, without "
        "minding case or diacritics.",
    )
    is_from_me = fields.Boolean(
        string="From me", compute="_compute_text_search", search="_search_is_from_me")
    is_to_me = fields.Boolean(
        string="To me", compute="_compute_text_search", search="_search_is_to_me")
    invitation_summary = fields.Char(readonly=True)
    invitation_start = fields.Datetime(readonly=True)
    invitation_end = fields.Datetime(readonly=True)
    invitation_all_day = fields.Boolean(readonly=True)
    invitation_location = fields.Char(readonly=True)
    invitation_line = fields.Char(string="Invitation", compute="_compute_invitation_line")
    size = fields.Integer(readonly=True)
    is_seen = fields.Boolean(string="Read", help="Read e-mails are shown in normal type.")
    has_attachments = fields.Boolean(readonly=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Attachments", compute="_compute_attachment_ids",
    )
    parse_problems = fields.Text(
        readonly=True, help="What could not be read in the original e-mail.",
    )
    parent_id = fields.Many2one(
        "mail.account.message", string="In answer to", ondelete="set null", readonly=True,
        index="btree_not_null",
    )
    origin_folder_id = fields.Many2one(
        "mail.account.folder", string="Deleted from", ondelete="set null", readonly=True,
    )
    res_model = fields.Char(string="Document Model", readonly=True, index="btree_not_null")
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", readonly=True,
    )
    document_name = fields.Char(string="Linked document", compute="_compute_document_name")
    mail_mail_id = fields.Many2one(
        "mail.mail", string="Outgoing e-mail", ondelete="set null", readonly=True,
        index="btree_not_null",
    )
    failure_reason = fields.Text(readonly=True)
    # Server side (see tools/imap_sync and tools/pop3_fetch).
    server_folder_id = fields.Many2one(
        "mail.account.folder", string="Server folder", ondelete="set null", readonly=True,
        help="IMAP: the folder holding the server copy (differs from the folder while a "
        "move waits for the next sync).",
    )
    imap_uid = BigInteger(string="IMAP UID", readonly=True, copy=False)
    pop_uidl = fields.Char(string="POP3 UIDL", readonly=True, copy=False)
    seen_dirty = fields.Boolean(readonly=True, copy=False)
    refetch_pending = fields.Boolean(
        readonly=True, copy=False,
        help="Subject, names and attachment names are read again from the server copy at "
        "the next sync (e-mails stored before folded headers were decoded correctly).",
    )
    needs_upload = fields.Boolean(readonly=True, copy=False)
    upload_raw = fields.Binary(attachment=True, readonly=True, copy=False)

    # ------------------------------------------------------------------
    # DEFAULTS, INDEXES
    # ------------------------------------------------------------------
    def init(self):
        cr, table = self.env.cr, self._table
        create_index(cr, "mail_account_message_account_folder_date_idx", table,
                     ["account_id", "folder_id", "date DESC", "id DESC"])
        create_index(cr, "mail_account_message_server_uid_idx", table,
                     ["server_folder_id", "imap_uid"], where="imap_uid > 0")
        create_index(cr, "mail_account_message_folder_msgid_idx", table,
                     ["folder_id", "message_id"])
        create_index(cr, "mail_account_message_account_uidl_idx", table,
                     ["account_id", "pop_uidl"], where="pop_uidl IS NOT NULL")
        create_index(cr, "mail_account_message_unread_idx", table, ["folder_id"],
                     where="NOT is_seen")
        create_index(cr, "mail_account_message_pending_idx", table, ["account_id"],
                     where="seen_dirty OR needs_upload OR server_folder_id != folder_id")
        create_index(cr, "mail_account_message_refetch_idx", table, ["server_folder_id"],
                     where="refetch_pending")
        # The list's order: with a search that matches most e-mails, PostgreSQL walks
        # the newest first and stops at the page instead of sorting every match.
        create_index(cr, "mail_account_message_date_idx", table, ["date DESC", "id DESC"])
        self._init_search_index()

    def _init_search_index(self):
        """The trigram index of the search text (PostgreSQL's pg_trgm extension).

        ``index="trigram"`` on the field would need the extension before the registry
        loads; the addon creates it (a trusted extension: the database owner may) and
        the index here. Without the extension, searching works, unindexed.
        """
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg2.Error as error:
            _logger.info("pg_trgm unavailable, the mailbox search is not indexed: %s", error)
            return
        create_index(cr, "mail_account_message_search_text_idx", self._table,
                     ["search_text gin_trgm_ops"], method="gin")

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    def _compute_attachment_ids(self):
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)], order="id")
        by_message = {}
        for attachment in attachments:
            by_message.setdefault(attachment.res_id, []).append(attachment.id)
        for message in self:
            message.attachment_ids = [fields.Command.set(by_message.get(message.id, []))]

    @api.depends("res_model", "res_id")
    def _compute_document_name(self):
        self.document_name = False
        for model, messages in self.filtered("res_id").grouped("res_model").items():
            if model not in self.env:
                continue
            records = self.env[model].browse(messages.mapped("res_id")).exists()
            readable = records._filtered_access("read")
            for message in messages:
                record = records.browse(message.res_id)
                if record in readable:
                    message.document_name = record.display_name
                elif record in records:
                    message.document_name = self.env._("(a document you may not see)")

    @api.depends("body_html", "email_from")
    @api.depends_context("uid")
    def _compute_body_view(self):
        allowed = self.env["mail.account.remote.sender"]._allowed(self.mapped("sender_email"))
        for message in self:
            cleaned = remote_content.clean_body(
                message.body_html or "", block_remote=message.sender_email not in allowed)
            message.body_view = Markup(cleaned.html)
            message.remote_content_blocked = bool(cleaned.blocked)

    @api.depends("email_from")
    def _compute_sender_email(self):
        for message in self:
            addresses = parse.address_list(message.email_from)
            message.sender_email = email_normalize(addresses[0]) if addresses else False

    def _compute_text_search(self):
        self.text_search = False
        self.is_from_me = False
        self.is_to_me = False

    def _search_text_search(self, operator, value):
        """Every word of ``value`` (or "quoted phrase") somewhere in the search text."""
        if operator not in ("ilike", "like", "not ilike", "not like", "=", "!="):
            raise UserError(self.env._("This search is not supported."))
        terms = search_text.query_terms(value if isinstance(value, str) else "")
        if not terms:
            return expression.TRUE_DOMAIN
        domain = expression.AND([[("search_text", "=like", search_text.like_pattern(term))]
                                 for term in terms])
        return ["!", *domain] if operator in ("not ilike", "not like", "!=") else domain

    def _my_addresses(self):
        """The current user's address and those of the accounts they use."""
        emails = {self.env.user.email_normalized}
        emails |= set(self.env["mail.account"]._mailbox_accounts().mapped(
            lambda account: email_normalize(account.email)))
        return sorted(email for email in emails if email)

    def _search_is_from_me(self, operator, value):
        return self._search_my_addresses(["email_from"], operator, value)

    def _search_is_to_me(self, operator, value):
        return self._search_my_addresses(["email_to", "email_cc", "email_bcc"], operator, value)

    def _search_my_addresses(self, field_names, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("This search is not supported."))
        domain = expression.OR([[(name, "ilike", address)]
                                for address in self._my_addresses() for name in field_names])
        domain = domain or expression.FALSE_DOMAIN
        positive = (operator == "=") == bool(value)
        return domain if positive else ["!", *domain]

    @api.depends("invitation_summary", "invitation_start", "invitation_end",
                 "invitation_all_day", "invitation_location")
    @api.depends_context("lang", "tz", "uid")
    def _compute_invitation_line(self):
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        for message in self:
            if not (message.invitation_summary or message.invitation_start):
                message.invitation_line = False
                continue
            start, end = message.invitation_start, message.invitation_end
            if not start:
                when_start = when_end = ""
            elif message.invitation_all_day:
                when_start = format_date(self.env, start.date())
                last_day = end and (end - datetime.timedelta(days=1)).date()  # DTEND excluded
                when_end = format_date(self.env, last_day) if last_day and \
                    last_day > start.date() else ""
            else:
                when_start = format_datetime(self.env, start, tz=tz, dt_format="short")
                when_end = ""
                if end and end != start:
                    same_day = fields.Datetime.context_timestamp(message, start).date() == \
                        fields.Datetime.context_timestamp(message, end).date()
                    when_end = format_time(self.env, end, tz=tz, time_format="short") \
                        if same_day else format_datetime(self.env, end, tz=tz, dt_format="short")
            when = self.env._("%(start)s–%(end)s", start=when_start, end=when_end) \
                if when_end else when_start
            parts = [part for part in (message.invitation_summary, when,
                                       message.invitation_location) if part]
            message.invitation_line = self.env._("Invitation: %(details)s",
                                                 details=", ".join(parts))

    @api.depends("subject")
    def _compute_display_name(self):
        for message in self:
            message.display_name = message.subject or self.env._("(no subject)")

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------
    @api.constrains("folder_id", "account_id")
    def _check_folder_account(self):
        for message in self:
            if message.folder_id.account_id != message.account_id or \
                    message.folder_id.role == "account":
                raise UserError(self.env._(
                    "The e-mail %(subject)s cannot be put in the folder %(folder)s.",
                    subject=message.display_name, folder=message.folder_id.display_name,
                ))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """The folder panel asks for ``folder_id child_of <folder>``: resolved to the
        folders' ids here (a user has a few dozen), so that PostgreSQL plans with its
        statistics of ``folder_id`` instead of guessing the size of a ``parent_path``
        join (it guessed a few hundred e-mails for a folder of 100,000, and sorted every
        match of a common word instead of walking the newest first: 250 ms, now 1 ms)."""
        if domain and any(isinstance(leaf, (list, tuple)) and len(leaf) == 3 and
                          leaf[0] == "folder_id" and leaf[1] == "child_of" for leaf in domain):
            Folder = self.env["mail.account.folder"]
            domain = [
                ("folder_id", "in", Folder.search([("id", "child_of", leaf[2])]).ids)
                if isinstance(leaf, (list, tuple)) and len(leaf) == 3 and
                leaf[0] == "folder_id" and leaf[1] == "child_of" else leaf
                for leaf in domain
            ]
        return super()._search(domain, offset=offset, limit=limit, order=order)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "search_text" not in vals:
                vals["search_text"] = search_text.document(
                    **{name: vals.get(name) or "" for name in SEARCHED_FIELDS})
        return super().create(vals_list)

    def write(self, vals):
        counted = ("is_seen" in vals or "folder_id" in vals) and self.folder_id
        result = super().write(vals)
        if "is_seen" in vals and "seen_dirty" not in vals:
            self.sudo().write({"seen_dirty": True})  # the next sync pushes the flag
        if counted:
            (counted | self.folder_id)._update_counts()
        if "search_text" not in vals and any(name in vals for name in SEARCHED_FIELDS):
            self._update_search_text()
        return result

    @api.model
    def _user_writable_fields(self):
        return USER_WRITABLE_FIELDS

    @api.model
    def _write_guard_hint(self):
        return self.env._(
            "E-mails cannot be edited; use the mailbox actions (reply, forward, delete, "
            "mark as read) instead."
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_outside_deleted_items(self):
        if not self.env.su:
            self._check_permanent_delete()

    def unlink(self):
        folders = self.sudo().folder_id
        accounts = self.env["mail.account"]
        if not self.env.su:
            # A user deletes for good: remember the server copies (kept or to delete) so
            # that no sync brings them back. The sync itself unlinks as superuser.
            self._check_permanent_delete()
            self.sudo()._remember_deletions()
            accounts = self.sudo().account_id
        result = super().unlink()
        folders._update_counts()
        accounts._push_changes_quietly()
        return result

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
                    "The e-mail %(subject)s cannot be sent again; write it again with "
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
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    @api.model
    def search_panel_select_range(self, field_name, **kwargs):
        """The folder panel counts *unread* e-mails, one number per folder.

        Core counts the records of each value matching the current search; a mailbox
        shows what is unread in each folder (stored on the folder, kept current by every
        change), and for an account the unread e-mails of its Inbox and other folders.
        """
        if field_name != "folder_id" or not kwargs.get("enable_counters"):
            return super().search_panel_select_range(field_name, **kwargs)
        result = super().search_panel_select_range(
            field_name, **dict(kwargs, enable_counters=False))
        values = result.get("values")
        if values:
            folders = self.env["mail.account.folder"].browse([value["id"] for value in values])
            folders.fetch(["unread_count", "role", "account_id"])
            for value, folder in zip(values, folders, strict=True):
                value["__count"] = folder.account_id.unread_count \
                    if folder.role == "account" else folder.unread_count
        return result

    @api.model
    def _action_mailbox(self, folder=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mail_accounts_ext.mail_account_message_action")
        if folder:
            action["context"] = {"searchpanel_default_folder_id": folder.id}
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
                "%(subject)s to Deleted Items first.", subject=outside[0].display_name,
            ))
        if self and not self.env.user.has_group(DELETE_GROUP):
            raise AccessError(self.env._(
                "You may move e-mails to Deleted Items, but deleting them for good needs the "
                "\"Right to permanently delete e-mails\". Ask your administrator."
            ))

    def _move_to_trash(self):
        for account, messages in self.grouped("account_id").items():
            trash = account._mailbox_folder("trash")
            for folder, in_folder in messages.grouped("folder_id").items():
                in_folder.sudo().write({"origin_folder_id": folder.id})
            messages.write({"folder_id": trash.id})

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

    # -- storing fetched mail -------------------------------------------------
    @api.model
    def _values_from_parsed(self, account, folder, parsed, **extra):
        body = parsed.body if parsed.body_is_html else plaintext2html(parsed.body or "")
        values = {
            "account_id": account.id,
            "folder_id": folder.id,
            "state": STATE_BY_ROLE.get(folder.role, "received"),
            "message_id": parsed.message_id,
            "subject": parsed.subject,
            "email_from": parsed.email_from,
            "email_to": parsed.email_to,
            "email_cc": parsed.email_cc,
            "reply_to": parsed.reply_to,
            "date": parsed.date or fields.Datetime.now(),
            "in_reply_to": parsed.in_reply_to,
            "references": parsed.references,
            "body_html": body,
            "size": parsed.size,
            "has_attachments": any(not a.inline for a in parsed.attachments),
            "parse_problems": "\n".join(parsed.problems[:20]) or False,
            **self._invitation_values(parsed),
        }
        values["search_text"] = search_text.document(
            attachment_names=[a.filename for a in parsed.attachments if not a.inline],
            **{name: values[name] or "" for name in SEARCHED_FIELDS})
        values.update(extra)
        return values

    @api.model
    def _invitation_values(self, parsed):
        invitation = parsed.invitations[0] if parsed.invitations else None
        if invitation is None:
            return dict.fromkeys(("invitation_summary", "invitation_start", "invitation_end",
                                  "invitation_all_day", "invitation_location"), False)

        def as_datetime(value):
            if isinstance(value, datetime.datetime):
                return value
            if isinstance(value, datetime.date):
                return datetime.datetime.combine(value, datetime.time())
            return False

        return {
            "invitation_summary": invitation.summary[:500] or False,
            "invitation_start": as_datetime(invitation.start),
            "invitation_end": as_datetime(invitation.end),
            "invitation_all_day": invitation.all_day,
            "invitation_location": invitation.location[:500] or False,
        }

    def _update_search_text(self):
        """Store the search text of these messages again (attachment names included)."""
        messages = self.sudo().exists()
        if not messages:
            return
        names = {}
        for attachment in self.env["ir.attachment"].sudo().search_fetch(
                [("res_model", "=", self._name), ("res_id", "in", messages.ids)],
                ["res_id", "name"], order="id"):
            names.setdefault(attachment.res_id, []).append(attachment.name)
        for message in messages:
            message.write({"search_text": search_text.document(
                attachment_names=names.get(message.id, ()),
                **{name: message[name] or "" for name in SEARCHED_FIELDS})})

    @api.model
    def _apply_refetched_batch(self, domain, parsed_by_key, key_field):
        """The sync downloaded e-mails marked ``refetch_pending`` again: decode them
        again (``parsed_by_key``: {UID or UIDL: parsed}); those whose server copy is
        gone keep what they have and are no longer marked."""
        for message in self.sudo().search(domain + [("refetch_pending", "=", True)]):
            parsed = parsed_by_key.get(message[key_field])
            if parsed is None:
                message.write({"refetch_pending": False})
            else:
                message._apply_refetched(parsed)

    def _apply_refetched(self, parsed):
        """Decode subject, names and attachment names again from the original e-mail
        (downloaded again: ``parsed``), e.g. after the decoding of folded headers was
        fixed. The body, flags and folder stay as they are."""
        self.ensure_one()
        message = self.sudo()
        values = {name: getattr(parsed, name) or False for name in REDECODED_FIELDS}
        values.update(self._invitation_values(parsed), refetch_pending=False)
        message.write({k: v for k, v in values.items() if message[k] != v})
        attachments = self.env["ir.attachment"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "=", message.id)], order="id")
        stored = list(parsed.attachments)
        if len(attachments) == len(stored):
            for attachment, part in zip(attachments, stored, strict=True):
                name = (part.filename or "attachment")[:1024]
                if attachment.name != name:
                    attachment.name = name
        message._update_search_text()

    @api.model
    def _store_fetched(self, folder, fetched, protocol):
        """Create the messages of one downloaded chunk (batch), their attachments, and
        post those answering Odoo documents to the documents' chatter.

        :param folder: the local folder (sudo)
        :param fetched: list of :class:`~..tools.imap_sync.FetchedMessage`
        :param protocol: "imap" (``uid``, server copy in ``folder``) or "pop3" (``uidl``)
        :return: the new messages
        """
        account = folder.account_id
        Message = self.sudo()
        keep = fetched
        if protocol == "pop3":
            keep = self._drop_duplicates(folder, fetched)
        values = []
        for item in keep:
            extra = {"is_seen": item.seen}
            if item.parsed.date is None and item.internal_date:
                extra["date"] = item.internal_date
            if protocol == "imap":
                extra.update(imap_uid=item.uid, server_folder_id=folder.id)
            else:
                extra["pop_uidl"] = item.uidl
            values.append(self._values_from_parsed(account, folder, item.parsed, **extra))
        messages = Message.create(values)
        messages._store_attachments([item.parsed for item in keep])
        if folder.role == "inbox":
            messages._route_to_documents([item.raw for item in keep])
        return messages

    def _drop_duplicates(self, folder, fetched):
        """POP3: one message per Message-Id in a folder; others remembered as deleted."""
        ids = [item.parsed.message_id for item in fetched]
        self.flush_model(["folder_id", "message_id"])
        self.env.cr.execute(SQL(
            "SELECT message_id FROM mail_account_message WHERE folder_id = %s "
            "AND message_id = ANY(%s)", folder.id, ids))
        known = {row[0] for row in self.env.cr.fetchall()}
        keep, skipped = [], []
        for item in fetched:
            if item.parsed.message_id in known:
                skipped.append(item)
            else:
                known.add(item.parsed.message_id)
                keep.append(item)
        if skipped:
            self.env["mail.account.deletion"].sudo().create([{
                "account_id": folder.account_id.id, "pop_uidl": item.uidl,
                "message_id": item.parsed.message_id, "delete_on_server": False,
            } for item in skipped])
        return keep

    def _store_attachments(self, parsed_list):
        """Attachments of freshly created messages (same order as ``parsed_list``)."""
        values, inline = [], {}
        for message, parsed in zip(self, parsed_list, strict=True):
            for attachment in parsed.attachments:
                mimetype = attachment.mimetype or "application/octet-stream"
                if ACTIVE_MIMETYPE_RE.search(mimetype):
                    mimetype = "application/octet-stream"
                values.append({
                    "name": (attachment.filename or "attachment")[:1024],
                    "raw": attachment.content,
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": message.id,
                })
                if attachment.content_id and "cid:" in (parsed.body or ""):
                    inline.setdefault(message.id, []).append(
                        (attachment.content_id, len(values) - 1))
        if not values:
            return
        attachments = self.env["ir.attachment"].sudo().create(values)
        if any(not message.search_text for message in self):
            self._update_search_text()
        self.invalidate_recordset(["attachment_ids"])
        for message, parsed in zip(self, parsed_list, strict=True):
            if message.id not in inline:
                continue
            urls = {cid: f"/web/image/{attachments[index].id}"
                    for cid, index in inline[message.id]}
            body = parsed.body if parsed.body_is_html else message.body_html
            message.sudo().body_html = _replace_cids(body, urls)

    # -- replies routed to documents ---------------------------------------------
    def _routing_candidates(self):
        """The messages that may answer Odoo mail or reach a document alias (cheap)."""
        references, addresses = {}, {}
        for message in self:
            references[message.id] = set(parse.referenced_ids(message.references,
                                                              message.in_reply_to))
            addresses[message.id] = set(parse.address_list(
                ", ".join(filter(None, [message.email_to, message.email_cc]))))
        all_refs = set().union(*references.values()) if references else set()
        known_refs = set()
        if all_refs:
            known_refs = set(self.env["mail.message"].sudo().search_fetch(
                [("message_id", "in", list(all_refs)), ("model", "!=", False),
                 ("res_id", "!=", 0)], ["message_id"]).mapped("message_id"))
        all_addresses = set().union(*addresses.values()) if addresses else set()
        alias_full, alias_local = set(), set()
        if all_addresses:
            locals_ = {address.split("@")[0] for address in all_addresses}
            aliases = self.env["mail.alias"].sudo().search_fetch(
                ["|", ("alias_full_name", "in", list(all_addresses)),
                 "&", ("alias_name", "in", list(locals_)), ("alias_incoming_local", "=", True)],
                ["alias_full_name", "alias_name", "alias_incoming_local"])
            alias_full = set(aliases.mapped("alias_full_name"))
            alias_local = set(aliases.filtered("alias_incoming_local").mapped("alias_name"))
        return self.filtered(lambda m: references[m.id] & known_refs or any(
            address in alias_full or address.split("@")[0] in alias_local
            for address in addresses[m.id]))

    def _route_to_documents(self, raws):
        """Let Odoo's mail gateway post answers to documents; link what it posted.

        Each message is processed in a savepoint: a message without route (``ValueError``)
        or with a failing route simply stays in the mailbox.
        """
        raw_by_id = dict(zip(self.ids, raws, strict=True))
        candidates = self._routing_candidates()
        if not candidates:
            return
        MailThread = self.env["mail.thread"].sudo()
        for message in candidates:
            try:
                with self.env.cr.savepoint():
                    MailThread.message_process(False, raw_by_id[message.id])
            except ValueError as error:
                _logger.debug("mailbox message %s not routed: %s", message.id, error)
            except Exception:
                _logger.info("mailbox message %s could not be posted to a document",
                             message.id, exc_info=True)
        self._link_posted_messages(candidates)

    def _link_posted_messages(self, messages):
        posted = self.env["mail.message"].sudo().search_fetch(
            [("message_id", "in", messages.mapped("message_id")), ("model", "!=", False),
             ("res_id", "!=", 0)], ["message_id", "model", "res_id"], order="id")
        by_id = {record.message_id: record for record in posted}
        for message in messages:
            record = by_id.get(message.message_id)
            if record:
                message.sudo().write({"res_model": record.model, "res_id": record.res_id})

    def _post_to_document(self, record):
        """Post this e-mail (with its attachments) on ``record``'s chatter and link it."""
        self.ensure_one()
        already = self.env["mail.message"].sudo().search_count([
            ("message_id", "=", self.message_id), ("model", "=", record._name),
            ("res_id", "=", record.id)])
        if not already:
            partners = record._mail_find_partner_from_emails([self.email_from], records=record)
            author = partners[0] if partners else self.env["res.partner"]
            attachments = [(a.name, a.raw, {"mimetype": a.mimetype})
                           for a in self.sudo().attachment_ids]
            record.message_post(
                body=self.body_html, subject=self.subject, message_type="email",
                subtype_xmlid="mail.mt_comment", email_from=self.email_from,
                author_id=author.id or False, attachments=attachments,
                message_id=self.message_id if not self._message_id_taken() else False,
            )
        self.sudo().write({"res_model": record._name, "res_id": record.id})

    def _message_id_taken(self):
        return bool(self.message_id) and bool(self.env["mail.message"].sudo().search_count(
            [("message_id", "=", self.message_id)]))

    # -- sent mail ----------------------------------------------------------------
    @api.model
    def _register_sent(self, account, raw, message_id):
        """An e-mail left through ``account``'s SMTP server: keep it in Sent.

        Mail composed in the mailbox is already there (state Sending); mail sent from a
        document gets a copy linked to the document. IMAP accounts also append the
        copy to the server's Sent folder (``mail.mail.send`` pushes it).
        """
        Message = self.sudo()
        record = Message.search([("account_id", "=", account.id),
                                 ("message_id", "=", message_id)], limit=1)
        if record and record.state == "sent":
            return record  # several recipients, one copy
        values = {"state": "sent", "failure_reason": False, "date": fields.Datetime.now(),
                  "is_seen": True, "seen_dirty": False}
        if account.incoming_protocol == "imap" and account.save_sent_copy:
            values.update(needs_upload=True, upload_raw=base64.b64encode(raw))
        if not record:
            parsed = parse.parse_message(raw)
            sent = account._mailbox_folder("sent")
            record = Message.create(self._values_from_parsed(account, sent, parsed, **values))
            record._store_attachments([parsed])
            record._link_posted_messages(record)
        else:
            sent = account._mailbox_folder("sent")
            values.update(folder_id=sent.id, server_folder_id=False, imap_uid=False)
            record.write(values)
        return record
