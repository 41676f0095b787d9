# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MailboxCase


@tagged("post_install", "-at_install")
class TestMailboxAccess(MailboxCase):
    """E-mails and folders follow their account: users, companies, archiving."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")

    def _fetched(self, user, prefix, **values):
        account, address = self._new_mailbox(user, prefix, **values)
        self.servers.deliver(address, self._raw(f"{prefix} mail"))
        self._fetch(account, user)
        return account

    def test_company_account_shared_by_company_users(self):
        account = self._fetched(self.admin, "office", account_type="company")
        for user in (self.user_a, self.user_b):
            messages = self.Message.with_user(user).search([("account_id", "=", account.id)])
            self.assertEqual(messages.mapped("subject"), ["office mail"])
            messages.action_mark_read()
        # Listing users restricts it to them.
        account.user_ids = self.user_a
        self.assertFalse(self.Message.with_user(self.user_b).search(
            [("account_id", "=", account.id)]))
        self.assertTrue(self.Message.with_user(self.user_a).search(
            [("account_id", "=", account.id)]))

    def test_listed_user_uses_personal_account(self):
        account = self._fetched(self.user_a, "shared")
        self.assertFalse(self.Message.with_user(self.user_b).search(
            [("account_id", "=", account.id)]))
        account.sudo().user_ids = self.user_b
        messages = self.Message.with_user(self.user_b).search([("account_id", "=", account.id)])
        self.assertEqual(len(messages), 1)
        messages.action_mark_read()
        self.assertEqual(self.env["mail.account"].with_user(self.user_b)._mailbox_accounts(),
                         account)

    def test_archived_account_messages_stay_readable(self):
        account = self._fetched(self.user_a, "archived")
        account.with_user(self.user_a).action_archive()
        messages = self.Message.with_user(self.user_a).search([("account_id", "=", account.id)])
        self.assertEqual(messages.mapped("subject"), ["archived mail"])
        self.assertFalse(self.env["mail.account"].with_user(self.user_a)._mailbox_accounts())
        fetched_at = account.last_fetch_date
        self.env.ref("mail_accounts_ext.ir_cron_mail_account_fetch").method_direct_trigger()
        self.assertEqual(account.last_fetch_date, fetched_at, "an archived account is not fetched")

    def test_other_company_invisible_even_to_other_operators(self):
        other = self.env["res.company"].create({"name": "Other mailbox company"})
        self.admin.company_ids = [(4, other.id)]
        account = self._fetched(self.admin, "otherco", account_type="company")
        account.sudo().company_id = other
        self.user_b.groups_id = [(4, self.group_other.id)]
        Message = self.Message.with_user(self.user_b)
        self.assertFalse(Message.search([("account_id", "=", account.id)]))
        message = self.Message.search([("account_id", "=", account.id)])
        with self.assertRaises(AccessError):
            message.with_user(self.user_b).read(["subject"])
        with self.assertRaises(AccessError):
            message.folder_id.with_user(self.user_b).read(["name"])
