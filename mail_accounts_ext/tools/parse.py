"""Turn raw RFC 5322 messages into what the mailbox stores, without ever failing.

:func:`parse_message` reads a message with the standard library ``email`` package
and returns a :class:`ParsedMessage`: the headers the mailbox shows and searches
(Message-Id, From, To, Cc, Reply-To, Subject, Date, In-Reply-To, References), one
body (HTML when the message has an HTML part, else its plain text, marked
``body_is_html=False``) and the attachments.

The headers the mailbox keeps are decoded by ``email.policy.default``'s header
registry (RFC 2047 encoded words, RFC 5322 address lists); raw 8-bit header bytes are
read as UTF-8 when they are UTF-8. Header values are *unfolded* first (RFC 5322
2.2.3: every line break of a folded header is removed), exactly as
``policy.default`` does before it calls its header factory: the factory only knows
spaces and tabs as folding white space, so a line break left between two encoded
words became a text token, the words were no longer "adjacent" in the RFC 2047
sense, and the white space between them ended up inside the decoded text
("dost awa" for "dostawa": mailers fold long subjects in the middle of words).
Attachment names get the same treatment (encoded words folded inside a quoted
``filename``, as Outlook writes them; RFC 2231 continuations are joined by the
parser). The MIME structure is walked with the parser's
legacy (``compat32``) message API: the same feed parser, but it does not run the
structured ``Content-Type`` parser of ``policy.default`` on every access, which made
whole-message parsing seven times slower (measured: 1,500 against 10,000 messages/s)
for the same result here.

Mail in the wild is often broken: bad charsets, headers that the modern parser
chokes on, truncated MIME structures, no Message-Id. Every step falls back to
something simpler (the legacy header decoding, the raw payload decoded as UTF-8
with replacement characters) and records what went wrong in ``problems``; a sync
never stops because of one message. A message without Message-Id gets a stable
synthetic one derived from its bytes, so deduplication still works.

Alternatives of a ``multipart/alternative`` that are not the chosen body but carry
data (``text/calendar`` invitations, any non-text part) are kept as attachments;
the first event of a calendar part is summarised in ``invitations``.

The body is *not* sanitized here: the ORM layer runs Odoo's ``html_sanitize``
(and turns plain text into HTML) when it stores the message.

No Odoo import here: this module is tested without a database.
"""

import datetime
import email
import email.header
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field

SYNTHETIC_ID_DOMAIN = "mail-accounts-ext.invalid"
MAX_MESSAGE_ID = 900
DEFAULT_ATTACHMENT_NAMES = {
    "message/rfc822": "message.eml",
    "text/calendar": "invite.ics",
    "text/plain": "text.txt",
    "text/html": "page.html",
}
BODY_TYPES = ("text/html", "text/plain")
CALENDAR_TYPES = ("text/calendar", "application/ics")
_WHITESPACE_RE = re.compile(r"\s+")
_MSGID_RE = re.compile(r"<[^<>\s]+>")
# Linear white space between two encoded words (RFC 2047 6.2: it is not displayed).
_EW = r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?="
_BETWEEN_EW_RE = re.compile(rf"({_EW})[ \t]+(?={_EW})")


@dataclass
class Attachment:
    filename: str
    mimetype: str
    content: bytes
    content_id: str = ""  # without angle brackets; inline parts referenced as cid:...
    inline: bool = False


@dataclass
class Invitation:
    """The first event of a calendar part (``text/calendar``)."""

    summary: str = ""
    start: datetime.datetime | datetime.date | None = None  # naive UTC, or a date
    end: datetime.datetime | datetime.date | None = None
    location: str = ""
    method: str = ""  # REQUEST, CANCEL, REPLY, PUBLISH...

    @property
    def all_day(self):
        return isinstance(self.start, datetime.date) and not isinstance(
            self.start, datetime.datetime)


