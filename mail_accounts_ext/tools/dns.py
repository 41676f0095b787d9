"""A tiny DNS stub client for MX and SRV look-ups (standard library only).

Queries go over UDP (RFC 1035) to the given name servers, or to the
``nameserver`` lines of ``/etc/resolv.conf``; a truncated answer (TC bit) is
asked again over TCP. ``timeout`` is a hard total deadline (monotonic clock)
shared by all servers and both transports, never a per-server value.

Results and errors:

* an answer with records: the decoded records, sorted;
* NXDOMAIN, or an answer without records of the type: ``[]``;
* no name server configured: ``[]``;
* no usable answer from any server: the last :class:`DnsError` is raised --
  :class:`DnsTimeout` (silence), :class:`DnsServerError` (SERVFAIL, REFUSED, ...;
  ``rcode`` attribute), :class:`DnsFormatError` (garbage or malformed answer),
  or a plain :class:`DnsError` (server unreachable, e.g. ICMP port unreachable).

Packets that cannot be answers to our query (too short, wrong id, not a
response) are ignored as spoofing / stray noise: waiting continues until the
deadline. Host names are returned without the trailing dot, the root name as
``"."`` (an SRV target of ``"."`` means "service not offered", RFC 2782).
"""

import secrets
import socket
import struct
import time

DNS_PORT = 53
RESOLV_CONF = "/etc/resolv.conf"

TYPE_MX = 15
TYPE_SRV = 33
CLASS_IN = 1

RCODE_NOERROR = 0
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3

_HEADER = struct.Struct("!HHHHHH")
_FLAG_QR = 0x8000
_FLAG_TC = 0x0200
_FLAG_RD = 0x0100
_MAX_POINTER_JUMPS = 64


class DnsError(Exception):
    """No usable answer (base class)."""


class DnsTimeout(DnsError):
    """No answer before the deadline."""


class DnsServerError(DnsError):
    """The server answered with an error code (SERVFAIL, REFUSED, ...)."""

    def __init__(self, rcode):
        super().__init__(f"DNS server error, rcode {rcode}")
        self.rcode = rcode


class DnsFormatError(DnsError):
    """The answer is malformed (garbage, truncated, pointer loops, ...)."""


def read_resolv_conf(path: str = RESOLV_CONF) -> list:
    """``[(address, 53)]`` from the ``nameserver`` lines of ``path`` (or [])."""
    servers = []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = line.split("#", 1)[0].split(";", 1)[0].split()
                if len(fields) >= 2 and fields[0] == "nameserver":
                    servers.append((fields[1], DNS_PORT))
    except OSError:
        return []
    return servers


def query_mx(domain: str, *, timeout: float, nameservers=None) -> list:
    """MX records of ``domain``: ``[(preference, host)]`` by preference."""
    records = query(domain, TYPE_MX, timeout=timeout, nameservers=nameservers)
    return sorted(records)


def query_srv(name: str, *, timeout: float, nameservers=None) -> list:
    """SRV records of ``name`` (e.g. ``_imaps._tcp.example.com``).

    ``[(priority, weight, port, target)]``, lowest priority first and, within
    a priority, highest weight first.
    """
    records = query(name, TYPE_SRV, timeout=timeout, nameservers=nameservers)
    return sorted(records, key=lambda r: (r[0], -r[1], r[2], r[3]))


def query(name: str, rtype: int, *, timeout: float, nameservers=None) -> list:
    """Decoded records of type ``rtype`` (MX or SRV) for ``name``.

    ``nameservers``: addresses (``"192.0.2.1"``) or ``(address, port)`` pairs;
    None reads ``/etc/resolv.conf``. See the module docstring for errors; an
    invalid ``name`` raises ValueError.
    """
    deadline = time.monotonic() + max(0.0, timeout)
    qname = _encode_name(name)
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


def _ask(server, qname, rtype, deadline):
    query_id = secrets.randbits(16)
    packet = _HEADER.pack(query_id, _FLAG_RD, 1, 0, 0, 0) + qname + struct.pack(
        "!HH", rtype, CLASS_IN
    )
    try:
        family, _type, _proto, _canon, address = socket.getaddrinfo(
            server[0], server[1], type=socket.SOCK_DGRAM, flags=socket.AI_NUMERICHOST
        )[0]
    except (OSError, UnicodeError) as exc:
        raise DnsError(f"bad name server address {server[0]!r}") from exc
    try:
        message = _exchange_udp(family, address, packet, query_id, deadline)
        flags = _HEADER.unpack_from(message)[1]
        if flags & _FLAG_TC:
            message = _exchange_tcp(family, address, packet, query_id, deadline)
    except TimeoutError as exc:
        raise DnsTimeout(f"no answer from {server[0]}") from exc
    except OSError as exc:
        raise DnsError(f"name server {server[0]} unreachable: {exc}") from exc
    return _parse(message, _read_name(qname, 0)[0].lower(), rtype)


