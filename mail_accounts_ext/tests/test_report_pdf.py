# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Real PDFs from the installed wkhtmltopdf (the Debian one here: unpatched Qt).

wkhtmltopdf loads the report style sheets over HTTP from ``report.url``: these tests run a
live server (HttpCase) and point ``report.url`` at it.
"""

import http.client
import http.server
import io
import threading
import urllib.parse
from unittest.mock import patch

from odoo.tests import HOST, HttpCase, tagged
from odoo.tools import config
from odoo.tools.pdf import PdfFileReader

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..tools import wkhtmltopdf as wk
from .common_documents import PartnerDocumentsCommon

# The standard titles of the partner documents (no reminder levels): English, Polish,
# Ukrainian.
STANDARD_TITLES = {
    "mail_accounts_ext.action_report_payment_reminder": (
        "Payment reminder", "Ponaglenie zapłaty", "Нагадування про оплату"),
    "mail_accounts_ext.action_report_balance_confirmation": (
        "Balance confirmation", "Potwierdzenie salda", "Акт звірки взаєморозрахунків"),
    "mail_accounts_ext.action_report_interest_note": (
        "Interest note", "Nota odsetkowa", "Розрахунок процентів за прострочення оплати"),
}


def _pdf_pages_text(pdf):
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [" ".join(page.extract_text().split()) for page in reader.pages]


class RecordingProxy(http.server.ThreadingHTTPServer):
    """A loopback HTTP server in front of the test's Odoo server: wkhtmltopdf gets it
    as the report URL; it records every path asked and passes the request on (redirects
    are passed back as they are, so a request for ``/`` shows as one)."""

    daemon_threads = True

    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.paths = []
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self):
        self.shutdown()
        self.server_close()


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.server.paths.append(self.path)
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        try:
            connection.request("GET", self.path)
            response = connection.getresponse()
            body = response.read()
            self.send_response(response.status)
            for name in ("Content-Type", "Location"):
                if response.getheader(name):
                    self.send_header(name, response.getheader(name))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            connection.close()

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestReportPdf(PartnerDocumentsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://{HOST}:{config['http_port']}"
        )
        for code in ("pl_PL", "uk_UA"):
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(
            ["mail_accounts_ext"], ["pl_PL", "uk_UA"], overwrite=True
        )
        Partner = cls.env["res.partner"]
        cls.customer_pl = Partner.create({"name": "Firma Testowa Sp. z o.o.", "is_company": True,
                                          "lang": "pl_PL"})
        cls.customer_uk = Partner.create({"name": "ТОВ Тестова Фірма", "is_company": True,
                                          "lang": "uk_UA"})
        cls.inv_pl = cls._mae_invoice(cls.customer_pl, cls.usd, 1234.5, "2026-01-05",
                                      "2026-01-20")
        cls.inv_uk = cls._mae_invoice(cls.customer_uk, cls.eur, 777.0, "2026-01-05",
                                      "2026-02-04")
        cls.employees = cls.env["hr.employee"].create([
            {"name": "Jan Kowalski", "job_title": "Accountant", "company_id": cls.company.id},
            {"name": "Olena Shevchenko", "job_title": "Engineer", "company_id": cls.company.id},
        ])

    def setUp(self):
        super().setUp()
        if not _get_wkhtmltopdf_bin():
            self.skipTest("wkhtmltopdf is not installed")

    def _render(self, xmlid, records, user, data=None):
        report = self.env.ref(xmlid).with_user(user).with_context(force_report_rendering=True)
        return report._mae_render_pdfs(records.ids, data=data)

    def test_payment_reminders_three_partners_one_call(self):
        partners = self.customer | self.customer_pl | self.customer_uk
        pdfs = self._render("mail_accounts_ext.action_report_payment_reminder", partners,
                            self.user_billing, data={"date": "2026-03-02"})
        self.assertEqual(list(pdfs), partners.ids)
        expected = {
            self.customer: [self.inv_1.name, self.inv_3.name, "1st reminder"],
            self.customer_pl: [self.inv_pl.name],
            self.customer_uk: [self.inv_uk.name],
        }
        for partner, words in expected.items():
            with self.subTest(partner=partner.name):
                pdf = pdfs[partner.id]
                self.assertTrue(pdf.startswith(b"%PDF-"))
                pages = _pdf_pages_text(pdf)
                self.assertGreaterEqual(len(pages), 1)
                text = " ".join(pages)
                self.assertIn(partner.name, text)
                self.assertIn(self.company.name, text)  # the letterhead, even unpatched
                for word in words:
                    self.assertIn(word, text)
                for other in partners - partner:
                    self.assertNotIn(other.name, text)

    def test_partner_documents_in_partner_language(self):
        """Without reminder levels, the standard titles in the customer's language."""
        self.company.reminder_level_ids.action_archive()
        partners = self.customer | self.customer_pl | self.customer_uk
        for xmlid, (english, polish, ukrainian) in STANDARD_TITLES.items():
            pdfs = self._render(xmlid, partners, self.user_billing, data={"date": "2026-03-02"})
            with self.subTest(report=xmlid):
                self.assertIn(english, " ".join(_pdf_pages_text(pdfs[self.customer.id])))
                self.assertIn(polish, " ".join(_pdf_pages_text(pdfs[self.customer_pl.id])))
                self.assertIn(ukrainian, " ".join(_pdf_pages_text(pdfs[self.customer_uk.id])))

    def test_reminder_level_in_partner_language(self):
        """A 2nd reminder to a Polish customer: the level's title and text as the company
        wrote them in Polish, the level of each invoice in the table."""
        first, second, _final = self.company.reminder_level_ids
        second.with_context(lang="pl_PL").write({
            "name": "Drugie ponaglenie zapłaty",
            "body": "<p>Mimo naszego poprzedniego ponaglenia poniższe faktury nadal nie "
                    "zostały opłacone. Prosimy o zapłatę w ciągu 7 dni.</p>",
        })
        self.env["account.move.reminder"].sudo().create({
            "move_id": self.inv_pl.id, "partner_id": self.customer_pl.id,
            "company_id": self.company.id, "level_id": first.id, "date": "2026-02-20",
        })
        pdfs = self._render("mail_accounts_ext.action_report_payment_reminder",
                            self.customer_pl | self.customer, self.user_billing,
                            data={"date": "2026-03-02"})
        polish = " ".join(_pdf_pages_text(pdfs[self.customer_pl.id]))
        self.assertIn("Drugie ponaglenie zapłaty", polish)
        self.assertIn("Mimo naszego poprzedniego ponaglenia", polish)
        self.assertNotIn("According to our records", polish)
        english = " ".join(_pdf_pages_text(pdfs[self.customer.id]))
        self.assertIn("1st reminder", english)
        self.assertEqual(self.inv_pl.reminder_ids.sorted("date").level_id, first | second)

    def test_interest_note_pdf_figures(self):
        pdf = self._render("mail_accounts_ext.action_report_interest_note", self.customer,
                           self.user_billing, data={"date": "2026-03-02"})[self.customer.id]
        text = " ".join(_pdf_pages_text(pdf))
        for figure in ("9.86", "1.48", "29.59", "11.34", "1,311.34", "12.00"):
            self.assertIn(figure, text)

    def test_stored_attachment_is_reused(self):
        """A report that keeps its PDFs (attachment_use) is converted once per record;
        like core, a user who may not attach files to the record still gets the PDF."""
        report = self.env.ref("mail_accounts_ext.action_report_balance_confirmation")
        report.sudo().write({"attachment": "'Balance %s.pdf' % object.id",
                             "attachment_use": True})
        Attachment = self.env["ir.attachment"]
        domain = [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id),
                  ("name", "=", f"Balance {self.customer.id}.pdf")]
        first = self._render(report.xml_id, self.customer, self.user_billing)
        self.assertTrue(first[self.customer.id].startswith(b"%PDF-"))
        self.assertFalse(Attachment.search(domain))  # may not write partners
        self.user_billing.groups_id += self.env.ref("base.group_partner_manager")
        second = self._render(report.xml_id, self.customer, self.user_billing)
        self.assertEqual(Attachment.search(domain).raw, second[self.customer.id])
        with patch.object(wk.DocumentRenderer, "submit",
                          side_effect=AssertionError("rendered")):
            third = self._render(report.xml_id, self.customer, self.user_billing)
        self.assertEqual(third, second)

    def test_employee_reports_as_hr_officer(self):
        for xmlid in ("mail_accounts_ext.action_report_employee_declaration",
                      "hr.hr_employee_print_badge"):
            pdfs = self._render(xmlid, self.employees, self.user_hr)
            with self.subTest(report=xmlid):
                self.assertEqual(list(pdfs), self.employees.ids)
                for employee in self.employees:
                    text = " ".join(_pdf_pages_text(pdfs[employee.id]))
                    self.assertIn(employee.name, text)
                    for other in self.employees - employee:
                        self.assertNotIn(other.name, text)

    def test_core_multi_invoice_printing(self):
        """Core prints several invoices in one wkhtmltopdf call, which Debian's binary
        refuses; the override converts one invoice per call and keeps them separable,
        also when an invoice has more than one page. (Core's path keeps the company's web
        font: on the unpatched build its text is drawn, not extractable; pages are
        counted instead.)"""
        long_invoice = self._mae_invoice(self.customer, self.usd, 6000.0, "2026-02-10",
                                         "2026-03-10", lines=60)
        invoices = self.inv_1 | long_invoice | self.inv_3
        Report = self.env["ir.actions.report"].with_user(self.user_billing).with_context(
            force_report_rendering=True, report_pdf_no_attachment=True
        )
        pdf, report_type = Report._render_qweb_pdf("account.account_invoices", invoices.ids)
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF-"))
        total_pages = len(_pdf_pages_text(pdf))
        self.assertGreaterEqual(total_pages, 4)
        # account.move.send's path: one stream per invoice
        streams, report_type = Report._pre_render_qweb_pdf("account.account_invoices",
                                                           invoices.ids)
        self.assertEqual(report_type, "pdf")
        self.assertEqual(list(streams), invoices.ids)
        pages = {
            invoice: len(_pdf_pages_text(streams[invoice.id]["stream"].getvalue()))
            for invoice in invoices
        }
        self.assertEqual(pages[self.inv_1], 1)
        self.assertEqual(pages[self.inv_3], 1)
        self.assertGreater(pages[long_invoice], 1)
        self.assertEqual(sum(pages.values()), total_pages)

    def test_hand_printed_documents_have_text_and_stay_small(self):
        """The partner documents printed from the web client (core's path, as the Print
        menu does) use installed fonts, as batch printing: their text can be searched and
        copied, and a page stays under 100 KB."""
        self.company.reminder_level_ids.action_archive()  # the standard titles
        Report = self.env["ir.actions.report"].with_user(self.user_billing).with_context(
            force_report_rendering=True)
        partners = self.customer | self.customer_pl | self.customer_uk
        for xmlid, titles in STANDARD_TITLES.items():
            with self.subTest(report=xmlid):
                pdf, report_type = Report._render_qweb_pdf(xmlid, partners.ids,
                                                           data={"date": "2026-03-02"})
                self.assertEqual(report_type, "pdf")
                pages = _pdf_pages_text(pdf)
                self.assertGreaterEqual(len(pages), 3)
                self.assertLess(len(pdf) / len(pages), 100_000)
                text = " ".join(pages)
                for partner, title in zip(partners, titles, strict=True):
                    self.assertIn(partner.name, text)
                    self.assertIn(title, text)
                # one partner alone: the one-body path
                pdf, _type = Report._render_qweb_pdf(xmlid, self.customer.ids,
                                                     data={"date": "2026-03-02"})
                self.assertIn(self.customer.name, " ".join(_pdf_pages_text(pdf)))
                self.assertLess(len(pdf), 100_000)
        declaration = Report.with_user(self.user_hr)._render_qweb_pdf(
            "mail_accounts_ext.action_report_employee_declaration", self.employees.ids)[0]
        text = " ".join(_pdf_pages_text(declaration))
        for employee in self.employees:
            self.assertIn(employee.name, text)

    def test_no_request_for_the_root_page(self):
        """wkhtmltopdf loads the style sheets and nothing else: core's layouts write an
        empty CSS url() on every page, which made it fetch / (and the login page) for
        each document."""
        proxy = RecordingProxy(f"http://{HOST}:{config['http_port']}")
        self.addCleanup(proxy.close)
        self.env["ir.config_parameter"].sudo().set_param("report.url", proxy.url)
        billing = self.user_billing
        # the batch path: the style sheets are fetched once and put into every document
        partners = self.customer | self.customer_pl | self.customer_uk
        pdfs = self._render("mail_accounts_ext.action_report_payment_reminder", partners,
                            billing, data={"date": "2026-03-02"})
        stylesheets = [path for path in proxy.paths if path.endswith(".css")]
        self.assertEqual(len(stylesheets), 2, proxy.paths)  # two bundles, for 3 PDFs
        self.assertEqual(len(set(stylesheets)), 2)
        for partner in partners:  # styled as before: the letterhead is there
            self.assertIn(self.company.name, " ".join(_pdf_pages_text(pdfs[partner.id])))
        seen = len(proxy.paths)
        self._render("account.account_invoices", self.inv_1 | self.inv_3, billing)
        self.assertFalse([path for path in proxy.paths[seen:] if path.endswith(".css")])
        seen = len(proxy.paths)
        # core's path: wkhtmltopdf loads the style sheets itself, and nothing else
        self.env["ir.actions.report"].with_user(billing).with_context(
            force_report_rendering=True, report_pdf_no_attachment=True,
        )._render_qweb_pdf("account.account_invoices", (self.inv_1 | self.inv_3).ids)
        self.assertTrue([path for path in proxy.paths[seen:] if path.endswith(".css")])
        pages = [path for path in proxy.paths
                 if path.split("?")[0] in ("/", "/odoo", "/web", "/web/login")]
        self.assertFalse(pages, proxy.paths)
