# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
import email
import email.message
import email.policy

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MailboxCase


@tagged("post_install", "-at_install")
class TestMailboxImap(MailboxCase):
    def _messages(self, account, user=None, **domain):
        user = user or account.owner_id
        terms = [("account_id", "=", account.id)] + [(k, "=", v) for k, v in domain.items()]
        return self.Message.with_user(user).search(terms)

    def _folder(self, account, name):
        return self.Folder.search([("account_id", "=", account.id), ("name", "=", name)])

    def test_sync_three_folders_then_only_new_mail(self):
        account, email = self._new_mailbox(self.user_a, "three")
        for index in range(12):
            self.servers.deliver(email, self._raw(f"inbox {index}"))
        for index in range(8):
            self.servers.deliver(email, self._raw(f"sent {index}"), folder="Sent",
                                 flags=("\\Seen",))
        for index in range(10):
            self.servers.deliver(email, self._raw(f"archive {index}"), folder="Archive")

        action = account.with_user(self.user_a).action_fetch_now()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertIn("30 new e-mails", action["params"]["message"])
        self.assertTrue(account.protocol_locked)
        self.assertEqual(account.state, "in_use")
        self.assertTrue(account.last_fetch_ok)

        roles = {f.name: f.role for f in account.folder_ids if f.role != "account"}
        self.assertEqual(roles, {"INBOX": "inbox", "Drafts": "drafts", "Sent": "sent",
                                 "Junk": "junk", "Trash": "trash", "Archive": "other"})
        trash = self._folder(account, "Trash")
        self.assertEqual(trash.with_user(self.user_a).display_name, "Deleted Items")
        counts = {f.name: (f.message_count, f.unread_count) for f in account.folder_ids}
        self.assertEqual(counts["INBOX"], (12, 12))
        self.assertEqual(counts["Sent"], (8, 0))
        self.assertEqual(counts["Archive"], (10, 10))
        self.assertEqual(len(self._messages(account)), 30)
        self.assertEqual(account.with_user(self.user_a).unread_count, 22)
        sent = self._messages(account, folder_id=self._folder(account, "Sent").id)
        self.assertEqual(set(sent.mapped("state")), {"sent"})

        # A second fetch transfers nothing; a third only the new mail.
        before = self._messages(account)
        result = self._fetch(account)
        self.assertEqual(result["report"].fetched, 0)
        self.assertTrue(all(r.unchanged for r in result["report"].folders.values()))
        self.assertEqual(self._messages(account), before)

        self.servers.deliver(email, self._raw("new in inbox"))
        self.servers.deliver(email, self._raw("new in archive"), folder="Archive")
        result = self._fetch(account)
        self.assertEqual(result["report"].fetched_uids("INBOX"), [13])
        self.assertEqual(result["report"].fetched_uids("Archive"), [11])
        self.assertEqual(result["report"].fetched, 2)
        new = self._messages(account) - before
        self.assertEqual(len(before) + len(new), 32)
        self.assertEqual(set(new.mapped("subject")), {"new in inbox", "new in archive"})

    def test_seen_flag_both_ways(self):
        account, email = self._new_mailbox(self.user_a, "seen")
        for index in range(3):
            self.servers.deliver(email, self._raw(f"m{index}"))
        self._fetch(account)
        inbox = self._folder(account, "INBOX")
        first = self._messages(account).filtered(lambda m: m.imap_uid == 1)
        first.with_user(self.user_a).action_mark_read()
        self.assertEqual(inbox.unread_count, 2)
        self.assertNotIn("\\Seen", self.servers.message_flags(email)[0], "not pushed yet")
        result = self._fetch(account)
        self.assertEqual(result["report"].folders["INBOX"].flags_to_server, 1)
        self.assertIn("\\Seen", self.servers.message_flags(email)[0])
        self.assertNotIn("\\Seen", self.servers.message_flags(email)[1])

        with self.servers.imap(email) as conn:
            conn.select("INBOX")
            conn.uid("STORE", "3", "+FLAGS", "(\\Seen)")
            conn.uid("STORE", "1", "-FLAGS", "(\\Seen)")
        result = self._fetch(account)
        self.assertEqual(result["report"].folders["INBOX"].flags_from_server, 2)
        seen = {m.imap_uid: m.is_seen for m in self._messages(account)}
        self.assertEqual(seen, {1: False, 2: False, 3: True})
        self.assertEqual(inbox.unread_count, 2)

    def test_uidvalidity_change_resyncs_without_duplicates(self):
        account, email = self._new_mailbox(self.user_a, "validity")
        for index in range(4):
            self.servers.deliver(email, self._raw(f"m{index}"))
        self._fetch(account)
        before = self._messages(account)
        inbox = self._folder(account, "INBOX")
        inbox.sudo().uidvalidity = inbox.uidvalidity - 1  # as if the server renumbered
        self.servers.deliver(email, self._raw("after"))
        result = self._fetch(account)
        report = result["report"].folders["INBOX"]
        self.assertTrue(report.reset)
        self.assertEqual(report.adopted, 4)
        self.assertEqual(report.fetched_uids, [5])
        after = self._messages(account)
        self.assertEqual(len(after), 5)
        self.assertLessEqual(before, after, "the same records, not copies")

    def test_first_sync_bounded(self):
        account, email = self._new_mailbox(self.user_a, "bounded", sync_max_messages=3)
        old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=60)
        for index in range(4):
            self.servers.deliver(email, self._raw(f"old {index}"), date=old)
        for index in range(5):
            self.servers.deliver(email, self._raw(f"recent {index}"))
        self._fetch(account)
        self.assertEqual(sorted(self._messages(account).mapped("subject")),
                         ["recent 2", "recent 3", "recent 4"])
        self.assertEqual(self._folder(account, "INBOX").sync_from_uid, 7)

    def test_broken_message_and_attachments(self):
        account, address = self._new_mailbox(self.user_a, "broken")
        self.servers.deliver(address, b"\xff\xfeSubject: =?bogus?q?x?=\r\nContent-Type: "
                             b"multipart/mixed; boundary=zz\r\n\r\n--zz\r\ntruncated")
        self.servers.deliver(address, self._raw("with attachment", attachments=[
            ("invoice.pdf", "application/pdf", b"%PDF-1.4 test"),
            ("page.html", "text/html", b"<script>alert(1)</script>")]))
        result = self._fetch(account)
        self.assertTrue(result["ok"], result["message"])
        messages = self._messages(account)
        self.assertEqual(len(messages), 2)
        broken = messages.filtered(lambda m: m.subject != "with attachment")
        self.assertTrue(broken.parse_problems)
        with_attachment = messages - broken
        self.assertTrue(with_attachment.has_attachments)
        attachments = with_attachment.with_user(self.user_a).attachment_ids
        self.assertEqual(sorted(attachments.mapped("name")), ["invoice.pdf", "page.html"])
        self.assertEqual(attachments.filtered(lambda a: a.name == "invoice.pdf").raw,
                         b"%PDF-1.4 test")
        self.assertNotIn("html", attachments.filtered(lambda a: a.name == "page.html").mimetype,
                         "never served as a page")
        with self.assertRaises(AccessError):
            attachments.with_user(self.user_b).read(["name"])

    def test_inline_images_point_to_their_attachments(self):
        account, address = self._new_mailbox(self.user_a, "inline")
        message = email.message.EmailMessage()
        message["Subject"] = "Logo inside"
        message["From"] = "designer@example.com"
        message.set_content("text version")
        message.add_alternative('<p>Our logo: <img src="cid:logo@x"></p>', subtype="html")
        message.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\n", "image", "png",
                                              cid="<logo@x>")
        self.servers.deliver(address, message.as_bytes())
        self._fetch(account)
        stored = self._messages(account)
        image = stored.with_user(self.user_a).attachment_ids
        self.assertEqual(image.mimetype, "image/png")
        self.assertIn(f"/web/image/{image.id}", stored.body_html)
        self.assertNotIn("cid:", stored.body_html)
        self.assertFalse(stored.has_attachments, "an inline image is no attachment to show")

    def test_failure_recorded_other_accounts_go_on(self):
        good, good_email = self._new_mailbox(self.user_a, "good")
        bad, bad_email = self._new_mailbox(self.user_b, "bad")
        self.servers.deliver(good_email, self._raw("for the good one"))
        self.servers.add_user(bad_email, "changed-elsewhere", email=bad_email)
        self.env.ref("mail_accounts_ext.ir_cron_mail_account_fetch").method_direct_trigger()
        self.assertFalse(bad.last_fetch_ok)
        self.assertIn("password", bad.last_fetch_message)
        self.assertFalse(bad.protocol_locked, "a failed fetch does not lock the protocol")
        self.assertTrue(good.last_fetch_ok, good.last_fetch_message)
        self.assertEqual(self._messages(good).mapped("subject"), ["for the good one"])

        self.servers.stop_dovecot()
        try:
            action = good.with_user(self.user_a).action_fetch_now()
        finally:
            self.servers.start_dovecot()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("refused", action["params"]["message"])
        self.assertFalse(good.last_fetch_ok)

    def test_cron_every_five_minutes(self):
        cron = self.env.ref("mail_accounts_ext.ir_cron_mail_account_fetch")
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (5, "minutes"))

    def test_mailbox_shows_own_folders_only(self):
        account_a, email_a = self._new_mailbox(self.user_a, "panel.a")
        account_b, _email_b = self._new_mailbox(self.user_b, "panel.b")
        self.servers.deliver(email_a, self._raw("hello"))
        self._fetch(account_a)
        self._fetch(account_b)
        Message = self.Message.with_user(self.user_a)
        panel = Message.search_panel_select_range("folder_id", enable_counters=True,
                                                  expand=True)
        accounts = self.Folder.browse([v["id"] for v in panel["values"]]).account_id
        self.assertEqual(accounts, account_a)
        inbox = self._folder(account_a, "INBOX")
        self.assertEqual(next(v for v in panel["values"] if v["id"] == inbox.id)["__count"], 1)
        action = Message.action_open_mailbox()
        self.assertEqual(action["context"]["searchpanel_default_folder_id"], inbox.id)
        self.assertEqual(inbox.with_user(self.user_a).display_name, "Inbox",
                         "one number per folder: the panel's unread count")
        with self.assertRaises(AccessError):
            self._folder(account_b, "INBOX").with_user(self.user_a).read(["name"])

    def _panel(self, user, account):
        panel = self.Message.with_user(user).search_panel_select_range(
            "folder_id", enable_counters=True, expand=True)
        folders = self.Folder.browse([value["id"] for value in panel["values"]])
        return [(value["display_name"], value["__count"])
                for value, folder in zip(panel["values"], folders, strict=True)
                if folder.account_id == account]

    def test_panel_counts_unread_after_every_change(self):
        account, email = self._new_mailbox(self.user_a, "counts")
        for index in range(3):
            self.servers.deliver(email, self._raw(f"count {index}"))
        self._fetch(account)
        counts = dict(self._panel(self.user_a, account))
        self.assertEqual((counts[account.name], counts["Inbox"], counts["Deleted Items"]),
                         (3, 3, 0))
        messages = self._messages(account).sorted("id")
        messages[0].with_user(self.user_a).action_mark_read()
        self.assertEqual(dict(self._panel(self.user_a, account))["Inbox"], 2)
        messages[1].with_user(self.user_a).action_delete()
        counts = dict(self._panel(self.user_a, account))
        self.assertEqual((counts["Inbox"], counts["Deleted Items"]), (1, 1))
        self.servers.deliver(email, self._raw("count later"))
        self._fetch(account)  # Fetch now
        self.assertEqual(dict(self._panel(self.user_a, account))["Inbox"], 2)
        messages[0].with_user(self.user_a).action_mark_unread()
        self.assertEqual(dict(self._panel(self.user_a, account))["Inbox"], 3)
        trash = self._folder(account, "Trash")
        self.user_a.groups_id = [(4, self.group_delete.id)]
        messages[1].with_user(self.user_a).action_delete()  # for good
        self.assertEqual(dict(self._panel(self.user_a, account))["Deleted Items"], 0)
        self.assertEqual(trash.unread_count, 0)

    def test_archived_account_marked_and_last(self):
        old, _email = self._new_mailbox(self.user_a, "archived.old")
        new, _email = self._new_mailbox(self.user_a, "archived.new")
        self._fetch(old)
        self._fetch(new)
        (old | new).sudo().write({"name": "Office mailbox"})
        old.sudo().write({"active": False})
        panel = self.Message.with_user(self.user_a).search_panel_select_range(
            "folder_id", enable_counters=True, expand=True)
        folders = self.Folder.browse([value["id"] for value in panel["values"]])
        roots = [value["display_name"]
                 for value, folder in zip(panel["values"], folders, strict=True)
                 if folder.role == "account" and folder.account_id in old | new]
        self.assertEqual(roots, ["Office mailbox", "Office mailbox (archived)"])
        accounts = [folder.account_id for folder in folders if folder.account_id in old | new]
        self.assertEqual(accounts[-len(old.folder_ids):], [old] * len(old.folder_ids),
                         "the archived account's folders come last")

