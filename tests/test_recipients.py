# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import pytest

from mail_accounts_ext.tools import recipients


@pytest.mark.parametrize(("text", "entries"), [
    ("", []),
    (None, []),
    ("a@example.com", ["a@example.com"]),
    ("a@example.com, b@example.com;c@example.com", ["a@example.com", "b@example.com",
                                                    "c@example.com"]),
    ('"Wójcik, Łukasz" <l@example.com>, x@example.com',
     ['"Wójcik, Łukasz" <l@example.com>', "x@example.com"]),
    ("good@example.com, not-an-address@, Jan <jan@@example.com>",
     ["good@example.com", "not-an-address@", "Jan <jan@@example.com>"]),
    ("Олена Коваль <olena@example.ua>, , ", ["Олена Коваль <olena@example.ua>"]),
    ('"a \\" , b" <q@example.com>', ['"a \\" , b" <q@example.com>']),
])
def test_split_entries(text, entries):
    assert recipients.split_entries(text) == entries


def test_parse_entries_keeps_what_was_typed():
    parsed = recipients.parse_entries(
        '"Wójcik, Łukasz" <l@example.com>, not-an-address, Jan <jan@@example.com>, '
        "Олена Коваль <olena@example.ua>")
    assert parsed[0] == ("Wójcik, Łukasz", "l@example.com", '"Wójcik, Łukasz" <l@example.com>')
    assert parsed[1] == ("", "not-an-address", "not-an-address")
    assert parsed[2][1:] == ("", "Jan <jan@@example.com>")
    assert parsed[3] == ("Олена Коваль", "olena@example.ua", "Олена Коваль <olena@example.ua>")
