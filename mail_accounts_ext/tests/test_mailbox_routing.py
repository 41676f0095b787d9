# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import MailboxCase


@tagged("post_install", "-at_install")
class TestMailboxRouting(MailboxCase):
    """Replies to Odoo mail reach the documents' chatter and stay in the mailbox."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({
            "name": "Customer Ltd", "email": "customer@example.com"})
        cls.invoice = cls.env["account.move"].create({
            "move_type": "out_invoice",
            "partner_id": cls.customer.id,
            "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 1,
                                         "price_unit": 100.0})],
        })
        cls.invoice.action_post()
        cls.invoice_mail = cls.invoice.message_post(
            body="Please find your invoice attached.", message_type="comment",
            subtype_xmlid="mail.mt_comment", partner_ids=cls.customer.ids)

    def _count_routing(self):
        MailThread = type(self.env["mail.thread"])
        original = MailThread.message_process
        calls = []

        def counting(thread, model, message, *args, **kwargs):
            calls.append(model)
            return original(thread, model, message, *args, **kwargs)

        return calls, patch.object(MailThread, "message_process", counting)

    def test_reply_to_invoice_reaches_chatter_and_stays_in_mailbox(self):
        account, address = self._new_mailbox(self.user_a, "invoices")
        self.assertTrue(self.invoice_mail.message_id)
        reply = self._raw(
            "Re: your invoice", body="We will pay next week.", sender="customer@example.com",
            to=address, message_id="<reply-1@customer.example.com>",
            headers={"In-Reply-To": self.invoice_mail.message_id,
                     "References": self.invoice_mail.message_id})
        self.servers.deliver(address, reply)
        self.servers.deliver(address, self._raw("unrelated newsletter", to=address))
        calls, patcher = self._count_routing()
        with patcher:
            result = self._fetch(account)
        self.assertTrue(result["ok"], result["message"])
        self.assertEqual(len(calls), 1, "only the reply was worth routing")

        posted = self.invoice.message_ids.filtered(
            lambda m: m.message_id == "<reply-1@customer.example.com>")
        self.assertEqual(len(posted), 1)
        self.assertIn("pay next week", posted.body)
        self.assertEqual(posted.author_id, self.customer)

        messages = self.Message.with_user(self.user_a).search([("account_id", "=", account.id)])
        self.assertEqual(len(messages), 2, "both stay in the mailbox")
        linked = messages.filtered("res_model")
        self.assertEqual((linked.res_model, linked.res_id), ("account.move", self.invoice.id))
        self.assertEqual(linked.subject, "Re: your invoice")
        unrouted = messages - linked
        self.assertEqual(unrouted.subject, "unrelated newsletter")
        self.assertEqual(unrouted.folder_id.role, "inbox")
        self.assertEqual(linked.with_user(self.user_a).action_open_document()["res_id"],
                         self.invoice.id)

        # Fetched again from scratch (e.g. a new account on the same mailbox): not
        # posted twice, still linked.
        again, _address = self._new_mailbox(self.user_b, "invoices.again")
        self.servers.deliver(_address, reply)
        self._fetch(again)
        self.assertEqual(len(self.invoice.message_ids.filtered(
            lambda m: m.message_id == "<reply-1@customer.example.com>")), 1)
        copy = self.Message.search([("account_id", "=", again.id)])
        self.assertEqual((copy.res_model, copy.res_id), ("account.move", self.invoice.id))

    def test_mail_to_document_alias(self):
        self.env["mail.alias.domain"].create({"name": "mbx.example.com"})
        project = self.env["project.project"].create({
            "name": "Support", "alias_name": "support-mbx"})
        self.assertEqual(project.alias_id.alias_full_name, "support-mbx@mbx.example.com")
        account, address = self._new_mailbox(self.user_a, "alias")
        self.servers.deliver(address, self._raw(
            "Printer on fire", sender="customer@example.com", to=address,
            headers={"Cc": "support-mbx@mbx.example.com"}))
        self._fetch(account)
        message = self.Message.search([("account_id", "=", account.id)])
        self.assertEqual(message.res_model, "project.task")
        task = self.env["project.task"].browse(message.res_id)
        self.assertEqual(task.project_id, project)
        self.assertEqual(task.name, "Printer on fire")

    def test_link_to_document_wizard(self):
        account, address = self._new_mailbox(self.user_a, "link")
        self.servers.deliver(address, self._raw(
            "Signed contract", sender="customer@example.com",
            attachments=[("contract.pdf", "application/pdf", b"%PDF-1.4 contract")]))
        self._fetch(account)
        message = self.Message.with_user(self.user_a).search([("account_id", "=", account.id)])
        self.assertFalse(message.res_model)
        partner = self.env["res.partner"].create({"name": "Contract partner"})
        action = message.action_link_document()

        def link():
            wizard_form = Form(self.env[action["res_model"]].with_user(self.user_a)
                               .with_context(**action["context"]))
            wizard_form.record_ref = f"res.partner,{partner.id}"
            wizard_form.save().action_link()

        # Posting on a document needs the right Odoo asks for it (here: edit contacts).
        with self.assertRaises(AccessError):
            link()
        self.assertFalse(message.res_model)
        self.user_a.groups_id = [(4, self.env.ref("base.group_partner_manager").id)]
        link()
        self.assertEqual((message.res_model, message.res_id), ("res.partner", partner.id))
        posted = partner.message_ids.filtered(lambda m: m.subject == "Signed contract")
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted.attachment_ids.mapped("name"), ["contract.pdf"])
        self.assertEqual(posted.attachment_ids.raw, b"%PDF-1.4 contract")
        self.assertEqual(posted.author_id, self.customer)
        self.assertEqual(message.document_name, "Contract partner")
