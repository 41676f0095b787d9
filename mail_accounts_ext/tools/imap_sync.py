"""Two-way IMAP synchronisation of a mailbox with a local store (plain Python).

:func:`synchronize` takes a logged-in ``imaplib.IMAP4`` (``connection.open_imap``)
and a *store*, an object with the methods of :class:`ImapStore` (the Odoo layer
implements them with the ORM, the tests with dictionaries), and:

1. mirrors the folder list (``LIST``), giving every folder a role from its
   special-use attribute (RFC 6154: ``\\Sent`` ``\\Drafts`` ``\\Trash`` ``\\Junk``)
   or, failing that, from its usual name; missing Sent / Drafts / Trash folders
   are created on the server;
2. pushes local changes: copies to append (sent mail, drafts), moves (Delete
   = move to the Trash folder, with ``UID MOVE`` or ``COPY`` + ``\\Deleted`` +
   ``EXPUNGE``), ``\\Seen`` flags set or cleared locally, permanent deletions;
3. per folder, by UID: checks ``UIDVALIDITY`` (a new value makes the store forget
   the folder's UIDs; the messages are matched again by Message-Id, never
   duplicated), reads the flags of the mirrored UID range (``UID FETCH n:*
   (FLAGS)``: flag changes made elsewhere and messages removed elsewhere), and
   downloads the messages it does not have in chunks, each chunk handed to
   ``store.store`` (the ORM commits there); messages the store asks for again
   (``pending_refetch``: stored before a fix of the decoding) are downloaded again
   and handed to ``store.refetched``. The first sync of a folder is bounded
   (messages of the last ``since_days`` days, at most ``max_messages``): older
   mail stays on the server only. A folder whose ``UIDNEXT``, message count and
   ``HIGHESTMODSEQ`` (CONDSTORE) did not change is skipped at once.

It returns a :class:`SyncReport` that says, per folder, which UIDs were
downloaded. Store exceptions propagate: what earlier chunks stored stays
stored, and the next run downloads only what is still missing, because the set
of UIDs to download is always "on the server, in range, minus what the store
has or deleted".

No Odoo import here: this module is tested without a database.
"""

import abc
import datetime
import email
import imaplib
import re
import time
from dataclasses import dataclass, field

from .imap_utf7 import quote, utf7_decode, utf7_encode
from .parse import normalize_message_id, parse_message

