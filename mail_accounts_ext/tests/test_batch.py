# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail* batches: dry run, background sending, results, retries, access.

Documents are rendered as HTML here (Odoo's test mode without ``force_report_rendering``),
which keeps these tests fast; ``test_batch_pdf.py`` checks real PDFs. Mails really go to
the loopback aiosmtpd through each account's SMTP login (see ``common_batch.py``).
"""

from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from ..models import mail_batch_line_render as render
from .common_batch import BatchCommon, Crash, parse, pdf_attachments


@tagged("post_install", "-at_install")
class TestBatchSend(BatchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls._customers(3)
        cls.invoices = cls._invoices(cls.partners, per_partner=2)

    def test_send_invoices(self):
        """Each invoice is posted in its chatter with its PDF and e-mailed once, from the
        billing user's own account, to its customer."""
        batch = self._start(self.user_billing, self.invoices)
        self.assertEqual(batch.state, "in_progress")
        self.assertEqual(set(batch.line_ids.mapped("state")), {"pending"})
        self.assertFalse(self.servers.smtp_received)  # nothing before the cron runs
        self._run_cron()
        self.assertEqual(batch.state, "done")
        self.assertEqual(batch.sent_count, 6)
        received = self.servers.smtp_received
        self.assertEqual(len(received), 6)
        by_message_id = {}
        for item in received:
            message = parse(item)
            self.assertEqual(item.login, "billing@example.com")
            self.assertEqual(item.mail_from, "billing@example.com")
            self.assertIn("billing@example.com", message["From"])
            self.assertIn("Billing Department", message["From"])
            by_message_id[message["Message-Id"]] = (item, message)
        for line in batch.line_ids:
            invoice = self.env["account.move"].browse(line.res_id)
            self.assertEqual(line.account_id, self.account_billing)
            item, message = by_message_id[line.message_id]
            self.assertEqual(item.rcpt_tos, [invoice.partner_id.email])
            self.assertTrue(line.message_id.startswith(
                f"<mae-batch-{batch.id}-line-{line.id}.0a1b2c3d@"))
            (attachment,) = pdf_attachments(message)
            self.assertIn(invoice.name, attachment.get_content().decode())
            self.assertIn(invoice.name, message["Subject"])
            # the chatter of the invoice, as core's Send & Print
            self.assertEqual(line.mail_message_id.model, "account.move")
            self.assertEqual(line.mail_message_id.res_id, invoice.id)
            self.assertEqual(line.mail_message_id.author_id, self.user_billing.partner_id)
            self.assertTrue(line.mail_message_id.attachment_ids)
            notifications = line.mail_message_id.notification_ids
            self.assertEqual(notifications.filtered(
                lambda notif, partner=invoice.partner_id: notif.res_partner_id == partner
            ).notification_status, "sent")
            self.assertTrue(invoice.is_move_sent)
            self.assertTrue(invoice.invoice_pdf_report_id)
            # the PDF was posted as core's Send & Print posts it (no_new_invoice): no
            # OdooBot note that the invoice could not be updated from it
            self.assertFalse(invoice.message_ids.filtered(
                lambda msg: "not updated from the attachment" in (msg.body or "")))
            # a copy in the account's Sent folder, as for any mail through the account
            copy = self.env["mail.account.message"].sudo().search([
                ("account_id", "=", self.account_billing.id),
                ("message_id", "=", line.message_id)])
            self.assertEqual(copy.state, "sent")

    def test_done_notifies_the_user(self):
        batch = self._start(self.user_billing, self.invoices[:2])
        self._run_cron()
        message = batch.message_ids.filtered(
            lambda msg: self.user_billing.partner_id in msg.partner_ids)
        self.assertEqual(len(message), 1)
        self.assertIn("2 sent", message.body)
        self.assertEqual(message.notification_ids.res_partner_id, self.user_billing.partner_id)

    def test_wizard_shows_the_selection_at_once(self):
        """The form shows how many documents are selected as it opens (the count comes
        from the selection, not from Check)."""
        wizard = Form(self.env["mail.batch.send"].with_user(self.user_billing).with_context(
            active_model="account.move", active_ids=self.invoices[:3].ids))
        self.assertEqual(wizard.document_count, 3)
        self.assertEqual(wizard.profile_id, self.profile_invoice)
        record = wizard.save()
        self.assertEqual(record.res_ids, self.invoices[:3].ids)

    def test_print_and_email_beside_print_and_send(self):
        """The customer invoice and credit note lists show Print & e-mail in their
        selection bar, beside core's Print & Send, for billing users; the button opens
        the wizard on the selected documents."""
        Move = self.env["account.move"].with_user(self.user_billing)
        for xmlid in ("account.view_out_invoice_tree", "account.view_out_credit_note_tree"):
            arch = Move.get_view(self.env.ref(xmlid).id, "list")["arch"]
            with self.subTest(view=xmlid):
                self.assertIn('name="action_send_and_print"', arch)
                self.assertLess(arch.index('name="action_send_and_print"'),
                                arch.index('name="action_mail_batch_send"'))
        action = self.invoices[:2].with_user(self.user_billing).action_mail_batch_send()
        self.assertEqual(action["res_model"], "mail.batch.send")
        wizard = self.env["mail.batch.send"].with_user(self.user_billing).with_context(
            **action["context"]).create({})
        self.assertEqual(wizard.document_count, 2)
        self.assertEqual(wizard.profile_id, self.profile_invoice)
        # an auditor (read-only accounting) sees the list without the button
        auditor = new_test_user(self.env, login="mae_auditor_lists",
                                groups="base.group_user,account.group_account_readonly")
        arch = self.env["account.move"].with_user(auditor).get_view(
            self.env.ref("account.view_out_invoice_tree").id, "list")["arch"]
        self.assertNotIn("action_mail_batch_send", arch)

    def test_dry_run(self):
        partner_no_email = self.env["res.partner"].create({"name": "No Mail Ltd"})
        invoice_no_email = self._mae_invoice(partner_no_email, self.usd, 10.0, "2026-02-01",
                                             "2026-03-01")
        draft = self._mae_invoice(self.partners[0], self.usd, 5.0, "2026-02-01",
                                  "2026-03-01", post=False)
        first = self._start(self.user_billing, self.invoices[:1])
        self._run_cron()
        self.assertEqual(first.sent_count, 1)
        self.servers.clear_smtp()
        records = self.invoices | invoice_no_email | draft
        wizard = self._wizard(self.user_billing, records)
        wizard.action_check()
        self.assertEqual(
            (wizard.ready_count, wizard.no_email_count, wizard.already_sent_count,
             wizard.nothing_to_send_count, wizard.not_applicable_count),
            (5, 1, 1, 0, 1),
        )
        self.assertIn(invoice_no_email.display_name, wizard.check_details)
        self.assertFalse(self.servers.smtp_received)
        self.assertFalse(self.env["mail.batch"].search_count([("id", ">", first.id)]))
        wizard.send_again = True
        wizard.action_check()
        self.assertEqual((wizard.ready_count, wizard.already_sent_count), (6, 0))

    def test_already_sent_is_skipped_unless_sent_again(self):
        self._start(self.user_billing, self.invoices[:2])
        self._run_cron()
        second = self._start(self.user_billing, self.invoices[:3])
        self._run_cron()
        self.assertEqual(
            sorted(second.line_ids.mapped(lambda line: (line.state, line.skip_reason or ""))),
            [("sent", ""), ("skipped", "already_sent"), ("skipped", "already_sent")],
        )
        third = self._start(self.user_billing, self.invoices[:2], send_again=True)
        self._run_cron()
        self.assertEqual(third.sent_count, 2)
        self.assertEqual(len(self.servers.smtp_received), 2 + 1 + 2)

    def test_missing_email_skipped(self):
        partner = self.env["res.partner"].create({"name": "Silent Customer"})
        invoice = self._mae_invoice(partner, self.usd, 10.0, "2026-02-01", "2026-03-01")
        batch = self._start(self.user_billing, self.invoices[:1] | invoice)
        self._run_cron()
        line = batch.line_ids.filtered(lambda line: line.res_id == invoice.id)
        self.assertEqual((line.state, line.skip_reason), ("skipped", "no_email"))
        self.assertFalse(line.mail_message_id)
        self.assertEqual(batch.sent_count, 1)
        self.assertEqual(len(self.servers.smtp_received), 1)

    def test_smtp_down_then_retry_failed(self):
        """The server stops after two mails: the rest fail with the explained reason;
        *Retry failed* once it is back delivers each document exactly once."""
        sent = []

        def after_step(_self, step, line):
            if step == "sent":
                sent.append(line.id)
                if len(sent) == 2:
                    self.servers.stop_smtp()

        batch = self._start(self.user_billing, self.invoices)
        Line = type(self.env["mail.batch.line"])
        with patch.object(Line, "_after_step", after_step):
            self._run_cron(job_count=4)
        self.assertEqual(batch.state, "done")
        self.assertEqual((batch.sent_count, batch.failed_count), (2, 4))
        failed = batch.line_ids.filtered(lambda line: line.state == "failed")
        for line in failed:
            self.assertIn("refused the connection", line.error)
            self.assertFalse(line.uncertain)
        # the chatter shows the failure (red envelope) with the same words
        notification = failed[0].mail_message_id.notification_ids.filtered(
            lambda notif: notif.notification_type == "email")
        self.assertEqual(notification.notification_status, "exception")
        self.assertIn("refused the connection", notification.failure_reason)
        self.servers.start_smtp()
        batch.with_user(self.user_billing).action_retry_failed()
        self.assertEqual(batch.state, "in_progress")
        self._run_cron()
        self.assertEqual((batch.sent_count, batch.failed_count), (6, 0))
        received = self.servers.smtp_received
        self.assertEqual(len(received), 6)
        self.assertEqual(len({parse(item)["Message-Id"] for item in received}), 6)
        # the chatter got one post per invoice, not one per attempt
        for line in batch.line_ids:
            posts = self.env["mail.message"].search([
                ("model", "=", "account.move"), ("res_id", "=", line.res_id),
                ("message_id", "=", line.message_id)])
            self.assertEqual(len(posts), 1)

    def test_retry_after_sent_by_another_batch(self):
        """A failed document that another batch sent in the meantime is not sent again
        by *Retry failed*: it is skipped as already sent."""
        self.servers.smtp_reject_next(1, 451, "4.3.0 Try again later", stage="data")
        first = self._start(self.user_billing, self.invoices[:1])
        self._run_cron()
        self.assertEqual(first.line_ids.state, "failed")
        second = self._start(self.user_billing, self.invoices[:1])
        self._run_cron()
        self.assertEqual(second.line_ids.state, "sent")
        first.with_user(self.user_billing).action_retry_failed()
        self._run_cron()
        self.assertEqual((first.line_ids.state, first.line_ids.skip_reason),
                         ("skipped", "already_sent"))
        self.assertEqual(len(self.servers.smtp_received), 1)

    def test_server_refusal_explained(self):
        self.servers.smtp_reject_next(1, 550, "5.7.1 Message refused by policy", stage="data")
        batch = self._start(self.user_billing, self.invoices[:3])
        self._run_cron()
        self.assertEqual((batch.sent_count, batch.failed_count), (2, 1))
        failed = batch.line_ids.filtered(lambda line: line.state == "failed")
        self.assertIn("Message refused by policy", failed.error)
        self.assertFalse(failed.uncertain)

    def _crash_at(self, step, after):
        """Kill the worker when ``step`` has been reached ``after`` times."""
        seen = []

        def after_step(_self, reached, line):
            if reached == step:
                seen.append(line.id)
                if len(seen) == after:
                    raise Crash(f"killed at {step} #{after}")

        return patch.object(type(self.env["mail.batch.line"]), "_after_step", after_step)

    def _run_until_crash(self, **kwargs):
        """Run the cron until the injected crash stops it. (Not ``assertRaises``: Odoo's
        rolls the database back to before the block, a crash does not.)"""
        try:
            self._run_cron(**kwargs)
        except Crash:
            return
        self.fail("the worker was not stopped")

    def _assert_each_once(self, batch, count):
        received = self.servers.smtp_received
        message_ids = [parse(item)["Message-Id"] for item in received]
        self.assertEqual(len(message_ids), len(set(message_ids)), "a mail was sent twice")
        self.assertEqual(len(received), count)
        self.assertEqual(sorted(message_ids), sorted(batch.line_ids.mapped("message_id")))

    def test_crash_after_rendering(self):
        batch = self._start(self.user_billing, self.invoices)
        with self._crash_at("rendered", 3):
            self._run_until_crash(job_count=4)
        # two lines were queued (committed), two claimed when the worker died
        self.assertFalse(self.servers.smtp_received)
        self.assertEqual(sorted(batch.line_ids.mapped("state")),
                         ["pending", "pending", "queued", "queued", "rendering", "rendering"])
        rendering = batch.line_ids.filtered(lambda line: line.state == "rendering")
        self.assertFalse(rendering.mail_message_id)
        self._run_cron()  # the dead worker's claim is still valid: nothing happens to it
        self.assertEqual(len(self.servers.smtp_received), 4)
        self.assertEqual(set(rendering.mapped("state")), {"rendering"})
        self._age_claims()
        self._run_cron()
        self.assertEqual(batch.sent_count, 6)
        self._assert_each_once(batch, 6)

    def test_crash_inside_the_queue_step(self):
        """A crash while the chatter post and mail are created leaves neither."""
        Line = type(self.env["mail.batch.line"])
        original = Line._find_or_create_mail
        calls = []

        def crashing(line, *args):
            calls.append(line.id)
            mail = original(line, *args)
            if len(calls) == 2:
                raise Crash("killed while queueing")
            return mail

        batch = self._start(self.user_billing, self.invoices)
        with patch.object(Line, "_find_or_create_mail", crashing):
            self._run_until_crash()
        crashed = batch.line_ids.filtered(lambda line: line.id == calls[1])
        self.assertEqual(crashed.state, "rendering")
        self.assertFalse(self.env["mail.message"].search_count([
            ("model", "=", "account.move"), ("res_id", "=", crashed.res_id),
            ("message_type", "=", "comment")]))
        self._age_claims()
        self._run_cron()
        self._assert_each_once(batch, 6)

    def test_crash_after_queueing(self):
        """Mails committed as queued but not sent yet are sent by the next run."""
        batch = self._start(self.user_billing, self.invoices)
        # one part: every line of the chunk is queued before any is sent
        with self._crash_at("queued", 6), patch.object(render, "PIPELINE_PART", 10):
            self._run_until_crash(job_count=10)
        self.assertEqual(set(batch.line_ids.mapped("state")), {"queued"})
        self.assertFalse(self.servers.smtp_received)
        # the mail queue of Odoo leaves them alone
        self.env["mail.mail"].process_email_queue()
        self.assertEqual(set(batch.line_ids.sudo().mail_mail_id.mapped("state")), {"outgoing"})
        self._run_cron()
        self.assertEqual(batch.sent_count, 6)
        self._assert_each_once(batch, 6)

    def test_parts_of_a_chunk_leave_before_the_next_part_is_posted(self):
        """A chunk is posted and sent in parts (the next part's PDFs convert meanwhile):
        a crash while the second part is queued leaves the first part sent, and the
        next runs send the rest, each document once."""
        batch = self._start(self.user_billing, self.invoices)
        with self._crash_at("queued", 3), patch.object(render, "PIPELINE_PART", 2):
            self._run_until_crash(job_count=10)
        states = batch.line_ids.sorted("id").mapped("state")
        self.assertEqual(states[:3], ["sent", "sent", "queued"])
        self.assertEqual(len(self.servers.smtp_received), 2)
        self._age_claims()
        self._run_cron()
        self.assertEqual(batch.sent_count, 6)
        self._assert_each_once(batch, 6)

    def test_crash_after_delivery_before_commit(self):
        """Killed after the server accepted a mail, before it was recorded: the line
        may have been delivered; it is never sent again on its own."""
        batch = self._start(self.user_billing, self.invoices)
        with self._crash_at("delivered", 3):
            self._run_until_crash()
        self.assertEqual(len(self.servers.smtp_received), 3)
        self._age_claims()
        self._run_cron()
        uncertain = batch.line_ids.filtered("uncertain")
        self.assertEqual(len(uncertain), 1)
        self.assertEqual(uncertain.state, "failed")
        self.assertIn("may have been delivered", uncertain.error)
        self.assertEqual(batch.sent_count, 5)
        self._assert_each_once(batch, 6)
        # Retry failed leaves it alone; Send again on the line is explicit
        batch.with_user(self.user_billing).action_retry_failed()
        self._run_cron()
        self.assertEqual(len(self.servers.smtp_received), 6)
        uncertain.with_user(self.user_billing).action_send_again()
        self._run_cron()
        self.assertEqual(uncertain.state, "sent")
        self.assertEqual(len(self.servers.smtp_received), 7)

    def test_send_now_leaves_a_mail_the_batch_is_sending(self):
        """A mail whose line is *sending* belongs to the batch: Send now and the mail
        queue leave it alone (the batch decides: sent, or maybe delivered)."""
        batch = self._start(self.user_billing, self.invoices[:1])
        with self._crash_at("delivered", 1):
            self._run_until_crash()
        line = batch.line_ids
        self.assertEqual(line.state, "sending")
        mail = line.sudo().mail_mail_id
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(len(self.servers.smtp_received), 1)
        mail.send()  # an administrator's Send now
        self.env["mail.mail"].process_email_queue()
        self.assertEqual(len(self.servers.smtp_received), 1, "not sent a second time")
        self._age_claims()
        self._run_cron()
        self.assertEqual((line.state, line.uncertain), ("failed", True))
        self._assert_each_once(batch, 1)

    def test_account_deleted_before_sending(self):
        """Documents queued for an account deleted meanwhile fail: they never leave
        through another server under that account's address."""
        email, password = self._mailbox_user("short.lived@example.com")
        account = self._add_account(self.user_billing_2, email, password, is_default=True)
        batch = self._start(self.user_billing_2, self.invoices[:2])
        with self._crash_at("queued", 2):
            self._run_until_crash()
        self.assertEqual(batch.line_ids.account_id, account)
        account.sudo().unlink()
        self._run_cron()
        self.assertEqual(batch.failed_count, 2)
        self.assertIn("short.lived@example.com was deleted", batch.line_ids[0].error)
        self.assertFalse(self.servers.smtp_received)

    def test_rerun_after_done_sends_nothing(self):
        batch = self._start(self.user_billing, self.invoices[:2])
        self._run_cron()
        self._age_claims(60)
        self._run_cron()
        self.env.ref("mail_accounts_ext.ir_cron_mail_batch").method_direct_trigger()
        self.assertEqual(batch.sent_count, 2)
        self.assertEqual(len(self.servers.smtp_received), 2)

    def test_chosen_account(self):
        """A company account chosen in the wizard sends every document."""
        email_shared, password = self._mailbox_user("accounting@example.com")
        shared = self._add_account(self.env.user, email_shared, password,
                                   account_type="company", company_id=self.company.id)
        batch = self._start(self.user_billing, self.invoices[:2], account_id=shared.id)
        self._run_cron()
        self.assertEqual(batch.sent_count, 2)
        self.assertEqual({item.login for item in self.servers.smtp_received},
                         {"accounting@example.com"})

    def test_sending_limit_waits(self):
        """Over the account's sending limit, documents wait for room instead of
        failing; the limit is the one every sender through the account shares."""
        self.account_billing.sudo().rate_limit_per_minute = 2
        start = datetime(2026, 3, 2, 9, 30, 0)
        with freeze_time(start):
            batch = self._start(self.user_billing, self.invoices[:3])
            self.env["mail.batch"]._cron_process()
        self.assertEqual(len(self.servers.smtp_received), 2)
        self.assertEqual(sorted(batch.line_ids.mapped("state")), ["queued", "sent", "sent"])
        cron = self.env.ref("mail_accounts_ext.ir_cron_mail_batch")
        self.assertTrue(self.env["ir.cron.trigger"].search([
            ("cron_id", "=", cron.id), ("call_at", "=", start + timedelta(minutes=1))]))
        with freeze_time(start + timedelta(minutes=1)):
            self.env["mail.batch"]._cron_process()
        self.assertEqual(batch.sent_count, 3)
        self.assertEqual(len(self.servers.smtp_received), 3)

    def test_company_default_account(self):
        """Left empty, the sender is the one the sender rule picks for each document:
        here the company's default account, for a user without an account."""
        email_shared, password = self._mailbox_user("invoices@example.com")
        shared = self._add_account(self.env.user, email_shared, password,
                                   account_type="company", company_id=self.company.id,
                                   is_company_default=True)
        user = new_test_user(self.env, login="mae_billing_3", name="Third Billing User",
                             groups="base.group_user,account.group_account_invoice",
                             company_id=self.company.id, company_ids=self.company.ids)
        batch = self._start(user, self.invoices[:2])
        self._run_cron()
        self.assertEqual(batch.line_ids.account_id, shared)
        self.assertEqual({item.login for item in self.servers.smtp_received},
                         {"invoices@example.com"})

    def test_employee_handling_notifications_in_odoo(self):
        """An employee who reads Odoo notifications in Odoo still gets the document at
        the work e-mail."""
        employee_user = new_test_user(self.env, login="mae_employee", name="Emma Employee",
                                      email="emma@example.com", groups="base.group_user",
                                      notification_type="inbox",
                                      company_id=self.company.id,
                                      company_ids=self.company.ids)
        employee = self.env["hr.employee"].create({
            "name": "Emma Employee", "user_id": employee_user.id,
            "company_id": self.company.id})
        self.assertEqual(employee.work_contact_id, employee_user.partner_id)
        batch = self._start(self.user_hr, employee, send_again=True)
        self._run_cron()
        self.assertEqual(batch.sent_count, 1, batch.line_ids.mapped(
            lambda line: (line.state, line.skip_reason, line.error)))
        (received,) = self.servers.smtp_received
        self.assertEqual(received.rcpt_tos, ["emma@example.com"])
        self.assertEqual(received.login, "hr@example.com")

    def test_foreign_account_refused(self):
        """Nobody sends from an account they may not use: the wizard refuses, and the
        cron refuses too when the right is lost in between."""
        wizard = self._wizard(self.user_billing, self.invoices[:1])
        wizard.account_id = self.account_billing_2
        with self.assertRaises(AccessError):
            wizard.action_send()
        email_shared, password = self._mailbox_user("shared.ledger@example.com")
        shared = self._add_account(self.env.user, email_shared, password,
                                   account_type="company", company_id=self.company.id,
                                   user_ids=[self.user_billing.id])
        batch = self._start(self.user_billing, self.invoices[:2], account_id=shared.id)
        shared.sudo().user_ids = [(6, 0, self.user_billing_2.ids)]
        self._run_cron()
        self.assertEqual(batch.failed_count, 2)
        self.assertIn("may not send from", batch.line_ids[0].error)
        self.assertFalse(self.servers.smtp_received)

    def test_groups_and_record_rules(self):
        # HR officers do not send invoices, billing users no employee documents
        with self.assertRaises(UserError):  # AccessError is a UserError
            self._start(self.user_hr, self.invoices[:1])
        wizard = self.env["mail.batch.send"].with_user(self.user_hr).with_context(
            active_model="account.move", active_ids=self.invoices[:1].ids,
        ).create({"profile_id": self.profile_invoice.id})
        with self.assertRaises(AccessError):  # the server checks, not only the view
            wizard.action_send()
        employee = self.env["hr.employee"].create({"name": "Eve", "work_email": "eve@x.org"})
        with self.assertRaises(UserError):  # AccessError is a UserError
            self._start(self.user_billing, employee)
        batch = self._start(self.user_billing, self.invoices[:1])
        Batch = self.env["mail.batch"]
        self.assertEqual(Batch.with_user(self.user_billing).search([]), batch)
        self.assertFalse(Batch.with_user(self.user_billing_2).search([]))
        self.assertFalse(self.env["mail.batch.line"].with_user(self.user_billing_2).search([]))
        self.assertEqual(Batch.with_user(self.user_accountant).search([]), batch)
        with self.assertRaises(AccessError):
            batch.with_user(self.user_billing_2).action_retry_failed()
        with self.assertRaises(AccessError):
            batch.with_user(self.user_billing).write({"state": "done"})

    def test_print_and_email_in_action_menus(self):
        Action = self.env["ir.actions.act_window"]
        for model in ("account.move", "res.partner", "hr.employee"):
            action = Action.search([("res_model", "=", "mail.batch.send"),
                                    ("binding_model_id.model", "=", model)])
            self.assertEqual(len(action), 1, model)
            self.assertIn("list", action.binding_view_types)
        profile = self.env["mail.batch.profile"].create({
            "name": "Projects", "model_id": self.env["ir.model"]._get_id("project.project"),
            "report_id": self.env.ref("mail_accounts_ext.action_report_payment_reminder").copy(
                {"model": "project.project"}).id,
            "mail_template_id": self.env["mail.template"].create({
                "name": "Project", "model_id": self.env["ir.model"]._get_id("project.project"),
                "subject": "{{ object.name }}"}).id,
            "recipient_path": "partner_id",
        })
        self.assertTrue(Action.search([("res_model", "=", "mail.batch.send"),
                                       ("binding_model_id.model", "=", "project.project")]))
        profile.active = False
        self.assertFalse(Action.search([("res_model", "=", "mail.batch.send"),
                                        ("binding_model_id.model", "=", "project.project")]))

    def test_profile_checks(self):
        with self.assertRaisesRegex(Exception, "recipient"):
            self.profile_invoice.copy({"recipient_path": "invoice_date"})
        # a check is one the documents declare, never a method name to call
        with self.assertRaises(ValueError):
            self.profile_invoice.copy({"document_check": "unlink"})
