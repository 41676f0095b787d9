# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading mail as users do: folded pl/uk headers stored exactly (and repaired),
remote content blocked until allowed, invitations kept, search that finds."""

import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import MailboxCase

SUBJECT_PL = ("Zapytanie ofertowe – krzesła biurowe, dostawa do Łodzi, termin realizacji "
              "i warunki płatności „pilne”")
SUBJECT_UK = ("Запит щодо рахунку-фактури №45 від 12.11.2026 — уточнення суми та "
              "реквізитів отримувача «Ромашка»")
NAME_PL = "Małgorzata Wiśniewska-Żółkiewska z Przedsiębiorstwa Handlowego Łódź"
NAME_UK = "Олександра Григорівна Ковальчук-Шевченко з відділу закупівель"
FILE_PL = "Oferta handlowa – krzesła biurowe dla oddziału w Łodzi, wersja poprawiona.pdf"
FILE_UK = "Рахунок-фактура №45 від 12.11.2026 для ТОВ «Ромашка», остаточний.pdf"
REMOTE_BODY = """<html><head><style>body{background:url(http://tracker.example/css.gif)}</style>
<link rel="stylesheet" href="https://tracker.example/style.css"></head>
<body><table background="http://tracker.example/bg.gif"><tr>
<td style="background-image:url('http://tracker.example/td.gif')">Nowości</td></tr></table>
<img src="https://tracker.example/pixel.gif?u=42" width="1" height="1">
<img srcset="http://tracker.example/a.png 1x, http://tracker.example/b.png 2x">
<img src="cid:logo@example.com" alt="logo">
<p><a href="https://shop.example/offer">Zobacz ofertę</a></p></body></html>"""
INVITE = """BEGIN:VCALENDAR
METHOD:REQUEST
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
BEGIN:VEVENT
SUMMARY:Spotkanie w sprawie dostaw do Łodzi
DTSTART:20261203T090000Z
DTEND:20261203T103000Z
UID:mae-invite-1
LOCATION:Sala 2\\, ul. Piotrkowska 1
END:VEVENT
END:VCALENDAR
"""


def folded_message(subject, name, filename, to_name, message_id=None):
    """A long pl/uk e-mail as Python's email package writes it: headers folded
    between encoded words, in the middle of words."""
    message = EmailMessage()
    message["Message-Id"] = message_id or make_msgid(domain="example.com")
    message["From"] = Address(name, "nadawca", "example.com")
    message["To"] = [Address(to_name, "biuro", "example.com"),
                     Address(name, "kopia", "example.com")]
    message["Subject"] = subject
    message["Date"] = "Tue, 24 Nov 2026 10:00:00 +0000"
    message.set_content("Dzień dobry, w załączniku dokument.")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf",
                           filename=filename)
    raw = message.as_bytes()
    assert b"?=\n =?" in raw, "folded between encoded words"
    return raw


@tagged("post_install", "-at_install")
class TestMailboxDecoding(MailboxCase):
    """Folded Polish and Ukrainian headers through real IMAP and POP3 servers."""

    def _assert_exact(self, message, subject, name, filename, to_name):
        self.assertEqual(message.subject, subject)
        self.assertEqual(message.email_from, f"{name} <nadawca@example.com>")
        self.assertEqual(message.email_to,
                         f"{to_name} <biuro@example.com>, {name} <kopia@example.com>")
        self.assertEqual(message.attachment_ids.mapped("name"), [filename])
        self.assertEqual(message.display_name, subject)

    def test_folded_subjects_names_and_files_stored_exactly(self):
        for protocol in ("imap", "pop3"):
            account, address = self._new_mailbox(self.user_a, f"folded.{protocol}",
                                                 protocol=protocol)
            cases = [(SUBJECT_PL, NAME_PL, FILE_PL, "Dział Zamówień"),
                     (SUBJECT_UK, NAME_UK, FILE_UK, "Відділ закупівель Київ")]
            for subject, name, filename, to_name in cases:
                self.servers.deliver(address, folded_message(subject, name, filename, to_name))
            self.assertTrue(self._fetch(account)["ok"])
            messages = self.Message.with_user(self.user_a).search(
                [("account_id", "=", account.id)])
            for subject, name, filename, to_name in cases:
                with self.subTest(protocol=protocol, subject=subject):
                    message = messages.filtered(lambda m, s=subject: m.subject == s)
                    self.assertEqual(len(message), 1, messages.mapped("subject"))
                    self._assert_exact(message, subject, name, filename, to_name)
            # The words are whole: the search finds them.
            self.assertEqual(len(self.Message.with_user(self.user_a).search(
                [("account_id", "=", account.id), ("text_search", "ilike", "dostawa")])), 1)

    def _stored_the_old_way(self, message):
        """What 18.0.1.0.0 stored: a space where the mailer folded."""
        message.sudo().write({
            "subject": message.subject.replace("dostawa", "dost awa").replace(
                "рахунку", "раху нку"),
            "email_from": message.email_from.replace("Przedsiębiorstwa", "Przed siębiorstwa"),
            "refetch_pending": True,
        })
        message.attachment_ids.sudo().write({"name": "Oferta handlowa – krzes ła.pdf"})

    def test_messages_marked_for_download_are_decoded_again(self):
        for protocol in ("imap", "pop3"):
            account, address = self._new_mailbox(self.user_a, f"redecode.{protocol}",
                                                 protocol=protocol)
            self.servers.deliver(address, folded_message(SUBJECT_PL, NAME_PL, FILE_PL,
                                                         "Dział Zamówień"))
            gone_id = make_msgid(domain="example.com")
            self.servers.deliver(address, folded_message(SUBJECT_UK, NAME_UK, FILE_UK, "Київ",
                                                         message_id=gone_id))
            self._fetch(account)
            Message = self.Message.with_user(self.user_a)
            kept = Message.search([("account_id", "=", account.id),
                                   ("message_id", "!=", gone_id)])
            gone = Message.search([("message_id", "=", gone_id)])
            self._stored_the_old_way(kept)
            self._stored_the_old_way(gone)
            self.assertEqual(kept.subject.count("dost awa"), 1)
            self.assertFalse(Message.search([("account_id", "=", account.id),
                                             ("text_search", "ilike", "dostawa")]))
            # The server copy of the second one is gone meanwhile.
            self._remove_on_server(address, gone_id)
            result = self._fetch(account)
            self.assertTrue(result["ok"], result["message"])
            with self.subTest(protocol=protocol):
                self._assert_exact(kept, SUBJECT_PL, NAME_PL, FILE_PL, "Dział Zamówień")
                self.assertFalse(kept.refetch_pending)
                self.assertEqual(Message.search([("account_id", "=", account.id),
                                                 ("text_search", "ilike", "dostawa")]), kept)
                if gone.exists():  # POP3 keeps what it downloaded; IMAP mirrors the server
                    self.assertFalse(gone.refetch_pending)
                    self.assertIn("раху нку", gone.subject, "no original: left as it was")

    def _remove_on_server(self, address, message_id):
        with self.servers.imap(address) as conn:
            conn.select("INBOX")
            _typ, data = conn.search(None, "HEADER", "Message-Id", message_id.strip("<>"))
            self.assertTrue(data[0].split())
            for number in data[0].split():
                conn.store(number, "+FLAGS", "(\\Deleted)")
            conn.expunge()


@tagged("post_install", "-at_install")
class TestMailboxRemoteContent(MailboxCase):
    """Remote images and styles are not in what the browser gets until allowed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account, address = cls._new_mailbox(cls.user_a, "remote")
        message = cls._message("Nowości tygodnia", "Nowości", sender="Newsletter Sklepu "
                               "<news@shop.example>", to=address, date=None, html=REMOTE_BODY)
        message.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\n", "image", "png",
                                             cid="<logo@example.com>")
        cls.servers.deliver(address, message.as_bytes())
        cls._fetch(cls.account, check=True)
        cls.message = cls.env["mail.account.message"].search(
            [("account_id", "=", cls.account.id)])
        cls.user_b.groups_id = [(4, cls.group_other.id)]  # may read user_a's mailbox
        cls.outsider = new_test_user(cls.env, login="mae_outsider", groups="base.group_user")

    def _read(self, user):
        return self.message.with_user(user).web_read(
            {"body_view": {}, "remote_content_blocked": {}, "sender_email": {}})[0]

    def test_blocked_until_shown_or_allowed_per_user(self):
        self.assertIn("tracker.example", self.message.body_html, "the original is kept")
        data = self._read(self.user_a)
        self.assertTrue(data["remote_content_blocked"])
        self.assertNotIn("tracker.example", data["body_view"])
        self.assertIn("/web/image/", data["body_view"], "the inline image still shows")
        self.assertIn('href="https://shop.example/offer" target="_blank" '
                      'rel="noopener noreferrer"', data["body_view"])
        self.assertEqual(data["sender_email"], "news@shop.example")

        # Show: this e-mail, this time.
        shown = self.message.with_user(self.user_a).get_body_with_remote_content()
        self.assertIn("https://tracker.example/pixel.gif?u=42", shown)
        self.assertTrue(self._read(self.user_a)["remote_content_blocked"])

        # Always show for the sender: for user_a only.
        self.message.with_user(self.user_a).action_allow_remote_content()
        data = self._read(self.user_a)
        self.assertFalse(data["remote_content_blocked"])
        self.assertIn("https://tracker.example/pixel.gif?u=42", data["body_view"])
        self.assertNotIn("stylesheet", data["body_view"], "never a style sheet link")
        other = self._read(self.user_b)
        self.assertTrue(other["remote_content_blocked"])
        self.assertNotIn("tracker.example", other["body_view"])

    def test_reply_quotes_what_the_reader_sees(self):
        action = self.message.with_user(self.user_a).action_reply()
        composer = self.env[action["res_model"]].with_user(self.user_a).browse(
            action["res_id"])
        self.assertIn("Zobacz ofertę", composer.body)
        self.assertNotIn("tracker.example", composer.body)

    def test_allow_list_is_private(self):
        Sender = self.env["mail.account.remote.sender"]
        entry_a = Sender.with_user(self.user_a).create({"email": "News@Shop.Example"})
        self.assertEqual(entry_a.email, "news@shop.example")
        self.assertEqual(entry_a.user_id, self.user_a)
        self.assertFalse(Sender.with_user(self.user_b).search([]))
        with self.assertRaises(AccessError):
            entry_a.with_user(self.user_b).read(["email"])
        with self.assertRaises(AccessError):
            entry_a.with_user(self.user_b).unlink()
        with self.assertRaises(AccessError):  # an entry in someone else's list
            Sender.with_user(self.user_b).create({"email": "x@example.com",
                                                  "user_id": self.user_a.id})
        with self.assertRaises(AccessError):  # entries are never changed
            entry_a.with_user(self.user_a).write({"email": "other@example.com"})
        with self.assertRaises(AccessError):
            entry_a.with_user(self.user_a).write({"user_id": self.user_b.id})
        with self.assertRaises(UserError):
            Sender.with_user(self.user_a).create({"email": "not an address"})
        # Someone who may not read the e-mail gets neither its body nor the sender allowed.
        with self.assertRaises(AccessError):
            self.message.with_user(self.outsider).get_body_with_remote_content()
        with self.assertRaises(AccessError):
            self.message.with_user(self.outsider).action_allow_remote_content()
        entry_a.with_user(self.user_a).unlink()
        self.assertFalse(entry_a.exists())


@tagged("post_install", "-at_install")
class TestMailboxInvitation(MailboxCase):
    def test_outlook_invitation_kept_with_a_summary(self):
        account, address = self._new_mailbox(self.user_a, "invite")
        message = self._message("Zaproszenie: spotkanie", "Zapraszam na spotkanie.",
                                sender="Anna <anna@example.com>", to=address, date=None,
                                html="<p>Zapraszam na <b>spotkanie</b>.</p>")
        message.add_alternative(INVITE, subtype="calendar", params={"method": "REQUEST"})
        self.servers.deliver(address, message.as_bytes())
        self._fetch(account)
        stored = self.env["mail.account.message"].with_user(self.user_a).search(
            [("account_id", "=", account.id)])
        self.assertIn("<b>spotkanie</b>", stored.body_html)
        [ics] = stored.attachment_ids
        self.assertEqual((ics.name, ics.mimetype), ("invite.ics", "text/calendar"))
        self.assertIn(b"BEGIN:VCALENDAR", ics.raw)
        self.assertTrue(stored.has_attachments)
        self.assertEqual(stored.invitation_start, datetime.datetime(2026, 12, 3, 9, 0))
        line = stored.with_context(tz="Europe/Warsaw", lang="en_US").invitation_line
        self.assertEqual(line.replace("\u202f", " "),  # Babel's narrow no-break space
                         "Invitation: Spotkanie w sprawie dostaw do Łodzi, "
                         "12/3/26, 10:00 AM–11:30 AM, Sala 2, ul. Piotrkowska 1")
        self.assertIn(stored, stored.search([("invitation_summary", "!=", False)]))


@tagged("post_install", "-at_install")
class TestMailboxSearch(MailboxCase):
    """The default search: sender, recipients, subject, text, attachment names;
    without minding case or diacritics; in PostgreSQL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a.email = "operator.a@example.com"
        cls.account, cls.address = cls._new_mailbox(cls.user_a, "search")
        cls.account_b, _address_b = cls._new_mailbox(cls.user_b, "search.b")
        Message = cls.env["mail.account.message"].sudo()
        inbox = cls.account._root_folder()
        cls.inbox = cls.env["mail.account.folder"].sudo().create({
            "account_id": cls.account.id, "role": "inbox", "name": "Search inbox",
            "is_local": True, "parent_id": inbox.id})
        folder_b = cls.env["mail.account.folder"].sudo().create({
            "account_id": cls.account_b.id, "role": "inbox", "name": "B inbox",
            "is_local": True, "parent_id": cls.account_b._root_folder().id})

        def create(folder, **values):
            return Message.create(dict({"account_id": folder.account_id.id,
                                        "folder_id": folder.id, "is_seen": True}, **values))

        cls.quote = create(cls.inbox, subject="Quote for chairs",
                           email_from="Zbigniew Łękawski <z@meble.example>",
                           email_to=cls.address, body_html="<p>Dostawa do Łodzi jutro.</p>")
        cls.bile = create(cls.inbox, subject="Kolory", email_from="Anna <anna@example.com>",
                          email_to="Operator A <operator.a@example.com>",
                          body_html="<p>Zażółć gęślą jaźń</p>", is_seen=False)
        cls.invoice = create(cls.inbox, subject="Рахунок-фактура №45",
                             email_from="Олександра <o@example.ua>", email_to=cls.address,
                             body_html="<p>Запит щодо оплати</p>")
        cls.env["ir.attachment"].create({
            "name": "Specyfikacja_krzeseł_biurowych.pdf", "raw": b"%PDF",
            "res_model": "mail.account.message", "res_id": cls.invoice.id})
        cls.invoice.sudo().write({"has_attachments": True})
        cls.invoice._update_search_text()
        cls.sent = create(cls.inbox, subject="Re: Quote", email_from=cls.address,
                          email_to="z@meble.example", body_html="<p>Dziękuję</p>",
                          state="sent")
        cls.other = create(folder_b, subject="Łódź też tutaj", email_from="x@example.com",
                           body_html="<p>Łódź</p>")

    def _search(self, query, *domain):
        return self.env["mail.account.message"].with_user(self.user_a).search(
            [("text_search", "ilike", query), *domain])

    def test_finds_by_any_part_without_case_or_diacritics(self):
        cases = {
            "lodz": self.quote,  # body, "Łodzi"
            "ŁÓDŹ": self.quote,
            "zolc": self.bile,  # body
            "ZAŻÓŁĆ jazn": self.bile,  # two words, both needed
            "quote": self.quote | self.sent,  # subject, case
            "lekawski": self.quote,  # sender name, ł
            "meble.example": self.quote | self.sent,  # sender, recipient
            "specyfikacja_krzesel": self.invoice,  # attachment name
            "рахунок-фактура": self.invoice,
            "ЗАПИТ": self.invoice,  # Cyrillic, case
            '"dostawa do lodzi"': self.quote,  # a phrase
            "dostawa warszawa": self.env["mail.account.message"],
            "100%": self.env["mail.account.message"],  # % is not a wildcard
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                self.assertEqual(self._search(query), expected)
        # Other users' mailboxes stay out (record rules apply).
        self.assertNotIn(self.other, self._search("łódź"))
        # "not" searches work as well.
        self.assertNotIn(self.quote, self.env["mail.account.message"].with_user(
            self.user_a).search([("text_search", "not ilike", "lodz"),
                                 ("account_id", "=", self.account.id)]))

    def test_filters(self):
        Message = self.env["mail.account.message"].with_user(self.user_a)
        mine = [("account_id", "=", self.account.id)]
        self.assertEqual(Message.search(mine + [("is_from_me", "=", True)]), self.sent)
        self.assertEqual(Message.search(mine + [("is_to_me", "=", True)]),
                         self.quote | self.bile | self.invoice)
        self.assertEqual(Message.search(mine + [("is_to_me", "=", False)]), self.sent)
        self.assertEqual(Message.search(mine + [("is_seen", "=", False)]), self.bile)
        self.assertEqual(Message.search(mine + [("has_attachments", "=", True)]), self.invoice)

    def test_search_text_is_kept_current_and_indexed(self):
        self.quote.sudo().write({"subject": "Zamówienie krzeseł"})
        self.assertEqual(self._search("zamowienie"), self.quote)
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = "
            "'mail_account_message_search_text_idx'")
        [(definition,)] = self.env.cr.fetchall()
        self.assertIn("gin_trgm_ops", definition)
        # The query PostgreSQL gets is a LIKE on the indexed column, not a Python loop.
        query = self.env["mail.account.message"]._search([("text_search", "ilike", "lodz")])
        sql = query.select().code
        self.assertIn('"search_text" LIKE', sql)

    def test_search_view_default_and_filters(self):
        arch = self.env["mail.account.message"].with_user(self.user_a).get_views(
            [(False, "search")])["views"]["search"]["arch"]
        self.assertLess(arch.index('name="text_search"'), arch.index('name="email_from"'),
                        "typing searches everywhere by default")
        for name in ("unread", "from_me", "to_me", "with_attachments", "today",
                     "last_7_days", "last_30_days", "filter_date"):
            self.assertIn(f'name="{name}"', arch)

    def test_users_cannot_write_what_the_mailbox_derives(self):
        message = self.quote.with_user(self.user_a)
        for values in ({"search_text": "lodz"}, {"refetch_pending": True},
                       {"invitation_summary": "Meeting"}, {"invitation_start": False},
                       {"subject": "Changed"}, {"body_html": "<p>x</p>"}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                message.write(values)
        message.write({"is_seen": False})  # what users may change
        self.assertFalse(self.quote.is_seen)

    @mute_logger("odoo.sql_db")
    def test_unsupported_operator(self):
        with self.assertRaises(UserError):
            self.env["mail.account.message"].search([("text_search", "in", ["x"])])
