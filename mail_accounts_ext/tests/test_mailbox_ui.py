# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common import MailboxCase
from .tour_screenshots import TourScreenshotsMixin


@tagged("post_install", "-at_install", "mae_tours")
class TestMailboxUi(TourScreenshotsMixin, HttpCase, MailboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account, address = cls._new_mailbox(cls.user_a, "tour")
        cls.servers.deliver(address, cls._raw("Tour message", body="Read me in the browser"))
        cls.account.with_user(cls.user_a)._fetch_mail()

    def test_mailbox_tour(self):
        message = self.env["mail.account.message"].search(
            [("account_id", "=", self.account.id)])
        self.assertFalse(message.is_seen)
        self.start_tour("/odoo", "mail_accounts_ext_mailbox_tour", login=self.user_a.login)
        self.assertTrue(message.is_seen, "opening the e-mail marked it read")
        self.assertTrue(message.exists(), "deleting for good was refused")
        self.assertEqual(message.folder_id.role, "trash", "Delete moved it to Deleted Items")

    def test_opening_as_reader_changes_nothing(self):
        message = self.env["mail.account.message"].search(
            [("account_id", "=", self.account.id)])
        self.user_b.groups_id = [(4, self.group_other.id)]
        self.assertFalse(message.with_user(self.user_b).mark_as_opened())
        self.assertFalse(message.is_seen)
        self.assertTrue(message.with_user(self.user_a).mark_as_opened())
        self.assertTrue(message.is_seen)
