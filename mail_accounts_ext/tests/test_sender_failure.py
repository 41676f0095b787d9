# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail_accounts_ext.models.mail_account import MailAccount

from .common import SenderCase, real_smtp


@tagged("post_install", "-at_install")
class TestSenderFailure(SenderCase):
    """A failed send says, on the mail, in the chatter and on the account, what the
    server answered and what to do (tools/errors.py), in the sender's language.

    Core logs every failed mail as an error: muted here, the failures are expected.
    """

    def _post(self, user=None, task=None):
        user = user or self.user_personal
        task = task or self.task_other
        message = task.with_user(user).message_post(
            body="Invoice attached", message_type="comment", subtype_xmlid="mail.mt_comment",
            partner_ids=self.customer.ids, mail_auto_delete=False,
        )
        return message, message.sudo().notification_ids

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_authentication_refused(self):
        self.servers.smtp_reject_next(1, 535, "5.7.8 Authentication credentials invalid",
                                      stage="auth")
        with real_smtp():
            message, notification = self._post()
        mail = notification.mail_mail_id
        self.assertEqual(mail.state, "exception")
        for text in (mail.failure_reason, notification.failure_reason,
                     self.account_bob.last_send_message):
            self.assertIn("5.7.8 Authentication credentials invalid", text)  # the server
            self.assertIn("did not accept the login or the password", text)  # explained
            self.assertIn("Bob", text)  # the account
        self.assertEqual(notification.notification_status, "exception")
        self.assertEqual(notification.failure_type, "mail_smtp")
        self.assertFalse(self.account_bob.last_send_ok)
        self.assertTrue(self.account_bob.last_send_date)
        self.assertFalse(self.servers.smtp_received)

        # The chatter's failure dialog (resend wizard) shows the explanation...
        wizard = self.env["mail.resend.message"].with_user(self.user_personal).with_context(
            mail_message_to_resend=message.id).create({})
        self.assertIn("did not accept the login or the password", wizard.partner_ids.message)
        # ... and resending, once the server accepts again, works and clears the account.
        with real_smtp():
            wizard.resend_mail_action()
        self.assertEqual(len(self.servers.smtp_received), 1)
        self.assertTrue(self.account_bob.last_send_ok)
        self.assertFalse(self.account_bob.last_send_message)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_server_down(self):
        self.servers.stop_smtp()
        self.addCleanup(self.servers.start_smtp)
        with real_smtp():
            _message, notification = self._post()
        for text in (notification.mail_mail_id.failure_reason, notification.failure_reason,
                     self.account_bob.last_send_message):
            self.assertIn("refused", text)
            self.assertIn(str(self.servers.smtp_port), text)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_message_refused_at_data(self):
        self.servers.smtp_reject_next(1, 554, "5.7.1 Message rejected as spam", stage="data")
        with real_smtp():
            _message, notification = self._post()
        mail = notification.mail_mail_id
        self.assertEqual(mail.state, "exception")
        self.assertIn("5.7.1 Message rejected as spam", mail.failure_reason)
        self.assertIn("Bob", notification.failure_reason)
        self.assertIn("5.7.1 Message rejected as spam", notification.format_failure_reason())
        self.assertFalse(self.account_bob.last_send_ok)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_explained_in_the_senders_language(self):
        """The queue runs as the system user; failures are explained in the sender's
        language (the operator reads them in the chatter)."""
        self.env["res.lang"]._activate_lang("pl_PL")
        self.user_personal.lang = "pl_PL"
        composer = self.env["mail.compose.message"].with_user(self.user_personal).with_context(
            default_model="project.task", default_res_ids=self.task_other.ids,
            default_composition_mode="mass_mail",
        ).create({"subject": "Queued", "body": "<p>x</p>", "force_send": False,
                  "auto_delete": False})
        mails, _messages = composer._action_send_mail()
        self.assertEqual(mails.state, "outgoing")
        self.servers.smtp_reject_next(1, 535, "5.7.8 Authentication credentials invalid",
                                      stage="auth")
        languages = []
        explain_text = MailAccount._explain_text

        def spy(account, explanation):
            languages.append(account.env.lang)
            return explain_text(account, explanation)

        with patch.object(MailAccount, "_explain_text", spy), real_smtp():
            self.env.ref("mail.ir_cron_mail_scheduler_action").method_direct_trigger()
        self.assertEqual(mails.state, "exception")
        self.assertEqual(languages, ["pl_PL"])
