# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail* mail leaves as core sends mail: same server, sender and envelope.

A batch builds its messages with a cited copy of the loop of core's ``mail.mail._send``
(``mail.mail._mae_prepare_messages``) and hands them to the server itself. The setting
where that copy once went wrong: two companies with their own alias domains, a document
of the second one sent by a batch started in the first, through Odoo's own outgoing
server (no e-mail account), which may only send as the second brand's notification
address. Core takes the alias domain of the document's company (its notification
address, its bounce address); so must the batch.
"""

import email
import email.policy
from email.utils import make_msgid

from odoo import Command
from odoo.tests import tagged

from odoo.addons.base.models.ir_mail_server import IrMailServer as CoreIrMailServer

from ..tools import smtp_transport
from .common import real_smtp
from .common_batch import BatchCommon, parse

NOTIFICATIONS_B = "notifications@b.example.com"


@tagged("post_install", "-at_install")
class TestBatchCoreMail(BatchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        AliasDomain = cls.env["mail.alias.domain"]
        cls.company.alias_domain_id = AliasDomain.create({"name": "a.example.com"})
        cls.company_b = cls.env["res.company"].create({
            "name": "Brand B", "email": "office@b.example.com",
            "alias_domain_id": AliasDomain.create({"name": "b.example.com"}).id,
        })
        cls.user_hr.write({"company_ids": [Command.link(cls.company_b.id)]})
        cls.employee_b = cls.env["hr.employee"].create({
            "name": "Bea Brand", "company_id": cls.company_b.id,
            "work_email": "bea.brand@example.org",
        })
        # Odoo's own outgoing server (no e-mail account): brand B's notifications only
        cls.env["ir.mail_server"].search([("mail_account_id", "=", False)]).active = False
        login, password = cls._mailbox_user(NOTIFICATIONS_B)
        cls.relay = cls.env["ir.mail_server"].create({
            "name": "Brand B relay", "smtp_host": cls.servers.host,
            "smtp_port": cls.servers.smtp_port, "smtp_encryption": "none",
            "smtp_authentication": "login", "smtp_user": login, "smtp_pass": password,
            "from_filter": NOTIFICATIONS_B,
        })

    def setUp(self):
        super().setUp()
        self.servers.smtp_allow_plaintext_auth(True)  # the relay signs in without TLS
        self.addCleanup(self.servers.smtp_allow_plaintext_auth, False)

    def _queued_mail(self, email_from):
        """A mail of ``email_from`` to the employee, posted on their record and left to
        the mail queue."""
        message = self.employee_b.message_post(
            body="A note for you", subject="Queued", message_type="comment",
            subtype_xmlid="mail.mt_comment", email_from=email_from, force_send=False,
            partner_ids=self.employee_b.work_contact_id.ids,
        )
        return self.env["mail.mail"].search([("mail_message_id", "=", message.id)])

    def test_batch_mail_and_queued_mail_get_the_same_return_path(self):
        batch = self._start(self.user_hr, self.employee_b, send_again=True)
        self.assertFalse(batch.line_ids.account_id, "Odoo's own server, not an account")
        with real_smtp():
            self._run_cron()
        self.assertEqual(batch.sent_count, 1, batch.line_ids.mapped("error"))
        (batch_mail,) = self._received_by_recipient()["bea.brand@example.org"]

        self.servers.clear_smtp()
        queued = self._queued_mail(batch.line_ids.mail_message_id.email_from)
        self.assertEqual(queued.state, "outgoing")
        with real_smtp():
            self.env["mail.mail"].process_email_queue(ids=queued.ids)
        self.servers.wait_smtp(1)
        (queued_mail,) = self._received_by_recipient()["bea.brand@example.org"]

        self.assertEqual(queued_mail.mail_from, NOTIFICATIONS_B)
        self.assertEqual(batch_mail.mail_from, queued_mail.mail_from,
                         "the same Return-Path (envelope sender) as the mail queue")
        self.assertEqual(parse(batch_mail)["From"], parse(queued_mail)["From"])
        self.assertEqual(parse(batch_mail)["Return-Path"], parse(queued_mail)["Return-Path"])
        self.assertEqual(batch_mail.rcpt_tos, ["bea.brand@example.org"])

    def test_batch_builds_the_messages_core_sends(self):
        """``_mae_prepare_messages`` gives, for a mail, what core's ``_send`` hands to
        the server for the same mail: envelope and headers."""
        mail = self._queued_mail("Brand B <office@b.example.com>")
        server_id, alias_domain_id, smtp_from = mail._mae_sending_configuration()
        self.assertEqual((server_id, alias_domain_id),
                         (self.relay.id, self.company_b.alias_domain_id.id))
        IrMailServer = self.env["ir.mail_server"]
        with real_smtp(), smtp_transport.Session(
                lambda: IrMailServer.connect(mail_server_id=server_id,
                                             smtp_from=smtp_from)) as smtp:
            ((_partner, ours, ours_from, ours_to),) = mail._mae_prepare_messages(smtp.client)
            mail._send(smtp_session=smtp.client, alias_domain_id=alias_domain_id,
                       mail_server=self.relay)
        (received,) = self.servers.wait_smtp(1)
        self.assertEqual((received.mail_from, received.rcpt_tos), (ours_from, ours_to))
        core = parse(received)
        ours = email.message_from_bytes(ours.as_bytes(), policy=email.policy.default)
        for header in ("From", "To", "Cc", "Reply-To", "Subject", "Message-Id", "References",
                       "Return-Path", "X-Odoo-Objects", "MIME-Version"):
            self.assertEqual(core[header], ours[header], header)
        self.assertEqual(sorted(set(core.keys()) - {"Date"}),
                         sorted(set(ours.keys()) - {"Date"}))

    def test_account_server_sends_what_core_would(self):
        """``ir.mail_server.send_email`` for an account's server writes out core's (which
        sends nothing in tests): both hand the server the same envelope and message."""
        account = self.account_billing
        IrMailServer = self.env["ir.mail_server"]
        message_id = make_msgid(domain="example.com")

        def message():
            return IrMailServer.build_email(
                email_from=account._email_from(), email_to=["Zoë Client <zoe@example.org>"],
                email_cc=["cc@example.org"], subject="Zażółć gęślą jaźń",
                body="<p>Dzień dobry</p>", subtype="html", message_id=message_id,
                headers={"Return-Path": "bounce@example.com"})

        server_id = account.mail_server_id.id
        with real_smtp(), account._smtp_session() as smtp:
            IrMailServer.send_email(message(), mail_server_id=server_id,
                                    smtp_session=smtp.client)
            CoreIrMailServer.send_email(IrMailServer, message(), mail_server_id=server_id,
                                        smtp_session=smtp.client)
        ours, core = self.servers.wait_smtp(2)
        self.assertEqual((ours.mail_from, sorted(ours.rcpt_tos), ours.login),
                         (core.mail_from, sorted(core.rcpt_tos), core.login))
        self.assertEqual(ours.login, "billing@example.com")
        ours, core = parse(ours), parse(core)
        for header in ("From", "To", "Cc", "Subject", "Message-Id", "Return-Path"):
            self.assertEqual(ours[header], core[header], header)
        html = ("html",)
        self.assertEqual(ours.get_body(html).get_content(), core.get_body(html).get_content())
