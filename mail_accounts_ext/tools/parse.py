"""Turn raw RFC 5322 messages into what the mailbox stores, without ever failing.

:func:`parse_message` reads a message with the standard library ``email`` package
(``email.policy.default``) and returns a :class:`ParsedMessage`: the headers the
mailbox shows and searches (Message-Id, From, To, Cc, Reply-To, Subject, Date,
In-Reply-To, References), one body (HTML when the message has an HTML part, else
its plain text, marked ``body_is_html=False``) and the attachments.

Mail in the wild is often broken: bad charsets, headers that the modern parser
chokes on, truncated MIME structures, no Message-Id. Every step falls back to
something simpler (the legacy ``compat32`` header decoding, the raw payload
decoded as UTF-8 with replacement characters, the raw message itself as an
attachment) and records what went wrong in ``problems``; a sync never stops
because of one message. A message without Message-Id gets a stable synthetic
one derived from its bytes, so deduplication still works.

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
DEFAULT_ATTACHMENT_NAMES = {
    "message/rfc822": "message.eml",
    "text/calendar": "invite.ics",
    "text/plain": "text.txt",
    "text/html": "page.html",
}
_WHITESPACE_RE = re.compile(r"\s+")
_MSGID_RE = re.compile(r"<[^<>\s]+>")


@dataclass
class Attachment:
    filename: str
    mimetype: str
    content: bytes
    content_id: str = ""  # without angle brackets; inline parts referenced as cid:...
    inline: bool = False


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


def _legacy_header(raw_value):
    """Decode a raw header value the forgiving (compat32) way."""
    if raw_value is None:
        return ""
    if isinstance(raw_value, email.header.Header):
        raw_value = str(raw_value)
    try:
        return str(email.header.make_header(email.header.decode_header(raw_value)))
    except Exception:  # unknown charset, bad encoded word...
        return str(raw_value)


class _Headers:
    """Header access that never raises: modern parser first, legacy decoding next."""

    def __init__(self, message, problems):
        self.message = message
        self.problems = problems

    def get(self, name):
        try:
            values = self.message.get_all(name)
        except Exception as error:  # the modern header parser failed on this value
            self.problems.append(f"{name}: {error!r}")
            values = None
            for key, value in getattr(self.message, "_headers", []):
                if key.lower() == name.lower():
                    return _collapse(_legacy_header(value))
        if not values:
            return ""
        texts = []
        for value in values:
            try:
                texts.append(str(value))
            except Exception as error:
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
        content = part.get_content()
        if isinstance(content, str):
            return content
    except Exception as error:  # unknown charset, broken transfer encoding...
        problems.append(f"text part: {error!r}")
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception as error:
        problems.append(f"text payload: {error!r}")
        payload = str(part.get_payload()).encode("utf-8", "replace")
    charset = "utf-8"
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:
        charset = "utf-8"
    try:
        return payload.decode(charset, "replace")
    except (LookupError, TypeError):
        return payload.decode("utf-8", "replace")


def _payload_bytes(part, problems):
    try:
        if part.get_content_type() == "message/rfc822" or part.is_multipart():
            return part.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))
        return part.get_payload(decode=True) or b""
    except Exception as error:
        problems.append(f"attachment: {error!r}")
        payload = part.get_payload()
        return payload.encode("utf-8", "replace") if isinstance(payload, str) else b""


def _filename(part, problems):
    try:
        return (part.get_filename() or "").strip()
    except Exception as error:
        problems.append(f"filename: {error!r}")
        return ""


class _BodyCollector:
    def __init__(self, problems):
        self.problems = problems
        self.html = []
        self.text = []
        self.attachments = []

    def visit(self, part):
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "application/octet-stream"
        if ctype == "message/rfc822":
            self._attach(part, ctype)
        elif part.is_multipart():
            children = self._children(part)
            if ctype == "multipart/alternative" and children:
                self.visit(self._best_alternative(children))
            else:
                for child in children:
                    self.visit(child)
        else:
            self._leaf(part, ctype)

    def _children(self, part):
        try:
            payload = part.get_payload()
        except Exception as error:
            self.problems.append(f"multipart: {error!r}")
            return []
        return [child for child in payload if isinstance(child, email.message.Message)] if (
            isinstance(payload, list)) else []

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
        try:
            disposition = part.get_content_disposition()
        except Exception:
            disposition = None
        filename = _filename(part, self.problems)
        if disposition != "attachment" and not filename and ctype in ("text/html", "text/plain"):
            (self.html if ctype == "text/html" else self.text).append(
                _decode_text(part, self.problems))
            return
        self._attach(part, ctype, disposition=disposition, filename=filename)

    def _attach(self, part, ctype, disposition=None, filename=""):
        content_id = ""
        try:
            content_id = (part.get("Content-ID") or "").strip().strip("<>")
        except Exception:
            content_id = ""
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
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as error:  # pragma: no cover - the parser is very forgiving
        problems.append(f"message: {error!r}")
        return ParsedMessage(
            message_id=synthetic_message_id(raw), synthetic_id=True,
            body=raw.decode("utf-8", "replace"), size=len(raw), problems=problems,
            attachments=[Attachment("message.eml", "message/rfc822", raw)],
        )
    headers = _Headers(message, problems)
    message_id = normalize_message_id(headers.get("Message-Id"))
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
    if message.defects:
        problems.extend(type(defect).__name__ for defect in message.defects)
    return parsed


def address_list(value):
    """Normalized (lower-case) addresses of an address header value."""
    pairs = email.utils.getaddresses([value or ""])
    return [address.strip().lower() for _name, address in pairs if "@" in (address or "")]
