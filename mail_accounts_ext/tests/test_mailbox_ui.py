# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import http.server
import threading
from email.message import EmailMessage
from email.utils import make_msgid

from odoo.tests import HttpCase, tagged

from .common import MailboxCase
from .test_mailbox_reading import folded_message
from .test_tours import TestTours
from .tour_screenshots import TourScreenshotsMixin

SUBJECT_PL = "Zapytanie ofertowe – krzesła biurowe, dostawa do Łodzi, termin realizacji"


def polish_offer_mailbox(case, prefix):
    """A new mailbox of ``case.user_a`` with the Polish offer (a PDF, its headers folded
    between encoded words) waiting on the server; (account, address)."""
    account, address = case._new_mailbox(case.user_a, prefix)
    case.servers.deliver(address, folded_message(
        SUBJECT_PL, "Małgorzata Wiśniewska-Żółkiewska", "Oferta – krzesła.pdf",
        "Dział Zamówień"))
    return account, address
# A 1x1 transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@tagged("post_install", "-at_install", "mae_tours")
class TestMailboxUi(TourScreenshotsMixin, HttpCase, MailboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account, address = polish_offer_mailbox(cls, "tour")
        cls.servers.deliver(address, cls._raw("Tour message", body="Read me in the browser"))
        cls._fetch(cls.account, check=True)
        # Arrives after the last fetch: the tour's Fetch now brings it.
        cls.servers.deliver(address, cls._raw("Late message", body="Arrived later"))
        Message = cls.env["mail.account.message"]
        cls.message = Message.search([("account_id", "=", cls.account.id),
                                      ("subject", "=", "Tour message")])
        cls.polish = Message.search([("account_id", "=", cls.account.id),
                                     ("subject", "=", SUBJECT_PL)])
        # The Polish offer mentions "żółć" in its body for the search.
        cls.polish.sudo().write({"body_html": "<p>Dzień dobry, dostawa do Łodzi; żółć.</p>"})

    def test_mailbox_tour(self):
        self.assertFalse(self.message.is_seen)
        self.start_tour("/odoo", "mail_accounts_ext_mailbox_tour", login=self.user_a.login)
        self.assertTrue(self.message.is_seen, "opening the e-mail marked it read")
        self.assertTrue(self.message.exists(), "deleting for good was not offered")
        self.assertEqual(self.message.folder_id.role, "trash", "Delete moved it to Deleted Items")
        self.assertTrue(self.polish.is_seen, "marked read from the list")
        self.assertEqual(self.polish.folder_id.role, "inbox", "Undo put it back")

    def test_mailbox_in_polish_and_ukrainian(self):
        """The mailbox renders in Polish and Ukrainian (README screenshots of both)."""
        for code in ("pl_PL", "uk_UA"):
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "mail_accounts_ext"], ["pl_PL", "uk_UA"])
        for code in ("pl_PL", "uk_UA"):
            self.user_a.lang = code
            self.polish.sudo().write({"is_seen": False})
            self.start_tour("/odoo", "mail_accounts_ext_mailbox_language",
                            login=self.user_a.login)

    def test_opening_as_reader_changes_nothing(self):
        self.user_b.groups_id = [(4, self.group_other.id)]
        self.assertFalse(self.message.with_user(self.user_b).mark_as_opened())
        self.assertFalse(self.message.is_seen)
        self.assertTrue(self.message.with_user(self.user_a).mark_as_opened())
        self.assertTrue(self.message.is_seen)


class _RemoteServer(http.server.ThreadingHTTPServer):
    """The "remote host" of a newsletter: records every request path, in order."""

    daemon_threads = True

    def __init__(self):
        self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(handler):  # noqa: N805
                self.hits.append(handler.path)
                handler.send_response(200)
                handler.send_header("Content-Type", "image/gif")
                handler.send_header("Cache-Control", "no-store")
                handler.send_header("Access-Control-Allow-Origin", "*")
                handler.end_headers()
                handler.wfile.write(PIXEL)

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


@tagged("post_install", "-at_install", "mae_tours")
class TestRemoteContentUi(TourScreenshotsMixin, HttpCase, MailboxCase):
    """No request leaves for the remote host until the reader allows it: the
    newsletter's images point at a local HTTP server that counts the requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.remote = _RemoteServer()
        thread = threading.Thread(target=cls.remote.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(cls.remote.server_close)
        cls.addClassCleanup(cls.remote.shutdown)
        cls.account, address = cls._new_mailbox(cls.user_a, "remote.tour")
        url = cls.remote.url
        message = EmailMessage()
        message["Message-Id"] = make_msgid(domain="example.com")
        message["From"] = "Newsletter Sklepu <news@shop.example>"
        message["To"] = address
        message["Subject"] = "Nowości tygodnia"
        message.set_content("Nowości")
        message.add_alternative(f"""<html><head>
<style>body {{ background: url({url}/style-bg.gif) }}</style>
<link rel="stylesheet" href="{url}/style.css"></head>
<body background="{url}/body-bg.gif">
<table background="{url}/table-bg.gif"><tr><td style="background-image: url('{url}/td-bg.gif')">
Nowości tygodnia w sklepie</td></tr></table>
<p><img src="{url}/pixel.gif?u=42" width="20" height="20" alt="pixel">
<img srcset="{url}/srcset-1x.gif 1x, {url}/srcset-2x.gif 2x" alt="srcset">
<img src="cid:logo@shop.example" alt="logo"></p>
<p><a href="https://shop.example/offer">Zobacz ofertę</a></p></body></html>""", subtype="html")
        message.get_payload()[1].add_related(PIXEL, "image", "gif", cid="<logo@shop.example>")
        cls.servers.deliver(address, message.as_bytes())
        cls._fetch(cls.account, check=True)

    def test_no_request_before_show(self):
        TestTours._start_tour_with(self, "/odoo", "mail_accounts_ext_remote_content",
                                   {"remote": self.remote.url}, login=self.user_a.login)
        hits = list(self.remote.hits)
        self.assertIn("/marker-before-show", hits, hits)
        before = hits[:hits.index("/marker-before-show")]
        self.assertEqual(before, [], "nothing was requested before Show")
        after = hits[hits.index("/marker-before-show") + 1:]
        self.assertIn("/pixel.gif?u=42", after, "Show loads the remote images")
        self.assertEqual(self.env["mail.account.remote.sender"].search(
            [("user_id", "=", self.user_a.id)]).mapped("email"), ["news@shop.example"])
