# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import email
import email.policy

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import MailboxCase

SUBJECT_PL = "Faktura korygująca – zamówienie dla Łódzkiej Spółdzielni"
SUBJECT_UK = "Рахунок на оплату – доставка до Львова"


class MoveCase(MailboxCase):
    def _mailbox(self, user, prefix, subjects, protocol="imap", folders=()):
        """A fetched mailbox of ``user`` with ``subjects`` in the Inbox and ``folders``
        (created on the server); returns (account, address, messages as ``user``)."""
        account, address = self._new_mailbox(user, prefix, protocol=protocol)
        for name in folders:
            self.servers.create_folder(address, name)
        for subject in subjects:
            self.servers.deliver(address, self._raw(subject))
        result = self._fetch(account, user)
        self.assertTrue(result["ok"], result["message"])
        messages = self.Message.with_user(user).search([("account_id", "=", account.id)],
                                                       order="id")
        return account, address, messages

    def _server_subjects(self, address, folder="INBOX"):
        return sorted(
            str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])
            for raw in self.servers.messages(address, folder))

    def _folder(self, account, name):
        return self.Folder.search([("account_id", "=", account.id), ("name", "=", name)])

    def _move_wizard(self, messages, folder):
        """*Move to folder...* as the web client runs it, as ``messages``' user."""
        action = messages.action_move_to_folder()
        wizard = Form(self.env[action["res_model"]].with_user(messages.env.user)
                      .with_context(**action["context"]))
        wizard.folder_id = folder
        return wizard.save().action_move()


