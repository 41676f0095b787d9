"""Message parsing: what the mailbox stores from raw mail, including broken mail."""

import datetime
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
])
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
