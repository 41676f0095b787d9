"""MX and SRV look-ups with a hard total deadline, on dnspython.

dnspython builds the queries and parses the answers (wire format, name
compression, IDNA, TCP framing, matching an answer to its query); this module
only decides whom to ask and for how long. Queries go over UDP to the given
name servers, or to the ``nameserver`` lines of ``/etc/resolv.conf``; a
truncated answer (TC bit) is asked again over TCP. ``timeout`` is a hard total
deadline (monotonic clock) shared by all servers and both transports, never a
per-server value.

Why not ``dns.resolver.Resolver.resolve(lifetime=...)``: its lifetime is not a
hard deadline (after a round of silent servers it sleeps a back-off of 0.1 s
and more before it looks at the clock again), and its unconnected UDP socket
never hears "port unreachable", so a dead server costs the whole wait. Here
each server gets a fair share of what is left and a connected socket.
Needs dnspython 2.6.1 or later (``ignore_errors``: the CVE-2023-29483 fix).

Results and errors:

* an answer with records: the decoded records, sorted;
* NXDOMAIN, or an answer without records of the type: ``[]``;
* no name server configured: ``[]``;
* no usable answer from any server: the last :class:`DnsError` is raised --
  :class:`DnsTimeout` (silence), :class:`DnsServerError` (SERVFAIL, REFUSED, ...;
  ``rcode`` attribute), :class:`DnsFormatError` (a malformed answer over TCP,
  or a host name that is not plain ASCII), or a plain :class:`DnsError`
  (server unreachable, e.g. ICMP port unreachable; bad server address).

Over UDP, packets that are not a well-formed answer to our query (garbage,
wrong id, another question, malformed records) are ignored as spoofing or
stray noise: waiting goes on until the deadline, so a forged packet can delay
an answer but never replace or cancel it. Host names are returned without the
trailing dot, the root name as ``"."`` (an SRV target of ``"."`` means
"service not offered", RFC 2782).
"""

import socket
import time

import dns.exception
import dns.inet
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver

DNS_PORT = 53
RESOLV_CONF = "/etc/resolv.conf"

TYPE_MX = dns.rdatatype.MX
TYPE_SRV = dns.rdatatype.SRV

RCODE_NOERROR = dns.rcode.NOERROR
RCODE_SERVFAIL = dns.rcode.SERVFAIL
RCODE_NXDOMAIN = dns.rcode.NXDOMAIN


class DnsError(Exception):
    """No usable answer (base class)."""


class DnsTimeout(DnsError):
    """No answer before the deadline."""


class DnsServerError(DnsError):
    """The server answered with an error code (SERVFAIL, REFUSED, ...)."""

    def __init__(self, rcode):
        super().__init__(f"DNS server error {dns.rcode.to_text(rcode)}")
        self.rcode = rcode


class DnsFormatError(DnsError):
    """The answer is malformed or carries a host name that is not plain ASCII."""


def read_resolv_conf(path: str = RESOLV_CONF) -> list:
    """``[(address, 53)]`` from the ``nameserver`` lines of ``path`` (or [])."""
    try:
        resolver = dns.resolver.Resolver(filename=path, configure=True)
    except (dns.exception.DNSException, ValueError):
        # Missing or unreadable file, no name server, or a line dnspython refuses.
        return []
    return [
        (address, resolver.nameserver_ports.get(address, resolver.port))
        for address in resolver.nameservers
        if isinstance(address, str)
    ]


def query_mx(domain: str, *, timeout: float, nameservers=None) -> list:
    """MX records of ``domain``: ``[(preference, host)]`` by preference."""
    records = query(domain, TYPE_MX, timeout=timeout, nameservers=nameservers)
    return sorted((rdata.preference, _host(rdata.exchange)) for rdata in records)


def query_srv(name: str, *, timeout: float, nameservers=None) -> list:
    """SRV records of ``name`` (e.g. ``_imaps._tcp.example.com``).

    ``[(priority, weight, port, target)]``, lowest priority first and, within
    a priority, highest weight first.
    """
    records = query(name, TYPE_SRV, timeout=timeout, nameservers=nameservers)
    records = [(r.priority, r.weight, r.port, _host(r.target)) for r in records]
    return sorted(records, key=lambda r: (r[0], -r[1], r[2], r[3]))


def query(name: str, rtype: int, *, timeout: float, nameservers=None) -> list:
    """dnspython rdata objects of type ``rtype`` answering ``name``.

    ``nameservers``: addresses (``"192.0.2.1"``) or ``(address, port)`` pairs;
    None reads ``/etc/resolv.conf``. See the module docstring for errors; an
    invalid ``name`` raises ValueError.
    """
    deadline = time.monotonic() + max(0.0, timeout)
    qname = _qname(name)
    servers = read_resolv_conf() if nameservers is None else list(nameservers)
    servers = [(s, DNS_PORT) if isinstance(s, str) else (s[0], int(s[1])) for s in servers]
    if not servers:
        return []
    error = DnsTimeout(f"no answer for {name!r}")
    for index, server in enumerate(servers):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        # Share what is left fairly among the servers not tried yet.
        server_deadline = time.monotonic() + remaining / (len(servers) - index)
        try:
            return _ask(server, qname, rtype, server_deadline)
        except DnsError as exc:
            error = exc
    raise error


def _qname(name):
    """Absolute ``dns.name.Name`` of ``name``; ValueError when it is not a valid DNS name."""
    text = (name or "").strip().rstrip(".")
    if not text:
        raise ValueError(f"invalid DNS name {name!r}")
    try:
        return dns.name.from_text(text)
    except (dns.exception.DNSException, UnicodeError) as exc:
        raise ValueError(f"invalid DNS name {name!r}") from exc


def _host(name):
    """``name`` as text without the final dot; DnsFormatError unless plain ASCII."""
    text = name.to_text(omit_final_dot=True)
    if "\\" in text:  # dnspython escapes non-ASCII and special characters
        raise DnsFormatError(f"unusable host name {text!r}")
    return text


def _remaining(deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise dns.exception.Timeout
    return remaining


def _ask(server, qname, rtype, deadline):
    address, port = server
    try:
        family = dns.inet.af_for_address(address)
    except ValueError as exc:
        raise DnsError(f"bad name server address {address!r}") from exc
    request = dns.message.make_query(qname, rtype)  # a fresh random id
    try:
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)  # dnspython waits with its own deadline
                # Connected: the kernel drops datagrams from other peers and
                # reports "port unreachable" at once.
                sock.connect((address, port))
                response = dns.query.udp(
                    request, address, timeout=_remaining(deadline), port=port, sock=sock,
                    ignore_unexpected=True, ignore_errors=True, raise_on_truncation=True,
                )
        except dns.message.Truncated:
            response = dns.query.tcp(request, address, timeout=_remaining(deadline), port=port)
    except dns.exception.Timeout as exc:
        raise DnsTimeout(f"no answer from {address}") from exc
    except (dns.exception.DNSException, EOFError, ValueError) as exc:
        # Only TCP gets here: malformed answer, another question, closed early.
        raise DnsFormatError(f"malformed answer from {address}: {exc}") from exc
    except OSError as exc:
        raise DnsError(f"name server {address} unreachable: {exc}") from exc
    rcode = response.rcode()
    if rcode == RCODE_NXDOMAIN:
        return []
    if rcode != RCODE_NOERROR:
        raise DnsServerError(rcode)
    return [
        rdata
        for rrset in response.answer
        if rrset.rdtype == rtype and rrset.rdclass == dns.rdataclass.IN
        for rdata in rrset
    ]
