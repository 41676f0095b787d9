"""Connection fingerprints, re-test detection and the incoming protocol lock."""

import hashlib
import json

import pytest
from expected_errors import assert_refusal

from mail_accounts_ext.tools.protocol_lock import (
    CONNECTION_FIELDS,
    PROTOCOL_LOCKED_MESSAGE,
    canonical,
    changed_fields,
    fingerprint,
    needs_test,
    normalize,
    protocol_change_error,
)

BASE = {
    "email": "alice@example.com",
    "incoming_protocol": "imap",
    "incoming_host": "imap.example.com",
    "incoming_port": 993,
    "incoming_security": "ssl",
    "incoming_login": "alice@example.com",
    "incoming_password": "s3cret",
    "smtp_host": "smtp.example.com",
    "smtp_port": 587,
    "smtp_security": "starttls",
    "smtp_login": "alice@example.com",
    "smtp_password": "s3cret",
    "verify_certificates": True,
}


def test_connection_fields_are_the_agreed_names():
    assert CONNECTION_FIELDS == (
        "email", "incoming_protocol", "incoming_host", "incoming_port", "incoming_security",
        "incoming_login", "incoming_password", "smtp_host", "smtp_port", "smtp_security",
        "smtp_login", "smtp_password", "verify_certificates",
    )


# (id, changes applied to BASE that must NOT change the fingerprint)
SAME_FINGERPRINT = [
    ("host-case-and-spaces", {"incoming_host": "  IMAP.Example.COM "}),
    ("host-trailing-dot", {"smtp_host": "smtp.example.com."}),
    ("port-as-string", {"incoming_port": "993", "smtp_port": " 587 "}),
    ("email-case", {"email": "Alice@Example.com"}),
    ("protocol-case", {"incoming_protocol": "IMAP"}),
    ("unrelated-field", {"name": "Work", "color": 3}),
    ("login-spaces", {"smtp_login": " alice@example.com "}),
]


@pytest.mark.parametrize(
    "changes", [case[1] for case in SAME_FINGERPRINT], ids=[case[0] for case in SAME_FINGERPRINT]
)
def test_fingerprint_ignores_insignificant_differences(changes):
    assert fingerprint({**BASE, **changes}) == fingerprint(BASE)


# (id, changes applied to BASE that MUST change the fingerprint)
OTHER_FINGERPRINT = [
    ("email", {"email": "bob@example.com"}),
    ("incoming-protocol", {"incoming_protocol": "pop3"}),
    ("incoming-host", {"incoming_host": "mail.example.com"}),
    ("incoming-port", {"incoming_port": 143}),
    ("incoming-security", {"incoming_security": "starttls"}),
    ("incoming-login", {"incoming_login": "alice"}),
    ("incoming-password", {"incoming_password": "other"}),
    ("smtp-host", {"smtp_host": "mail.example.com"}),
    ("smtp-port", {"smtp_port": 465}),
    ("smtp-security", {"smtp_security": "ssl"}),
    ("smtp-login", {"smtp_login": "alice"}),
    ("smtp-password", {"smtp_password": "other"}),
    ("password-spaces-count", {"smtp_password": "s3cret "}),
    ("verify-certificates", {"verify_certificates": False}),
    ("login-case-counts", {"incoming_login": "Alice@example.com"}),
]


@pytest.mark.parametrize(
    "changes", [case[1] for case in OTHER_FINGERPRINT], ids=[case[0] for case in OTHER_FINGERPRINT]
)
def test_fingerprint_changes_with_each_setting(changes):
    assert fingerprint({**BASE, **changes}) != fingerprint(BASE)


def test_fingerprint_swapped_passwords_differ():
    a = fingerprint({**BASE, "incoming_password": "a", "smtp_password": "b"})
    b = fingerprint({**BASE, "incoming_password": "b", "smtp_password": "a"})
    assert a != b


def test_fingerprint_is_sha256_of_canonical_json_without_clear_passwords():
    settings = canonical(BASE)
    assert settings["incoming_password"] == hashlib.sha256(b"s3cret").hexdigest()
    assert "s3cret" not in json.dumps(settings)
    expected = hashlib.sha256(
        json.dumps({"settings": settings, "v": 1}, sort_keys=True, separators=(",", ":"))
        .encode()
    ).hexdigest()
    assert fingerprint(BASE) == expected
    assert len(fingerprint(BASE)) == 64


