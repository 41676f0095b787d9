# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures of the *Print & e-mail* tests: accounting data, real mail servers, accounts.

The cron's work is run by calling ``mail.batch._cron_process`` as the cron does (as the
superuser; the batch then works with its user's rights). Mails really leave through the
accounts' SMTP servers: the batch sends them itself, over the account's own SMTP session
(``mail.account._smtp_session``, ``tools/connection.open_smtp``), in tests as in production:
no test-mode switch is needed (core's ``ir.mail_server.connect`` and ``send_email``, which
do nothing in test mode, are not on that path), and aiosmtpd records what a real server
would receive.
"""

import datetime
import email
import email.policy

from odoo import Command

from .common import MailServersCase, new_employee
from .common_documents import PartnerDocumentsCommon


class Crash(BaseException):
    """Stands for the death of the worker: nothing catches it, no cleanup runs."""


def parse(received):
    """An ``email.message.EmailMessage`` from a harness ``Received``."""
    return email.message_from_bytes(received.data, policy=email.policy.default)


def pdf_attachments(message):
    return [part for part in message.iter_attachments()
            if part.get_filename() and part.get_filename().lower().endswith(".pdf")]


class BatchCommon(PartnerDocumentsCommon, MailServersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("database.uuid", "0a1b2c3d-test")
        cls.user_billing.write({"email": "billing@example.com"})
        cls.user_billing_2 = new_employee(
            cls.env, "mae_billing_2", "Second Billing User", "account.group_account_invoice",
            email="billing2@example.com", company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_accountant = new_employee(
            cls.env, "mae_account_manager", "Accounting Manager", "account.group_account_manager",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_hr.write({"email": "hr@example.com"})
        email_billing, password = cls._mailbox_user("billing@example.com")
        cls.account_billing = cls._add_account(cls.user_billing, email_billing, password,
                                               sender_name="Billing Department")
        email_billing_2, password_2 = cls._mailbox_user("billing2@example.com")
        cls.account_billing_2 = cls._add_account(cls.user_billing_2, email_billing_2,
                                                 password_2)
        email_hr, password_hr = cls._mailbox_user("hr@example.com")
        cls.account_hr = cls._add_account(cls.user_hr, email_hr, password_hr)
        cls.customer.write({"email": "customer.one@example.org"})
        cls.customer_not_due.write({"email": "not.due@example.org"})
        cls.customer_no_debt.write({"email": "no.debt@example.org"})
        cls.profile_invoice = cls.env.ref("mail_accounts_ext.mail_batch_profile_invoice")
        cls.profile_reminder = cls.env.ref(
            "mail_accounts_ext.mail_batch_profile_payment_reminder")
        cls.profile_balance = cls.env.ref(
            "mail_accounts_ext.mail_batch_profile_balance_confirmation")
        cls.profile_interest = cls.env.ref("mail_accounts_ext.mail_batch_profile_interest_note")
        cls.profile_employee = cls.env.ref("mail_accounts_ext.mail_batch_profile_employee")

    def setUp(self):
        super().setUp()
        self.servers.start_smtp()  # a test may have stopped it
        self.servers.clear_smtp()

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    @classmethod
    def _customers(cls, count, prefix="Batch Customer"):
        return cls.env["res.partner"].create([
            {"name": f"{prefix} {index:02d}", "email": f"customer{index:02d}@example.org",
             "is_company": True}
            for index in range(count)
        ])

    @classmethod
    def _invoices(cls, partners, per_partner=1, amount=100.0):
        moves = cls.env["account.move"]
        for partner in partners:
            for index in range(per_partner):
                moves |= cls._mae_invoice(partner, cls.usd, amount + index, "2026-02-01",
                                          "2026-03-01")
        return moves

    def _wizard(self, user, records, **values):
        wizard = self.env["mail.batch.send"].with_user(user).with_context(
            active_model=records._name, active_ids=records.ids,
        ).create({})
        if values:
            wizard.write(values)
        return wizard

    def _start(self, user, records, **values):
        """*Send* from the wizard as ``user``; the batch it created."""
        wizard = self._wizard(user, records, **values)
        action = wizard.action_send()
        self.assertEqual(action["tag"], "display_notification")
        return self.env["mail.batch"].search([("user_id", "=", user.id)], limit=1,
                                             order="id desc")

    def _run_cron(self, job_count=20, rounds=50, **context):
        """Run the cron method until no line is left to do."""
        Batch = self.env["mail.batch"].with_context(**context)
        for _round in range(rounds):
            Batch._cron_process(job_count=job_count)
            if not self.env["mail.batch.line"].search_count(
                [("state", "in", ("pending", "queued"))]
            ):
                return
        self.fail("the batches did not finish")

    def _age_claims(self, minutes=11):
        """Let time pass beyond the lease of the claims of a dead worker."""
        self.env["mail.batch.line"].flush_model()
        self.env.cr.execute(
            "UPDATE mail_batch_line SET claim_date = claim_date - %s "
            "WHERE claim_date IS NOT NULL",
            [datetime.timedelta(minutes=minutes)],
        )
        self.env["mail.batch.line"].invalidate_model()

    def _received_by_recipient(self):
        result = {}
        for received in self.servers.smtp_received:
            for rcpt in received.rcpt_tos:
                result.setdefault(rcpt.lower(), []).append(received)
        return result
