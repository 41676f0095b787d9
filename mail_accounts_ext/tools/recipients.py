# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Address lists as people type them in the composer.

``email.utils.getaddresses`` reads a whole list at once and, given one broken entry
(``jan@@example.com``), returns pieces of its neighbours: the error could not name
what was typed. The list is first split into entries at the commas and semicolons
outside quotes and angle brackets; each entry is then read on its own.
"""

import email.utils


def split_entries(text):
    """The entries of an address list, stripped, empty ones left out."""
    entries, current, quoted, angle, escaped = [], [], False, 0, False
    for char in text or "":
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "<" and not quoted:
            angle += 1
        elif char == ">" and not quoted and angle:
            angle -= 1
        elif char in ",;" and not quoted and not angle:
            entries.append("".join(current))
            current = []
            continue
        current.append(char)
    entries.append("".join(current))
    return [entry.strip() for entry in entries if entry.strip()]


def parse_entries(text):
    """``[(name, address, entry)]`` of an address list: ``entry`` as typed, ``name``
    and ``address`` as read from it (the address may be empty or invalid: check it,
    and name the entry in the error)."""
    return [(*email.utils.parseaddr(entry), entry) for entry in split_entries(text)]
