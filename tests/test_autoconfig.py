"""Published mail configurations (Thunderbird's config-v1.1.xml): parsing and fetching.

The samples follow what is really published: Thunderbird's ISPDB entries (several
servers per protocol, OAuth2 next to passwords, user names of the part before "@",
SMTP restricted to the provider's network), hosting panels (mailcow's
``%EMAILDOMAIN%``, cPanel's concrete user names and server host names, generic PHP
scripts with ``password-encrypted`` and host names built from the domain), documents
with a namespace, a byte order mark or a legacy encoding, and what a web server
answers when there is no configuration at all. Fetching talks HTTPS to a server on
127.0.0.1 whose certificate comes from a private CA.
"""

import socket
import time
from functools import partial
from pathlib import Path

import pytest

from mail_accounts_ext.tools import autoconfig, presets
from mail_accounts_ext.tools.autoconfig import AutoconfigError

ADDRESS = "anna.nowak@firma.example.pl"
DATA = Path(__file__).parent / "data" / "autoconfig"


def _server(host, port, security):
    return {"host": host, "port": port, "security": security}


def _document(name):
    """A configuration document as published (``tests/data/autoconfig/``)."""
    return (DATA / name).read_text(encoding="utf-8")


MAILCOW_PANEL = _document("mailcow-panel.xml")
CPANEL_CONCRETE = _document("cpanel-concrete.xml")

LEGACY_ENCODING_WITH_BOM = (
    b"\xef\xbb\xbf" + """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1"><emailProvider id="x">
<displayName>Poczta Żółw – hosting</displayName>
<incomingServer type="imap"><hostname>imap.zolw.example</hostname><port>993</port>
<socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>
</emailProvider></clientConfig>""".encode()
)

ISO_8859_2 = """<?xml version="1.0" encoding="ISO-8859-2"?>
<clientConfig version="1.1"><emailProvider id="x">
<displayName>Hosting Łódź</displayName>
<incomingServer type="pop3"><hostname>pop3.lodz.example</hostname><port>995</port>
<socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>
</emailProvider></clientConfig>""".encode("iso-8859-2")

BAD_SERVERS_SKIPPED = """<clientConfig version="1.1"><emailProvider id="x">
<incomingServer type="imap"><hostname>imap.bad.example</hostname><port>abc</port>
<socketType>SSL</socketType></incomingServer>
<incomingServer type="imap"><hostname>imap.bad.example</hostname><port>70000</port>
<socketType>SSL</socketType></incomingServer>
<incomingServer type="imap"><hostname>not a host</hostname><port>993</port>
<socketType>SSL</socketType></incomingServer>
<incomingServer type="imap"><hostname>imap.bad.example</hostname><port>993</port>
<socketType>TLSv1.3-please</socketType></incomingServer>
<incomingServer type="imap"><hostname>imap.bad.example</hostname><port>993</port>
<socketType>SSL</socketType><authentication>GSSAPI</authentication></incomingServer>
<incomingServer type="imap"><hostname>localhost</hostname><port>993</port>
<socketType>SSL</socketType></incomingServer>
<incomingServer type="pop3"><hostname>pop.good.example</hostname><port>995</port>
<socketType>SSL</socketType><authentication>password-cleartext</authentication>
</incomingServer>
<outgoingServer type="imap"><hostname>smtp.wrong-kind.example</hostname><port>465</port>
<socketType>SSL</socketType></outgoingServer>
</emailProvider></clientConfig>"""


