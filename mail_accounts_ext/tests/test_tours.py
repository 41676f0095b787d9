# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import unittest

from odoo.tests import HttpCase, tagged

from .common import MailboxCase, SenderCase, new_employee
from .common_batch import BatchCommon
from .tour_screenshots import TourScreenshotsMixin


@tagged("post_install", "-at_install", "mae_tours")
class TestTours(TourScreenshotsMixin, HttpCase):
    """The main flows, clicked through in a real browser (headless Chromium)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_admin = new_employee(cls.env, "mae_tour_admin", "Tour Administrator",
                                      "base.group_erp_manager", password="mae_tour_admin")
        cls.operator = new_employee(cls.env, "mae_tour_operator", "Tour Operator")

    def test_operator_flags_tour(self):
        group = self.env.ref("mail_accounts_ext.group_mail_accounts_ext_delete")
        self.assertNotIn(group, self.operator.groups_id)
        self.start_tour(
            f"/odoo/action-base.action_res_users/{self.operator.id}",
            "mail_accounts_ext_operator_flags", login="mae_tour_admin",
        )
        self.operator.invalidate_recordset()
        self.assertIn(group, self.operator.groups_id)

    def _start_tour_with(self, url, tour, data, login):
        """Start ``tour`` with ``data`` in ``window.maeTour`` (ports known only at run time)."""
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False, "startUrl": url}
        code = (f"window.maeTour = {json.dumps(data)}; "
                f"odoo.startTour({tour!r}, {json.dumps(options)})")
        self.start_tour(url, tour, login=login, code=code)

    def test_account_setup_tour(self):
        """Preset from the address, a failing test that saves nothing, then a passing one."""
        from . import mailservers

        mailservers.check_available(unittest.SkipTest)
        servers = mailservers.MailServers.start()
        self.addCleanup(servers.stop)
        self.env["ir.config_parameter"].sudo().set_param("mail_accounts_ext.ca_file",
                                                          servers.ca_file)
        email = "tour.operator@wp.pl"
        # WP signs in with the part before the @: the preset fills it in.
        servers.add_user("tour.operator", "right-password", email=email)
        operator = new_employee(self.env, "mae_tour_owner", "Tour Owner")
        self._start_tour_with(
            "/odoo/action-mail_accounts_ext.mail_account_action_my",
            "mail_accounts_ext_account_setup",
            {"email": email, "password": "right-password", "wrong": "wrong-password",
             "host": servers.host,
             "imap": servers.imap_port, "smtp": servers.smtp_port},
            login="mae_tour_owner",
        )
        account = self.env["mail.account"].search([("owner_id", "=", operator.id)])
        self.assertEqual(len(account), 1, "only the passing test saved an account")
        self.assertEqual(account.email, email)
        self.assertEqual(account.incoming_login, "tour.operator", "WP's user name, kept")
        # The servers typed after "Manual settings" are not WP's: the account does not
        # claim to be a WP one (Change protocol would propose WP's servers).
        self.assertFalse(account.preset)
        self.assertEqual(account.sender_name, "Tour Owner")
        self.assertEqual(account.state, "tested")


@tagged("post_install", "-at_install", "mae_tours")
class TestComposeTour(TourScreenshotsMixin, HttpCase, SenderCase):
    """Composing from a task of a branded project, clicked through in the browser."""

    def test_compose_from_task_tour(self):
        action = self.env["ir.actions.act_window"].create({
            "name": "Tasks", "res_model": "project.task", "view_mode": "form",
        })
        self.task_brand.message_subscribe(partner_ids=self.customer.ids)
        self.start_tour(f"/odoo/action-{action.id}/{self.task_brand.id}",
                        "mail_accounts_ext_compose_from_task", login="mae_ann")
        message = self.task_brand.message_ids.filtered(
            lambda m: "landing page is online" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.user_brand.partner_id)
        self.assertIn(self.account_brand.email, message.email_from)
        self.assertEqual(message.sudo().mail_server_id, self.account_brand.sudo().mail_server_id)


@tagged("post_install", "-at_install", "mae_tours")
class TestBatchTour(TourScreenshotsMixin, HttpCase, BatchCommon):
    """Print & e-mail from the invoice list, and its log, clicked through in the browser."""

    def test_batch_from_invoice_list_tour(self):
        partners = self._customers(3, prefix="Tour Customer")
        invoices = self._invoices(partners)
        action = self.env["ir.actions.act_window"].create({
            "name": "Tour invoices", "res_model": "account.move", "view_mode": "list,form",
            "domain": [("id", "in", invoices.ids)],
            "view_id": self.env.ref("account.view_out_invoice_tree").id,
            "context": "{'default_move_type': 'out_invoice'}",
        })
        self.start_tour(f"/odoo/action-{action.id}", "mail_accounts_ext_batch_send",
                        login=self.user_billing.login)
        batch = self.env["mail.batch"].search([("user_id", "=", self.user_billing.id)])
        self.assertEqual(len(batch), 1)
        self.assertEqual(set(batch.line_ids.mapped("res_id")), set(invoices.ids))
        self._run_cron()
        self.assertEqual(batch.sent_count, 3)
        self.assertEqual(
            sorted(r for item in self.servers.smtp_received for r in item.rcpt_tos),
            sorted(partners.mapped("email")),
        )
        self.start_tour(f"/odoo/action-mail_accounts_ext.mail_batch_action/{batch.id}",
                        "mail_accounts_ext_batch_log", login=self.user_billing.login)


@tagged("post_install", "-at_install", "mae_tours")
class TestChangeProtocolTour(TourScreenshotsMixin, HttpCase, MailboxCase):
    """Change protocol from POP3 to IMAP with a copy of the drafts, in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_employee(cls.env, "mae_tour_switch", "Tour Switch")
        cls.account, cls.address = cls._fetched_mailbox(cls.owner, "tour.switch", "Welcome",
                                                        protocol="pop3")
        drafts = cls.account._mailbox_folder("drafts")
        cls.env["mail.account.message"].sudo().create([{
            "account_id": cls.account.id, "folder_id": drafts.id, "state": "draft",
            "message_id": f"<tour-draft-{index}@example.com>",
            "subject": f"Szkic oferty {index}", "email_from": cls.address,
            "email_to": "klient@example.net", "body_html": f"<p>Oferta {index}</p>",
        } for index in range(3)])

    def test_change_protocol_tour(self):
        self._start_tour_with(
            f"/odoo/action-mail_accounts_ext.mail_account_action_my/{self.account.id}",
            "mail_accounts_ext_change_protocol",
            {"imap": self.servers.imap_port, "password": "secret-pw"},
            login="mae_tour_switch",
        )
        self.assertFalse(self.account.active)
        new = self.env["mail.account"].search([("email", "=", self.account.email)])
        self.assertEqual(new.incoming_protocol, "imap")
        self.assertEqual(len(self.servers.messages(self.address, "Drafts")), 3)

    _start_tour_with = TestTours._start_tour_with
