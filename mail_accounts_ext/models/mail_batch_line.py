# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One document of a batch: rendered, posted, e-mailed exactly once.

The state machine and why each step is committed on its own are explained in
``tools/batch.py``; this model runs it. Every step that changes the state of a line runs
in :meth:`MailBatchLine._mae_step`: committed on success, rolled back on any exception
(in tests, where committing is forbidden, a savepoint plays the transaction). A line is
locked (``FOR UPDATE SKIP LOCKED``) and its state checked again at the start of every
step, so two workers never move the same line; the document row is locked the same way
when its chatter post and mail are created.

*Already sent* is also enforced by the database: a partial unique index allows one line
per report, document and document date in the states that hold a mail (queued, sending,
sent), unless the line was explicitly sent again.
"""

import contextlib
import dataclasses
import logging
import smtplib
import uuid

from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, email_domain_extract, email_normalize
from odoo.tools.safe_eval import safe_eval, time

from ..tools import batch as bt
from ..tools import errors
from .mail_account import can_commit

_logger = logging.getLogger(__name__)

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


@dataclasses.dataclass
class Transmission:
    """What handing a line's mail to the SMTP server gave: the recipients reached, the
    error and the transaction stage it happened at (None: all reached), the message as
    sent (for the Sent copy)."""

    partners: list = dataclasses.field(default_factory=list)
    error: BaseException | None = None
    stage: str | None = None
    raw: bytes | None = None

    def add(self, partner):
        """A recipient reached (nothing for a plain address, which has no partner)."""
        if partner:
            self.partners.append(partner)


class MailBatchLine(models.Model):
    _name = "mail.batch.line"
    _inherit = ["mail.account.write.guard"]
    _description = "Print & E-mail Batch Line"
    _order = "batch_id desc, id"
    _rec_name = "res_name"

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

    @api.model
    def _write_guard_hint(self):
        return self.env["mail.batch"]._write_guard_hint()

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
        lines.sudo()._mae_requeue()
        self.env["mail.batch"]._mae_trigger_cron()
        return True

    # ------------------------------------------------------------------
    # STEPS (each committed on its own)
    # ------------------------------------------------------------------
    @contextlib.contextmanager
    def _mae_step(self):
        """One committed step of the state machine.

        Outside tests: commit when the block succeeds, roll back and re-raise on any
        exception (a crash loses the step in progress, nothing else). In tests (no
        commit allowed), a savepoint gives the same outcome: an exception injected
        between two steps leaves exactly what a crash would leave.
        """
        cr = self.env.cr
        if not can_commit():
            with cr.savepoint():
                yield
            return
        try:
            yield
            cr.commit()  # pylint: disable=invalid-commit
        except BaseException:
            cr.rollback()
            raise

    def _mae_after_step(self, step, line):
        """Called after each step of each line: "rendered" (PDF in memory), "queued"
        (mail committed), "delivered" (the server accepted it, not committed yet),
        "sent" (committed). Does nothing; a seam for monitoring, and for the tests that
        stop a worker at a given point."""

    def _mae_lock(self, states, token=None):
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

    def _mae_lock_document(self):
        """Lock the document row (skip it if someone else holds it)."""
        self.ensure_one()
        table = self.env[self.res_model]._table
        self.env.cr.execute(SQL(
            "SELECT id FROM %s WHERE id = %s FOR UPDATE SKIP LOCKED",
            SQL.identifier(table), self.res_id,
        ))
        return bool(self.env.cr.fetchall())

    def _mae_set_queued_once(self):
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
    def _mae_claim(self, limit):
        """Claim up to ``limit`` pending lines (and lines whose claim went stale)."""
        now = fields.Datetime.now()
        with self._mae_step():
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

    def _mae_fail(self, reason, uncertain=False):
        """Mark lines failed; their mails (if any) show the failure in the chatter."""
        self.write({"state": bt.FAILED, "error": reason, "uncertain": uncertain,
                    "claim_token": False})
        mails = self.sudo().mail_mail_id.filtered(lambda mail: mail.state != "sent")
        if mails:
            mails._mae_mark_failed(reason)

    def _mae_fail_claimed(self, error, token):
        """After an unexpected error: the lines of the chunk still claimed (with
        ``token``) fail with it, rather than wait for their claim to go stale only to
        fail again."""
        with self._mae_step():
            lines = self._mae_lock([bt.RENDERING], token)
            lines._mae_fail(self.env._("Unexpected error: %(error)s", error=error))
        return len(lines)

    def _mae_skip(self, reason):
        self.write({"state": bt.SKIPPED, "skip_reason": reason, "claim_token": False})

    def _mae_requeue(self):
        """Failed lines back to work: queued when their mail exists, else pending; a
        document sent in the meantime by another batch is skipped as already sent."""
        for line in self:
            mail = line.sudo().mail_mail_id
            if mail and mail.state in ("exception", "outgoing"):
                if not line._mae_set_queued_once():
                    line.write({"error": False, "uncertain": False})
                    line._mae_skip(bt.ALREADY_SENT)
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
    # PROCESSING A CLAIMED CHUNK
    # ------------------------------------------------------------------
    def _mae_process(self):
        """Render, post and send the claimed lines of one batch (``self``).

        :return: number of lines that reached a final state or were queued
        """
        batch = self.batch_id
        batch.ensure_one()
        token = self[:1].claim_token
        if not token:
            return 0
        try:
            env = batch._mae_user_env()
            profile = batch.profile_id.with_env(env)
            report = batch.report_id.with_env(env)
            profile._check_user_allowed()
            report._mae_check_report_access()
            Model = env[batch.model]
        except (AccessError, UserError) as error:
            with self._mae_step():
                self._mae_lock([bt.RENDERING], token)._mae_fail(str(error))
            return len(self)

        records = Model.browse(self.mapped("res_id"))
        existing = records.exists()
        readable = existing._filtered_access("read")
        plan, failures = self._mae_plan(profile, report, readable)
        senders = batch._mae_senders(readable)
        todo = self.browse()
        with self._mae_step():
            for line in self._mae_lock([bt.RENDERING], token):
                record = Model.browse(line.res_id)
                entry = plan.get(line.res_id)
                if record not in existing:
                    line.write({"error": self.env._("The document was deleted.")})
                    line._mae_skip(bt.NOT_APPLICABLE)
                elif record not in readable:
                    line._mae_fail(self.env._("%(user)s may no longer read this document.",
                                              user=batch.user_id.name))
                elif line.res_id in failures:
                    line._mae_fail(failures[line.res_id])
                elif entry["state"] == bt.SKIPPED:
                    line.write({"partner_id": entry["partner"].id, "email": entry["email"]})
                    line._mae_skip(entry["skip_reason"])
                elif senders.get(line.res_id) is None:
                    line._mae_fail(self.env._(
                        "%(user)s may not send from the e-mail account %(account)s.",
                        user=batch.user_id.name, account=batch.account_id.display_name))
                else:
                    account = senders[line.res_id]
                    line.write({"partner_id": entry["partner"].id, "email": entry["email"],
                                "account_id": account.id, "sender_email": account.email})
                    todo |= line
        if not todo:
            return len(self)

        done = len(self) - len(todo)
        pdfs, failures = todo._mae_render_pdfs(report)
        mails, mail_failures = todo._mae_render_mails(batch.mail_template_id.with_env(env),
                                                     report)
        failures.update(mail_failures)
        if failures:
            with self._mae_step():
                for line in todo._mae_lock([bt.RENDERING], token):
                    if line.res_id in failures:
                        line._mae_fail(failures[line.res_id])
        queued = self.browse()
        for line in todo:
            if line.res_id in failures:
                done += 1
                continue
            self._mae_after_step("rendered", line)
            if line._mae_queue(token, pdfs[line.res_id], mails[line.res_id]):
                queued |= line
                self._mae_after_step("queued", line)
            done += 1
        queued._mae_send()
        return done

    def _mae_plan(self, profile, report, records):
        """The profile's plan for ``records`` (see ``mail.batch.profile._plan``); a
        document whose check raises fails alone: ``(plan, {res_id: reason})``."""
        batch = self.batch_id

        def plan(subset):
            return profile._plan(subset, report, date=batch.document_date,
                                 company=batch.company_id, send_again=batch.send_again)

        try:
            return plan(records), {}
        except Exception:  # noqa: BLE001 - find the culprits, one document at a time
            result, failures = {}, {}
            for record in records:
                try:
                    result.update(plan(record))
                except Exception as error:  # noqa: BLE001
                    failures[record.id] = str(error)
            return result, failures

    def _mae_render_pdfs(self, report):
        """PDFs of the lines' documents, rendered per company in parallel processes.

        :return: ``({res_id: (file name, pdf bytes)}, {res_id: failure reason})``
        """
        batch = self.batch_id
        env = report.env
        Model = env[batch.model]
        data = {}
        if batch.profile_id.use_document_date and batch.document_date:
            data["date"] = fields.Date.to_string(batch.document_date)
        if batch.profile_id.print_delay:
            data["data_report_print_delay"] = str(batch.profile_id.print_delay)
        records = Model.browse(self.mapped("res_id"))
        pdfs, failures = {}, {}
        stored = {}
        if hasattr(Model, "_mae_batch_stored_pdfs"):
            stored = records._mae_batch_stored_pdfs(report)
        to_render = records.filtered(lambda record: record.id not in stored)
        if "company_id" in Model._fields:
            by_company = to_render.grouped(lambda record: record.company_id or batch.company_id)
        else:
            by_company = {batch.company_id: to_render}
        rendered = dict(stored)
        for company, company_records in by_company.items():
            company_report = report.with_company(company)
            try:
                rendered.update(company_report._mae_render_pdfs(company_records.ids, data=data))
            except Exception:  # noqa: BLE001 - find the culprits: one record per call
                for record in company_records:
                    try:
                        rendered.update(company_report._mae_render_pdfs(record.ids, data=data))
                    except Exception as error:  # noqa: BLE001
                        failures[record.id] = str(error)
        for record in records:
            if record.id in failures:
                continue
            content = rendered.get(record.id)
            if content is None:
                failures[record.id] = self.env._("The PDF could not be created.")
                continue
            if isinstance(content, str):  # tests without force_report_rendering: HTML
                content = content.encode()
            pdfs[record.id] = (self._mae_file_name(report, record), content)
        return pdfs, failures

    @api.model
    def _mae_file_name(self, report, record):
        name = ""
        if report.print_report_name:
            with contextlib.suppress(Exception):
                name = safe_eval(report.print_report_name, {"object": record, "time": time})
        name = (name or report.name or "document").replace("/", "_")
        return name if name.lower().endswith(".pdf") else name + ".pdf"

    def _mae_render_mails(self, template, report):
        """Subject, body and language of each line's e-mail, from the template, in the
        recipient's language (as the template says).

        :return: ``({res_id: {"subject", "body", "lang"}}, {res_id: failure reason})``
        """
        batch = self.batch_id
        res_ids = self.mapped("res_id")
        add_context = {
            "mae_document_date": batch.document_date or fields.Date.context_today(template),
            "mae_company": template.env.company,
        }
        result, failures = {}, {}

        def render(template, ids):
            langs = template._render_lang(ids) if template.lang else {}
            by_lang = {}
            for res_id in ids:
                by_lang.setdefault(langs.get(res_id) or template.env.context.get("lang"),
                                   []).append(res_id)
            values = {}
            for lang, lang_ids in by_lang.items():
                localized = template.with_context(lang=lang) if lang else template
                context = dict(add_context, mae_document_name=report.with_context(
                    lang=lang).name if lang else report.name)
                subjects = localized._render_field("subject", lang_ids, add_context=context)
                bodies = localized._render_field("body_html", lang_ids, add_context=context,
                                                 options={"post_process": True})
                senders = localized._render_field("email_from", lang_ids) \
                    if template.email_from else {}
                for res_id in lang_ids:
                    values[res_id] = {"subject": subjects[res_id], "body": bodies[res_id],
                                      "email_from": senders.get(res_id), "lang": lang}
            return values

        # a document may ask for a template of its own (e.g. a payment reminder's level)
        templates = {}
        Model = template.env[batch.model]
        if hasattr(Model, "_mae_batch_mail_templates"):
            templates = Model.browse(res_ids)._mae_batch_mail_templates(
                report, date=batch.document_date, company=batch.company_id)
        by_template = {}
        for res_id in res_ids:
            own = templates.get(res_id)
            by_template.setdefault(own.with_env(template.env) if own else template,
                                   []).append(res_id)
        for current, ids in by_template.items():
            try:
                result.update(render(current, ids))
            except Exception:  # noqa: BLE001 - one bad record must not stop the others
                for res_id in ids:
                    try:
                        result.update(render(current, [res_id]))
                    except Exception as error:  # noqa: BLE001
                        failures[res_id] = self.env._(
                            "The e-mail template could not be rendered: %(error)s",
                            error=error)
        return result, failures

    def _mae_queue(self, token, pdf, mail_values):
        """rendering -> queued, in one step: the chatter post with the PDF, the mail with
        its Message-Id, the line queued. False when the line was not queued (another
        worker holds it, the document is busy, or it was sent in the meantime)."""
        self.ensure_one()
        with self._mae_step():
            line = self._mae_lock([bt.RENDERING], token)
            if not line:
                return False
            if not line._mae_lock_document():
                # the document is being changed: try again later
                line.write({"state": bt.PENDING, "claim_token": False, "claim_date": False})
                return False
            if not line._mae_set_queued_once():
                line._mae_skip(bt.ALREADY_SENT)
                return False
            try:
                with self.env.cr.savepoint():
                    line._mae_post(pdf, mail_values)
            except Exception as error:  # noqa: BLE001 - this document fails, not the batch
                _logger.warning("Batch line %s: posting failed", line.id, exc_info=True)
                line._mae_fail(self.env._("The document could not be posted and e-mailed: "
                                          "%(error)s", error=error))
                return False
        return True

    def _mae_post(self, pdf, mail_values):
        """The chatter post on the document (PDF attached, as core's invoice sending
        does) and the mail that carries it to the recipient."""
        self.ensure_one()
        batch = self.batch_id
        env = batch._mae_user_env()
        record = env[self.res_model].browse(self.res_id)
        # the account's address and server; without account, the template's sender
        sender = batch._mae_sender_values(self.account_id) or {
            "email_from": mail_values.get("email_from")}
        domain = email_domain_extract(email_normalize(sender.get("email_from") or "") or "")
        database_key = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        message_id = bt.message_id(batch.id, self.id, database_key[:8], domain)
        template = batch.mail_template_id
        file_name, content = pdf
        post_values = {
            "body": mail_values["body"],
            "subject": mail_values["subject"],
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment",
            "partner_ids": self.partner_id.ids,
            "attachments": [(file_name, content)],
            "author_id": env.user.partner_id.id,
            "message_id": message_id,
            "email_layout_xmlid": batch.profile_id.email_layout_xmlid or False,
            "email_add_signature": False,
            "mail_auto_delete": template.auto_delete,
            "force_send": False,
            "force_email_lang": mail_values["lang"],
            "reply_to_force_new": False,
        }
        for key in ("email_from", "reply_to", "mail_server_id"):
            if sender.get(key):
                post_values[key] = sender[key]
        post_context = {"mail_create_nosubscribe": True, "mail_post_autofollow": False}
        if hasattr(record, "_mae_batch_post_context"):
            post_context.update(record._mae_batch_post_context(batch.report_id))
        message = record.sudo().with_context(**post_context).message_post(**post_values)
        mail = self._mae_find_or_create_mail(message, template)
        if hasattr(record, "_mae_batch_posted"):
            record._mae_batch_posted(batch.report_id, message, content)
        self.write({
            "message_id": message_id,
            "mail_message_id": message.id,
            "mail_mail_id": mail.id,
            "attachment_id": message.attachment_ids[:1].id,
            "attempt_count": self.attempt_count + 1,
            "claim_token": False,
            "error": False,
        })

    def _mae_find_or_create_mail(self, message, template):
        """The mail.mail that e-mails the recipient. Core's notification creates it,
        except for an internal user who handles notifications in Odoo: the document is
        still e-mailed to them, by a mail of its own (the batch user's, as the rest)."""
        MailMail = self.batch_id._mae_user_env()["mail.mail"].sudo()
        mail = MailMail.search([
            ("mail_message_id", "=", message.id),
            ("recipient_ids", "in", self.partner_id.ids),
        ], limit=1)
        if mail:
            return mail
        mail = MailMail.create({
            "mail_message_id": message.id,
            "body_html": message.body,
            "recipient_ids": [Command.link(self.partner_id.id)],
            "auto_delete": template.auto_delete,
            "is_notification": True,
            "state": "outgoing",
        })
        notification = self.env["mail.notification"].sudo().search([
            ("mail_message_id", "=", message.id), ("res_partner_id", "=", self.partner_id.id),
        ])
        if notification:
            notification.write({"notification_type": "email", "mail_mail_id": mail.id,
                                "notification_status": "ready", "is_read": True})
        else:
            notification.create({
                "mail_message_id": message.id, "res_partner_id": self.partner_id.id,
                "mail_mail_id": mail.id, "notification_type": "email",
                "notification_status": "ready", "is_read": True,
                "author_id": message.author_id.id,
            })
        return mail

    # ------------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------------
    def _mae_send(self):
        """Send the queued lines, one SMTP session per sending account.

        :return: number of lines that reached a final state
        """
        done = 0
        for batch, batch_lines in self.grouped("batch_id").items():
            for account, lines in batch_lines.grouped("account_id").items():
                done += lines.with_context(lang=batch._mae_lang())._mae_send_through(account)
        return done

    def _mae_send_through(self, account):
        done = 0
        session = connect_error = None
        try:
            for line in self:
                if account and not line._mae_reserve(account):
                    break  # the account's sending limit: the rest waits
                if not line._mae_start_sending():
                    continue
                if session is None and connect_error is None:
                    session, connect_error = line._mae_open_session(account)
                if connect_error is not None:
                    with self._mae_step():
                        line._mae_finish_sending(Transmission(error=connect_error,
                                                              stage="connect"))
                    done += 1
                    continue
                result = line._mae_transmit(session)
                if result.error is not None and bt.reconnect_may_help(result.error) \
                        and bt.send_outcome(result.stage, result.error) == bt.NOT_DELIVERED:
                    self._mae_close_session(session)
                    session, connect_error = line._mae_open_session(account)
                    if connect_error is None:
                        result = line._mae_transmit(session, result)
                    else:
                        result.error, result.stage = connect_error, "connect"
                if result.error is None:
                    self._mae_after_step("delivered", line)
                with self._mae_step():
                    line._mae_finish_sending(result)
                self._mae_after_step("sent", line)
                done += 1
        finally:
            self._mae_close_session(session)
        # the Sent copies reach the account's IMAP Sent folder after the last step is
        # committed (else at its next sync)
        account._push_sent_copies()
        return done

    def _mae_reserve(self, account):
        """Room under the account's sending limit for this line's mail (shared with every
        other sender through the account); without room, the cron comes back when
        there is."""
        self.ensure_one()
        mail = self.sudo().mail_mail_id
        plan = account._reserve_sending([mail._mail_account_message_count() if mail else 1])
        if plan.granted:
            return True
        self.env["mail.batch"]._mae_trigger_cron(plan.retry_at)
        return False

    def _mae_start_sending(self):
        """queued -> sending, committed before the SMTP transaction starts; checks again
        that the batch's user may send from the line's account. False: not to send now."""
        self.ensure_one()
        with self._mae_step():
            line = self._mae_lock([bt.QUEUED])
            if not line:
                return False
            mail = line.sudo().mail_mail_id
            if not mail or mail.state != "outgoing":
                line._mae_resolve_without_sending(mail)
                return False
            batch = line.batch_id
            env = batch._mae_user_env()
            record = env[line.res_model].browse(line.res_id)
            if line.sender_email and not line.account_id:
                line._mae_fail(self.env._(
                    "The e-mail account %(address)s was deleted before the document was "
                    "sent.", address=line.sender_email))
                return False
            if line.account_id and line.account_id not in batch._mae_usable_accounts(record):
                line._mae_fail(self.env._(
                    "%(user)s may no longer send from the e-mail account %(account)s.",
                    user=batch.user_id.name, account=line.account_id.display_name))
                return False
            if not mail._mail_account_claim():
                # someone sends the mail right now (e.g. Send now): the next run knows
                return False
            line.write({"state": bt.SENDING, "claim_date": fields.Datetime.now()})
        return True

    def _mae_resolve_without_sending(self, mail):
        """A queued line whose mail is no longer outgoing: sent by someone else (e.g. an
        administrator's *Send now*), failed, or deleted."""
        if mail and mail.state == "sent" or not mail and self._mae_recipient_notified():
            self.write({"state": bt.SENT, "date_sent": fields.Datetime.now()})
        elif mail and mail.state == "exception":
            self._mae_fail(mail.failure_reason or self.env._("The e-mail could not be sent."))
        else:
            self._mae_fail(self.env._("The e-mail was cancelled or deleted before it was "
                                      "sent."))

    def _mae_recipient_notified(self):
        return bool(self.mail_message_id and self.env["mail.notification"].sudo().search_count([
            ("mail_message_id", "=", self.mail_message_id.id),
            ("res_partner_id", "=", self.partner_id.id),
            ("notification_type", "=", "email"), ("notification_status", "=", "sent"),
        ]))

    def _mae_open_session(self, account):
        """``(session, None)`` or ``(None, exception)``: an SMTP session through the
        account (its own settings and certificate checks), or Odoo's outgoing server
        when the line has no account."""
        if not account:
            mail = self.sudo().mail_mail_id
            try:
                server, smtp_from = self.env["ir.mail_server"].sudo()._find_mail_server(
                    mail.email_from)
                session = self.env["ir.mail_server"].sudo().connect(
                    mail_server_id=server.id or None, smtp_from=smtp_from)
            except Exception as error:  # noqa: BLE001 - reported on the lines
                return None, error
            return session, None
        try:
            # the account's own SMTP client (TLS and certificate checks as in its test)
            return account._smtp_session(), None
        except Exception as error:  # noqa: BLE001 - reported on the lines
            return None, error

    @api.model
    def _mae_close_session(self, session):
        if session is not None:
            with contextlib.suppress(Exception):
                session.quit()
            with contextlib.suppress(Exception):
                session.close()

    def _mae_transmit(self, session, previous=None):
        """Hand the line's mail to the server (a :class:`Transmission`).

        Recipients already reached (their notification is *sent*, or ``previous``, the
        attempt on a connection that dropped, reached them) are not sent to again.
        """
        self.ensure_one()
        result = Transmission(partners=list(previous.partners) if previous else [],
                              raw=previous.raw if previous else None)
        mail = self.sudo().mail_mail_id
        reached = mail._mae_reached_partner_ids().union(*result.partners)
        try:
            messages = mail._mae_prepare_messages(session, skip_partner_ids=reached)
        except Exception as error:  # noqa: BLE001 - e.g. no valid recipient
            result.error = error
            return result
        for partner, message, smtp_from, smtp_to in messages:
            if session is None:
                # Odoo's own server in test mode: core does not send either
                result.add(partner)
                continue
            raw = message.as_bytes()
            session.transaction_stage = None
            try:
                session.send_message(message, smtp_from, smtp_to)
            except Exception as error:  # noqa: BLE001 - reported on the line
                result.error = error
                result.stage = getattr(session, "transaction_stage", None)
                return result
            result.add(partner)
            result.raw = result.raw or raw
        return result

    def _mae_finish_sending(self, result):
        """sending -> sent | failed, with the mail, its notifications and, for an
        account, the copy in its Sent folder."""
        self.ensure_one()
        mail = self.sudo().mail_mail_id
        error, stage = result.error, result.stage
        if error is None:
            message_id = mail.message_id
            mail._mae_mark_sent(result.partners)
            self.write({"state": bt.SENT, "date_sent": fields.Datetime.now(),
                        "error": False, "claim_token": False})
            account = self.account_id.sudo()
            if account:
                account._record_send_result(True)
                if result.raw:
                    # kept once this step is committed, in a unit of work of its own
                    account._keep_sent_copy(result.raw, message_id)
            record = self.env[self.res_model].browse(self.res_id)
            if hasattr(record, "_mae_batch_sent"):
                record.sudo()._mae_batch_sent(self.report_id)
            return
        uncertain = bt.send_outcome(stage, error) == bt.UNCERTAIN
        reason = self._mae_uncertain_text() if uncertain else self._mae_explain(error, stage)
        if mail:
            mail._mae_mark_failed(reason, result.partners)
        self.write({"state": bt.FAILED, "error": reason, "uncertain": uncertain,
                    "claim_token": False})

    @api.model
    def _mae_uncertain_text(self):
        return self.env["mail.account"]._translate_template(bt.UNCERTAIN_MESSAGE, {})

    def _mae_explain(self, error, stage):
        """An SMTP error in words (``tools/errors.py``): through the account (which also
        records that sending through it fails), or Odoo's server."""
        if isinstance(error, AssertionError) or not isinstance(
            error, OSError | smtplib.SMTPException
        ):
            text = str(error.args[0] if getattr(error, "args", None) else error)
            return self.env._("The e-mail could not be sent: %(error)s", error=text)
        if self.account_id:
            return self.account_id._explain_send_failure(error, stage=bt.explain_stage(stage))
        explanation = errors.explain(error, protocol="smtp", stage=bt.explain_stage(stage))
        return self.env["mail.account"]._explain_text(explanation)

    # ------------------------------------------------------------------
    # RECOVERY
    # ------------------------------------------------------------------
    @api.model
    def _mae_recover_stale(self):
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
            line = line.with_context(lang=line.batch_id._mae_lang())
            with self._mae_step():
                line = line._mae_lock([bt.SENDING])
                if not line:
                    continue
                mail = line.sudo().mail_mail_id
                if mail and mail.state == "sent" or not mail and line._mae_recipient_notified():
                    line.write({"state": bt.SENT, "date_sent": fields.Datetime.now()})
                else:
                    line._mae_fail(self._mae_uncertain_text(), uncertain=True)
        return len(stale)
