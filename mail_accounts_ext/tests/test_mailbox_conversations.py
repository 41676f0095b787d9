# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
import email
import email.policy
import email.utils

from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, tagged

from .common import MailboxCase
from .tour_screenshots import TourScreenshotsMixin

CUSTOMER = "Zbigniew Łódź <zbigniew@klient.example.com>"
# What the list asks for (web_search_read) in the Conversations mode.
LIST_SPEC = {name: {} for name in ("subject", "email_from", "date", "is_seen",
                                   "conversation_count", "conversation_unread")}


def _date(**delta):
    """A Date header relative to now (the composer dates its copies now)."""
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(**delta)
    return email.utils.format_datetime(when)


@tagged("post_install", "-at_install")
class TestMailboxConversations(MailboxCase):
    """Conversations across folders, the Conversations list and the thread of an e-mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a.groups_id = [(4, cls.group_delete.id)]

    def setUp(self):
        super().setUp()
        self.servers.clear_smtp()

    def _messages(self, account, user=None):
        return self.Message.with_user(user or account.owner_id).search(
            [("account_id", "=", account.id)], order="date, id")

    def _by_subject(self, account):
        return {message.subject: message for message in self._messages(account)}

    def _list(self, user, folder, conversations=True):
        domain = [("folder_id", "=", folder.id)]
        if conversations:
            domain.append(("is_conversation_head", "=", True))
        return self.Message.with_user(user).web_search_read(
            domain, LIST_SPEC, limit=80, count_limit=10001)

    def test_reply_sent_by_the_composer_joins_the_thread_across_inbox_and_sent(self):
        account, address = self._new_mailbox(self.user_a, "thread")
        self.servers.deliver(address, self._raw(
            "Zapytanie o ofertę: krzesła biurowe", body="Prosimy o ofertę na 40 krzeseł.",
            sender=CUSTOMER, to=address, message_id="<ask-1@klient.example.com>",
            date=_date(days=-1)))
        self.servers.deliver(address, self._raw(
            "Newsletter marzec", sender="news@example.org", to=address,
            date=_date(hours=-2)))
        self._fetch(account)
        question = self._by_subject(account)["Zapytanie o ofertę: krzesła biurowe"]

        wizard = Form(self.env["mail.account.compose"].with_user(self.user_a).browse(
            question.action_reply()["res_id"]))
        wizard.body = "<p>W załączeniu oferta.</p>"
        wizard.save().action_send()
        (received,) = self.servers.wait_smtp(1)
        sent_mail = email.message_from_bytes(received.data, policy=email.policy.default)
        reply = self.Message.with_user(self.user_a).search(
            [("account_id", "=", account.id), ("folder_id.role", "=", "sent")])
        self.assertEqual(reply.message_id, sent_mail["Message-Id"])
        self.assertEqual(reply.conversation_id, question.conversation_id,
                         "the reply in Sent joins the question's conversation")
        self.assertEqual(question.conversation_count, 2)
        # The customer answers the reply (naming only the reply's Message-Id).
        self.servers.deliver(address, self._raw(
            "Odp: Re: Zapytanie o ofertę: krzesła biurowe", body="Zamawiamy.",
            sender=CUSTOMER, to=address, message_id="<ask-2@klient.example.com>",
            headers={"In-Reply-To": sent_mail["Message-Id"]}, date=_date(hours=1)))
        self._fetch(account)
        answer = self.Message.with_user(self.user_a).search(
            [("message_id", "=", "<ask-2@klient.example.com>")])
        self.assertEqual(answer.conversation_id, question.conversation_id)

        thread = answer.with_user(self.user_a).conversation_message_ids
        self.assertEqual(thread.ids, [answer.id, reply.id, question.id],
                         "all folders, newest first")
        self.assertEqual(answer.conversation_count, 3)
        self.assertTrue(answer.conversation_unread)
        self.assertIn("Zamawiamy", answer.snippet)
        # The Inbox in conversations: the answer stands for the conversation there.
        inbox = account._mailbox_folder("inbox")
        rows = self._list(self.user_a, inbox)
        self.assertEqual(rows["length"], 2)
        self.assertEqual([row["subject"] for row in rows["records"]],
                         [answer.subject, "Newsletter marzec"])
        self.assertEqual(rows["records"][0]["conversation_count"], 3)
        self.assertTrue(rows["records"][0]["conversation_unread"])
        self.assertEqual(self._list(self.user_a, inbox, conversations=False)["length"], 3)
        sent_rows = self._list(self.user_a, account._mailbox_folder("sent"))
        self.assertEqual([row["id"] for row in sent_rows["records"]], reply.ids)
        # Reading the answer: the question is still unread; reading it too: nothing is.
        answer.with_user(self.user_a).mark_as_opened()
        self.assertTrue(self._list(self.user_a, inbox)["records"][0]["conversation_unread"])
        question.with_user(self.user_a).mark_as_opened()
        self.assertFalse(self._list(self.user_a, inbox)["records"][0]["conversation_unread"])

    def test_subject_fallback_and_late_parent_merge(self):
        account, address = self._new_mailbox(self.user_a, "fallback")
        deliver = self.servers.deliver
        # Fetched together: the order, its "Odp:" without references (same customer),
        # and the same subject from someone else.
        deliver(address, self._raw("Zamówienie 17/2026", sender=CUSTOMER, to=address,
                                   date="Mon, 02 Mar 2026 09:00:00 +0100"))
        deliver(address, self._raw("ODP:  zamówienie 17/2026 ", sender=CUSTOMER, to=address,
                                   date="Tue, 03 Mar 2026 09:00:00 +0100"))
        deliver(address, self._raw("Zamówienie 17/2026", sender="inny@example.com",
                                   to=address, date="Tue, 03 Mar 2026 10:00:00 +0100"))
        self._fetch(account)
        first, again, other = self._messages(account)
        self.assertEqual(again.conversation_id, first.conversation_id)
        self.assertNotEqual(other.conversation_id, first.conversation_id)
        # A later fetch: joins the stored conversation by subject, within 30 days only.
        deliver(address, self._raw("Re: [Sprawa 4711] Zamówienie 17/2026", sender=address,
                                   to=CUSTOMER, date="Fri, 20 Mar 2026 09:00:00 +0100"))
        deliver(address, self._raw("Re: Zamówienie 17/2026", sender=CUSTOMER, to=address,
                                   date="Mon, 15 Jun 2026 09:00:00 +0100"))
        self._fetch(account)
        messages = self._messages(account)
        self.assertEqual(messages[3].conversation_id, first.conversation_id)
        self.assertNotEqual(messages[4].conversation_id, first.conversation_id,
                            "three months later: a new conversation")

        # A reply arrives before the e-mail it answers (which names the first order).
        deliver(address, self._raw("Termin dostawy", sender="magazyn@example.com", to=address,
                                   message_id="<late-child@example.com>",
                                   headers={"References": "<late-parent@example.com>"},
                                   date="Tue, 10 Mar 2026 09:00:00 +0100"))
        self._fetch(account)
        child = self._messages(account).filtered(lambda m: m.subject == "Termin dostawy")
        self.assertNotEqual(child.conversation_id, first.conversation_id)
        lonely = child.conversation_id
        deliver(address, self._raw("Pytanie o zamówienie", sender="biuro@example.com",
                                   to=address, message_id="<late-parent@example.com>",
                                   headers={"References": first.message_id},
                                   date="Mon, 09 Mar 2026 09:00:00 +0100"))
        self._fetch(account)
        parent = self.Message.search([("message_id", "=", "<late-parent@example.com>")])
        self.assertEqual(parent.conversation_id, first.conversation_id)
        self.assertEqual(child.conversation_id, first.conversation_id,
                         "the parent links both conversations: merged")
        self.assertFalse(lonely.exists(), "the merged conversation is gone")
        self.assertEqual(first.conversation_count, 5)
        # a new conversation starts with its e-mail's people, a stored one gains those of
        # the e-mails joining it (the account's own address is left out)
        self.assertEqual(other.sudo().conversation_id.participants, "inny@example.com")
        self.assertEqual(other.conversation_count, 1)
        people = first.sudo().conversation_id.participants.split()
        self.assertIn("zbigniew@klient.example.com", people)
        self.assertIn("biuro@example.com", people)
        self.assertNotIn(address, people)
        heads = self._messages(account).filtered("is_conversation_head")
        self.assertEqual(heads, messages[3] | other | messages[4],
                         "one newest e-mail per conversation in the Inbox")

    def test_moves_and_deletions_keep_the_newest_right(self):
        account, address = self._new_mailbox(self.user_a, "heads")
        for day, sender in ((2, CUSTOMER), (3, CUSTOMER), (4, CUSTOMER)):
            self.servers.deliver(address, self._raw(
                "Reklamacja 5", sender=sender, to=address,
                date=f"Mon, 0{day} Mar 2026 09:00:00 +0100"))
        self._fetch(account)
        old, middle, newest = self._messages(account)
        self.assertEqual(self._messages(account).filtered("is_conversation_head"), newest)
        inbox = account._mailbox_folder("inbox")

        newest.with_user(self.user_a).action_delete()
        self.assertTrue(newest.is_conversation_head, "the newest in Deleted Items")
        self.assertTrue(middle.is_conversation_head, "the newest left in the Inbox")
        self.assertEqual(self._list(self.user_a, inbox)["records"][0]["id"], middle.id)
        self.assertEqual(middle.conversation_count, 3, "the conversation spans folders")

        newest.with_user(self.user_a).action_restore()
        self.assertEqual(self._messages(account).filtered("is_conversation_head"), newest)

        (middle | newest).with_user(self.user_a).action_delete()
        middle.with_user(self.user_a).action_delete()  # for good, from Deleted Items
        self.assertFalse(middle.exists())
        self.assertEqual(old.conversation_count, 2)
        self.assertTrue(old.is_conversation_head and newest.is_conversation_head)
        # Moving back by writing the folder (what a user may write).
        newest.with_user(self.user_a).write({"folder_id": inbox.id})
        self.assertTrue(newest.is_conversation_head)
        self.assertFalse(old.is_conversation_head)
        # The server removes the e-mail (another client deleted it): the sync unlinks.
        newest.sudo().unlink()
        self.assertTrue(old.is_conversation_head)
        self.assertEqual(old.conversation_count, 1)
        conversation = old.sudo().conversation_id
        old.sudo().unlink()
        self.assertFalse(conversation.exists(), "a conversation left empty goes")

    def test_thread_never_shows_what_the_reader_may_not_read(self):
        account_a, address_a = self._new_mailbox(self.user_a, "rules.a")
        account_b, address_b = self._new_mailbox(self.user_b, "rules.b")
        for address in (address_a, address_b):
            for index, msgid in enumerate(("<r1@example.com>", "<r2@example.com>")):
                self.servers.deliver(address, self._raw(
                    "Umowa", sender=CUSTOMER, to=f"{address_a}, {address_b}",
                    message_id=msgid,
                    headers={"References": "<r1@example.com>"} if index else None))
        self._fetch(account_a)
        self._fetch(account_b)
        mine = self._messages(account_a, self.user_a)
        theirs = self._messages(account_b, self.user_b)
        self.assertEqual(len(mine.conversation_id), 1)
        self.assertNotEqual(mine.conversation_id, theirs.conversation_id,
                            "a conversation belongs to one account")
        self.assertEqual(mine[0].conversation_message_ids, mine.sorted("id", reverse=True))
        # Even a conversation holding another operator's e-mails shows only the readable.
        theirs.sudo().write({"conversation_id": mine.conversation_id.id})
        self.assertEqual(mine[0].with_user(self.user_a).conversation_message_ids.account_id,
                         account_a)
        with self.assertRaises(AccessError):
            mine[0].with_user(self.user_b).read(["conversation_message_ids"])

    def test_conversation_fields_not_writable_by_users(self):
        account, address = self._new_mailbox(self.user_a, "guard")
        self.servers.deliver(address, self._raw("Faktura", sender=CUSTOMER, to=address))
        self._fetch(account)
        message = self._messages(account).with_user(self.user_a)
        other = self.env["mail.account.conversation"].sudo().create(
            {"account_id": account.id})
        for values in ({"conversation_id": other.id}, {"is_conversation_head": False},
                       {"conversation_id": False}):
            with self.assertRaises(AccessError):
                message.write(values)
        with self.assertRaises(AccessError):
            self.Message.with_user(self.user_a).create({
                "account_id": account.id, "folder_id": message.folder_id.id,
                "subject": "forged", "conversation_id": other.id})
        Conversation = self.env["mail.account.conversation"].with_user(self.user_a)
        with self.assertRaises(AccessError):
            Conversation.browse(message.conversation_id.id).read(["message_count"])
        with self.assertRaises(AccessError):
            Conversation.browse(message.conversation_id.id).write({"message_count": 0})
        with self.assertRaises(AccessError):
            Conversation.create({"account_id": account.id})
        with self.assertRaises(AccessError):
            self.env["mail.account.conversation.ref"].with_user(self.user_a).search([])
        self.assertTrue(message.is_conversation_head)
        self.assertEqual(message.conversation_count, 1)


@tagged("post_install", "-at_install", "mae_tours")
class TestMailboxConversationsUi(TourScreenshotsMixin, HttpCase, MailboxCase):
    """The Conversations list and the thread in a browser, as a plain user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        account, address = cls._new_mailbox(cls.user_a, "conversation.tour")
        cls.servers.deliver(address, cls._raw(
            "Zapytanie: krzesła obrotowe", body="Prosimy o ofertę.", sender=CUSTOMER,
            to=address, message_id="<tour-ask@klient.example.com>", date=_date(days=-2)))
        # The operator's reply, sent from another client: in the server's Sent folder.
        cls.servers.deliver(address, cls._raw(
            "Re: Zapytanie: krzesła obrotowe", body="W załączeniu oferta.", sender=address,
            to=CUSTOMER, message_id="<tour-reply@example.com>",
            headers={"In-Reply-To": "<tour-ask@klient.example.com>"}, date=_date(days=-1)),
            folder="Sent", flags=("\\Seen",))
        cls.servers.deliver(address, cls._raw(
            "Zamawiamy krzesła", body="Zamawiamy 40 sztuk.", sender=CUSTOMER, to=address,
            headers={"References": "<tour-ask@klient.example.com> <tour-reply@example.com>"},
            date=_date(hours=-1)))
        cls._fetch(account, check=True)
        cls.messages = cls.env["mail.account.message"].search(
            [("account_id", "=", account.id)])

    def test_conversation_tour(self):
        self.assertEqual(len(self.messages), 3)
        self.assertEqual(len(self.messages.conversation_id), 1)
        self.start_tour("/odoo", "mail_accounts_ext_conversation_tour", login=self.user_a.login)
