"""Connection settings: fingerprints, re-test detection and the protocol lock (pure).

* :data:`CONNECTION_FIELDS`: the settings a connection test depends on; changing
  any of them requires a new test.
* :func:`fingerprint`: a sha256 over a canonical JSON of those settings, so a
  successful test can be bound to the exact configuration tested. Passwords only
  enter it as their own sha256; host names are lower-cased and stripped, ports are
  integers, empty values (``False``, ``None``, ``""``, port ``0``) are all the same.
* :func:`needs_test`: whether a write changes the tested configuration.
* :func:`protocol_change_error`: once an account fetched mail, its incoming
  protocol is locked (IMAP and POP3 keep different message identities); the
  *Change protocol* action creates a new account and archives this one.

No Odoo import here: this module is tested without a database.
"""

# No ``env`` here: ``_lt`` only marks the texts, the ORM translates them with ``env._``.
# pylint: disable=prefer-env-translation

import hashlib
import json

from .translation import _lt

CONNECTION_FIELDS = (
    "email",
    "incoming_protocol",
    "incoming_host",
    "incoming_port",
    "incoming_security",
    "incoming_login",
    "incoming_password",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_login",
    "smtp_password",
    "verify_certificates",
)

PASSWORD_FIELDS = ("incoming_password", "smtp_password")
HOST_FIELDS = ("incoming_host", "smtp_host")
PORT_FIELDS = ("incoming_port", "smtp_port")
LOWERCASE_FIELDS = ("email", "incoming_protocol", "incoming_security", "smtp_security")
BOOLEAN_FIELDS = ("verify_certificates",)

# Bump when the canonical form changes: every stored fingerprint then differs, so
# accounts are asked for a new test instead of matching by accident.
FINGERPRINT_VERSION = 1

PROTOCOL_LOCKED_MESSAGE = _lt(
    "The incoming protocol of this account is locked since its first fetch: it stays "
    "%(old)s and cannot be changed to %(new)s. Use the \"Change protocol\" action "
    "instead: it creates a new account with the new protocol and keeps this one as an "
    "archive of the messages already fetched."
)


def _empty(value):
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def normalize(name, value):
    """The canonical form of one connection setting (``None`` when empty)."""
    if name in BOOLEAN_FIELDS:
        return None if value is None else bool(value)
    if name in PASSWORD_FIELDS:
        # Spaces are significant in a password: only empty means "no password".
        if value is None or value is False or value == "":
            return None
        if isinstance(value, str):
            value = value.encode("utf-8")
        return hashlib.sha256(value).hexdigest()
    if _empty(value):
        return None
    if name in PORT_FIELDS:
        if isinstance(value, bool):
            return None
        try:
            port = int(str(value).strip())
        except ValueError:
            return str(value).strip()
        return port or None  # an unset Odoo Integer field reads 0
    value = str(value).strip()
    if name in HOST_FIELDS:
        return value.lower().rstrip(".")
    if name in LOWERCASE_FIELDS:
        return value.lower()
    return value


def canonical(settings):
    """``{field: normalized value}`` for every connection field (missing -> ``None``)."""
    return {name: normalize(name, settings.get(name)) for name in CONNECTION_FIELDS}


def fingerprint(settings):
    """sha256 hex digest of the canonical JSON of the connection settings."""
    payload = {"v": FINGERPRINT_VERSION, "settings": canonical(settings)}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def changed_fields(old, new_values):
    """Connection fields of ``new_values`` whose canonical value differs from ``old``."""
    return [
        name
        for name in CONNECTION_FIELDS
        if name in new_values
        and normalize(name, new_values[name]) != normalize(name, old.get(name))
    ]


def needs_test(old, new_values):
    """Whether writing ``new_values`` over ``old`` changes the tested configuration."""
    return bool(changed_fields(old, new_values))


def protocol_label(protocol):
    """``"imap"`` -> ``"IMAP"``; empty -> ``"-"`` (technical labels, not translated)."""
    if _empty(protocol):
        return "-"
    return str(protocol).strip().upper()


def protocol_change_error(locked, old_protocol, new_protocol):
    """``None`` if the change is allowed, else ``(template, params)`` to raise.

    ``locked`` is true once the account fetched mail. Only an actual change of the
    incoming protocol is refused (writing the same value again is fine).
    """
    if not locked:
        return None
    if normalize("incoming_protocol", old_protocol) == normalize(
        "incoming_protocol", new_protocol
    ):
        return None
    params = {"old": protocol_label(old_protocol), "new": protocol_label(new_protocol)}
    return PROTOCOL_LOCKED_MESSAGE, params
