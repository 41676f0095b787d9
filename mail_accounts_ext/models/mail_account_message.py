# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An e-mail of the mailbox: its fields, search, write and deletion rules.

What users do with it is ``mail_account_message_actions.py``; what the sync stores
(fetched mail, replies routed to documents, copies of sent mail) is
``mail_account_message_store.py``.
"""
import datetime
import logging

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import email_normalize
from odoo.tools.misc import format_date, format_datetime, format_time
from odoo.tools.sql import create_index
from odoo.tools.translate import LazyTranslate

from ..tools import parse, remote_content, search_text
from .mail_account_folder import BigInteger

_lt = LazyTranslate(__name__)

_logger = logging.getLogger(__name__)

DELETE_GROUP = "mail_accounts_ext.group_mail_accounts_ext_delete"
# What users may change directly (RPC included); everything else goes through actions.
USER_WRITABLE_FIELDS = {"is_seen", "folder_id"}
# What the search text is made of (besides attachment names).
SEARCHED_FIELDS = ("subject", "email_from", "email_to", "email_cc", "body_html")


class MailAccountMessage(models.Model):
    """One e-mail of an account's mailbox: fetched from the server, or a copy of one
    sent through the account."""

    _name = "mail.account.message"
    _inherit = ["mail.account.write.guard"]
    _description = "E-mail"
    _order = "date desc, id desc"
    _rec_name = "subject"
    _user_writable_fields = USER_WRITABLE_FIELDS
    _write_guard_hint = _lt(  # pylint: disable=prefer-env-translation
        "E-mails cannot be edited; use the mailbox actions (reply, forward, delete, "
        "mark as read) instead."
    )

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
                    "The e-mail “%(subject)s” cannot be put in the folder “%(folder)s”.",
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
