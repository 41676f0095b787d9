# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import socket

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import MailServersCase


@tagged("post_install", "-at_install")
class TestMailAccount(MailServersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.email_a, cls.password_a = cls._mailbox_user("anna.a")
        cls.email_b, cls.password_b = cls._mailbox_user("bert.b")
        cls.account_a = cls._add_account(cls.user_a, cls.email_a, cls.password_a)
        cls.account_b = cls._add_account(cls.user_b, cls.email_b, cls.password_b,
                                         protocol="pop3")

    # -- creating ---------------------------------------------------------
    def test_passing_test_creates_account(self):
        account = self.account_a.with_user(self.user_a)
        self.assertEqual(account.state, "tested")
        self.assertEqual(account.owner_id, self.user_a)
        self.assertEqual(account.email, self.email_a)
        self.assertTrue(account.last_test_ok)
        self.assertIn("SMTP: connection, sign-in and checks passed.", account.last_test_message)
        self.assertIn("IMAP: connection, sign-in and checks passed.", account.last_test_message)
        server = account.sudo().mail_server_id
        self.assertEqual(server.from_filter, self.email_a)
        self.assertEqual(server.smtp_port, self.servers.smtp_port)
        self.assertEqual(server.mail_account_id, self.account_a)
        self.assertEqual(self.account_b.incoming_protocol, "pop3")

    def test_wizard_form_fills_from_preset(self):
        """Typing a known address fills the provider's servers."""
        with Form(self.env["mail.account.setup"].with_user(self.user_a)) as form:
            form.email = "someone@wp.pl"
            self.assertEqual(form.preset, "wp")
            self.assertEqual(form.incoming_host, "imap.wp.pl")
            self.assertEqual(form.incoming_port, 993)
            self.assertEqual(form.smtp_host, "smtp.wp.pl")
            self.assertTrue(form.discovery_message)
            form.incoming_protocol = "pop3"
            self.assertEqual(form.incoming_host, "pop3.wp.pl")
            self.assertEqual(form.incoming_port, 995)

    def _failing_setup(self, expected_kind_text, **overrides):
        email, password = self._mailbox_user("carl.c")
        values = self._setup_values(email, password, **overrides)
        wizard = self.env["mail.account.setup"].with_user(self.user_a).create(values)
        before = self.env["mail.account"].sudo().search_count([])
        action = wizard.action_test_and_save()
        self.assertEqual(action["res_model"], "mail.account.setup", "the wizard stays open")
        self.assertEqual(wizard.test_state, "failed")
        self.assertEqual(self.env["mail.account"].sudo().search_count([]), before,
                         "a failing test saves nothing")
        self.assertIn(expected_kind_text, wizard.test_message)
        return wizard

    def test_wrong_password_blocks_saving(self):
        wizard = self._failing_setup("password", incoming_password="wrong", smtp_password="wrong")
        self.assertIn("535", wizard.test_message)

    def test_wrong_port_blocks_saving(self):
        wizard = self._failing_setup("port", incoming_port=self.servers.pop3_port)
        self.assertIn("IMAP", wizard.test_message)

    def test_tls_mismatch_blocks_saving(self):
        self._failing_setup("SSL", smtp_security="ssl")

    def test_connection_refused_blocks_saving(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        self._failing_setup("refused", smtp_port=closed_port)

    def test_unknown_host_blocks_saving(self):
        self._failing_setup("does not exist", incoming_host="no-such-host.invalid")

    def test_untrusted_certificate_blocks_saving(self):
        self.env["ir.config_parameter"].sudo().set_param("mail_accounts_ext.ca_file", "")
        self._failing_setup("certificate")

    # -- write enforcement --------------------------------------------------
    def test_rpc_write_of_host_without_test_refused(self):
        account = self.account_a.with_user(self.user_a)
        # Connection settings change through the setup wizard only (a passing test).
        with self.assertRaisesRegex(AccessError, "Change settings"):
            account.write({"incoming_host": "imap.elsewhere.example.com"})
        with self.assertRaises(AccessError):
            account.write({"smtp_port": 2525})
        # A user cannot even address the password or the fingerprint.
        with self.assertRaises(AccessError):
            account.write({"incoming_password": "new-password"})
        with self.assertRaises(AccessError):
            account.write({"tested_fingerprint": "0" * 64})
        # Not even an administrator, without a passing test.
        with self.assertRaises(ValidationError):
            self.account_a.sudo().write({"smtp_password": "new-password"})
        self.assertEqual(self.account_a.incoming_host, self.servers.host)

    def test_rpc_create_without_test_refused(self):
        values = self._setup_values("dora@example.com", "x")
        values.pop("incoming_password")
        values.pop("smtp_password")
        with self.assertRaises(AccessError):
            self.env["mail.account"].with_user(self.user_a).create(values)
        # Trusted code (sudo) still needs the passing test.
        with self.assertRaises(ValidationError):
            self.env["mail.account"].sudo().create(values)

    def test_other_settings_stay_editable(self):
        account = self.account_a.with_user(self.user_a)
        account.write({"name": "Anna (sales)", "sender_name": "Anna A.",
                       "reply_to_account": False})
        self.assertEqual(account.state, "tested")
        self.assertEqual(account._email_from(), '"Anna A." <%s>' % self.email_a)

    def test_change_settings_through_wizard(self):
        """Changing the password goes through a passing test, then saves."""
        self.servers.add_user(self.email_a, "rotated-pw", email=self.email_a)
        self.addCleanup(self.servers.add_user, self.email_a, self.password_a, email=self.email_a)
        action = self.account_a.with_user(self.user_a).action_open_setup()
        wizard = self.env["mail.account.setup"].with_user(self.user_a).browse(action["res_id"])
        self.assertEqual(wizard.incoming_host, self.servers.host)
        self.assertFalse(wizard.incoming_password, "passwords are never sent back")
        action = wizard.action_test_and_save()
        self.assertEqual(action["res_model"], "mail.account.setup", "old password fails now")
        wizard.write({"incoming_password": "rotated-pw", "smtp_password": "rotated-pw"})
        action = wizard.action_test_and_save()
        self.assertEqual(action["res_model"], "mail.account")
        self.assertEqual(self.account_a.sudo().incoming_password, "rotated-pw")
        self.assertFalse(self.account_a.sudo().mail_server_id.smtp_pass, "no copy on the server")
        self.assertEqual(self.account_a.state, "tested")

    def test_protocol_locked_after_fetch(self):
        self.account_b.sudo()._mark_fetched(ok=True, message="3 new messages")
        self.assertEqual(self.account_b.state, "in_use")
        with self.assertRaisesRegex(UserError, "Change protocol"):
            self.account_b.with_user(self.user_b).write({"incoming_protocol": "imap"})
        with self.assertRaises(UserError):
            self.account_b.sudo().write({"incoming_protocol": "imap"})
        self.assertEqual(self.account_b.incoming_protocol, "pop3")

    # -- access -------------------------------------------------------------
    def test_visibility(self):
        Account = self.env["mail.account"]
        self.assertEqual(Account.with_user(self.user_a).search([]), self.account_a)
        self.assertEqual(Account.with_user(self.user_b).search([]), self.account_b)
        with self.assertRaises(AccessError):
            self.account_a.with_user(self.user_b).read(["name"])

    def test_other_operators_flag_read_only(self):
        self.user_b.groups_id = [(4, self.group_other.id)]
        as_b = self.account_a.with_user(self.user_b)
        self.assertIn(self.account_a, self.env["mail.account"].with_user(self.user_b).search([]))
        self.assertEqual(as_b.email, self.email_a)
        with self.assertRaises(AccessError):
            as_b.write({"name": "taken over"})
        with self.assertRaises(AccessError):
            as_b.read(["incoming_password"])
        with self.assertRaises(AccessError):
            as_b.action_open_setup()

    def test_listed_user_uses_but_does_not_manage(self):
        self.account_a.sudo().user_ids = [(4, self.user_b.id)]
        as_b = self.account_a.with_user(self.user_b)
        self.assertEqual(as_b.name, self.account_a.name)
        with self.assertRaises(AccessError):
            as_b.write({"name": "mine now"})

    def test_password_never_read_back(self):
        for user in (self.user_a, self.user_admin):
            with self.assertRaises(AccessError):
                self.account_a.with_user(user).read(["incoming_password", "smtp_password"])
        data = self.account_a.with_user(self.user_a).read()[0]
        self.assertNotIn("incoming_password", data)
        self.assertNotIn("smtp_password", data)
        self.assertNotIn("tested_fingerprint", data)

    def test_company_account_for_company_users(self):
        admin = self.env.ref("base.user_admin")
        email, password = self._mailbox_user("office")
        company_account = self._add_account(admin, email, password, account_type="company")
        self.assertFalse(company_account.owner_id)
        as_a = self.env["mail.account"].with_user(self.user_a)
        self.assertIn(company_account, as_a.search([]))
        with self.assertRaises(AccessError):
            company_account.with_user(self.user_a).write({"name": "ours"})
        # A plain user cannot add a company account.
        wizard = self.env["mail.account.setup"].with_user(self.user_a).create(
            dict(self._setup_values(email, password), account_type="company")
        )
        with self.assertRaises(AccessError):
            wizard.action_test_and_save()

    def test_other_company_account_invisible(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        email, password = self._mailbox_user("other.co")
        admin = self.env.ref("base.user_admin")
        admin.company_ids = [(4, other.id)]
        account = self._add_account(admin.with_company(other), email, password,
                                    account_type="company")
        account.sudo().company_id = other
        self.user_b.groups_id = [(4, self.group_other.id)]
        self.assertNotIn(account, self.env["mail.account"].with_user(self.user_b).search([]))

    # -- outgoing server isolation -------------------------------------------
    def test_private_server_never_chosen_for_other_mail(self):
        """Core picks a server by From and, failing that, any server: never ours."""
        servers = self.env["ir.mail_server"].sudo()
        servers.search([("mail_account_id", "=", False)]).active = False
        server_a = self.account_a.sudo().mail_server_id
        # Mail with A's address but no explicit server (e.g. posted by somebody else).
        found, _from = servers._find_mail_server(self.email_a)
        self.assertNotEqual(found, server_a)
        self.assertFalse(found)
        # Core's last resort "any server at all" does not reach account servers either.
        found, _from = servers._find_mail_server("someone@elsewhere.example.com")
        self.assertFalse(found)
        mail = self.env["mail.mail"].sudo().create({
            "email_from": self.email_a, "email_to": "x@example.com", "subject": "s",
            "body_html": "<p>b</p>",
        })
        batches = list(mail._split_by_mail_configuration())
        self.assertEqual([b[0] for b in batches], [False])
        # Mail that names the account's server leaves through it.
        mail_a = self.env["mail.mail"].sudo().create({
            "email_from": self.email_a, "email_to": "x@example.com", "subject": "s",
            "body_html": "<p>b</p>", "mail_server_id": server_a.id,
        })
        self.assertEqual([b[0] for b in mail_a._split_by_mail_configuration()], [server_a.id])

    def test_archive_stops_server(self):
        self.account_a.with_user(self.user_a).action_archive()
        self.assertEqual(self.account_a.state, "inactive")
        self.assertFalse(self.account_a.sudo().mail_server_id.active)

    def test_duplicate_refused(self):
        with self.assertRaises(UserError):
            self.account_a.with_user(self.user_a).copy()
