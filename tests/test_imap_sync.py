"""IMAP synchronisation against a real Dovecot, with an in-memory store."""

import contextlib
import datetime
import uuid

import pytest
from memory_store import MemoryImapStore

from mail_accounts_ext.tools import imap_sync
from mail_accounts_ext.tools.connection import open_imap
from mail_accounts_ext.tools.parse import parse_message


def _raw(subject, message_id=None, body="hello", date=None):
    message_id = message_id or f"<{uuid.uuid4().hex}@example.com>"
    date = date or "Tue, 24 Nov 2026 10:00:00 +0000"
    return (f"Message-Id: {message_id}\r\nFrom: sender@example.com\r\nTo: me@example.com\r\n"
            f"Subject: {subject}\r\nDate: {date}\r\n\r\n{body}\r\n").encode()


def _deliver(mailservers, login, count):
    """``count`` e-mails, subjects "m0", "m1"..., into the INBOX of ``login``."""
    for index in range(count):
        mailservers.deliver(login, _raw(f"m{index}"))


@contextlib.contextmanager
def _conn(mailservers, login):
    conn = open_imap(mailservers.host, mailservers.imap_port, "starttls", login, "pw",
                     ssl_context=mailservers.ssl_context())
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.logout()


def _sync(mailservers, login, store, **options):
    with _conn(mailservers, login) as conn:
        return imap_sync.synchronize(conn, store, imap_sync.SyncOptions(**options))


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("uids, expected", [
    ([], ""), ([5], "5"), ([1, 2, 3, 7, 9, 10], "1:3,7,9:10"), ([3, 1, 2, 2], "1:3"),
])
def test_uid_set(uids, expected):
    assert imap_sync.uid_set(uids) == expected


@pytest.mark.parametrize("name", ["INBOX", "Archiwum/Faktury 2026", "Zażółć & co", "Кошик"])
def test_utf7_round_trip(name):
    encoded = imap_sync.utf7_encode(name)
    assert encoded.isascii()
    assert imap_sync.utf7_decode(encoded) == name


def test_parse_internaldate_and_imap_date():
    assert imap_sync.parse_internaldate("25-Nov-2026 01:39:24 +0100") == datetime.datetime(
        2026, 11, 25, 0, 39, 24)
    assert imap_sync.parse_internaldate(" 5-Jan-2026 00:00:00 -0200") == datetime.datetime(
        2026, 1, 5, 2, 0, 0)
    assert imap_sync.parse_internaldate("nonsense") is None
    assert imap_sync.imap_date(datetime.date(2026, 3, 7)) == "07-Mar-2026"


def test_parse_list_literal_quoted_and_roles():
    data = [
        b'(\\HasNoChildren \\Sent) "/" Sent',
        b'(\\Noselect \\HasChildren) "/" Archive',
        (b'(\\HasNoChildren) "/" {11}', b'Odd "name"!'),
        b'(\\HasNoChildren) NIL "Flat &AOk-"',
    ]
    assert imap_sync.parse_list(data) == [
        (("\\hasnochildren", "\\sent"), "/", "Sent"),
        (("\\noselect", "\\haschildren"), "/", "Archive"),
        (("\\hasnochildren",), "/", 'Odd "name"!'),
        (("\\hasnochildren",), None, "Flat &AOk-"),
    ]


def test_fetch_items_with_flags_after_literal():
    data = [
        (b"1 (UID 7 RFC822.SIZE 5 BODY[] {5}", b"hello"), b" FLAGS (\\Seen))",
        (b"2 (UID 9 FLAGS () BODY[] {3}", b"abc"), b")",
        b"3 (FLAGS (\\Deleted))",  # unsolicited: no UID, ignored
        b"4 (UID 12 FLAGS (\\Answered))",
    ]
    items = imap_sync.fetch_items(data)
    assert [(i["uid"], i["flags"], i["literal"]) for i in items] == [
        (7, ("\\Seen",), b"hello"), (9, (), b"abc"), (12, ("\\Answered",), None)]


# --------------------------------------------------------------------------- sync