ROLES = ("inbox", "drafts", "sent", "junk", "trash", "other")
SPECIAL_USE_ROLES = {"\\sent": "sent", "\\drafts": "drafts", "\\trash": "trash", "\\junk": "junk"}
# Usual names of special folders on servers without special-use attributes
# (last path component, lower case): English, Polish, Ukrainian, common providers.
NAME_ROLES = {
    "sent": "sent", "sent items": "sent", "sent messages": "sent", "sent mail": "sent",
    "wysłane": "sent", "elementy wysłane": "sent", "надіслані": "sent",
    "відправлені": "sent",
    "drafts": "drafts", "draft": "drafts", "szkice": "drafts", "kopie robocze": "drafts",
    "чернетки": "drafts",
    "trash": "trash", "deleted items": "trash", "deleted messages": "trash", "bin": "trash",
    "kosz": "trash", "elementy usunięte": "trash", "кошик": "trash", "видалені": "trash",
    "junk": "junk", "spam": "junk", "junk e-mail": "junk", "junk email": "junk",
    "bulk mail": "junk", "спам": "junk",
}
# Not selectable, or virtual views that repeat messages of other folders (Gmail's
# All Mail, Starred, Important): never mirrored.
SKIP_ATTRIBUTES = {"\\noselect", "\\nonexistent", "\\all", "\\flagged", "\\important"}
CREATE_NAMES = {"sent": "Sent", "drafts": "Drafts", "trash": "Trash"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Folder:
    """A server folder: ``server_name`` is what commands use (modified UTF-7)."""

    name: str
    server_name: str
    delimiter: str | None
    role: str
    attributes: tuple = ()


@dataclass
class FolderState:
    """What the store remembers of a folder between runs (0: unknown)."""

    uidvalidity: int = 0
    uidnext: int = 0
    exists: int = 0
    highestmodseq: int = 0
    last_uid: int = 0
    sync_from_uid: int = 0  # lowest mirrored UID; 0: the folder was never synced


@dataclass
class FetchedMessage:
    """A downloaded message (``uid`` for IMAP, ``uidl`` for POP3)."""

    raw: bytes
    parsed: object
    uid: int | None = None
    uidl: str | None = None
    seen: bool = False
    flags: tuple = ()
    size: int = 0
    internal_date: datetime.datetime | None = None


@dataclass(frozen=True)
class Move:
    key: object
    source: str  # server_name of the folder holding ``uid``
    uid: int
    target: str


@dataclass(frozen=True)
class Upload:
    key: object
    target: str
    raw: bytes
    flags: tuple = ()


@dataclass
class FolderReport:
    fetched_uids: list = field(default_factory=list)
    flags_from_server: int = 0
    flags_to_server: int = 0
    vanished: int = 0
    expunged: int = 0
    refetched: int = 0
    adopted: int = 0
    reset: bool = False
    unchanged: bool = False


@dataclass
class SyncReport:
    folders: dict = field(default_factory=dict)  # folder name -> FolderReport
    moved: int = 0
    uploaded: int = 0
    created_folders: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def fetched(self):
        return sum(len(report.fetched_uids) for report in self.folders.values())

    def fetched_uids(self, name):
        report = self.folders.get(name)
        return list(report.fetched_uids) if report else []


@dataclass
class SyncOptions:
    since_days: int = 30  # first sync: only the last days (0: no date limit)
    max_messages: int = 500  # first sync: at most this many per folder (0: no limit)
    chunk_messages: int = 100
    chunk_bytes: int = 16 * 1024 * 1024
    create_missing: tuple = ("sent", "drafts", "trash")
    now: datetime.datetime | None = None


class ImapStore(abc.ABC):
    """The local side of a sync. Folders are named by their ``server_name``.

    ``key`` values are the store's own references to local messages. A store implements
    every abstract method (it cannot be created otherwise); ``pending_refetch`` and
    ``refetched`` have defaults (nothing to download again).
    """

    @abc.abstractmethod
    def update_folders(self, folders):
        """Create or update these folders; forget local folders not listed."""

    @abc.abstractmethod
    def folder_states(self):
        """{server_name: FolderState} of the known folders."""

    @abc.abstractmethod
    def save_state(self, folder, state):
        """Keep ``state`` (a :class:`FolderState`) of ``folder`` after a sync step."""

    @abc.abstractmethod
    def reset_folder(self, folder, uidvalidity):
        """UIDVALIDITY changed: forget every UID of the folder (keep the messages)."""

    @abc.abstractmethod
    def local_uids(self, folder):
        """{uid: seen} of the local messages whose server copy is in ``folder``."""

    @abc.abstractmethod
    def deleted_uids(self, folder):
        """UIDs of ``folder`` deleted locally: never downloaded again."""

    @abc.abstractmethod
    def unmatched_message_ids(self, folder):
        """Message-Ids of messages (or deletions) of ``folder`` whose UID is unknown."""

    @abc.abstractmethod
    def adopt(self, folder, uids_by_message_id):
        """Give UIDs ({message_id: (uid, seen)}) to the unmatched messages/deletions."""

    @abc.abstractmethod
    def store(self, folder, messages, state):
        """Keep these new :class:`FetchedMessage` (one chunk) and ``state``."""

    @abc.abstractmethod
    def set_flags(self, folder, seen_by_uid):
        """The server changed ``\\Seen`` of these messages: {uid: seen}."""

    @abc.abstractmethod
    def vanished(self, folder, uids):
        """These UIDs are no longer on the server (messages and deletions)."""

    @abc.abstractmethod
    def pending_flags(self, folder):
        """{uid: seen} changed locally, to push."""

    @abc.abstractmethod
    def flags_pushed(self, folder, uids):
        """The ``\\Seen`` changes of these UIDs reached the server: no longer pending."""

    @abc.abstractmethod
    def pending_expunges(self, folder):
        """UIDs deleted for good locally whose server copy must go too."""

    @abc.abstractmethod
    def expunged(self, folder, uids):
        """These UIDs deleted for good locally are gone from the server too."""

    @abc.abstractmethod
    def pending_moves(self):
        """:class:`Move` list: messages moved locally to another folder."""

    @abc.abstractmethod
    def moved(self, key, target, uid):
        """The server copy is now in ``target`` with ``uid`` (None: unknown yet)."""

    @abc.abstractmethod
    def pending_uploads(self):
        """:class:`Upload` list: local messages to append on the server."""

    @abc.abstractmethod
    def uploaded(self, key, target, uid):
        """The local message ``key`` was appended to ``target`` as ``uid`` (None:
        unknown yet)."""

    def pending_refetch(self, folder):
        """UIDs of ``folder`` whose stored copy must be decoded again from the server's."""
        return []

    def refetched(self, folder, messages, uids):  # noqa: B027 - optional, see pending_refetch
        """``messages`` (:class:`FetchedMessage`) were downloaded again for ``uids``;
        the UIDs without a message are no longer on the server."""


# --------------------------------------------------------------------------- helpers


def uid_set(uids):
    """Compact sequence set: [1, 2, 3, 7, 9, 10] -> "1:3,7,9:10"."""
    ranges, start, previous = [], None, None
    for uid in sorted(set(uids)):
        if start is None:
            start = previous = uid
        elif uid == previous + 1:
            previous = uid
        else:
            ranges.append((start, previous))
            start = previous = uid
    if start is not None:
        ranges.append((start, previous))
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in ranges)


