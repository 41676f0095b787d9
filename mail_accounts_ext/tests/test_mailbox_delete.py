# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MailboxCase


@tagged("post_install", "-at_install")
class TestMailboxDelete(MailboxCase):
    """Delete moves to Deleted Items; deleting there is for good and needs the right."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_deleter = cls.env["res.users"].create({
            "name": "Operator With Delete Right", "login": "mae_deleter",
            "email": "deleter@example.com",
            "groups_id": [(6, 0, [cls.env.ref("base.group_user").id, cls.group_delete.id])],
        })

    def _fetched_mailbox(self, user, prefix, count=2, protocol="imap", **values):
        account, email = self._new_mailbox(user, prefix, protocol=protocol, **values)
        for index in range(count):
            self.servers.deliver(email, self._raw(f"{prefix} {index}"))
        self._fetch(account)
        messages = self.Message.with_user(user).search([("account_id", "=", account.id)],
                                                       order="id")
        return account, email, messages

    def _subjects(self, email, folder="INBOX"):
        return sorted(raw.split(b"Subject: ")[1].split(b"\n")[0].strip().decode()
                      for raw in self.servers.messages(email, folder))

    def test_plain_user_moves_to_deleted_items_but_cannot_delete_for_good(self):
        account, email, messages = self._fetched_mailbox(self.user_a, "plain")
        first = messages[0]
        action = first.action_delete()
        # A notification with Undo, no new Mailbox stacked on the breadcrumbs.
        self.assertEqual(action["tag"], "mail_account_message_deleted")
        self.assertEqual(action["params"]["restore_ids"], first.ids)
        self.assertEqual(action["params"]["message"], "“plain 0” moved to Deleted Items.")
        self.assertEqual(first.folder_id.role, "trash")
        self.assertEqual(first.origin_folder_id.role, "inbox")
        # The server copy moved at once (UID MOVE), nothing downloaded twice later.
        self.assertEqual(self._subjects(email), ["plain 1"])
        self.assertEqual(self._subjects(email, "Trash"), ["plain 0"])
        self.assertEqual(first.server_folder_id, first.folder_id)
        self.assertEqual(self._fetch(account)["report"].fetched, 0)

        with self.assertRaisesRegex(AccessError, "Right to permanently delete"):
            first.action_delete()
        with self.assertRaisesRegex(AccessError, "Right to permanently delete"):
            first.unlink()  # what an RPC unlink runs
        with self.assertRaisesRegex(UserError, "only from Deleted Items"):
            messages[1].unlink()
        self.assertTrue(first.exists())
        # Restore puts it back where it was, on the server too.
        first.action_restore()
        self.assertEqual(first.folder_id.role, "inbox")
        self.assertEqual(self._subjects(email), ["plain 0", "plain 1"])

    def test_right_deletes_for_good_server_copy_kept_by_default(self):
        account, email, messages = self._fetched_mailbox(self.user_deleter, "keep")
        first = messages[0]
        with self.assertRaisesRegex(UserError, "only from Deleted Items"):
            first.unlink()
        first.action_delete()
        first.action_delete()
        self.assertFalse(first.exists())
        self.assertEqual(self._subjects(email, "Trash"), ["keep 0"], "option off: kept")
        result = self._fetch(account)
        self.assertEqual(result["report"].fetched, 0, "and never downloaded again")
        self.assertEqual(len(self.Message.search([("account_id", "=", account.id)])), 1)

    def test_right_and_option_delete_server_copy(self):
        account, email, messages = self._fetched_mailbox(
            self.user_deleter, "gone", delete_on_server=True)
        messages.action_delete()
        self.assertEqual(self._subjects(email, "Trash"), ["gone 0", "gone 1"])
        trash_messages = self.Message.with_user(self.user_deleter).browse(messages.ids)
        trash_messages.unlink()  # the RPC way, allowed here
        self.assertEqual(self._subjects(email, "Trash"), [], "expunged on the server")
        self.assertEqual(self._subjects(email), [])
        self.assertFalse(self.env["mail.account.deletion"].search(
            [("account_id", "=", account.id)]), "nothing left to do")

    def test_pop3_delete_rules(self):
        account, email, messages = self._fetched_mailbox(
            self.user_deleter, "popdel", count=3, protocol="pop3")
        messages.action_delete()
        messages[0].action_delete()  # option off: only the local copy goes
        self.assertEqual(len(self.servers.messages(email)), 3)
        self.assertEqual(self._fetch(account)["report"].fetched, 0)
        account.with_user(self.user_deleter).delete_on_server = True
        uidl = messages[1].pop_uidl
        messages[1].action_delete()
        self.assertEqual(len(self.servers.messages(email)), 3, "deleted at the next fetch")
        result = self._fetch(account)
        self.assertEqual(result["report"].deleted_uidls, [uidl])
        self.assertEqual(len(self.servers.messages(email)), 2)
        self.assertEqual(result["report"].fetched, 0)

    def test_other_operators_read_only(self):
        account, _email, messages = self._fetched_mailbox(self.user_a, "other")
        self.user_b.groups_id = [(4, self.group_other.id), (4, self.group_delete.id)]
        as_b = self.Message.with_user(self.user_b)
        self.assertEqual(as_b.search([("account_id", "=", account.id)]), messages)
        with self.assertRaises(AccessError):
            messages.with_user(self.user_b).action_mark_read()
        with self.assertRaises(AccessError):
            messages.with_user(self.user_b).action_delete()
        with self.assertRaises(UserError):
            account.with_user(self.user_b).action_fetch_now()
        self.user_b.groups_id = [(3, self.group_other.id)]
        self.assertFalse(as_b.search([("account_id", "=", account.id)]))
        with self.assertRaises(AccessError):
            messages.with_user(self.user_b).read(["subject"])

    def test_rpc_write_limited(self):
        _account, _email, messages = self._fetched_mailbox(self.user_a, "write", count=1)
        as_a = messages.with_user(self.user_a)
        as_a.write({"is_seen": True})
        self.assertTrue(messages.seen_dirty)
        for values in ({"subject": "forged"}, {"imap_uid": 99}, {"res_model": "res.partner"}):
            with self.assertRaises(AccessError):
                as_a.write(values)
        other_account, _other_email = self._new_mailbox(self.user_a, "write.other")
        other_inbox = other_account._mailbox_folder("inbox")
        with self.assertRaises(UserError):
            as_a.write({"folder_id": other_inbox.id})
        with self.assertRaises(AccessError):
            self.Message.with_user(self.user_a).create({
                "account_id": other_account.id, "folder_id": other_inbox.id, "subject": "x"})

    def test_undo_puts_back_and_delete_for_good_is_offered_with_the_right_only(self):
        account, email, messages = self._fetched_mailbox(self.user_a, "undo", count=3)
        action = messages.action_delete()
        self.assertEqual(action["params"]["restore_ids"], messages.ids)
        self.assertIn("3 e-mails", action["params"]["message"])
        self.assertEqual(set(messages.mapped("folder_id.role")), {"trash"})
        # Undo is action_restore on the ids of the notification.
        self.Message.with_user(self.user_a).browse(action["params"]["restore_ids"]) \
            .action_restore()
        self.assertEqual(set(messages.mapped("folder_id.role")), {"inbox"})
        self.assertEqual(self._subjects(email), ["undo 0", "undo 1", "undo 2"])

        def reading_view(user):
            return self.Message.with_user(user).get_views([(False, "form")])[
                "views"]["form"]["arch"]

        self.assertNotIn("Delete for good", reading_view(self.user_a))
        self.assertIn('string="Delete"', reading_view(self.user_a))
        self.assertIn("Delete for good", reading_view(self.user_deleter))

        deleter_account, _email, deleter_messages = self._fetched_mailbox(
            self.user_deleter, "forgood", count=1)
        deleter_messages.action_delete()
        action = deleter_messages.action_delete()
        self.assertEqual(action["params"]["restore_ids"], [], "no Undo after deleting for good")
        self.assertIn("deleted for good", action["params"]["message"])
        self.assertFalse(deleter_messages.exists())

