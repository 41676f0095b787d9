"""Texts and addresses that go into mail headers: control characters, IDNA, SMTPUTF8."""

import email
import email.policy
from email.message import EmailMessage

import pytest

from mail_accounts_ext.tools.headers import (
    CONTROL_CHARACTER_MESSAGE,
    INVALID_DOMAIN_MESSAGE,
    NON_ASCII_LOCAL_PART_MESSAGE,
    AddressError,
    address_header,
    ascii_domain,
    clean_text,
    control_character_error,
    control_characters,
    needs_smtputf8,
    plain_addresses,
    smtp_address,
)

# --------------------------------------------------------------------------- texts


@pytest.mark.parametrize(
    "text, found",
    [
        ("Anna Nowak – sprzedaż", []),
        ("Żółć & Co. «Biuro»", []),
        ("", []),
        (None, []),
        ("Eve\r\nBcc: x@evil.test", ["U+000D", "U+000A"]),
        ("Eve\nBcc: x@evil.test", ["U+000A"]),
        ("Eve\rX", ["U+000D"]),
        ("Tab\there", ["U+0009"]),
        ("nul\x00", ["U+0000"]),
        ("bell\x07 esc\x1b", ["U+0007", "U+001B"]),
        ("del\x7f", ["U+007F"]),
        ("next line\x85", ["U+0085"]),  # C1: NEL
        ("c1\x9f", ["U+009F"]),
        ("line\u2028separator", ["U+2028"]),
        ("para\u2029graph", ["U+2029"]),
        ("twice\n\n\r", ["U+000A", "U+000D"]),  # each character once, in order
        ("no-break\u00a0space", []),  # U+00A0 is printable
    ],
)
def test_control_characters(text, found):
    assert control_characters(text) == found


def test_control_character_error_names_field_and_characters():
    assert control_character_error("Sales", "Sender Name") is None
    message, params = control_character_error("Eve\r\nBcc: x@evil.test", "Sender Name")
    assert message is CONTROL_CHARACTER_MESSAGE
    assert params == {"field": "Sender Name", "characters": "U+000D, U+000A"}
    assert "Sender Name" in message % params


