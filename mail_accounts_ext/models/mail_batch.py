# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A *Print & e-mail* run: its documents, their results, the background processing."""

import logging

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..tools import batch as bt

_lt = LazyTranslate(__name__)

_logger = logging.getLogger(__name__)

CRON_XMLID = "mail_accounts_ext.ir_cron_mail_batch"
DEFAULT_JOB_COUNT = 20
# Batches and their lines are written only by their actions and the runner.
WRITE_GUARD_HINT = _lt(  # pylint: disable=prefer-env-translation
    "Print & e-mail batches change through their actions (Retry failed, Send "
    "again) and their processing in the background.")


class MailBatch(models.Model):
    _name = "mail.batch"
    _description = "Print & E-mail Batch"
    _inherit = ["mail.thread", "mail.account.write.guard"]
    _order = "id desc"
    _mail_post_access = "read"
    _write_guard_hint = WRITE_GUARD_HINT

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------
    name = fields.Char(string="Reference", required=True, readonly=True, copy=False,
                       default="/")
    profile_id = fields.Many2one(
        "mail.batch.profile", required=True, readonly=True,
        ondelete="restrict", index=True,
    )
    model = fields.Char(string="Document Model", required=True, readonly=True)
    report_id = fields.Many2one(
        "ir.actions.report", required=True, readonly=True, ondelete="restrict",
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="E-mail Template", required=True, readonly=True,
        ondelete="restrict",
    )
    user_id = fields.Many2one(
        "res.users", string="Started by", required=True, readonly=True, index=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True,
        default=lambda self: self.env.company,
    )
    account_id = fields.Many2one(
        "mail.account", string="Send from", readonly=True, ondelete="restrict",
        help="Empty: automatic, the account each document would be sent from.",
    )
    document_date = fields.Date(readonly=True)
    send_again = fields.Boolean(
        readonly=True, help="Documents already sent were sent once more.",
    )
    state = fields.Selection(
        [("in_progress", "In Progress"), ("done", "Done")],
        required=True, readonly=True, default="in_progress", index=True, tracking=True,
    )
    date_done = fields.Datetime(string="Finished on", readonly=True, copy=False)
    line_ids = fields.One2many("mail.batch.line", "batch_id", string="Documents", readonly=True)
    line_count = fields.Integer(string="Number of Documents", compute="_compute_counts")
    open_count = fields.Integer(string="To Do", compute="_compute_counts")
    sent_count = fields.Integer(string="Sent", compute="_compute_counts")
    failed_count = fields.Integer(string="Failed", compute="_compute_counts")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_counts")
    progress = fields.Integer(compute="_compute_counts", help="Documents done, in percent.")

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("line_ids.state")
    def _compute_counts(self):
        groups = self.env["mail.batch.line"].sudo()._read_group(
            [("batch_id", "in", self.ids)], ["batch_id", "state"], ["__count"],
        )
        per_batch = {}
        for batch, state, count in groups:
            per_batch.setdefault(batch.id, {})[state] = count
        for batch in self:
            counts = per_batch.get(batch.id, {})
            batch.line_count = sum(counts.values())
            batch.open_count = sum(counts.get(state, 0) for state in bt.OPEN_STATES)
            batch.sent_count = counts.get(bt.SENT, 0)
            batch.failed_count = counts.get(bt.FAILED, 0)
            batch.skipped_count = counts.get(bt.SKIPPED, 0)
            batch.progress = bt.progress(counts)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("mail.batch") or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_retry_failed(self):
        """Queue the failed documents again (not those that may have been delivered)."""
        self._check_manage_access()
        lines = self.sudo().line_ids.filtered(
            lambda line: line.state == bt.FAILED and not line.uncertain)
        if not lines:
            return self._notification(self.env._("Nothing to retry"), self.env._(
                "No failed document can be retried (those that may have been delivered "
                "need Send again on the document's line)."), "warning")
        lines._requeue()
        self._trigger_cron()
        return self._notification(
            self.env._("Retrying"),
            self.env._("%(count)s document(s) will be sent again in the background.",
                       count=len(lines)), "info")

    def action_open_documents(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Documents of %(batch)s", batch=self.name),
            "res_model": self.model,
            "view_mode": "list,form",
            "domain": [("id", "in", self.line_ids.mapped("res_id"))],
        }

    def _notification(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": kind,
                       "next": {"type": "ir.actions.client", "tag": "soft_reload"}},
        }

    # ------------------------------------------------------------------
    # ACCESS AND SENDER
    # ------------------------------------------------------------------
    def _check_manage_access(self):
        """Only the user who started a batch, a manager of its profile or an
        administrator may act on it."""
        self.check_access("read")
        user = self.env.user
        if self.env.su or user.has_group("base.group_system"):
            return
        for batch in self:
            if batch.user_id != user and not (batch.profile_id.manager_group_ids
                                              & user.groups_id):
                raise AccessError(self.env._(
                    "Only %(user)s or a manager may act on %(batch)s.",
                    user=batch.user_id.name, batch=batch.name))
            batch.profile_id._check_user_allowed()

    def _user_env(self):
        """The environment of the user who started the batch, in the batch's company:
        documents, reports and accounts are read with their rights, not the cron's."""
        self.ensure_one()
        user = self.user_id
        companies = [self.company_id.id] + [
            company.id for company in user.company_ids if company != self.company_id
        ]
        context = dict(self.env.context, allowed_company_ids=companies, lang=self._user_lang())
        return self.env(user=user.id, su=False, context=context)

    def _user_lang(self):
        """The language of the user who started the batch: reasons and notifications are
        written for them."""
        self.ensure_one()
        return self.user_id.lang or self.env.context.get("lang")

    def _usable_accounts(self, record=None, env=None):
        """The accounts the batch's user may send ``record`` from (sender rule);
        ``env``: the batch's ``_user_env()`` when the caller has it already."""
        self.ensure_one()
        env = env or self._user_env()
        return env["mail.account"]._usable_accounts(record=record, user=env.user)

    def _senders(self, records):
        """``{res_id: account}`` for each document: the chosen account when the user may
        use it for that document (else None), or the sender rule's choice (an empty
        recordset: Odoo's own outgoing server)."""
        self.ensure_one()
        if self.account_id:
            return {
                record.id: self.account_id
                if self.account_id in self._usable_accounts(record) else None
                for record in records
            }
        env = self._user_env()
        return env["mail.account"]._resolve_senders(records, user=env.user)

    def _sender_values(self, account):
        """From, Reply-To and server of the mails sent from ``account`` (none: Odoo's
        defaults)."""
        if not account:
            return {}
        return self.env["mail.account"].sudo()._sender_values(account)

    # ------------------------------------------------------------------
    # BACKGROUND PROCESSING
    # ------------------------------------------------------------------
    @api.model
    def _trigger_cron(self, at=None):
        self.env.ref(CRON_XMLID).sudo()._trigger(at=at)

    @api.model
    def _cron_process(self, job_count=DEFAULT_JOB_COUNT):
        """Process up to ``job_count`` documents of the open batches, like core's
        ``account.ir_cron_account_move_send``: lines locked, rendered and e-mailed with a
        commit per step; the cron triggers itself again while work remains.

        Order: lines left in *sending* by a dead worker are resolved, mails already
        queued (after a crash or a retry) are sent, then up to ``job_count`` pending
        lines are claimed, rendered (one chunk: the PDFs of a chunk are in memory at
        once), posted and sent. Finished batches notify the user who started them.
        """
        Line = self.env["mail.batch.line"].sudo()
        done = Line._recover_stale()
        queued = Line.search([("state", "=", bt.QUEUED)], limit=job_count,
                             order="batch_id, id")
        try:
            done += queued._send()
        except Exception:
            # lines still queued are sent by the next run; a line caught in the middle
            # of its SMTP transaction is resolved when its claim goes stale
            _logger.exception("Print & e-mail: sending queued mails failed")
        claimed = Line.browse()
        if len(queued) < job_count:
            claimed = Line._claim(job_count - len(queued))
        token = claimed[:1].claim_token
        for batch, lines in claimed.grouped("batch_id").items():
            lines = lines.with_context(lang=batch._user_lang())  # the texts its user reads
            try:
                done += lines._process()
            except Exception as error:
                _logger.exception("Print & e-mail: batch lines %s failed", lines.ids)
                done += lines._fail_claimed(error, token)
        self.sudo()._finish_batches()
        self._reschedule(done)
        return done

    @api.model
    def _reschedule(self, done):
        """Tell the cron framework how much is left and come back while work remains:
        at once when this run did something, in a minute when everything left waits
        (a sending limit, a busy document), at the end of the lease of a dead worker's
        claim."""
        Line = self.env["mail.batch.line"].sudo()
        ready = Line.search_count([("state", "in", (bt.PENDING, bt.QUEUED))])
        self.env["ir.cron"]._notify_progress(done=done, remaining=ready if done else 0)
        if ready:
            self._trigger_cron(None if done else fields.Datetime.add(
                fields.Datetime.now(), minutes=1))
        claimed = Line.search([("state", "in", (bt.RENDERING, bt.SENDING))],
                              order="claim_date", limit=1)
        if claimed:
            self._trigger_cron(max(claimed.claim_date + bt.DEFAULT_LEASE,
                                       fields.Datetime.now()))

    def _finish_batches(self):
        """Close the batches without open lines and tell their users."""
        for batch in self.search([("state", "=", "in_progress")]):
            with self.env["mail.batch.line"]._step():
                self.env.cr.execute(SQL(
                    """SELECT id FROM mail_batch WHERE id = %s AND state = 'in_progress'
                        AND NOT EXISTS (SELECT 1 FROM mail_batch_line
                                         WHERE batch_id = %s AND state IN %s)
                          FOR UPDATE SKIP LOCKED""",
                    batch.id, batch.id, bt.OPEN_STATES,
                ))
                if not self.env.cr.fetchall():
                    continue
                batch.write({"state": "done", "date_done": fields.Datetime.now()})
                batch._notify_done()

    def _notify_done(self):
        """The user who started the batch gets an Odoo notification (inbox or e-mail, as
        they prefer) from the batch's chatter, and a pop-up if they are online."""
        self.ensure_one()
        self.invalidate_recordset(["line_count", "sent_count", "failed_count",
                                   "skipped_count"])
        batch = self.with_context(lang=self._user_lang())
        message = batch.env._(
            "%(batch)s is done: %(sent)s sent, %(failed)s failed, %(skipped)s skipped, "
            "of %(total)s documents.", batch=self.name, sent=self.sent_count,
            failed=self.failed_count, skipped=self.skipped_count, total=self.line_count)
        batch.with_user(SUPERUSER_ID).message_post(
            body=Markup("<p>%s</p>") % message,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.user_id.partner_id.ids,
            author_id=self.env.ref("base.partner_root").id,
        )
        self.user_id._bus_send("simple_notification", {
            "type": "warning" if self.failed_count else "success",
            "title": batch.env._("Print & e-mail: %(batch)s", batch=self.name),
            "message": message,
            "sticky": bool(self.failed_count),
        })
