# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Mails of *Print & e-mail* batches: sent by the batch itself, never by the queue."""

from odoo import api, fields, models
from odoo.tools.mail import email_split_and_format

from ..tools import batch as bt


class MailMail(models.Model):
    _inherit = "mail.mail"

    mail_batch_line_ids = fields.One2many(
        "mail.batch.line", "mail_mail_id", string="Batch Lines", groups="base.group_system",
    )

    @api.model
    def process_email_queue(self, ids=None, batch_size=1000):
        """Leave the mails a batch holds (queued or being sent) to the batch: it sends
        them through its own SMTP session and records the outcome on its line, exactly
        once. ``filters`` in the context is core's way to narrow the queue."""
        filters = list(self.env.context.get("filters") or [])
        filters += ["!", ("mail_batch_line_ids.state", "in", (bt.QUEUED, bt.SENDING))]
        return super(MailMail, self.with_context(filters=filters)).process_email_queue(
            ids=ids, batch_size=batch_size)

    def _mae_reached_partner_ids(self):
        """Recipients this mail already reached (their e-mail notification is sent)."""
        self.ensure_one()
        return self.env["mail.notification"].sudo().search([
            ("mail_mail_id", "=", self.id), ("notification_type", "=", "email"),
            ("notification_status", "=", "sent"),
        ]).res_partner_id

    def _mae_prepare_messages(self, smtp_session, skip_partner_ids=None):
        """The e-mails of this mail, built as core's ``_send`` builds them.

        :return: ``[(partner, message, smtp_from, smtp_to_list)]``, one per recipient,
            without the recipients in ``skip_partner_ids``
        """
        self.ensure_one()
        IrMailServer = self.env["ir.mail_server"]
        emails_from = email_split_and_format(self.email_from)
        email_from = emails_from[0] if emails_from else self.email_from
        skip = skip_partner_ids or self.env["res.partner"]
        result = []
        for email in self._prepare_outgoing_list(mail_server=self.mail_server_id):
            partner = email["partner_id"]
            if partner and partner in skip:
                continue
            server = IrMailServer.with_context(send_validated_to=email["email_to_normalized"])
            message = server.build_email(
                email_from=email_from,
                email_to=email["email_to"],
                subject=email["subject"],
                body=email["body"],
                body_alternative=email["body_alternative"],
                email_cc=email["email_cc"],
                reply_to=email["reply_to"],
                attachments=email["attachments"],
                message_id=email["message_id"],
                references=email["references"],
                object_id=email["object_id"],
                subtype="html",
                subtype_alternative="plain",
                headers=email["headers"],
            )
            smtp_from, smtp_to, message = server._prepare_email_message(message, smtp_session)
            result.append((partner, message, smtp_from, smtp_to))
        return result

    def _mae_mark_sent(self, partners):
        """Sent: notifications updated, the mail deleted if it auto-deletes (core's
        post-processing)."""
        self.write({"state": "sent", "failure_reason": False, "failure_type": False})
        self._postprocess_sent_message(success_pids=list(partners))

    def _mae_mark_failed(self, reason, partners=()):
        """Failed: the chatter shows the red envelope with ``reason``."""
        self.write({"state": "exception", "failure_reason": reason, "failure_type": "mail_smtp"})
        self._postprocess_sent_message(success_pids=list(partners), failure_reason=reason,
                                       failure_type="mail_smtp")