@pytest.mark.parametrize(
    "document, expected, provider",
    [
        (_document("ispdb-oauth-and-password.xml"), {
            "imap": _server("imap.gmail.com", 993, "ssl"),
            "pop3": _server("pop.gmail.com", 995, "ssl"),
            "smtp": _server("smtp.gmail.com", 587, "starttls"),
            "login": ADDRESS, "smtp_login": ADDRESS}, "Google Mail"),
        (_document("ispdb-localpart-restricted-smtp.xml"), {
            "imap": _server("poczta.o2.pl", 993, "ssl"),
            "pop3": _server("poczta.o2.pl", 995, "ssl"),
            # The first SMTP server only works from o2's own network.
            "smtp": _server("smtp.o2.pl", 587, "starttls"),
            "login": "anna.nowak", "smtp_login": ADDRESS}, "o2 Poczta"),
        (MAILCOW_PANEL, {
            "imap": _server("mail.hoster.example", 993, "ssl"),
            "pop3": _server("mail.hoster.example", 995, "ssl"),
            "smtp": _server("mail.hoster.example", 465, "ssl"),
            "login": ADDRESS, "smtp_login": ADDRESS}, "A mailcow mail server"),
        (CPANEL_CONCRETE, {
            "imap": _server("s123.cpanel-hosting.example", 993, "ssl"),
            "pop3": _server("s123.cpanel-hosting.example", 995, "ssl"),
            "smtp": _server("s123.cpanel-hosting.example", 465, "ssl"),
            "login": ADDRESS, "smtp_login": ADDRESS}, ADDRESS),
        (_document("php-script-starttls-first.xml"), {
            "imap": _server("imap.firma.example.pl", 143, "starttls"),
            "pop3": None,
            "smtp": _server("smtp.firma.example.pl", 587, "starttls"),
            "login": ADDRESS, "smtp_login": "anna.nowak"}, "firma.example.pl Mail"),
        (_document("namespaced-plain.xml"), {
            "imap": _server("mail.lan.example", 143, "none"),
            "pop3": None,
            "smtp": _server("mail.lan.example", 25, "none"),
            "login": "anna.nowak", "smtp_login": "anna.nowak"}, "Office server"),
        (LEGACY_ENCODING_WITH_BOM, {
            "imap": _server("imap.zolw.example", 993, "ssl"), "pop3": None, "smtp": None,
            "login": ADDRESS, "smtp_login": ADDRESS}, "Poczta Żółw – hosting"),
        (ISO_8859_2, {
            "imap": None, "pop3": _server("pop3.lodz.example", 995, "ssl"), "smtp": None,
            "login": ADDRESS, "smtp_login": ADDRESS}, "Hosting Łódź"),
        (BAD_SERVERS_SKIPPED, {
            "imap": None, "pop3": _server("pop.good.example", 995, "ssl"), "smtp": None,
            "login": ADDRESS, "smtp_login": ADDRESS}, "x"),
    ],
)
def test_parse_published_configurations(document, expected, provider):
    settings, name = autoconfig.parse(document, ADDRESS)
    assert {key: settings[key] for key in expected} == expected
    assert name == provider
    # Same shape as the presets' settings; nothing the provider wrote becomes a note.
    assert set(settings) == set(presets.empty_settings(ADDRESS))
    assert settings["notes"] == () and settings["oauth"] is False


@pytest.mark.parametrize(
    "document, reason",
    [
        (b"", "not XML"),
        (b"<html><body><h1>Welcome to nginx!</h1></body></html>", "not a clientConfig"),
        (b"<!DOCTYPE html><html><head><title>404</title></head></html>", "DTD"),
        (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
         b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><clientConfig>&lol2;</clientConfig>', "DTD"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
         b"<clientConfig><emailProvider>&xxe;</emailProvider></clientConfig>", "DTD"),
        (b"<clientConfig version='1.1'/>", "no emailProvider"),
        (b"<clientConfig><emailProvider id='x'><incomingServer type='exchange'>"
         b"<hostname>outlook.office365.com</hostname><port>443</port>"
         b"<socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>",
         "no incoming server"),
        (b"<clientConfig><emailProvider id='x'><incomingServer type='imap'>"
         b"<hostname>imap.example.com</hostname><port>993</port><socketType>SSL</socketType>"
         b"<authentication>OAuth2</authentication></incomingServer>"
         b"</emailProvider></clientConfig>", "no incoming server"),
        (b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/'
         b'responseschema/2006"/>', "not a clientConfig"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not XML"),
    ],
)
def test_unusable_documents_refused(document, reason):
    with pytest.raises(AutoconfigError) as info:
        autoconfig.parse(document, ADDRESS)
    assert reason in str(info.value)
    assert isinstance(info.value, ValueError)


def test_urls_in_thunderbirds_order():
    assert autoconfig.urls("firma.example.pl", "a+b@firma.example.pl") == [
        "https://autoconfig.firma.example.pl/mail/config-v1.1.xml"
        "?emailaddress=a%2Bb@firma.example.pl",
        "https://firma.example.pl/.well-known/autoconfig/mail/config-v1.1.xml"
        "?emailaddress=a%2Bb@firma.example.pl",
    ]


# -- fetching over HTTPS ------------------------------------------------------------

# The HTTPS server of these tests is on loopback, which fetch() refuses by default.
fetch = partial(autoconfig.fetch, allow_private=True)


@pytest.mark.parametrize("host, public", [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True),
    ("127.0.0.1", False), ("::1", False), ("10.1.2.3", False), ("192.168.0.10", False),
    ("172.16.5.4", False), ("169.254.169.254", False), ("100.64.0.1", False),
    ("0.0.0.0", False), ("fe80::1", False), ("fd00::1", False),
])
def test_public_host(host, public):
    assert autoconfig.public_host(host) is public


