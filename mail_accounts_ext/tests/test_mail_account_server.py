# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import MailServersCase, new_employee, parse_received, real_smtp


@tagged("post_install", "-at_install")
class TestAccountServerPassword(MailServersCase):
    """An account's ``ir.mail_server`` keeps no copy of the account's password, and its
    mail still leaves through the account: the account's own SMTP client signs in with
    the account's password (aiosmtpd checks it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_pia = new_employee(cls.env, "mae_pia", "Pia Server", "project.group_project_user",
                                    email="pia@company.example.com")
        cls.email, cls.password = cls._mailbox_user("pia.server")
        cls.account = cls._add_account(cls.user_pia, cls.email, cls.password, name="Pia")
        cls.customer = cls.env["res.partner"].create({
            "name": "Customer Two", "email": "customer.two@customers.example.net",
        })
        project = cls.env["project.project"].create({"name": "Website",
                                                     "privacy_visibility": "employees"})
        cls.task = cls.env["project.task"].create({
            "name": "Contact form", "project_id": project.id, "partner_id": cls.customer.id,
        })

    def setUp(self):
        super().setUp()
        self.servers.clear_smtp()

    def _send(self, body):
        with real_smtp():
            message = self.task.with_user(self.user_pia).message_post(
                body=body, message_type="comment", subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids, **self.account._sender_values(),
            )
        notification = message.sudo().notification_ids
        self.assertEqual(notification.mapped("notification_status"), ["sent"])
        received = self.servers.smtp_received
        self.assertEqual(len(received), 1)
        self.assertEqual(received[0].login, self.email, "signed in as the account")
        self.assertEqual(received[0].mail_from, self.email)
        self.assertEqual(received[0].rcpt_tos, [self.customer.email])
        self.assertIn(body, parse_received(received[0]).get_body().get_content())

    def test_created_account_server_keeps_no_password(self):
        server = self.account.sudo().mail_server_id
        self.assertEqual(server.mail_account_id, self.account)
        self.assertFalse(server.smtp_pass)
        self.assertEqual(server.smtp_user, self.email, "the login (no secret) is shown")
        self._send("Sent by an account whose server keeps no password")

    def test_changed_password_is_used_and_not_copied(self):
        self.servers.add_user(self.email, "rotated-pw-2", email=self.email)
        self.addCleanup(self.servers.add_user, self.email, self.password, email=self.email)
        action = self.account.with_user(self.user_pia).action_open_setup()
        wizard = self.env["mail.account.setup"].with_user(self.user_pia).browse(action["res_id"])
        wizard.write({"incoming_password": "rotated-pw-2", "smtp_password": "rotated-pw-2"})
        action = wizard.action_test_and_save()
        self.assertEqual(action["res_model"], "mail.account", wizard.test_message)
        self.assertEqual(self.account.sudo().smtp_password, "rotated-pw-2")
        self.assertFalse(self.account.sudo().mail_server_id.smtp_pass)
        # The old password no longer opens the server: the mail leaving proves the
        # account's new one was used.
        self._send("Sent after the password changed")

    def test_server_connection_test_uses_the_account(self):
        """Core's Test Connection on the server form signs in with the account's password."""
        server = self.account.sudo().mail_server_id.with_user(self.user_system)
        result = server.test_smtp_connection()
        self.assertEqual(result["params"]["type"], "success")

    def test_no_password_on_an_account_server(self):
        server = self.account.sudo().mail_server_id
        with self.assertRaises(ValidationError):
            server.with_user(self.user_system).write({"smtp_pass": "a second copy"})
        with self.assertRaises(AccessError):
            server.with_user(self.user_a).write({"smtp_pass": "a second copy"})
        with self.assertRaises(ValidationError):
            self.env["ir.mail_server"].with_user(self.user_system).create({
                "name": "copy", "smtp_host": "127.0.0.1", "smtp_pass": "a second copy",
                "mail_account_id": self.account.id,
            })
        # Other servers keep their passwords as in core.
        other = self.env["ir.mail_server"].with_user(self.user_system).create({
            "name": "Company relay", "smtp_host": "relay.example.com",
            "smtp_user": "relay", "smtp_pass": "relay-secret",
        })
        self.assertEqual(other.smtp_pass, "relay-secret")
        # A stray copy (left by 18.0.1.0.0) is cleared by the next change of the account.
        self.env.cr.execute("UPDATE ir_mail_server SET smtp_pass = 'stray' WHERE id = %s",
                            [server.id])
        server.invalidate_recordset(["smtp_pass"])
        self.account.with_user(self.user_pia).write({"sender_name": "Pia P."})
        self.assertFalse(server.smtp_pass)
