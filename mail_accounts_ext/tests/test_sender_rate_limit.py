# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.sql_db import db_connect
from odoo.tests import tagged

from odoo.addons.mail_accounts_ext.models import mail_account_sending

from .common import SenderCase, real_smtp

T0 = datetime(2026, 3, 2, 9, 30, 0)


@tagged("post_install", "-at_install")
class TestSenderRateLimit(SenderCase):
    """A sending limit delays e-mails instead of failing them.

    Time is frozen (freezegun) and moved on by hand; the mail queue is the real cron
    (``mail.ir_cron_mail_scheduler_action``), the sending is real (aiosmtpd).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_bob.sudo().rate_limit_per_minute = 30
        cls.tasks = cls.env["project.task"].create([
            {"name": f"Order {index}", "project_id": cls.project_other.id,
             "partner_id": cls.customer.id}
            for index in range(60)
        ])
        cls.cron = cls.env.ref("mail.ir_cron_mail_scheduler_action")

    def _send_sixty(self):
        composer = self.env["mail.compose.message"].with_user(self.user_personal).with_context(
            default_model="project.task", default_res_ids=self.tasks.ids,
            default_composition_mode="mass_mail",
        ).create({"subject": "Your order {{ object.name }}", "body": "<p>Shipped</p>",
                  "auto_delete": False})
        self.assertTrue(composer.force_send)
        mails, _messages = composer._action_send_mail()
        return mails

    def _log(self):
        log = self.env["mail.account.send.log"].sudo().search(
            [("account_id", "=", self.account_bob.id)], order="sent_at, id")
        return [(entry.sent_at, entry.message_count) for entry in log]

    def test_sixty_at_thirty_per_minute(self):
        with freeze_time(T0), real_smtp():
            mails = self._send_sixty()
        self.assertEqual(len(mails), 60)
        self.assertEqual(len(self.servers.smtp_received), 30)
        waiting = mails.filtered(lambda mail: mail.state == "outgoing")
        self.assertEqual(len(waiting), 30)
        self.assertEqual(set(waiting.mapped("scheduled_date")), {T0 + timedelta(minutes=1)})
        self.assertTrue(self.env["ir.cron.trigger"].search([
            ("cron_id", "=", self.cron.id), ("call_at", "=", T0 + timedelta(minutes=1))]))

        with freeze_time(T0 + timedelta(seconds=30)), real_smtp():
            self.cron.method_direct_trigger()
        self.assertEqual(len(self.servers.smtp_received), 30, "still within the first minute")

        with freeze_time(T0 + timedelta(seconds=61)), real_smtp():
            self.cron.method_direct_trigger()
        received = self.servers.smtp_received
        self.assertEqual(len(received), 60)
        self.assertEqual(set(mails.mapped("state")), {"sent"})
        for item in received:
            self.assertReceivedThrough(item, self.account_bob)
        # 30 in the first minute, 30 in the second: never more than 30 a minute.
        self.assertEqual(self._log(), [(T0, 30), (T0 + timedelta(seconds=61), 30)])

    def test_limit_shared_by_all_senders_of_the_account(self):
        """The chatter's immediate sends and the queue count against the same limit."""
        self.account_office.sudo().rate_limit_per_minute = 2
        with freeze_time(T0), real_smtp():
            for index in range(3):
                self.tasks[index].with_user(self.user_plain).message_post(
                    body="Hi", message_type="comment", partner_ids=self.customer.ids)
        self.assertEqual(len(self.servers.smtp_received), 2)
        held = self.env["mail.mail"].sudo().search([
            ("mail_server_id", "=", self.account_office.sudo().mail_server_id.id),
            ("state", "=", "outgoing")])
        self.assertEqual(len(held), 1)
        self.assertEqual(held.scheduled_date, T0 + timedelta(minutes=1))
        with freeze_time(T0 + timedelta(minutes=1)), real_smtp():
            self.env["mail.mail"].process_email_queue()
        self.assertEqual(len(self.servers.smtp_received), 3)

    def test_busy_limit_delays_never_overshoots(self):
        """Another transaction holding the account's reservation: e-mails wait."""
        cnx = db_connect(self.env.cr.dbname)
        with cnx.cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                          [mail_account_sending.SEND_LOCK_CLASS, self.account_bob.id])
            with patch.object(mail_account_sending, "OWN_TRANSACTION_LOCK_TIMEOUT", "100ms"), \
                    freeze_time(T0), real_smtp():
                mails = self._send_sixty()
            other.rollback()
        self.assertFalse(self.servers.smtp_received)
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        self.assertEqual(set(mails.mapped("scheduled_date")),
                         {T0 + mail_account_sending.SEND_BUSY_RETRY})
        self.assertFalse(self._log())