@pytest.mark.parametrize(
    "text, cleaned",
    [
        ("Eve\r\nBcc: x@evil.test", "Eve Bcc: x@evil.test"),
        ("  Anna\t\tNowak\n", "Anna Nowak"),
        ("Sales\x00\x1b(team)", "Sales (team)"),
        ("a\u2028b\x85c", "a b c"),
        ("Żółć  Biuro", "Żółć Biuro"),  # runs of spaces collapse too
        ("plain", "plain"),
        ("", ""),
        (None, None),
    ],
)
def test_clean_text(text, cleaned):
    assert clean_text(text) == cleaned
    assert not control_characters(clean_text(text))


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    "domain, expected",
    [
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.Example", "xn--bcher-kva.example"),  # case mapped (UTS 46)
        ("żółw.pl", "xn--w-uga1v8h.pl"),
        ("пример.укр", "xn--e1afmkfd.xn--j1amh"),
        ("example.com", "example.com"),
        ("Example.COM", "Example.COM"),  # ASCII: untouched
        ("under_score.example", "under_score.example"),  # ASCII, even if not IDNA-valid
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_ascii_domain(domain, expected):
    assert ascii_domain(domain) == expected


def test_ascii_domain_without_idna_form():
    with pytest.raises(ValueError):
        ascii_domain("bad\u200d\u00fc..example")


@pytest.mark.parametrize(
    "address, smtputf8, expected",
    [
        ("dave@bücher.example", False, "dave@xn--bcher-kva.example"),
        ("dave@bücher.example", True, "dave@xn--bcher-kva.example"),
        ("dave@example.com", False, "dave@example.com"),
        ("jörg@bücher.example", True, "jörg@xn--bcher-kva.example"),
        ("jörg@example.com", True, "jörg@example.com"),
        ("no-at-sign", False, "no-at-sign"),
    ],
)
def test_smtp_address(address, smtputf8, expected):
    assert smtp_address(address, smtputf8) == expected


def test_non_ascii_local_part_without_smtputf8_is_explained():
    with pytest.raises(AddressError) as caught:
        smtp_address("jörg@bücher.example", smtputf8=False)
    error = caught.value
    assert error.message is NON_ASCII_LOCAL_PART_MESSAGE
    assert error.params == {"address": "jörg@bücher.example"}
    text = error.message % dict(error.params, server="smtp.example.com:587")
    assert "jörg@bücher.example" in text and "SMTPUTF8" in text


def test_domain_without_idna_form_is_explained():
    with pytest.raises(AddressError) as caught:
        smtp_address("dave@bad\u200d\u00fc..example", smtputf8=True)
    assert caught.value.message is INVALID_DOMAIN_MESSAGE


@pytest.mark.parametrize(
    "addresses, needed",
    [
        (["dave@xn--bcher-kva.example", "a@b.c"], False),
        (["jörg@example.com"], True),
        (["a@b.c", "zoë@example.com"], True),
        ([], False),
    ],
)
def test_needs_smtputf8(addresses, needed):
    assert needs_smtputf8(addresses) is needed


@pytest.mark.parametrize(
    "value, smtputf8, header, addresses",
    [
        ('"Dave" <dave@bücher.example>', False, "Dave <dave@xn--bcher-kva.example>",
         ["dave@xn--bcher-kva.example"]),
        ("dave@bücher.example, Ann <ann@example.com>", False,
         "dave@xn--bcher-kva.example, Ann <ann@example.com>",
         ["dave@xn--bcher-kva.example", "ann@example.com"]),
        ('"Nowak, Anna" <anna@żółw.pl>', False, '"Nowak, Anna" <anna@xn--w-uga1v8h.pl>',
         ["anna@xn--w-uga1v8h.pl"]),
        ("Zażółć Gęślą <z@bücher.example>", False, "Zażółć Gęślą <z@xn--bcher-kva.example>",
         ["z@xn--bcher-kva.example"]),
        ("Jörg <jörg@bücher.example>", True, "Jörg <jörg@xn--bcher-kva.example>",
         ["jörg@xn--bcher-kva.example"]),
        ("", False, "", []),
        (None, False, "", []),
    ],
)
def test_address_header(value, smtputf8, header, addresses):
    assert address_header(value, smtputf8) == (header, addresses)


@pytest.mark.parametrize(
    "value, addresses",
    [
        ('"Dave" <dave@bücher.example>, ann@example.com',
         ["dave@bücher.example", "ann@example.com"]),
        ("undisclosed-recipients:;", []),
        ("", []),
        (None, []),
    ],
)
def test_plain_addresses(value, addresses):
    assert plain_addresses(value) == addresses


def test_address_header_refuses_non_ascii_local_part_without_smtputf8():
    with pytest.raises(AddressError):
        address_header("Ann <ann@example.com>, Jörg <jörg@example.com>", smtputf8=False)


def test_address_header_serialises_as_ascii():
    """What a mail carries once converted: no encoded word inside an address (the bug
    was ``dave@=?utf-8?q?b=C3=BCcher?=.example``), the display name encoded."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = address_header('"Dave Bücher" <dave@bücher.example>')[0]
    message["To"] = address_header("Zoë <zoe@żółw.pl>, dave@bücher.example")[0]
    raw = message.as_bytes()
    raw.decode("ascii")
    assert b"<dave@xn--bcher-kva.example>" in raw
    assert b"<zoe@xn--w-uga1v8h.pl>" in raw
    assert b"@=?" not in raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["From"].addresses[0].display_name == "Dave Bücher"
    assert [a.addr_spec for a in parsed["To"].addresses] == [
        "zoe@xn--w-uga1v8h.pl", "dave@xn--bcher-kva.example"]


def test_address_header_with_smtputf8_serialises_as_utf8():
    message = EmailMessage(policy=email.policy.SMTP.clone(utf8=True))
    message["To"] = address_header("Jörg <jörg@bücher.example>", smtputf8=True)[0]
    raw = message.as_bytes()
    assert "jörg@xn--bcher-kva.example".encode() in raw
    assert b"=?" not in raw
