"""Message parsing: what the mailbox stores from raw mail, including broken mail."""

import datetime
import email.headerregistry
import email.policy
from email.message import EmailMessage

import pytest

from mail_accounts_ext.tools.parse import (
    address_list,
    normalize_message_id,
    parse_date,
    parse_message,
    synthetic_message_id,
)


def _crlf(text):
    return text.replace("\n", "\r\n").encode("utf-8")


SIMPLE = _crlf("""\
Message-Id: <abc@example.com>
From: =?utf-8?q?Zo=C5=9Bka?= <zoska@example.com>
To: Anna <anna@example.com>, bert@example.com
Cc: carl@example.com
Reply-To: replies@example.com
Subject: =?utf-8?q?Za=C5=BC=C3=B3=C5=82=C4=87?= invoice
Date: Tue, 24 Nov 2026 10:00:00 +0100
In-Reply-To: <parent@example.com>
References: <root@example.com>
 <parent@example.com>

Hello,
<b>not html</b>
""")


def test_simple_text_message():
    parsed = parse_message(SIMPLE)
    assert parsed.message_id == "<abc@example.com>"
    assert not parsed.synthetic_id
    assert parsed.email_from == "Zośka <zoska@example.com>"
    assert parsed.email_to == "Anna <anna@example.com>, bert@example.com"
    assert parsed.email_cc == "carl@example.com"
    assert parsed.reply_to == "replies@example.com"
    assert parsed.subject == "Zażółć invoice"
    assert parsed.date == datetime.datetime(2026, 11, 24, 9, 0, 0)
    assert parsed.in_reply_to == "<parent@example.com>"
    assert parsed.references == "<root@example.com> <parent@example.com>"
    assert parsed.referenced_ids() == ["<root@example.com>", "<parent@example.com>"]
    assert not parsed.body_is_html
    assert "<b>not html</b>" in parsed.body
    assert parsed.attachments == []
    assert parsed.size == len(SIMPLE)


def _multipart():
    message = EmailMessage()
    message["Message-Id"] = "<multi@example.com>"
    message["From"] = "a@example.com"
    message["To"] = "b@example.com"
    message["Subject"] = "with parts"
    message.set_content("plain version")
    message.add_alternative("<p>html <img src='cid:logo1'></p>", subtype="html")
    message.get_payload()[1].add_related(b"\x89PNG...", "image", "png", cid="<logo1>")
    message.add_attachment(b"%PDF-1.4 data", maintype="application", subtype="pdf",
                           filename="Faktura 1/2026.pdf")
    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content("inner body")
    message.add_attachment(inner)
    return message.as_bytes()


def test_multipart_prefers_html_and_collects_attachments():
    parsed = parse_message(_multipart())
    assert parsed.body_is_html
    assert "html" in parsed.body and "plain version" not in parsed.body
    names = [(a.filename, a.mimetype) for a in parsed.attachments]
    assert ("Faktura 1/2026.pdf", "application/pdf") in names
    assert ("message.eml", "message/rfc822") in names
    image = next(a for a in parsed.attachments if a.mimetype == "image/png")
    assert image.content_id == "logo1" and image.inline
    pdf = next(a for a in parsed.attachments if a.mimetype == "application/pdf")
    assert pdf.content == b"%PDF-1.4 data" and not pdf.inline
    eml = next(a for a in parsed.attachments if a.mimetype == "message/rfc822")
    assert b"inner body" in eml.content and "inner body" not in parsed.body


def test_alternative_without_html_uses_text():
    raw = _crlf("""\
Message-Id: <alt@example.com>
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

only text
--b
Content-Type: text/enriched

<bold>x</bold>
--b--
""")
    parsed = parse_message(raw)
    assert parsed.body == "only text" and not parsed.body_is_html


