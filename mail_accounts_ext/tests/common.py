# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import unittest

from odoo.tests import TransactionCase, new_test_user

DISABLED_MAIL_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}


class MailAccountsCommon(TransactionCase):
    """Users of every role the addon knows, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.company = cls.env.company
        cls.user_admin = new_test_user(
            cls.env, login="mae_user_admin", groups="base.group_user,base.group_erp_manager",
            name="User Administrator", email="user.admin@example.com",
        )
        cls.user_a = new_test_user(
            cls.env, login="mae_operator_a", groups="base.group_user",
            name="Operator A", email="operator.a@example.com",
        )
        cls.user_b = new_test_user(
            cls.env, login="mae_operator_b", groups="base.group_user",
            name="Operator B", email="operator.b@example.com",
        )
        cls.group_delete = cls.env.ref("mail_accounts_ext.group_mail_accounts_ext_delete")
        cls.group_other = cls.env.ref("mail_accounts_ext.group_mail_accounts_ext_other_accounts")


class MailServersCase(MailAccountsCommon):
    """Real dovecot (IMAP, POP3) and aiosmtpd (SMTP) on loopback, for the whole class.

    Accounts are created the way users create them: through the setup wizard, whose
    connection test really talks to these servers.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from . import mailservers

        missing = mailservers.missing_requirements()
        if missing:
            raise unittest.SkipTest("real mail servers unavailable: " + "; ".join(missing))
        cls.servers = mailservers.MailServers.start()
        cls.addClassCleanup(cls.servers.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "mail_accounts_ext.ca_file", cls.servers.ca_file
        )

    @classmethod
    def _mailbox_user(cls, login, password="secret-pw"):
        email = login if "@" in login else f"{login}@example.com"
        cls.servers.add_user(email, password, email=email)
        return email, password

    @classmethod
    def _setup_values(cls, email, password, protocol="imap", **overrides):
        """Wizard values pointing at the loopback servers (STARTTLS everywhere)."""
        port = cls.servers.imap_port if protocol == "imap" else cls.servers.pop3_port
        values = {
            "email": email,
            "name": email,
            "incoming_protocol": protocol,
            "incoming_host": cls.servers.host,
            "incoming_port": port,
            "incoming_security": "starttls",
            "incoming_login": email,
            "incoming_password": password,
            "smtp_host": cls.servers.host,
            "smtp_port": cls.servers.smtp_port,
            "smtp_security": "starttls",
            "smtp_login": email,
            "smtp_password": password,
        }
        values.update(overrides)
        return values

    @classmethod
    def _add_account(cls, user, email, password, protocol="imap", **overrides):
        """Add an account as ``user`` through the wizard; return the saved account."""
        wizard_fields = cls.env["mail.account.setup"]._fields
        setup_values = {k: v for k, v in overrides.items() if k in wizard_fields}
        account_values = {k: v for k, v in overrides.items() if k not in setup_values}
        wizard = cls.env["mail.account.setup"].with_user(user).create(
            cls._setup_values(email, password, protocol, **setup_values)
        )
        action = wizard.action_test_and_save()
        if action.get("res_model") != "mail.account":
            raise AssertionError("account setup failed: %s" % wizard.test_message)
        account = cls.env["mail.account"].browse(action["res_id"])
        if account_values:
            account.sudo().write(account_values)
        return account
