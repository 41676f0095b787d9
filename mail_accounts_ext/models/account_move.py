# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Invoices in *Print & e-mail* batches behave as core's Send & Print: the invoice PDF
is made once and kept (``invoice_pdf_report_file``), and a sent invoice is marked sent."""

import uuid

from odoo import api, fields, models
from odoo.exceptions import AccessError

INTEREST_NOTE_FIELDS = {"interest_note_partner_id", "interest_note_date"}


class AccountMove(models.Model):
    _inherit = "account.move"

    # the interest note an entry books (res.partner._mae_book_interest)
    interest_note_partner_id = fields.Many2one(
        "res.partner", string="Interest Note Customer", readonly=True, copy=False,
        index="btree_not_null",
    )
    interest_note_date = fields.Date(readonly=True, copy=False)
    reminder_ids = fields.One2many(
        "account.move.reminder", "move_id", string="Payment Reminders", readonly=True,
        groups="account.group_account_invoice,account.group_account_readonly",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._mae_check_interest_note_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._mae_check_interest_note_fields(vals)
        return super().write(vals)

    def _mae_check_interest_note_fields(self, vals):
        """Only the interest note itself (under sudo) marks an entry as its booking: a
        user who could would make a note book nothing, or book twice."""
        if INTEREST_NOTE_FIELDS & set(vals) and not self.env.su:
            raise AccessError(self.env._(
                "Only an interest note can mark a journal entry as its booking."))

    def action_mail_batch_send(self):
        """*Print & e-mail* from the selection bar of the invoice lists, beside core's
        *Print & Send*: the wizard checks the rest."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Print & e-mail"),
            "res_model": "mail.batch.send",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def _mae_batch_post_context(self, report):
        """As core's ``account.move.send._send_mail``: the PDF posted with the invoice is
        not a document to import into it (else every posted invoice gets the note "The
        invoice is not a draft, it was not updated from the attachment")."""
        return dict(super()._mae_batch_post_context(report), no_new_invoice=True)

    def _mae_batch_stored_pdfs(self, report):
        """``{move id: pdf}`` of the invoices whose PDF exists already: core never
        renders an invoice PDF twice, neither does the batch."""
        stored = super()._mae_batch_stored_pdfs(report)
        if report.is_invoice_report:
            stored.update({
                move.id: move.invoice_pdf_report_id.raw
                for move in self.sudo()
                if move.invoice_pdf_report_id
            })
        return stored

    def _mae_batch_posting(self, report, pdf):
        """Before the chatter post: keep the PDF as the invoice's own and mark the
        invoice sent (as core's ``_link_invoice_documents``: "sent or its PDF
        generated"), in one write with the portal access token the post's notification
        creates for an invoice (``_notify_get_recipients_groups``). The post then finds
        the main attachment and the token set and does not write the invoice again
        (twice before): each write of an invoice runs core's whole consistency check."""
        self.ensure_one()
        move = self.sudo()
        values = {} if move.is_move_sent else {"is_move_sent": True}
        if move.move_type != "entry" and not move.access_token:
            values["access_token"] = str(uuid.uuid4())  # as _portal_ensure_token does
        if report.is_invoice_report and not move.invoice_pdf_report_id:
            attachment = self.env["ir.attachment"].sudo().create({
                "name": move._get_invoice_report_filename(),
                "raw": pdf,
                "mimetype": "application/pdf",
                "res_model": move._name,
                "res_id": move.id,
                "res_field": "invoice_pdf_report_file",
            })
            values["message_main_attachment_id"] = attachment.id
        if values:
            move.write(values)
            move.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        return super()._mae_batch_posting(report, pdf)

    def _mae_batch_posted(self, report, message, pdf):
        """After the chatter post: the posted copy of the PDF moves to the message (as
        core's ``_send_mail``), so that the invoice does not show the PDF twice."""
        self.ensure_one()
        message.attachment_ids.sudo().write({"res_model": "mail.message", "res_id": message.id})
        return super()._mae_batch_posted(report, message, pdf)

    def _mae_batch_sent(self, report):
        """Already marked sent when posted; this catches documents posted before."""
        self.filtered(lambda move: not move.is_move_sent).sudo().write({"is_move_sent": True})
        return super()._mae_batch_sent(report)
