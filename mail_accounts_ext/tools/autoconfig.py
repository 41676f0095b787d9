"""A domain's own published mail settings, read as Thunderbird reads them (no Odoo).

Hosting panels (cPanel, Plesk, mailcow, ...) and many providers publish the servers
of their customers' domains in Thunderbird's *autoconfig* format
(``config-v1.1.xml``) at two places, tried in this order:

1. ``https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=<address>``
2. ``https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=<address>``

:func:`parse` turns such a document into the *settings dict* of ``presets`` (see
:func:`presets.settings_from_preset`), :func:`fetch` downloads one document over HTTPS
(certificates verified, bounded in time and size), :func:`lookup` tries both places
for a domain.

The format (https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat)::

    <clientConfig version="1.1">
      <emailProvider id="example.com">
        <domain>example.com</domain>
        <displayName>Example Mail</displayName>
        <incomingServer type="imap">            (also "pop3"; several, preferred first)
          <hostname>imap.example.com</hostname>
          <port>993</port>
          <socketType>SSL</socketType>          (SSL, STARTTLS or plain)
          <authentication>password-cleartext</authentication>   (one or more)
          <username>%EMAILADDRESS%</username>
        </incomingServer>
        <outgoingServer type="smtp">...</outgoingServer>
      </emailProvider>
    </clientConfig>

Placeholders ``%EMAILADDRESS%``, ``%EMAILLOCALPART%`` and ``%EMAILDOMAIN%`` stand for
the address, its part before and after "@". A server is used only when one of its
authentication methods signs in with a password (this addon has no OAuth, Kerberos
or NTLM); a server that the provider restricts to its own network
(``<restriction>client-IP-address</restriction>``) only when there is no other.

Documents with a DTD are refused before parsing (no entity expansion of any kind). The
address is typed by any user and the request leaves from the Odoo server: hosts that
resolve to loopback, private or link-local addresses are never asked.
"""

import ipaddress
import re
import socket
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlsplit

from . import presets

URL_TEMPLATES = (
    "https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={address}",
    "https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress={address}",
)
MAX_BYTES = 256 * 1024

SOCKET_TYPES = {"ssl": presets.SSL, "tls": presets.SSL, "starttls": presets.STARTTLS,
                "plain": presets.NONE}
# Authentication methods that sign in with the account's password.
PASSWORD_AUTH = {"password-cleartext", "plain", "password-encrypted", "secure"}
# Methods this addon cannot use.
OTHER_AUTH = {"oauth2", "gssapi", "ntlm", "tls-client-cert", "client-ip-address", "none"}
PROTOCOLS = {"imap": "imap", "pop3": "pop3", "smtp": "smtp"}

_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
_PLACEHOLDER_RE = re.compile(r"%(EMAILADDRESS|EMAILLOCALPART|EMAILDOMAIN)%", re.I)
_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                      r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$")


class AutoconfigError(ValueError):
    """The document is not a usable autoconfig file (the text says why)."""


