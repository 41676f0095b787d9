# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
import email
import email.policy
import threading
import time

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.bus.tests.common import WebsocketCase

from .common import MailboxCase
from .tour_screenshots import TourScreenshotsMixin

CRON = "mail_accounts_ext.ir_cron_mail_account_fetch_requested"


class FetchedAWhileAgo:
    """``cls.account`` fetched five minutes ago before each test: opening the mailbox
    asks for a new fetch."""

    def setUp(self):
        super().setUp()
        self.account.sudo().last_fetch_date = \
            fields.Datetime.now() - datetime.timedelta(minutes=5)


@tagged("post_install", "-at_install", "mae_tours")
class TestMailboxMoveUi(FetchedAWhileAgo, TourScreenshotsMixin, HttpCase, MailboxCase):
    """Move and junk in the browser as a plain user, the server copies checked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account, cls.address = cls._fetched_mailbox(
            cls.user_a, "move.tour", "Przenieś mnie do archiwum", "Wygrałeś nagrodę – kliknij",
            "Zostaję w skrzynce", folders=["Archiwum"])

    def _server_subjects(self, folder):
        return sorted(
            str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])
            for raw in self.servers.messages(self.address, folder))

    def test_move_and_junk_tour(self):
        self.start_tour("/odoo", "mail_accounts_ext_mailbox_move", login=self.user_a.login)
        Message = self.env["mail.account.message"]
        moved = Message.search([("subject", "=", "Przenieś mnie do archiwum")])
        junk = Message.search([("subject", "=", "Wygrałeś nagrodę – kliknij")])
        self.assertEqual(moved.folder_id.name, "Archiwum")
        self.assertEqual(junk.folder_id.role, "junk")
        # The server copies moved (at once, the next sync changes nothing).
        self.assertEqual(self._server_subjects("Archiwum"), ["Przenieś mnie do archiwum"])
        self.assertEqual(self._server_subjects("Junk"), ["Wygrałeś nagrodę – kliknij"])
        self.assertEqual(self._server_subjects("INBOX"), ["Zostaję w skrzynce"])
        self.assertTrue(self.account.fetch_requested_date, "opening the mailbox asked")
        result = self._fetch(self.account)
        self.assertEqual((result["report"].fetched, result["report"].moved), (0, 0))


@tagged("post_install", "-at_install", "mae_tours")
class TestMailboxNewMailUi(FetchedAWhileAgo, TourScreenshotsMixin, WebsocketCase, MailboxCase):
    """New mail shows up in the open mailbox without reload: the bus, through the
    browser's real websocket.

    ``WebsocketCase`` (Odoo's bus tests) lets the websocket connect, which Odoo refuses
    while tests run, and waits after the test until its connection is closed. One test
    in this class: no websocket of a test outlives into another test of the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account, cls.address = cls._fetched_mailbox(cls.user_b, "newmail.tour",
                                                        "Zostaję w skrzynce")

    def authenticate(self, user, password, browser=None):
        session = super().authenticate(user, password, browser=browser)
        if user and getattr(self, "logged_in", None):
            self.logged_in.set()
        return session

    def test_new_mail_appears_without_reload(self):
        """While the tour waits for the new row, a thread of the test plays the mail
        server and the cron worker: it waits until the open mailbox asked for a fetch
        (``fetch_requested_date``), puts a message on Dovecot and runs what the
        triggered cron runs. HttpCase runs no cron by itself, and its test cursor drops
        post-commit hooks, among them the bus' NOTIFY that wakes the websockets: the
        thread runs them after its work, as a real commit would. The browser gets the
        notification through its real websocket and reloads the list."""
        errors = []
        done = threading.Event()
        # The thread waits until start_tour has logged the browser in: authenticate
        # uses the test cursor without its lock, the thread only through test cursors.
        self.logged_in = threading.Event()

        def server_and_cron():
            try:
                self.logged_in.wait(30)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not done.is_set():
                    with self.registry.cursor() as cr:  # the test transaction, locked
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        account = env["mail.account"].browse(self.account.id)
                        if account.fetch_requested_date:
                            self.servers.deliver(self.address,
                                                 self._raw("Nowa wiadomość w trakcie"))
                            env.ref(CRON).method_direct_trigger()
                            cr.flush()  # pre-commit: the bus rows
                            cr.postcommit.run()  # NOTIFY imbus
                            return
                    time.sleep(0.2)
                errors.append("the mailbox never asked for a fetch")
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(repr(error))

        thread = threading.Thread(target=server_and_cron, daemon=True)
        thread.start()
        try:
            self.start_tour("/odoo", "mail_accounts_ext_mailbox_new_mail",
                            login=self.user_b.login)
        finally:
            done.set()
            thread.join(30)
        self.assertFalse(errors, errors)
        self.assertEqual(self.env["mail.account.message"].search_count(
            [("account_id", "=", self.account.id),
             ("subject", "=", "Nowa wiadomość w trakcie")]), 1)
        self.assertFalse(self.account.fetch_requested_date, "the request was answered")
