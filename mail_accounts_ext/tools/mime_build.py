"""Rebuild an RFC 5322 message from what the mailbox stores (plain Python).

The mailbox keeps a message as headers, an HTML (or text) body and attachments. To
put it on another server (the copy step of *Change protocol*), this module makes a
MIME message again with the stored header values **as they are** (Message-Id, Date,
From, To, Cc, Subject, References, In-Reply-To), the body and the attachments.
"""

import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage

HEADER_ORDER = ("Message-ID", "Date", "From", "To", "Cc", "Subject", "References",
                "In-Reply-To")
_TAGS = re.compile(r"<[^>]+>")
_BLOCKS = re.compile(r"</(p|div|li|tr|h[1-6])>|<br\s*/?>", re.I)


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


@dataclass
class StoredMessage:
    """What the mailbox stores of one message (``date`` naive = UTC, as Odoo stores it)."""

    message_id: str | None = None
    date: datetime | None = None
    email_from: str = ""
    email_to: str = ""
    email_cc: str = ""
    subject: str = ""
    references: str = ""
    in_reply_to: str = ""
    body_html: str = ""
    body_text: str = ""
    attachments: list = field(default_factory=list)


def html_to_text(html):
    """A plain-text alternative of an HTML body (good enough for a text/plain part)."""
    text = _BLOCKS.sub("\n", html or "")
    text = _TAGS.sub("", text)
    for entity, char in (("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'),
                         ("&#39;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def format_date(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return email.utils.format_datetime(value)


def build(stored):
    """The raw bytes (CRLF line ends) of ``stored`` rebuilt as a MIME message."""
    msg = EmailMessage(policy=email.policy.SMTP)
    values = {
        "Message-ID": stored.message_id,
        "Date": format_date(stored.date),
        "From": stored.email_from,
        "To": stored.email_to,
        "Cc": stored.email_cc,
        "Subject": stored.subject,
        "References": stored.references,
        "In-Reply-To": stored.in_reply_to,
    }
    for name in HEADER_ORDER:
        if values[name]:
            msg[name] = values[name]
    text = stored.body_text or (html_to_text(stored.body_html) if stored.body_html else "")
    # Quoted-printable keeps the raw message 7-bit: safe for any IMAP or SMTP server.
    msg.set_content(text or "\n", cte="quoted-printable")
    if stored.body_html:
        msg.add_alternative(stored.body_html, subtype="html", cte="quoted-printable")
    for attachment in stored.attachments:
        maintype, _sep, subtype = (attachment.mimetype or "application/octet-stream").partition("/")
        msg.add_attachment(attachment.content, maintype=maintype or "application",
                           subtype=subtype or "octet-stream", filename=attachment.filename)
    return msg.as_bytes(policy=email.policy.SMTP)
