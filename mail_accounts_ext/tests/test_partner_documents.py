# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_documents import AS_OF, PartnerDocumentsCommon


def _rows(rows, *keys):
    return [tuple(row[key] for key in keys) for row in rows]


@tagged("post_install", "-at_install")
class TestPartnerDocuments(PartnerDocumentsCommon):
    """The numbers of the payment reminder, balance confirmation and interest note."""

    def setUp(self):
        super().setUp()
        self.customer_b = self.customer.with_user(self.user_billing)

    def test_payment_reminder_lines(self):
        data = self.customer_b._mae_payment_reminder_lines(AS_OF)
        self.assertEqual(data["date"], AS_OF)
        self.assertEqual(data["partner_id"], self.customer.id)
        self.assertEqual(
            _rows(data["lines"], "number", "currency", "date", "due_date", "days_late",
                  "amount", "residual"),
            [
                (self.inv_3.name, "EUR", self.inv_3.invoice_date,
                 self.inv_3.invoice_date_due, 45, 2000.0, 2000.0),
                (self.inv_1.name, self.usd.name, self.inv_1.invoice_date,
                 self.inv_1.invoice_date_due, 30, 1000.0, 1000.0),
                (self.inv_2.name, self.usd.name, self.inv_2.invoice_date,
                 self.inv_2.invoice_date_due, 15, 500.0, 300.0),
            ],
        )
        self.assertEqual(_rows(data["credits"], "number", "residual"),
                         [(self.refund.name, -100.0)])
        self.assertEqual(
            _rows(data["totals"], "currency", "currency_id", "count", "amount", "residual",
                  "credit", "to_pay"),
            [
                ("EUR", self.eur.id, 1, 2000.0, 2000.0, -100.0, 1900.0),
                (self.usd.name, self.usd.id, 2, 1500.0, 1300.0, 0.0, 1300.0),
            ],
        )

    def test_contact_gets_commercial_partner_documents(self):
        contact = self.contact.with_user(self.user_billing)
        self.assertEqual(contact._mae_payment_reminder_lines(AS_OF),
                         self.customer_b._mae_payment_reminder_lines(AS_OF))
        self.assertEqual(contact._mae_balance_confirmation_lines(AS_OF)["totals"],
                         self.customer_b._mae_balance_confirmation_lines(AS_OF)["totals"])

    def test_interest_note_actual_365(self):
        """1,000.00 at 12 % actual/365 for 30 days late = 9.86."""
        data = self.customer_b._mae_interest_note_lines(AS_OF)
        self.assertEqual((data["rate"], data["day_count"]), (12.0, "actual_365"))
        self.assertEqual(
            _rows(data["lines"], "number", "days_late", "base", "interest", "total"),
            [
                (self.inv_3.name, 45, 2000.0, 29.59, 2029.59),
                (self.inv_1.name, 30, 1000.0, 9.86, 1009.86),
                (self.inv_2.name, 15, 300.0, 1.48, 301.48),
            ],
        )
        self.assertEqual(
            _rows(data["totals"], "currency", "base", "interest", "total"),
            [("EUR", 2000.0, 29.59, 2029.59), (self.usd.name, 1300.0, 11.34, 1311.34)],
        )

    def test_interest_note_actual_360_and_actual_actual(self):
        self.company.interest_note_day_count = "actual_360"
        data = self.customer_b._mae_interest_note_lines(AS_OF)
        self.assertEqual([line["interest"] for line in data["lines"]], [30.0, 10.0, 1.5])
        self.assertEqual(_rows(data["totals"], "currency", "interest"),
                         [("EUR", 30.0), (self.usd.name, 11.5)])
        self.company.interest_note_day_count = "actual_actual"
        data = self.customer_b._mae_interest_note_lines(AS_OF)
        self.assertEqual([line["interest"] for line in data["lines"]], [29.59, 9.86, 1.48])

    def test_balance_confirmation_today(self):
        data = self.customer_b._mae_balance_confirmation_lines(AS_OF)
        self.assertEqual(
            _rows(data["lines"], "number", "kind", "currency", "residual"),
            [
                (self.inv_3.name, "invoice", "EUR", 2000.0),
                (self.refund.name, "credit_note", "EUR", -100.0),
                (self.inv_4.name, "invoice", "EUR", 250.0),
                (self.inv_1.name, "invoice", self.usd.name, 1000.0),
                (self.inv_2.name, "invoice", self.usd.name, 300.0),
                (self.bill.name, "bill", self.usd.name, -400.0),
            ],
        )
        self.assertEqual(
            _rows(data["totals"], "currency", "residual", "debit", "credit"),
            [("EUR", 2150.0, 2250.0, -100.0), (self.usd.name, 900.0, 1300.0, -400.0)],
        )

    def test_balance_confirmation_at_past_date(self):
        """On 2026-02-18 the partial payment (2026-02-20) and invoice 4 did not exist yet;
        the vendor bill dated 2026-02-05 is booked on 2026-02-28 (Odoo books bills entered
        in a past period on the last day of that period): not in our books either."""
        data = self.customer_b._mae_balance_confirmation_lines("2026-02-18")
        self.assertEqual(
            _rows(data["lines"], "number", "residual"),
            [
                (self.inv_3.name, 2000.0),
                (self.refund.name, -100.0),
                (self.inv_1.name, 1000.0),
                (self.inv_2.name, 500.0),
            ],
        )
        self.assertEqual(self.bill.date.isoformat(), "2026-02-28")
        self.assertEqual(_rows(data["totals"], "currency", "residual"),
                         [("EUR", 1900.0), (self.usd.name, 1500.0)])
        # before any document: nothing open
        empty = self.customer_b._mae_balance_confirmation_lines("2025-12-01")
        self.assertEqual((empty["lines"], empty["totals"]), ([], []))

    @freeze_time("2026-03-02")
    def test_date_defaults_to_today(self):
        self.assertEqual(self.customer_b._mae_payment_reminder_lines(),
                         self.customer_b._mae_payment_reminder_lines("2026-03-02"))
        self.assertEqual(self.customer_b._mae_interest_note_lines()["date"], AS_OF)
        with self.assertRaises(UserError):
            self.customer_b._mae_payment_reminder_lines("02/03/2026")

    def test_nothing_to_send(self):
        cases = [
            (self.customer, "payment_reminder", True),
            (self.customer, "balance_confirmation", True),
            (self.customer, "interest_note", True),
            (self.customer, "mail_accounts_ext.report_interest_note", True),
            (self.customer_not_due, "payment_reminder", False),
            (self.customer_not_due, "balance_confirmation", True),
            (self.customer_not_due, "interest_note", False),
            (self.customer_no_debt, "payment_reminder", False),
            (self.customer_no_debt, "balance_confirmation", False),
            (self.customer_no_debt, "interest_note", False),
            (self.customer_no_debt, "account.report_invoice", True),  # not ours: never skip
        ]
        for partner, code, expected in cases:
            with self.subTest(partner=partner.name, code=code):
                self.assertIs(
                    partner.with_user(self.user_billing)._mae_has_document(code, AS_OF), expected
                )
        # nothing overdue yet on 2026-01-15 (first due date is 2026-01-16)
        self.assertFalse(self.customer_b._mae_has_document("payment_reminder", "2026-01-15"))
        # no interest without a rate
        self.company.interest_note_rate = 0.0
        self.assertFalse(self.customer_b._mae_has_document("interest_note", AS_OF))

    def test_credits_covering_overdue_amount_leave_nothing_to_pay(self):
        self._mae_invoice(self.customer, self.eur, 1900.0, "2026-02-10", "2026-02-10",
                          move_type="out_refund")
        data = self.customer_b._mae_payment_reminder_lines(AS_OF)
        self.assertEqual(_rows(data["totals"], "currency", "to_pay"),
                         [("EUR", 0.0), (self.usd.name, 1300.0)])
        self.assertTrue(self.customer_b._mae_has_document("payment_reminder", AS_OF))

    def test_other_company_is_not_visible(self):
        other = self.setup_other_company(name="Mae Other Company")["company"]
        invoice_other = self.env["account.move"].with_company(other).create({
            "move_type": "out_invoice",
            "partner_id": self.customer.id,
            "invoice_date": "2026-01-01",
            "invoice_date_due": "2026-01-10",
            "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 5000.0,
                                         "tax_ids": [(5, 0, 0)]})],
        })
        invoice_other.action_post()
        moves = [line["move_id"] for line in
                 self.customer_b._mae_payment_reminder_lines(AS_OF)["lines"]]
        self.assertEqual(moves, (self.inv_3 | self.inv_1 | self.inv_2).ids)
        with self.assertRaises(AccessError):
            self.customer_b._mae_payment_reminder_lines(AS_OF, company=other)
        # an accountant of both companies gets each company's own document
        lines = self.customer.with_company(other)._mae_payment_reminder_lines(AS_OF)["lines"]
        self.assertEqual([line["move_id"] for line in lines], invoice_other.ids)

    def test_access_rights(self):
        plain = self.customer.with_user(self.user_plain)
        for method in ("_mae_payment_reminder_lines", "_mae_balance_confirmation_lines",
                       "_mae_interest_note_lines"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(plain, method)(AS_OF)
        report = self.env.ref("mail_accounts_ext.action_report_payment_reminder")
        with self.assertRaises(AccessError):
            report.with_user(self.user_hr)._mae_render_pdfs(self.customer.ids)
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.user_plain)._render_qweb_html(
                report.id, self.customer.ids
            )
        declaration = self.env.ref("mail_accounts_ext.action_report_employee_declaration")
        with self.assertRaises(AccessError):
            declaration.with_user(self.user_billing)._mae_render_pdfs(
                self.env["hr.employee"].search([], limit=1).ids
            )

    def test_report_actions_groups(self):
        invoice_group = self.env.ref("account.group_account_invoice")
        for code in ("payment_reminder", "balance_confirmation", "interest_note"):
            report = self.env.ref(f"mail_accounts_ext.action_report_{code}")
            self.assertIn(invoice_group, report.groups_id)
            self.assertEqual(report.model, "res.partner")
        declaration = self.env.ref("mail_accounts_ext.action_report_employee_declaration")
        self.assertEqual(declaration.groups_id, self.env.ref("hr.group_hr_user"))
        self.assertIn("example", declaration.name.lower())

    def test_html_in_test_mode_carries_data_and_print_delay(self):
        """Without force_report_rendering, tests get each record's HTML (like core)."""
        report = self.env.ref("mail_accounts_ext.action_report_interest_note")
        result = report.with_user(self.user_billing)._mae_render_pdfs(
            [self.customer.id], data={"date": "2026-03-02"}
        )
        self.assertEqual(list(result), [self.customer.id])
        html = result[self.customer.id].decode()
        self.assertIn("Mae Customer One", html)
        self.assertIn(self.inv_1.name, html)
        self.assertIn("9.86", html)
        self.assertIn('data-report-print-delay="50"', html)
        balance = self.env.ref("mail_accounts_ext.action_report_balance_confirmation")
        result = balance.with_user(self.user_billing)._mae_render_pdfs(
            self.customer_no_debt.ids, data={"date": "2026-03-02"})
        self.assertIn("There is no open item", result[self.customer_no_debt.id].decode())

    def test_nothing_to_claim_refused_by_hand(self):
        """Printing a reminder or an interest note by hand for a customer who owes
        nothing overdue is refused with a clear message (no letter asking to pay 0.00);
        a customer with something to claim still prints."""
        Report = self.env["ir.actions.report"].with_user(self.user_billing)
        reminder = "mail_accounts_ext.action_report_payment_reminder"
        interest = "mail_accounts_ext.action_report_interest_note"
        for xmlid in (reminder, interest):
            for partner in (self.customer_no_debt, self.customer_not_due):
                with self.subTest(report=xmlid, partner=partner.name), \
                        self.assertRaisesRegex(UserError, partner.name):
                    Report._render_qweb_pdf(xmlid, (self.customer | partner).ids,
                                            data={"date": "2026-03-02"})
            html, _type = Report._render_qweb_pdf(xmlid, self.customer.ids,
                                                  data={"date": "2026-03-02"})
            self.assertIn(self.inv_1.name, html.decode())
        # no interest rate: no interest note either
        self.company.interest_note_rate = 0
        with self.assertRaisesRegex(UserError, "interest rate"):
            Report._render_qweb_pdf(interest, self.customer.ids, data={"date": "2026-03-02"})
        # a customer whose credit note covers the overdue amount owes nothing
        debtor = self.env["res.partner"].create({"name": "Mae Covered By Credit"})
        self._mae_invoice(debtor, self.usd, 100.0, "2026-01-01", "2026-01-31")
        self._mae_invoice(debtor, self.usd, 100.0, "2026-02-01", "2026-02-01",
                          move_type="out_refund")
        with self.assertRaisesRegex(UserError, "Mae Covered By Credit"):
            Report._render_qweb_pdf(reminder, debtor.ids, data={"date": "2026-03-02"})

    def test_failed_conversion_names_the_records(self):
        report = self.env.ref("mail_accounts_ext.action_report_payment_reminder").with_user(
            self.user_billing).with_context(force_report_rendering=True)
        with patch("odoo.addons.mail_accounts_ext.models.ir_actions_report."
                   "_get_wkhtmltopdf_bin", return_value="/bin/false"), \
                mute_logger("odoo.addons.mail_accounts_ext.models.ir_actions_report"), \
                self.assertRaisesRegex(UserError, "Mae Customer One"):
            report._mae_render_pdfs(self.customer.ids)

    def test_employee_documents_never_skipped(self):
        employee = self.env["hr.employee"].create({"name": "Mae Employee"})
        self.assertTrue(employee.with_user(self.user_hr)._mae_has_document(
            "mail_accounts_ext.report_employee_declaration", AS_OF))

    def test_wkhtmltopdf_args(self):
        Report = self.env["ir.actions.report"]
        paperformat = self.env.ref("base.paperformat_euro")
        self.env["ir.config_parameter"].sudo().set_param("report.print_delay", "1000")
        with patch.object(type(Report), "_mae_wkhtmltopdf_is_patched", return_value=False):
            core = Report._build_wkhtmltopdf_args(paperformat, False)
            ours = Report._build_wkhtmltopdf_args(
                paperformat, False, specific_paperformat_args={"data-report-print-delay": "50"}
            )
        self.assertEqual(core[core.index("--javascript-delay") + 1], "1000")
        self.assertEqual(ours[ours.index("--javascript-delay") + 1], "50")
        self.assertNotIn("--header-spacing", core)
        self.assertEqual(core[core.index("--margin-top") + 1], "10")
        with patch.object(type(Report), "_mae_wkhtmltopdf_is_patched", return_value=True):
            patched = Report._build_wkhtmltopdf_args(paperformat, False)
        self.assertIn("--header-spacing", patched)
        self.assertEqual(float(patched[patched.index("--margin-top") + 1]), 52.0)

    def test_company_settings(self):
        settings = self.env["res.config.settings"].sudo().create({
            "interest_note_rate": 9.5, "interest_note_day_count": "actual_360",
        })
        settings.execute()
        self.assertEqual(self.env.company.interest_note_rate, 9.5)
        self.assertEqual(self.env.company.interest_note_day_count, "actual_360")
        with self.assertRaises(ValidationError):
            self.env.company.interest_note_rate = -1
