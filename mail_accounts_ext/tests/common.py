# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import email
import email.policy
import json
import subprocess
import sys
import unittest
from email.message import EmailMessage
from email.utils import make_msgid
from unittest.mock import patch

import odoo
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import config

DISABLED_MAIL_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}


def new_employee(env, login, name, *groups, **values):
    """``new_test_user`` for an internal user: ``base.group_user`` and the groups whose
    XML ids are ``groups``, nothing more."""
    groups = ",".join(("base.group_user", *groups))
    return new_test_user(env, login=login, name=name, groups=groups, **values)


class MailAccountsCommon(TransactionCase):
    """Users of every role the addon knows, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.company = cls.env.company
        cls.user_admin = new_employee(
            cls.env, "mae_user_admin", "User Administrator", "base.group_erp_manager",
            email="user.admin@example.com",
        )
        cls.user_a = new_employee(
            cls.env, "mae_operator_a", "Operator A", email="operator.a@example.com",
        )
        cls.user_b = new_employee(
            cls.env, "mae_operator_b", "Operator B", email="operator.b@example.com",
        )
        cls.user_system = new_employee(
            cls.env, "mae_user_system", "System Administrator", "base.group_system",
            email="system@example.com",
        )
        # may use and manage the accounts of other users
        cls.user_supervisor = new_employee(
            cls.env, "mae_user_supervisor", "Supervisor",
            "mail_accounts_ext.group_mail_accounts_ext_other_accounts",
            email="supervisor@example.com",
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

        mailservers.check_available(unittest.SkipTest)
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


@contextlib.contextmanager
def real_smtp():
    """Let Odoo really connect to SMTP servers and send while a test runs.

    During tests ``ir.mail_server.connect()`` returns None and ``send_email()``
    returns before sending: both read ``odoo.modules.module.current_test``
    (odoo/addons/base/models/ir_mail_server.py). Switching that flag off around the
    code that sends lets the mail reach the harness' aiosmtpd through the very code
    of production (connection, STARTTLS, AUTH, MAIL FROM, DATA); nothing else reads
    the flag meanwhile except core's log lines about sent batches. Only mail through
    the accounts' loopback servers may be sent inside: Odoo's default server
    (localhost:25) does not exist here.
    """
    with patch.object(odoo.modules.module, "current_test", False):
        yield


def parse_received(received):
    """A message received by the harness' SMTP server as an ``email`` message."""
    return email.message_from_bytes(received.data, policy=email.policy.default)


