# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tools.discuss import Store
from odoo.addons.mail_accounts_ext.models.mail_account import MailAccount

from ..tools import delivery
from .common import SenderCase, parse_received, real_smtp

T0 = datetime(2026, 3, 2, 9, 30, 0)


@tagged("post_install", "-at_install")
class TestSendRetry(SenderCase):
    """Temporary refusals wait and are tried again; permanent ones fail at once; a mail
    that may have been delivered is never sent again on its own.

    Real conversations with aiosmtpd (refusing, dropping the connection, then healing),
    the real mail queue cron, the clock frozen and moved on by hand. Core logs every
    failed mail as an error: muted here, the failures are expected.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("mail.ir_cron_mail_scheduler_action")
        cls.customer_two = cls.env["res.partner"].create({
            "name": "Customer Two", "email": "customer.two@customers.example.net",
        })

    def _post(self, partners=None, user=None, body="Your order has shipped"):
        user = user or self.user_personal
        message = self.task_other.with_user(user).message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment",
            partner_ids=(partners or self.customer).ids, mail_auto_delete=False,
        )
        notifications = message.sudo().notification_ids.filtered(
            lambda notification: notification.notification_type == "email")
        return message, notifications, notifications.mail_mail_id

    def _post_dropped(self, stage):
        """Post at T0 while the server drops the connection once, at ``stage``: the
        notification and the mail."""
        self.servers.smtp_drop_next(1, stage=stage)
        with freeze_time(T0), real_smtp():
            _message, notification, mail = self._post()
        return notification, mail

    def _queue(self, moment):
        with freeze_time(moment), real_smtp():
            self.cron.method_direct_trigger()

    def _deliveries(self):
        """{Message-Id: how many times the server accepted it}."""
        return Counter(parse_received(item)["Message-Id"]
                       for item in self.servers.smtp_received)

    def assertDeliveredOnce(self, msg=None):
        """The server accepted one message, once."""
        self.assertEqual(list(self._deliveries().values()), [1], msg)

    def assertQueueSends(self, mail, moment):
        """The mail queue run at ``moment`` sends ``mail``, once."""
        self._queue(moment)
        self.assertDeliveredOnce()
        self.assertEqual(mail.state, "sent")

    def _waiting_reason(self, notification):
        store = Store(notification).get_result()
        (data,) = store["mail.notification"]
        return data["waiting_reason"]

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_451_at_data_waits_then_the_queue_delivers_once(self):
        self.servers.smtp_reject_next(1, 451, "4.3.0 Temporary lookup failure", stage="data")
        with freeze_time(T0), real_smtp():
            _message, notification, mail = self._post()
        self.assertFalse(self.servers.smtp_received)
        self.assertEqual(mail.state, "outgoing", "queued again, not failed")
        self.assertEqual(mail.scheduled_date, T0 + timedelta(minutes=1))
        self.assertEqual(mail.mail_account_try_count, 1)
        for text in (mail.failure_reason, notification.failure_reason):
            self.assertIn("Waiting: the server asked to try later, next try at", text)
            self.assertIn("451 4.3.0 Temporary lookup failure", text)
            self.assertIn(f"1 of {delivery.MAX_TRIES}", text)
        self.assertEqual(notification.notification_status, "ready", "no red envelope")
        self.assertEqual(self._waiting_reason(notification), notification.failure_reason)
        self.assertTrue(self.env["ir.cron.trigger"].search([
            ("cron_id", "=", self.cron.id), ("call_at", "=", T0 + timedelta(minutes=1))]))

        self._queue(T0 + timedelta(seconds=30))
        self.assertFalse(self.servers.smtp_received, "not before the next try")
        self._queue(T0 + timedelta(seconds=61))  # the server healed meanwhile
        self.assertDeliveredOnce()
        self.assertReceivedThrough(self.servers.smtp_received[0], self.account_bob)
        self.assertEqual(mail.state, "sent")
        self.assertFalse(mail.failure_reason)
        self.assertEqual(notification.notification_status, "sent")
        self.assertFalse(self._waiting_reason(notification))
        self.assertTrue(self.account_bob.last_send_ok)
        self._queue(T0 + timedelta(hours=9))
        self.assertDeliveredOnce("delivered exactly once")

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_gives_up_after_the_last_try_then_retry_starts_again(self):
        self.servers.smtp_reject_next(delivery.MAX_TRIES, 421, "4.7.0 Try again later",
                                      stage="mail")
        moment = T0
        with freeze_time(moment), real_smtp():
            _message, notification, mail = self._post()
        delays = []
        while mail.state == "outgoing":
            delays.append(mail.scheduled_date - moment)
            moment = mail.scheduled_date
            self._queue(moment)
        self.assertEqual(delays, list(delivery.RETRY_DELAYS), "a growing delay")
        self.assertEqual(mail.mail_account_try_count, delivery.MAX_TRIES)
        self.assertEqual(mail.state, "exception")
        self.assertEqual(notification.notification_status, "exception")
        for text in (mail.failure_reason, notification.failure_reason):
            self.assertIn(f"refused it temporarily {delivery.MAX_TRIES} times", text)
            self.assertIn("421 4.7.0 Try again later", text)
        self.assertFalse(self.servers.smtp_received)
        self._queue(moment + timedelta(days=1))
        self.assertFalse(self.servers.smtp_received, "failed for good: no more tries")

        mail.action_retry()  # a person sends it again: every try is available again
        self.assertEqual(mail.mail_account_try_count, 0)
        self.assertQueueSends(mail, moment + timedelta(days=1))

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_connection_lost_before_the_message_is_retried(self):
        notification, mail = self._post_dropped("mail")
        self.assertEqual(mail.state, "outgoing")
        self.assertIn("Waiting: the connection to the server failed before the message was "
                      "handed over", mail.failure_reason)
        self.assertEqual(notification.notification_status, "ready")
        self.assertQueueSends(mail, T0 + timedelta(minutes=1))

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_connection_lost_after_the_message_is_maybe_delivered_never_resent(self):
        notification, mail = self._post_dropped("data")
        self.assertDeliveredOnce("the server kept it")
        self.assertEqual(mail.state, "exception")
        self.assertEqual(notification.notification_status, "exception")
        for text in (mail.failure_reason, notification.failure_reason):
            self.assertIn("may have been delivered", text)
        self._queue(T0 + timedelta(hours=9))
        self.assertDeliveredOnce("never sent again on its own")

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_permanent_refusals_fail_at_once_explained(self):
        cases = [
            ("data", 550, "5.7.1 Message rejected as spam",
             "refused the message itself: its spam or content filter"),
            ("data", 552, "5.3.4 Message size exceeds fixed maximum message size",
             "larger than the receiving server accepts"),
            ("rcpt", 550, "5.1.1 <customer.one@customers.example.net>: Recipient address "
                          "rejected: User unknown", "rejected a recipient address"),
        ]
        for stage, code, text, explained in cases:
            with self.subTest(code=code, text=text):
                self.servers.smtp_reject_next(1, code, text, stage=stage)
                with freeze_time(T0), real_smtp():
                    _message, notification, mail = self._post()
                self.assertEqual(mail.state, "exception")
                self.assertEqual(notification.notification_status, "exception")
                self.assertFalse(mail.mail_account_try_count)
                for reason in (mail.failure_reason, notification.failure_reason):
                    self.assertIn(explained, reason)
                    self.assertIn(f"{code} {text}", reason)
                if stage == "rcpt":
                    self.assertIn("customer.one@customers.example.net: 550 5.1.1", reason,
                                  "the refused recipient is named")
        self._queue(T0 + timedelta(hours=9))
        self.assertFalse(self.servers.smtp_received)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_recipients_already_reached_are_not_sent_again(self):
        """One mail, three messages (its plain To address, then two partners): the server
        takes the first two and asks to try later for the third; the next try goes to the
        third only."""
        verdicts = iter([None, None, (451, "4.3.2 System not accepting messages")])
        self.servers.smtp_sender_policy(lambda login, mail_from: next(verdicts, None))
        Account = self.env["mail.account"]
        mail = self.env["mail.mail"].with_user(self.user_personal).sudo().create({
            **Account._sender_values(self.account_bob),
            "subject": "Meeting notes", "body_html": "<p>Notes</p>",
            "email_to": "plain@customers.example.net",
            "recipient_ids": [(6, 0, (self.customer | self.customer_two).ids)],
            "auto_delete": False,
        })
        with freeze_time(T0), real_smtp():
            mail.send()
        self.assertEqual(len(self.servers.smtp_received), 2)
        self.assertEqual(mail.state, "outgoing")
        self.assertIn("4.3.2 System not accepting messages", mail.failure_reason)
        self.assertFalse(mail.email_to, "what is left to send")
        self.assertEqual(mail.recipient_ids, self.customer_two)

        self._queue(T0 + timedelta(minutes=1))
        self.assertEqual([item.rcpt_tos for item in self.servers.smtp_received], [
            ["plain@customers.example.net"], [self.customer.email], [self.customer_two.email],
        ], "each recipient exactly once")
        self.assertEqual(mail.state, "sent")

    def test_sending_limit_says_why_and_until_when(self):
        self.account_bob.sudo().rate_limit_per_minute = 1
        with freeze_time(T0), real_smtp():
            self._post(body="First")
            _message, notification, mail = self._post(body="Second")
        self.assertEqual(len(self.servers.smtp_received), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.scheduled_date, T0 + timedelta(minutes=1))
        for text in (mail.failure_reason, notification.failure_reason,
                     self._waiting_reason(notification)):
            self.assertIn("Waiting for the sending limit of Bob, leaves at", text)
        self._queue(T0 + timedelta(minutes=1))
        self.assertEqual(len(self.servers.smtp_received), 2)
        self.assertEqual(mail.state, "sent")
        self.assertFalse(mail.failure_reason)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_waiting_reason_in_the_senders_language(self):
        """The queue runs as the system user; the reason is written in the sender's
        language and time zone (the operator reads it in the chatter)."""
        self.env["res.lang"]._activate_lang("pl_PL")
        self.user_personal.write({"lang": "pl_PL", "tz": "Europe/Warsaw"})
        self.servers.smtp_reject_next(1, 451, "4.3.0 Temporary lookup failure", stage="data")
        languages = []
        translate = MailAccount._translate_template

        def spy(account, template, params):
            if template == delivery.WAITING_SERVER:
                languages.append((account.env.lang, params["date"]))
            return translate(account, template, params)

        with patch.object(MailAccount, "_translate_template", spy), freeze_time(T0), \
                real_smtp():
            _message, _notification, mail = self._post()
        self.assertEqual(mail.state, "outgoing")
        (lang, date), = languages
        self.assertEqual(lang, "pl_PL")
        self.assertIn("10:31", date, "09:31 UTC in Warsaw")
