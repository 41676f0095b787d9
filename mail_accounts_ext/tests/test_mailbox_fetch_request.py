# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
import json

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MailboxCase

CRON = "mail_accounts_ext.ir_cron_mail_account_fetch_requested"


@tagged("post_install", "-at_install")
class TestMailboxFetchRequest(MailboxCase):
    """Opening the mailbox asks for a background fetch: only of readable accounts, at
    most once a minute per account; new mail stored is announced on the account's bus
    channel, which only its readers listen to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Account = cls.env["mail.account"]
        cls.cron = cls.env.ref(CRON)
        cls.account_a, cls.address_a = cls._new_mailbox(cls.user_a, "request.a")
        cls.account_b, cls.address_b = cls._new_mailbox(cls.user_b, "request.b")
        for account in (cls.account_a, cls.account_b):
            cls._fetch(account, check=True)
        cls.inbox_a = cls.account_a._existing_folder("inbox")
        cls.inbox_b = cls.account_b._existing_folder("inbox")

    def setUp(self):
        super().setUp()
        # The last fetch is old: opening the mailbox asks for a new one.
        self.now = fields.Datetime.now()
        (self.account_a | self.account_b).sudo().write(
            {"last_fetch_date": self.now - datetime.timedelta(minutes=5)})

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def _request(self, user, folder=None):
        return self.Account.with_user(user).request_mailbox_fetch(
            folder_id=folder.id if folder else False)

    def test_request_fetches_in_the_background_once_a_minute(self):
        triggers = self._triggers()
        self.assertEqual(self._request(self.user_a, self.inbox_a), self.account_a.ids)
        self.assertTrue(self.account_a.fetch_requested_date)
        self.assertEqual(self._triggers(), triggers + 1, "the cron was triggered")
        # Opening it again (another folder, another tab) within the minute: no request.
        for folder in (self.inbox_a, self.account_a._existing_folder("account"), None):
            self.assertEqual(self._request(self.user_a, folder), [])
        self.assertEqual(self._triggers(), triggers + 1)

        # What the triggered cron runs: new mail stored, the request answered.
        self.servers.deliver(self.address_a, self._raw("Odpowiedź klienta – Łódź"))
        self.cron.method_direct_trigger()
        self.assertFalse(self.account_a.fetch_requested_date)
        self.assertEqual(self.env["mail.account.message"].search_count(
            [("folder_id", "=", self.inbox_a.id), ("subject", "=", "Odpowiedź klienta – Łódź")]),
            1)
        self.assertGreaterEqual(self.account_a.last_fetch_date, self.now)
        # Just fetched: nothing to ask for; a minute later the mailbox asks again.
        self.assertEqual(self._request(self.user_a, self.inbox_a), [])
        with freeze_time(self.now + datetime.timedelta(minutes=2)):
            self.assertEqual(self._request(self.user_a), self.account_a.ids)
        # A request the cron never answered (server stopped) may be made again later.
        with freeze_time(self.now + datetime.timedelta(minutes=3, seconds=30)):
            self.assertEqual(self._request(self.user_a), self.account_a.ids)

    def test_fetch_now_answers_the_request(self):
        self._request(self.user_a, self.inbox_a)
        self.account_a.with_user(self.user_a).action_fetch_now()
        self.assertFalse(self.account_a.fetch_requested_date)

    def test_accounts_the_user_may_not_read_refused(self):
        triggers = self._triggers()
        for folder in (self.inbox_b, self.account_b._existing_folder("account")):
            with self.assertRaises(AccessError):
                self._request(self.user_a, folder)
        self.assertFalse(self.account_b.fetch_requested_date)
        self.assertEqual(self._triggers(), triggers)
        # Without a folder: the user's own accounts only.
        self.assertEqual(self._request(self.user_a), self.account_a.ids)
        self.assertFalse(self.account_b.fetch_requested_date)
        # The request is the fetch's own field.
        with self.assertRaises(AccessError):
            self.account_a.with_user(self.user_a).write({"fetch_requested_date": False})
        # A supervisor may read other operators' mailboxes: asking for their mail is
        # allowed (the same fetch the five-minute cron makes).
        self.user_a.groups_id = [(4, self.group_other.id)]
        self.assertEqual(self._request(self.user_a, self.inbox_b), self.account_b.ids)

    def test_archived_or_untested_accounts_not_requested(self):
        self.account_a.with_user(self.user_a).action_archive()
        self.assertEqual(self._request(self.user_a, self.inbox_a), [])
        self.assertEqual(self._request(self.user_a), [])

    def test_new_mail_announced_to_the_readers_only(self):
        Bus = self.env["bus.bus"].sudo()
        last = Bus._bus_last_id()
        Message = self.env["mail.account.message"]
        before = Message.search_count([("folder_id", "=", self.inbox_a.id)])
        self.servers.deliver(self.address_a, self._raw("Нове замовлення"))
        self._request(self.user_a, self.inbox_a)
        self.cron.method_direct_trigger()
        # (the server keeps what other tests delivered: count what this fetch stored)
        stored = Message.search_count([("folder_id", "=", self.inbox_a.id)]) - before
        self.assertGreaterEqual(stored, 1)
        self.env.cr.precommit.run()  # the bus rows are written at commit
        notifications = Bus.search([("id", ">", last)])
        ours = [(json.loads(n.channel), json.loads(n.message)) for n in notifications
                if json.loads(n.message)["type"] == "mail_accounts_ext/new_mail"]
        self.assertEqual(ours, [(
            [self.env.cr.dbname, "mail.account", self.account_a.id],
            {"type": "mail_accounts_ext/new_mail", "payload": {
                "account_id": self.account_a.id, "folder_id": self.inbox_a.id, "count": stored}},
        )])
        # Who listens to the account's channel (ir.websocket._build_bus_channel_list).
        Account = self.env["mail.account"]
        self.assertIn(self.account_a, Account.with_user(self.user_a)._mailbox_bus_accounts())
        self.assertNotIn(self.account_a,
                         Account.with_user(self.user_b)._mailbox_bus_accounts())
        self.user_b.groups_id = [(4, self.group_other.id)]
        self.assertIn(self.account_a, Account.with_user(self.user_b)._mailbox_bus_accounts())
        # A fetch that brings nothing says nothing.
        last = Bus._bus_last_id()
        self.account_a._fetch_mail()
        self.env.cr.precommit.run()
        self.assertFalse(Bus.search([("id", ">", last), ("channel", "like", "mail.account")]))