def imap_date(day):
    """A date as IMAP SEARCH wants it (English month names, whatever the locale)."""
    return f"{day.day:02d}-{MONTHS[day.month - 1]}-{day.year:04d}"


_INTERNALDATE_RE = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")


def parse_internaldate(text):
    """IMAP INTERNALDATE ("25-Nov-2026 00:39:24 +0000") -> naive UTC datetime."""
    match = _INTERNALDATE_RE.search(text or "")
    if not match:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    try:
        value = datetime.datetime(int(year), MONTHS.index(month.title()) + 1, int(day),
                                  int(hour), int(minute), int(second))
    except ValueError:
        return None
    offset = datetime.timedelta(hours=int(off_h), minutes=int(off_m))
    return value - offset if sign == "+" else value + offset


def capabilities(conn):
    """The server's capabilities after login (upper case)."""
    typ, data = conn.capability()
    if typ == "OK" and data and data[-1]:
        return set(data[-1].decode("ascii", "replace").upper().split())
    return {cap.upper() for cap in conn.capabilities}


def _check(typ, data, command):
    if typ != "OK":
        text = b" ".join(item for item in data or () if isinstance(item, bytes))
        raise imaplib.IMAP4.error(f"{command}: {text.decode('utf-8', 'replace')}")


def _response_int(conn, name):
    _typ, data = conn.response(name)
    for item in reversed(data or ()):
        if item:
            try:
                return int(item.split()[0])
            except (ValueError, IndexError):
                continue
    return 0


def _code_uid_map(conn, name, data):
    """{source uid: new uid} from a COPYUID (or {None: uid} from APPENDUID) code."""
    texts = [item for item in data or () if isinstance(item, bytes)]
    _typ, untagged = conn.response(name)
    texts += [b"[" + name.encode() + b" " + item + b"]" for item in untagged or () if item]
    pattern = re.compile(rb"\[" + name.encode() + rb" (\d+) ([0-9:,]+)(?: ([0-9:,]+))?\]")
    mapping = {}
    for text in texts:
        match = pattern.search(text)
        if not match:
            continue
        if name == "APPENDUID":
            mapping[None] = _expand(match.group(2))[-1]
        elif match.group(3):
            mapping.update(zip(_expand(match.group(2)), _expand(match.group(3)), strict=False))
    return mapping


def _expand(text):
    uids = []
    for part in text.decode().split(","):
        low, _sep, high = part.partition(":")
        low, high = int(low), int(high or low)
        uids.extend(range(min(low, high), max(low, high) + 1))
    return uids


# --------------------------------------------------------------------------- LIST

_LIST_RE = re.compile(
    rb'^\((?P<attrs>[^)]*)\)\s+(?P<delim>NIL|"(?:[^"\\]|\\.)*")\s+(?P<name>.*)$', re.S)


def _unquote(value):
    value = value.strip()
    if value.startswith(b'"') and value.endswith(b'"') and len(value) >= 2:
        value = re.sub(rb"\\(.)", rb"\1", value[1:-1])
    return value.decode("utf-8", "replace")