class SenderCase(MailServersCase):
    """Projects of two brands, operators with different accounts, a customer.

    * ``brand``: company account restricted to ``user_brand``, default for
      ``project_brand``; ``office``: the company's default account, open to all;
    * ``user_brand`` (Ann) owns a personal default account too, ``user_personal``
      (Bob) only a personal default account, ``user_plain`` (Cid) none;
    * every operator is a least-privileged project user.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,project.group_project_user"
        cls.user_brand = new_test_user(cls.env, login="mae_ann", groups=groups,
                                       name="Ann Brand", email="ann@company.example.com")
        cls.user_personal = new_test_user(cls.env, login="mae_bob", groups=groups,
                                          name="Bob Personal", email="bob@company.example.com")
        cls.user_plain = new_test_user(cls.env, login="mae_cid", groups=groups,
                                       name="Cid Plain", email="cid@company.example.com")
        cls.admin = cls.env.ref("base.user_admin")
        Project = cls.env["project.project"]
        cls.project_brand = Project.create({"name": "Brand A website",
                                            "privacy_visibility": "employees"})
        cls.project_other = Project.create({"name": "Internal tools",
                                            "privacy_visibility": "employees"})
        cls.customer = cls.env["res.partner"].create({
            "name": "Customer One", "email": "customer.one@customers.example.net",
        })
        Task = cls.env["project.task"]
        cls.task_brand = Task.create({"name": "Landing page", "project_id": cls.project_brand.id,
                                      "partner_id": cls.customer.id})
        cls.task_other = Task.create({"name": "Backup script", "project_id": cls.project_other.id,
                                      "partner_id": cls.customer.id})

        cls.account_office = cls._add_account(
            cls.admin, *cls._mailbox_user("office.sender"), account_type="company",
            name="Office", sender_name="Company Office", is_company_default=True,
        )
        cls.account_brand = cls._add_account(
            cls.admin, *cls._mailbox_user("hello.brand"), account_type="company",
            name="Brand A", sender_name="Brand A", user_ids=[(6, 0, cls.user_brand.ids)],
            project_ids=[(6, 0, cls.project_brand.ids)],
            default_project_ids=[(6, 0, cls.project_brand.ids)],
        )
        cls.account_ann = cls._add_account(
            cls.user_brand, *cls._mailbox_user("ann.sender"), name="Ann", is_default=True,
        )
        cls.account_bob = cls._add_account(
            cls.user_personal, *cls._mailbox_user("bob.sender"), name="Bob", is_default=True,
        )

    def setUp(self):
        super().setUp()
        self.servers.clear_smtp()

    def assertReceivedThrough(self, received, account):
        """``received`` came from ``account``: From, envelope sender, SMTP login, Reply-To."""
        account = account.sudo()
        message = parse_received(received)
        self.assertEqual(received.login, account.smtp_login.lower())
        self.assertEqual(received.mail_from, account.email)
        self.assertEqual(self._address(message["From"]),
                         (account.sender_name or account.name, account.email))
        if account.reply_to_account:
            self.assertEqual(self._address(message["Reply-To"]),
                             (account.sender_name or account.name, account.email))
        return message

    @staticmethod
    def _address(header):
        """(display name, address) of a one-address header."""
        address = header.addresses[0]
        return address.display_name, address.addr_spec


class MailboxCase(MailServersCase):
    """Helpers for the mailbox: raw messages, fresh mailboxes with their accounts; the
    mailbox models as ``cls.Message`` and ``cls.Folder``."""

    _mailbox_counter = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Message = cls.env["mail.account.message"]
        cls.Folder = cls.env["mail.account.folder"]

    @staticmethod
    def _message(subject, body="Hello", message_id=None, sender="sender@example.com",
                 to="someone@example.com", headers=None,
                 date="Tue, 24 Nov 2026 10:00:00 +0000", html=None, attachments=()):
        """An :class:`EmailMessage`: a text ``body``, with an ``html`` alternative when
        given, and ``attachments`` as ``(file name, MIME type, bytes)``; no Date header
        when ``date`` is None."""
        message = EmailMessage()
        message["Message-Id"] = message_id or make_msgid(domain="example.com")
        message["From"] = sender
        message["To"] = to
        message["Subject"] = subject
        if date is not None:
            message["Date"] = date
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
        for filename, mimetype, data in attachments:
            maintype, subtype = mimetype.split("/")
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return message

    @classmethod
    def _raw(cls, *args, **values):
        """The bytes of :meth:`_message`."""
        return cls._message(*args, **values).as_bytes()

    @classmethod
    def _new_mailbox(cls, user, prefix, protocol="imap", **account_values):
        """A new mail user on the servers and its account, added by ``user``."""
        MailboxCase._mailbox_counter += 1
        email, password = cls._mailbox_user(f"{prefix}.{MailboxCase._mailbox_counter}")
        account = cls._add_account(user, email, password, protocol=protocol, **account_values)
        return account, email

    @classmethod
    def _fetched_mailbox(cls, user, prefix, *subjects, folders=(), **account_values):
        """:meth:`_new_mailbox` with an e-mail per subject in its Inbox (and ``folders``
        created on the server), fetched once by its owner; (account, address)."""
        account, address = cls._new_mailbox(user, prefix, **account_values)
        for name in folders:
            cls.servers.create_folder(address, name)
        for subject in subjects:
            cls.servers.deliver(address, cls._raw(subject))
        cls._fetch(account, check=True)
        return account, address

    @classmethod
    def _fetch(cls, account, user=None, check=False):
        """Fetch as ``user`` (the owner by default), what *Fetch now* runs; returns the
        account's result: ``ok``, ``message`` and the sync's ``report``. ``check``: a
        fixture that must work, failing with the server's answer otherwise."""
        user = user or account.owner_id
        result = account.with_user(user)._check_may_use()._fetch_mail()[account.id]
        assert result["ok"] or not check, result["message"]
        return result


def start_worker(case, script, *arguments, ids):
    """Start ``script`` (a ``tests/*_worker.py``) as a separate process on the test's
    database with the server's options, stopped at the end of ``case``; ``ids`` are the
    records it works on. Its standard streams are pipes, text."""
    command = [sys.executable, script, *arguments, "--db", case.env.cr.dbname,
               "--ids", ",".join(map(str, ids)),
               "--addons-path", config["addons_path"], "--data-dir", config["data_dir"]]
    for name in ("db_host", "db_port", "db_user", "db_password"):
        if config.get(name):
            command += [f"--{name.replace('_', '-')}", str(config[name])]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    case.addCleanup(_stop_worker, process)
    return process


def wait_until_ready(case, workers):
    """Wait until every worker of ``start_worker`` loaded its registry (it prints
    ``ready``); fail ``case`` with the worker's output if one did not."""
    for process in workers:
        line = process.stdout.readline()
        if line.strip() != "ready":
            process.kill()
            case.fail(f"worker did not start: {line}{process.stderr.read()[-3000:]}")


def release_workers(workers, timeout):
    """Start the ready workers together; ``[(result, stderr)]`` in their order, the
    result being the JSON of a worker's last output line (None if it failed)."""
    for process in workers:
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in workers:
        out, err = process.communicate(timeout=timeout)
        lines = out.strip().splitlines()
        result = json.loads(lines[-1]) if process.returncode == 0 and lines else None
        results.append((result, err))
    return results


def _stop_worker(process):
    if process.poll() is None:
        process.kill()
        process.wait()
