"""The demo e-mails of ``./dev/run``: realistic content, and seeded once into real mailboxes."""

import datetime
import email
import email.policy
import importlib.util
import os
import re

import pytest

from mail_accounts_ext.tools import parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = None
NOW = datetime.datetime(2026, 3, 16, 9, 30, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def demo_mail():
    spec = importlib.util.spec_from_file_location(
        "demo_mail", os.path.join(ROOT, "dev", "demo_mail.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    global DEMO
    DEMO = module
    return module


@pytest.fixture(scope="module")
def messages(demo_mail):
    return demo_mail.build_messages(NOW)


def _parsed(message):
    return email.message_from_bytes(DEMO.as_bytes(message), policy=email.policy.default)


def test_a_dozen_mails_for_the_demo_accounts(demo_mail, messages):
    logins = [login for login, _flags, _date, _message in messages]
    assert len(messages) >= 12
    assert logins.count(demo_mail.SALES) >= 5 and logins.count(demo_mail.ADMIN) >= 5
    ids = [message["Message-ID"] for _login, _flags, _date, message in messages]
    assert len(set(ids)) == len(ids)
    dates = [date for _login, _flags, date, _message in messages]
    assert dates == sorted(dates)
    # Recent enough for the first sync of the demo accounts (last 30 days).
    assert all(NOW - datetime.timedelta(days=7) < date <= NOW for date in dates)


def test_every_mail_is_well_formed(demo_mail, messages):
    """CRLF lines (RFC 5322 limits), read back as written, stored by the mailbox."""
    for _login, _flags, _date, message in messages:
        raw = demo_mail.as_bytes(message)
        assert b"\n" not in raw.replace(b"\r\n", b"")
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        again = email.message_from_bytes(raw, policy=email.policy.default)
        for name in ("Subject", "From", "To", "Message-ID"):
            assert str(again[name]) == str(message[name])
        assert not again.defects and not any(part.defects for part in again.walk())
        parsed = parse.parse_message(raw)
        assert parsed.message_id == message["Message-ID"] and not parsed.synthetic_id
        assert parsed.body


def test_english_polish_ukrainian_with_folded_encoded_subjects(demo_mail, messages):
    subjects = [str(message["Subject"]) for _l, _f, _d, message in messages]
    assert any(re.search("[ąćęłńóśźż]", s) for s in subjects), "Polish"
    assert any(re.search("[іїєґ]", s) for s in subjects), "Ukrainian"
    assert any(s.isascii() for s in subjects), "English"
    long_ones = 0
    for _login, _flags, _date, message in messages:
        lines = demo_mail.as_bytes(message).split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        start = next(i for i, line in enumerate(lines) if line.startswith(b"Subject:"))
        end = next(i for i in range(start + 1, len(lines)) if lines[i][:1] not in b" \t")
        header = b"\r\n".join(lines[start:end])
        assert all(len(line) <= 78 for line in lines[start:end]), header
        if len(str(message["Subject"])) > 90 and not str(message["Subject"]).isascii():
            assert b"=?utf-8?" in header and b"\r\n " in header, header
            long_ones += 1
    assert long_ones >= 3


def test_quote_request_with_a_real_pdf(messages):
    pdfs = []
    for _login, _flags, _date, message in messages:
        for part in _parsed(message).iter_attachments():
            if part.get_content_type() == "application/pdf":
                pdfs.append((message["Subject"], part.get_filename(), part.get_content()))
    assert any("quotation" in subject.lower() for subject, _name, _data in pdfs)
    for _subject, name, data in pdfs:
        assert name.endswith(".pdf")
        assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
        # The cross-reference table points at the objects it lists.
        xref = int(re.search(rb"startxref\n(\d+)", data).group(1))
        assert data[xref:xref + 4] == b"xref"
        for number, offset in enumerate(re.findall(rb"(\d{10}) 00000 n", data), 1):
            assert data[int(offset):].startswith(b"%d 0 obj" % number)


def test_replies_to_invoices_newsletter_and_invitations(messages):
    by_subject = {str(m["Subject"]): m for _l, _f, _d, m in messages}
    replies = [m for s, m in by_subject.items() if s.startswith("Re: ") and m["In-Reply-To"]]
    assert len(replies) >= 2 and any("Рахунок" in str(m["Subject"]) for m in replies)
    newsletter = next(m for m in by_subject.values() if m["List-Unsubscribe"])
    html = _parsed(newsletter).get_body(("html",)).get_content()
    assert re.search(r'<img src="https://[^"]+"', html), "a remote image"
    invitations = []
    for message in by_subject.values():
        for part in _parsed(message).walk():
            if part.get_content_type() == "text/calendar":
                invitations.append(part)
    assert len(invitations) >= 2
    for part in invitations:
        assert part.get_param("method") == "REQUEST"
        text = part.get_content()
        assert "BEGIN:VEVENT" in text and "METHOD:REQUEST" in text
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_seeded_once_across_restarts(demo_mail, mailservers, tmp_path):
    users = {demo_mail.SALES: "demo-sales", demo_mail.ADMIN: "demo-admin"}
    for login, password in users.items():
        mailservers.add_user(login, password, email=login)
    expected = {login: sum(1 for item in demo_mail.build_messages(NOW) if item[0] == login)
                for login in users}
    state = tmp_path / "seeded.json"
    added, kept = demo_mail.seed(mailservers.host, mailservers.imap_port, users, state, now=NOW)
    assert (added, kept) == (sum(expected.values()), 0)
    for login in users:
        assert len(mailservers.messages(login)) == expected[login]
    flags = dict(zip([m["Message-ID"] for who, _f, _d, m in demo_mail.build_messages(NOW)
                      if who == demo_mail.SALES],
                     mailservers.message_flags(demo_mail.SALES), strict=True))
    assert "\\Seen" in flags["<demo-re-invoice-harbour@demo.example.com>"]
    assert "\\Seen" not in flags["<demo-rfq-brightdesk@demo.example.com>"]
    # A restart (a day later: other dates) adds nothing.
    later = NOW + datetime.timedelta(days=1)
    assert demo_mail.seed(mailservers.host, mailservers.imap_port, users, state,
                          now=later) == (0, sum(expected.values()))
    # An e-mail deleted (e.g. from Odoo) does not come back.
    with mailservers.imap(demo_mail.SALES) as conn:
        conn.select("INBOX")
        conn.store("1", "+FLAGS", "(\\Deleted)")
        conn.expunge()
    demo_mail.seed(mailservers.host, mailservers.imap_port, users, state, now=later)
    assert len(mailservers.messages(demo_mail.SALES)) == expected[demo_mail.SALES] - 1
    # Without the state file (a new checkout, same mail dir), the server copies count.
    state.unlink()
    added, kept = demo_mail.seed(mailservers.host, mailservers.imap_port,
                                 {demo_mail.ADMIN: "demo-admin"}, state, now=later)
    assert (added, kept) == (0, expected[demo_mail.ADMIN])


def test_a_mistake_in_the_data_file_is_refused_naming_the_mail(demo_mail):
    """``dev/demo_mail.json`` is edited by hand: what it cannot mean is refused, not guessed."""
    entries = demo_mail.load_data()
    entry = next(item for item in entries if "pdf" in item and "html" not in item)
    prefix = f"demo_mail.json, e-mail 3 ({entry['slug']}): "

    def ago(hours):
        return NOW - datetime.timedelta(hours=hours)

    login, _flags, message = demo_mail.mail_from_data(entry, 3, ago)
    assert message["Message-ID"] == f"<demo-{entry['slug']}@demo.example.com>"
    assert login == demo_mail.MAILBOXES[entry["mailbox"]][0]
    without_subject = {key: value for key, value in entry.items() if key != "subject"}
    pdf = dict(entry["pdf"], lines=["Zamawiający: Kraków"])
    cases = [
        (dict(entry, form=entry["from"]), prefix + "unknown keys form (the keys: mailbox, "),
        (without_subject, prefix + "missing keys subject"),
        (dict(entry, text="Hello,\nOlivia"), prefix + '"text" must be a JSON array of strings'),
        (dict(entry, hours_ago="3"), prefix + '"hours_ago" must be a JSON number'),
        (dict(entry, pdf=pdf), prefix + '"pdf" must be a JSON {"file": string, "title": ASCII'),
        (dict(entry, pdf=dict(pdf, lines="Item 1")), prefix + '"pdf" must be a JSON {"file"'),
        (dict(entry, mailbox="marketing"), prefix + "unknown mailbox 'marketing'"),
        (dict(entry, cc=["claims@example.com"]),
         prefix + "'claims@example.com' is not an address written as \"Name <e-mail>\""),
        (["not", "an", "object"], "demo_mail.json, e-mail 3: a JSON object is expected"),
    ]
    for bad, error in cases:
        with pytest.raises(demo_mail.DemoMailError) as caught:
            demo_mail.mail_from_data(bad, 3, ago)
        assert str(caught.value).startswith(error), (bad, str(caught.value))
    # Two e-mails with one slug (a copied entry) would be seeded once: refused as well.
    with pytest.raises(demo_mail.DemoMailError, match=f"slug used twice: <demo-{entry['slug']}@"):
        demo_mail.build_messages(NOW, [*entries, dict(entry, subject="Copy")])
