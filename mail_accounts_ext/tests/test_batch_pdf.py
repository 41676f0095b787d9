# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail* end to end with real PDFs and a real SMTP server.

The PDFs come from the installed wkhtmltopdf (Debian's here), which loads the report
style sheets from ``report.url``: an HttpCase serves them. The mails leave through each
account's own SMTP session, opened by the batch (``mail.account._smtp_session``) as in
production, to the loopback aiosmtpd, which records the envelope, the SMTP AUTH login and
the message; core's ``ir.mail_server`` send path, which does nothing in test mode, is not
used, so no test-mode switch is needed.
"""

import io

from odoo.tests import HOST, HttpCase, tagged
from odoo.tools import config
from odoo.tools.pdf import PdfFileReader

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from .common_batch import BatchCommon, parse, pdf_attachments
from .common_documents import AS_OF


def _pdf_text(pdf):
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@tagged("post_install", "-at_install")
class TestBatchPdf(BatchCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://{HOST}:{config['http_port']}"
        )

    def setUp(self):
        super().setUp()
        if not _get_wkhtmltopdf_bin():
            self.skipTest("wkhtmltopdf is not installed")

    def _run_pdf_cron(self, **kwargs):
        self._run_cron(force_report_rendering=True, **kwargs)

    def test_thirty_invoices(self):
        """30 invoices: exactly 30 mails, each with its own invoice PDF, from the billing
        user's account (From and SMTP login), to the invoice's customer."""
        partners = self._customers(6, prefix="Pdf Customer")
        invoices = self._invoices(partners, per_partner=5)
        batch = self._start(self.user_billing, invoices)
        self._run_pdf_cron()
        self.assertEqual(batch.state, "done")
        self.assertEqual(batch.sent_count, 30)
        received = self.servers.smtp_received
        self.assertEqual(len(received), 30)
        lines = {line.message_id: line for line in batch.line_ids}
        seen = set()
        for item in received:
            message = parse(item)
            line = lines[message["Message-Id"]]
            invoice = self.env["account.move"].browse(line.res_id)
            seen.add(invoice.id)
            self.assertEqual(item.login, "billing@example.com")
            self.assertIn("Billing Department <billing@example.com>", message["From"])
            self.assertEqual(item.rcpt_tos, [invoice.partner_id.email])
            (attachment,) = pdf_attachments(message)
            pdf = attachment.get_content()
            self.assertTrue(pdf.startswith(b"%PDF-"))
            text = _pdf_text(pdf)
            self.assertIn(invoice.name, text)
            for other in (invoices - invoice).filtered(
                lambda move, partner=invoice.partner_id: move.partner_id == partner
            ):
                self.assertNotIn(other.name, text)
            # the invoice keeps this PDF as its own, as after core's Send & Print
            self.assertEqual(invoice.invoice_pdf_report_id.raw, pdf)
        self.assertEqual(seen, set(invoices.ids))

    def test_partner_documents(self):
        """Reminders, balance confirmations and interest notes at a date: the customers
        with nothing to say are skipped, the others get their own PDF."""
        partners = self.customer | self.customer_not_due | self.customer_no_debt
        expected = {
            self.profile_reminder: {self.customer: self.inv_1.name},
            self.profile_balance: {self.customer: self.inv_1.name,
                                   self.customer_not_due: self.inv_not_due.name},
            self.profile_interest: {self.customer: self.inv_3.name},
        }
        for profile, documents in expected.items():
            with self.subTest(profile=profile.name):
                self.servers.clear_smtp()
                batch = self._start(self.user_billing, partners, profile_id=profile.id,
                                    document_date=AS_OF)
                self._run_pdf_cron()
                sent = batch.line_ids.filtered(lambda line: line.state == "sent")
                skipped = batch.line_ids - sent
                self.assertEqual(set(sent.mapped("res_id")),
                                 {partner.id for partner in documents})
                self.assertEqual(set(skipped.mapped("skip_reason")), {"nothing_to_send"})
                received = self.servers.smtp_received
                self.assertEqual(len(received), len(documents))
                for item in received:
                    message = parse(item)
                    (partner,) = [p for p in documents if p.email in item.rcpt_tos]
                    (attachment,) = pdf_attachments(message)
                    text = _pdf_text(attachment.get_content())
                    self.assertIn(partner.name, text)
                    self.assertIn(documents[partner], text)
                    self.assertIn(self.company.name, message["Subject"])

    def test_employee_documents(self):
        """HR officers send employee documents (the declaration, or any employee
        report) to the work e-mail; an employee without one is skipped."""
        employees = self.env["hr.employee"].create([
            {"name": "Jan Kowalski", "work_email": "jan.kowalski@example.com",
             "company_id": self.company.id},
            {"name": "Olena Shevchenko", "work_email": "olena@example.com",
             "company_id": self.company.id},
            {"name": "Nobody Without Mail", "company_id": self.company.id},
        ])
        badge = self.env.ref("hr.hr_employee_print_badge")
        for report in (self.profile_employee.report_id, badge):
            with self.subTest(report=report.name):
                self.servers.clear_smtp()
                batch = self._start(self.user_hr, employees, report_id=report.id,
                                    document_date=AS_OF, send_again=True)
                self._run_pdf_cron()
                self.assertEqual(batch.sent_count, 2)
                skipped = batch.line_ids.filtered(lambda line: line.state == "skipped")
                self.assertEqual(skipped.res_id, employees[2].id)
                self.assertEqual(skipped.skip_reason, "no_email")
                for item in self.servers.smtp_received:
                    self.assertEqual(item.login, "hr@example.com")
                    (employee,) = employees.filtered(
                        lambda e, item=item: e.work_email in item.rcpt_tos)
                    (attachment,) = pdf_attachments(parse(item))
                    text = _pdf_text(attachment.get_content())
                    self.assertIn(employee.name, text)