@dataclass
class ParsedMessage:
    message_id: str
    subject: str = ""
    email_from: str = ""
    email_to: str = ""
    email_cc: str = ""
    reply_to: str = ""
    date: datetime.datetime | None = None  # naive UTC
    in_reply_to: str = ""
    references: str = ""
    body: str = ""
    body_is_html: bool = False
    attachments: list = field(default_factory=list)
    invitations: list = field(default_factory=list)
    size: int = 0
    problems: list = field(default_factory=list)
    synthetic_id: bool = False

    def referenced_ids(self):
        """Message-Ids this message answers (References then In-Reply-To), in order."""
        return referenced_ids(self.references, self.in_reply_to)


def referenced_ids(references, in_reply_to):
    """Message-Ids of References then In-Reply-To header values, without repeats."""
    found = _MSGID_RE.findall(references or "") + _MSGID_RE.findall(in_reply_to or "")
    return list(dict.fromkeys(found))


def synthetic_message_id(raw):
    """A stable Message-Id for a message that has none (same bytes, same id)."""
    digest = hashlib.sha256(raw or b"").hexdigest()[:40]
    return f"<{digest}@{SYNTHETIC_ID_DOMAIN}>"


def normalize_message_id(value):
    """``<id@host>`` from a header value (first id found); "" when there is none."""
    value = (value or "").strip()
    match = _MSGID_RE.search(value)
    if match:
        return match.group(0)
    value = _WHITESPACE_RE.sub("", value)
    return f"<{value}>" if value else ""


def _collapse(text):
    return _WHITESPACE_RE.sub(" ", text or "").strip()


def _unescape_8bit(value):
    """Header text read with surrogate escapes: UTF-8 when it is, else U+FFFD."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return value.encode("utf-8", "replace").decode("utf-8")


def unfold(value):
    """A header value without its folding line breaks (RFC 5322 2.2.3).

    The white space that starts a continuation line stays: between two encoded
    words it is then ignored by the decoder (RFC 2047 6.2), elsewhere it is the
    space the mailer folded at. ``policy.default`` unfolds the same way
    (``header_fetch_parse``).
    """
    return "".join((value or "").splitlines())


def join_encoded_words(value):
    """``value`` without the white space between adjacent encoded words.

    RFC 2047 6.2 says that white space is not displayed. ``policy.default`` drops
    it in unstructured headers (Subject) but keeps it in the display names of
    address headers (CPython 3.11: "Przed siębiorstwa" for a name folded there).
    """
    return _BETWEEN_EW_RE.sub(r"\1", value) if "=?" in value else value


def _legacy_header(raw_value):
    """Decode a raw header value the forgiving (compat32) way."""
    if raw_value is None:
        return ""
    if isinstance(raw_value, email.header.Header):
        raw_value = str(raw_value)
    raw_value = unfold(raw_value)
    try:
        return str(email.header.make_header(email.header.decode_header(raw_value)))
    except Exception:  # unknown charset, bad encoded word...
        return str(raw_value)


_HEADER_FACTORY = email.policy.default.header_factory


class _Headers:
    """Header decoding that never raises: ``policy.default`` first, legacy next."""

    def __init__(self, message, problems):
        self.raw = {}
        for name, value in message.raw_items():
            self.raw.setdefault(name.lower(), []).append(value)
        self.problems = problems

    def get(self, name):
        texts = []
        for value in self.raw.get(name.lower(), ()):
            if isinstance(value, email.header.Header):
                value = str(value)
            value = unfold(_unescape_8bit(value))
            if value.isascii() and "=?" not in value:
                texts.append(value)  # nothing to decode: as written
                continue
            try:
                texts.append(str(_HEADER_FACTORY(name, join_encoded_words(value))))
            except Exception as error:  # the modern header parser failed on this value
                self.problems.append(f"{name}: {error!r}")
                texts.append(_legacy_header(value))
        return _collapse(", ".join(texts))


def parse_date(value):
    """A naive UTC datetime from a Date header value, or None."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    if not 1970 <= parsed.year <= 9999:
        return None
    return parsed


