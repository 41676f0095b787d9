# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail* as its users and an attacker would use it over RPC: why documents are
skipped, and which fields of batches, lines, profiles and copy jobs anybody may write."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..models.mail_batch_profile import ADMIN_WRITABLE_FIELDS as PROFILE_FIELDS
from .common_batch import BatchCommon
from .common_rules import WriteRulesMixin


@tagged("post_install", "-at_install")
class TestBatchRules(WriteRulesMixin, BatchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoices = cls._invoices(cls._customers(2, prefix="Rules Customer"))
        cls.bad_partner = cls.env["res.partner"].create({"name": "Bad Address Ltd",
                                                         "email": "not-an-address"})
        cls.silent_partner = cls.env["res.partner"].create({"name": "Silent Ltd"})
        cls.bad_invoice = cls._mae_invoice(cls.bad_partner, cls.usd, 10.0, "2026-02-01",
                                           "2026-03-01")
        cls.silent_invoice = cls._mae_invoice(cls.silent_partner, cls.usd, 11.0,
                                              "2026-02-01", "2026-03-01")

    def test_invalid_email_is_its_own_skip_reason(self):
        """``not-an-address`` is not a missing address: the dry run and the log say
        "invalid e-mail address"."""
        records = self.invoices | self.bad_invoice | self.silent_invoice
        wizard = self._wizard(self.user_billing, records)
        wizard.action_check()
        self.assertEqual((wizard.ready_count, wizard.no_email_count,
                          wizard.invalid_email_count), (2, 1, 1))
        self.assertIn("Invalid e-mail address", wizard.check_details)
        self.assertIn(self.bad_invoice.display_name, wizard.check_details)
        batch = self._start(self.user_billing, records)
        self._run_cron()
        reasons = {line.res_id: line.skip_reason for line in batch.line_ids}
        self.assertEqual(reasons[self.bad_invoice.id], "invalid_email")
        self.assertEqual(reasons[self.silent_invoice.id], "no_email")
        labels = dict(self.env["mail.batch.line"]._fields["skip_reason"]._description_selection(
            self.env))
        self.assertEqual(labels["invalid_email"], "Invalid e-mail address")
        self.assertEqual(batch.sent_count, 2)
        self.assertEqual(len(self.servers.smtp_received), 2)

    def test_batch_records_written_by_the_runner_only(self):
        batch = self._start(self.user_billing, self.invoices)
        self._run_cron()
        line = batch.line_ids[:1]
        for user in (self.user_billing, self.user_system):
            with self.subTest(user=user.login):
                self.assertOnlyWritable(batch, user, ())
                self.assertOnlyWritable(line, user, ())
                self.assertCreateRefused(self.env["mail.batch.line"], user, {
                    "batch_id": batch.id, "res_model": line.res_model, "res_id": line.res_id,
                    "report_id": line.report_id.id, "state": "sent"})
        for record in (batch, line):
            with self.assertRaises(AccessError):
                record.with_user(self.user_billing).unlink()
        self.assertEqual(batch.state, "done")

    def test_profiles_configured_by_administrators_only(self):
        profile = self.profile_invoice
        self.assertOnlyWritable(profile, self.user_billing, ())
        self.assertOnlyWritable(profile, self.user_system, PROFILE_FIELDS)
        profile.with_user(self.user_system).write({"print_delay": 50, "sequence": 3})
        self.assertEqual((profile.print_delay, profile.sequence), (50, 3))

    def test_copy_jobs_written_by_the_copy_only(self):
        batch = self._start(self.user_billing, self.invoices[:1])
        self._run_cron()
        sent = self.env["mail.account.message"].search(
            [("account_id", "=", self.account_billing.id), ("message_id", "!=", False)],
            limit=1)
        self.assertTrue(sent, batch.line_ids.mapped("error"))
        job = self.env["mail.account.copy.job"].sudo().create({
            "account_id": self.account_billing.id,
            "target_account_id": self.account_billing.id, "target_folder": "Archive",
            "line_ids": [Command.create({"message_id": sent.id})]})
        job.with_user(self.user_billing).check_access("read")
        for user in (self.user_billing, self.user_system):
            with self.subTest(user=user.login):
                self.assertOnlyWritable(job, user, ())
                self.assertOnlyWritable(job.line_ids, user, ())
