# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import contextlib
import imaplib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import make_msgid

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from ..tools import errors, imap_append, mime_build
from .transaction import unit_of_work

_lt = LazyTranslate(__name__)

_logger = logging.getLogger(__name__)

CHUNK_SIZE = 200  # messages uploaded (and committed) together
CRON_BUDGET = 240  # seconds per cron run; the cron runs again at once for the rest
LINE_STATES = [("pending", "Waiting"), ("copied", "Copied"), ("exists", "Already there"),
               ("failed", "Failed")]


class MailAccountCopyJob(models.Model):
    """Stored messages of an account copied into an IMAP folder of another account.

    One line per message; the cron (or the wizard, for a small selection) uploads the
    waiting lines in chunks with :func:`tools.imap_append.append_messages`, committing
    each chunk. Messages already in the target folder (same Message-Id) are never
    uploaded twice, so running a job again, or another job of the same messages, is safe.
    """

    _name = "mail.account.copy.job"
    _inherit = ["mail.account.write.guard"]
    _description = "Copy of stored e-mails to an IMAP folder"
    _order = "id desc"
    _write_guard_hint = _lt(  # pylint: disable=prefer-env-translation
        "Copies of e-mails change through their action (Retry) and their processing "
        "in the background.")

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------
    account_id = fields.Many2one(
        "mail.account", string="From account", required=True, ondelete="cascade",
        readonly=True, context={"active_test": False},
    )
    target_account_id = fields.Many2one(
        "mail.account", string="To account", required=True, ondelete="cascade",
        readonly=True, context={"active_test": False},
    )
    target_folder = fields.Char(
        required=True, readonly=True,
        help="The IMAP folder of the new account the e-mails are copied into.",
    )
    state = fields.Selection(
        [("waiting", "Waiting"), ("done", "Done")], default="waiting", readonly=True,
        compute="_compute_counts", store=True,
    )
    line_ids = fields.One2many("mail.account.copy.job.line", "job_id", string="E-mails",
                               readonly=True)
    count_total = fields.Integer(string="Total", compute="_compute_counts", store=True)
    count_pending = fields.Integer(string="Waiting", compute="_compute_counts", store=True)
    count_copied = fields.Integer(string="Copied", compute="_compute_counts", store=True)
    count_exists = fields.Integer(string="Already there", compute="_compute_counts",
                                  store=True)
    count_failed = fields.Integer(string="Failed", compute="_compute_counts", store=True)
    progress = fields.Float(compute="_compute_counts", store=True, aggregator=False)
    summary = fields.Text(compute="_compute_summary")

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("target_folder", "target_account_id")
    def _compute_display_name(self):
        for job in self:
            job.display_name = self.env._(
                "Copy into %(folder)s of %(account)s", folder=job.target_folder or "",
                account=job.target_account_id.display_name or "",
            )

    @api.depends("line_ids.state")
    def _compute_counts(self):
        groups = self.env["mail.account.copy.job.line"]._read_group(
            [("job_id", "in", self.ids)], ["job_id", "state"], ["__count"])
        counts = {}
        for job, state, count in groups:
            counts.setdefault(job.id, {})[state] = count
        for job in self:
            mine = counts.get(job.id, {})
            job.count_pending = mine.get("pending", 0)
            job.count_copied = mine.get("copied", 0)
            job.count_exists = mine.get("exists", 0)
            job.count_failed = mine.get("failed", 0)
            job.count_total = sum(mine.values())
            job.progress = 100.0 * (job.count_total - job.count_pending) / (
                job.count_total or 1)
            job.state = "waiting" if job.count_pending else "done"

    @api.depends("count_copied", "count_exists", "count_failed", "count_pending")
    def _compute_summary(self):
        for job in self:
            job.summary = self.env._(
                "%(copied)s copied, %(exists)s already there, %(failed)s failed, "
                "%(pending)s waiting (of %(total)s) into the folder %(folder)s of %(account)s.",
                copied=job.count_copied, exists=job.count_exists, failed=job.count_failed,
                pending=job.count_pending, total=job.count_total, folder=job.target_folder,
                account=job.target_account_id.sudo().display_name,
            )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def _check_may_manage(self):
        """Only who may manage both accounts runs a copy (owner, administrators)."""
        for job in self:
            job.account_id.check_access("write")
            job.target_account_id.check_access("write")

    def action_retry(self):
        """Copy again what failed (and what still waits); copied e-mails are skipped."""
        self._check_may_manage()
        self.sudo().line_ids.filtered(lambda line: line.state == "failed").write(
            {"state": "pending", "error": False})
        self.sudo()._start()
        return True

    def action_open(self):
        self.ensure_one()
        self._check_may_manage()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    @api.model
    def _create_job(self, account, target_account, target_folder, messages):
        """A job copying ``messages`` of ``account`` into ``target_folder`` (sudo: the
        caller checked the access to both accounts)."""
        if target_account.incoming_protocol != "imap":
            raise UserError(self.env._("E-mails can only be copied to an IMAP account."))
        if not (target_folder or "").strip():
            raise UserError(self.env._("Choose the folder to copy the e-mails into."))
        return self.sudo().create({
            "account_id": account.id,
            "target_account_id": target_account.id,
            "target_folder": target_folder.strip(),
            "line_ids": [fields.Command.create({"message_id": message.id})
                         for message in messages.sorted("id")],
        })

    def _start(self, run_now_below=0):
        """Copy at once when few e-mails wait, else leave it to the cron (``_trigger``)."""
        small = self.filtered(lambda job: 0 < job.count_pending <= run_now_below)
        for job in small:
            job._process()
        if self - small:
            self.env.ref("mail_accounts_ext.ir_cron_mail_account_copy").sudo()._trigger()

    @api.model
    def _cron_copy(self, chunk_size=CHUNK_SIZE):
        """Process the waiting jobs, oldest first; runs again at once for the rest."""
        jobs = self.sudo().search([("state", "=", "waiting")], order="id")
        deadline = time.monotonic() + CRON_BUDGET
        for job in jobs:
            job._process(chunk_size=chunk_size, deadline=deadline)
            if time.monotonic() > deadline:
                break
        remaining = self.sudo().search_count([("state", "=", "waiting")])
        self.env["ir.cron"]._notify_progress(done=len(jobs), remaining=remaining)

    def _process(self, chunk_size=CHUNK_SIZE, deadline=None):
        """Upload the waiting lines of this job, chunk by chunk.

        Each chunk is committed (in tests: a savepoint); a chunk whose upload fails is
        recorded as failed with the explained error and the next chunk connects again.
        While a chunk goes up (waiting on the network), the next one is rebuilt as MIME
        messages in a worker thread: the ORM is only used by this thread.
        """
        self.ensure_one()
        job = self.sudo()
        Line = self.env["mail.account.copy.job.line"].sudo()

        def pending(after_id):
            return Line.search([("job_id", "=", job.id), ("state", "=", "pending"),
                                ("id", ">", after_id)], order="id", limit=chunk_size)

        session = _Session(job)
        with contextlib.suppress(Exception):
            session.connect()  # else the first chunk reports why
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                lines = pending(0)
                built = pool.submit(_build_all, session.prepare(lines))
                while lines:
                    raws = built.result()
                    following = pending(lines[-1].id)
                    if following:
                        built = pool.submit(_build_all, session.prepare(following))
                    with unit_of_work(self.env):
                        session.upload(lines, raws)
                        job._hook_after_chunk(lines)
                    if deadline and time.monotonic() > deadline:
                        break
                    lines = following
        finally:
            session.close()

    def _hook_after_chunk(self, lines):
        """Extension point called after each committed chunk."""

    def _explain(self, error):
        account = self.target_account_id.sudo()
        explanation = errors.explain(error, protocol="imap", stage="append",
                                     host=account.incoming_host, port=account.incoming_port)
        return account._explain_text(explanation)


