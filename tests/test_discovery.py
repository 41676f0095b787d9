"""DNS client and settings discovery, against a real DNS server on 127.0.0.1.

``DnsServer`` below is a small authoritative-style server: a UDP socket (and a
TCP socket on the same port, for truncated answers) served by a thread that
answers from a table, compressing names like real servers do. The tests talk
to it over loopback; nothing is mocked.
"""

import ast
import re
import secrets
import socket
import struct
import threading
import time
from functools import partial

import pytest

from mail_accounts_ext.tools import autoconfig, discovery, dns_lookup, presets
from mail_accounts_ext.tools.discovery import Discovery, InvalidAddressError, discover

MX, SRV = dns_lookup.TYPE_MX, dns_lookup.TYPE_SRV
REAL_FETCH = autoconfig.fetch  # the autouse fixture below replaces it


# --------------------------------------------------------------------------
# A real (tiny) DNS server
# --------------------------------------------------------------------------


def _encode_name(name, message, offsets, compress=True):
    """Wire form of ``name`` appended at ``len(message)``, compressed (RFC 1035 4.1.4)."""
    labels = [] if name in (".", "") else name.rstrip(".").split(".")
    out = bytearray()
    for index in range(len(labels)):
        suffix = ".".join(labels[index:]).lower()
        if compress and suffix in offsets:
            return bytes(out + struct.pack("!H", 0xC000 | offsets[suffix]))
        offsets.setdefault(suffix, len(message) + len(out))
        label = labels[index].encode("ascii")
        out += bytes([len(label)]) + label
    return bytes(out + b"\0")


def build_response(query_id, qname, qtype, records=(), rcode=0, truncated=False):
    flags = 0x8000 | 0x0400 | 0x0100 | 0x0080 | rcode | (0x0200 if truncated else 0)
    message = bytearray(struct.pack("!HHHHHH", query_id, flags, 1, len(records), 0, 0))
    offsets = {}
    message += _encode_name(qname, message, offsets)
    message += struct.pack("!HH", qtype, 1)
    for record in records:
        message += _encode_name(qname, message, offsets)
        message += struct.pack("!HHI", qtype, 1, 300)
        length_at = len(message)
        message += b"\0\0"
        if qtype == MX:
            message += struct.pack("!H", record[0])
            message += _encode_name(record[1], message, offsets)
        else:
            message += struct.pack("!HHH", *record[:3])
            message += _encode_name(record[3], message, offsets)
        struct.pack_into("!H", message, length_at, len(message) - length_at - 2)
    return bytes(message)


def parse_query(data):
    query_id = struct.unpack_from("!H", data)[0]
    labels, offset = [], 12
    while data[offset]:
        length = data[offset]
        labels.append(data[offset + 1 : offset + 1 + length].decode("ascii"))
        offset += 1 + length
    qtype = struct.unpack_from("!H", data, offset + 1)[0]
    return query_id, ".".join(labels), qtype