def parse_list(data):
    """[(attributes lower-case tuple, delimiter, server_name)] of a LIST answer."""
    entries = []
    for item in data or ():
        if item is None:
            continue
        if isinstance(item, tuple):  # the name came as a literal
            head, name = item[0], item[1]
            match = _LIST_RE.match(head.rsplit(b"{", 1)[0] + b"x")
            if not match:
                continue
            server_name = name.decode("utf-8", "replace")
        else:
            match = _LIST_RE.match(item)
            if not match:
                continue
            server_name = _unquote(match.group("name"))
        attrs = tuple(attr.lower() for attr in match.group("attrs").decode().split())
        delim = match.group("delim")
        delimiter = None if delim == b"NIL" else _unquote(delim)
        entries.append((attrs, delimiter, server_name))
    return entries


def folder_role(server_name, attributes, delimiter):
    if server_name.upper() == "INBOX" or "\\inbox" in attributes:
        return "inbox"
    for attribute in attributes:
        if attribute in SPECIAL_USE_ROLES:
            return SPECIAL_USE_ROLES[attribute]
    return "other"


def list_folders(conn):
    """The selectable folders, with roles (special-use first, usual names next)."""
    typ, data = conn.list('""', '"*"')
    _check(typ, data, "LIST")
    folders = []
    for attrs, delimiter, server_name in parse_list(data):
        if SKIP_ATTRIBUTES & set(attrs):
            continue
        name = utf7_decode(server_name)
        if name.upper() == "INBOX":
            name = "INBOX"
        folders.append(Folder(name, server_name, delimiter,
                              folder_role(server_name, attrs, delimiter), attrs))
    taken = {folder.role for folder in folders}
    result = []
    for folder in folders:
        if folder.role == "other":
            leaf = folder.name.rsplit(folder.delimiter, 1)[-1] if folder.delimiter else folder.name
            role = NAME_ROLES.get(leaf.strip().lower())
            if role and role not in taken:
                taken.add(role)
                folder = Folder(folder.name, folder.server_name, folder.delimiter, role,
                                folder.attributes)
        result.append(folder)
    result.sort(key=lambda f: (ROLES.index(f.role), f.name.lower()))
    return result


def ensure_folders(conn, folders, roles, report):
    """Create the folders of ``roles`` the server lacks; returns the new folder list."""
    missing = [role for role in roles if role not in {folder.role for folder in folders}]
    if not missing:
        return folders
    inbox = next((folder for folder in folders if folder.role == "inbox"), None)
    delimiter = inbox.delimiter if inbox else None
    for role in missing:
        name = CREATE_NAMES[role]
        candidates = [name] + ([f"INBOX{delimiter}{name}"] if delimiter else [])
        for candidate in candidates:
            typ, data = conn.create(quote(utf7_encode(candidate)))
            if typ == "OK" or b"ALREADYEXISTS" in b" ".join(d or b"" for d in data):
                conn.subscribe(quote(utf7_encode(candidate)))
                report.created_folders.append(candidate)
                break
        else:
            report.problems.append(f"CREATE {name}: {data!r}")
    listed = list_folders(conn)
    # A created folder without special-use gets its role from its name.
    return listed


# --------------------------------------------------------------------------- FETCH

_NEW_ITEM_RE = re.compile(rb"^\d+ \(")
_UID_RE = re.compile(rb"\bUID (\d+)")
_FLAGS_RE = re.compile(rb"\bFLAGS \(([^)]*)\)")
_SIZE_RE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_DATE_RE = re.compile(rb'\bINTERNALDATE "([^"]+)"')


