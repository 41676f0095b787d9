#!/usr/bin/env python3
"""Demo e-mails for the demo mailboxes that ``./dev/run`` serves (standard library only).

A newcomer who opens the mailbox should see living mail at once: quote requests (one
with a PDF), replies to invoices, a complaint, a newsletter with remote images, two
calendar invitations, in English, Polish and Ukrainian, with long subjects that the
sender's mailer folds and encodes (RFC 2047) as real Polish and Ukrainian mail is.

What each e-mail says is data, in ``dev/demo_mail.json`` (UTF-8, edit it by hand); only
the two calendar invitations, whose dates are relative to now, are built here
(:func:`invitations`). The file is a JSON array with one object per e-mail:

==============  ========================================================================
``mailbox``     whose INBOX receives it: ``"sales"``, ``"admin"`` or ``"marc"``
``slug``        the Message-ID is ``<demo-SLUG@demo.example.com>`` (unique: it is what
                :func:`seed` remembers)
``hours_ago``   its date: that many hours before now
``from``        the sender, ``"Name <e-mail>"`` (the name as written, no quoting)
``subject``     the subject, on one line (the sender's mailer folds it)
``text``        the text/plain body: an array of lines, each ended by a newline
``flags``       optional: IMAP flags, e.g. ``["\\\\Seen"]`` (JSON escapes the backslash)
``to``          optional: an array of addresses; the mailbox owner when left out
``cc``          optional: an array of addresses
``reply_to``    optional: an address
``in_reply_to`` optional: the Message-ID replied to (also the References)
``headers``     optional: more headers, ``{"Name": "value"}``, in this order
``html``        optional: a text/html alternative: an array of lines joined by newlines
                (no newline after the last)
``pdf``         optional: a one-page PDF attached: ``{"file": "name.pdf", "title":
                "...", "lines": ["...", ...]}`` (ASCII text)
==============  ========================================================================

The first six keys are required; any other key is refused with an error naming the
e-mail (:class:`DemoMailError`).

Every message is built with Python's ``email`` package. :func:`seed` appends them over
IMAP to the demo users' INBOX, once: a message is appended only when it is neither
recorded in the state file (so that e-mails deleted in Odoo do not come back at the
next start) nor already on the server (found by its Message-ID).

    python3 dev/demo_mail.py --port 10143 --user sales@demo.example.com:demo-sales
"""

import argparse
import contextlib
import datetime
import imaplib
import json
import os
import sys
import tempfile
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

DOMAIN = "demo.example.com"
SALES = f"sales@{DOMAIN}"
ADMIN = f"admin@{DOMAIN}"
MARC = f"marc.demo@{DOMAIN}"

SEEN = "\\Seen"

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_mail.json")


def _msgid(slug):
    return f"<demo-{slug}@{DOMAIN}>"


