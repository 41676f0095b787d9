# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Conversations of an account's mailbox and the Message-Ids that lead to them.

Both are bookkeeping of the mailbox, written only by ``mail.account.message`` (with
SQL, in bulk, see ``mail_account_message_conversation.py``); users read what the
e-mails show of them (number of e-mails, unread), never the rows themselves.
"""

from odoo import fields, models
from odoo.tools.sql import SQL, create_index


class MailAccountConversation(models.Model):
    """The e-mails of one account that answer each other (by their references, or by
    subject and participants), across its folders."""

    _name = "mail.account.conversation"
    _inherit = ["mail.account.write.guard"]
    _description = "E-mail conversation"
    _order = "date_last desc, id desc"
    _rec_name = "subject_key"

    account_id = fields.Many2one(
        "mail.account", string="E-mail Account", required=True, ondelete="cascade",
        readonly=True, index=True,
    )
    subject_key = fields.Char(
        string="Subject", readonly=True,
        help="The subject without reply and forward prefixes or tags, in lower case.",
    )
    participants = fields.Text(
        readonly=True,
        help="Addresses taking part (the account's own left out), one per line: e-mails "
        "with the same subject join the conversation only if one of these addresses takes part.",
    )
    date_first = fields.Datetime(string="Date of first e-mail", readonly=True)
    date_last = fields.Datetime(string="Date of last e-mail", readonly=True)
    message_count = fields.Integer(string="E-mails", readonly=True)
    unread_count = fields.Integer(string="Unread e-mails", readonly=True)
    message_ids = fields.One2many("mail.account.message", "conversation_id")

    def init(self):
        create_index(self.env.cr, "mail_account_conversation_subject_idx", self._table,
                     ["account_id", "subject_key"])

    def _refresh_counts(self):
        """Counts, dates and the newest e-mail per folder of these conversations again
        (after a store, move, deletion or read/unread); empty ones go."""
        ids = self.ids
        if not ids:
            return
        cr = self.env.cr
        self.env["mail.account.message"].flush_model(
            ["conversation_id", "folder_id", "date", "is_seen"])
        # one statement (one snapshot): the counts and dates, the conversations left
        # empty, the newest e-mail of each conversation in each folder
        cr.execute(SQL("""
            WITH s AS (
                SELECT conversation_id, count(*) AS total,
                       count(*) FILTER (WHERE is_seen IS NOT TRUE) AS unread,
                       min(date) AS first, max(date) AS last
                  FROM mail_account_message WHERE conversation_id = ANY(%(ids)s)
                 GROUP BY conversation_id
            ), counted AS (
                UPDATE mail_account_conversation c
                   SET message_count = s.total, unread_count = s.unread,
                       date_first = s.first, date_last = s.last
                  FROM s WHERE c.id = s.conversation_id
            ), emptied AS (
                DELETE FROM mail_account_conversation c WHERE c.id = ANY(%(ids)s)
                   AND c.id NOT IN (SELECT conversation_id FROM s)
            )
            UPDATE mail_account_message m SET is_conversation_head = h.head
              FROM (SELECT id, row_number() OVER (
                               PARTITION BY conversation_id, folder_id
                               ORDER BY date DESC NULLS LAST, id DESC) = 1 AS head
                      FROM mail_account_message WHERE conversation_id = ANY(%(ids)s)) h
             WHERE m.id = h.id AND m.is_conversation_head IS DISTINCT FROM h.head""",
            ids=ids))
        self.invalidate_model()
        self.env["mail.account.message"].invalidate_model(
            ["is_conversation_head", "conversation_count", "conversation_unread"])


class MailAccountConversationRef(models.Model):
    """A Message-Id named by an e-mail of the conversation (its own, In-Reply-To,
    References): a later e-mail naming it joins the conversation, even when the e-mail
    with that id is not (or not yet) stored."""

    _name = "mail.account.conversation.ref"
    _inherit = ["mail.account.write.guard"]
    _description = "Message-Id of an e-mail conversation"
    _log_access = False
    _rec_name = "ref"

    account_id = fields.Many2one(
        "mail.account", string="E-mail Account", required=True, ondelete="cascade",
        readonly=True,
    )
    conversation_id = fields.Many2one(
        "mail.account.conversation", required=True, ondelete="cascade", readonly=True,
        index=True,
    )
    ref = fields.Char(string="Message-Id", required=True, readonly=True)

    _sql_constraints = [
        ("ref_unique", "UNIQUE(account_id, ref)",
         "Within an account, a Message-Id belongs to one conversation only."),
    ]