def fetch_items(data):
    """Group an imaplib FETCH answer by message: [{"uid", "flags", "size", ...}]."""
    items, current = [], None

    def flush():
        if current is None:
            return
        meta = current["meta"]
        uid = _UID_RE.search(meta)
        if not uid:
            return  # an unsolicited FETCH (flag change of another session)
        flags = _FLAGS_RE.search(meta)
        size = _SIZE_RE.search(meta)
        date = _DATE_RE.search(meta)
        items.append({
            "uid": int(uid.group(1)),
            "flags": tuple(flags.group(1).decode().split()) if flags else None,
            "size": int(size.group(1)) if size else 0,
            "internal_date": parse_internaldate(date.group(1).decode()) if date else None,
            "literal": current["literal"],
        })

    for element in data or ():
        if element is None:
            continue
        if isinstance(element, tuple):
            meta, literal = element[0], element[1]
            if current is not None and not _NEW_ITEM_RE.match(meta):
                current["meta"] += meta
                current["literal"] = literal
                continue
            flush()
            current = {"meta": meta, "literal": literal}
        elif current is not None and current["literal"] is not None and \
                not _NEW_ITEM_RE.match(element):
            current["meta"] += element  # the rest of a response after its literal
        else:
            flush()
            current = {"meta": element, "literal": None}
    flush()
    return items


def _uid_fetch(conn, uids_or_range, items):
    typ, data = conn.uid("FETCH", uids_or_range, items)
    _check(typ, data, "UID FETCH")
    return fetch_items(data)


def _is_seen(flags):
    return "\\seen" in {flag.lower() for flag in flags or ()}


def fetch_flags(conn, uids_or_range, low=0):
    """{uid: (seen, size)} for a UID set or range (UIDs below ``low`` dropped)."""
    result = {}
    for item in _uid_fetch(conn, uids_or_range, "(UID FLAGS RFC822.SIZE)"):
        if item["uid"] >= low and item["flags"] is not None:
            result[item["uid"]] = (_is_seen(item["flags"]), item["size"])
    return result


def fetch_message_ids(conn, uids):
    """{uid: Message-Id} from the headers only."""
    result = {}
    for chunk in _split(sorted(uids), 500):
        for item in _uid_fetch(conn, uid_set(chunk),
                               "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"):
            literal = item["literal"] or b""
            value = email.message_from_bytes(literal).get("Message-Id", "")
            result[item["uid"]] = normalize_message_id(str(value))
    return result


def fetch_messages(conn, uids):
    """:class:`FetchedMessage` list (UID order) for these UIDs; parsed safely."""
    messages = []
    items = _uid_fetch(conn, uid_set(uids), "(UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[])")
    for item in sorted(items, key=lambda entry: entry["uid"]):
        raw = item["literal"]
        if raw is None:
            continue
        flags = item["flags"] or ()
        messages.append(FetchedMessage(
            raw=raw, parsed=parse_message(raw), uid=item["uid"], seen=_is_seen(flags),
            flags=flags, size=item["size"] or len(raw), internal_date=item["internal_date"],
        ))
    return messages


def _split(values, size):
    for index in range(0, len(values), size):
        yield values[index:index + size]


def _chunks(uids, sizes, options):
    """UIDs in ascending chunks bounded by message count and total size."""
    chunk, total = [], 0
    for uid in sorted(uids):
        size = sizes.get(uid, 0)
        if chunk and (len(chunk) >= options.chunk_messages
                      or total + size > options.chunk_bytes):
            yield chunk
            chunk, total = [], 0
        chunk.append(uid)
        total += size
    if chunk:
        yield chunk


# --------------------------------------------------------------------------- pushes


def _store_flag(conn, uids, flag, add):
    if not uids:
        return
    typ, data = conn.uid("STORE", uid_set(uids), "+FLAGS.SILENT" if add else "-FLAGS.SILENT",
                         f"({flag})")
    _check(typ, data, "UID STORE")


def _expunge(conn, uids, caps):
    _store_flag(conn, uids, "\\Deleted", True)
    if "UIDPLUS" in caps:
        typ, data = conn.uid("EXPUNGE", uid_set(uids))
    else:  # also expunges other messages flagged \Deleted by another client
        typ, data = conn.expunge()
    _check(typ, data, "EXPUNGE")


def push_uploads(conn, store, report=None):
    """APPEND the store's pending uploads (sent copies, drafts); returns the count."""
    count = 0
    for upload in store.pending_uploads():
        flags = "(" + " ".join(upload.flags) + ")" if upload.flags else None
        conn.response("APPENDUID")  # forget older codes
        typ, data = conn.append(quote(upload.target), flags,
                                imaplib.Time2Internaldate(time.time()), upload.raw)
        if typ != "OK":
            if report is not None:
                report.problems.append(f"APPEND {upload.target}: {data!r}")
            continue
        store.uploaded(upload.key, upload.target,
                       _code_uid_map(conn, "APPENDUID", data).get(None))
        count += 1
    return count


