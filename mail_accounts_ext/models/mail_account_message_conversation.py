# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Conversations of the mailbox: every e-mail belongs to one (per account, across its
folders), kept by the flows that store, change and delete e-mails.

Which conversation is plain Python (``tools/conversation.py``); here the ORM reads
what the plan needs for a whole stored chunk with a few queries and writes the result
with SQL. For the list, ``is_conversation_head`` marks the newest e-mail of each
conversation in each folder (the *Conversations* filter): it is set again with one
statement for the conversations a change touches (store, move, delete, restore,
read/unread), so the list of a 50,000-message folder stays an index walk.
"""

from textwrap import shorten

from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.tools import email_normalize, html2plaintext
from odoo.tools.sql import SQL, create_index

from ..tools import conversation as threads

# Changing these may tie an e-mail to other e-mails.
LINK_FIELDS = ("message_id", "in_reply_to", "references", "subject", "email_from",
               "email_to", "email_cc")
# Changing these changes the newest e-mail of a folder or the counts.
HEAD_FIELDS = ("folder_id", "date", "is_seen", "account_id")
SNIPPET_LENGTH = 140


class MailAccountMessage(models.Model):
    _inherit = "mail.account.message"

    conversation_id = fields.Many2one(
        "mail.account.conversation", readonly=True, copy=False,
        index="btree_not_null", ondelete="set null",
    )
    is_conversation_head = fields.Boolean(
        string="Newest of its conversation", readonly=True, copy=False, default=True,
        help="The newest e-mail of its conversation in its folder: the one the list shows "
        "for the conversation.",
    )
    conversation_count = fields.Integer(
        string="E-mails in conversation", related="conversation_id.message_count",
        help="E-mails of the conversation, in all folders.",
    )
    conversation_unread = fields.Boolean(
        string="Unread in conversation", compute="_compute_conversation_unread",
        compute_sudo=True,
    )
    conversation_message_ids = fields.Many2many(
        "mail.account.message", string="Conversation e-mails",
        compute="_compute_conversation_message_ids",
        help="The e-mails of the conversation you may read, newest first.",
    )
    snippet = fields.Char(compute="_compute_snippet")

    def init(self):
        result = super().init()
        # The Conversations list: the newest e-mails of a folder, newest first.
        create_index(self.env.cr, "mail_account_message_conversation_head_idx", self._table,
                     ["folder_id", "date DESC", "id DESC"], where="is_conversation_head")
        return result

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("conversation_id.unread_count")
    def _compute_conversation_unread(self):
        for message in self:
            message.conversation_unread = message.conversation_id.unread_count > 0

    @api.depends("conversation_id")
    @api.depends_context("uid")
    def _compute_conversation_message_ids(self):
        """As the current user: record rules leave out what they may not read."""
        conversations = self.sudo().conversation_id
        found = self.browse()
        if conversations:
            found = self.search([("conversation_id", "in", conversations.ids)],
                                order="date desc, id desc")
        by_conversation = {}
        for message in found.sudo():
            by_conversation.setdefault(message.conversation_id.id, []).append(message.id)
        for message in self:
            ids = by_conversation.get(message.sudo().conversation_id.id) or [message.id]
            message.conversation_message_ids = [fields.Command.set(ids)]

    @api.depends("body_html")
    def _compute_snippet(self):
        for message in self:
            text = " ".join(html2plaintext(message.body_html or "").split())
            message.snippet = shorten(text, SNIPPET_LENGTH, placeholder="…") if text else False

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        messages._assign_conversations(created=True)
        return messages

    def write(self, vals):
        before = self.sudo().conversation_id if any(name in vals for name in HEAD_FIELDS) \
            else None
        result = super().write(vals)
        if any(name in vals for name in LINK_FIELDS):
            self._assign_conversations()
        elif before is not None:
            (before | self.sudo().conversation_id)._refresh_counts()
        return result

    def unlink(self):
        conversations = self.sudo().conversation_id
        result = super().unlink()
        conversations._refresh_counts()
        return result

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _assign_conversations(self, created=False):
        """Put these e-mails into their conversations (new, joined or merged), with a
        few queries per account whatever their number.

        :param created: these e-mails were just created (they exist: no need to check)
        """
        messages = self.sudo() if created else self.sudo().exists()
        if not messages:
            return
        # the SQL below sets conversation_id and is_conversation_head: a value of them
        # still waiting in the cache would overwrite it (the other fields are read from
        # the cache, or flushed by _refresh_counts)
        messages.flush_recordset(["conversation_id", "is_conversation_head"])
        touched = self.env["mail.account.conversation"].sudo()
        for account, of_account in messages.grouped("account_id").items():
            touched |= of_account._assign_account_conversations(account)
        # the conversations the e-mails are in now: merged ones are not among them
        touched._refresh_counts()

    def _assign_account_conversations(self, account):
        cr = self.env.cr
        Conversation = self.env["mail.account.conversation"].sudo()
        own = [email_normalize(account.email) or ""]
        planned = [threads.Message(
            key=message.id,
            ids=tuple(threads.link_ids(message.message_id, message.in_reply_to,
                                       message.references)),
            subject=threads.subject_key(message.subject),
            participants=threads.participants(message.email_from, message.email_to,
                                              message.email_cc, exclude=own),
            date=message.date or fields.Datetime.now(),
            conversation=message.conversation_id.id or None,
        ) for message in self]
        known = self._known_conversations(account, planned)
        groups = threads.plan(planned, known)
        new = [group for group in groups if group.conversation is None]
        created = Conversation.create([{
            "account_id": account.id, "subject_key": group.subject,
            "participants": _participants_text(group.participants),
        } for group in new])
        for group, record in zip(new, created, strict=True):
            group.conversation = record.id
        merged = [cid for group in groups for cid in group.merged]
        if merged:
            target = {cid: group.conversation for group in groups for cid in group.merged}
            execute_values(cr._obj, """
                UPDATE mail_account_message m SET conversation_id = v.target
                  FROM (VALUES %s) AS v(old, target) WHERE m.conversation_id = v.old""",
                list(target.items()))
            execute_values(cr._obj, """
                UPDATE mail_account_conversation_ref r SET conversation_id = v.target
                  FROM (VALUES %s) AS v(old, target) WHERE r.conversation_id = v.old""",
                list(target.items()))
            cr.execute(SQL("DELETE FROM mail_account_conversation WHERE id = ANY(%s)",
                           merged))
        execute_values(cr._obj, """
            UPDATE mail_account_message m SET conversation_id = v.cid
              FROM (VALUES %s) AS v(id, cid)
             WHERE m.id = v.id AND m.conversation_id IS DISTINCT FROM v.cid""",
            [(key, group.conversation) for group in groups for key in group.keys])
        refs = {(ref, group.conversation) for group in groups for ref in group.ids}
        if refs:
            execute_values(cr._obj, """
                INSERT INTO mail_account_conversation_ref (account_id, ref, conversation_id)
                VALUES %s ON CONFLICT (account_id, ref) DO NOTHING""",
                [(account.id, ref, cid) for ref, cid in sorted(refs)])
        new_ids = set(created.ids)
        self._merge_participants([group for group in groups
                                  if group.conversation not in new_ids])
        self.invalidate_model(["conversation_id"])
        return Conversation.browse([group.conversation for group in groups])

    @api.model
    def _known_conversations(self, account, planned):
        """What is stored of the links and subjects of ``planned`` (two queries)."""
        cr = self.env.cr
        known = threads.Known()
        ids = sorted({ref for message in planned for ref in message.ids})
        if ids:
            cr.execute(SQL(
                """SELECT ref, conversation_id FROM mail_account_conversation_ref
                    WHERE account_id = %s AND ref = ANY(%s)""", account.id, ids))
            known.by_id = dict(cr.fetchall())
        subjects = sorted({message.subject for message in planned if message.subject})
        if subjects:
            window = threads.SUBJECT_WINDOW
            dates = [message.date for message in planned]
            cr.execute(SQL(
                """SELECT id, subject_key, participants, date_first, date_last
                     FROM mail_account_conversation
                    WHERE account_id = %s AND subject_key = ANY(%s)
                      AND date_last >= %s AND date_first <= %s""",
                account.id, subjects, min(dates) - window, max(dates) + window))
            for cid, subject, people, first, last in cr.fetchall():
                known.by_subject.setdefault(subject, []).append(threads.Candidate(
                    cid, frozenset((people or "").split()), first, last))
        return known

    def _merge_participants(self, groups):
        """Each touched conversation keeps the union of its participants (capped);
        ``groups``: those joining a stored conversation (a new one has them already)."""
        if not groups:
            return
        cr = self.env.cr
        cr.execute(SQL("SELECT id, participants FROM mail_account_conversation "
                       "WHERE id = ANY(%s)", [group.conversation for group in groups]))
        stored = {cid: set((text or "").split()) for cid, text in cr.fetchall()}
        values = []
        for group in groups:
            people = stored.get(group.conversation, set())
            merged = people | set(group.participants)
            if merged != people and len(people) < threads.MAX_PARTICIPANTS:
                values.append((group.conversation, _participants_text(merged)))
        if values:
            execute_values(cr._obj, """
                UPDATE mail_account_conversation c SET participants = v.people
                  FROM (VALUES %s) AS v(id, people) WHERE c.id = v.id""", values)
        self.env["mail.account.conversation"].invalidate_model(["participants"])


def _participants_text(addresses):
    return "\n".join(sorted(addresses)[:threads.MAX_PARTICIPANTS]) or False

