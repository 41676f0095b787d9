"""Messages rebuilt from what the mailbox stores keep their headers, body and attachments."""

import email
import email.policy
from datetime import datetime

import pytest

from mail_accounts_ext.tools.mime_build import Attachment, StoredMessage, build, html_to_text

CASES = [
    StoredMessage(
        message_id="<draft-1@example.com>", date=datetime(2026, 3, 2, 14, 5, 9),
        email_from='"Zażółć Gęślą" <zofia@example.com>',
        email_to="Тарас Шевченко <taras@example.com>, b@example.com",
        email_cc="c@example.com", subject="Faktura FV/2026/03 — źdźbło, чернетка",
        references="<a@example.com> <b@example.com>", in_reply_to="<b@example.com>",
        body_html="<p>Dzień dobry,</p><p>w załączniku <b>faktura</b>.</p>",
        attachments=[Attachment("faktura-ąę.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 8,
                                "application/pdf"),
                     Attachment("notatka.txt", "Zażółć\n".encode(), "text/plain")],
    ),
    StoredMessage(message_id="<plain@example.com>", date=datetime(2025, 12, 31, 23, 59, 59),
                  email_from="a@example.com", email_to="b@example.com", subject="Plain",
                  body_text="Just text\nlines\n"),
    StoredMessage(email_from="no-id@example.com", subject="", body_html=""),
]


def _parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.parametrize("stored", CASES)
def test_headers_survive(stored):
    parsed = _parse(build(stored))
    assert (parsed["Message-ID"] or None) == stored.message_id
    assert email.utils.getaddresses([str(parsed["From"])]) == email.utils.getaddresses(
        [stored.email_from])
    assert email.utils.getaddresses([str(parsed.get("To", ""))]) == email.utils.getaddresses(
        [stored.email_to]) or not stored.email_to
    assert str(parsed.get("Subject", "")) == stored.subject
    assert str(parsed.get("References", "")) == stored.references
    assert str(parsed.get("In-Reply-To", "")) == stored.in_reply_to
    if stored.date:
        parsed_date = email.utils.parsedate_to_datetime(str(parsed["Date"]))
        assert parsed_date.replace(tzinfo=None) == stored.date


def test_body_and_attachments_survive():
    stored = CASES[0]
    parsed = _parse(build(stored))
    html = parsed.get_body(("html",)).get_content()
    assert "<b>faktura</b>" in html
    text = parsed.get_body(("plain",)).get_content()
    assert "Dzień dobry," in text and "<p>" not in text
    attachments = list(parsed.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["faktura-ąę.pdf", "notatka.txt"]
    assert attachments[0].get_content() == stored.attachments[0].content
    assert attachments[0].get_content_type() == "application/pdf"


def test_raw_is_crlf_ascii():
    raw = build(CASES[0])
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    raw.decode("ascii")


@pytest.mark.parametrize("html, text", [
    ("<p>a</p><p>b</p>", "a\nb\n"),
    ("x<br/>y &amp; z", "x\ny & z\n"),
    ("<div>&lt;tag&gt;</div>", "<tag>\n"),
])
def test_html_to_text(html, text):
    assert html_to_text(html) == text