def push_moves(conn, store, caps, known_folders, report=None):
    """Move server copies of messages moved locally; returns the count."""
    moves = [move for move in store.pending_moves()
             if move.source in known_folders and move.target in known_folders]
    by_source = {}
    for move in moves:
        by_source.setdefault(move.source, {}).setdefault(move.target, []).append(move)
    count = 0
    for source, targets in by_source.items():
        typ, data = conn.select(quote(source))
        if typ != "OK":
            if report is not None:
                report.problems.append(f"SELECT {source}: {data!r}")
            continue
        for target, group in targets.items():
            uids = [move.uid for move in group]
            conn.response("COPYUID")
            try:
                if "MOVE" in caps:
                    typ, data = conn.uid("MOVE", uid_set(uids), quote(target))
                    _check(typ, data, "UID MOVE")
                else:
                    typ, data = conn.uid("COPY", uid_set(uids), quote(target))
                    _check(typ, data, "UID COPY")
                    _expunge(conn, uids, caps)
            except imaplib.IMAP4.error as error:
                if report is not None:
                    report.problems.append(str(error))
                continue
            mapping = _code_uid_map(conn, "COPYUID", data)
            for move in group:
                store.moved(move.key, target, mapping.get(move.uid))
                count += 1
    return count


def _push_folder_changes(conn, store, server_name, caps, report):
    """\\Seen changes and permanent deletions of the selected folder; True if any."""
    pending = store.pending_flags(server_name)
    for seen in (True, False):
        _store_flag(conn, [uid for uid, value in pending.items() if value is seen], "\\Seen", seen)
    if pending:
        store.flags_pushed(server_name, list(pending))
        report.flags_to_server = len(pending)
    expunges = store.pending_expunges(server_name)
    if expunges:
        _expunge(conn, expunges, caps)
        store.expunged(server_name, expunges)
        report.expunged = len(expunges)
    return bool(pending or expunges)


def push_changes(conn, store):
    """Push local changes only (no download): appends, moves, flags, deletions.

    Returns a :class:`SyncReport` (``folders`` holds the folders that had changes).
    """
    caps = capabilities(conn)
    report = SyncReport()
    known = set(store.folder_states())
    report.uploaded = push_uploads(conn, store, report)
    report.moved = push_moves(conn, store, caps, known, report)
    for server_name in sorted(known):
        if not (store.pending_flags(server_name) or store.pending_expunges(server_name)):
            continue
        typ, data = conn.select(quote(server_name))
        if typ != "OK":
            report.problems.append(f"SELECT {server_name}: {data!r}")
            continue
        folder_report = FolderReport()
        _push_folder_changes(conn, store, server_name, caps, folder_report)
        report.folders[utf7_decode(server_name)] = folder_report
    return report


# --------------------------------------------------------------------------- sync


def _refetch(conn, store, server_name, report):
    """Download again what the store asks for (selected folder); True if anything."""
    uids = sorted(set(store.pending_refetch(server_name)))
    for chunk in _split(uids, 100):
        messages = fetch_messages(conn, chunk)
        store.refetched(server_name, messages, chunk)
        report.refetched += len(messages)
    return bool(uids)


def _first_sync_uids(conn, options):
    """UIDs a folder's first sync mirrors: the last days, at most max_messages."""
    if options.since_days:
        now = options.now or datetime.datetime.now(datetime.timezone.utc)
        since = (now - datetime.timedelta(days=options.since_days)).date()
        typ, data = conn.uid("SEARCH", None, "SINCE", imap_date(since))
    else:
        typ, data = conn.uid("SEARCH", None, "ALL")
    _check(typ, data, "UID SEARCH")
    uids = sorted({int(uid) for line in data or () if line for uid in line.split()})
    if options.max_messages:
        uids = uids[-options.max_messages:]
    return uids