def _build_all(prepared):
    """{line id: raw bytes, or None when the message is already in the folder}."""
    return {key: stored and mime_build.build(stored) for key, stored in prepared}


class _Session:
    """One IMAP connection of a job's target account, reopened after a failure."""

    def __init__(self, job):
        self.job = job
        self.account = job.target_account_id.sudo()
        self.conn = None
        self.known_ids = None
        self._session = contextlib.ExitStack()

    def connect(self):
        """Connect, create the folder when missing, read the Message-Ids it holds."""
        folder = self.job.target_folder
        self.conn = self._session.enter_context(self.account._imap_session())
        self.conn.create(imap_append.quote_mailbox(folder))  # NO when it exists: fine
        self.known_ids = imap_append.existing_message_ids(self.conn, folder)

    def close(self):
        """End the IMAP session (if any); the next chunk connects again."""
        self._session.close()
        self.conn = None

    def prepare(self, lines):
        """[(line id, StoredMessage or None)] read from the mailbox storage (headers as
        stored); None for a message already known to be in the target folder."""
        env = self.job.env
        messages = lines.message_id
        for message in messages.filtered(lambda m: not m.message_id):
            # Without a Message-Id a second copy could not be recognised: give it one.
            message.message_id = make_msgid(domain=(message.account_id.email or "x@localhost")
                                            .rpartition("@")[2])
        known = self.known_ids or ()
        todo = messages.filtered(
            lambda m: imap_append.normalize_message_id(m.message_id) not in known)
        attachments = env["ir.attachment"].sudo().search(
            [("res_model", "=", "mail.account.message"), ("res_id", "in", todo.ids)],
            order="id")
        by_message = {}
        for attachment in attachments:
            by_message.setdefault(attachment.res_id, []).append(mime_build.Attachment(
                attachment.name, base64.b64decode(attachment.datas or b""),
                attachment.mimetype or "application/octet-stream"))
        prepared = []
        for line in lines:
            message = line.message_id
            if message not in todo:
                prepared.append((line.id, None))
                continue
            prepared.append((line.id, mime_build.StoredMessage(
                message_id=message.message_id, date=message.date,
                email_from=message.email_from or "", email_to=message.email_to or "",
                email_cc=message.email_cc or "", subject=message.subject or "",
                references=message.references or "", in_reply_to=message.in_reply_to or "",
                body_html=message.body_html or "",
                attachments=by_message.get(message.id, []))))
        return prepared

    def upload(self, lines, raws):
        """Upload the rebuilt e-mails of ``lines`` (``raws`` by line id), record results."""
        folder = self.job.target_folder
        try:
            if self.conn is None:
                self.connect()
            uploads = [imap_append.Upload(key, raw) for key, raw in raws.items() if raw]
            results = imap_append.append_messages(self.conn, folder, uploads, create=False,
                                                  known_ids=self.known_ids)
        except Exception as error:  # the connection, the CREATE or the folder's ids
            _logger.info("copy job %s: upload failed", self.job.id, exc_info=True)
            self.close()
            lines.write({"state": "failed", "error": self.job._explain(error)})
            return
        broken = False
        by_outcome = {(imap_append.EXISTS, False): [k for k, raw in raws.items() if not raw]}
        for result in results:
            if result.status == imap_append.FAILED:
                broken = broken or isinstance(result.error, (OSError, imaplib.IMAP4.abort))
                outcome = (result.status, self.job._explain(result.error))
            else:
                if result.message_id:
                    self.known_ids.add(result.message_id)
                outcome = (result.status, False)
            by_outcome.setdefault(outcome, []).append(result.key)
        for (status, error), ids in by_outcome.items():
            if ids:
                lines.browse(ids).write({"state": status, "error": error})
        if broken:
            self.close()


class MailAccountCopyJobLine(models.Model):
    _name = "mail.account.copy.job.line"
    _inherit = ["mail.account.write.guard"]
    _description = "E-mail of a copy job"
    _order = "id"
    _write_guard_hint = MailAccountCopyJob._write_guard_hint

    job_id = fields.Many2one("mail.account.copy.job", required=True, ondelete="cascade",
                             index=True, readonly=True)
    message_id = fields.Many2one("mail.account.message", string="E-mail", ondelete="cascade",
                                 readonly=True)
    subject = fields.Char(related="message_id.subject")
    email_from = fields.Char(related="message_id.email_from")
    date = fields.Datetime(related="message_id.date")
    state = fields.Selection(LINE_STATES, default="pending", required=True, readonly=True,
                             index=True)
    error = fields.Text(string="Reason", readonly=True)