def test_folders_mirrored_with_roles(mailservers, box):
    mailservers.deliver(box, _raw("x"), folder="Archiwum/Zażółć")
    store = MemoryImapStore()
    report = _sync(mailservers, box, store)
    roles = {folder.name: folder.role for folder in store.folders.values()}
    assert roles == {"INBOX": "inbox", "Drafts": "drafts", "Sent": "sent", "Junk": "junk",
                     "Trash": "trash", "Archiwum/Zażółć": "other"}
    assert "Archiwum" not in roles, "\\Noselect parents are not folders"
    assert report.fetched == 1
    assert report.folders["Archiwum/Zażółć"].fetched_uids == [1]


def test_sync_three_folders_then_only_new_mail(mailservers, box):
    for index in range(12):
        mailservers.deliver(box, _raw(f"in {index}"))
    for index in range(8):
        mailservers.deliver(box, _raw(f"sent {index}"), folder="Sent", flags=("\\Seen",))
    for index in range(10):
        mailservers.deliver(box, _raw(f"arch {index}"), folder="Archive")
    store = MemoryImapStore()
    report = _sync(mailservers, box, store, chunk_messages=5)
    assert report.fetched == 30
    assert len(store.in_folder("INBOX")) == 12
    assert all(m["seen"] for m in store.in_folder("Sent"))
    assert not any(m["seen"] for m in store.in_folder("INBOX"))
    assert report.fetched_uids("INBOX") == list(range(1, 13))
    assert store.store_calls == 3 + 2 + 2, "chunks of 5 messages"

    again = _sync(mailservers, box, store)
    assert again.fetched == 0
    assert all(r.unchanged for r in again.folders.values()), "nothing changed: skipped"

    mailservers.deliver(box, _raw("new one"))
    mailservers.deliver(box, _raw("new two"), folder="Archive")
    third = _sync(mailservers, box, store)
    assert third.fetched_uids("INBOX") == [13]
    assert third.fetched_uids("Archive") == [11]
    assert third.fetched == 2
    assert len(store.messages) == 32


def test_seen_flag_both_ways(mailservers, box):
    _deliver(mailservers, box, 3)
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    first = min(store.in_folder("INBOX"), key=lambda m: m["uid"])
    store.mark_seen(first["key"], True)
    report = _sync(mailservers, box, store)
    assert report.folders["INBOX"].flags_to_server == 1
    flags = mailservers.message_flags(box)
    assert "\\Seen" in flags[0] and "\\Seen" not in flags[1]
    assert not first["seen_dirty"]

    with mailservers.imap(box) as conn:
        conn.select("INBOX")
        conn.uid("STORE", "3", "+FLAGS", "(\\Seen)")
        conn.uid("STORE", "1", "-FLAGS", "(\\Seen)")
    report = _sync(mailservers, box, store)
    assert report.folders["INBOX"].flags_from_server == 2
    seen = {m["uid"]: m["seen"] for m in store.in_folder("INBOX")}
    assert seen == {1: False, 2: False, 3: True}


def test_uidvalidity_change_resyncs_without_duplicates(mailservers, box):
    _deliver(mailservers, box, 4)
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    keys = {m["key"] for m in store.in_folder("INBOX")}
    # The server renumbered the folder (e.g. restored from a backup).
    state = store.states["INBOX"]
    store.states["INBOX"] = imap_sync.FolderState(**{**state.__dict__,
                                                     "uidvalidity": state.uidvalidity - 1})
    mailservers.deliver(box, _raw("after"))
    report = _sync(mailservers, box, store)
    inbox = report.folders["INBOX"]
    assert inbox.reset
    assert inbox.adopted == 4
    assert inbox.fetched_uids == [5]
    assert len(store.in_folder("INBOX")) == 5
    assert keys <= {m["key"] for m in store.in_folder("INBOX")}, "same local messages kept"
    assert all(m["uid"] for m in store.in_folder("INBOX"))


