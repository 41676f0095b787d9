"""POP3 download of an Inbox into a local store (plain Python).

:func:`fetch` takes a logged-in ``poplib.POP3`` (``connection.open_pop3``) and a
*store* with the methods of :class:`Pop3Store`, and:

1. lists the messages with their unique ids (``UIDL``) and sizes (``LIST``);
2. marks for deletion (``DELE``) the messages the store says were deleted for
   good locally with "delete on server" on: only those, since messages are left
   on the server by default;
3. downloads again the messages the store asks for (``pending_refetch``: stored
   before a fix of the decoding) and hands them to ``store.refetched``;
4. downloads (``RETR``) the messages whose UIDL the store does not know, newest
   first, at most ``max_messages`` per run, in chunks handed to
   ``store.store`` (the ORM commits there);
5. ends with ``QUIT``, which is when the server really deletes; only then does
   it tell the store which deletions are done.

An exception (network, store) ends the session *without* ``QUIT``: the server
deletes nothing, what earlier chunks stored stays stored, and the next run skips
it by UIDL, so nothing is lost or fetched twice.

No Odoo import here: this module is tested without a database.
"""

import abc
import contextlib
from dataclasses import dataclass, field

from .imap_sync import FetchedMessage
from .parse import parse_message


class Pop3Store(abc.ABC):
    """The local side of a POP3 fetch: a store implements every abstract method;
    ``pending_refetch`` and ``refetched`` have defaults (nothing to download again)."""

    @abc.abstractmethod
    def known_uidls(self):
        """UIDLs never to download again: stored messages and local deletions."""

    @abc.abstractmethod
    def pending_deletions(self):
        """UIDLs deleted for good locally whose server copy must go too."""

    @abc.abstractmethod
    def store(self, messages):
        """Keep these new :class:`~.imap_sync.FetchedMessage` (one chunk)."""

    @abc.abstractmethod
    def deleted_on_server(self, uidls):
        """The server deleted these (after QUIT)."""

    @abc.abstractmethod
    def forget_deletions(self, current_uidls):
        """Drop deletion records of UIDLs that are no longer on the server."""


    def pending_refetch(self):
        """UIDLs whose stored copy must be decoded again from the server's."""
        return []

    def refetched(self, messages, uidls):  # noqa: B027 - optional, see pending_refetch
        """``messages`` were downloaded again for ``uidls``; the UIDLs without a
        message are no longer on the server."""


@dataclass
class FetchReport:
    fetched_uidls: list = field(default_factory=list)
    deleted_uidls: list = field(default_factory=list)
    refetched_uidls: list = field(default_factory=list)
    remaining: int = 0  # new messages left for the next run (max_messages reached)

    @property
    def fetched(self):
        return len(self.fetched_uidls)


def _listing(conn):
    """[(number, uidl, size)] in message number (arrival) order."""
    _resp, lines, _octets = conn.uidl()
    uidls = {}
    for line in lines:
        number, _sep, uidl = line.decode("ascii", "replace").strip().partition(" ")
        if number.isdigit() and uidl:
            uidls[int(number)] = uidl.strip()
    sizes = {}
    with contextlib.suppress(Exception):
        _resp, lines, _octets = conn.list()
        for line in lines:
            number, _sep, size = line.decode("ascii", "replace").strip().partition(" ")
            if number.isdigit() and size.strip().isdigit():
                sizes[int(number)] = int(size)
    return [(number, uidl, sizes.get(number, 0)) for number, uidl in sorted(uidls.items())]


def retrieve(conn, number, uidl, size=0):
    """RETR one message as a :class:`FetchedMessage` (parsed safely)."""
    _resp, lines, _octets = conn.retr(number)
    raw = b"\r\n".join(lines) + b"\r\n"
    return FetchedMessage(raw=raw, parsed=parse_message(raw), uidl=uidl, size=size or len(raw))


def fetch(conn, store, *, max_messages=500, chunk_messages=50):
    """Download new messages and apply pending deletions; returns a :class:`FetchReport`.

    The caller closes the connection only on error (``close()``); on success this
    function has sent ``QUIT``.
    """
    report = FetchReport()
    listing = _listing(conn)
    pending = set(store.pending_deletions())
    for number, uidl, _size in listing:
        if uidl in pending:
            conn.dele(number)
            report.deleted_uidls.append(uidl)
    refetch = set(store.pending_refetch())
    if refetch:
        again = [entry for entry in listing if entry[1] in refetch and entry[1] not in pending]
        for start in range(0, len(again), chunk_messages):
            chunk = [retrieve(conn, number, uidl, size)
                     for number, uidl, size in again[start:start + chunk_messages]]
            store.refetched(chunk, [message.uidl for message in chunk])
            report.refetched_uidls.extend(message.uidl for message in chunk)
        gone = refetch - {uidl for _number, uidl, _size in again}
        if gone:
            store.refetched([], sorted(gone))
    known = set(store.known_uidls())
    new = [entry for entry in listing if entry[1] not in known and entry[1] not in pending]
    new.reverse()  # newest first
    if max_messages and len(new) > max_messages:
        report.remaining = len(new) - max_messages
        new = new[:max_messages]
    for start in range(0, len(new), chunk_messages):
        chunk = [retrieve(conn, number, uidl, size)
                 for number, uidl, size in new[start:start + chunk_messages]]
        store.store(chunk)
        report.fetched_uidls.extend(message.uidl for message in chunk)
    conn.quit()
    if report.deleted_uidls:
        store.deleted_on_server(report.deleted_uidls)
    store.forget_deletions({uidl for _number, uidl, _size in listing}
                           - set(report.deleted_uidls))
    return report
