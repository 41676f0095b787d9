# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Invoices in *Print & e-mail* batches behave as core's Send & Print: the invoice PDF
is made once and kept (``invoice_pdf_report_file``), and a sent invoice is marked sent."""

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

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

    def _mae_batch_posted(self, report, message, pdf):
        """After the chatter post: keep the PDF as the invoice's own (as core's
        ``_link_invoice_documents``) and move the posted copy to the message (as core's
        ``_send_mail``), so that the invoice does not show the PDF twice."""
        self.ensure_one()
        move = self.sudo()
        if report.is_invoice_report and not move.invoice_pdf_report_id:
            attachment = self.env["ir.attachment"].sudo().create({
                "name": move._get_invoice_report_filename(),
                "raw": pdf,
                "mimetype": "application/pdf",
                "res_model": move._name,
                "res_id": move.id,
                "res_field": "invoice_pdf_report_file",
            })
            move.message_main_attachment_id = attachment
            move.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        message.attachment_ids.sudo().write({"res_model": "mail.message", "res_id": message.id})
        return super()._mae_batch_posted(report, message, pdf)

    def _mae_batch_sent(self, report):
        """Marked sent, as core's Send & Print does."""
        self.filtered(lambda move: not move.is_move_sent).sudo().write({"is_move_sent": True})
        return super()._mae_batch_sent(report)