def _decode_text(part, problems):
    try:
        payload = part.get_payload(decode=True)
    except Exception as error:
        problems.append(f"text payload: {error!r}")
        payload = None
    if payload is None:
        payload = part.get_payload()
        payload = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    charset = (part.get_content_charset() or "utf-8").strip()
    try:
        return payload.decode(charset, "replace")
    except (LookupError, TypeError, ValueError):
        problems.append(f"unknown charset {charset!r}")
        return payload.decode("utf-8", "replace")


def _payload_bytes(part, problems):
    try:
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, email.message.Message):
                return inner.as_bytes()
        return part.get_payload(decode=True) or b""
    except Exception as error:
        problems.append(f"attachment: {error!r}")
        payload = part.get_payload()
        return payload.encode("utf-8", "replace") if isinstance(payload, str) else b""


def _filename(part, problems):
    try:
        name = (part.get_filename() or "").strip()
    except Exception as error:
        problems.append(f"filename: {error!r}")
        return ""
    name = unfold(name)
    if "=?" in name:  # encoded words in a parameter (not RFC 2231, but common)
        name = _legacy_header(name)
    return _collapse(_unescape_8bit(name))


class _BodyCollector:
    def __init__(self, problems):
        self.problems = problems
        self.html = []
        self.text = []
        self.attachments = []

    def visit(self, part):
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            self._attach(part, ctype)
        elif part.is_multipart():
            children = self._children(part)
            if ctype == "multipart/alternative" and children:
                chosen = self._best_alternative(children)
                self.visit(chosen)
                for child in children:
                    if child is not chosen:
                        self._keep_data(child)
            else:
                for child in children:
                    self.visit(child)
        else:
            self._leaf(part, ctype)

    def _keep_data(self, part):
        """An alternative not shown as the body: keep what is not another rendering
        of the same text (an invitation, a document, an image) as attachments."""
        if part.is_multipart():
            for child in self._children(part):
                self._keep_data(child)
            return
        ctype = part.get_content_type()
        filename = _filename(part, self.problems)
        if ctype in BODY_TYPES and not filename:
            return
        self._attach(part, ctype, disposition="attachment", filename=filename)

    def _children(self, part):
        payload = part.get_payload()
        if not isinstance(payload, list):
            return []
        return [child for child in payload if isinstance(child, email.message.Message)]

    @staticmethod
    def _best_alternative(children):
        def rank(child):
            ctype = child.get_content_type()
            if ctype == "text/html":
                return 3
            if ctype in ("multipart/related", "multipart/mixed"):
                return 2
            if ctype == "text/plain":
                return 1
            return 0

        # The last alternative is the preferred one (RFC 2046) among equals.
        return max(reversed(children), key=rank)

    def _leaf(self, part, ctype):
        disposition = part.get_content_disposition()
        filename = _filename(part, self.problems)
        if disposition != "attachment" and not filename and ctype in BODY_TYPES:
            (self.html if ctype == "text/html" else self.text).append(
                _decode_text(part, self.problems))
            return
        self._attach(part, ctype, disposition=disposition, filename=filename)

    def _attach(self, part, ctype, disposition=None, filename=""):
        content_id = _unescape_8bit(str(part.get("Content-ID") or "")).strip().strip("<>")
        name = filename or DEFAULT_ATTACHMENT_NAMES.get(ctype) or "attachment"
        self.attachments.append(Attachment(
            filename=name, mimetype=ctype, content=_payload_bytes(part, self.problems),
            content_id=content_id, inline=disposition == "inline" or bool(
                content_id and disposition != "attachment"),
        ))


