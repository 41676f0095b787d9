"""Upload stored messages into an IMAP folder, fast and without duplicates (plain Python).

Used by the *Change protocol* wizard to copy messages that exist only in Odoo (drafts,
the local archive of a POP3 account) into a folder of the new IMAP account.

* The target folder's Message-Ids are read once (one ``UID FETCH`` of the header
  field), so a message already there is reported ``exists`` and never sent twice.
* Messages go up in windows of pipelined ``APPEND`` commands with non-synchronising
  literals (``LITERAL+``/``LITERAL-``, RFC 7888): one round trip per window instead of
  one per message. Without that capability, one ``APPEND`` after the other.
* Each message gets its own result: ``copied`` (with the new UID when the server
  answers ``APPENDUID``), ``exists``, or ``failed`` with the error (a tagged ``NO``/
  ``BAD`` reply, or the connection's exception for every message it left unanswered).

The raw bytes are uploaded unchanged: headers (Message-Id, Date, From, To, Cc, Subject,
References, In-Reply-To), body and attachments stay as stored. Flags are not carried over.
"""

import email.utils
import imaplib
import re
import time
from dataclasses import dataclass

from .imap_sync import quote, utf7_encode

COPIED, EXISTS, FAILED = "copied", "exists", "failed"
LITERAL_MAX = 4096  # LITERAL- allows non-synchronising literals up to 4096 bytes
_APPENDUID_RE = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.I)
_MESSAGE_ID_RE = re.compile(rb"^Message-ID:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M)


@dataclass(frozen=True)
class Upload:
    """One message to upload: ``key`` identifies it for the caller (e.g. a record id)."""

    key: object
    raw: bytes
    date: float | None = None  # internal date (epoch seconds); None: the Date header


@dataclass(frozen=True)
class Result:
    key: object
    status: str  # copied / exists / failed
    message_id: str | None = None
    uid: int | None = None
    error: BaseException | None = None


def quote_mailbox(name):
    """A mailbox name in modified UTF-7, as a quoted IMAP string."""
    return quote(utf7_encode(name))


def message_id_of(raw):
    """The normalised Message-Id of a raw message (``<...>``), or None."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = _MESSAGE_ID_RE.search(head)
    if not match:
        return None
    value = re.sub(rb"\s+", b"", match.group(1)).decode("ascii", "replace")
    return normalize_message_id(value)


def normalize_message_id(value):
    value = (value or "").strip()
    if not value:
        return None
    if not value.startswith("<"):
        value = "<" + value.strip("<>") + ">"
    return value.lower()


def existing_message_ids(conn, mailbox):
    """Message-Ids already in ``mailbox`` (selected read-only, then closed)."""
    typ, data = conn.select(quote_mailbox(mailbox), readonly=True)
    if typ != "OK":
        raise imaplib.IMAP4.error(b" ".join(d or b"" for d in data).decode(errors="replace"))
    found = set()
    if int(data[0] or 0):
        typ, data = conn.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        if typ != "OK":
            raise imaplib.IMAP4.error(str(data))
        for item in data:
            if isinstance(item, tuple):
                message_id = message_id_of(item[1])
                if message_id:
                    found.add(message_id)
    conn.close()
    return found


def _internal_date(upload):
    stamp = upload.date
    if stamp is None:
        head = upload.raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        match = re.search(r"^Date:[ \t]*(.+)$", head, re.I | re.M)
        parsed = email.utils.parsedate_tz(match.group(1)) if match else None
        stamp = email.utils.mktime_tz(parsed) if parsed else time.time()
    return imaplib.Time2Internaldate(stamp)


def _crlf(raw):
    """IMAP literals are CRLF text: normalise bare LF line ends."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", raw)


def _literal_plus(conn):
    caps = {c.upper() for c in conn.capabilities}
    if "LITERAL+" in caps:
        return None  # any size
    if "LITERAL-" in caps:
        return LITERAL_MAX
    return 0