@pytest.mark.parametrize("raw, subject, body", [
    # Unknown charset: the text is still shown (UTF-8 with replacement characters).
    (b"Subject: x\r\nContent-Type: text/plain; charset=no-such-charset\r\n\r\nZa\xc5\xbc\r\n",
     "x", "Za\u017c\r\n"),
    # Latin-2 declared and used.
    (b"Subject: pl\r\nContent-Type: text/plain; charset=iso-8859-2\r\n\r\nZa\xbf\r\n",
     "pl", "Za\u017c\r\n"),
    # Undeclared 8-bit in a header and a body.
    (b"Subject: Caf\xe9\r\n\r\nna\xefve\r\n", "Caf\ufffd", "na\ufffdve\r\n"),
    # A broken encoded word.
    (b"Subject: =?utf-8?b?!!!notbase64?=\r\n\r\nbody\r\n", None, "body\r\n"),
])
def test_broken_charsets_never_raise(raw, subject, body):
    parsed = parse_message(raw)
    if subject is not None:
        assert parsed.subject == subject
    assert parsed.body.replace("\r\n", "\n") == body.replace("\r\n", "\n")
    assert parsed.message_id.endswith("@mail-accounts-ext.invalid>")


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\x01\x02 garbage without headers",
    b"From: <<<@>>>\r\nTo: ,,,@@@\r\nDate: yesterday-ish\r\n\r\nx",
    b"Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n--never-closed\r\n"
    b"Content-Type: text/plain\r\n\r\ntruncated",
    b"Content-Type: multipart/mixed\r\n\r\nno boundary at all",
    b"Content-Transfer-Encoding: base64\r\nContent-Type: text/plain\r\n\r\n%%%not base64%%%",
    b"To: " + b"a" * 5000 + b"@example.com\r\nSubject: " + b"=?utf-8?q?x?= " * 500 + b"\r\n\r\n",
])
def test_garbage_is_stored_not_raised(raw):
    parsed = parse_message(raw)
    assert parsed.message_id.startswith("<") and parsed.message_id.endswith(">")
    assert parsed.size == len(raw)
    assert parsed.date is None or isinstance(parsed.date, datetime.datetime)


def test_synthetic_message_id_is_stable():
    raw = b"Subject: no id\r\n\r\nx\r\n"
    assert parse_message(raw).message_id == parse_message(raw).message_id
    assert parse_message(raw).message_id == synthetic_message_id(raw)
    assert parse_message(raw + b"y").message_id != synthetic_message_id(raw)
    assert parse_message(raw).synthetic_id