class DnsServer:
    """Answers ``{(name, qtype): spec}`` on 127.0.0.1 over UDP and TCP.

    spec: a list of records (MX ``(preference, host)``, SRV ``(priority,
    weight, port, target)``), ``"nxdomain"``, ``"servfail"``, ``"silent"``,
    ``("truncated", records)`` (UDP answer with TC set, full answer over TCP;
    records may be a callable too) or a callable ``(query_id, name, qtype)``
    returning raw bytes, or over UDP a list of datagrams sent one after another.
    Unknown names get an empty NOERROR answer (no data).
    """

    def __init__(self, table):
        self.table = {(name.lower(), qtype): spec for (name, qtype), spec in table.items()}
        self.queries = []
        self.responses = []
        self._stop = threading.Event()
        for _attempt in range(50):
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.bind(("127.0.0.1", 0))
            port = self.tcp.getsockname()[1]
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.udp.bind(("127.0.0.1", port))
                break
            except OSError:
                self.tcp.close()
                self.udp.close()
        self.address = ("127.0.0.1", port)
        self.tcp.listen(5)
        self.udp.settimeout(0.05)
        self.tcp.settimeout(0.05)
        self._threads = [
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._serve_tcp, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def answer(self, data, transport):
        query_id, name, qtype = parse_query(data)
        self.queries.append((name, qtype, transport))
        spec = self.table.get((name.lower(), qtype), [])
        if isinstance(spec, tuple) and spec[0] == "truncated":
            if transport == "udp":
                return build_response(query_id, name, qtype, truncated=True)
            spec = spec[1]
        if callable(spec):
            return spec(query_id, name, qtype)
        if spec == "silent":
            return None
        if spec == "nxdomain":
            return build_response(query_id, name, qtype, rcode=3)
        if spec == "servfail":
            return build_response(query_id, name, qtype, rcode=2)
        return build_response(query_id, name, qtype, spec)

    def _serve_udp(self):
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            response = self.answer(data, "udp")
            for datagram in [response] if isinstance(response, bytes) else response or ():
                self.responses.append(datagram)
                self.udp.sendto(datagram, peer)

    def _serve_tcp(self):
        while not self._stop.is_set():
            try:
                conn, _peer = self.tcp.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                (length,) = struct.unpack("!H", conn.recv(2))
                response = self.answer(conn.recv(length), "tcp")
                if response is not None:
                    conn.sendall(struct.pack("!H", len(response)) + response)

    def close(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(1)
        self.udp.close()
        self.tcp.close()


class SilentServer:
    """A bound UDP socket that reads and never answers (a black hole)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = self.sock.getsockname()

    def close(self):
        self.sock.close()


def _closed_udp_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _garbage(_query_id, _name, _qtype):
    return secrets.token_bytes(40)


def _garbage_same_id(query_id, _name, _qtype):
    # A valid-looking header (our id, QR set, 3 answers) followed by junk.
    return struct.pack("!HHHHHH", query_id, 0x8180, 1, 3, 0, 0) + b"\x07example\x03c"


def _pointer_loop(query_id, name, qtype):
    message = bytearray(build_response(query_id, name, qtype, [(10, "mx.example.org")]))
    # The MX host "\x02mx" + pointer becomes a pointer to itself.
    at = len(message) - 2 - len(b"\x02mx")
    struct.pack_into("!H", message, at, 0xC000 | at)
    struct.pack_into("!H", message, at - 4, 4)  # rdlength: preference + pointer
    return bytes(message[: at + 2])


def _wrong_question(query_id, _name, qtype):
    return build_response(query_id, "other.example", qtype, [(10, "mx.other.example")])


def _forged_then_real(query_id, name, qtype):
    """What a blind spoofer and a broken middlebox send first, then the real answer."""
    forged = [
        build_response(query_id ^ 1, name, qtype, [(1, "evil.example")]),  # wrong id
        _garbage(query_id, name, qtype),
        _garbage_same_id(query_id, name, qtype),
        _pointer_loop(query_id, name, qtype),
        _wrong_question(query_id, name, qtype),
    ]
    return [*forged, build_response(query_id, name, qtype, [(10, "mx.forged.example")])]


def _non_ascii_host(query_id, name, qtype):
    message = build_response(query_id, name, qtype, [(10, "mx.exXmple.org")])
    return message.replace(b"exXmple", b"ex\xe4mple")


TABLE = {
    ("example.org", MX): [(20, "mx2.example.org"), (10, "mx1.example.org"),
                          (10, "alt.mx1.example.org")],
    ("google-hosted.example", MX): [(5, "alt1.aspmx.l.google.com"), (1, "aspmx.l.google.com")],
    ("m365.example", MX): [(0, "m365-example.mail.protection.outlook.com")],
    ("_imaps._tcp.example.org", SRV): [(0, 1, 993, "imap.example.org")],
    ("_imap._tcp.example.org", SRV): [(0, 0, 0, ".")],
    ("_submission._tcp.example.org", SRV): [
        (10, 5, 587, "smtp2.example.org"), (5, 10, 587, "smtp1.example.org"),
        (5, 60, 2587, "smtp0.example.org"),
    ],
    ("nx.example", MX): "nxdomain",
    ("broken.example", MX): "servfail",
    ("silent.example", MX): "silent",
    ("garbage.example", MX): _garbage,
    ("garbage-id.example", MX): _garbage_same_id,
    ("loop.example", MX): _pointer_loop,
    ("wrong.example", MX): _wrong_question,
    ("big.example", MX): ("truncated", [(i, f"mx{i}.big.example") for i in range(40)]),
    ("forged.example", MX): _forged_then_real,
    ("non-ascii.example", MX): _non_ascii_host,
    ("tcp-garbage-id.example", MX): ("truncated", _garbage_same_id),
    ("tcp-loop.example", MX): ("truncated", _pointer_loop),
    ("tcp-wrong.example", MX): ("truncated", _wrong_question),
    # SRV discovery
    ("srvmail.example", MX): [(10, "mx.srvmail.example")],
    ("_imaps._tcp.srvmail.example", SRV): [(0, 0, 0, ".")],
    ("_imap._tcp.srvmail.example", SRV): [(0, 1, 143, "Mail.SrvMail.example.")],
    ("_pop3s._tcp.srvmail.example", SRV): [(0, 1, 995, "pop.srvmail.example")],
    ("_submissions._tcp.srvmail.example", SRV): [(0, 1, 465, "smtp.srvmail.example")],
    ("_submission._tcp.srvmail.example", SRV): [(0, 1, 587, "smtp.srvmail.example")],
    # Only "not offered" SRV records: falls through to the next step.
    ("_imaps._tcp.nosrv.example", SRV): [(0, 0, 0, ".")],
    ("_pop3s._tcp.nosrv.example", SRV): [(0, 0, 0, ".")],
}


@pytest.fixture(autouse=True)
def published_configs(monkeypatch):
    """No domain here publishes a configuration; never reach the Internet for one.

    (``tests/test_autoconfig.py`` serves real ones over HTTPS on loopback.)
    """
    asked = []

    def fetch(url, timeout, verify=True):
        asked.append(url)

    monkeypatch.setattr(autoconfig, "fetch", fetch)
    return asked


@pytest.fixture(scope="module")
def server():
    srv = DnsServer(TABLE)
    yield srv
    srv.close()


@pytest.fixture()
def silent():
    srv = SilentServer()
    yield srv
    srv.close()


# --------------------------------------------------------------------------
# dns_lookup.py
# --------------------------------------------------------------------------


def test_mx_with_compression(server):
    records = dns_lookup.query_mx("example.org", timeout=1, nameservers=[server.address])
    assert records == [(10, "alt.mx1.example.org"), (10, "mx1.example.org"),
                       (20, "mx2.example.org")]
    # The server really compressed: "example" is spelt out once, in the question.
    assert server.responses[-1].count(b"\x07example") == 1


def test_mx_pointer_into_earlier_record(server):
    records = dns_lookup.query_mx("Google-Hosted.Example.", timeout=1, nameservers=[server.address])
    assert records == [(1, "aspmx.l.google.com"), (5, "alt1.aspmx.l.google.com")]
    assert server.responses[-1].count(b"\x06google") == 1


def test_srv_answers_sorted(server):
    records = dns_lookup.query_srv("_imaps._tcp.example.org", timeout=1,
                                   nameservers=[server.address])
    assert records == [(0, 1, 993, "imap.example.org")]
    records = dns_lookup.query_srv("_submission._tcp.example.org", timeout=1,
                            nameservers=[server.address])
    assert records == [(5, 60, 2587, "smtp0.example.org"), (5, 10, 587, "smtp1.example.org"),
                       (10, 5, 587, "smtp2.example.org")]


def test_srv_root_target(server):
    records = dns_lookup.query_srv("_imap._tcp.example.org", timeout=1,
                                   nameservers=[server.address])
    assert records == [(0, 0, 0, ".")]


def test_nxdomain_and_nodata_are_empty(server):
    assert dns_lookup.query_mx("nx.example", timeout=1, nameservers=[server.address]) == []
    assert dns_lookup.query_mx("nothing.example", timeout=1, nameservers=[server.address]) == []
    assert dns_lookup.query_srv("_pop3._tcp.example.org", timeout=1,
                                nameservers=[server.address]) == []


def test_servfail_raises(server):
    with pytest.raises(dns_lookup.DnsServerError) as info:
        dns_lookup.query_mx("broken.example", timeout=1, nameservers=[server.address])
    assert info.value.rcode == dns_lookup.RCODE_SERVFAIL


def test_silent_server_times_out_within_timeout(server):
    start = time.monotonic()
    with pytest.raises(dns_lookup.DnsTimeout):
        dns_lookup.query_mx("silent.example", timeout=0.4, nameservers=[server.address])
    elapsed = time.monotonic() - start
    assert 0.35 < elapsed < 0.7


def test_random_garbage_is_ignored_until_the_deadline(server):
    start = time.monotonic()
    with pytest.raises(dns_lookup.DnsTimeout):
        dns_lookup.query_mx("garbage.example", timeout=0.3, nameservers=[server.address])
    assert time.monotonic() - start < 0.6


@pytest.mark.parametrize("name", ["garbage-id.example", "loop.example", "wrong.example"])
def test_malformed_udp_answer_is_ignored_until_the_deadline(server, name):
    # Anyone can send a datagram with our id: it must not end the look-up.
    start = time.monotonic()
    with pytest.raises(dns_lookup.DnsTimeout):
        dns_lookup.query_mx(name, timeout=0.4, nameservers=[server.address])
    assert 0.35 < time.monotonic() - start < 0.7


def test_real_answer_after_forged_packets_is_used(server):
    start = time.monotonic()
    records = dns_lookup.query_mx("forged.example", timeout=1, nameservers=[server.address])
    assert records == [(10, "mx.forged.example")]
    assert time.monotonic() - start < 0.5


@pytest.mark.parametrize("name", ["tcp-garbage-id.example", "tcp-loop.example",
                                  "tcp-wrong.example"])
def test_malformed_tcp_answer_raises_format_error(server, name):
    start = time.monotonic()
    with pytest.raises(dns_lookup.DnsFormatError):
        dns_lookup.query_mx(name, timeout=1, nameservers=[server.address])
    assert time.monotonic() - start < 0.5
    assert [q[2] for q in server.queries if q[0] == name][-2:] == ["udp", "tcp"]


def test_non_ascii_host_name_raises_format_error(server):
    with pytest.raises(dns_lookup.DnsFormatError):
        dns_lookup.query_mx("non-ascii.example", timeout=1, nameservers=[server.address])


def test_truncated_answer_retried_over_tcp(server):
    records = dns_lookup.query_mx("big.example", timeout=1, nameservers=[server.address])
    assert records == [(i, f"mx{i}.big.example") for i in range(40)]
    assert [q[2] for q in server.queries if q[0] == "big.example"][-2:] == ["udp", "tcp"]


def test_next_nameserver_after_a_silent_one(server, silent):
    start = time.monotonic()
    records = dns_lookup.query_mx("example.org", timeout=1,
                                  nameservers=[silent.address, server.address])
    assert records[0] == (10, "alt.mx1.example.org")
    assert time.monotonic() - start < 1.2


def test_total_timeout_spans_all_nameservers(silent):
    start = time.monotonic()
    with pytest.raises(dns_lookup.DnsTimeout):
        dns_lookup.query_mx("example.org", timeout=0.5, nameservers=[silent.address] * 4)
    assert time.monotonic() - start < 0.8


def test_nothing_listening_fails_fast():
    start = time.monotonic()
    with pytest.raises(dns_lookup.DnsError):
        dns_lookup.query_mx("example.org", timeout=1,
                            nameservers=[("127.0.0.1", _closed_udp_port())])
    assert time.monotonic() - start < 1.2


def test_no_nameservers_means_no_records():
    assert dns_lookup.query_mx("example.org", timeout=1, nameservers=[]) == []


def test_bad_nameserver_address():
    with pytest.raises(dns_lookup.DnsError):
        dns_lookup.query_mx("example.org", timeout=0.5, nameservers=["not-an-ip"])


@pytest.mark.parametrize("name", ["", ".", "a..b", "x" * 64 + ".com", ("a" * 60 + ".") * 5])
def test_invalid_names_rejected(name):
    with pytest.raises(ValueError):
        dns_lookup.query_mx(name, timeout=0.5, nameservers=[])


def test_read_resolv_conf(tmp_path):
    path = tmp_path / "resolv.conf"
    path.write_text(
        "# comment\nsearch example.org\nnameserver 192.0.2.53\n"
        "nameserver ::1 # local\n; nameserver 192.0.2.1\noptions ndots:1\n"
    )
    assert dns_lookup.read_resolv_conf(str(path)) == [("192.0.2.53", 53), ("::1", 53)]
    assert dns_lookup.read_resolv_conf(str(tmp_path / "missing")) == []


# --------------------------------------------------------------------------
# discovery.py
# --------------------------------------------------------------------------


def _no_network(*_args, **_kwargs):
    raise AssertionError("a preset must be found without network")


def _resolver_for(*names):
    def resolve(host):
        if host in names:
            return [("127.0.0.1", 0)]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    return resolve


def _sleeping_resolver(_host):
    time.sleep(10)
    return [("127.0.0.1", 0)]


@pytest.mark.parametrize(
    "address, code",
    [
        ("ann@gmail.com", "gmail"), ("ann@googlemail.com", "gmail"),
        ("bob@outlook.com", "outlook"), ("bob@hotmail.com", "outlook"),
        ("bob@live.com", "outlook"), ("bob@msn.com", "outlook"),
        ("carol@yahoo.com", "yahoo"),
        ("emily@icloud.com", "icloud"), ("emily@me.com", "icloud"), ("emily@mac.com", "icloud"),
        ("dan@zoho.com", "zoho"), ("eva@gmx.de", "gmx"), ("eva@gmx.net", "gmx"),
        ("eva@gmx.com", "gmx_com"), ("ivan@yandex.ru", "yandex"),
        ("jan@wp.pl", "wp"), ("jan@onet.pl", "onet"), ("jan@op.pl", "onet"),
        ("jan@vp.pl", "onet"), ("jan@interia.pl", "interia"), ("jan@poczta.fm", "interia"),
        ("ola@o2.pl", "o2"), ("ola@tlen.pl", "o2"), ("taras@ukr.net", "ukr_net"),
        ("taras@i.ua", "i_ua"), ("taras@meta.ua", "meta_ua"),
    ],
)
def test_preset_from_address_domain(address, code, published_configs):
    result = discover(address, resolver=_no_network, probe=_no_network, nameservers=[])
    assert not published_configs
    assert isinstance(result, Discovery)
    assert (result.source, result.preset_code) == ("preset", code)
    preset = presets.get_preset(code)
    assert result.settings == presets.settings_from_preset(preset, address)
    assert result.message == discovery.MSG_PRESET
    assert result.params == {"provider": preset.name}


def test_preset_with_display_name_and_case():
    result = discover("Jan Kowalski <Jan.Kowalski@WP.PL>", nameservers=[])
    assert (result.source, result.preset_code) == ("preset", "wp")
    assert result.address == "Jan.Kowalski@wp.pl"
    assert result.settings["login"] == "Jan.Kowalski"
    assert result.settings["imap"] == {"host": "imap.wp.pl", "port": 993, "security": "ssl"}


def test_mx_google(server, published_configs):
    result = discover("boss@google-hosted.example", nameservers=[server.address],
                      resolver=_no_network)
    assert sorted(published_configs) == [
        "https://autoconfig.google-hosted.example/mail/config-v1.1.xml"
        "?emailaddress=boss@google-hosted.example",
        "https://google-hosted.example/.well-known/autoconfig/mail/config-v1.1.xml"
        "?emailaddress=boss@google-hosted.example",
    ], "the published configuration is looked for first"
    assert (result.source, result.preset_code) == ("mx", "gmail")
    assert result.message == discovery.MSG_MX
    assert result.params == {"provider": "Gmail", "host": "aspmx.l.google.com"}
    assert result.settings["login"] == "boss@google-hosted.example"
    assert result.settings["smtp"]["host"] == "smtp.gmail.com"


def test_mx_microsoft365(server):
    result = discover("it@m365.example", nameservers=[server.address], resolver=_no_network)
    assert (result.source, result.preset_code) == ("mx", "microsoft365")
    assert result.settings["smtp"] == {
        "host": "smtp.office365.com", "port": 587, "security": "starttls"
    }
    assert result.settings["oauth"] is True


def test_srv_records(server):
    result = discover("sam@srvmail.example", nameservers=[server.address],
                      resolver=_no_network)
    assert (result.source, result.preset_code) == ("srv", None)
    assert result.message == discovery.MSG_SRV
    assert result.params == {"domain": "srvmail.example"}
    settings = result.settings
    # _imaps is "." (not offered), so plain _imap with STARTTLS is used.
    assert settings["imap"] == {"host": "mail.srvmail.example", "port": 143,
                                "security": "starttls"}
    assert settings["pop3"] == {"host": "pop.srvmail.example", "port": 995, "security": "ssl"}
    # RFC 8314: implicit TLS submission is preferred over STARTTLS.
    assert settings["smtp"] == {"host": "smtp.srvmail.example", "port": 465, "security": "ssl"}
    assert settings["login"] == "sam@srvmail.example"
    assert settings["rate_limit_per_minute"] == 0
    names = {q[0] for q in server.queries}
    for prefix, _protocol, _security in discovery.SRV_SERVICES:
        assert f"{prefix}.srvmail.example" in names


def test_guess_usual_names(server):
    resolver = _resolver_for("imap.guess.example", "mail.guess.example")
    result = discover("gus@guess.example", nameservers=[server.address], resolver=resolver)
    assert (result.source, result.preset_code) == ("guess", None)
    assert result.message == discovery.MSG_GUESS
    assert result.params == {"domain": "guess.example"}
    assert result.settings["imap"] == {"host": "imap.guess.example", "port": 993,
                                       "security": "ssl"}
    assert result.settings["pop3"] == {"host": "mail.guess.example", "port": 995,
                                       "security": "ssl"}
    assert result.settings["smtp"] == {"host": "mail.guess.example", "port": 465,
                                       "security": "ssl"}


def test_guess_after_srv_not_offered(server):
    resolver = _resolver_for("imap.nosrv.example", "smtp.nosrv.example")
    result = discover("x@nosrv.example", nameservers=[server.address], resolver=resolver)
    assert result.source == "guess"
    assert result.settings["pop3"] is None
    assert result.settings["smtp"]["host"] == "smtp.nosrv.example"


def test_guess_with_probe_picks_open_ports(server):
    opened = {("imap.guess.example", 143), ("smtp.guess.example", 587)}
    calls = []

    def probe(host, port, timeout):
        calls.append((host, port))
        assert 0 < timeout <= 2
        return (host, port) in opened

    resolver = _resolver_for("imap.guess.example", "pop.guess.example", "smtp.guess.example")
    result = discover("gus@guess.example", nameservers=[server.address], resolver=resolver,
                      probe=probe)
    assert result.source == "guess"
    assert result.settings["imap"] == {"host": "imap.guess.example", "port": 143,
                                       "security": "starttls"}
    assert result.settings["pop3"] is None  # resolves, but no port answers
    assert result.settings["smtp"] == {"host": "smtp.guess.example", "port": 587,
                                       "security": "starttls"}
    assert ("pop.guess.example", 995) in calls


def test_guess_needs_an_incoming_server(server):
    result = discover("x@onlysmtp.example", nameservers=[server.address],
                      resolver=_resolver_for("smtp.onlysmtp.example"))
    assert result.source == "manual"


def test_manual_when_nothing_found(server):
    result = discover("nobody@nx.example", nameservers=[server.address],
                      resolver=_resolver_for())
    assert (result.source, result.preset_code) == ("manual", None)
    assert result.message == discovery.MSG_MANUAL
    assert result.params == {}
    assert result.settings == presets.empty_settings("nobody@nx.example")


@pytest.mark.parametrize("kind", ["silent", "closed"])
def test_no_network_returns_manual_within_timeout(silent, kind):
    address = silent.address if kind == "silent" else ("127.0.0.1", _closed_udp_port())
    start = time.monotonic()
    result = discover("who@company.example", timeout=2.0, nameservers=[address],
                      resolver=_sleeping_resolver)
    elapsed = time.monotonic() - start
    assert result.source == "manual"
    assert elapsed < 2.5


def test_hanging_probe_is_abandoned_at_the_deadline(server):
    def probe(_host, _port, _timeout):
        time.sleep(10)
        return True

    start = time.monotonic()
    result = discover("gus@guess.example", timeout=1.0, nameservers=[server.address],
                      resolver=_resolver_for("imap.guess.example"), probe=probe)
    assert result.source == "manual"
    assert time.monotonic() - start < 1.5


def test_shorter_timeout_is_honoured(silent):
    start = time.monotonic()
    result = discover("who@company.example", timeout=0.5, nameservers=[silent.address],
                      resolver=_sleeping_resolver)
    assert result.source == "manual"
    assert time.monotonic() - start < 0.9


# -- the domain's published configuration (HTTPS on loopback) -------------------------

PUBLISHED = """<clientConfig version="1.1"><emailProvider id="hoster">
<displayName>Hoster Panel</displayName>
<incomingServer type="imap"><hostname>mail.hoster.example</hostname><port>993</port>
<socketType>SSL</socketType><authentication>password-cleartext</authentication>
<username>%EMAILADDRESS%</username></incomingServer>
<outgoingServer type="smtp"><hostname>mail.hoster.example</hostname><port>587</port>
<socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username></outgoingServer>
</emailProvider></clientConfig>"""


def _published(https_server):
    """discover() options pointing both places of publication at the HTTPS server."""
    return {
        "autoconfig_urls": (
            https_server.url("/autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={address}"),
            https_server.url("/{domain}/.well-known/autoconfig/mail/config-v1.1.xml"),
        ),
        "fetch": partial(REAL_FETCH, allow_private=True),  # the server is on loopback
        "verify": https_server.ca_file,
    }


def test_published_configuration_wins_over_mx(server, https_server):
    """A Google-hosted domain whose panel publishes other servers: the panel is right."""
    https_server.routes["/autoconfig.google-hosted.example/mail/config-v1.1.xml"] = (
        200, PUBLISHED.encode())
    result = discover("boss@google-hosted.example", nameservers=[server.address],
                      resolver=_no_network, **_published(https_server))
    assert (result.source, result.preset_code) == ("autoconfig", None)
    assert result.message == discovery.MSG_AUTOCONFIG
    assert result.params == {"domain": "google-hosted.example", "provider": "Hoster Panel"}
    assert result.settings["imap"] == {"host": "mail.hoster.example", "port": 993,
                                       "security": "ssl"}
    assert result.settings["smtp"]["port"] == 587
    assert (result.settings["login"], result.settings["smtp_login"]) == (
        "boss@google-hosted.example", "boss")
    assert ("/autoconfig.google-hosted.example/mail/config-v1.1.xml"
            "?emailaddress=boss@google-hosted.example") in https_server.requests


@pytest.mark.parametrize("first", [None, (404, b"no"), (200, b"<html>It works!</html>")])
def test_well_known_place_when_the_first_has_nothing(server, https_server, first):
    if first:
        https_server.routes["/autoconfig.srvmail.example/mail/config-v1.1.xml"] = first
    https_server.routes["/srvmail.example/.well-known/autoconfig/mail/config-v1.1.xml"] = (
        200, PUBLISHED.encode())
    result = discover("sam@srvmail.example", nameservers=[server.address],
                      resolver=_no_network, **_published(https_server))
    assert result.source == "autoconfig"
    assert result.settings["imap"]["host"] == "mail.hoster.example"


def test_first_place_wins_when_both_publish(server, https_server):
    other = PUBLISHED.replace("mail.hoster.example", "other.hoster.example")
    https_server.routes["/autoconfig.srvmail.example/mail/config-v1.1.xml"] = (
        200, PUBLISHED.encode())
    https_server.routes["/srvmail.example/.well-known/autoconfig/mail/config-v1.1.xml"] = (
        200, other.encode())
    result = discover("sam@srvmail.example", nameservers=[server.address],
                      resolver=_no_network, **_published(https_server))
    assert result.settings["imap"]["host"] == "mail.hoster.example"


@pytest.mark.parametrize("trouble", ["slow", "untrusted"])
def test_mx_when_the_publication_is_slow_or_untrusted(server, https_server, trouble):
    route = "/autoconfig.google-hosted.example/mail/config-v1.1.xml"
    options = _published(https_server)
    if trouble == "slow":
        https_server.routes[route] = lambda handler: time.sleep(5) or (200, PUBLISHED.encode())
    else:
        https_server.routes[route] = (200, PUBLISHED.encode())
        options["verify"] = True  # the system's CAs: the private CA is unknown
    started = time.monotonic()
    result = discover("boss@google-hosted.example", timeout=2.0, nameservers=[server.address],
                      resolver=_no_network, **options)
    assert (result.source, result.preset_code) == ("mx", "gmail")
    assert time.monotonic() - started < 2.2


def test_no_publication_looked_for_without_places(server, published_configs):
    result = discover("boss@google-hosted.example", nameservers=[server.address],
                      resolver=_no_network, autoconfig_urls=())
    assert result.source == "mx" and not published_configs


# Each message with the addresses it answers.
BAD_INPUT = {
    discovery.MSG_EMPTY: ["", "   ", None],
    discovery.MSG_BAD_ADDRESS: ["no-at-sign", "user@", "@example.com", "a@b@example.com",
                                "two words@example.com", "user@exa mple.com"],
    discovery.MSG_BAD_DOMAIN: ["user@localhost", "user@example..com", "user@-example.com",
                               "user@example_x.com", "user@192.0.2.1", "user@[192.0.2.1]"],
}


@pytest.mark.parametrize("address, message", [
    (address, message) for message, addresses in BAD_INPUT.items() for address in addresses])
def test_bad_input(address, message):
    with pytest.raises(InvalidAddressError) as info:
        discover(address, nameservers=[], resolver=_no_network)
    assert isinstance(info.value, ValueError)
    assert info.value.message == message
    assert set(re.findall(r"%\((\w+)\)s", message)) == set(info.value.params)


def test_internationalized_domain():
    addr, local, domain = discovery.parse_address("kasia@księgarnia.pl")
    assert (addr, local, domain) == ("kasia@xn--ksigarnia-2ib.pl", "kasia",
                                     "xn--ksigarnia-2ib.pl")


def test_messages_are_lt_literals_with_named_placeholders():
    with open(discovery.__file__, encoding="utf-8") as handle:
        source = handle.read()
    assert "odoo" not in source
    tree = ast.parse(source)
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_lt":
            assert len(node.args) == 1 and isinstance(node.args[0], ast.Constant)
            texts.append(node.args[0].value)
    for name in ("MSG_PRESET", "MSG_MX", "MSG_SRV", "MSG_GUESS", "MSG_MANUAL",
                 "MSG_EMPTY", "MSG_BAD_ADDRESS", "MSG_BAD_DOMAIN"):
        assert getattr(discovery, name) in texts
    for text in texts:
        assert not re.search(r"%(?!\(\w+\)s)", text), text
    # Every message formats with the params discover() returns for it.
    assert discovery.MSG_MX % {"provider": "Gmail", "host": "mx"}