def _remaining(deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


def _is_answer(data, query_id):
    if len(data) < _HEADER.size:
        return False
    answer_id, flags = struct.unpack_from("!HH", data)
    return answer_id == query_id and bool(flags & _FLAG_QR)


def _exchange_udp(family, address, packet, query_id, deadline):
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect(address)  # the kernel then drops datagrams from other peers
        sock.settimeout(_remaining(deadline))
        sock.send(packet)
        while True:
            sock.settimeout(_remaining(deadline))
            data = sock.recv(65535)
            if _is_answer(data, query_id):
                return data


def _exchange_tcp(family, address, packet, query_id, deadline):
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(_remaining(deadline))
        sock.connect(address)
        sock.settimeout(_remaining(deadline))
        sock.sendall(struct.pack("!H", len(packet)) + packet)
        (length,) = struct.unpack("!H", _recv_exact(sock, 2, deadline))
        data = _recv_exact(sock, length, deadline)
    if not _is_answer(data, query_id):
        raise DnsFormatError("TCP answer does not match the query")
    return data


def _recv_exact(sock, size, deadline):
    chunks = []
    while size:
        sock.settimeout(_remaining(deadline))
        chunk = sock.recv(size)
        if not chunk:
            raise DnsFormatError("connection closed in the middle of an answer")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _encode_name(name):
    """Wire form of ``name``; ValueError when it is not a valid DNS name."""
    name = (name or "").strip().rstrip(".")
    try:
        ascii_name = name.encode("ascii") if name.isascii() else name.encode("idna")
    except UnicodeError as exc:
        raise ValueError(f"invalid DNS name {name!r}") from exc
    labels = ascii_name.split(b".")
    if not name or any(not 0 < len(label) < 64 for label in labels):
        raise ValueError(f"invalid DNS name {name!r}")
    wire = b"".join(bytes([len(label)]) + label for label in labels) + b"\0"
    if len(wire) > 255:
        raise ValueError(f"DNS name too long {name!r}")
    return wire


def _read_name(message, offset):
    """Decode a (possibly compressed) name at ``offset``: (name, next offset)."""
    labels = []
    end = None
    jumps = 0
    wire_length = 1
    while True:
        if offset >= len(message):
            raise DnsFormatError("name runs past the end of the message")
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(message):
                raise DnsFormatError("truncated compression pointer")
            pointer = ((length & 0x3F) << 8) | message[offset + 1]
            if end is None:
                end = offset + 2
            jumps += 1
            # Pointers must go backwards: guarantees termination (no loops).
            if pointer >= offset or jumps > _MAX_POINTER_JUMPS:
                raise DnsFormatError("bad compression pointer")
            offset = pointer
            continue
        if length & 0xC0:
            raise DnsFormatError("unsupported label type")
        offset += 1
        if length == 0:
            break
        label = message[offset : offset + length]
        if len(label) != length:
            raise DnsFormatError("label runs past the end of the message")
        wire_length += length + 1
        if wire_length > 255:
            raise DnsFormatError("name too long")
        try:
            labels.append(label.decode("ascii"))
        except UnicodeDecodeError as exc:
            raise DnsFormatError("non-ASCII label") from exc
        offset += length
    return (".".join(labels) or "."), (offset if end is None else end)


def _parse(message, qname, rtype):
    """Records of ``rtype`` in the answer section; [] for NXDOMAIN / no data."""
    try:
        return _parse_message(message, qname, rtype)
    except (struct.error, IndexError) as exc:
        raise DnsFormatError("malformed answer") from exc


def _parse_message(message, qname, rtype):
    _id, flags, qdcount, ancount, _nscount, _arcount = _HEADER.unpack_from(message)
    rcode = flags & 0x000F
    if rcode == RCODE_NXDOMAIN:
        return []
    if rcode != RCODE_NOERROR:
        raise DnsServerError(rcode)
    offset = _HEADER.size
    for _ in range(qdcount):
        name, offset = _read_name(message, offset)
        qtype, _qclass = struct.unpack_from("!HH", message, offset)
        offset += 4
        if qtype != rtype or name.lower() != qname:
            raise DnsFormatError("answer is for another question")
    records = []
    for _ in range(ancount):
        _owner, offset = _read_name(message, offset)
        atype, aclass, _ttl, rdlength = struct.unpack_from("!HHIH", message, offset)
        offset += 10
        end = offset + rdlength
        if end > len(message):
            raise DnsFormatError("record data runs past the end of the message")
        if atype == rtype and aclass == CLASS_IN:
            records.append(_parse_rdata(message, offset, end, rtype))
        offset = end
    return records


def _parse_rdata(message, offset, end, rtype):
    if rtype == TYPE_MX:
        (preference,) = struct.unpack_from("!H", message, offset)
        host, name_end = _read_name(message, offset + 2)
        record = (preference, host)
    elif rtype == TYPE_SRV:
        priority, weight, port = struct.unpack_from("!HHH", message, offset)
        target, name_end = _read_name(message, offset + 6)
        record = (priority, weight, port, target)
    else:
        raise ValueError(f"unsupported record type {rtype}")
    if name_end != end:
        raise DnsFormatError("record data length does not match its content")
    return record
