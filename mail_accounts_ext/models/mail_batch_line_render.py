# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail*: a claimed chunk of lines rendered, posted and queued.

PDFs and e-mail texts are rendered for parts of the chunk at once (wkhtmltopdf processes
in parallel, per company); when that fails, document by document
(``tools.batch.each_apart``), so that one bad document fails alone. Each document is then
posted and queued in a step of its own, while the next part's PDFs are being converted.
"""

import contextlib
import functools
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_domain_extract, email_normalize
from odoo.tools.safe_eval import safe_eval, time

from ..tools import batch as bt

_logger = logging.getLogger(__name__)


# Documents per part of a chunk in the render / post-and-send pipeline of ``_process``.
PIPELINE_PART = 5


def _raise(error):
    raise error


class MailBatchLine(models.Model):
    _inherit = "mail.batch.line"

    # ------------------------------------------------------------------
    # PROCESSING A CLAIMED CHUNK
    # ------------------------------------------------------------------
    def _process(self):
        """Render, post and send the claimed lines of one batch (``self``).

        :return: number of lines that reached a final state or were queued
        """
        batch = self.batch_id
        batch.ensure_one()
        token = self[:1].claim_token
        if not token:
            return 0
        try:
            env = batch._user_env()
            profile = batch.profile_id.with_env(env)
            report = batch.report_id.with_env(env)
            profile._check_user_allowed()
            report._mae_check_report_access()
            Model = env[batch.model]
        except (AccessError, UserError) as error:
            with self._step():
                self._lock_lines([bt.RENDERING], token)._fail(str(error))
            return len(self)

        records = Model.browse(self.mapped("res_id"))
        existing = records.exists()
        readable = existing._filtered_access("read")
        plan, failures = self._plan(profile, report, readable)
        senders = batch._senders(readable)
        todo = self.browse()
        with self._step():
            for line in self._lock_lines([bt.RENDERING], token):
                record = Model.browse(line.res_id)
                entry = plan.get(line.res_id)
                if record not in existing:
                    line.write({"error": self.env._("The document was deleted.")})
                    line._skip(bt.NOT_APPLICABLE)
                elif record not in readable:
                    line._fail(self.env._("%(user)s may no longer read this document.",
                                              user=batch.user_id.name))
                elif line.res_id in failures:
                    line._fail(failures[line.res_id])
                elif entry["state"] == bt.SKIPPED:
                    line.write({"partner_id": entry["partner"].id, "email": entry["email"]})
                    line._skip(entry["skip_reason"])
                elif senders.get(line.res_id) is None:
                    line._fail(self.env._(
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
        template = batch.mail_template_id.with_env(env)
        settings = todo._post_settings(env)
        # A pipeline: while the documents of one part are posted and sent (Odoo's work,
        # one processor), wkhtmltopdf converts those of the next part (the others).
        parts = [todo[start:start + PIPELINE_PART]
                 for start in range(0, len(todo), PIPELINE_PART)]
        pending = parts[0]._start_pdfs(report)
        for index, part in enumerate(parts):
            pdfs, failures = pending()
            if index + 1 < len(parts):
                pending = parts[index + 1]._start_pdfs(report)
            done += part._post_and_send(token, report, template, pdfs, failures, settings)
        return done

    def _post_and_send(self, token, report, template, pdfs, failures, settings):
        """Post, queue and send the rendered documents of these lines (one part of a
        chunk); lines whose PDF or e-mail failed fail.

        :return: number of lines done
        """
        mails, mail_failures = self._render_mails(template, report)
        failures = dict(failures, **mail_failures)
        if failures:
            with self._step():
                for line in self._lock_lines([bt.RENDERING], token):
                    if line.res_id in failures:
                        line._fail(failures[line.res_id])
        queued = self.browse()
        for line in self:
            if line.res_id not in failures:
                self._after_step("rendered", line)
                if line._queue(token, pdfs[line.res_id], mails[line.res_id], settings):
                    queued |= line
                    self._after_step("queued", line)
        queued._send()
        return len(self)

    def _plan(self, profile, report, records):
        """The profile's plan for ``records`` (see ``mail.batch.profile._plan``); a
        document whose check raises fails alone: ``(plan, {res_id: reason})``."""
        batch = self.batch_id

        def plan(res_ids):
            return profile._plan(records.browse(res_ids), report, date=batch.document_date,
                                 company=batch.company_id, send_again=batch.send_again)

        result, failures = bt.each_apart(records.ids, plan)
        return result, {res_id: str(error) for res_id, error in failures.items()}

    def _start_pdfs(self, report):
        """Start rendering the PDFs of the lines' documents, per company (the HTML now,
        wkhtmltopdf in parallel processes in the background). The returned function
        waits for them: ``({res_id: (file name, pdf bytes)}, {res_id: failure reason})``;
        documents that failed together are rendered again one by one then."""
        batch = self.batch_id
        env = report.env
        Model = env[batch.model]
        data = {}
        if batch.profile_id.use_document_date and batch.document_date:
            data["date"] = fields.Date.to_string(batch.document_date)
        if batch.profile_id.print_delay:
            data["data_report_print_delay"] = str(batch.profile_id.print_delay)
        records = Model.browse(self.mapped("res_id"))
        stored = records._mae_batch_stored_pdfs(report)
        to_render = records.filtered(lambda record: record.id not in stored)
        if "company_id" in Model._fields:
            by_company = to_render.grouped(lambda record: record.company_id or batch.company_id)
        else:
            by_company = {batch.company_id: to_render}
        started = []
        for company, company_records in by_company.items():
            company_report = report.with_company(company)
            try:
                pending = company_report._mae_start_pdfs(company_records.ids, data=data).result
            except Exception as error:  # noqa: BLE001 - found again one by one below
                pending = functools.partial(_raise, error)
            started.append((company_records.ids, pending, functools.partial(
                company_report._mae_render_pdfs, data=data)))
        return functools.partial(self._finish_pdfs, report, records, stored, started)

    def _finish_pdfs(self, report, records, stored, started):
        pdfs, failures = {}, {}
        rendered = dict(stored)
        for res_ids, pending, render in started:
            done, failed = bt.each_apart(res_ids, render, first=pending)
            rendered.update(done)
            failures.update((res_id, str(error)) for res_id, error in failed.items())
        for record in records:
            if record.id in failures:
                continue
            content = rendered.get(record.id)
            if content is None:
                failures[record.id] = self.env._("The PDF could not be created.")
                continue
            if isinstance(content, str):  # tests without force_report_rendering: HTML
                content = content.encode()
            pdfs[record.id] = (self._file_name(report, record), content)
        return pdfs, failures

    @api.model
    def _file_name(self, report, record):
        name = ""
        if report.print_report_name:
            with contextlib.suppress(Exception):
                name = safe_eval(report.print_report_name, {"object": record, "time": time})
        name = (name or report.name or "document").replace("/", "_")
        return name if name.lower().endswith(".pdf") else name + ".pdf"

    def _render_mails(self, template, report):
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
        templates = template.env[batch.model].browse(res_ids)._mae_batch_mail_templates(
            report, date=batch.document_date, company=batch.company_id)
        by_template = {}
        for res_id in res_ids:
            own = templates.get(res_id)
            by_template.setdefault(own.with_env(template.env) if own else template,
                                   []).append(res_id)
        result, failures = {}, {}
        for current, ids in by_template.items():
            rendered, failed = bt.each_apart(ids, functools.partial(render, current))
            result.update(rendered)
            failures.update(
                (res_id, self.env._("The e-mail template could not be rendered: %(error)s",
                                    error=error))
                for res_id, error in failed.items())
        return result, failures

    def _post_settings(self, env):
        """What the posts of these lines (one batch, one chunk) share, read once for the
        chunk: each line's step commits, and every commit empties the ORM cache, so
        reading them per line read the batch, its user, their companies and language,
        the profile, the template and the accounts again for every document.

        :param env: the environment of the batch's user (``mail.batch._user_env``)
        """
        batch = self.batch_id
        batch.ensure_one()
        return {
            "env": env,
            "author_id": env.user.partner_id.id,
            # the account's address and server (none: the template's sender)
            "senders": {account.id: batch._sender_values(account)
                        for account in self.account_id},
            "layout": batch.profile_id.email_layout_xmlid or False,
            "auto_delete": batch.mail_template_id.auto_delete,
        }

    def _queue(self, token, pdf, mail_values, settings):
        """rendering -> queued, in one step: the chatter post with the PDF, the mail with
        its Message-Id, the line queued. False when the line was not queued (another
        worker holds it, the document is busy, or it was sent in the meantime).

        :param settings: what the posts of the chunk share (``_post_settings``)
        """
        self.ensure_one()
        with self._step():
            line = self._lock_lines([bt.RENDERING], token)
            if not line:
                return False
            if not line._lock_document():
                # the document is being changed: try again later
                line.write({"state": bt.PENDING, "claim_token": False, "claim_date": False})
                return False
            if not line._set_queued_once():
                line._skip(bt.ALREADY_SENT)
                return False
            try:
                with self.env.cr.savepoint():
                    line._post(pdf, mail_values, settings)
            except Exception as error:  # noqa: BLE001 - this document fails, not the batch
                _logger.warning("Batch line %s: posting failed", line.id, exc_info=True)
                line._fail(self.env._("The document could not be posted and e-mailed: "
                                          "%(error)s", error=error))
                return False
        return True

    def _post(self, pdf, mail_values, settings):
        """The chatter post on the document (PDF attached, as core's invoice sending
        does) and the mail that carries it to the recipient."""
        self.ensure_one()
        batch = self.batch_id
        env = settings["env"]
        record = env[self.res_model].browse(self.res_id)
        # the account's address and server; without account, the template's sender
        sender = settings["senders"].get(self.account_id.id) or {
            "email_from": mail_values.get("email_from")}
        domain = email_domain_extract(email_normalize(sender.get("email_from") or "") or "")
        database_key = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        message_id = bt.message_id(batch.id, self.id, database_key[:8], domain)
        file_name, content = pdf
        post_values = {
            "body": mail_values["body"],
            "subject": mail_values["subject"],
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment",
            "partner_ids": self.partner_id.ids,
            "attachments": [(file_name, content)],
            "author_id": settings["author_id"],
            "message_id": message_id,
            "email_layout_xmlid": settings["layout"],
            "email_add_signature": False,
            "mail_auto_delete": settings["auto_delete"],
            "force_send": False,
            "force_email_lang": mail_values["lang"],
            "reply_to_force_new": False,
        }
        for key in ("email_from", "reply_to", "mail_server_id"):
            if sender.get(key):
                post_values[key] = sender[key]
        post_context = dict(record._mae_batch_post_context(batch.report_id),
                            mail_create_nosubscribe=True, mail_post_autofollow=False)
        record._mae_batch_posting(batch.report_id, content)
        message = record.sudo().with_context(**post_context).message_post(**post_values)
        mail = self._find_or_create_mail(record, message, settings, mail_values["lang"])
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

    def _find_or_create_mail(self, record, message, settings, lang):
        """The mail.mail that e-mails the recipient. Core's notification creates it,
        except for an internal user who handles notifications in Odoo: the document is
        still e-mailed to them, by core's notification e-mail for that one recipient
        (``_notify_thread_by_email``: the message's layout, their language)."""
        MailMail = settings["env"]["mail.mail"].sudo()
        domain = [("mail_message_id", "=", message.id),
                  ("recipient_ids", "in", self.partner_id.ids)]
        mail = MailMail.search(domain, limit=1)
        if mail:
            return mail
        # The recipient's inbox notification becomes the e-mail one that core links to
        # its mail (resend_existing); read: no inbox badge for what arrives by e-mail.
        self.env["mail.notification"].sudo().search([
            ("mail_message_id", "=", message.id), ("res_partner_id", "=", self.partner_id.id),
        ]).write({"notification_type": "email", "is_read": True})
        record = record.sudo()
        recipients = [dict(data, notif="email")
                      for data in record._notify_get_recipients(message, False)
                      if data["id"] == self.partner_id.id]
        record._notify_thread_by_email(
            message, recipients, mail_auto_delete=settings["auto_delete"],
            force_email_lang=lang, resend_existing=True, force_send=False)
        return MailMail.search(domain, limit=1)
