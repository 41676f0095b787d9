#!/usr/bin/env python3
"""Demo e-mails for the demo mailboxes that ``./dev/run`` serves (standard library only).

A newcomer who opens the mailbox should see living mail at once: quote requests (one
with a PDF), replies to invoices, a complaint, a newsletter with remote images, two
calendar invitations, in English, Polish and Ukrainian, with long subjects that the
sender's mailer folds and encodes (RFC 2047) as real Polish and Ukrainian mail is.

Every message is built with Python's ``email`` package. :func:`seed` appends them over
IMAP to the demo users' INBOX, once: a message is appended only when it is neither
recorded in the state file (so that e-mails deleted in Odoo do not come back at the
next start) nor already on the server (found by its Message-ID).

    python3 dev/demo_mail.py --port 10143 --user sales@demo.example.com:demo-sales
"""

import argparse
import contextlib
import datetime
import imaplib
import json
import os
import sys
import tempfile
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

DOMAIN = "demo.example.com"
SALES = f"sales@{DOMAIN}"
ADMIN = f"admin@{DOMAIN}"
MARC = f"marc.demo@{DOMAIN}"

SEEN = "\\Seen"
FLAGGED = "\\Flagged"


def _msgid(slug):
    return f"<demo-{slug}@{DOMAIN}>"