@tagged("post_install", "-at_install")
class TestMailboxMove(MoveCase):
    """Move to folder, Junk, Not junk as plain users against a real Dovecot."""

    def test_move_several_to_a_folder_on_the_server(self):
        account, address, messages = self._mailbox(
            self.user_a, "move", [SUBJECT_PL, SUBJECT_UK, "stays"], folders=["Archiwum"])
        archive = self._folder(account, "Archiwum")
        moving = messages.filtered(lambda m: m.subject != "stays")
        action = self._move_wizard(moving, archive)
        self.assertEqual(action["params"]["message"], "2 e-mails moved to Archiwum.")
        self.assertEqual(moving.folder_id, archive)
        # Pushed at once (UID MOVE), the new UIDs known from COPYUID.
        self.assertEqual(moving.server_folder_id, archive)
        self.assertTrue(all(moving.mapped("imap_uid")))
        self.assertEqual(self._server_subjects(address, "Archiwum"),
                         sorted([SUBJECT_PL, SUBJECT_UK]))
        self.assertEqual(self._server_subjects(address), ["stays"])
        self.assertEqual((archive.message_count, archive.unread_count), (2, 2))
        # The next sync downloads nothing and duplicates nothing.
        result = self._fetch(account)
        self.assertEqual(result["report"].fetched, 0)
        self.assertEqual(self.Message.search_count([("account_id", "=", account.id)]), 3)
        self.assertEqual(moving.exists(), moving)

    def test_folder_written_over_rpc_follows_at_the_next_sync(self):
        """``write({'folder_id': ...})`` (what a client may call) changes the local
        folder; the next sync moves the server copy."""
        account, address, messages = self._mailbox(self.user_a, "rpcmove", ["one"],
                                                   folders=["Projects"])
        projects = self._folder(account, "Projects")
        messages.write({"folder_id": projects.id})
        self.assertEqual(self._server_subjects(address), ["one"], "not pushed yet")
        result = self._fetch(account)
        self.assertEqual(result["report"].moved, 1)
        self.assertEqual(result["report"].fetched, 0)
        self.assertEqual(self._server_subjects(address, "Projects"), ["one"])
        self.assertEqual(messages.server_folder_id, projects)

    def test_move_made_on_the_server_is_mirrored(self):
        """Another mail program moves an e-mail: the next sync shows it in its new
        folder, once."""
        account, address, messages = self._mailbox(
            self.user_a, "elsewhere", [SUBJECT_PL, "stays"], folders=["Klienci"])
        with self.servers.imap(address) as conn:
            conn.select("INBOX")
            typ, data = conn.uid("SEARCH", None, "SUBJECT", '"stays"')
            self.assertEqual(typ, "OK")
            all_uids = conn.uid("SEARCH", None, "ALL")[1][0].split()
            moved_uid = next(uid for uid in all_uids if uid not in data[0].split())
            self.assertEqual(conn.uid("MOVE", moved_uid, "Klienci")[0], "OK")
        result = self._fetch(account)
        self.assertTrue(result["ok"], result["message"])
        klienci = self._folder(account, "Klienci")
        mine = self.Message.with_user(self.user_a).search([("account_id", "=", account.id)])
        self.assertEqual(len(mine), 2, "no duplicate, nothing lost")
        moved = mine.filtered(lambda m: m.subject == SUBJECT_PL)
        self.assertEqual(moved.folder_id, klienci)
        self.assertEqual(moved.server_folder_id, klienci)
        self.assertEqual(klienci.message_count, 1)
        self.assertEqual(account._existing_folder("inbox").message_count, 1)
        self.assertEqual(self._fetch(account)["report"].fetched, 0)

    def test_junk_and_not_junk(self):
        account, address, messages = self._mailbox(
            self.user_a, "junk", ["Wygrałeś nagrodę!", "Виграш чекає", "real mail"])
        spam = messages.filtered(lambda m: m.subject != "real mail")
        action = spam.action_mark_junk()
        self.assertEqual(action["params"]["message"], "2 e-mails moved to Junk.")
        junk = account._existing_folder("junk")
        self.assertEqual(junk.name, "Junk", "the server's \\Junk folder")
        self.assertEqual(spam.folder_id, junk)
        self.assertEqual(self._server_subjects(address, "Junk"),
                         sorted(["Wygrałeś nagrodę!", "Виграш чекає"]))
        self.assertEqual(self._server_subjects(address), ["real mail"])
        # Junk again: nothing moves; Not junk on a selection with other mail takes the
        # junk ones back to the Inbox only.
        spam.action_mark_junk()
        self.assertEqual(len(self.servers.messages(address, "Junk")), 2)
        (spam[0] | messages.filtered(lambda m: m.subject == "real mail")).action_mark_not_junk()
        self.assertEqual(spam[0].folder_id.role, "inbox")
        self.assertEqual(self._server_subjects(address),
                         sorted(["real mail", spam[0].subject]))
        self.assertEqual(self._server_subjects(address, "Junk"), [spam[1].subject])
        with self.assertRaisesRegex(UserError, "None of the selected e-mails is in Junk"):
            spam[0].action_mark_not_junk()
        self.assertEqual(self._fetch(account)["report"].fetched, 0)

    def test_to_deleted_items_and_back_remembers_the_folder(self):
        account, _address, messages = self._mailbox(self.user_a, "movetrash", ["m"],
                                                    folders=["Keep"])
        keep = self._folder(account, "Keep")
        self._move_wizard(messages, keep)
        self._move_wizard(messages, account._existing_folder("trash"))
        self.assertEqual(messages.origin_folder_id, keep)
        messages.action_restore()
        self.assertEqual(messages.folder_id, keep)
        self.assertFalse(messages.origin_folder_id)

    def test_pop3_moves_between_folders_kept_in_odoo(self):
        """POP3 has one folder on the server: folders (Junk too) are Odoo's only and the
        server copy stays where it is."""
        account, address, messages = self._mailbox(self.user_a, "popmove", ["a", "b"],
                                                   protocol="pop3")
        messages[0].action_mark_junk()
        junk = account._existing_folder("junk")
        self.assertTrue(junk.is_local)
        self.assertEqual(messages[0].folder_id, junk)
        self.assertEqual(len(self.servers.messages(address)), 2, "nothing changes there")
        self._move_wizard(messages[1], junk)
        messages.action_mark_not_junk()
        self.assertEqual(set(messages.mapped("folder_role")), {"inbox"})
        self.assertEqual(self._fetch(account)["report"].fetched, 0, "not downloaded again")


