# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common import MailboxCase
from .test_mailbox_ui import SUBJECT_PL, polish_offer_mailbox
from .tour_screenshots import TourScreenshotsMixin


class ReadingPaneCase(TourScreenshotsMixin, HttpCase, MailboxCase):
    """A plain user's mailbox with e-mails that came from Dovecot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Newest first in the list: first, second, third, then the Polish offer.
        cls.account, address = polish_offer_mailbox(cls, "pane")
        for minute, name in ((3, "first"), (2, "second"), (1, "third")):
            cls.servers.deliver(address, cls._raw(
                f"Pane {name}", body=f"Body of the {name} e-mail",
                date=f"Tue, 24 Nov 2026 10:0{minute}:00 +0000"))
        cls._fetch(cls.account, check=True)
        Message = cls.env["mail.account.message"]
        cls.messages = {
            name: Message.search([("account_id", "=", cls.account.id),
                                  ("subject", "=", subject)])
            for name, subject in (("first", "Pane first"), ("second", "Pane second"),
                                  ("third", "Pane third"), ("polish", SUBJECT_PL))
        }


@tagged("post_install", "-at_install", "mae_tours")
class TestMailboxReadingPane(ReadingPaneCase):
    """The reading pane and the keyboard, in Chromium."""

    def _run_tour(self):
        for message in self.messages.values():
            self.assertEqual(len(message), 1)
            self.assertFalse(message.is_seen)
        self.start_tour("/odoo", "mail_accounts_ext_mailbox_reading_pane",
                        login=self.user_a.login)
        first, second = self.messages["first"], self.messages["second"]
        third, polish = self.messages["third"], self.messages["polish"]
        self.assertTrue(first.is_seen, "shown in the pane: read")
        # u marked it unread (the tour checks the list and the pane); shown again from
        # Deleted Items, it is read.
        self.assertTrue(second.is_seen)
        self.assertEqual(second.folder_id.role, "trash", "Del moved it to Deleted Items")
        self.assertTrue(second.exists())
        self.assertEqual(third.folder_id.role, "trash", "# moved it to Deleted Items")
        self.assertTrue(third.is_seen, "shown in the pane after the deletion: read")
        self.assertTrue(polish.is_seen)
        self.assertEqual(polish.folder_id.role, "inbox")

    def test_reading_pane_tour(self):
        self._run_tour()

    def test_reading_pane_tour_in_polish(self):
        self.env["res.lang"]._activate_lang("pl_PL")
        self.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "mail_accounts_ext"], ["pl_PL"])
        self.user_a.lang = "pl_PL"
        self._run_tour()


@tagged("post_install", "-at_install", "mae_tours")
class TestMailboxReadingPaneMobile(ReadingPaneCase):
    """On a phone: the list only, an e-mail opens on its own page."""

    browser_size = "375x667"
    touch_enabled = True

    def test_phone_has_no_pane(self):
        first = self.messages["first"]
        self.assertFalse(first.is_seen)
        self.start_tour("/odoo/action-mail_accounts_ext.mail_account_message_action_open",
                        "mail_accounts_ext_mailbox_reading_pane_mobile",
                        login=self.user_a.login)
        self.assertTrue(first.is_seen, "opened on its own page: read")