def test_first_sync_is_bounded(mailservers, box):
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=90)
    for index in range(5):
        mailservers.deliver(box, _raw(f"old {index}"), date=old)
    for index in range(6):
        mailservers.deliver(box, _raw(f"recent {index}"))
    store = MemoryImapStore()
    report = _sync(mailservers, box, store, since_days=30, max_messages=4)
    assert report.fetched_uids("INBOX") == [8, 9, 10, 11], "last 30 days, newest 4"
    mailservers.deliver(box, _raw("newer"))
    report = _sync(mailservers, box, store, since_days=30, max_messages=4)
    assert report.fetched_uids("INBOX") == [12], "afterwards, everything new"
    store2 = MemoryImapStore()
    assert len(_sync(mailservers, box, store2, since_days=0, max_messages=0)
               .fetched_uids("INBOX")) == 12


def test_delete_moves_to_trash_then_expunge(mailservers, box):
    _deliver(mailservers, box, 3)
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    victim = next(m for m in store.in_folder("INBOX") if m["uid"] == 2)
    store.move_local(victim["key"], "Trash")
    report = _sync(mailservers, box, store)
    assert report.moved == 1
    assert len(mailservers.messages(box)) == 2
    assert len(mailservers.messages(box, "Trash")) == 1
    assert victim["server_folder"] == "Trash" and victim["uid"] == 1, "COPYUID known"
    assert report.fetched == 0, "the moved message is not downloaded again"

    store.delete_local(victim["key"], expunge=True)
    report = _sync(mailservers, box, store)
    assert report.folders["Trash"].expunged == 1
    assert mailservers.messages(box, "Trash") == []
    assert store.tombstones == []


def test_move_without_move_capability(mailservers, box):
    mailservers.deliver(box, _raw("m"))
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    message = store.in_folder("INBOX")[0]
    store.move_local(message["key"], "Trash")
    with _conn(mailservers, box) as conn:
        caps = imap_sync.capabilities(conn) - {"MOVE"}
        assert imap_sync.push_moves(conn, store, caps, {"INBOX", "Trash"}) == 1
    assert mailservers.messages(box) == []
    assert len(mailservers.messages(box, "Trash")) == 1
    assert message["server_folder"] == "Trash"


def test_local_delete_without_server_delete_never_comes_back(mailservers, box):
    mailservers.deliver(box, _raw("keep on server"))
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    store.delete_local(store.in_folder("INBOX")[0]["key"], expunge=False)
    mailservers.deliver(box, _raw("new"))
    report = _sync(mailservers, box, store)
    assert report.fetched_uids("INBOX") == [2]
    assert len(mailservers.messages(box)) == 2
    assert [m["parsed"].subject for m in store.in_folder("INBOX")] == ["new"]


def test_removed_on_server_removed_locally(mailservers, box):
    _deliver(mailservers, box, 3)
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    with mailservers.imap(box) as conn:
        conn.select("INBOX")
        conn.uid("STORE", "2", "+FLAGS", "(\\Deleted)")
        conn.expunge()
    report = _sync(mailservers, box, store)
    assert report.folders["INBOX"].vanished == 1
    assert sorted(m["uid"] for m in store.in_folder("INBOX")) == [1, 3]


def test_upload_sent_copy_and_draft(mailservers, box):
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    raw = _raw("my sent mail")
    key = store.add_local("Sent", raw, parse_message(raw))
    store.uploads.append(imap_sync.Upload(key, "Sent", raw, ("\\Seen",)))
    draft = _raw("my draft")
    draft_key = store.add_local("Drafts", draft, parse_message(draft))
    store.uploads.append(imap_sync.Upload(draft_key, "Drafts", draft, ("\\Seen", "\\Draft")))
    report = _sync(mailservers, box, store)
    assert report.uploaded == 2
    assert report.fetched == 0, "the appended copies are known by their APPENDUID"
    assert mailservers.message_flags(box, "Sent") == [("\\Seen",)]
    assert set(mailservers.message_flags(box, "Drafts")[0]) == {"\\Seen", "\\Draft"}
    assert store.messages[key]["uid"] == 1 and store.messages[key]["server_folder"] == "Sent"