def parse_message(raw):
    """A :class:`ParsedMessage` for ``raw`` (bytes); never raises for bad input."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = raw or b""
    problems = []
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as error:  # pragma: no cover - the parser is very forgiving
        problems.append(f"message: {error!r}")
        return ParsedMessage(
            message_id=synthetic_message_id(raw), synthetic_id=True,
            body=raw.decode("utf-8", "replace"), size=len(raw), problems=problems,
            attachments=[Attachment("message.eml", "message/rfc822", raw)],
        )
    headers = _Headers(message, problems)
    message_id = normalize_message_id(headers.get("Message-Id"))
    if len(message_id) > MAX_MESSAGE_ID:  # indexed: a database index row has a size limit
        problems.append("Message-Id too long")
        message_id = ""
    parsed = ParsedMessage(
        message_id=message_id or synthetic_message_id(raw),
        synthetic_id=not message_id,
        subject=headers.get("Subject"),
        email_from=headers.get("From"),
        email_to=headers.get("To"),
        email_cc=headers.get("Cc"),
        reply_to=headers.get("Reply-To"),
        date=parse_date(headers.get("Date")),
        in_reply_to=headers.get("In-Reply-To"),
        references=headers.get("References"),
        size=len(raw),
        problems=problems,
    )
    collector = _BodyCollector(problems)
    try:
        collector.visit(message)
    except Exception as error:  # a structure the collector did not foresee
        problems.append(f"body: {error!r}")
    if collector.html:
        parsed.body, parsed.body_is_html = "\n".join(collector.html), True
    elif collector.text:
        parsed.body = "\n\n".join(collector.text)
    parsed.attachments = collector.attachments
    parsed.invitations = invitations(parsed.attachments, problems)
    if message.defects:
        problems.extend(type(defect).__name__ for defect in message.defects)
    return _without_nul(parsed)


def _calendar_value(component, name):
    child = getattr(component, name.lower(), None)
    return child.value if child is not None else None


def _event_time(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, datetime.date):
        return value
    return None


def _text(value):
    return _collapse(str(value)) if value else ""


def invitations(attachments, problems=None):
    """:class:`Invitation` of the first event of each calendar attachment."""
    found = []
    for attachment in attachments:
        name = (attachment.filename or "").lower()
        if attachment.mimetype not in CALENDAR_TYPES and not name.endswith(".ics"):
            continue
        try:
            import vobject  # an Odoo dependency; parse.py stays importable without it

            calendar = vobject.readOne(attachment.content.decode("utf-8", "replace"))
            event = calendar.vevent
            end = _event_time(_calendar_value(event, "DTEND"))
            start = _event_time(_calendar_value(event, "DTSTART"))
            duration = _calendar_value(event, "DURATION")
            if end is None and start is not None and isinstance(duration, datetime.timedelta):
                end = start + duration
            found.append(Invitation(
                summary=_text(_calendar_value(event, "SUMMARY")),
                start=start, end=end,
                location=_text(_calendar_value(event, "LOCATION")),
                method=_text(_calendar_value(calendar, "METHOD")).upper(),
            ))
        except Exception as error:  # not a calendar after all, no event, bad dates...
            if problems is not None:
                problems.append(f"calendar: {error!r}")
    return found


def _without_nul(parsed):
    """PostgreSQL text cannot hold NUL characters: drop them from every text."""
    for name in ("message_id", "subject", "email_from", "email_to", "email_cc", "reply_to",
                 "in_reply_to", "references", "body"):
        value = getattr(parsed, name)
        if "\x00" in value:
            setattr(parsed, name, value.replace("\x00", ""))
    for attachment in parsed.attachments:
        attachment.filename = attachment.filename.replace("\x00", "")
        attachment.content_id = attachment.content_id.replace("\x00", "")
    for invitation in parsed.invitations:
        invitation.summary = invitation.summary.replace("\x00", "")
        invitation.location = invitation.location.replace("\x00", "")
    parsed.problems = [problem.replace("\x00", "") for problem in parsed.problems]
    return parsed


def address_list(value):
    """Normalized (lower-case) addresses of an address header value."""
    pairs = email.utils.getaddresses([value or ""])
    return [address.strip().lower() for _name, address in pairs if "@" in (address or "")]
