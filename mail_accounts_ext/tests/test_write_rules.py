# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What users may write over RPC (``with_user(...).write/create/unlink``), field by field.

``readonly`` in a field or a view is not a server rule: every model of the addon
declares the fields a user (and an administrator) may set directly; everything else
changes through the flows that own it (setup wizard, *Test again*, fetch, *Change
protocol*, batch runner), which still work for the users they serve.
"""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.mail_account import ADMIN_WRITABLE_FIELDS, USER_WRITABLE_FIELDS
from ..models.mail_account_message import USER_WRITABLE_FIELDS as MESSAGE_WRITABLE_FIELDS
from .common import MailboxCase
from .common_rules import WriteRulesMixin


@tagged("post_install", "-at_install")
class TestAccountWriteRules(WriteRulesMixin, MailboxCase):
    """The owner of an account, a colleague, a supervisor and an administrator, over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_a, cls.address_a = cls._fetched_mailbox(cls.user_a, "rules.a",
                                                            "First mail of A")
        cls.account_b, cls.address_b = cls._new_mailbox(cls.user_b, "rules.b", protocol="pop3")
        cls.other_company = cls.env["res.company"].create({"name": "Rules Other Co"})
        cls.user_a.company_ids = [Command.link(cls.other_company.id)]
        cls.user_system.company_ids = [Command.link(cls.other_company.id)]

    def _message_of_a(self):
        return self.env["mail.account.message"].search(
            [("account_id", "=", self.account_a.id)], limit=1)

    # -- the fields named in the issue, as the plain owner --------------------------
    def test_protocol_locked_refused(self):
        self.assertTrue(self.account_a.protocol_locked)
        refusal = self.assertWriteRefused(self.account_a, self.user_a,
                                          {"protocol_locked": False})
        self.assertIn("Protocol Locked", str(refusal))
        self.assertIn("Change protocol", str(refusal))
        # ... so the setup wizard still refuses to switch the fetched account to POP3
        action = self.account_a.with_user(self.user_a).action_open_setup()
        wizard = self.env["mail.account.setup"].with_user(self.user_a).browse(action["res_id"])
        wizard.write({"incoming_protocol": "pop3", "incoming_port": self.servers.pop3_port})
        with self.assertRaisesRegex(UserError, "Change protocol"):
            wizard.action_test_and_save()
        self.assertEqual(self.account_a.incoming_protocol, "imap")

    def test_account_type_refused(self):
        refusal = self.assertWriteRefused(self.account_a, self.user_a,
                                          {"account_type": "company"})
        self.assertIsInstance(refusal, AccessError)
        self.assertIn("Only administrators can change Type", str(refusal))
        self.assertNotIn(self.account_a, self.env["mail.account"].with_user(self.user_b).search(
            []), "the personal mailbox did not become the company's")

    def test_owner_refused(self):
        self.assertWriteRefused(self.account_a, self.user_a, {"owner_id": self.user_b.id},
                                "Only administrators can change Owner")
        self.assertWriteRefused(self.account_a, self.user_a, {"owner_id": False})

    def test_company_refused(self):
        self.assertWriteRefused(self.account_a, self.user_a,
                                {"company_id": self.other_company.id},
                                "Only administrators can change Company")

    def test_mail_server_of_another_user_refused(self):
        """The hijack: pointing one's account at a colleague's private server, whose
        settings the next save would overwrite."""
        server_b = self.account_b.sudo().mail_server_id
        before = server_b.read(["smtp_user", "from_filter", "name", "mail_account_id"])
        self.assertWriteRefused(self.account_a, self.user_a,
                                {"mail_server_id": server_b.id}, "Outgoing Mail Server")
        self.account_a.with_user(self.user_a).write({"name": "A renamed"})
        self.assertEqual(server_b.read(["smtp_user", "from_filter", "name",
                                        "mail_account_id"]), before)
        self.assertEqual(self.account_a.mail_server_id.mail_account_id, self.account_a)

    def test_last_test_fields_refused(self):
        self.account_a.sudo().write({"last_test_ok": False, "last_test_message": "failed"})
        for values in ({"last_test_ok": True}, {"last_test_message": "All fine"},
                       {"last_test_date": "2031-01-01 00:00:00"}):
            with self.subTest(values=values):
                self.assertWriteRefused(self.account_a, self.user_a, values, "Test again")

    def test_create_with_protected_values_refused(self):
        """An account made directly, claiming a test that never ran, is refused."""
        values = {
            "name": "Forged", "email": "forged@example.com", "incoming_host": "127.0.0.1",
            "incoming_login": "forged@example.com", "smtp_host": "127.0.0.1",
        }
        for forged in ({"state": "in_use"}, {"last_test_ok": True},
                       {"protocol_locked": True}, {"tested_fingerprint": "0" * 64}, {}):
            with self.subTest(forged=forged):
                self.assertCreateRefused(self.env["mail.account"], self.user_a,
                                         dict(values, **forged))
        self.assertCreateRefused(self.env["mail.account"], self.user_system,
                                 dict(values, last_test_ok=True, state="tested"))

    # -- every stored field ------------------------------------------------------------
    def test_owner_writes_only_presentation_and_options(self):
        self.assertOnlyWritable(self.account_a, self.user_a, USER_WRITABLE_FIELDS)

    def test_administrator_writes_no_flow_field(self):
        self.assertOnlyWritable(self.account_b, self.user_system,
                                USER_WRITABLE_FIELDS | ADMIN_WRITABLE_FIELDS)

    def test_owner_changes_presentation_and_options(self):
        project = self.env["project.project"].create({"name": "Rules project"})
        self.account_a.with_user(self.user_a).write({
            "name": "A (sales)", "sender_name": "Anna from Sales", "reply_to_account": False,
            "delete_on_server": True, "rate_limit_per_minute": 12, "sync_days": 7,
            "sync_max_messages": 50, "save_sent_copy": False, "is_default": True,
            "user_ids": [Command.set(self.user_b.ids)],
            "project_ids": [Command.set(project.ids)],
            "default_project_ids": [Command.set(project.ids)],
        })
        self.account_a.with_user(self.user_a).action_archive()
        self.account_a.with_user(self.user_a).action_unarchive()
        self.assertEqual((self.account_a.name, self.account_a.rate_limit_per_minute,
                          self.account_a.user_ids, self.account_a.state),
                         ("A (sales)", 12, self.user_b, "in_use"))
        self.assertEqual(self.account_a.sudo().mail_server_id.name,
                         "A (sales) (e-mail account)")

    # -- administrators: ownership, then the rules again --------------------------------
    def test_administrator_changes_type_owner_company(self):
        account = self.account_a.with_user(self.user_system)
        self.account_a.sudo().is_default = True
        account.write({"account_type": "company"})
        self.assertEqual((self.account_a.owner_id, self.account_a.is_default),
                         (self.env["res.users"], False))
        self.assertIn(self.account_a,
                      self.env["mail.account"].with_user(self.user_b).search([]))
        account.write({"account_type": "personal", "owner_id": self.user_b.id})
        self.assertEqual(self.account_a.owner_id, self.user_b)
        self.account_a.with_user(self.user_b).write({"name": "Now Bert's"})
        with self.assertRaises(AccessError):
            self.account_a.with_user(self.user_a).write({"name": "Anna's again"})

    def test_administrator_ownership_rechecked(self):
        """The owner must work in the account's company; an administrator cannot move an
        account into a company outside the ones they work in."""
        account = self.account_b.with_user(self.user_system)
        with self.assertRaises(UserError) as caught:
            account.write({"company_id": self.other_company.id})  # Bert is not in it
        self.assertIn("no access to that company", str(caught.exception))
        with self.assertRaises(AccessError):
            self.account_a.with_user(self.user_system).with_context(
                allowed_company_ids=self.user_system.company_id.ids,
            ).write({"company_id": self.other_company.id})
        self.assertEqual(self.account_a.company_id, self.company)
        self.account_a.with_user(self.user_system).with_context(
            allowed_company_ids=(self.company | self.other_company).ids,
        ).write({"company_id": self.other_company.id})
        self.assertEqual(self._message_of_a().company_id, self.other_company)

    # -- the flows that own the protected fields still work for the owner ---------------
    def test_owner_flows_write_what_they_own(self):
        account = self.account_a.with_user(self.user_a)
        self.account_a.sudo().write({"last_test_ok": False, "last_test_date": False})
        account.action_test_connection()
        self.assertTrue(self.account_a.last_test_ok)
        self.assertTrue(self.account_a.last_test_date)
        self.servers.deliver(self.address_a, self._raw("Second mail of A"))
        action = account.action_fetch_now()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertTrue(self.account_a.last_fetch_ok)
        message = self._message_of_a().with_user(self.user_a)
        message.sudo().write({"is_seen": False, "seen_dirty": False})
        message.action_mark_read()
        self.assertEqual((message.is_seen, message.seen_dirty), (True, True),
                         "read/unread is pushed at the next sync")
        message.action_delete()
        self.assertEqual(message.folder_id.role, "trash")
        message.action_restore()
        self.assertEqual(message.folder_id.role, "inbox")

    # -- supervisors read, and change nothing ---------------------------------------------
    def _refused(self, method, *args):
        try:
            method(*args)
        except (AccessError, UserError) as error:
            return error
        self.fail(f"{method} was allowed")

    def test_supervisor_test_again_refused(self):
        self.account_a.sudo().write({"last_test_date": "2030-01-01 00:00:00",
                                     "last_test_ok": True, "last_test_message": "ok"})
        account = self.account_a.with_user(self.user_supervisor)
        self.assertEqual(account.name, self.account_a.name, "the supervisor reads it")
        self.assertIsInstance(self._refused(account.action_test_connection), AccessError)
        self.account_a.invalidate_recordset()
        self.assertEqual(str(self.account_a.last_test_date), "2030-01-01 00:00:00")
        self.assertEqual(self.account_a.last_test_message, "ok")

    def test_supervisor_actions_refused(self):
        account = self.account_a.with_user(self.user_supervisor)
        fetched_at = self.account_a.last_fetch_date
        self._refused(account.action_fetch_now)
        self._refused(account.action_open_setup)
        self._refused(account.action_change_protocol)
        self.assertEqual(self.account_a.last_fetch_date, fetched_at)
        message = self._message_of_a()
        message.sudo().write({"is_seen": False, "seen_dirty": False})
        as_supervisor = message.with_user(self.user_supervisor)
        self.assertFalse(as_supervisor.mark_as_opened())
        self._refused(as_supervisor.action_mark_read)
        self._refused(as_supervisor.action_delete)
        self._refused(as_supervisor.action_link_document)
        wizard = self.env["mail.account.link"].with_user(self.user_supervisor).with_context(
            active_model=message._name, active_ids=message.ids,
        ).create({"record_ref": f"res.partner,{self.user_supervisor.partner_id.id}"})
        self._refused(wizard.action_link)
        self.assertEqual(message.read(["is_seen", "res_model", "folder_id"])[0],
                         {"id": message.id, "is_seen": False, "res_model": False,
                          "folder_id": (message.folder_id.id, message.folder_id.display_name)})

    # -- archived accounts ------------------------------------------------------------------
    def test_fetch_now_on_own_archived_account(self):
        account = self.account_a.with_user(self.user_a)
        account.action_archive()
        error = self._refused(account.action_fetch_now)
        self.assertIn("is archived", str(error))
        self.assertNotIn("but not use the account", str(error))

    # -- unlink and create over RPC ---------------------------------------------------------
    def test_unlink_refused(self):
        with self.assertRaises(AccessError):
            self.account_a.with_user(self.user_b).unlink()
        with self.assertRaises(AccessError):
            self.account_a.with_user(self.user_supervisor).unlink()
        folder = self._message_of_a().folder_id
        with self.assertRaises(AccessError):
            folder.with_user(self.user_a).unlink()
        with self.assertRaises(UserError):  # outside Deleted Items
            self._message_of_a().with_user(self.user_a).unlink()
        self.assertTrue(self.account_a.exists() and folder.exists() and self._message_of_a())

    def test_create_folders_and_messages_refused(self):
        folder = self._message_of_a().folder_id
        for user, account in ((self.user_a, self.account_a), (self.user_a, self.account_b),
                              (self.user_supervisor, self.account_a)):
            with self.subTest(user=user.login, account=account.name):
                self.assertCreateRefused(self.env["mail.account.folder"], user, {
                    "account_id": account.id, "name": "Injected", "role": "other"})
                self.assertCreateRefused(self.env["mail.account.message"], user, {
                    "account_id": account.id, "folder_id": folder.id, "subject": "Injected"})
                self.assertCreateRefused(self.env["mail.account.deletion"], user, {
                    "account_id": account.id, "message_id": "<x@example.com>"})
                self.assertCreateRefused(self.env["mail.account.send.log"], user, {
                    "account_id": account.id, "sent_at": "2030-01-01 00:00:00"})

    # -- the mailbox: e-mails and folders, field by field ---------------------------------
    def test_message_fields(self):
        message = self._message_of_a()
        self.assertOnlyWritable(message, self.user_a, MESSAGE_WRITABLE_FIELDS)
        self.assertOnlyWritable(message, self.user_system, MESSAGE_WRITABLE_FIELDS)
        inbox = message.folder_id
        trash = self.account_a._mailbox_folder("trash")
        message.with_user(self.user_a).write({"is_seen": True, "folder_id": trash.id})
        self.assertEqual((message.folder_id, message.is_seen), (trash, True))
        # ... but not into another account's folder
        folder_b = self.account_b._mailbox_folder("inbox")
        with self.assertRaises(UserError):
            message.with_user(self.user_a).write({"folder_id": folder_b.id})
        message.with_user(self.user_a).write({"folder_id": inbox.id})

    def test_folder_deletion_sendlog_fields(self):
        folder = self._message_of_a().folder_id
        for user in (self.user_a, self.user_system):
            self.assertOnlyWritable(folder, user, ())
        deletion = self.env["mail.account.deletion"].create({
            "account_id": self.account_a.id, "message_id": "<gone@example.com>",
            "folder_id": folder.id})
        log = self.env["mail.account.send.log"].create({
            "account_id": self.account_a.id, "sent_at": "2030-01-01 00:00:00"})
        for record in (deletion, log):
            self.assertOnlyWritable(record, self.user_system, ())

    def test_refusal_says_what_to_do_in_the_users_language(self):
        """After a refusal comes the hint the model declares, translated when shown."""
        self.env["res.lang"]._activate_lang("pl_PL")
        self.env["ir.module.module"]._load_module_terms(
            ["mail_accounts_ext"], ["pl_PL"], overwrite=True)
        log = self.env["mail.account.send.log"].create({
            "account_id": self.account_a.id, "sent_at": "2030-01-01 00:00:00"})
        cases = (
            (log, self.user_system, {"message_count": 5},
             "Only sending through the account writes them."),
            (self._message_of_a(), self.user_a, {"subject": "Changed"},
             "E-mails cannot be edited; use the mailbox actions (reply, forward, delete, "
             "mark as read) instead."),
        )
        for record, user, vals, hint in cases:
            with self.subTest(model=record._name):
                with self.assertRaises(AccessError) as english:
                    record.with_user(user).with_context(lang="en_US").write(vals)
                self.assertIn(hint, str(english.exception))
                with self.assertRaises(AccessError) as polish:
                    record.with_user(user).with_context(lang="pl_PL").write(vals)
                self.assertNotIn(hint, str(polish.exception))
                self.assertNotIn("cannot be changed directly", str(polish.exception))

    # -- wizards pointing at someone else's records ---------------------------------------
    def test_wizards_refuse_foreign_records(self):
        before = self.account_b.read(["name", "last_test_date", "incoming_host"])
        wizard = self.env["mail.account.setup"].with_user(self.user_a).create(
            dict(self._setup_values(self.address_a, "secret-pw"), account_id=self.account_b.id,
                 name="Taken over"))
        self._refused(wizard.action_test_and_save)
        self.assertEqual(self.account_b.read(["name", "last_test_date", "incoming_host"]),
                         before)
        draft_b = self.env["mail.account.message"].create({
            "account_id": self.account_b.id, "state": "draft", "subject": "B's draft",
            "folder_id": self.account_b._mailbox_folder("drafts").id})
        compose = self.env["mail.account.compose"].with_user(self.user_a).create({
            "account_id": self.account_a.id, "mode": "draft", "draft_id": draft_b.id,
            "email_to": "x@example.com", "subject": "overwritten"})
        self._refused(compose.action_save_draft)
        self.assertEqual(draft_b.subject, "B's draft")
