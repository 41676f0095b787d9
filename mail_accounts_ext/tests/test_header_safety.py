# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What goes into the headers of an account's mail: names without control characters,
international addresses as servers take them (real aiosmtpd, what it received)."""

import email
import email.policy

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import protocol_lock
from .common import MailboxCase, new_employee, real_smtp
from .common_rules import WriteRulesMixin

HOSTILE = [
    ("name", "Eve\r\nBcc: x@evil.test"),
    ("sender_name", "Eve\nBcc: x@evil.test"),
    ("sender_name", "Sales\tTeam"),
    ("name", "Next line\x85"),
    ("sender_name", "Line\u2028separator"),
]


@tagged("post_install", "-at_install")
class TestHeaderSafety(WriteRulesMixin, MailboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account, cls.address = cls._new_mailbox(cls.user_a, "headers")
        # An account whose own address has an international domain (ASCII logins).
        login, password = cls._mailbox_user("headers.idn")
        cls.idn_account = cls._add_account(
            cls.user_a, "zofia@bücher.example", password, name="Zofia", incoming_login=login,
            smtp_login=login, sender_name="Zofia Żółć")
        cls.poster = new_employee(
            cls.env, "mae_headers_poster", "Poster", "project.group_project_user",
            email="poster@example.com",
        )
        cls.poster_account, _address = cls._new_mailbox(cls.poster, "headers.poster",
                                                        is_default=True)
        project = cls.env["project.project"].create({"name": "Headers project"})
        cls.dave = cls.env["res.partner"].create({"name": "Dave Bücher",
                                                  "email": "dave@bücher.example"})
        cls.task = cls.env["project.task"].create({"name": "IDN task",
                                                   "project_id": project.id,
                                                   "partner_id": cls.dave.id})

    def setUp(self):
        super().setUp()
        self.servers.clear_smtp()

    # -- control characters -------------------------------------------------------------
    def test_control_characters_refused_at_write(self):
        """Refused at save, with the field and the characters named; the request's
        transaction (here: the savepoint of assertRaises) keeps the old value."""
        account = self.account.with_user(self.user_a)
        account.sender_name = "Anna Nowak – sprzedaż"
        for field, value in HOSTILE:
            with self.subTest(field=field, value=value):
                before = self.account[field]
                with self.assertRaises(ValidationError) as caught:
                    account.write({field: value})
                self.assertIn("control characters", str(caught.exception))
                self.assertIn(self.account._fields[field].string, str(caught.exception))
                self.account.invalidate_recordset()
                self.assertEqual(self.account[field], before)

    def test_control_characters_refused_at_create(self):
        """Even trusted code (sudo, a signed configuration) cannot store such a name."""
        settings = {name: self.account.sudo()[name] for name in protocol_lock.CONNECTION_FIELDS}
        settings["email"] = "other@example.com"
        values = dict(settings, owner_id=self.user_a.id, name="Fine",
                      tested_fingerprint=self.env["mail.account"]._sign_settings(settings))
        Account = self.env["mail.account"].sudo()
        for field, value in HOSTILE:
            with self.subTest(field=field):
                with self.assertRaises(ValidationError) as caught:
                    Account.create(dict(values, **{field: value}))
                self.assertIn("control characters", str(caught.exception))
        self.assertFalse(Account.search([("email", "=", "other@example.com")]))

    def test_setup_wizard_refuses_before_testing(self):
        email_new, password = self._mailbox_user("headers.new")
        Setup = self.env["mail.account.setup"].with_user(self.user_b)
        for field, value in HOSTILE:
            with self.subTest(field=field, value=value):
                wizard = Setup.create(dict(self._setup_values(email_new, password),
                                           **{field: value}))
                with self.assertRaisesRegex(UserError, "control characters"):
                    wizard.action_test_and_save()
                self.assertEqual(wizard.test_state, "new", "no connection test ran")
        self.assertFalse(self.env["mail.account"].search([("email", "=", email_new)]))
        # Change settings of an existing account: the same
        sender_name = self.account.sender_name
        action = self.account.with_user(self.user_a).action_open_setup()
        wizard = self.env["mail.account.setup"].with_user(self.user_a).browse(action["res_id"])
        wizard.sender_name = "Eve\r\nBcc: x@evil.test"
        with self.assertRaisesRegex(UserError, "control characters"):
            wizard.action_test_and_save()
        self.assertEqual(self.account.sender_name, sender_name)
        self.assertNotIn("\n", self.account.sender_name or "")

    def test_compose_subject_line_break_becomes_space(self):
        wizard = self.env["mail.account.compose"].with_user(self.user_a).create({
            "account_id": self.account.id, "email_to": "client@example.com",
            "subject": "Offer\r\nBcc: x@evil.test", "body": "<p>Hello</p>"})
        wizard.action_send()
        (received,) = self.servers.wait_smtp(1)
        self.assertEqual(received.rcpt_tos, ["client@example.com"])
        message = self._parse(received)
        self.assertEqual(message["Subject"], "Offer Bcc: x@evil.test")
        self.assertIsNone(message["Bcc"])

    # -- international addresses ----------------------------------------------------------
    @staticmethod
    def _parse(received):
        return email.message_from_bytes(received.data, policy=email.policy.default)

    def _send(self, account, to, cc=False):
        wizard = self.env["mail.account.compose"].with_user(self.user_a).create({
            "account_id": account.id, "email_to": to, "email_cc": cc,
            "subject": "Zażółć gęślą jaźń", "body": "<p>Dzień dobry</p>"})
        wizard.action_send()
        return self.env["mail.account.message"].search(
            [("account_id", "=", account.id), ("subject", "=", "Zażółć gęślą jaźń")],
            order="id desc", limit=1)

    def test_idn_domains_leave_as_punycode(self):
        """The issue's case: an account at bücher.example writing to bücher.example. Headers
        and envelope carry xn--bcher-kva.example; no encoded word inside an address."""
        sent = self._send(self.idn_account, '"Dave" <dave@bücher.example>',
                          cc="Ann <ann@example.com>")
        (received,) = self.servers.wait_smtp(1)
        self.assertEqual(received.mail_from, "zofia@xn--bcher-kva.example")
        self.assertEqual(sorted(received.rcpt_tos),
                         ["ann@example.com", "dave@xn--bcher-kva.example"])
        self.assertNotIn(b"@=?", received.data)
        self.assertNotIn("bücher".encode(), received.data.split(b"\r\n\r\n")[0])
        message = self._parse(received)
        self.assertEqual(message["From"].addresses[0].addr_spec, "zofia@xn--bcher-kva.example")
        self.assertEqual(message["From"].addresses[0].display_name, "Zofia Żółć")
        self.assertEqual(message["Reply-To"].addresses[0].addr_spec,
                         "zofia@xn--bcher-kva.example")
        self.assertEqual([a.addr_spec for a in message["To"].addresses],
                         ["dave@xn--bcher-kva.example"])
        self.assertEqual([a.addr_spec for a in message["Cc"].addresses], ["ann@example.com"])
        self.assertEqual(sent.state, "sent")

    def test_idn_recipient_of_chatter_mail(self):
        """Mail from a document's chatter (core's validated recipients) reaches an
        international domain too, as punycode."""
        with real_smtp():
            message = self.task.with_user(self.poster).message_post(
                body="Your offer", message_type="comment", subtype_xmlid="mail.mt_comment",
                partner_ids=self.dave.ids)
        (received,) = self.servers.wait_smtp(1)
        self.assertEqual(received.rcpt_tos, ["dave@xn--bcher-kva.example"])
        self.assertEqual(received.login, self.poster_account.sudo().smtp_login.lower())
        self.assertEqual([a.addr_spec for a in self._parse(received)["To"].addresses],
                         ["dave@xn--bcher-kva.example"])
        self.assertEqual(message.notification_ids.notification_status, "sent")

    def test_non_ascii_local_part_with_smtputf8(self):
        self._send(self.account, "Jörg <jörg@bücher.example>")
        (received,) = self.servers.wait_smtp(1)
        self.assertEqual(received.rcpt_tos, ["jörg@xn--bcher-kva.example"])
        self.assertIn("To: Jörg <jörg@xn--bcher-kva.example>".encode(), received.data)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_non_ascii_local_part_without_smtputf8_explained(self):
        self.servers.smtp_offer_smtputf8(False)
        self.addCleanup(self.servers.smtp_offer_smtputf8, True)
        sent = self._send(self.account, "Jörg <jörg@bücher.example>, ann@example.com")
        self.assertFalse(self.servers.wait_smtp(1, timeout=0.5))
        self.assertEqual(sent.state, "exception")
        self.assertIn("jörg@bücher.example", sent.failure_reason)
        self.assertIn("does not offer SMTPUTF8", sent.failure_reason)
        self.assertNotIn("Traceback", sent.failure_reason)
        self.assertNotIn("jörg", self.account.last_send_message or "",
                         "a recipient's address is not the account's problem")