@pytest.mark.parametrize("value, expected", [
    ("<a@b>", "<a@b>"),
    ("  <a@b>  (comment)", "<a@b>"),
    ("a@b", "<a@b>"),
    ("", ""),
    ("<a@b> <c@d>", "<a@b>"),
], ids=["bracketed", "spaces-and-comment", "bare", "empty", "first-of-two"])
def test_normalize_message_id(value, expected):
    assert normalize_message_id(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("Tue, 24 Nov 2026 10:00:00 +0100", datetime.datetime(2026, 11, 24, 9, 0)),
    ("24 Nov 2026 10:00:00 -0000", datetime.datetime(2026, 11, 24, 10, 0)),
    ("Tue, 24 Nov 2026 10:00:00", datetime.datetime(2026, 11, 24, 10, 0)),
    ("not a date", None),
    ("", None),
    ("Tue, 32 Nov 2026 10:00:00 +0000", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_address_list():
    assert address_list('"Doe, John" <John@Example.com>, x@y.pl, broken') == [
        "john@example.com", "x@y.pl"]
    assert address_list("") == []


def test_raw_utf8_headers_and_encoded_filenames():
    raw = (
        b"Subject: Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 faktur\xc4\x99\r\n"
        b"From: =?utf-8?q?Kowalski=2C_Jan?= <jan@example.com>\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Faktura%20%C5%BC.pdf\r\n\r\nx\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=\"=?UTF-8?B?xbzDs8WCdy5wZGY=?=\"\r\n\r\ny\r\n"
        b"--b--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Zażółć fakturę"
    assert parsed.email_from == '"Kowalski, Jan" <jan@example.com>'
    assert address_list(parsed.email_from) == ["jan@example.com"]
    assert [a.filename for a in parsed.attachments] == ["Faktura ż.pdf", "żółw.pdf"]


def test_nul_characters_and_huge_message_ids_are_storable():
    raw = (b"Message-Id: <" + b"x" * 5000 + b"@example.com>\r\nSubject: a\x00b\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nbo\x00dy\r\n")
    parsed = parse_message(raw)
    assert parsed.subject == "ab"
    assert parsed.body.strip() == "body"
    assert parsed.synthetic_id and len(parsed.message_id) < 100
    assert "Message-Id too long" in parsed.problems


# --------------------------------------------------------------------------- folded headers
# Real Polish and Ukrainian mail is long: mailers fold the encoded subject, names and
# attachment names over several lines, often in the middle of a word. What is stored
# must be exactly the text that was written, whatever the mailer and the charset.

import base64  # noqa: E402
import quopri  # noqa: E402
from email.header import Header  # noqa: E402

PL = ("Zapytanie ofertowe - krzesła biurowe, dostawa do Łodzi, termin realizacji "
      "i warunki płatności (pilne)")
UK = ("Запит щодо рахунку-фактури 45 від 12.11.2026: уточнення суми та реквізитів "
      "отримувача")
PL_UTF8 = ("Zapytanie ofertowe – krzesła biurowe, dostawa do Łodzi, termin realizacji "
           "i warunki płatności „pilne”")
UK_UTF8 = ("Запит щодо рахунку-фактури №45 від 12.11.2026 — уточнення суми та "
           "реквізитів отримувача «Ромашка»")
NAMES = {
    "pl": ("Małgorzata Wiśniewska-Żółkiewska", "Dział Zamówień Publicznych Łódź"),
    "uk": ("Олександра Григорівна Ковальчук-Шевченко", "Відділ закупівель Київ"),
}
FILENAMES = {
    "pl": "Oferta handlowa - krzesła biurowe dla oddziału w Łodzi, wersja poprawiona.pdf",
    "uk": "Рахунок-фактура 45 від 12.11.2026 для ТОВ Ромашка, остаточний.pdf",
}


def _words(text, charset, encoding, max_bytes, split_characters=False):
    """Encoded words of ``text``, each holding at most ``max_bytes`` bytes.

    Like Thunderbird, words end on character boundaries; with ``split_characters``
    the bytes are cut anywhere (a multi-byte character spread over two words), as
    some Exchange servers do.
    """
    chunks, current = [], b""
    for character in text:
        data = character.encode(charset)
        if split_characters:
            for byte in data:
                if len(current) >= max_bytes:
                    chunks.append(current)
                    current = b""
                current += bytes([byte])
            continue
        if current and len(current) + len(data) > max_bytes:
            chunks.append(current)
            current = b""
        current += data
    chunks.append(current)
    words = []
    for chunk in chunks:
        if encoding == "B":
            payload = base64.b64encode(chunk).decode()
        else:
            payload = quopri.encodestring(chunk, header=True).decode().replace("=\n", "")
            payload = payload.replace("?", "=3F")
        words.append(f"=?{charset}?{encoding}?{payload}?=")
    return words


def _thunderbird(text, charset="UTF-8", encoding="B"):
    """Thunderbird: encoded words of whole characters, folded with CRLF + space."""
    return "\r\n ".join(_words(text, charset, encoding, 45))


def _outlook(text, charset="utf-8", encoding="B"):
    """Outlook/Exchange: bytes cut anywhere, folded with CRLF + TAB."""
    return "\r\n\t".join(_words(text, charset, encoding, 40, split_characters=True))


def _python(text, charset):
    """Python's email package, compat32 API (``email.header.Header``)."""
    return Header(text, charset, header_name="Subject").encode(linesep="\r\n")


STYLES = {"thunderbird": _thunderbird, "outlook": _outlook, "python": _python}
FOLDED_CASES = [
    # (style, language, charset, encoding)
    ("thunderbird", "pl", "UTF-8", "B"),
    ("thunderbird", "pl", "UTF-8", "Q"),
    ("thunderbird", "uk", "UTF-8", "B"),
    ("thunderbird", "uk", "koi8-u", "B"),
    ("outlook", "pl", "utf-8", "B"),
    ("outlook", "pl", "windows-1250", "Q"),
    ("outlook", "pl", "iso-8859-2", "Q"),
    ("outlook", "uk", "utf-8", "B"),
    ("outlook", "uk", "windows-1251", "B"),
    ("outlook", "uk", "koi8-u", "Q"),
    ("python", "pl", "iso-8859-2", None),
    ("python", "pl", "windows-1250", None),
    ("python", "pl", "utf-8", None),
    ("python", "uk", "koi8-u", None),
    ("python", "uk", "windows-1251", None),
    ("python", "uk", "utf-8", None),
]


def _encode(style, text, charset, encoding):
    if style == "python":
        return _python(text, charset)
    return STYLES[style](text, charset, encoding)


def _folded_message(style, language, charset, encoding):
    subject = (PL if language == "pl" else UK)
    if charset.lower() == "utf-8":
        subject = PL_UTF8 if language == "pl" else UK_UTF8
    person, team = NAMES[language]
    filename = FILENAMES[language]
    enc = lambda text: _encode(style, text, charset, encoding)  # noqa: E731
    if style == "thunderbird":
        # RFC 2231 continuations, percent-encoded, as Thunderbird writes them.
        data = filename.encode(charset)
        octets = [chr(b) if b < 128 and (chr(b).isalnum() or chr(b) in ".-") else "%%%02X" % b
                  for b in data]
        pieces = ["".join(octets[i:i + 14]) for i in range(0, len(octets), 14)]
        disposition = "attachment;\r\n " + ";\r\n ".join(
            f"filename*{index}*={charset}''{piece}" if index == 0 else
            f"filename*{index}*={piece}" for index, piece in enumerate(pieces))
        ctype = "application/pdf"
    else:
        # Encoded words inside the quoted name, folded like the headers.
        disposition = f'attachment;\r\n filename="{enc(filename)}"'
        ctype = f'application/pdf;\r\n name="{enc(filename)}"'
    raw = (
        f"Message-Id: <folded-{style}-{language}-{charset}@example.com>\r\n"
        f"From: {enc(person)} <sender@example.com>\r\n"
        f"To: {enc(team)} <team@example.com>,\r\n {enc(person)} <other@example.com>\r\n"
        f"Cc: {enc(person + ' (' + team + ')')}\r\n <copy@example.com>\r\n"
        f"Subject: {enc(subject)}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n"
        f"--b\r\nContent-Type: {ctype}\r\nContent-Disposition: {disposition}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--b--\r\n"
    )
    expected = {
        "subject": subject,
        "email_from": f"{person} <sender@example.com>",
        "email_to": f"{team} <team@example.com>, {person} <other@example.com>",
        "email_cc": f'"{person} ({team})" <copy@example.com>',
        "filename": filename,
    }
    return raw.encode("ascii"), expected


@pytest.mark.parametrize("style, language, charset, encoding", FOLDED_CASES)
def test_folded_headers_are_stored_exactly(style, language, charset, encoding):
    raw, expected = _folded_message(style, language, charset, encoding)
    assert b"\r\n =?" in raw or b"\r\n\t=?" in raw, "the headers really are folded"
    parsed = parse_message(raw)
    assert parsed.subject == expected["subject"]
    assert parsed.email_from == expected["email_from"]
    assert parsed.email_to == expected["email_to"]
    assert parsed.email_cc == expected["email_cc"]
    assert [a.filename for a in parsed.attachments] == [expected["filename"]]


@pytest.mark.parametrize("text", [PL_UTF8, UK_UTF8, PL, UK])
@pytest.mark.parametrize("policy_name", ["default", "SMTP"])
def test_folded_by_python_email_message(text, policy_name):
    """What Python's modern API (EmailMessage, as Odoo and many apps use) writes."""
    policy = getattr(email.policy, policy_name)
    person = "Олександра Григорівна Ковальчук-Шевченко z Przedsiębiorstwa Łódź"
    message = EmailMessage(policy=policy)
    message["Subject"] = text
    message["From"] = email.headerregistry.Address(person, "o", "example.com")
    message["To"] = [email.headerregistry.Address("Małgorzata Wiśniewska-Żółkiewska",
                                                  "m", "example.com"),
                     email.headerregistry.Address(person, "p", "example.com")]
    message["Message-Id"] = "<python@example.com>"
    message.set_content("treść")
    message.add_attachment(b"%PDF", maintype="application", subtype="pdf",
                           filename=FILENAMES["pl"].replace(".pdf", " " + text + ".pdf"))
    raw = message.as_bytes()
    assert b"\n =?" in raw  # folded between encoded words
    parsed = parse_message(raw)
    assert parsed.subject == text
    assert parsed.email_from == f"{person} <o@example.com>"
    assert parsed.email_to == (f"Małgorzata Wiśniewska-Żółkiewska <m@example.com>, "
                               f"{person} <p@example.com>")
    assert [a.filename for a in parsed.attachments] == [
        FILENAMES["pl"].replace(".pdf", " " + text + ".pdf")]


@pytest.mark.parametrize("value, expected", [
    # Adjacent encoded words: the white space between them is not text (RFC 2047 6.2)...
    ("=?utf-8?q?dost?=\r\n =?utf-8?q?awa?=", "dostawa"),
    ("=?utf-8?q?dost?= =?utf-8?q?awa?=", "dostawa"),
    ("=?utf-8?q?dost?=\r\n\t=?utf-8?q?awa?=", "dostawa"),
    # ...but folding white space next to plain text is (one space, as folded).
    ("Re: =?utf-8?q?Zam=C3=B3wienie?=\r\n nr 5", "Re: Zamówienie nr 5"),
    ("Faktura\r\n =?utf-8?q?=C5=BC=C3=B3=C5=82ta?=", "Faktura żółta"),
    ("=?utf-8?q?a_?= =?iso-8859-2?q?=B1?=", "a ą"),  # two charsets, still adjacent
    ("Plain ASCII subject folded\r\n in two lines", "Plain ASCII subject folded in two lines"),
    ("Za\u017c\u00f3\u0142\u0107\r\n g\u0119\u015bl\u0105", "Zażółć gęślą"),  # raw UTF-8
])
def test_subject_unfolding(value, expected):
    raw = ("Subject: " + value + "\r\n\r\nx\r\n").encode("utf-8")
    assert parse_message(raw).subject == expected


# --------------------------------------------------------------------------- invitations


OUTLOOK_INVITE = _crlf("""\
Message-Id: <invite@example.com>
From: Anna <anna@example.com>
Subject: =?utf-8?q?Spotkanie_w_sprawie_dostaw?=
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Zapraszam na spotkanie.
--alt
Content-Type: text/html; charset=utf-8

<p>Zapraszam na <b>spotkanie</b>.</p>
--alt
Content-Type: text/calendar; charset=utf-8; method=REQUEST
Content-Transfer-Encoding: 8bit

BEGIN:VCALENDAR
METHOD:REQUEST
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
BEGIN:VTIMEZONE
TZID:Central European Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
ORGANIZER;CN=Anna:mailto:anna@example.com
SUMMARY;LANGUAGE=pl-PL:Spotkanie w sprawie dostaw do Łodzi
DTSTART;TZID=Central European Standard Time:20261203T100000
DTEND;TZID=Central European Standard Time:20261203T113000
UID:040000008200E00074C5B7101A82E00800000000
LOCATION;LANGUAGE=pl-PL:Sala 2\\, ul. Piotrkowska 1
END:VEVENT
END:VCALENDAR
--alt--
""")


def test_outlook_invitation_is_kept_as_ics_with_its_summary():
    parsed = parse_message(OUTLOOK_INVITE)
    assert parsed.body_is_html and "spotkanie" in parsed.body
    assert [(a.filename, a.mimetype, a.inline) for a in parsed.attachments] == [
        ("invite.ics", "text/calendar", False)]
    assert b"BEGIN:VCALENDAR" in parsed.attachments[0].content
    [invitation] = parsed.invitations
    assert invitation.summary == "Spotkanie w sprawie dostaw do Łodzi"
    assert invitation.location == "Sala 2, ul. Piotrkowska 1"
    assert invitation.method == "REQUEST"
    # 10:00 in Warsaw in December is 09:00 UTC.
    assert invitation.start == datetime.datetime(2026, 12, 3, 9, 0)
    assert invitation.end == datetime.datetime(2026, 12, 3, 10, 30)
    assert not invitation.all_day


@pytest.mark.parametrize("alternatives, kept", [
    # (the alternatives' types, the attachments kept): text renderings are dropped,
    # data is kept, whatever the position of the chosen body.
    (["text/plain", "text/html"], []),
    (["text/plain", "application/pdf", "text/html"], ["attachment"]),
    (["text/html", "text/calendar"], ["invite.ics"]),
    (["text/calendar", "text/plain"], ["invite.ics"]),
    (["text/plain", "image/png"], ["attachment"]),
])
def test_alternatives_that_carry_data_are_kept(alternatives, kept):
    parts = "".join(f"--alt\r\nContent-Type: {ctype}\r\n\r\npart {index}\r\n"
                    for index, ctype in enumerate(alternatives))
    raw = ("Subject: alt\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n"
           f"{parts}--alt--\r\n").encode()
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == kept
    assert parsed.body.strip().startswith("part")


def test_all_day_invitation_and_broken_calendar():
    raw = _crlf("""\
Subject: x
Content-Type: multipart/mixed; boundary=m

--m
Content-Type: text/plain

body
--m
Content-Type: text/calendar; method=REQUEST

BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
SUMMARY:Inwentaryzacja
DTSTART;VALUE=DATE:20261224
DTEND;VALUE=DATE:20261225
END:VEVENT
END:VCALENDAR
--m
Content-Type: text/calendar

BEGIN:VCALENDAR
not a calendar at all
--m--
""")
    parsed = parse_message(raw)
    assert len(parsed.attachments) == 2
    [invitation] = parsed.invitations
    assert invitation.all_day and invitation.start == datetime.date(2026, 12, 24)
    assert invitation.location == "" and invitation.method == ""
    assert any(problem.startswith("calendar:") for problem in parsed.problems)
