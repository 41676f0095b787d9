# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Payment reminder levels and booked interest notes, on real accounting data.

The customer of ``common_documents`` owes three overdue invoices at 2026-03-02: 45, 30 and
15 days late. The company has the default levels (7, 21 and 35 days; 7 days between two
reminders of an invoice). Reminders are printed as the Print menu does
(``_render_qweb_pdf``; HTML in test mode, which records as the PDF does) and e-mailed by
*Print & e-mail* through the harness' SMTP server.
"""

import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import new_employee
from .common_batch import BatchCommon, parse, pdf_attachments
from .common_documents import AS_OF, PartnerDocumentsCommon

REMINDER = "mail_accounts_ext.action_report_payment_reminder"
INTEREST = "mail_accounts_ext.action_report_interest_note"


def _day(offset):
    return AS_OF + datetime.timedelta(days=offset)


@tagged("post_install", "-at_install")
class TestReminderLevels(PartnerDocumentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls.env["account.reminder.level"].search(
            [("company_id", "=", cls.company.id)])
        cls.first, cls.second, cls.final = cls.levels
        cls.user_manager = new_employee(
            cls.env, "mae_levels_manager", "Accounting Manager", "account.group_account_manager",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )

    def _print(self, partner, day, xmlid=REMINDER, user=None):
        Report = self.env["ir.actions.report"].with_user(user or self.user_billing)
        html, _type = Report._render_qweb_pdf(xmlid, partner.ids,
                                              data={"date": str(day)})
        return html.decode()

    def _levels(self, day):
        lines = self.customer.with_user(self.user_billing)._mae_payment_reminder_lines(
            day)["lines"]
        return {line["move_id"]: (line["level_id"], line["new_level"]) for line in lines}

    def test_default_levels_of_every_company(self):
        self.assertEqual(
            [(level.name, level.days_overdue, bool(level.body)) for level in self.levels],
            [("1st reminder", 7, False), ("2nd reminder", 21, True),
             ("Final notice before legal action", 35, True)])
        company = self.env["res.company"].create({"name": "Mae New Company"})
        self.assertEqual(len(company.reminder_level_ids), 3)
        self.assertEqual(company.reminder_interval_days, 7)
        # the install data and the migration call it again: nothing twice
        self.env["res.company"]._mae_create_default_reminder_levels()
        self.assertEqual(len(company.reminder_level_ids), 3)

    def test_each_reminder_moves_each_invoice_up_one_level(self):
        inv_1, inv_2, inv_3 = self.inv_1.id, self.inv_2.id, self.inv_3.id
        first, second, final = self.first.id, self.second.id, self.final.id
        partner = self.customer.with_user(self.user_billing)
        # 2026-03-02: never reminded, each overdue invoice starts at the first level
        self.assertEqual(self._levels(AS_OF), {inv_3: (first, True), inv_1: (first, True),
                                               inv_2: (first, True)})
        self.assertTrue(partner._mae_has_document("payment_reminder", AS_OF))
        html = self._print(self.customer, AS_OF)
        self.assertIn("1st reminder", html)
        self.assertIn("According to our records", html)  # the standard text
        self.assertEqual(self.inv_1.reminder_ids.level_id, self.first)
        # the same reminder printed again on the same date: the same letter, no new row
        self.assertIn("1st reminder", self._print(self.customer, AS_OF))
        self.assertEqual(len(self.env["account.move.reminder"].search(
            [("partner_id", "=", self.customer.id)])), 3)
        # three days later: too early for the next level, nothing new to send (printing
        # by hand still shows the reminder at its level)
        self.assertEqual(self._levels(_day(3))[inv_1], (first, False))
        self.assertFalse(partner._mae_has_document("payment_reminder", _day(3)))
        self.assertIn("1st reminder", self._print(self.customer, _day(3)))
        self.assertEqual(len(self.inv_1.reminder_ids), 1)
        # week by week: the levels on that day, then the letter printed (and recorded)
        weeks = (
            # a week later: all three reach the second level (52, 37 and 22 days late)
            (7, {inv_3: (second, True), inv_1: (second, True), inv_2: (second, True)},
             ("2nd reminder", "Despite our previous reminder")),
            # two weeks: the final notice for the two oldest; the third (29 days) waits
            (14, {inv_3: (final, True), inv_1: (final, True), inv_2: (second, False)},
             ("Final notice before legal action", "legal collection")),
            # three weeks: the third reaches the final notice too, the others stay there
            (21, {inv_3: (final, False), inv_1: (final, False), inv_2: (final, True)}, ()),
        )
        for days, levels, texts in weeks:
            with self.subTest(days=days):
                self.assertEqual(self._levels(_day(days)), levels)
                html = self._print(self.customer, _day(days))
                for text in texts:
                    self.assertIn(text, html)
        # four weeks: every invoice past the last level, no new reminder
        self.assertFalse(partner._mae_has_document("payment_reminder", _day(28)))
        self.assertEqual(
            self.inv_2.reminder_ids.sorted("date").mapped(lambda rem: (rem.date, rem.level_id)),
            [(AS_OF, self.first), (_day(7), self.second), (_day(21), self.final)])
        self.assertEqual(self.inv_2.reminder_ids.mapped("user_id"), self.user_billing)

    def test_invoice_in_installments_recorded_once(self):
        term = self.env["account.payment.term"].create({
            "name": "Half now, half in 10 days",
            "line_ids": [
                Command.create({"value": "percent", "value_amount": 50, "nb_days": 0}),
                Command.create({"value": "percent", "value_amount": 50, "nb_days": 10}),
            ],
        })
        customer = self.env["res.partner"].create({"name": "Mae Installments"})
        move = self.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": customer.id,
            "invoice_date": "2026-01-01", "invoice_payment_term_id": term.id,
            "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1,
                                                 "price_unit": 1000.0,
                                                 "tax_ids": [Command.clear()]})],
        })
        move.action_post()
        values = customer.with_user(self.user_billing)._mae_payment_reminder_lines(AS_OF)
        self.assertEqual(len(values["lines"]), 2)  # both installments overdue
        self._print(customer, AS_OF)
        self.assertEqual(len(move.reminder_ids), 1)
        self.assertEqual(move.reminder_ids.days_overdue, 60)  # the older installment

    def test_html_preview_records_nothing(self):
        Report = self.env["ir.actions.report"].with_user(self.user_billing)
        Report._render_qweb_html(REMINDER, self.customer.ids, data={"date": str(AS_OF)})
        self.assertFalse(self.inv_1.reminder_ids)

    def test_without_levels_every_reminder_is_the_same(self):
        self.levels.action_archive()
        partner = self.customer.with_user(self.user_billing)
        self.assertFalse(partner._mae_payment_reminder_lines(AS_OF)["level_id"])
        html = self._print(self.customer, AS_OF)
        self.assertIn("Payment reminder", html)
        self.assertFalse(self.inv_1.reminder_ids)
        self.assertTrue(partner._mae_has_document("payment_reminder", _day(1)))

    def test_levels_configuration_rights(self):
        Level = self.env["account.reminder.level"]
        for user in (self.user_billing, self.user_plain):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    Level.with_user(user).create({"name": "Mine", "days_overdue": 99})
                with self.assertRaises(AccessError):
                    self.first.with_user(user).write({"days_overdue": 1})
                with self.assertRaises(AccessError):
                    self.first.with_user(user).unlink()
        self._print(self.customer, AS_OF)
        reminder = self.inv_1.reminder_ids
        with self.assertRaises(AccessError):
            reminder.with_user(self.user_billing).write({"level_id": self.final.id})
        with self.assertRaises(AccessError):
            reminder.with_user(self.user_billing).unlink()
        with self.assertRaises(AccessError):
            self.env["account.move.reminder"].with_user(self.user_billing).create({
                "move_id": self.inv_2.id, "partner_id": self.customer.id,
                "company_id": self.company.id, "level_id": self.final.id, "date": AS_OF})
        with self.assertRaises(AccessError):
            self.inv_1.with_user(self.user_billing).write({"interest_note_date": AS_OF})
        # the accounting manager configures the levels of the company
        level = Level.with_user(self.user_manager).create({
            "name": "Pre-court summons", "days_overdue": 60, "sequence": 99})
        self.assertEqual(level.company_id, self.company)
        with self.assertRaises(ValidationError):  # levels escalate
            level.days_overdue = 10
        # another company's levels are not visible
        other = self.env["res.company"].create({"name": "Mae Other Company"})
        self.assertFalse(Level.with_user(self.user_manager).search(
            [("company_id", "=", other.id)]))
        self.assertEqual(len(Level.search([("company_id", "=", other.id)])), 3)


@tagged("post_install", "-at_install")
class TestInterestEntries(PartnerDocumentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.interest_account = cls.env["account.account"].create({
            "name": "Interest income", "code": "MAE764", "account_type": "income_other",
            "company_ids": [Command.link(cls.company.id)],
        })
        cls.journal = cls.company_data["default_journal_misc"]

    def _enable(self):
        self.company.write({"interest_note_post_move": True,
                            "interest_note_account_id": self.interest_account.id,
                            "interest_note_journal_id": self.journal.id})

    def _print(self, partner, day=AS_OF, user=None):
        Report = self.env["ir.actions.report"].with_user(user or self.user_billing)
        return Report._render_qweb_pdf(INTEREST, partner.ids, data={"date": str(day)})[0]

    def _entries(self):
        return self.env["account.move"].search([
            ("interest_note_partner_id", "=", self.customer.id)], order="id")

    def test_option_off_books_nothing(self):
        self._print(self.customer)
        self.assertFalse(self._entries())

    def test_option_needs_account_and_journal(self):
        self.company.interest_note_post_move = True
        with self.assertRaisesRegex(UserError, "interest income account"):
            self._print(self.customer)
        self.assertFalse(self._entries())

    def test_invoicing_settings(self):
        """The options are set in the Invoicing settings, per company."""
        settings = self.env["res.config.settings"].create({
            "interest_note_post_move": True,
            "interest_note_account_id": self.interest_account.id,
            "interest_note_journal_id": self.journal.id,
            "reminder_interval_days": 10,
        })
        settings.execute()
        self.assertTrue(self.env.company.interest_note_post_move)
        self.assertEqual(self.env.company.interest_note_account_id, self.interest_account)
        self.assertEqual(self.env.company.interest_note_journal_id, self.journal)
        self.assertEqual(self.env.company.reminder_interval_days, 10)
        with self.assertRaises(ValidationError):
            self.env.company.reminder_interval_days = -1
        with self.assertRaises(AccessError):  # billing users do not change settings
            self.company.with_user(self.user_billing).write({"interest_note_post_move": False})

    def test_printing_books_the_interest_once(self):
        """The note of 2026-03-02 charges 9.86 + 1.48 USD and 29.59 EUR: one posted entry
        per currency, receivable debited, interest income credited; printing it again
        books nothing more."""
        self._enable()
        html = self._print(self.customer).decode()
        entries = self._entries()
        self.assertEqual(len(entries), 2)
        self.assertEqual(set(entries.mapped("state")), {"posted"})
        self.assertEqual(entries.journal_id, self.journal)
        self.assertEqual(set(entries.mapped("date")), {AS_OF})
        by_currency = {move.currency_id: move for move in entries}
        receivable = self.customer.property_account_receivable_id
        for currency, interest in ((self.usd, 11.34), (self.eur, 29.59)):
            move = by_currency[currency]
            debit = move.line_ids.filtered(lambda line: line.account_id == receivable)
            credit = move.line_ids.filtered(
                lambda line: line.account_id == self.interest_account)
            self.assertEqual(debit.amount_currency, interest)
            self.assertEqual(credit.amount_currency, -interest)
            self.assertEqual(debit.partner_id, self.customer)
            self.assertEqual(debit.date_maturity, AS_OF)
            expected = currency._convert(interest, self.usd, self.company, AS_OF)
            self.assertAlmostEqual(debit.debit, expected, places=2)
            self.assertAlmostEqual(credit.credit, expected, places=2)
            self.assertIn(move.name, html)
        self.assertAlmostEqual(by_currency[self.usd].line_ids[0].debit, 11.34, places=2)
        self._print(self.customer)
        self.assertEqual(self._entries(), entries)
        # the interest is now open in the customer's account (balance confirmation)...
        balance = self.customer._mae_balance_confirmation_lines(AS_OF)
        self.assertIn(by_currency[self.usd].name, [line["number"] for line in balance["lines"]])
        # ... but is no invoice: no interest on interest, no reminder for it
        note = self.customer._mae_interest_note_lines(AS_OF)
        self.assertNotIn(by_currency[self.usd].id, [line["move_id"] for line in note["lines"]])

    def test_batch_rendering_books_too_and_nothing_to_claim_books_nothing(self):
        self._enable()
        with self.assertRaises(UserError):
            self._print(self.customer_no_debt)
        self.assertFalse(self.env["account.move"].search(
            [("interest_note_partner_id", "=", self.customer_no_debt.id)]))
        report = self.env.ref(INTEREST).with_user(self.user_billing)
        report._mae_render_pdfs(self.customer.ids, data={"date": str(AS_OF)})
        self.assertEqual(len(self._entries()), 2)


@tagged("post_install", "-at_install")
class TestReminderLevelsBatch(BatchCommon):
    """*Print & e-mail* sends each customer the next level of their reminder."""

    def _send_reminders(self, partners, date):
        """A *Print & e-mail* batch of payment reminders dated ``date``, processed: the
        batch, the one e-mail the servers received and the text of its PDF."""
        self.servers.clear_smtp()
        batch = self._start(self.user_billing, partners, profile_id=self.profile_reminder.id,
                            document_date=date)
        self._run_cron()
        (item,) = self.servers.smtp_received
        message = parse(item)
        (attachment,) = pdf_attachments(message)
        return batch, message, attachment.get_content().decode()

    def test_next_batch_sends_the_next_level(self):
        second = self.env["account.reminder.level"].search(
            [("company_id", "=", self.company.id)])[1]
        template = self.profile_reminder.mail_template_id.copy({
            "name": "Second reminder e-mail", "subject": "SECOND REMINDER {{ object.name }}"})
        second.mail_template_id = template
        partners = self.customer | self.customer_no_debt
        first_batch, message, pdf_text = self._send_reminders(partners, AS_OF)
        self.assertEqual(first_batch.sent_count, 1)
        self.assertNotIn("SECOND REMINDER", message["Subject"])
        self.assertIn("1st reminder", pdf_text)
        self.assertEqual(set(self.inv_1.reminder_ids.mapped("date")), {AS_OF})
        # a week later: the second level, with its own e-mail
        batch, message, pdf_text = self._send_reminders(partners, _day(7))
        self.assertEqual(batch.sent_count, 1)
        self.assertIn("SECOND REMINDER Mae Customer One", message["Subject"])
        self.assertIn("2nd reminder", pdf_text)
        self.assertEqual(self.inv_1.reminder_ids.sorted("date").level_id[-1:], second)
        # the day after: nothing new to say, the customer is skipped
        self.servers.clear_smtp()
        batch = self._start(self.user_billing, self.customer,
                            profile_id=self.profile_reminder.id, document_date=_day(8))
        self._run_cron()
        self.assertEqual(batch.line_ids.skip_reason, "nothing_to_send")
        self.assertFalse(self.servers.smtp_received)
