"""IMAP mailbox names: modified UTF-7 (RFC 3501 5.1.3) and quoting (plain Python).

Standard library only and no relative import: the mail server harness
(``tests/mailservers.py``), which also runs as a script, uses it too.
"""

import base64


def utf7_decode(text):
    """Decode an IMAP modified UTF-7 mailbox name (RFC 3501 5.1.3); unchanged if bad."""
    out, index = [], 0
    try:
        while index < len(text):
            char = text[index]
            if char != "&":
                out.append(char)
                index += 1
                continue
            end = text.index("-", index)
            if end == index + 1:
                out.append("&")
            else:
                chunk = text[index + 1:end].replace(",", "/")
                chunk += "=" * (-len(chunk) % 4)
                out.append(base64.b64decode(chunk).decode("utf-16-be"))
            index = end + 1
    except (ValueError, UnicodeDecodeError):
        return text
    return "".join(out)


def utf7_encode(text):
    """Encode a mailbox name in IMAP modified UTF-7."""
    out, pending = [], []

    def flush():
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",")
                       + "-")
            pending.clear()

    for char in text:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def quote(server_name):
    """A mailbox name as a quoted IMAP string."""
    return '"' + server_name.replace("\\", "\\\\").replace('"', '\\"') + '"'
