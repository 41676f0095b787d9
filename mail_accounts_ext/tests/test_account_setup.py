# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import socket
from functools import partial
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..tools import autoconfig
from ..wizards.mail_account_link import DEFAULT_LINK_MODELS, LINK_MODELS_PARAM
from ..wizards.mail_account_setup import MailAccountSetup
from .common import MailAccountsCommon, MailServersCase, new_employee
from .https_server import HttpsServer

REAL_GETADDRINFO = socket.getaddrinfo


def _unknown_name(host):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def _no_dns(host, *args, **kwargs):
    """getaddrinfo of a machine without name service (numeric addresses still work)."""
    if host in ("127.0.0.1", "::1", "localhost"):
        return REAL_GETADDRINFO(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")


PUBLISHED = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="panel.hosting.example">
    <domain>%EMAILDOMAIN%</domain>
    <displayName>Hosting Panel</displayName>
    <incomingServer type="imap">
      <hostname>{host}</hostname><port>{imap}</port><socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>{host}</hostname><port>{pop3}</port><socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{host}</hostname><port>{smtp}</port><socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"""


@tagged("post_install", "-at_install")
class TestAccountSetup(MailServersCase):
    """The *Add account* form: what the address fills in, what a new address changes,
    the published configuration of a domain, the sender name and test results."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The domain's published configuration, over HTTPS with the harness' CA.
        cls.https = HttpsServer(cls.servers.cert_file, cls.servers.key_file)
        cls.addClassCleanup(cls.https.close)
        cls.admin = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.https.routes.clear()
        self.https.requests.clear()
        # Discovery without the Internet: no name servers, no names resolve, the
        # publications are asked from the loopback HTTPS server.
        options = {
            "timeout": 3.0, "nameservers": [], "resolver": _unknown_name,
            "autoconfig_urls": (self.https.url("/{domain}/mail/config-v1.1.xml"),),
            "fetch": partial(autoconfig.fetch, allow_private=True),
            "verify": self.servers.ca_file,
        }
        self.startPatcher(patch.object(MailAccountSetup, "_discovery_options",
                                       lambda wizard: dict(options)))

    def _form(self, user=None, **context):
        Setup = self.env["mail.account.setup"].with_user(user or self.user_a)
        return Form(Setup.with_context(**context))

    def _loopback_servers(self, form, password):
        """Point the form at the harness (what a user types after "Manual settings")."""
        form.incoming_security = "starttls"
        form.incoming_host = self.servers.host
        form.incoming_port = self.servers.imap_port
        form.smtp_security = "starttls"
        form.smtp_host = self.servers.host
        form.smtp_port = self.servers.smtp_port
        form.incoming_password = password

    # -- a new address recomputes what the old one gave ------------------------------
    def test_gmail_address_changed_to_another_domain(self):
        address, password = self._mailbox_user("anna.kowalska@firma-bez-konfiguracji.example")
        form = self._form()
        form.email = "anna.kowalska@gmail.com"
        self.assertEqual(form.preset, "gmail")
        self.assertEqual((form.incoming_host, form.smtp_host), ("imap.gmail.com", "smtp.gmail.com"))
        self.assertEqual((form.incoming_login, form.smtp_login), ("anna.kowalska@gmail.com",) * 2)
        self.assertIn("app password", form.provider_notes)
        self.assertEqual(form.name, "anna.kowalska@gmail.com")
        self.assertTrue(form.settings_found)
        self.assertIn("imap.gmail.com", form.server_summary)
        with self.assertRaises(AssertionError, msg="servers hidden behind Manual settings"):
            form.incoming_host = "imap.example.com"

        form.email = address
        self.assertFalse(form.preset, "not Gmail any more")
        self.assertFalse(form.incoming_host)
        self.assertFalse(form.smtp_host)
        self.assertEqual((form.incoming_port, form.smtp_port), (993, 465))
        self.assertEqual((form.incoming_login, form.smtp_login), (address, address))
        self.assertEqual(form.rate_limit_per_minute, 0)
        self.assertFalse(form.provider_notes)
        self.assertFalse(form.settings_found, "nothing found: the servers are asked for")
        self.assertEqual(form.name, address)
        self.assertIn("manually", form.discovery_message)
        self.assertEqual(self.https.requests, [
            "/firma-bez-konfiguracji.example/mail/config-v1.1.xml"])
        form.incoming_protocol = "pop3"
        self.assertFalse(form.incoming_host, "never pop.gmail.com")
        self.assertEqual(form.incoming_port, 995)
        form.incoming_protocol = "imap"
        self._loopback_servers(form, password)
        wizard = form.save()
        action = wizard.action_test_and_save()
        self.assertEqual(wizard.test_state, "passed", wizard.test_message)
        account = self.env["mail.account"].browse(action["res_id"])
        self.assertFalse(account.preset, "the account does not say Provider: Gmail")
        self.assertEqual(account.incoming_login, address)
        self.assertEqual(account.sender_name, self.user_a.name)

    def test_what_was_typed_by_hand_stays(self):
        form = self._form()
        form.email = "jan@wlasny-serwer.example"
        form.incoming_host = "poczta.wlasny-serwer.example"
        form.incoming_port = 1993
        form.smtp_host = "smtp.wlasny-serwer.example"
        form.incoming_login = "jan-konto"
        form.name = "Jan – sprzedaż"
        form.email = "jan.nowak@wlasny-serwer.example"
        self.assertEqual(form.incoming_host, "poczta.wlasny-serwer.example")
        self.assertEqual(form.incoming_port, 1993)
        self.assertEqual(form.smtp_host, "smtp.wlasny-serwer.example")
        self.assertEqual(form.incoming_login, "jan-konto", "typed: kept")
        self.assertEqual(form.smtp_login, "jan.nowak@wlasny-serwer.example", "derived: follows")
        self.assertEqual(form.name, "Jan – sprzedaż")

    def test_provider_picked_by_hand_stays_with_the_new_address(self):
        form = self._form()
        form.email = "ola@moja-domena.example"
        form.preset = "wp"
        self.assertEqual((form.incoming_host, form.incoming_login), ("imap.wp.pl", "ola"))
        self.assertTrue(form.settings_found)
        self.assertIn("IMAP/POP3 access", form.provider_notes)
        form.email = "ola.nowak@moja-domena.example"
        self.assertEqual(form.preset, "wp")
        self.assertEqual((form.incoming_host, form.smtp_host), ("imap.wp.pl", "smtp.wp.pl"))
        self.assertEqual(form.incoming_login, "ola.nowak")
        self.assertIn("IMAP/POP3 access", form.provider_notes)
        form.incoming_protocol = "pop3"
        self.assertEqual((form.incoming_host, form.incoming_port), ("pop3.wp.pl", 995))

    def test_forged_auto_values_do_no_harm(self):
        wizard = self.env["mail.account.setup"].with_user(self.user_a).create(
            {"email": "x@gmail.com", "auto_values": "[not json"})
        form = Form(wizard)
        form.email = "ewa@gmail.com"
        self.assertEqual((form.preset, form.incoming_login), ("gmail", "ewa@gmail.com"))

    # -- the domain's published configuration ------------------------------------------
    def test_published_configuration_fills_and_passes_the_test(self):
        address, password = self._mailbox_user("ewa.zielinska@panel-klienta.example")
        self.https.routes["/panel-klienta.example/mail/config-v1.1.xml"] = (200, PUBLISHED.format(
            host=self.servers.host, imap=self.servers.imap_port, pop3=self.servers.pop3_port,
            smtp=self.servers.smtp_port).encode())
        form = self._form()
        form.email = address
        self.assertIn("panel-klienta.example publishes", form.discovery_message)
        self.assertIn("Hosting Panel", form.discovery_message)
        self.assertFalse(form.preset)
        self.assertTrue(form.settings_found)
        self.assertEqual((form.incoming_host, form.incoming_port, form.incoming_security),
                         (self.servers.host, self.servers.imap_port, "starttls"),
                         "the published port, not the usual one")
        self.assertEqual((form.smtp_port, form.smtp_security),
                         (self.servers.smtp_port, "starttls"))
        self.assertEqual(form.incoming_login, address)
        form.incoming_protocol = "pop3"
        self.assertEqual(form.incoming_port, self.servers.pop3_port, "its published server")
        form.incoming_protocol = "imap"
        self.assertEqual(form.incoming_port, self.servers.imap_port)
        form.incoming_password = password
        wizard = form.save()
        action = wizard.action_test_and_save()
        self.assertEqual(wizard.test_state, "passed", wizard.test_message)
        account = self.env["mail.account"].browse(action["res_id"])
        self.assertEqual((account.incoming_port, account.smtp_port),
                         (self.servers.imap_port, self.servers.smtp_port))

    # -- after a failed test -----------------------------------------------------------
    def test_provider_notes_stay_after_a_failed_test(self):
        address, password = self._mailbox_user("notes.tester@gmail.com")
        form = self._form()
        form.email = address
        notes, message = form.provider_notes, form.discovery_message
        self.assertTrue(notes and message)
        form.manual_settings = True
        self._loopback_servers(form, "wrong-password")
        wizard = form.save()
        self.assertEqual((wizard.provider_notes, wizard.discovery_message), (notes, message),
                         "saved with the form although read-only")
        wizard.action_test_and_save()
        self.assertEqual(wizard.test_state, "failed")
        reopened = Form(wizard)
        self.assertEqual(reopened.provider_notes, notes)
        self.assertEqual(reopened.discovery_message, message)
        self.assertTrue(reopened.manual_settings, "the servers stay shown")
        reopened.incoming_password = password
        reopened.save().action_test_and_save()
        self.assertEqual(wizard.test_state, "passed", wizard.test_message)
        account = self.env["mail.account"].search([("email", "=", address)])
        self.assertFalse(account.preset, "Gmail's notes, but not Gmail's servers")

    def test_preset_servers_without_dns_say_this_server_has_no_dns(self):
        form = self._form()
        form.email = "no.dns@gmail.com"
        form.incoming_password = "app-password"
        wizard = form.save()
        with patch("socket.getaddrinfo", _no_dns):
            wizard.action_test_and_save()
        self.assertEqual(wizard.test_state, "failed")
        for line in wizard.test_message.splitlines():
            self.assertIn("this Odoo server has no working name resolution (DNS)", line)
            self.assertIn("The account settings are not the problem", line)
        self.assertIn("imap.gmail.com", wizard.test_message)
        self.assertIn("smtp.gmail.com", wizard.test_message)
        # Any other server: the name may be mistyped.
        wizard.write({"preset": False, "incoming_host": "imap.gmial-typo.example"})
        with patch("socket.getaddrinfo", _no_dns):
            wizard.action_test_and_save()
        imap_line = wizard.test_message.splitlines()[1]
        self.assertNotIn("DNS)", imap_line)
        self.assertIn("could not be looked up", imap_line)

    # -- sender name ---------------------------------------------------------------------
    def test_sender_name_defaults_to_the_users_name(self):
        form = self._form()
        self.assertEqual(form.sender_name, "Operator A")
        form.email = "operator.a@gmail.com"
        self.assertEqual(form.sender_name, "Operator A")
        # An administrator adding accounts for others.
        form = self._form(self.admin)
        self.assertEqual(form.sender_name, self.admin.name)
        form.owner_id = self.user_b
        self.assertEqual(form.sender_name, "Operator B")
        form.account_type = "company"
        self.assertEqual(form.sender_name, self.env.company.name)
        form.sender_name = "Dział Sprzedaży"
        form.account_type = "personal"
        self.assertEqual(form.sender_name, "Dział Sprzedaży", "typed: kept")
        company = self._form(self.admin, default_account_type="company", default_owner_id=False)
        self.assertEqual(company.sender_name, self.env.company.name)
        # By RPC: the owner given, not the caller.
        Setup = self.env["mail.account.setup"].with_user(self.admin)
        self.assertEqual(Setup.create({"email": "b@example.com", "owner_id": self.user_b.id})
                         .sender_name, "Operator B")
        self.assertEqual(Setup.create({"email": "c@example.com", "account_type": "company"})
                         .sender_name, self.env.company.name)
        self.assertFalse(Setup.create({"email": "d@example.com", "sender_name": False})
                         .sender_name, "an explicit empty name stays empty")


@tagged("post_install", "-at_install")
class TestLinkModels(MailAccountsCommon):
    """*Link to document* offers business documents, configurable, nothing technical."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.linker = new_employee(
            cls.env, "mae_linker", "Linker", "project.group_project_user",
            "base.group_partner_manager", "account.group_account_invoice",
        )
        cls.Link = cls.env["mail.account.link"].with_user(cls.linker)

    def _offered(self):
        return [name for name, _label in self.Link._selection_target_model()]

    def test_business_documents_by_default(self):
        offered = self._offered()
        expected = [name for name in DEFAULT_LINK_MODELS if name in self.env
                    and self.env[name].with_user(self.linker).has_access("read")]
        self.assertEqual(offered, expected)
        for name in ("res.partner", "account.move", "project.project", "project.task"):
            self.assertIn(name, offered)
        labels = dict(self.Link._selection_target_model())
        self.assertEqual(labels["account.move"], "Invoice or Bill")
        self.assertEqual(labels["res.partner"], "Contact")
        # What the Reference field offers in the form is the same list.
        field = self.Link.fields_get(["record_ref"])["record_ref"]
        self.assertEqual([name for name, _label in field["selection"]], offered)

    def test_configured_by_system_parameter(self):
        self.env["ir.config_parameter"].sudo().set_param(
            LINK_MODELS_PARAM,
            "project.task, res.partner,no.such.model\nres.users,mail.account.setup,"
            "mail.thread,project.task")
        self.assertEqual(self._offered(), ["project.task", "res.partner"])

    def test_configured_in_settings(self):
        models_ = self.env["ir.model"].search([("model", "in", ("project.task", "res.partner"))])
        settings = self.env["res.config.settings"].create(
            {"mae_link_model_ids": [(6, 0, models_.ids)]})
        settings.execute()
        value = self.env["ir.config_parameter"].sudo().get_param(LINK_MODELS_PARAM)
        names = value.split(",")
        self.assertEqual(names[:2], ["res.partner", "project.task"], "the usual order")
        for absent in ("crm.lead", "sale.order", "purchase.order"):
            if absent not in self.env:
                self.assertIn(absent, names, "offered once its application is installed")
        self.assertEqual(self._offered(), ["res.partner", "project.task"])
        self.assertEqual(self.env["res.config.settings"].create({}).mae_link_model_ids, models_)
        # Emptied: back to the defaults.
        self.env["res.config.settings"].create({"mae_link_model_ids": [(5,)]}).execute()
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param(LINK_MODELS_PARAM))
        self.assertIn("account.move", self._offered())

    def test_other_documents_refused_even_when_forged(self):
        """A made-up wizard pointing at a document not offered is refused."""
        self.env["ir.config_parameter"].sudo().set_param(LINK_MODELS_PARAM, "res.partner")
        project = self.env["project.project"].create({"name": "Not offered"})
        for record in (project, self.user_b):
            wizard = self.Link.new({"record_ref": f"{record._name},{record.id}"})
            with self.assertRaises(UserError):
                wizard.action_link()