@pytest.mark.parametrize(
    "a, b",
    [
        ({}, {name: False for name in CONNECTION_FIELDS if name != "verify_certificates"}),
        ({"smtp_host": ""}, {"smtp_host": None}),
        ({"smtp_password": ""}, {"smtp_password": False}),
        ({"smtp_port": 0}, {"smtp_port": False}),
    ],
    ids=["missing-vs-false", "empty-vs-none-host", "empty-vs-false-password", "zero-port"],
)
def test_fingerprint_empty_values_are_equal(a, b):
    assert fingerprint(a) == fingerprint(b)


# (id, field, raw value, canonical value)
NORMALIZE_CASES = [
    ("host", "incoming_host", " Mail.Example.COM. ", "mail.example.com"),
    ("port-int", "smtp_port", "465", 465),
    ("port-false", "smtp_port", False, None),
    ("port-zero", "smtp_port", 0, None),
    ("port-garbage-kept", "smtp_port", " abc ", "abc"),
    ("security", "smtp_security", "STARTTLS", "starttls"),
    ("email", "email", " Bob@Example.com ", "bob@example.com"),
    ("login-keeps-case", "incoming_login", " Bob ", "Bob"),
    ("password-hashed", "smtp_password", "pw", hashlib.sha256(b"pw").hexdigest()),
    ("password-bytes", "smtp_password", b"pw", hashlib.sha256(b"pw").hexdigest()),
    ("password-space-kept", "smtp_password", " ", hashlib.sha256(b" ").hexdigest()),
    ("password-empty", "smtp_password", "", None),
    ("verify-true", "verify_certificates", 1, True),
    ("verify-false", "verify_certificates", False, False),
    ("verify-missing", "verify_certificates", None, None),
]


@pytest.mark.parametrize(
    "name, value, expected",
    [case[1:] for case in NORMALIZE_CASES],
    ids=[case[0] for case in NORMALIZE_CASES],
)
def test_normalize(name, value, expected):
    assert normalize(name, value) == expected


# (id, write values, expected changed fields)
NEEDS_TEST_CASES = [
    ("nothing", {}, []),
    ("unrelated", {"name": "Work", "signature": "<p>Hi</p>"}, []),
    ("same-values", {"smtp_port": "587", "smtp_host": "SMTP.example.com"}, []),
    ("same-password", {"smtp_password": "s3cret"}, []),
    ("new-password", {"smtp_password": "n3w"}, ["smtp_password"]),
    ("new-port", {"incoming_port": 143}, ["incoming_port"]),
    ("address", {"email": "info@example.com"}, ["email"]),
    ("protocol", {"incoming_protocol": "pop3"}, ["incoming_protocol"]),
    ("certificates", {"verify_certificates": False}, ["verify_certificates"]),
    ("cleared-login", {"smtp_login": False}, ["smtp_login"]),
    ("several", {"smtp_host": "mx.example.com", "incoming_security": "starttls", "name": "x"},
     ["incoming_security", "smtp_host"]),
]


@pytest.mark.parametrize(
    "new_values, expected",
    [case[1:] for case in NEEDS_TEST_CASES],
    ids=[case[0] for case in NEEDS_TEST_CASES],
)
def test_needs_test(new_values, expected):
    assert changed_fields(BASE, new_values) == expected
    assert needs_test(BASE, new_values) is bool(expected)


def test_needs_test_from_empty_record():
    assert needs_test({}, {"smtp_host": "smtp.example.com"}) is True
    assert needs_test({}, {"smtp_host": False}) is False


# (id, locked, old protocol, new protocol, expected params or None)
LOCK_CASES = [
    ("unlocked-change", False, "imap", "pop3", None),
    ("unlocked-first-set", False, False, "imap", None),
    ("locked-same", True, "imap", "imap", None),
    ("locked-same-other-case", True, "imap", " IMAP ", None),
    ("locked-imap-to-pop3", True, "imap", "pop3", {"old": "IMAP", "new": "POP3"}),
    ("locked-pop3-to-imap", True, "pop3", "imap", {"old": "POP3", "new": "IMAP"}),
    ("locked-cleared", True, "imap", False, {"old": "IMAP", "new": "-"}),
]


@pytest.mark.parametrize(
    "locked, old, new, expected",
    [case[1:] for case in LOCK_CASES],
    ids=[case[0] for case in LOCK_CASES],
)
def test_protocol_change_error(locked, old, new, expected):
    error = protocol_change_error(locked, old, new)
    text = assert_refusal(error, PROTOCOL_LOCKED_MESSAGE, expected)
    if text is not None:
        assert "locked since its first fetch" in text
        assert "Change protocol" in text and "archive" in text