def tiny_pdf(title, lines):
    """A valid one-page PDF with ``title`` and ``lines`` (ASCII) in Helvetica."""

    def escape(text):
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 16 Tf", "56 780 Td", f"({escape(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        ops += ["0 -20 Td", f"({escape(line)}) Tj"]
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title (%s) /Producer (mail_accounts_ext demo) >>" % escape(title).encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


def invitation(uid, summary, start, minutes, organizer, attendee, location, description):
    """A ``text/calendar; method=REQUEST`` body (RFC 5545), lines folded at 75 octets."""
    stamp = "%Y%m%dT%H%M%SZ"
    end = start + datetime.timedelta(minutes=minutes)
    lines = [
        "BEGIN:VCALENDAR", "PRODID:-//mail_accounts_ext//demo//EN", "VERSION:2.0",
        "CALSCALE:GREGORIAN", "METHOD:REQUEST", "BEGIN:VEVENT",
        f"UID:{uid}", f"DTSTAMP:{start.strftime(stamp)}",
        f"DTSTART:{start.astimezone(datetime.timezone.utc).strftime(stamp)}",
        f"DTEND:{end.astimezone(datetime.timezone.utc).strftime(stamp)}",
        f"SUMMARY:{_ics_text(summary)}", f"LOCATION:{_ics_text(location)}",
        f"DESCRIPTION:{_ics_text(description)}",
        f"ORGANIZER;CN={_ics_text(organizer[0])}:mailto:{organizer[1]}",
        f"ATTENDEE;CN={_ics_text(attendee[0])};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
        f"RSVP=TRUE:mailto:{attendee[1]}",
        "SEQUENCE:0", "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_ics_fold(line) for line in lines) + "\r\n"


def _ics_text(text):
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _ics_fold(line):
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def _message(slug, sender, to, subject, text, *, date, html=None, cc=None, reply_to=None,
             in_reply_to=None, headers=(), pdf=None):
    """An e-mail; ``pdf``: (file name, title, lines) of a one-page PDF attached."""
    message = EmailMessage(policy=SMTP)
    message["Message-ID"] = _msgid(slug)
    message["Date"] = format_datetime(date)
    message["From"] = formataddr(sender)
    message["To"] = ", ".join(formataddr(address) for address in to)
    if cc:
        message["Cc"] = ", ".join(formataddr(address) for address in cc)
    if reply_to:
        message["Reply-To"] = formataddr(reply_to)
    message["Subject"] = subject
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in headers:
        message[name] = value
    message["MIME-Version"] = "1.0"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    if pdf:
        filename, title, lines = pdf
        message.add_attachment(tiny_pdf(title, lines), maintype="application", subtype="pdf",
                               filename=filename)
    return message


def as_bytes(message):
    """The message as sent: CRLF lines; the subject folded as mailers do.

    ``email``'s modern folder drops the space between two encoded words it splits a
    subject into (decoded: "działusprzedaży"), and folds a long ASCII subject right
    after "Subject:"; the subject is therefore encoded with
    ``email.header.Header``, which, like most mailers, cuts one run of encoded words
    wherever the line is full, in the middle of a word if need be.
    """
    raw = message.as_bytes()
    subject = str(message["Subject"] or "")
    charset = "us-ascii" if subject.isascii() else "utf-8"
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines, out, skipping = head.split(b"\r\n"), [], False
    for line in lines:
        if line.lower().startswith(b"subject:"):
            encoded = Header(subject, charset, header_name="Subject").encode(linesep="\r\n")
            out.append(b"Subject: " + encoded.encode("ascii"))
            skipping = True
        elif skipping and line[:1] in (b" ", b"\t"):
            continue
        else:
            skipping = False
            out.append(line)
    return b"\r\n".join(out) + sep + body


#: The mailboxes an entry of ``demo_mail.json`` names: ``{key: (login, owner's address)}``.
#: Marc Demo has no account in the demo data: add one to read his e-mails.
MAILBOXES = {
    "sales": (SALES, ("YourCompany Sales", SALES)),
    "admin": (ADMIN, ("Mitchell Admin", ADMIN)),
    "marc": (MARC, ("Marc Demo", MARC)),
}


def _strings(value):
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


#: The attached PDF (:func:`tiny_pdf` writes ASCII only).
PDF = '{"file": string, "title": ASCII string, "lines": array of ASCII strings}'
#: What the value of each key of ``demo_mail.json`` must be: a description and a test.
KINDS = {
    "string": lambda value: isinstance(value, str),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "array of strings": _strings,
    "object of strings": lambda value: isinstance(value, dict) and all(
        isinstance(item, str) for item in value.values()),
    PDF: lambda value: (
        isinstance(value, dict) and sorted(value) == ["file", "lines", "title"]
        and isinstance(value["file"], str) and isinstance(value["title"], str)
        and _strings(value["lines"])
        and all(text.isascii() for text in [value["title"], *value["lines"]])),
}

#: The keys of an entry of ``demo_mail.json`` and the kinds of their values.
KEYS = {
    "mailbox": "string", "slug": "string", "hours_ago": "number", "from": "string",
    "subject": "string", "text": "array of strings", "flags": "array of strings",
    "to": "array of strings", "cc": "array of strings", "reply_to": "string",
    "in_reply_to": "string", "headers": "object of strings", "html": "array of strings",
    "pdf": PDF,
}
REQUIRED = ("mailbox", "slug", "hours_ago", "from", "subject", "text")


class DemoMailError(ValueError):
    """An entry of ``demo_mail.json`` that cannot be built; the message names it."""


def load_data(path=None):
    """The entries of the data file (a JSON array of objects); ``path``: ``DATA``."""
    with open(path or DATA, encoding="utf-8") as handle:
        entries = json.load(handle)
    if not isinstance(entries, list):
        raise DemoMailError(f"{os.path.basename(path or DATA)}: a JSON array is expected")
    return entries


def _address(value):
    """``(name, e-mail)`` of ``"Name <e-mail>"``: the name as written, no quoting."""
    name, sep, address = value.rpartition(" <")
    if not (sep and name and address.endswith(">") and "@" in address):
        raise DemoMailError(f'{value!r} is not an address written as "Name <e-mail>"')
    return name, address[:-1]


def _check(entry):
    if not isinstance(entry, dict):
        raise DemoMailError("a JSON object is expected")
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise DemoMailError(f"unknown keys {', '.join(unknown)} (the keys: {', '.join(KEYS)})")
    missing = [key for key in REQUIRED if key not in entry]
    if missing:
        raise DemoMailError(f"missing keys {', '.join(missing)}")
    for key, value in entry.items():
        if not KINDS[KEYS[key]](value):
            raise DemoMailError(f'"{key}" must be a JSON {KEYS[key]}')
    if entry["mailbox"] not in MAILBOXES:
        raise DemoMailError(f"unknown mailbox {entry['mailbox']!r} "
                            f"(the mailboxes: {', '.join(MAILBOXES)})")


def mail_from_data(entry, number, ago):
    """``(login, flags, EmailMessage)`` of the ``number``-th entry of the data file.

    ``ago(hours)`` gives the date; a :class:`DemoMailError` names the entry and its fault.
    """
    slug = entry.get("slug") if isinstance(entry, dict) else None
    where = f"demo_mail.json, e-mail {number}" + (f" ({slug})" if isinstance(slug, str) else "")
    try:
        _check(entry)
        login, owner = MAILBOXES[entry["mailbox"]]
        html, pdf = entry.get("html"), entry.get("pdf")
        message = _message(
            slug, _address(entry["from"]),
            [_address(value) for value in entry["to"]] if "to" in entry else [owner],
            entry["subject"], "\n".join(entry["text"]) + "\n", date=ago(entry["hours_ago"]),
            html=None if html is None else "\n".join(html),
            cc=[_address(value) for value in entry.get("cc", ())],
            reply_to=_address(entry["reply_to"]) if "reply_to" in entry else None,
            in_reply_to=entry.get("in_reply_to"), headers=entry.get("headers", {}).items(),
            pdf=pdf and (pdf["file"], pdf["title"], pdf["lines"]),
        )
    except DemoMailError as error:
        raise DemoMailError(f"{where}: {error}") from None
    return login, tuple(entry.get("flags", ())), message


def _add_invitation(message, calendar, filename=None):
    """Attach an RFC 5545 invitation: an alternative part, and as a file if named."""
    message.add_alternative(calendar, subtype="calendar", params={"method": "REQUEST"})
    if filename:
        message.add_attachment(calendar.encode("utf-8"), maintype="application",
                               subtype="ics", filename=filename)
    return message


def invitations(now, ago):
    """The two calendar invitations: their dates (relative to ``now``) appear in the
    subject, the text and the ICS, so that they stay upcoming: ``[(login, flags, message)]``.
    """
    admin = MAILBOXES["admin"][1]
    sarah = ("Sarah Collins", "sarah.collins@northwind-partners.example.com")
    start = (now + datetime.timedelta(days=2)).replace(hour=13, minute=0, second=0)
    day = start.strftime("%A %d %B %Y")
    agenda = "Agenda: sales figures, open invoices, next quarter's plan."
    invite = _message(
        "invite-qbr", sarah, [admin],
        f"Invitation: Quarterly business review @ {start.strftime('%a %d %b %Y')}"
        " 14:00 - 15:00 (CET)",
        f"You have been invited to: Quarterly business review\nWhen: {day}, 14:00 - 15:00 (CET)"
        f"\nWhere: Video call (link in the invitation)\n\n{agenda}\n",
        html="<p>You have been invited to: <b>Quarterly business review</b></p>"
        f"<p>When: {day}, 14:00 - 15:00 (CET)<br/>Where: Video call</p><p>{agenda}</p>",
        date=ago(12),
    )
    _add_invitation(invite, invitation(
        f"demo-qbr-{DOMAIN}", "Quarterly business review", start, 60, sarah, admin,
        "Video call", agenda), filename="invite.ics")

    piotr = ("Piotr Kamiński", "piotr.kaminski@wdrozenia-kaminski.example.pl")
    start_pl = (now + datetime.timedelta(days=3)).replace(hour=9, minute=0, second=0)
    day_pl = start_pl.strftime("%d.%m.%Y")
    zaproszenie = _message(
        "zaproszenie-przeglad", piotr, [admin],
        f"Zaproszenie: Przegląd postępów wdrożenia systemu – {day_pl} 10:00–11:00 "
        "(czas środkowoeuropejski)",
        "Zapraszam na spotkanie: przegląd postępów wdrożenia systemu.\n"
        f"Kiedy: {day_pl}, 10:00–11:00\nGdzie: sala konferencyjna „Wisła”, II piętro\n\n"
        "Proszę o potwierdzenie obecności.\nPiotr Kamiński\n",
        date=ago(26),
    )
    _add_invitation(zaproszenie, invitation(
        f"demo-przeglad-{DOMAIN}", "Przegląd postępów wdrożenia systemu", start_pl, 60,
        piotr, admin, "Sala konferencyjna „Wisła”, II piętro",
        "Omówienie postępów, ryzyk i harmonogramu kolejnego etapu."))
    return [(ADMIN, (), invite), (ADMIN, (SEEN,), zaproszenie)]


def build_messages(now=None, data=None):
    """The demo e-mails: ``[(login, flags, date, EmailMessage)]``, oldest first.

    ``data``: the entries of ``demo_mail.json`` (read from the file by default).
    """
    now = (now or datetime.datetime.now(datetime.timezone.utc)).replace(microsecond=0)

    def ago(hours):
        return (now - datetime.timedelta(hours=hours)).astimezone(
            datetime.timezone(datetime.timedelta(hours=1)))

    entries = load_data() if data is None else data
    out = [mail_from_data(entry, number, ago) for number, entry in enumerate(entries, 1)]
    out += invitations(now, ago)
    ids = [message["Message-ID"] for _login, _flags, message in out]
    if len(set(ids)) < len(ids):
        twice = sorted({message_id for message_id in ids if ids.count(message_id) > 1})
        raise DemoMailError(f"demo_mail.json: a slug used twice: {', '.join(twice)}")
    out.sort(key=lambda item: item[2]["Date"].datetime)
    return [(login, flags, message["Date"].datetime, message) for login, flags, message in out]


# ---------------------------------------------------------------------------
# Seeding over IMAP
# ---------------------------------------------------------------------------


def _load_state(path):
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
        return {login: set(ids) for login, ids in state.get("seeded", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _save_state(path, seeded):
    data = {"seeded": {login: sorted(ids) for login, ids in seeded.items()}}
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".demo-mail-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    os.replace(tmp, path)


def _login(conn, login, password):
    conn.authenticate("PLAIN", lambda _challenge: f"\0{login}\0{password}".encode())


def _on_server(conn, message_id):
    typ, data = conn.search(None, "HEADER", "Message-ID", f'"{message_id}"')
    return typ == "OK" and bool(data and data[0].split())


def seed(host, port, users, state_file, *, now=None, timeout=15):
    """Append the demo e-mails of ``users`` (``{login: password}``) to their INBOX once.

    Returns ``(added, kept)``: appended now, and already seeded (on the server or
    recorded in ``state_file`` by an earlier run).
    """
    seeded = _load_state(state_file)
    added = kept = 0
    by_login = {}
    for login, flags, date, message in build_messages(now):
        if login in users:
            by_login.setdefault(login, []).append((flags, date, message))
    for login, messages in by_login.items():
        done = seeded.setdefault(login, set())
        conn = imaplib.IMAP4(host, port, timeout=timeout)
        try:
            _login(conn, login, users[login])
            conn.select("INBOX")
            for flags, date, message in messages:
                message_id = message["Message-ID"]
                if message_id in done or _on_server(conn, message_id):
                    done.add(message_id)
                    kept += 1
                    continue
                flag_list = "(" + " ".join(flags) + ")" if flags else None
                typ, data = conn.append("INBOX", flag_list, imaplib.Time2Internaldate(date),
                                        as_bytes(message))
                if typ != "OK":
                    raise imaplib.IMAP4.error(f"APPEND for {login} failed: {data!r}")
                done.add(message_id)
                added += 1
        finally:
            with contextlib.suppress(Exception):
                conn.logout()
            _save_state(state_file, seeded)
    return added, kept


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=10143)
    parser.add_argument("--user", action="append", default=[], metavar="LOGIN:PASSWORD")
    parser.add_argument("--state-file", help="default: a temporary file (no memory)")
    parser.add_argument("--eml-dir", help="only write the messages as .eml files here")
    args = parser.parse_args(argv)
    if args.eml_dir:
        os.makedirs(args.eml_dir, exist_ok=True)
        for index, (login, _flags, _date, message) in enumerate(build_messages(), 1):
            name = f"{index:02d}-{login.split('@')[0]}.eml"
            with open(os.path.join(args.eml_dir, name), "wb") as handle:
                handle.write(as_bytes(message))
        return 0
    users = dict(user.split(":", 1) for user in args.user)
    state = args.state_file or os.path.join(tempfile.mkdtemp(), "seeded.json")
    added, kept = seed(args.host, args.port, users, state)
    print(f"{added} e-mails added, {kept} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