@tagged("post_install", "-at_install")
class TestMailboxMoveRules(MoveCase):
    """What a plain user may not do, over RPC as in the web client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_a, _address = cls._new_mailbox(cls.user_a, "rules.a")
        cls.account_a2, _address2 = cls._new_mailbox(cls.user_a, "rules.a2")
        cls.account_b, _address3 = cls._new_mailbox(cls.user_b, "rules.b")
        for account, subject in ((cls.account_a, "of a"), (cls.account_a2, "of a2"),
                                 (cls.account_b, "of b")):
            cls.servers.deliver(account.email, cls._raw(subject))
            cls._fetch(account, check=True)
        Message = cls.env["mail.account.message"]
        cls.message_a = Message.search([("account_id", "=", cls.account_a.id)])
        cls.message_a2 = Message.search([("account_id", "=", cls.account_a2.id)])
        cls.message_b = Message.search([("account_id", "=", cls.account_b.id)])

    def test_folder_of_another_account_refused(self):
        mine = self.message_a.with_user(self.user_a)
        others = self.account_b._existing_folder("trash")
        with self.assertRaisesRegex(UserError, "only be moved to a folder of that account"):
            mine._move_to_folder(others.with_user(self.user_a))
        # The wizard, created over RPC with the other account's folder.
        wizard = self.env["mail.account.message.move"].with_user(self.user_a).create({
            "message_ids": [(6, 0, mine.ids)], "folder_id": others.id})
        with self.assertRaisesRegex(UserError, "only be moved to a folder of that account"):
            wizard.action_move()
        # A plain write of the field.
        with self.assertRaises(UserError):
            mine.write({"folder_id": others.id})
        with self.assertRaises(UserError):
            mine.write({"folder_id": self.account_a._existing_folder("account").id})
        self.assertEqual(self.message_a.folder_id.role, "inbox")

    def test_mixed_accounts_refused(self):
        both = (self.message_a | self.message_a2).with_user(self.user_a)
        for action in (both.action_move_to_folder, both.action_mark_junk):
            with self.assertRaisesRegex(UserError, "belong to several accounts"):
                action()
        wizard = self.env["mail.account.message.move"].with_user(self.user_a).create({
            "message_ids": [(6, 0, both.ids)],
            "folder_id": self.account_a._existing_folder("trash").id})
        with self.assertRaisesRegex(UserError, "belong to several accounts"):
            wizard.action_move()
        self.assertEqual(set(both.mapped("folder_role")), {"inbox"})

    def test_other_users_messages_refused(self):
        theirs = self.message_b.with_user(self.user_a)
        for action in (theirs.action_move_to_folder, theirs.action_mark_junk,
                       theirs.action_mark_not_junk):
            with self.assertRaises(AccessError):
                action()
        with self.assertRaises(AccessError):
            theirs._move_to_folder(self.account_b._existing_folder("trash"))
        wizard = self.env["mail.account.message.move"].with_user(self.user_a).create({
            "message_ids": [(6, 0, self.message_b.ids)],
            "folder_id": self.account_b._existing_folder("trash").id})
        # refused (AccessError is a UserError): the e-mails are not the user's
        with self.assertRaises(UserError):
            wizard.action_move()
        # A supervisor reads other operators' mail but moves none of it.
        self.user_a.groups_id = [(4, self.group_other.id)]
        self.assertTrue(theirs.subject)
        with self.assertRaises(AccessError):
            theirs.action_mark_junk()
        self.assertEqual(self.message_b.folder_id.role, "inbox")

    def test_server_fields_stay_out_of_reach(self):
        mine = self.message_a.with_user(self.user_a)
        for values in ({"server_folder_id": self.account_a._existing_folder("trash").id},
                       {"origin_folder_id": self.account_a._existing_folder("trash").id},
                       {"imap_uid": 99}):
            with self.assertRaises(AccessError):
                mine.write(values)


@tagged("post_install", "-at_install")
class TestMailboxMoveServerLimits(MoveCase):
    """A server without MOVE (COPY + \\Deleted + UID EXPUNGE) and without Junk."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from . import mailservers

        # a second Dovecot for this class only; accounts point at it
        cls.servers = mailservers.MailServers.start(junk_folder=False,
                                                    imap_capability_drop=("MOVE",))
        cls.addClassCleanup(cls.servers.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "mail_accounts_ext.ca_file", cls.servers.ca_file)

    def test_move_without_move_and_junk_refused(self):
        account, address, messages = self._mailbox(self.user_a, "nomove", ["x", "y", "z"],
                                                   folders=["Done"])
        with self.servers.imap(address) as conn:
            self.assertNotIn("MOVE", conn.capability()[1][-1].decode().split())
        done = self._folder(account, "Done")
        self._move_wizard(messages[:2], done)
        self.assertEqual(self._server_subjects(address, "Done"), ["x", "y"])
        self.assertEqual(self._server_subjects(address), ["z"], "copied, then expunged")
        self.assertEqual(messages[:2].server_folder_id, done)
        self.assertTrue(all(messages[:2].mapped("imap_uid")), "COPYUID gave the new UIDs")
        self.assertEqual(self._fetch(account)["report"].fetched, 0)

        with self.assertRaisesRegex(UserError, "has no Junk folder"):
            messages[2].action_mark_junk()
        self.assertEqual(messages[2].folder_id.role, "inbox")
        self.assertFalse(account._existing_folder("junk"), "no local stand-in was made")
        # Once the user creates one on the server, Junk uses it.
        self.servers.create_folder(address, "Spam")
        messages[2].action_mark_junk()
        self.assertEqual(self._server_subjects(address, "Spam"), ["z"])