def _local(tag):
    """The tag without an XML namespace (some servers add one)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name):
    return [child for child in element if _local(child.tag) == name]


def _text(element, name):
    for child in _children(element, name):
        return (child.text or "").strip()
    return ""


def _substitute(text, address):
    local, _at, domain = address.rpartition("@")
    values = {"EMAILADDRESS": address, "EMAILLOCALPART": local, "EMAILDOMAIN": domain}
    return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1).upper()], text)


def _server(element, address):
    """``(settings of one server, username, restricted)`` or None when unusable."""
    socket_type = SOCKET_TYPES.get(_text(element, "socketType").lower())
    host = _substitute(_text(element, "hostname"), address).rstrip(".").lower()
    try:
        port = int(_text(element, "port"))
    except ValueError:
        return None
    if not socket_type or not _HOST_RE.match(host) or "." not in host or not 0 < port < 65536:
        return None
    methods = {(child.text or "").strip().lower() for child in _children(element, "authentication")}
    if methods and not methods & PASSWORD_AUTH:
        return None
    username = _substitute(_text(element, "username"), address) or address
    restricted = any((child.text or "").strip().lower() == "client-ip-address"
                     for child in _children(element, "restriction"))
    return {"host": host, "port": port, "security": socket_type}, username, restricted


def _first(candidates):
    """The first unrestricted server, else the first one."""
    for candidate in candidates:
        if not candidate[2]:
            return candidate
    return candidates[0] if candidates else None


def parse(data, address):
    """The settings dict of an autoconfig document for ``address`` (``user@domain``).

    Returns ``(settings, provider name)``. Raises :class:`AutoconfigError` when the
    document is not XML, has a DTD, is not a ``clientConfig`` or offers no usable
    incoming server.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if _DTD_RE.search(data or b""):
        raise AutoconfigError("a DTD is not allowed")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise AutoconfigError(f"not XML: {error}") from None
    if _local(root.tag) != "clientConfig":
        raise AutoconfigError(f"not a clientConfig document: <{_local(root.tag)}>")
    providers = _children(root, "emailProvider")
    if not providers:
        raise AutoconfigError("no emailProvider")
    provider = providers[0]
    found = {"imap": [], "pop3": [], "smtp": []}
    for kind in ("incomingServer", "outgoingServer"):
        for element in _children(provider, kind):
            protocol = PROTOCOLS.get((element.get("type") or "").strip().lower())
            if protocol is None or (protocol == "smtp") != (kind == "outgoingServer"):
                continue
            server = _server(element, address)
            if server:
                found[protocol].append(server)
    chosen = {protocol: _first(servers) for protocol, servers in found.items()}
    incoming = chosen["imap"] or chosen["pop3"]
    if not incoming:
        raise AutoconfigError("no incoming server that signs in with a password")
    settings = presets.empty_settings(address)
    for protocol, server in chosen.items():
        settings[protocol] = server[0] if server else None
    settings["login"] = incoming[1]
    settings["smtp_login"] = chosen["smtp"][1] if chosen["smtp"] else incoming[1]
    name = (_substitute(_text(provider, "displayName"), address)
            or _substitute(provider.get("id") or "", address)
            or address.rpartition("@")[2])
    return settings, name[:80]


def urls(domain, address, templates=URL_TEMPLATES):
    """The places to look at for ``domain``, in order."""
    return [template.format(domain=domain, address=quote(address, safe="@"))
            for template in templates]


def public_host(host, resolve=socket.getaddrinfo):
    """Whether every address ``host`` resolves to is a public (global) one.

    The address domain is typed by any user and the request leaves from the Odoo
    server: it must not reach the server's own network (loopback, private ranges,
    link-local cloud metadata...).
    """
    try:
        infos = resolve(host, 443, type=socket.SOCK_STREAM)
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    except (OSError, ValueError, UnicodeError):
        return False
    return bool(addresses) and all(address.is_global for address in addresses)


def fetch(url, timeout, verify=True, max_redirects=3, allow_private=False):
    """The body of ``url`` (HTTPS only, at most :data:`MAX_BYTES`), or None.

    ``verify``: True (the system's CAs) or the path of a CA bundle. Redirects are
    followed (at most ``max_redirects``) only to HTTPS URLs. Hosts that resolve to
    non-public addresses are not asked unless ``allow_private`` (tests on loopback).
    """
    import requests  # imported late: the rest of this module is standard library only

    for _hop in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            return None
        if not allow_private and not public_host(parts.hostname):
            return None
        try:
            with requests.get(url, timeout=timeout, verify=verify, stream=True,
                              allow_redirects=False,
                              headers={"Accept": "application/xml, text/xml"}) as response:
                if response.is_redirect:
                    url = requests.compat.urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    return None
                body = b""
                for chunk in response.iter_content(16384):
                    body += chunk
                    if len(body) > MAX_BYTES:
                        return None
                return body
        except (requests.RequestException, OSError, ValueError, KeyError):
            return None
    return None
