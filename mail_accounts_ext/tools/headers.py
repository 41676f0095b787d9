"""Texts and addresses that go into mail headers (pure).

* Names (an account's name, its sender name) end up in ``From``; a carriage return, a
  line feed or any other control character there breaks every mail of the account
  (Python refuses the header) or, with a lesser mailer, injects headers.
  :func:`control_character_error` says why such a text is refused, :func:`clean_text`
  repairs stored ones (the migration).
* Internationalised addresses (RFC 5890, RFC 6531): without ``SMTPUTF8`` a domain
  such as ``bücher.example`` must travel as its IDNA (punycode) form
  ``xn--bcher-kva.example``, in the headers as in the envelope; a non-ASCII local
  part (``jörg@...``) has no ASCII form and needs a server that offers ``SMTPUTF8``.
  :func:`smtp_address` and :func:`address_header` convert, raising
  :class:`AddressError` (with a text for the user) for what cannot travel.

No Odoo import here: this module is tested without a database.
"""

# No ``env`` here: ``_lt`` only marks the texts, the ORM translates them with ``env._``.
# pylint: disable=prefer-env-translation

import email.utils
import re
from email.headerregistry import Address

import idna

from .translation import _lt

# C0 controls (tab, CR, LF included), DEL, C1 controls (NEL included), and the Unicode
# line and paragraph separators, which some mailers and viewers also break lines at.
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES_RE = re.compile(r"\s+")

CONTROL_CHARACTER_MESSAGE = _lt(
    "%(field)s cannot contain line breaks, tabs or other control characters "
    "(found %(characters)s): it is written into the headers of every e-mail."
)
NON_ASCII_LOCAL_PART_MESSAGE = _lt(
    "The address %(address)s has letters outside ASCII before the @, and the "
    "outgoing server %(server)s does not accept such addresses (it does not offer "
    "SMTPUTF8). Ask for an address without accents before the @, or send through a "
    "server that supports internationalised addresses."
)
INVALID_DOMAIN_MESSAGE = _lt(
    "The address %(address)s has a domain that cannot be written in the form mail "
    "servers use (IDNA): check the part after the @."
)


class AddressError(ValueError):
    """An address that cannot travel as asked: ``message`` (an ``_lt`` text) with
    ``params`` (``address``; the caller adds ``server``) explains why."""

    def __init__(self, message, address):
        super().__init__(message % {"address": address, "server": "?"})
        self.message = message
        self.params = {"address": address}


# --------------------------------------------------------------------------- texts


def control_characters(text):
    """The distinct control characters of ``text``, in order, as ``U+XXXX`` codes."""
    found = []
    for char in CONTROL_RE.findall(text or ""):
        code = f"U+{ord(char):04X}"
        if code not in found:
            found.append(code)
    return found


def control_character_error(text, field):
    """``(message, params)`` when ``text`` holds control characters, else None.

    :param field: the (translated) label of the field, for the message
    """
    found = control_characters(text)
    if not found:
        return None
    return CONTROL_CHARACTER_MESSAGE, {"field": field, "characters": ", ".join(found)}


def clean_text(text):
    """``text`` with each control character replaced by a space, runs of white space
    collapsed to one space and the ends stripped (None and "" stay as they are)."""
    if not text:
        return text
    return _SPACES_RE.sub(" ", CONTROL_RE.sub(" ", text)).strip()


# --------------------------------------------------------------------------- addresses


def ascii_domain(domain):
    """The ASCII (IDNA) form of ``domain``; ASCII domains are returned unchanged.

    Raises ``ValueError`` when the domain has no IDNA form.
    """
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")  # IDNA 2008, case mapped
    except idna.IDNAError:
        try:
            return domain.encode("idna").decode("ascii")  # IDNA 2003 (Python's codec)
        except UnicodeError as error:
            raise ValueError(f"no IDNA form for {domain!r}") from error


def smtp_address(address, smtputf8=False):
    """``address`` (``local@domain``) as it travels: the domain in its ASCII form.

    :param smtputf8: whether the server offers SMTPUTF8 (a non-ASCII local part may
        then travel as it is)
    :raises AddressError: the domain has no IDNA form, or the local part is not ASCII
        and ``smtputf8`` is false
    """
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    try:
        domain = ascii_domain(domain)
    except ValueError as error:
        raise AddressError(INVALID_DOMAIN_MESSAGE, address) from error
    if not local.isascii() and not smtputf8:
        raise AddressError(NON_ASCII_LOCAL_PART_MESSAGE, address)
    return f"{local}@{domain}"


def needs_smtputf8(addresses):
    """Whether one of ``addresses`` (plain ``local@domain``) has a non-ASCII local part."""
    return any(not address.rpartition("@")[0].isascii() for address in addresses)


def plain_addresses(value):
    """The addresses (``local@domain``) of an address-list header value, as written."""
    return [address for _name, address in email.utils.getaddresses([value or ""])
            if "@" in address]


def _format(name, address):
    """``"Name" <address>`` (quoted as needed, non-ASCII kept), or ``address`` alone."""
    local, _at, domain = address.rpartition("@")
    return str(Address(display_name=name or "", username=local, domain=domain))


def address_header(value, smtputf8=False):
    """An address-list header value (``To``, ``Cc``, ``From``, ``Reply-To``...) with
    every domain in its ASCII form; display names are kept as they are (the header
    encoding takes care of them).

    :returns: ``(header value, [addresses])``, the plain addresses converted
    :raises AddressError: see :func:`smtp_address`
    """
    entries, addresses = [], []
    for name, address in email.utils.getaddresses([value or ""]):
        if not address:
            continue
        if "@" not in address:
            entries.append(address)  # e.g. "undisclosed-recipients": left alone
            continue
        converted = smtp_address(address, smtputf8)
        addresses.append(converted)
        entries.append(_format(name, converted))
    return ", ".join(entries), addresses
