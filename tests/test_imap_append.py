"""Uploading stored messages into an IMAP folder, against a real dovecot."""

import email
import email.policy
import imaplib
import uuid
from email.message import EmailMessage

import pytest

from mail_accounts_ext.tools import connection, imap_append


def _message(i, *, with_id=True, attachment=True):
    msg = EmailMessage()
    msg["From"] = "Zażółć Gęślą <zofia@example.com>"
    msg["To"] = "Тарас Шевченко <taras@example.com>, b@example.com"
    msg["Cc"] = "c@example.com"
    msg["Subject"] = f"Szkic {i}: Чернетка — źdźbło"
    msg["Date"] = email.utils.format_datetime(
        email.utils.localtime().replace(microsecond=0))
    if with_id:
        msg["Message-ID"] = f"<draft-{i}-{uuid.uuid4().hex}@example.com>"
    msg["References"] = "<a@example.com> <b@example.com>"
    msg["In-Reply-To"] = "<b@example.com>"
    msg.set_content(f"Treść {i}\nЗміст {i}\n")
    if attachment:
        msg.add_attachment(b"%PDF-1.4 fake " + bytes([i % 256]) * 2000, maintype="application",
                           subtype="pdf", filename=f"faktura-{i}-ąę.pdf")
    return msg.as_bytes(policy=email.policy.SMTP)


HEADERS = ("Message-ID", "Date", "From", "To", "Cc", "Subject", "References", "In-Reply-To")


@pytest.fixture
def account(mailservers):
    login = f"copy-{uuid.uuid4().hex[:8]}@example.com"
    mailservers.add_user(login, "pw", email=login)
    return login


def _open(mailservers, login):
    return connection.open_imap(mailservers.host, mailservers.imap_port, "starttls", login, "pw",
                                timeout=10, ssl_context=mailservers.ssl_context())


def _headers(raw):
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    return {name: parsed[name] for name in HEADERS}


def test_copy_twenty_messages_then_nothing(mailservers, account):
    raws = [_message(i) for i in range(20)]
    uploads = [imap_append.Upload(i, raw) for i, raw in enumerate(raws)]
    conn = _open(mailservers, account)
    try:
        assert "LITERAL+" in conn.capabilities
        results = imap_append.append_messages(conn, "Drafts", uploads, window=7)
    finally:
        conn.logout()
    assert [r.status for r in results] == ["copied"] * 20
    assert [r.key for r in results] == list(range(20))
    assert all(r.uid for r in results), "dovecot answers APPENDUID"
    stored = mailservers.messages(account, "Drafts")
    assert len(stored) == 20
    by_id = {_headers(raw)["Message-ID"]: raw for raw in stored}
    for raw in raws:
        original = _headers(raw)
        copy = by_id[original["Message-ID"]]
        assert _headers(copy) == original
        # body and attachment survive byte for byte
        assert copy.split(b"\r\n\r\n", 1)[1] == raw.split(b"\r\n\r\n", 1)[1]

    conn = _open(mailservers, account)
    try:
        again = imap_append.append_messages(conn, "Drafts", uploads)
    finally:
        conn.logout()
    assert [r.status for r in again] == ["exists"] * 20
    assert len(mailservers.messages(account, "Drafts")) == 20


def test_non_ascii_folder_and_sequential_path(mailservers, account):
    """Without LITERAL+ the uploads go one by one; a new folder is created."""
    raws = [_message(i, attachment=False) for i in range(3)]
    conn = _open(mailservers, account)
    try:
        conn.capabilities = tuple(c for c in conn.capabilities if not c.startswith("LITERAL"))
        uploads = [imap_append.Upload(i, r) for i, r in enumerate(raws)]
        results = imap_append.append_messages(conn, "Archiwum/Wersje robocze — архів", uploads)
    finally:
        conn.logout()
    assert [r.status for r in results] == ["copied"] * 3
    assert "Archiwum/Wersje robocze — архів" in mailservers.folders(account)
    assert len(mailservers.messages(account, "Archiwum/Wersje robocze — архів")) == 3


def test_duplicates_inside_one_call_and_messages_without_id(mailservers, account):
    raw = _message(1)
    no_id = _message(2, with_id=False)
    uploads = [imap_append.Upload("a", raw), imap_append.Upload("b", raw),
               imap_append.Upload("c", no_id)]
    conn = _open(mailservers, account)
    try:
        results = imap_append.append_messages(conn, "Drafts", uploads)
    finally:
        conn.logout()
    assert [(r.key, r.status) for r in results] == [("a", "copied"), ("b", "exists"),
                                                    ("c", "copied")]
    assert results[2].message_id is None


def test_server_stops_half_way_then_rerun_completes(mailservers, account):
    raws = [_message(i, attachment=False) for i in range(30)]
    uploads = [imap_append.Upload(i, r) for i, r in enumerate(raws)]
    conn = _open(mailservers, account)
    try:
        first = imap_append.append_messages(conn, "Drafts", uploads[:12])
        mailservers.stop_dovecot()
        second = imap_append.append_messages(conn, "Drafts", uploads[12:], create=False,
                                             known_ids=set())
    finally:
        mailservers.start_dovecot()
        try:
            conn.logout()
        except Exception:  # the server went away under this connection  # noqa: BLE001
            pass
    assert [r.status for r in first] == ["copied"] * 12
    assert [r.status for r in second] == ["failed"] * 18
    assert all(isinstance(r.error, (OSError, imaplib.IMAP4.error)) for r in second)
    conn = _open(mailservers, account)
    try:
        rerun = imap_append.append_messages(conn, "Drafts", uploads)
    finally:
        conn.logout()
    assert [r.status for r in rerun] == ["exists"] * 12 + ["copied"] * 18
    assert len(mailservers.messages(account, "Drafts")) == 30


def test_message_id_parsing():
    assert imap_append.message_id_of(b"Message-ID: <A@B>\r\n\r\nx") == "<a@b>"
    folded = b"Message-Id:\r\n <folded@x>\r\nSubject: s\r\n\r\n"
    assert imap_append.message_id_of(folded) == "<folded@x>"
    assert imap_append.message_id_of(b"Subject: none\r\n\r\nMessage-ID: <in@body>") is None
    assert imap_append.utf7_encode("Wysłane & Co") == "Wys&AUI-ane &- Co"
