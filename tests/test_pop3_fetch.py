"""POP3 download against a real Dovecot, with an in-memory store."""

import contextlib
import uuid

import pytest
from memory_store import MemoryPop3Store

from mail_accounts_ext.tools import pop3_fetch
from mail_accounts_ext.tools.connection import open_pop3


def _raw(subject):
    return (f"Message-Id: <{uuid.uuid4().hex}@example.com>\r\nFrom: s@example.com\r\n"
            f"Subject: {subject}\r\n\r\n.leading dot\r\nbody\r\n").encode()


def _deliver(mailservers, login, count):
    """``count`` e-mails, subjects "m0", "m1"..., into the INBOX of ``login``."""
    for index in range(count):
        mailservers.deliver(login, _raw(f"m{index}"))


def _fetch(mailservers, login, store, **options):
    conn = open_pop3(mailservers.host, mailservers.pop3_port, "starttls", login, "pw",
                     ssl_context=mailservers.ssl_context())
    try:
        return pop3_fetch.fetch(conn, store, **options)
    except BaseException:
        with contextlib.suppress(Exception):
            conn.close()
        raise


def test_two_fetches_no_duplicates_messages_stay_on_server(mailservers, box):
    _deliver(mailservers, box, 5)
    store = MemoryPop3Store()
    report = _fetch(mailservers, box, store)
    assert report.fetched == 5
    assert {m.parsed.subject for m in store.messages.values()} == {f"m{i}" for i in range(5)}
    assert all(m.raw.endswith(b"\r\n") and b"\r\n.leading dot" in m.raw
               for m in store.messages.values()), "dot-stuffing undone, CRLF kept"
    assert _fetch(mailservers, box, store).fetched == 0
    mailservers.deliver(box, _raw("later"))
    report = _fetch(mailservers, box, store)
    assert [store.messages[u].parsed.subject for u in report.fetched_uidls] == ["later"]
    assert len(store.messages) == 6
    assert len(mailservers.messages(box)) == 6, "left on the server"


def test_failure_after_half_loses_and_duplicates_nothing(mailservers, box):
    _deliver(mailservers, box, 10)
    store = MemoryPop3Store(fail_on_store_call=2)
    with pytest.raises(RuntimeError):
        _fetch(mailservers, box, store, chunk_messages=5)
    assert len(store.messages) == 5
    report = _fetch(mailservers, box, store, chunk_messages=5)
    assert report.fetched == 5
    assert len(store.messages) == 10
    assert len(mailservers.messages(box)) == 10


def test_only_pending_deletions_leave_the_server(mailservers, box):
    _deliver(mailservers, box, 3)
    store = MemoryPop3Store()
    _fetch(mailservers, box, store)
    by_subject = {m.parsed.subject: uidl for uidl, m in store.messages.items()}
    store.delete_local(by_subject["m0"], on_server=True)
    store.delete_local(by_subject["m1"], on_server=False)
    report = _fetch(mailservers, box, store)
    assert report.deleted_uidls == [by_subject["m0"]]
    assert report.fetched == 0, "m1 was deleted locally: never downloaded again"
    subjects = sorted(m.split(b"Subject: ")[1].split(b"\r\n")[0]
                      for m in mailservers.messages(box))
    assert subjects == [b"m1", b"m2"]
    assert store.tombstones == {by_subject["m1"]: False}


def test_deletion_not_applied_without_quit(mailservers, box):
    _deliver(mailservers, box, 4)
    store = MemoryPop3Store()
    _fetch(mailservers, box, store)
    store.delete_local(next(iter(store.messages)), on_server=True)
    mailservers.deliver(box, _raw("new"))
    store.fail_on_store_call = store.store_calls + 1
    with pytest.raises(RuntimeError):
        _fetch(mailservers, box, store)
    assert len(mailservers.messages(box)) == 5, "no QUIT: DELE rolled back by the server"
    assert store.pending_deletions(), "still to delete"
    _fetch(mailservers, box, store)
    assert len(mailservers.messages(box)) == 4
    assert not store.tombstones


def test_per_run_limit_newest_first(mailservers, box):
    _deliver(mailservers, box, 7)
    store = MemoryPop3Store()
    report = _fetch(mailservers, box, store, max_messages=3)
    assert [store.messages[u].parsed.subject for u in report.fetched_uidls] == ["m6", "m5", "m4"]
    assert report.remaining == 4
    report = _fetch(mailservers, box, store, max_messages=3)
    assert report.fetched == 3 and report.remaining == 1
    assert _fetch(mailservers, box, store, max_messages=3).fetched == 1


def test_deletions_of_messages_gone_elsewhere_are_forgotten(mailservers, box):
    mailservers.deliver(box, _raw("x"))
    store = MemoryPop3Store()
    _fetch(mailservers, box, store)
    uidl = next(iter(store.messages))
    store.delete_local(uidl, on_server=False)
    with mailservers.imap(box) as conn:
        conn.select("INBOX")
        conn.store("1", "+FLAGS", "(\\Deleted)")
        conn.expunge()
    _fetch(mailservers, box, store)
    assert store.tombstones == {}
