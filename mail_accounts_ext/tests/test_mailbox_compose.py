# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import email
import email.policy

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import MailboxCase


@tagged("post_install", "-at_install")
class TestMailboxCompose(MailboxCase):
    """Writing from an account: the real SMTP conversation, copies in Sent and Drafts."""

    def setUp(self):
        super().setUp()
        self.servers.clear_smtp()

    def _compose(self, user, action):
        wizard = self.env[action["res_model"]].with_user(user).browse(action["res_id"])
        return Form(wizard)

    def _received(self, count=1):
        received = self.servers.wait_smtp(count)
        self.assertEqual(len(received), count)
        return [email.message_from_bytes(r.data, policy=email.policy.default) for r in received]

    def test_compose_sends_through_account_and_keeps_copy_in_sent(self):
        account, address = self._new_mailbox(self.user_a, "composer")
        action = self.Message.with_user(self.user_a).action_compose()
        form = self._compose(self.user_a, action)
        self.assertEqual(form.account_id, account, "the user's only account")
        form.email_to = '"Client, Big" <client@example.com>, other@example.com'
        form.email_bcc = "hidden@example.com"
        form.subject = "Offer 12/2026"
        form.body = "<p>Dear client, <b>our offer</b>.</p>"
        wizard = form.save()
        wizard.attachment_ids = [(0, 0, {"name": "offer.pdf", "raw": b"%PDF offer",
                                         "res_model": wizard._name, "res_id": wizard.id})]
        wizard.action_send()

        (sent,) = self._received()
        smtp = self.servers.smtp_received[0]
        self.assertEqual(smtp.mail_from, address)
        self.assertEqual(smtp.login, address, "signed in with the account's own login")
        self.assertTrue(smtp.tls)
        self.assertEqual(sorted(smtp.rcpt_tos),
                         ["client@example.com", "hidden@example.com", "other@example.com"])
        self.assertEqual(sent["From"].addresses[0].addr_spec, address)
        self.assertEqual(sent["Reply-To"].addresses[0].addr_spec, address)
        self.assertIsNone(sent["Bcc"], "Bcc never travels in the headers")
        self.assertEqual(sent["Subject"], "Offer 12/2026")
        self.assertEqual([p.get_filename() for p in sent.iter_attachments()], ["offer.pdf"])

        local = self.Message.with_user(self.user_a).search(
            [("account_id", "=", account.id), ("folder_id.role", "=", "sent")])
        self.assertEqual(len(local), 1)
        self.assertEqual(local.state, "sent")
        self.assertEqual(local.message_id, sent["Message-Id"])
        self.assertEqual(local.with_user(self.user_a).attachment_ids.mapped("name"),
                         ["offer.pdf"])
        # The copy in the server's Sent folder, marked read, known by its UID.
        copies = self.servers.fetch(address, "Sent")
        self.assertEqual(len(copies), 1)
        uid, flags, raw = copies[0]
        self.assertIn("\\Seen", flags)
        self.assertIn(b"Offer 12/2026", raw)
        self.assertIn(b"hidden@example.com", raw, "the Sent copy keeps the Bcc")
        self.assertEqual((local.imap_uid, local.server_folder_id), (uid, local.folder_id))
        self.assertFalse(local.needs_upload)
        result = self._fetch(account)
        self.assertEqual(result["report"].fetched, 0, "the copy is not downloaded again")

    def test_reply_and_forward(self):
        account, address = self._new_mailbox(self.user_a, "replier")
        self.servers.deliver(address, self._raw(
            "Question", body="Can you help?", sender="Asker <asker@example.com>",
            to=f"{address}, colleague@example.com", message_id="<q1@example.com>",
            headers={"Cc": "boss@example.com", "References": "<q0@example.com>"},
            attachments=[("data.bin", "application/octet-stream", b"data")]))
        self._fetch(account)
        message = self.Message.with_user(self.user_a).search([("account_id", "=", account.id)])

        form = self._compose(self.user_a, message.action_reply_all())
        self.assertEqual(form.subject, "Re: Question")
        self.assertEqual(form.email_to, '"Asker" <asker@example.com>, colleague@example.com')
        self.assertEqual(form.email_cc, "boss@example.com")
        self.assertIn("Can you help?", form.body)
        form.save().action_send()
        (reply,) = self._received()
        self.assertEqual(reply["In-Reply-To"], "<q1@example.com>")
        self.assertEqual(reply["References"], "<q0@example.com> <q1@example.com>")
        sent = self.Message.search([("account_id", "=", account.id), ("state", "=", "sent")])
        self.assertEqual(sent.parent_id, message)

        self.servers.clear_smtp()
        form = self._compose(self.user_a, message.action_forward())
        self.assertEqual(form.subject, "Fwd: Question")
        self.assertFalse(form.email_to)
        form.email_to = "third@example.com"
        form.save().action_send()
        (forward,) = self._received()
        self.assertEqual([p.get_filename() for p in forward.iter_attachments()], ["data.bin"])
        self.assertIn("Forwarded message", forward.get_body(("html",)).get_content())

        self.servers.clear_smtp()
        form = self._compose(self.user_a, message.action_reply())
        self.assertEqual(form.email_to, '"Asker" <asker@example.com>')
        self.assertFalse(form.email_cc)

    def test_drafts_saved_replaced_then_sent(self):
        account, address = self._new_mailbox(self.user_a, "drafter")
        form = self._compose(self.user_a, self.Message.with_user(self.user_a).action_compose())
        form.email_to = "later@example.com"
        form.subject = "First version"
        form.body = "<p>draft one</p>"
        form.save().action_save_draft()
        drafts = self.servers.fetch(address, "Drafts")
        self.assertEqual(len(drafts), 1)
        self.assertIn("\\Draft", drafts[0][1])
        self.assertIn(b"First version", drafts[0][2])
        draft = self.Message.with_user(self.user_a).search(
            [("account_id", "=", account.id), ("state", "=", "draft")])
        self.assertEqual(draft.folder_id.role, "drafts")
        self.assertEqual(draft.imap_uid, drafts[0][0])

        form = self._compose(self.user_a, draft.action_edit_draft())
        self.assertEqual(form.subject, "First version")
        form.subject = "Second version"
        form.save().action_save_draft()
        drafts = self.servers.fetch(address, "Drafts")
        self.assertEqual(len(drafts), 1, "the draft on the server is replaced")
        self.assertIn(b"Second version", drafts[0][2])
        self.assertEqual(self.Message.search_count([("account_id", "=", account.id)]), 1)

        form = self._compose(self.user_a, draft.action_edit_draft())
        form.save().action_send()
        (sent,) = self._received()
        self.assertEqual(sent["Subject"], "Second version")
        self.assertEqual(self.servers.fetch(address, "Drafts"), [])
        self.assertEqual(len(self.servers.fetch(address, "Sent")), 1)
        self.assertEqual((draft.state, draft.folder_id.role), ("sent", "sent"))
        result = self._fetch(account)
        self.assertEqual(result["report"].fetched, 0)
        self.assertEqual(self.Message.search_count([("account_id", "=", account.id)]), 1)

    def test_failed_sending_shown_and_retried(self):
        account, _address = self._new_mailbox(self.user_a, "failing", protocol="pop3")
        self.servers.smtp_reject_next(1, 550, "5.7.1 Message rejected as spam", stage="data")
        form = self._compose(self.user_a, self.Message.with_user(self.user_a).action_compose())
        form.email_to = "client@example.com"
        form.subject = "Will fail once"
        form.save().action_send()
        message = self.Message.with_user(self.user_a).search([("account_id", "=", account.id)])
        self.assertEqual(message.state, "exception")
        self.assertIn("spam", message.failure_reason)
        self.assertEqual(message.folder_id.role, "sent")
        message.action_retry()
        self.assertEqual(message.state, "sent")
        self.assertEqual(len(self.servers.wait_smtp(1)), 1)

    def test_cannot_write_from_someone_elses_account(self):
        account_a, _address = self._new_mailbox(self.user_a, "mine")
        account_b, _address_b = self._new_mailbox(self.user_b, "theirs")
        wizard = self.env["mail.account.compose"].with_user(self.user_b).create({
            "account_id": account_a.id, "email_to": "x@example.com", "subject": "spoof"})
        with self.assertRaises(AccessError):
            wizard.action_send()
        self.assertFalse(self.servers.smtp_received)
        wizard = self.env["mail.account.compose"].with_user(self.user_a).create({
            "account_id": account_a.id, "email_to": "not an address", "subject": "x"})
        with self.assertRaisesRegex(UserError, "not valid"):
            wizard.action_send()
        # Someone else's attachment cannot be smuggled out in an e-mail.
        secret = self.env["ir.attachment"].create({
            "name": "secret.txt", "raw": b"secret", "res_model": "mail.account",
            "res_id": account_b.id})
        wizard = self.env["mail.account.compose"].with_user(self.user_a).create({
            "account_id": account_a.id, "email_to": "x@example.com", "subject": "x",
            "attachment_ids": [(6, 0, secret.ids)]})
        with self.assertRaises(AccessError):
            wizard.action_send()
        self.assertFalse(self.servers.smtp_received)
        self.assertEqual(secret.res_model, "mail.account", "left where it was")

    def test_mail_sent_from_a_document_kept_in_sent(self):
        account, address = self._new_mailbox(self.user_a, "docmail")
        partner = self.env["res.partner"].create({"name": "Doc partner"})
        mail = self.env["mail.mail"].create({
            "email_from": account._email_from(), "email_to": "client@example.com",
            "subject": "From a document", "body_html": "<p>see attached</p>",
            "mail_server_id": account.mail_server_id.id, "model": "res.partner",
            "res_id": partner.id,
            "attachment_ids": [(0, 0, {"name": "doc.txt",
                                       "datas": base64.b64encode(b"doc")})],
        })
        mail.send()
        (sent,) = self._received()
        self.assertEqual(sent["Subject"], "From a document")
        copy = self.Message.search([("account_id", "=", account.id)])
        self.assertEqual(copy.folder_id.role, "sent")
        self.assertEqual((copy.res_model, copy.res_id), ("res.partner", partner.id))
        self.assertEqual(len(self.servers.fetch(address, "Sent")), 1)