def test_public_host_needs_every_address_public():
    def resolve(addresses):
        return lambda host, port, type: [(socket.AF_INET, type, 6, "", (a, port))
                                         for a in addresses]

    assert autoconfig.public_host("a.example", resolve(["93.184.216.34"]))
    assert not autoconfig.public_host("b.example", resolve(["93.184.216.34", "10.0.0.5"]))
    assert not autoconfig.public_host("c.example", resolve([]))

    def unknown(host, port, type):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert not autoconfig.public_host("d.example", unknown)


def test_the_servers_own_network_is_never_asked(https_server):
    """A user typing anna@<an internal name> must not make Odoo fetch from its network."""
    https_server.routes["/mail/config-v1.1.xml"] = (200, MAILCOW_PANEL.encode())
    for host in ("127.0.0.1", "localhost"):
        url = f"https://{host}:{https_server.port}/mail/config-v1.1.xml"
        assert autoconfig.fetch(url, 5, verify=https_server.ca_file) is None
    assert https_server.requests == []
    assert fetch(https_server.url("/mail/config-v1.1.xml"), 5, https_server.ca_file)


def test_fetch_verifies_the_certificate(https_server):
    https_server.routes["/mail/config-v1.1.xml"] = (200, MAILCOW_PANEL.encode())
    url = https_server.url("/mail/config-v1.1.xml?emailaddress=" + ADDRESS)
    assert fetch(url, 5, verify=https_server.ca_file) == MAILCOW_PANEL.encode()
    assert https_server.requests == ["/mail/config-v1.1.xml?emailaddress=" + ADDRESS]
    # The system's CAs do not know the private CA: nothing is read.
    assert fetch(url, 5) is None


def test_fetch_https_only_and_bounded(https_server):
    https_server.routes.update({
        "/missing": (404, b"<clientConfig/>"),
        "/huge": (200, b"<clientConfig>" + b" " * (autoconfig.MAX_BYTES + 1)),
        "/to-https": (302, b"", {"Location": "/mail/config-v1.1.xml"}),
        "/to-http": (301, b"", {"Location": f"http://127.0.0.1:{https_server.port}/x"}),
        "/loop": (302, b"", {"Location": "/loop"}),
        "/mail/config-v1.1.xml": (200, CPANEL_CONCRETE.encode()),
        "/slow": lambda handler: time.sleep(3) or (200, b"<clientConfig/>"),
    })
    ca = https_server.ca_file
    assert fetch(https_server.url("/missing"), 5, ca) is None
    assert fetch(https_server.url("/huge"), 5, ca) is None
    assert fetch(https_server.url("/to-https"), 5, ca) == CPANEL_CONCRETE.encode()
    assert fetch(https_server.url("/to-http"), 5, ca) is None
    assert fetch(https_server.url("/loop"), 5, ca) is None
    assert https_server.requests.count("/loop") == 4, "three redirects followed, no more"
    plain = f"http://127.0.0.1:{https_server.port}/mail/config-v1.1.xml"
    requests_before = len(https_server.requests)
    assert fetch(plain, 5, ca) is None
    assert len(https_server.requests) == requests_before, "plain HTTP is never asked"
    started = time.monotonic()
    assert fetch(https_server.url("/slow"), 0.5, ca) is None
    assert time.monotonic() - started < 2
