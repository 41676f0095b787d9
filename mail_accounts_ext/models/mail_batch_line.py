# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One document of a batch: rendered, posted, e-mailed exactly once.

The state machine and why each step is committed on its own are explained in
``tools/batch.py``; this model runs it. Every step that changes the state of a line runs
in :meth:`MailBatchLine._step`: committed on success, rolled back on any exception
(in tests, where committing is forbidden, a savepoint plays the transaction). A line is
locked (``FOR UPDATE SKIP LOCKED``) and its state checked again at the start of every
step, so two workers never move the same line; the document row is locked the same way
when its chatter post and mail are created.

*Already sent* is also enforced by the database: a partial unique index allows one line
per report, document and document date in the states that hold a mail (queued, sending,
sent), unless the line was explicitly sent again.

This file holds the line, its steps and the recovery of a dead worker's lines;
``mail_batch_line_render.py`` renders, posts and queues a claimed chunk,
``mail_batch_line_send.py`` sends what is queued.
"""

import uuid

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import batch as bt
from .mail_batch import WRITE_GUARD_HINT
from .transaction import unit_of_work

STATE_SELECTION = [
    (bt.PENDING, "Pending"),
    (bt.RENDERING, "Rendering"),
    (bt.QUEUED, "Queued"),
    (bt.SENDING, "Sending"),
    (bt.SENT, "Sent"),
    (bt.FAILED, "Failed"),
    (bt.SKIPPED, "Skipped"),
]
SKIP_SELECTION = [
    (bt.NO_EMAIL, "No e-mail address"),
    (bt.INVALID_EMAIL, "Invalid e-mail address"),
    (bt.NOTHING_TO_SEND, "Nothing to send"),
    (bt.ALREADY_SENT, "Already sent"),
    (bt.NOT_APPLICABLE, "Not applicable"),
]


class MailBatchLine(models.Model):
    _name = "mail.batch.line"
    _inherit = ["mail.account.write.guard"]
    _description = "Print & E-mail Batch Line"
    _order = "batch_id desc, id"
    _rec_name = "res_name"
    _write_guard_hint = WRITE_GUARD_HINT

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------
    batch_id = fields.Many2one(
        "mail.batch", required=True, readonly=True, index=True, ondelete="cascade",
    )
    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", required=True, readonly=True, index=True,
    )
    res_name = fields.Char(string="Document", readonly=True)
    report_id = fields.Many2one(
        "ir.actions.report", required=True, readonly=True, ondelete="cascade",
    )
    document_key = fields.Char(
        required=True, readonly=True, default="-",
        help="The document date (or - for documents without date): what makes two "
        "documents of the same record different.",
    )
    send_again = fields.Boolean(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Recipient", readonly=True)
    email = fields.Char(string="E-mail", readonly=True)
    account_id = fields.Many2one(
        "mail.account", string="Sent from", readonly=True, ondelete="set null",
        help="Empty: Odoo's own outgoing mail server.",
    )
    sender_email = fields.Char(
        string="Sender Address", readonly=True,
        help="The address of the account the document is sent from (kept if the account "
        "is deleted).",
    )
    state = fields.Selection(
        STATE_SELECTION, required=True, readonly=True, default=bt.PENDING, index=True,
    )
    skip_reason = fields.Selection(SKIP_SELECTION, readonly=True)
    error = fields.Text(string="Reason", readonly=True)
    uncertain = fields.Boolean(
        string="Maybe delivered", readonly=True,
        help="The sending was interrupted after the mail server had received the whole "
        "message: it may have been delivered. Retry failed leaves such lines alone; use "
        "Send again after checking with the recipient.",
    )
    claim_token = fields.Char(readonly=True, copy=False)
    claim_date = fields.Datetime(readonly=True, copy=False)
    message_id = fields.Char(string="Message-Id", readonly=True, copy=False)
    mail_mail_id = fields.Many2one(
        "mail.mail", string="Outgoing E-mail", readonly=True, ondelete="set null",
        index="btree_not_null", groups="base.group_system",
    )
    mail_message_id = fields.Many2one(
        "mail.message", string="Chatter Message", readonly=True, ondelete="set null",
    )
    attachment_id = fields.Many2one(
        "ir.attachment", string="PDF", readonly=True, ondelete="set null",
    )
    date_sent = fields.Datetime(readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)

    _sql_constraints = [
        ("document_once_per_batch", "UNIQUE(batch_id, res_model, res_id)",
         "A document appears only once in a batch."),
        ("message_id_unique", "UNIQUE(message_id)",
         "Two batch lines cannot share a Message-Id."),
    ]

    def init(self):
        # One mail per report, document and date, unless sent again on purpose.
        self.env.cr.execute(SQL(
            """CREATE UNIQUE INDEX IF NOT EXISTS mail_batch_line_sent_once
                   ON mail_batch_line (report_id, res_model, res_id, document_key)
                WHERE state IN %s AND send_again IS NOT TRUE""",
            bt.MAIL_STATES,
        ))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        """Lines only move along the state machine of ``tools/batch.py``."""
        self._check_writable_fields(vals)  # users get the refusal, not a transition error
        if "state" in vals:
            for line in self:
                bt.check_move(line.state, vals["state"])
        return super().write(vals)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_open_document(self):
        self.ensure_one()
        record = self.env[self.res_model].browse(self.res_id)
        record.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    def action_send_again(self):
        """Send failed lines again, also those that may have been delivered."""
        self.batch_id._check_manage_access()
        lines = self.filtered(lambda line: line.state == bt.FAILED)
        if not lines:
            raise UserError(self.env._("Only failed documents can be sent again."))
        lines.sudo()._requeue()
        self.env["mail.batch"]._trigger_cron()
        return True

    # ------------------------------------------------------------------
    # STEPS (each committed on its own)
    # ------------------------------------------------------------------
    def _step(self):
        """One committed step of the state machine: a unit of work (committed when the
        block succeeds, rolled back on any exception, so a crash loses the step in
        progress and nothing else; in tests a savepoint gives the same outcome)."""
        return unit_of_work(self.env)

    def _after_step(self, step, line):
        """Called after each step of each line: "rendered" (PDF in memory), "queued"
        (mail committed), "delivered" (the server accepted it, not committed yet),
        "sent" (committed). Does nothing; a seam for monitoring, and for the tests that
        stop a worker at a given point."""

    def _lock_lines(self, states, token=None):
        """The lines (among ``self``) still in ``states`` (and claimed with ``token``),
        locked for this step; those another worker holds or moved are left out."""
        if not self:
            return self
        query = SQL(
            "SELECT id FROM mail_batch_line WHERE id IN %s AND state IN %s",
            tuple(self.ids), tuple(states),
        )
        if token:
            query = SQL("%s AND claim_token = %s", query, token)
        self.env.cr.execute(SQL("%s FOR UPDATE SKIP LOCKED", query))
        ids = {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_recordset()
        return self.filtered(lambda line: line.id in ids)

    def _lock_document(self):
        """Lock the document row (skip it if someone else holds it)."""
        self.ensure_one()
        table = self.env[self.res_model]._table
        self.env.cr.execute(SQL(
            "SELECT id FROM %s WHERE id = %s FOR UPDATE SKIP LOCKED",
            SQL.identifier(table), self.res_id,
        ))
        return bool(self.env.cr.fetchall())

    def _set_queued_once(self):
        """Move to queued unless another line already holds a mail for this document
        (the partial unique index says so); False then."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(
                    "UPDATE mail_batch_line SET state = %s WHERE id = %s",
                    bt.QUEUED, self.id,
                ), log_exceptions=False)
        except pg_errors.UniqueViolation:
            return False
        finally:
            self.invalidate_recordset(["state"])
        return True

    @api.model
    def _claim(self, limit):
        """Claim up to ``limit`` pending lines (and lines whose claim went stale)."""
        now = fields.Datetime.now()
        with self._step():
            self.env.cr.execute(SQL(
                """SELECT id FROM mail_batch_line
                    WHERE state = %s OR (state = %s AND (claim_date IS NULL OR claim_date <= %s))
                    ORDER BY batch_id, id
                    LIMIT %s
                      FOR UPDATE SKIP LOCKED""",
                bt.PENDING, bt.RENDERING, now - bt.DEFAULT_LEASE, limit,
            ))
            lines = self.browse([row[0] for row in self.env.cr.fetchall()])
            if lines:
                lines.write({"state": bt.RENDERING, "claim_date": now,
                             "claim_token": uuid.uuid4().hex})
        return lines

    def _fail(self, reason, uncertain=False):
        """Mark lines failed; their mails (if any) show the failure in the chatter."""
        self.write({"state": bt.FAILED, "error": reason, "uncertain": uncertain,
                    "claim_token": False})
        mails = self.sudo().mail_mail_id.filtered(lambda mail: mail.state != "sent")
        if mails:
            mails._mae_fail(reason)

    def _fail_claimed(self, error, token):
        """After an unexpected error: the lines of the chunk still claimed (with
        ``token``) fail with it, rather than wait for their claim to go stale only to
        fail again."""
        with self._step():
            lines = self._lock_lines([bt.RENDERING], token)
            lines._fail(self.env._("Unexpected error: %(error)s", error=error))
        return len(lines)

    def _skip(self, reason):
        self.write({"state": bt.SKIPPED, "skip_reason": reason, "claim_token": False})

    def _requeue(self):
        """Failed lines back to work: queued when their mail exists, else pending; a
        document sent in the meantime by another batch is skipped as already sent."""
        for line in self:
            mail = line.sudo().mail_mail_id
            if mail and mail.state in ("exception", "outgoing"):
                if not line._set_queued_once():
                    line.write({"error": False, "uncertain": False})
                    line._skip(bt.ALREADY_SENT)
                    mail.write({"state": "cancel"})
                    continue
                mail.write({"state": "outgoing", "failure_reason": False,
                            "failure_type": False})
                line.write({"error": False, "uncertain": False})
            else:
                line.write({"state": bt.PENDING, "error": False, "uncertain": False,
                            "claim_date": False, "claim_token": False,
                            "mail_message_id": False, "attachment_id": False})
        self.batch_id.write({"state": "in_progress", "date_done": False})

    # ------------------------------------------------------------------
    # RECOVERY
    # ------------------------------------------------------------------
    def _mail_delivered(self, mail):
        """Whether this line's document reached its recipient: its mail is sent, or
        (the mail auto-deleted once sent) the recipient's e-mail notification is."""
        self.ensure_one()
        if mail:
            return mail.state == "sent"
        return bool(self.mail_message_id and self.env["mail.notification"].sudo().search_count([
            ("mail_message_id", "=", self.mail_message_id.id),
            ("res_partner_id", "=", self.partner_id.id),
            ("notification_type", "=", "email"), ("notification_status", "=", "sent"),
        ]))

    @api.model
    def _uncertain_text(self):
        return self.env["mail.account"]._translate_template(bt.UNCERTAIN_MESSAGE, {})

    @api.model
    def _recover_stale(self):
        """Lines left in *sending* by a worker that died during the SMTP transaction.

        Once their claim is stale, the mail tells: sent, it was delivered; otherwise it
        may or may not have been, and the line fails as *maybe delivered* (never sent
        again without an explicit *Send again*).
        """
        stale = self.search([
            ("state", "=", bt.SENDING),
            ("claim_date", "<=", fields.Datetime.now() - bt.DEFAULT_LEASE),
        ])
        for line in stale:
            line = line.with_context(lang=line.batch_id._user_lang())
            with self._step():
                line = line._lock_lines([bt.SENDING])
                if not line:
                    continue
                if line._mail_delivered(line.sudo().mail_mail_id):
                    line.write({"state": bt.SENT, "date_sent": fields.Datetime.now()})
                else:
                    line._fail(self._uncertain_text(), uncertain=True)
        return len(stale)