def sync_folder(conn, store, folder, state, options, caps):
    """Synchronise one selectable folder; returns its :class:`FolderReport`."""
    report = FolderReport()
    typ, data = conn.select(quote(folder.server_name))
    _check(typ, data, f"SELECT {folder.name}")
    exists = int(data[0]) if data and data[0] and data[0].isdigit() else 0
    uidvalidity = _response_int(conn, "UIDVALIDITY")
    uidnext = _response_int(conn, "UIDNEXT")
    modseq = _response_int(conn, "HIGHESTMODSEQ")
    if state.uidvalidity and uidvalidity and state.uidvalidity != uidvalidity:
        store.reset_folder(folder.server_name, uidvalidity)
        state = FolderState(uidvalidity=uidvalidity)
        report.reset = True

    pushed = _push_folder_changes(conn, store, folder.server_name, caps, report)
    _refetch(conn, store, folder.server_name, report)

    if (state.sync_from_uid and not pushed and modseq
            and (uidvalidity, uidnext, exists, modseq)
            == (state.uidvalidity, state.uidnext, state.exists, state.highestmodseq)):
        report.unchanged = True
        return report

    local = store.local_uids(folder.server_name)
    deleted = set(store.deleted_uids(folder.server_name))
    if state.sync_from_uid:
        sync_from = state.sync_from_uid
        server = fetch_flags(conn, f"{sync_from}:*", low=sync_from) if exists else {}
        gone = [uid for uid in list(local) + list(deleted) if uid not in server]
        if gone:
            store.vanished(folder.server_name, gone)
            report.vanished = len([uid for uid in gone if uid in local])
        changes = {uid: seen for uid, (seen, _size) in server.items()
                   if uid in local and local[uid] != seen}
        if changes:
            store.set_flags(folder.server_name, changes)
            report.flags_from_server = len(changes)
    else:
        first = _first_sync_uids(conn, options) if exists else []
        sync_from = first[0] if first else max(uidnext, 1)
        server = fetch_flags(conn, uid_set(first)) if first else {}

    wanted = [uid for uid in server if uid not in local and uid not in deleted]
    unmatched = store.unmatched_message_ids(folder.server_name) if wanted else set()
    if unmatched:
        found = {}
        for uid, message_id in sorted(fetch_message_ids(conn, wanted).items()):
            if message_id in unmatched and message_id not in found:
                found[message_id] = (uid, server[uid][0])
        if found:
            store.adopt(folder.server_name, found)
            adopted = {uid for uid, _seen in found.values()}
            wanted = [uid for uid in wanted if uid not in adopted]
            report.adopted = len(adopted)

    sizes = {uid: size for uid, (_seen, size) in server.items()}
    last_uid = state.last_uid
    for chunk in _chunks(wanted, sizes, options):
        messages = fetch_messages(conn, chunk)
        if not messages:
            continue
        last_uid = max(last_uid, max(message.uid for message in messages))
        store.store(folder.server_name, messages, FolderState(
            uidvalidity=uidvalidity, uidnext=state.uidnext, exists=state.exists,
            highestmodseq=state.highestmodseq, last_uid=last_uid, sync_from_uid=sync_from,
        ))
        report.fetched_uids.extend(message.uid for message in messages)
    store.save_state(folder.server_name, FolderState(
        uidvalidity=uidvalidity, uidnext=uidnext, exists=exists, highestmodseq=modseq,
        last_uid=max([last_uid, *server]), sync_from_uid=sync_from,
    ))
    return report


def synchronize(conn, store, options=None):
    """Synchronise every folder of the mailbox with ``store``; see the module doc."""
    options = options or SyncOptions()
    caps = capabilities(conn)
    if "CONDSTORE" in caps and "ENABLE" in caps:
        try:
            conn.enable("CONDSTORE")
        except imaplib.IMAP4.error:
            caps.discard("CONDSTORE")
    report = SyncReport()
    folders = list_folders(conn)
    if not any(folder.role == "inbox" for folder in folders):
        raise imaplib.IMAP4.error("LIST: the server listed no INBOX")
    folders = ensure_folders(conn, folders, options.create_missing, report)
    store.update_folders(folders)
    known = {folder.server_name for folder in folders}
    report.uploaded = push_uploads(conn, store, report)
    report.moved = push_moves(conn, store, caps, known, report)
    states = store.folder_states()
    for folder in folders:
        try:
            report.folders[folder.name] = sync_folder(
                conn, store, folder, states.get(folder.server_name) or FolderState(), options,
                caps)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as error:  # NO/BAD for one folder: go on with the others
            report.problems.append(str(error))
    return report