def append_messages(conn, mailbox, uploads, *, window=64, create=True, known_ids=None):
    """Upload ``uploads`` into ``mailbox``; return one :class:`Result` per upload, in order.

    ``conn`` is a logged-in ``imaplib.IMAP4``. ``known_ids``: Message-Ids already in
    the folder (read from the server when None). Uploads whose Message-Id is in the
    folder, or repeats one uploaded earlier in this call, are ``exists``.
    """
    if create:
        conn.create(quote_mailbox(mailbox))  # NO when it exists: fine
    if known_ids is None:
        known_ids = existing_message_ids(conn, mailbox)
    known_ids = set(known_ids)
    results, todo = {}, []
    for index, upload in enumerate(uploads):
        message_id = message_id_of(upload.raw)
        if message_id and message_id in known_ids:
            results[index] = Result(upload.key, EXISTS, message_id)
            continue
        if message_id:
            known_ids.add(message_id)
        todo.append((index, upload, message_id))
    limit = _literal_plus(conn)
    pipelined = [item for item in todo if limit is None or len(_crlf(item[1].raw)) <= (limit or -1)]
    pipelined_idx = {item[0] for item in pipelined}
    sequential = [item for item in todo if item[0] not in pipelined_idx]
    for start in range(0, len(pipelined), window):
        chunk = pipelined[start:start + window]
        results.update(_append_window(conn, mailbox, chunk))
    for index, upload, message_id in sequential:
        results[index] = _append_one(conn, mailbox, upload, message_id)
    return [results[i] for i in range(len(results))]


def _append_one(conn, mailbox, upload, message_id):
    try:
        typ, data = conn.append(quote_mailbox(mailbox), None, _internal_date(upload),
                                _crlf(upload.raw))
    except (imaplib.IMAP4.error, OSError) as error:
        return Result(upload.key, FAILED, message_id, error=error)
    if typ != "OK":
        text = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        return Result(upload.key, FAILED, message_id, error=imaplib.IMAP4.error(text))
    return Result(upload.key, COPIED, message_id, uid=_appenduid(data))


def _appenduid(data):
    for item in data or ():
        if isinstance(item, bytes):
            match = _APPENDUID_RE.search(item)
            if match:
                return int(match.group(2))
    return None


def _append_window(conn, mailbox, chunk):
    """Send a window of APPENDs with non-synchronising literals, then read the replies."""
    tags = {}
    payload = []
    target = quote_mailbox(mailbox).encode()
    for index, upload, message_id in chunk:
        tag = conn._new_tag()  # pylint: disable=protected-access
        tags[tag] = (index, upload, message_id)
        body = _crlf(upload.raw)
        payload.append(b"%s APPEND %s \"%s\" {%d+}\r\n%s\r\n" % (
            tag, target, _internal_date(upload)[1:-1].encode(), len(body), body))
    results = {}
    try:
        conn.send(b"".join(payload))
        while len(results) < len(tags):
            line = conn.readline()
            if not line:
                raise imaplib.IMAP4.abort("connection closed by the server")
            tag, _sep, rest = line.rstrip(b"\r\n").partition(b" ")
            if tag not in tags:
                continue  # untagged data (* EXISTS ...) or a continuation
            index, upload, message_id = tags[tag]
            status, _sep, text = rest.partition(b" ")
            if status.upper() == b"OK":
                results[index] = Result(upload.key, COPIED, message_id, uid=_appenduid([rest]))
            else:
                error = imaplib.IMAP4.error(text.decode(errors="replace"))
                results[index] = Result(upload.key, FAILED, message_id, error=error)
    except (imaplib.IMAP4.error, OSError) as error:
        for index, upload, message_id in tags.values():
            results.setdefault(index, Result(upload.key, FAILED, message_id, error=error))
    finally:
        for tag in tags:
            conn.tagged_commands.pop(tag, None)
    return results