def test_uid_less_local_copy_adopted_by_message_id(mailservers, box):
    """A copy whose UID is unknown (server without UIDPLUS) is matched, not duplicated."""
    raw = _raw("copied", message_id="<known@example.com>")
    mailservers.deliver(box, raw, folder="Sent")
    store = MemoryImapStore()
    _sync(mailservers, box, store, since_days=0)
    assert len(store.in_folder("Sent")) == 1
    mailservers.deliver(box, raw, folder="Sent")  # a second server copy: two messages
    local = store.in_folder("Sent")[0]
    local["uid"] = None
    report = _sync(mailservers, box, store)
    assert report.folders["Sent"].adopted == 1
    assert report.fetched_uids("Sent") == [2]
    assert sorted(m["uid"] for m in store.in_folder("Sent")) == [1, 2]


def test_store_failure_midway_loses_and_duplicates_nothing(mailservers, box):
    _deliver(mailservers, box, 10)
    store = MemoryImapStore(fail_on_store_call=2)
    with pytest.raises(RuntimeError):
        _sync(mailservers, box, store, chunk_messages=4)
    assert len(store.in_folder("INBOX")) == 4
    report = _sync(mailservers, box, store, chunk_messages=4)
    assert report.fetched_uids("INBOX") == [5, 6, 7, 8, 9, 10]
    assert sorted(m["uid"] for m in store.in_folder("INBOX")) == list(range(1, 11))


def test_broken_message_does_not_stop_the_sync(mailservers, box):
    mailservers.deliver(box, b"\xff\xfe garbage\r\nContent-Type: multipart/mixed\r\n\r\n--")
    mailservers.deliver(box, _raw("fine"))
    store = MemoryImapStore()
    report = _sync(mailservers, box, store)
    assert report.fetched == 2
    subjects = sorted(m["parsed"].subject for m in store.in_folder("INBOX"))
    assert subjects == ["", "fine"]


def test_missing_special_folders_created(mailservers, box):
    """Dovecot here always has them (auto = subscribe): hide Trash from the listing."""
    report = imap_sync.SyncReport()
    with _conn(mailservers, box) as conn:
        listed = [f for f in imap_sync.list_folders(conn) if f.role != "trash"]
        folders = imap_sync.ensure_folders(conn, listed, ("sent", "trash"), report)
    assert report.created_folders == ["Trash"]
    assert {folder.role for folder in folders} >= {"inbox", "sent", "trash"}


def test_folder_deleted_on_server_forgotten(mailservers, box):
    mailservers.deliver(box, _raw("x"), folder="Old")
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    assert store.in_folder("Old")
    with mailservers.imap(box) as conn:
        conn.delete("Old")
    _sync(mailservers, box, store)
    assert "Old" not in store.folders and not store.in_folder("Old")


def test_push_changes_without_download(mailservers, box):
    _deliver(mailservers, box, 3)
    store = MemoryImapStore()
    _sync(mailservers, box, store)
    messages = sorted(store.in_folder("INBOX"), key=lambda m: m["uid"])
    store.mark_seen(messages[0]["key"], True)
    store.move_local(messages[1]["key"], "Trash")
    mailservers.deliver(box, _raw("not downloaded by a push"))
    with _conn(mailservers, box) as conn:
        report = imap_sync.push_changes(conn, store)
    assert report.moved == 1
    assert report.folders["INBOX"].flags_to_server == 1
    assert "\\Seen" in mailservers.message_flags(box)[0]
    assert len(mailservers.messages(box, "Trash")) == 1
    assert len(store.messages) == 3



def test_a_store_missing_a_method_cannot_be_created():
    """The store interfaces are abstract: a store that forgets a method fails when it
    is created, not in the middle of a sync."""
    from mail_accounts_ext.tools import pop3_fetch

    MemoryImapStore()  # complete: the defaults of pending_refetch/refetched suffice
    methods = {name: getattr(MemoryImapStore, name)
               for name in imap_sync.ImapStore.__abstractmethods__ if name != "pending_uploads"}
    incomplete = type("Incomplete", (imap_sync.ImapStore,), methods)
    with pytest.raises(TypeError, match="pending_uploads"):
        incomplete()
    with pytest.raises(TypeError, match="known_uidls"):
        pop3_fetch.Pop3Store()
