# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import Form, tagged

from .common import SenderCase, parse_received, real_smtp


@tagged("post_install", "-at_install")
class TestSenderComposer(SenderCase):
    """The composer's "Send from", and what the SMTP server really receives.

    Sending is real: :func:`.common.real_smtp` lifts core's test-mode switch only
    around the send, so ``ir.mail_server`` connects to the harness' aiosmtpd with
    STARTTLS and the account's login, and the harness records what arrived.
    """

    def _composer_form(self, user, records, mode="comment"):
        return Form(self.env["mail.compose.message"].with_user(user).with_context(
            default_model=records._name, default_res_ids=records.ids,
            default_composition_mode=mode,
        ))

    def _send_comment(self, form, subject):
        form.subject = subject
        form.body = "<p>Your landing page is ready.</p>"
        if not form.partner_ids:
            form.partner_ids.add(self.customer)
        composer = form.save()
        with real_smtp():
            _mails, messages = composer._action_send_mail()
        return messages

    def test_three_users_three_senders(self):
        """Same task, three operators: project default, personal default, company default."""
        for user, expected in [
            (self.user_brand, self.account_brand),  # may use the project's account
            (self.user_personal, self.account_bob),  # may not: own default
            (self.user_plain, self.account_office),  # no own account: the company's
        ]:
            with self.subTest(user=user.name):
                self.servers.clear_smtp()
                form = self._composer_form(user, self.task_brand)
                self.assertEqual(form.mail_account_id, expected)
                messages = self._send_comment(form, f"Update from {user.name}")
                received = self.servers.smtp_received
                self.assertEqual(len(received), 1)
                self.assertEqual(received[0].rcpt_tos, [self.customer.email])
                mail = self.assertReceivedThrough(received[0], expected)
                self.assertEqual(mail["Subject"], f"Update from {user.name}")
                # Odoo's own Message-Id and References: replies route back to the task.
                self.assertEqual(mail["Message-Id"], messages.message_id)
                self.assertIn(messages.message_id, mail["References"])
                self.assertEqual(messages.sudo().mail_server_id,
                                 expected.sudo().mail_server_id)

    def test_switch_sender(self):
        form = self._composer_form(self.user_brand, self.task_brand)
        self.assertEqual(form.mail_account_id, self.account_brand)
        form.mail_account_id = self.account_ann
        self._send_comment(form, "From Ann herself")
        [received] = self.servers.smtp_received
        self.assertReceivedThrough(received, self.account_ann)

    def test_empty_sender_is_odoo_standard(self):
        form = self._composer_form(self.user_brand, self.task_brand)
        form.mail_account_id = self.env["mail.account"]
        form.subject = "Standard"
        form.body = "<p>x</p>"
        form.partner_ids.add(self.customer)
        _mails, message = form.save()._action_send_mail()  # no real sending: Odoo's server
        self.assertFalse(message.mail_server_id)
        self.assertEqual(message.email_from, self.user_brand.email_formatted)

    def test_mass_mode_sender_per_document(self):
        tasks = self.task_brand | self.task_other
        form = self._composer_form(self.user_brand, tasks, mode="mass_mail")
        self.assertTrue(form.mail_account_per_record)
        form.subject = "News about {{ object.name }}"
        form.body = "<p>News</p>"
        composer = form.save()
        with real_smtp():
            composer._action_send_mail()
        received = {parse_received(r)["Subject"]: r for r in self.servers.smtp_received}
        self.assertEqual(len(received), 2)
        self.assertReceivedThrough(received["News about Landing page"], self.account_brand)
        self.assertReceivedThrough(received["News about Backup script"], self.account_ann)

    def test_mass_mode_one_sender_for_all(self):
        tasks = self.task_brand | self.task_other
        form = self._composer_form(self.user_brand, tasks, mode="mass_mail")
        form.mail_account_per_record = False
        form.mail_account_id = self.account_office
        form.subject = "Office news: {{ object.name }}"
        form.body = "<p>News</p>"
        composer = form.save()
        with real_smtp():
            composer._action_send_mail()
        received = self.servers.smtp_received
        self.assertEqual(len(received), 2)
        for item in received:
            self.assertReceivedThrough(item, self.account_office)

    def test_chatter_send_message_really_sent(self):
        """The chatter's "Send message" (message_post) leaves through the rule's account."""
        with real_smtp():
            message = self.task_brand.with_user(self.user_personal).message_post(
                body="Done", message_type="comment", subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        [received] = self.servers.smtp_received
        mail = self.assertReceivedThrough(received, self.account_bob)
        self.assertEqual(mail["Message-Id"], message.message_id)
        self.assertTrue(self.account_bob.last_send_ok)
