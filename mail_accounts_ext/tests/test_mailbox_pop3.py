# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools
from unittest.mock import patch

from odoo.tests import tagged

from ..tools import pop3_fetch
from .common import MailboxCase


@tagged("post_install", "-at_install")
class TestMailboxPop3(MailboxCase):
    def _messages(self, account):
        return self.env["mail.account.message"].with_user(account.owner_id).search(
            [("account_id", "=", account.id)])

    def test_two_fetches_no_duplicates(self):
        account, email = self._new_mailbox(self.user_a, "pop.two", protocol="pop3")
        for index in range(5):
            self.servers.deliver(email, self._raw(f"m{index}"))
        result = self._fetch(account)
        self.assertTrue(result["ok"], result["message"])
        self.assertEqual(result["report"].fetched, 5)
        self.assertTrue(account.protocol_locked)
        messages = self._messages(account)
        self.assertEqual(len(messages), 5)
        self.assertEqual(set(messages.folder_id.mapped("role")), {"inbox"})
        self.assertTrue(all(messages.mapped("pop_uidl")))

        self.assertEqual(self._fetch(account)["report"].fetched, 0)
        self.servers.deliver(email, self._raw("later"))
        result = self._fetch(account)
        self.assertEqual(result["report"].fetched, 1)
        self.assertEqual(len(self._messages(account)), 6)
        self.assertEqual(len(self.servers.messages(email)), 6, "left on the server")
        inbox = account._mailbox_folder("inbox")
        self.assertEqual((inbox.message_count, inbox.unread_count), (6, 6))

    def test_failure_after_half_loses_and_duplicates_nothing(self):
        account, email = self._new_mailbox(self.user_a, "pop.half", protocol="pop3")
        for index in range(6):
            self.servers.deliver(email, self._raw(f"m{index}"))
        Message = type(self.env["mail.account.message"])
        original = Message._store_fetched
        calls = []

        def failing_second_chunk(self, folder, fetched, protocol):
            calls.append(len(fetched))
            if len(calls) == 2:
                raise RuntimeError("database went away in the middle")
            return original(self, folder, fetched, protocol)

        small_chunks = functools.partial(pop3_fetch.fetch, chunk_messages=3)
        with patch.object(pop3_fetch, "fetch", small_chunks), \
                patch.object(Message, "_store_fetched", failing_second_chunk):
            result = self._fetch(account)
        self.assertFalse(result["ok"])
        self.assertIn("database went away", account.last_fetch_message)
        self.assertFalse(account.last_fetch_ok)
        self.assertEqual(calls, [3, 3])
        self.assertEqual(len(self._messages(account)), 3, "the first chunk is kept")

        with patch.object(pop3_fetch, "fetch", small_chunks):
            result = self._fetch(account)
        self.assertTrue(result["ok"], result["message"])
        self.assertEqual(result["report"].fetched, 3)
        messages = self._messages(account)
        self.assertEqual(sorted(messages.mapped("subject")), [f"m{i}" for i in range(6)])
        self.assertEqual(len(set(messages.mapped("pop_uidl"))), 6)
        self.assertEqual(len(self.servers.messages(email)), 6, "nothing deleted on the server")

    def test_same_message_twice_stored_once(self):
        account, email = self._new_mailbox(self.user_a, "pop.dup", protocol="pop3")
        raw = self._raw("twice", message_id="<same@example.com>")
        self.servers.deliver(email, raw)
        self.servers.deliver(email, raw)
        self._fetch(account)
        self.assertEqual(len(self._messages(account)), 1)
        self.assertEqual(self._fetch(account)["report"].fetched, 0,
                         "the duplicate is remembered, not downloaded again")

    def test_per_fetch_limit(self):
        account, email = self._new_mailbox(self.user_a, "pop.limit", protocol="pop3",
                                           sync_max_messages=2)
        for index in range(5):
            self.servers.deliver(email, self._raw(f"m{index}"))
        result = self._fetch(account)
        self.assertEqual(result["report"].fetched, 2)
        self.assertIn("3 more come with the next fetches", result["message"])
        self.assertEqual(sorted(self._messages(account).mapped("subject")), ["m3", "m4"])
        self._fetch(account)
        self._fetch(account)
        self.assertEqual(len(self._messages(account)), 5)
