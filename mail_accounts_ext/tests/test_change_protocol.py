# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import email
import email.policy
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.mail_account_copy_job import MailAccountCopyJob
from ..wizards import mail_account_change_protocol
from .common import MailboxCase, new_employee


@tagged("post_install", "-at_install")
class TestChangeProtocol(MailboxCase):
    """POP3 <-> IMAP through the *Change protocol* wizard, against the real servers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_owner = new_employee(cls.env, "mae_switcher", "Zofia Żółć",
                                      "project.group_project_user", email="zofia@example.com")
        cls.project = cls.env["project.project"].create({"name": "Brand Ł website"})
        # One mailbox per scenario: the IMAP server's state outlives each test.
        cls.copy_account, cls.copy_email = cls._pop3_with_drafts("switch.copy", 20)
        cls.stop_account, cls.stop_email = cls._pop3_with_drafts("switch.stop", 20)
        cls.roles_account, cls.roles_email = cls._pop3_with_drafts(
            "switch.roles", 2, is_default=True, user_ids=[(6, 0, cls.user_b.ids)],
            project_ids=[(6, 0, cls.project.ids)],
            default_project_ids=[(6, 0, cls.project.ids)])
        cls.company_account, _email = cls._pop3_with_drafts(
            "switch.company", 1, user=cls.env.ref("base.user_admin"), account_type="company",
            is_company_default=True)
        cls.imap_account, cls.imap_email = cls._fetched_mailbox(cls.user_owner, "switch.imap",
                                                                "on the server")

    @classmethod
    def _pop3_with_drafts(cls, prefix, count, user=None, **account_values):
        """A POP3 account that fetched once (locked) and ``count`` drafts stored in Odoo."""
        account, address = cls._fetched_mailbox(user or cls.user_owner, prefix, "Welcome",
                                                protocol="pop3", **account_values)
        drafts = account._mailbox_folder("drafts")
        now = datetime.now().replace(microsecond=0)
        values = [{
            "account_id": account.id, "folder_id": drafts.id, "state": "draft",
            "message_id": f"<draft-{prefix}-{index}@example.com>",
            "date": now - timedelta(hours=index),
            "subject": f"Zażółć gęślą jaźń – szkic {index} ✓",
            "email_from": f"Zofia Żółć <{address}>",
            "email_to": f"Łukasz Kęsik <lukasz{index}@example.net>, ops@example.net",
            "email_cc": "Ærøskøbing Ltd <aero@example.dk>" if index % 2 else "",
            "references": f"<ref-{index}@example.com> <ref2-{index}@example.com>",
            "in_reply_to": f"<ref2-{index}@example.com>",
            "body_html": f"<p>Treść szkicu {index}: zażółć</p>",
        } for index in range(count)]
        messages = cls.env["mail.account.message"].sudo().create(values)
        cls.env["ir.attachment"].sudo().create([{
            "name": f"oferta-{index}.pdf", "res_model": "mail.account.message",
            "res_id": message.id, "mimetype": "application/pdf",
            "datas": base64.b64encode(b"%PDF-1.4 draft " + str(index).encode()),
        } for index, message in enumerate(messages) if index % 3 == 0])
        return account, address

    # -- helpers ----------------------------------------------------------------
    def _open_wizard(self, account, user=None, **values):
        user = user or self.user_owner
        action = account.with_user(user).action_change_protocol()
        wizard = self.env[action["res_model"]].with_user(user).browse(action["res_id"])
        port = (self.servers.imap_port if wizard.incoming_protocol == "imap"
                else self.servers.pop3_port)
        self.assertEqual(wizard.incoming_host, self.servers.host)
        self.assertEqual(wizard.smtp_port, self.servers.smtp_port, "SMTP of the old account")
        self.assertFalse(wizard.incoming_password, "the old password is reused, not shown")
        wizard.write(dict({"incoming_port": port}, **values))
        return wizard

    def _switch(self, account, user=None, **values):
        wizard = self._open_wizard(account, user=user, **values)
        wizard.action_test_and_save()
        self.assertEqual(wizard.test_state, "passed", wizard.test_message)
        return wizard

    def _server_messages(self, address, folder="Drafts"):
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for raw in self.servers.messages(address, folder)]

    def _drafts(self, account):
        return self.env["mail.account.message"].sudo().search(
            [("account_id", "=", account.id), ("folder_id.role", "=", "drafts")])

    # -- tests ------------------------------------------------------------------
    def test_pop3_to_imap_copies_drafts_with_their_headers(self):
        wizard = self._switch(self.copy_account)
        new = wizard.new_account_id
        self.assertEqual(new.incoming_protocol, "imap")
        self.assertEqual(new.email, self.copy_account.email)
        self.assertEqual(wizard.step, "copy")
        self.assertEqual(wizard.target_folder, "Drafts")
        self.assertEqual(wizard.source_folder_ids, self.copy_account._existing_folder("drafts"))
        wizard.action_copy()
        job = wizard.job_id
        self.assertEqual((job.count_total, job.count_copied, job.count_failed), (20, 20, 0))
        self.assertEqual(job.state, "done")

        stored = {m.message_id: m for m in self._drafts(self.copy_account)}
        on_server = self._server_messages(self.copy_email)
        self.assertEqual(len(on_server), 20)
        for message in on_server:
            draft = stored[message["Message-ID"]]
            self.assertEqual(message["Subject"], draft.subject)
            self.assertEqual(message["From"], draft.email_from)
            self.assertEqual(message["To"], draft.email_to)
            self.assertEqual(message["Cc"] or "", draft.email_cc or "")
            self.assertEqual(message["References"], draft.references)
            self.assertEqual(message["In-Reply-To"], draft.in_reply_to)
            self.assertEqual(parsedate_to_datetime(message["Date"]).replace(tzinfo=None),
                             draft.date)
            self.assertIn("Treść szkicu", message.get_body(("html",)).get_content())
            names = [part.get_filename() for part in message.iter_attachments()]
            self.assertEqual(names, [a.name for a in draft.sudo().attachment_ids])
            self.assertNotIn("\\Seen", self.servers.message_flags(self.copy_email, "Drafts")[0])

        # Again, in the background and in small chunks: nothing is copied twice.
        Job = self.env["mail.account.copy.job"]
        again = Job._create_job(self.copy_account, new, "Drafts",
                                self._drafts(self.copy_account))
        again._start()
        self.assertEqual(again.count_pending, 20)
        Job._cron_copy(chunk_size=7)
        self.assertEqual((again.count_copied, again.count_exists), (0, 20))
        self.assertEqual(len(self.servers.messages(self.copy_email, "Drafts")), 20)

        # The next sync shows them under the new account.
        self._fetch(new, check=True)
        self.assertEqual(len(self._drafts(new)), 20)

    def test_server_stops_half_way(self):
        wizard = self._switch(self.stop_account)
        chunks = []

        def stop_after_first_chunk(job, lines):
            chunks.append(len(lines))
            if len(chunks) == 1:
                self.servers.stop_dovecot()

        with patch.object(mail_account_change_protocol, "RUN_NOW_BELOW", 0), \
                patch.object(MailAccountCopyJob, "_hook_after_chunk", stop_after_first_chunk):
            wizard.action_copy()
            job = wizard.job_id
            self.assertEqual(job.count_pending, 20, "left to the background job")
            try:
                self.env["mail.account.copy.job"]._cron_copy(chunk_size=5)
            finally:
                self.servers.start_dovecot()
        self.assertEqual(chunks, [5, 5, 5, 5])
        self.assertEqual((job.count_copied, job.count_failed, job.state), (5, 15, "done"))
        failed = job.line_ids.filtered(lambda line: line.state == "failed")
        self.assertTrue(all(failed.mapped("error")))
        self.assertIn("refused the connection", failed[-1].error, "explained")
        self.assertIn("5 copied", job.with_user(self.user_owner).summary)

        job.with_user(self.user_owner).action_retry()
        self.env.ref("mail_accounts_ext.ir_cron_mail_account_copy").method_direct_trigger()
        self.assertEqual((job.count_copied, job.count_failed, job.count_pending), (20, 0, 0))
        ids = [m["Message-ID"] for m in self._server_messages(self.stop_email)]
        self.assertEqual(len(ids), 20)
        self.assertEqual(len(set(ids)), 20, "no duplicates")

    def test_roles_move_and_old_account_is_an_archive(self):
        old = self.roles_account
        server = old.sudo().mail_server_id
        stored = self.env["mail.account.message"].with_user(self.user_owner).search_count(
            [("account_id", "=", old.id)])
        wizard = self._switch(old)
        wizard.action_skip_copy()
        new = wizard.new_account_id.sudo()
        self.assertEqual(wizard.step, "done")
        self.assertFalse(old.active)
        self.assertEqual(old.state, "inactive")
        self.assertFalse(server.active, "the old account no longer sends")
        self.assertTrue(new.mail_server_id.active)
        self.assertTrue(new.is_default)
        self.assertFalse(old.is_default)
        self.assertEqual(new.default_project_ids, self.project)
        self.assertEqual(new.project_ids, self.project)
        self.assertFalse(old.default_project_ids)
        self.assertEqual(new.user_ids, self.user_b)
        Account = self.env["mail.account"].with_user(self.user_owner)
        self.assertEqual(Account._default_account(), new.with_user(self.user_owner))
        for text in ("archived", "Default account of Zofia", "Brand Ł website", "Operator B"):
            self.assertIn(text, wizard.summary)
        for account in (old, new):
            self.assertIn("archived", account.message_ids[0].body)

        # The old account no longer fetches, neither from the cron nor on demand.
        last_fetch = old.last_fetch_date
        self.servers.deliver(self.roles_email, self._raw("after the switch"))
        with patch.object(type(Account), "_fetch_one", autospec=True,
                          side_effect=lambda account: {"ok": None, "message": "", "report": None}
                          ) as fetch_one:
            Account.sudo()._cron_fetch_mail()
        self.assertNotIn(old.id, [call.args[0].id for call in fetch_one.call_args_list])
        with self.assertRaises(UserError):
            old.with_user(self.user_owner).action_fetch_now()
        self.assertEqual(old.last_fetch_date, last_fetch)
        # Its messages stay readable.
        messages = self.env["mail.account.message"].with_user(self.user_owner).search(
            [("account_id", "=", old.id)])
        self.assertEqual(len(messages), stored)
        self.assertTrue(all(messages.mapped("subject")))

    def test_signature_moves(self):
        old = self.roles_account
        signature = "<p>-- <br>Zofia Łęcka, Dział Sprzedaży</p>"
        old.with_user(self.user_owner).signature = signature
        signature = old.signature  # as the sanitizer kept it
        self.assertIn("Zofia Łęcka, Dział Sprzedaży", signature)
        wizard = self._switch(old)
        wizard.action_skip_copy()
        self.assertEqual(wizard.new_account_id.with_user(self.user_owner).signature, signature)

    def test_company_default_moves(self):
        admin = self.env.ref("base.user_admin")
        wizard = self._switch(self.company_account, user=admin)
        new = wizard.new_account_id
        self.assertEqual((new.account_type, new.is_company_default), ("company", True))
        self.assertFalse(self.company_account.is_company_default)
        self.assertIn("Default account of the company", wizard.summary)
        # Only administrators manage company accounts.
        with self.assertRaises(AccessError):
            new.with_user(self.user_owner).action_change_protocol()

    def test_failing_test_changes_nothing(self):
        wizard = self._open_wizard(self.roles_account, incoming_password="wrong-password")
        wizard.action_test_and_save()
        self.assertEqual(wizard.test_state, "failed")
        self.assertIn("IMAP", wizard.test_message)
        self.assertEqual(wizard.step, "settings")
        self.assertFalse(wizard.new_account_id)
        self.assertTrue(self.roles_account.active)
        self.assertTrue(self.roles_account.is_default)
        self.assertEqual(self.env["mail.account"].sudo().search_count(
            [("email", "=", self.roles_account.email)]), 1)

    def test_imap_to_pop3_without_copy(self):
        wizard = self._switch(self.imap_account)
        self.assertEqual(wizard.incoming_protocol, "pop3")
        self.assertEqual(wizard.step, "done", "no copy step towards POP3")
        self.assertEqual(wizard.new_account_id.incoming_protocol, "pop3")
        self.assertFalse(self.imap_account.active)
        with self.assertRaises(UserError):
            wizard.action_copy()

    def test_only_managers_change_the_protocol(self):
        account = self.roles_account
        self.assertTrue(account.with_user(self.user_owner).can_manage)
        self.assertFalse(account.with_user(self.user_supervisor).can_manage,
                         "the button is hidden for who may only read the account")
        for user in (self.user_supervisor, self.user_b):
            with self.assertRaises(AccessError):
                account.with_user(user).action_change_protocol()
        # A wizard made up by RPC does not help either.
        Wizard = self.env["mail.account.change.protocol"]
        wizard = Wizard.with_user(self.user_supervisor).create(
            dict(Wizard._values_from_account(account), incoming_protocol="imap"))
        for method in ("action_test_and_save", "action_copy", "action_skip_copy"):
            with self.assertRaises(AccessError):
                getattr(wizard, method)()
        self.assertTrue(account.active)

    def test_not_locked_or_archived_account(self):
        account, _address = self._new_mailbox(self.user_owner, "switch.fresh", protocol="pop3")
        with self.assertRaises(UserError):
            account.with_user(self.user_owner).action_change_protocol()

    def test_owner_without_an_email_address(self):
        """The user's own profile has no address: the switch does not need one."""
        user = new_employee(
            self.env, "mae_no_email", "Olena Bez Pošty", "project.group_project_user", email=False,
        )
        self.assertFalse(user.partner_id.email)
        account, address = self._pop3_with_drafts("switch.noemail", 2, user=user)
        wizard = self._switch(account, user=user)
        self.assertEqual(wizard.step, "copy")
        new = wizard.new_account_id
        self.assertEqual((new.email, new.incoming_protocol), (address, "imap"))
        self.assertFalse(account.active)
        for record in (account, new):
            note = record.message_ids.filtered(lambda m: "archived" in (m.body or ""))
            self.assertEqual(len(note), 1, record.name)
            self.assertEqual(note.author_id, user.partner_id)
            self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        wizard.with_user(user).action_copy()
        self.assertEqual(len(self.servers.messages(address, "Drafts")), 2)

    def test_provider_of_other_servers_not_proposed(self):
        """An account saved as "Gmail" that uses other servers (a Gmail address changed to
        another domain by older versions): its other protocol is not Gmail's."""
        self.roles_account.sudo().preset = "gmail"
        values = self.env["mail.account.change.protocol"]._settings_for_other_protocol(
            self.roles_account)
        self.assertNotIn("incoming_host", values, "the old account's server stays")
        self.assertEqual(values["incoming_port"], 143, "IMAP's port for its STARTTLS")
        self.assertNotIn("Gmail", values["discovery_message"])
        self._open_wizard(self.roles_account)  # checks the host: the old server
        # A real Gmail account does get Gmail's server of the other protocol.
        gmail = self.env["mail.account"].new({
            "preset": "gmail", "incoming_protocol": "imap", "incoming_host": "imap.gmail.com",
            "incoming_security": "ssl", "smtp_host": "smtp.gmail.com"})
        values = self.env["mail.account.change.protocol"]._settings_for_other_protocol(gmail)
        self.assertEqual((values["incoming_host"], values["incoming_port"]), ("pop.gmail.com", 995))