def tiny_pdf(title, lines):
    """A valid one-page PDF with ``title`` and ``lines`` (ASCII) in Helvetica."""

    def escape(text):
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 16 Tf", "56 780 Td", f"({escape(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        ops += ["0 -20 Td", f"({escape(line)}) Tj"]
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title (%s) /Producer (mail_accounts_ext demo) >>" % escape(title).encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


def invitation(uid, summary, start, minutes, organizer, attendee, location, description):
    """A ``text/calendar; method=REQUEST`` body (RFC 5545), lines folded at 75 octets."""
    stamp = "%Y%m%dT%H%M%SZ"
    end = start + datetime.timedelta(minutes=minutes)
    lines = [
        "BEGIN:VCALENDAR", "PRODID:-//mail_accounts_ext//demo//EN", "VERSION:2.0",
        "CALSCALE:GREGORIAN", "METHOD:REQUEST", "BEGIN:VEVENT",
        f"UID:{uid}", f"DTSTAMP:{start.strftime(stamp)}",
        f"DTSTART:{start.astimezone(datetime.timezone.utc).strftime(stamp)}",
        f"DTEND:{end.astimezone(datetime.timezone.utc).strftime(stamp)}",
        f"SUMMARY:{_ics_text(summary)}", f"LOCATION:{_ics_text(location)}",
        f"DESCRIPTION:{_ics_text(description)}",
        f"ORGANIZER;CN={_ics_text(organizer[0])}:mailto:{organizer[1]}",
        f"ATTENDEE;CN={_ics_text(attendee[0])};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
        f"RSVP=TRUE:mailto:{attendee[1]}",
        "SEQUENCE:0", "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_ics_fold(line) for line in lines) + "\r\n"


def _ics_text(text):
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _ics_fold(line):
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def _message(slug, sender, to, subject, text, *, date, html=None, cc=None, reply_to=None,
             in_reply_to=None, headers=(), pdf=None):
    """An e-mail; ``pdf``: (file name, title, lines) of a one-page PDF attached."""
    message = EmailMessage(policy=SMTP)
    message["Message-ID"] = _msgid(slug)
    message["Date"] = format_datetime(date)
    message["From"] = formataddr(sender)
    message["To"] = ", ".join(formataddr(address) for address in to)
    if cc:
        message["Cc"] = ", ".join(formataddr(address) for address in cc)
    if reply_to:
        message["Reply-To"] = formataddr(reply_to)
    message["Subject"] = subject
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in headers:
        message[name] = value
    message["MIME-Version"] = "1.0"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    if pdf:
        filename, title, lines = pdf
        message.add_attachment(tiny_pdf(title, lines), maintype="application", subtype="pdf",
                               filename=filename)
    return message


def as_bytes(message):
    """The message as sent: CRLF lines; the subject folded as mailers do.

    ``email``'s modern folder drops the space between two encoded words it splits a
    subject into (decoded: "działusprzedaży"), and folds a long ASCII subject right
    after "Subject:"; the subject is therefore encoded with
    ``email.header.Header``, which, like most mailers, cuts one run of encoded words
    wherever the line is full, in the middle of a word if need be.
    """
    raw = message.as_bytes()
    subject = str(message["Subject"] or "")
    charset = "us-ascii" if subject.isascii() else "utf-8"
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines, out, skipping = head.split(b"\r\n"), [], False
    for line in lines:
        if line.lower().startswith(b"subject:"):
            encoded = Header(subject, charset, header_name="Subject").encode(linesep="\r\n")
            out.append(b"Subject: " + encoded.encode("ascii"))
            skipping = True
        elif skipping and line[:1] in (b" ", b"\t"):
            continue
        else:
            skipping = False
            out.append(line)
    return b"\r\n".join(out) + sep + body


#: Plain-text demo e-mails: (mailbox, IMAP flags, Message-ID slug, sender, subject,
#: text, hours ago). Marc Demo has no account in the demo data: add one to read his.
PLAIN_MAIL = (
    (
        ADMIN, (), "nagaduvannia-koshtorys",
        ("Ірина Бондаренко", f"iryna.bondarenko@{DOMAIN}"),
        "Нагадування: до п’ятниці потрібно погодити кошторис на модернізацію складу "
        "та графік робіт підрядника",
        "Добрий день!\n\nНагадую, що до п’ятниці нам потрібно погодити кошторис на\n"
        "модернізацію складу (стелажі, освітлення, система обліку) і графік робіт\n"
        "підрядника. Чернетку кошторису я залишила у спільній папці.\n\n"
        "Дякую!\nІрина\n",
        50,
    ),
    (
        ADMIN, (SEEN,), "rezerwacja-sali",
        ("Hotel Wawel – dział konferencji", "konferencje@hotel-wawel.example.pl"),
        "Potwierdzenie rezerwacji sali konferencyjnej na szkolenie działu sprzedaży",
        "Szanowny Panie,\n\npotwierdzamy rezerwację sali konferencyjnej „Kraków” dla\n"
        "25 osób wraz z przerwą kawową i obiadem. Zaliczkę w wysokości 30% prosimy\n"
        "wpłacić w ciągu 7 dni.\n\nZ wyrazami szacunku\nDział konferencji, Hotel Wawel\n",
        96,
    ),
    (
        ADMIN, (SEEN,), "order-shipped",
        ("Paper & Ink Supplies", "orders@paperink.example.com"),
        "Your order #48213 has shipped",
        "Hello Mitchell,\n\nGood news: your order #48213 (10 boxes of A4 paper,\n"
        "6 toner cartridges) left our warehouse today. Tracking number: 1Z 999 AA1 01\n"
        "2345 6784.\n\nThank you for your order!\nPaper & Ink Supplies\n",
        120,
    ),
    (
        MARC, (), "lunch-thursday",
        ("Anna Kowalczyk", f"anna.kowalczyk@{DOMAIN}"),
        "Lunch on Thursday?",
        "Hi Marc,\n\nshall we have lunch on Thursday to go through the trade fair plan?\n\n"
        "Anna\n",
        5,
    ),
    (
        MARC, (), "dokumenty-podpis",
        ("Biuro rachunkowe Żak", "biuro@rachunkowe-zak.example.pl"),
        "Dokumenty do podpisu: deklaracje i zestawienie kosztów za ubiegły miesiąc",
        "Dzień dobry,\n\nw załączeniu przesyłamy dokumenty do podpisu. Prosimy o odesłanie\n"
        "skanów do końca tygodnia.\n\nPozdrawiamy\nBiuro rachunkowe Żak\n",
        28,
    ),
)


def build_messages(now=None):
    """The demo e-mails: ``[(login, flags, date, EmailMessage)]``, oldest first."""
    now = (now or datetime.datetime.now(datetime.timezone.utc)).replace(microsecond=0)

    def ago(hours):
        return (now - datetime.timedelta(hours=hours)).astimezone(
            datetime.timezone(datetime.timedelta(hours=1)))

    sales = ("YourCompany Sales", SALES)
    admin = ("Mitchell Admin", ADMIN)
    marc = ("Marc Demo", MARC)
    out = []

    # -- Sales (shared company account) ---------------------------------------------
    olivia = ("Olivia Bennett", "olivia.bennett@brightdesk.example")
    out.append((SALES, (), _message(
        "rfq-brightdesk", olivia, [sales],
        "Request for quotation: 40 ergonomic office chairs and 12 standing desks",
        "Hello,\n\n"
        "We are furnishing our new office in Leeds and would like a quotation for the items\n"
        "in the attached specification (RFQ-2026-014): 40 ergonomic office chairs and 12\n"
        "electric standing desks, delivered and assembled by the end of next month.\n\n"
        "Could you include delivery costs, the warranty period and your payment terms?\n"
        "A quotation by Friday would be much appreciated.\n\n"
        "Kind regards,\nOlivia Bennett\nOffice Manager, BrightDesk Ltd\n+44 113 496 0321\n",
        date=ago(3),
        pdf=("RFQ-2026-014.pdf", "Request for quotation RFQ-2026-014", [
            "Customer: BrightDesk Ltd, 14 Wellington Street, Leeds",
            "Item 1: ergonomic office chair, black mesh, adjustable arms - qty 40",
            "Item 2: electric standing desk 160 x 80 cm, oak top - qty 12",
            "Delivery and assembly: Leeds office, 3rd floor",
            "Requested delivery: end of next month",
        ]),
    )))

    kasia = ("Katarzyna Wiśniewska", "k.wisniewska@meble-wisniewski.example.pl")
    out.append((SALES, (), _message(
        "zapytanie-krakow", kasia, [sales],
        "Zapytanie ofertowe: dostawa i montaż 120 krzeseł biurowych oraz 30 biurek "
        "z regulacją wysokości do nowej siedziby w Krakowie",
        "Dzień dobry,\n\n"
        "w związku z przeprowadzką do nowej siedziby przy ul. Józefińskiej w Krakowie\n"
        "prosimy o przygotowanie oferty na dostawę i montaż 120 krzeseł biurowych\n"
        "(siatkowe oparcie, regulowane podłokietniki) oraz 30 biurek z elektryczną\n"
        "regulacją wysokości. Szczegóły znajdą Państwo w załączonym zapytaniu.\n\n"
        "Prosimy o podanie ceny netto za sztukę, kosztu transportu, terminu realizacji\n"
        "oraz warunków gwarancji. Ofertę prosimy przesłać do środy.\n\n"
        "Z poważaniem\nKatarzyna Wiśniewska\nDział zakupów, Meble Wiśniewski sp. z o.o.\n"
        "tel. +48 12 345 67 89\n",
        date=ago(6),
        pdf=("zapytanie-ofertowe-ZO-2026-031.pdf", "Zapytanie ofertowe ZO/2026/031", [
            "Zamawiajacy: Meble Wisniewski sp. z o.o., Krakow",
            "Poz. 1: krzeslo biurowe, oparcie siatkowe - 120 szt.",
            "Poz. 2: biurko z elektryczna regulacja wysokosci 160 x 80 cm - 30 szt.",
            "Dostawa i montaz: ul. Jozefinska, Krakow",
        ]),
    )))

    kovalenko = ("Олександр Коваленко", "o.kovalenko@agro-svit.example.ua")
    invoice_uk = "<invoice-INV-2026-00012.demo@yourcompany.example.com>"
    out.append((SALES, (), _message(
        "re-invoice-agrosvit", kovalenko, [sales],
        "Re: Рахунок INV/2026/00012 від YourCompany — уточнення реквізитів та графіка "
        "оплати за договором поставки № 47/2026",
        "Доброго дня!\n\n"
        "Дякуємо за надісланий рахунок. Перш ніж провести оплату, просимо уточнити\n"
        "банківські реквізити: у рахунку вказано інший IBAN, ніж у договорі поставки\n"
        "№ 47/2026. Також просимо погодити оплату двома частинами: 50 % до 15 числа\n"
        "та 50 % після отримання товару.\n\n"
        "З повагою,\nОлександр Коваленко\nголовний бухгалтер ТОВ «Агро-Світ»\n\n"
        "> Шановні партнери, надсилаємо рахунок INV/2026/00012 на суму 48 250,00 грн.\n"
        "> Термін оплати — 14 днів.\n",
        date=ago(20), in_reply_to=invoice_uk,
    )))

    mark = ("Mark Davies", "accounts@harbourfoods.example.co.uk")
    out.append((SALES, (SEEN,), _message(
        "re-invoice-harbour", mark, [sales],
        "Re: Invoice INV/2026/00007 - remittance advice",
        "Hi,\n\n"
        "Please find below the remittance advice for your invoice INV/2026/00007.\n"
        "The payment of GBP 3,480.00 was sent by BACS this morning and should reach\n"
        "your account within two working days.\n\n"
        "Best regards,\nMark Davies\nAccounts Payable, Harbour Foods plc\n\n"
        "On Monday, YourCompany wrote:\n"
        "> Dear Mark, please find attached our invoice INV/2026/00007.\n"
        "> Kind regards, YourCompany Sales\n",
        date=ago(30),
        in_reply_to="<invoice-INV-2026-00007.demo@yourcompany.example.com>",
    )))

    tomasz = ("Tomasz Nowak-Zieliński", "tomasz.nz@hurtownia-zielinski.example.pl")
    out.append((SALES, (FLAGGED,), _message(
        "reklamacja-opakowanie", tomasz, [sales],
        "Reklamacja: uszkodzone opakowania w dostawie z 12 marca – prośba o wymianę "
        "towaru i korektę faktury",
        "Dzień dobry,\n\n"
        "w dostawie z 12 marca (WZ/2026/0312) trzy kartony z segregatorami dotarły\n"
        "zgniecione, a część towaru jest porysowana. W załączeniu przesyłamy protokół\n"
        "szkody podpisany przez kierowcę.\n\n"
        "Prosimy o wymianę uszkodzonego towaru albo wystawienie faktury korygującej.\n\n"
        "Pozdrawiam serdecznie\nTomasz Nowak-Zieliński\nHurtownia Zieliński, Łódź\n",
        date=ago(44), cc=[("Dział reklamacji", "reklamacje@hurtownia-zielinski.example.pl")],
    )))

    shevchuk = ("Марія Шевчук", "m.shevchuk@osvita-lviv.example.ua")
    out.append((SALES, (), _message(
        "spivpratsia-lviv", shevchuk, [sales],
        "Запит щодо співпраці: постачання канцелярських товарів для мережі шкіл "
        "Львівської області на новий навчальний рік",
        "Доброго дня!\n\nМене звати Марія Шевчук, я представляю управління освіти.\n"
        "Ми шукаємо постачальника канцелярських товарів для 24 шкіл на новий\n"
        "навчальний рік. Чи могли б ви надіслати ваш каталог і прайс-лист?\n\n"
        "З повагою,\nМарія Шевчук\n",
        html="<p>Доброго дня!</p>"
        "<p>Мене звати <b>Марія Шевчук</b>, я представляю управління освіти.</p>"
        "<p>Ми шукаємо постачальника канцелярських товарів для <b>24 шкіл</b> на новий "
        "навчальний рік. Чи могли б ви надіслати ваш каталог і прайс-лист?</p>"
        "<p>З повагою,<br/>Марія Шевчук</p>",
        date=ago(70),
    )))

    # -- Mitchell Admin (personal account) --------------------------------------------
    news = ("Office Pro Weekly", "newsletter@news.officepro.example")
    banner = "https://news.officepro.example/img/2026/spring-banner.jpg"
    pixel = "https://news.officepro.example/open/7f3a9c.gif"
    out.append((ADMIN, (), _message(
        "newsletter-officepro", news, [admin],
        "This week: 5 ways to tidy your inbox before the quarter closes",
        "Office Pro Weekly\n\n1. Archive what you have answered.\n"
        "2. Link e-mails to the documents they belong to.\n"
        "3. Unsubscribe from what you never read.\n"
        "4. Use shared accounts for shared work.\n5. Reply from the right address.\n\n"
        "Read online: https://news.officepro.example/weekly/2026-14\n"
        "Unsubscribe: https://news.officepro.example/unsubscribe?u=7f3a9c\n",
        html=f"""<html><body style="font-family: Arial, sans-serif">
<p><img src="{banner}" width="600" height="200" alt="Office Pro Weekly"></p>
<h1 style="color:#1a5276">5 ways to tidy your inbox before the quarter closes</h1>
<ol><li>Archive what you have answered.</li>
<li>Link e-mails to the documents they belong to.</li>
<li>Unsubscribe from what you never read.</li>
<li>Use shared accounts for shared work.</li>
<li>Reply from the right address.</li></ol>
<p><a href="https://news.officepro.example/weekly/2026-14">Read online</a> |
<a href="https://news.officepro.example/unsubscribe?u=7f3a9c">Unsubscribe</a></p>
<img src="{pixel}" width="1" height="1" alt="">
</body></html>""",
        date=ago(9),
        headers=(("List-Id", "Office Pro Weekly <weekly.news.officepro.example>"),
                 ("List-Unsubscribe", "<https://news.officepro.example/unsubscribe?u=7f3a9c>"),
                 ("Precedence", "bulk")),
    )))

    sarah = ("Sarah Collins", "sarah.collins@northwind-partners.example.com")
    start = (now + datetime.timedelta(days=2)).replace(hour=13, minute=0, second=0)
    invite = _message(
        "invite-qbr", sarah, [admin],
        "Invitation: Quarterly business review @ " + start.strftime("%a %d %b %Y")
        + " 14:00 - 15:00 (CET)",
        "You have been invited to: Quarterly business review\n"
        f"When: {start.strftime('%A %d %B %Y')}, 14:00 - 15:00 (CET)\n"
        "Where: Video call (link in the invitation)\n\n"
        "Agenda: sales figures, open invoices, next quarter's plan.\n",
        html="<p>You have been invited to: <b>Quarterly business review</b></p>"
        f"<p>When: {start.strftime('%A %d %B %Y')}, 14:00 - 15:00 (CET)<br/>"
        "Where: Video call</p><p>Agenda: sales figures, open invoices, "
        "next quarter's plan.</p>",
        date=ago(12),
    )
    calendar = invitation(
        f"demo-qbr-{DOMAIN}", "Quarterly business review", start, 60, sarah, admin,
        "Video call", "Agenda: sales figures, open invoices, next quarter's plan.")
    invite.add_alternative(calendar, subtype="calendar", params={"method": "REQUEST"})
    invite.add_attachment(calendar.encode("utf-8"), maintype="application", subtype="ics",
                          filename="invite.ics")
    out.append((ADMIN, (), invite))

    piotr = ("Piotr Kamiński", "piotr.kaminski@wdrozenia-kaminski.example.pl")
    start_pl = (now + datetime.timedelta(days=3)).replace(hour=9, minute=0, second=0)
    zaproszenie = _message(
        "zaproszenie-przeglad", piotr, [admin],
        "Zaproszenie: Przegląd postępów wdrożenia systemu – "
        + start_pl.strftime("%d.%m.%Y") + " 10:00–11:00 (czas środkowoeuropejski)",
        "Zapraszam na spotkanie: przegląd postępów wdrożenia systemu.\n"
        f"Kiedy: {start_pl.strftime('%d.%m.%Y')}, 10:00–11:00\n"
        "Gdzie: sala konferencyjna „Wisła”, II piętro\n\n"
        "Proszę o potwierdzenie obecności.\nPiotr Kamiński\n",
        date=ago(26),
    )
    calendar_pl = invitation(
        f"demo-przeglad-{DOMAIN}", "Przegląd postępów wdrożenia systemu", start_pl, 60,
        piotr, admin, "Sala konferencyjna „Wisła”, II piętro",
        "Omówienie postępów, ryzyk i harmonogramu kolejnego etapu.")
    zaproszenie.add_alternative(calendar_pl, subtype="calendar", params={"method": "REQUEST"})
    out.append((ADMIN, (SEEN,), zaproszenie))

    recipients = {SALES: sales, ADMIN: admin, MARC: marc}
    for mailbox, flags, slug, sender, subject, text, hours in PLAIN_MAIL:
        message = _message(slug, sender, [recipients[mailbox]], subject, text, date=ago(hours))
        out.append((mailbox, flags, message))
    out.sort(key=lambda item: item[2]["Date"].datetime)
    return [(login, flags, message["Date"].datetime, message) for login, flags, message in out]


# ---------------------------------------------------------------------------
# Seeding over IMAP
# ---------------------------------------------------------------------------


def _load_state(path):
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
        return {login: set(ids) for login, ids in state.get("seeded", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _save_state(path, seeded):
    data = {"seeded": {login: sorted(ids) for login, ids in seeded.items()}}
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".demo-mail-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    os.replace(tmp, path)


def _login(conn, login, password):
    conn.authenticate("PLAIN", lambda _challenge: f"\0{login}\0{password}".encode())


def _on_server(conn, message_id):
    typ, data = conn.search(None, "HEADER", "Message-ID", f'"{message_id}"')
    return typ == "OK" and bool(data and data[0].split())


def seed(host, port, users, state_file, *, now=None, timeout=15):
    """Append the demo e-mails of ``users`` (``{login: password}``) to their INBOX once.

    Returns ``(added, kept)``: appended now, and already seeded (on the server or
    recorded in ``state_file`` by an earlier run).
    """
    seeded = _load_state(state_file)
    added = kept = 0
    by_login = {}
    for login, flags, date, message in build_messages(now):
        if login in users:
            by_login.setdefault(login, []).append((flags, date, message))
    for login, messages in by_login.items():
        done = seeded.setdefault(login, set())
        conn = imaplib.IMAP4(host, port, timeout=timeout)
        try:
            _login(conn, login, users[login])
            conn.select("INBOX")
            for flags, date, message in messages:
                message_id = message["Message-ID"]
                if message_id in done or _on_server(conn, message_id):
                    done.add(message_id)
                    kept += 1
                    continue
                flag_list = "(" + " ".join(flags) + ")" if flags else None
                typ, data = conn.append("INBOX", flag_list, imaplib.Time2Internaldate(date),
                                        as_bytes(message))
                if typ != "OK":
                    raise imaplib.IMAP4.error(f"APPEND for {login} failed: {data!r}")
                done.add(message_id)
                added += 1
        finally:
            with contextlib.suppress(Exception):
                conn.logout()
            _save_state(state_file, seeded)
    return added, kept


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=10143)
    parser.add_argument("--user", action="append", default=[], metavar="LOGIN:PASSWORD")
    parser.add_argument("--state-file", help="default: a temporary file (no memory)")
    parser.add_argument("--eml-dir", help="only write the messages as .eml files here")
    args = parser.parse_args(argv)
    if args.eml_dir:
        os.makedirs(args.eml_dir, exist_ok=True)
        for index, (login, _flags, _date, message) in enumerate(build_messages(), 1):
            name = f"{index:02d}-{login.split('@')[0]}.eml"
            with open(os.path.join(args.eml_dir, name), "wb") as handle:
                handle.write(as_bytes(message))
        return 0
    users = dict(user.split(":", 1) for user in args.user)
    state = args.state_file or os.path.join(tempfile.mkdtemp(), "seeded.json")
    added, kept = seed(args.host, args.port, users, state)
    print(f"{added} e-mails added, {kept} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
