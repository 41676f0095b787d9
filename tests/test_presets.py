"""Provider presets: data table sanity, look-ups, logins, settings dict."""

import ast
import dataclasses
import re

import pytest

from mail_accounts_ext.tools import presets
from mail_accounts_ext.tools.presets import (
    PRESETS,
    Preset,
    ServerSettings,
    default_port,
    get_preset,
    login_for,
    preset_for_domain,
    preset_for_mx,
    selection,
    settings_from_preset,
)

SETTINGS_KEYS = {
    "imap", "pop3", "smtp", "login", "smtp_login", "oauth", "rate_limit_per_minute", "notes",
}


def _lt_literals(module):
    """Every argument of an ``_lt(...)`` call in ``module``'s source."""
    with open(module.__file__, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    calls = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_lt"
    ]
    for call in calls:
        assert len(call.args) == 1 and not call.keywords
        assert isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
    return {call.args[0].value for call in calls}


def test_translatable_texts_are_lt_literals_with_named_placeholders():
    texts = _lt_literals(presets)
    assert len(texts) >= 8
    for text in texts:
        # No positional placeholders; "%%" aside, every "%" starts "%(name)s".
        assert not re.search(r"%(?!\(\w+\)s|%)", text), text
    for preset in PRESETS:
        for note in preset.notes:
            assert note in texts, (preset.code, note)
    for _value, label in presets.SECURITY_SELECTION:
        assert label in texts


def test_no_odoo_import():
    with open(presets.__file__, encoding="utf-8") as handle:
        assert "odoo" not in handle.read()


def test_table_is_consistent():
    codes = [p.code for p in PRESETS]
    assert len(codes) == len(set(codes))
    domains = [d for p in PRESETS for d in p.domains]
    assert len(domains) == len(set(domains)), "a domain belongs to two presets"
    suffixes = [s for p in PRESETS for s in p.mx_suffixes]
    assert len(suffixes) == len(set(suffixes))
    for preset in PRESETS:
        assert preset.code and preset.name
        assert all(d == d.lower().strip(".") and "." in d for d in preset.domains)
        assert all(s == s.lower() for s in preset.mx_suffixes)
        assert preset.domains or preset.mx_suffixes
        assert preset.imap or preset.pop3, preset.code
        assert preset.smtp, preset.code
        for protocol in presets.PROTOCOLS:
            server = getattr(preset, protocol)
            if server:
                assert server.security in presets.SECURITIES
                assert server.security != presets.NONE, "presets never send passwords in clear"
                assert server.port == default_port(protocol, server.security)
        assert isinstance(preset.rate_limit_per_minute, int)
        assert preset.rate_limit_per_minute > 0
        assert isinstance(preset.oauth, bool)


def test_presets_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS[0].code = "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS[0].imap.port = 1


@pytest.mark.parametrize(
    "code, imap, pop3, smtp",
    [
        ("gmail", ("imap.gmail.com", 993, "ssl"), ("pop.gmail.com", 995, "ssl"),
         ("smtp.gmail.com", 465, "ssl")),
        ("outlook", ("outlook.office365.com", 993, "ssl"), ("outlook.office365.com", 995, "ssl"),
         ("smtp-mail.outlook.com", 587, "starttls")),
        ("microsoft365", ("outlook.office365.com", 993, "ssl"),
         ("outlook.office365.com", 995, "ssl"), ("smtp.office365.com", 587, "starttls")),
        ("yahoo", ("imap.mail.yahoo.com", 993, "ssl"), ("pop.mail.yahoo.com", 995, "ssl"),
         ("smtp.mail.yahoo.com", 465, "ssl")),
        ("icloud", ("imap.mail.me.com", 993, "ssl"), None,
         ("smtp.mail.me.com", 587, "starttls")),
        ("zoho", ("imap.zoho.com", 993, "ssl"), ("pop.zoho.com", 995, "ssl"),
         ("smtp.zoho.com", 465, "ssl")),
        ("zoho_business", ("imappro.zoho.com", 993, "ssl"), ("poppro.zoho.com", 995, "ssl"),
         ("smtppro.zoho.com", 465, "ssl")),
        ("gmx", ("imap.gmx.net", 993, "ssl"), ("pop.gmx.net", 995, "ssl"),
         ("mail.gmx.net", 465, "ssl")),
        ("gmx_com", ("imap.gmx.com", 993, "ssl"), ("pop.gmx.com", 995, "ssl"),
         ("mail.gmx.com", 465, "ssl")),
        ("yandex", ("imap.yandex.com", 993, "ssl"), ("pop.yandex.com", 995, "ssl"),
         ("smtp.yandex.com", 465, "ssl")),
        ("wp", ("imap.wp.pl", 993, "ssl"), ("pop3.wp.pl", 995, "ssl"),
         ("smtp.wp.pl", 465, "ssl")),
        ("onet", ("imap.poczta.onet.pl", 993, "ssl"), ("pop3.poczta.onet.pl", 995, "ssl"),
         ("smtp.poczta.onet.pl", 465, "ssl")),
        ("interia", ("poczta.interia.pl", 993, "ssl"), ("poczta.interia.pl", 995, "ssl"),
         ("poczta.interia.pl", 465, "ssl")),
        ("o2", ("poczta.o2.pl", 993, "ssl"), ("poczta.o2.pl", 995, "ssl"),
         ("poczta.o2.pl", 465, "ssl")),
        ("ukr_net", ("imap.ukr.net", 993, "ssl"), ("pop3.ukr.net", 995, "ssl"),
         ("smtp.ukr.net", 465, "ssl")),
        ("i_ua", ("imap.i.ua", 993, "ssl"), ("pop3.i.ua", 995, "ssl"),
         ("smtp.i.ua", 465, "ssl")),
        ("meta_ua", ("imap.meta.ua", 993, "ssl"), ("pop3.meta.ua", 995, "ssl"),
         ("smtp.meta.ua", 465, "ssl")),
    ],
)
def test_provider_servers(code, imap, pop3, smtp):
    preset = get_preset(code)
    for expected, server in ((imap, preset.imap), (pop3, preset.pop3), (smtp, preset.smtp)):
        if expected is None:
            assert server is None
        else:
            assert (server.host, server.port, server.security) == expected


@pytest.mark.parametrize(
    "domain, code",
    [
        ("gmail.com", "gmail"), ("googlemail.com", "gmail"),
        ("outlook.com", "outlook"), ("hotmail.com", "outlook"), ("live.com", "outlook"),
        ("msn.com", "outlook"), ("hotmail.co.uk", "outlook"),
        ("contoso.onmicrosoft.com", "microsoft365"), ("onmicrosoft.com", "microsoft365"),
        ("Contoso.OnMicrosoft.com.", "microsoft365"), ("contoso.onmicrosoft.com.evil", None),
        ("onmicrosoft.com.evil", None), ("contoso-onmicrosoft.com", None),
        ("yahoo.com", "yahoo"), ("ymail.com", "yahoo"),
        ("icloud.com", "icloud"), ("me.com", "icloud"), ("mac.com", "icloud"),
        ("zoho.com", "zoho"), ("zohomail.com", "zoho"),
        ("gmx.net", "gmx"), ("gmx.de", "gmx"), ("gmx.at", "gmx"), ("gmx.com", "gmx_com"),
        ("yandex.ru", "yandex"), ("ya.ru", "yandex"),
        ("wp.pl", "wp"),
        ("onet.pl", "onet"), ("op.pl", "onet"), ("vp.pl", "onet"), ("poczta.onet.pl", "onet"),
        ("interia.pl", "interia"), ("interia.eu", "interia"), ("poczta.fm", "interia"),
        ("o2.pl", "o2"), ("tlen.pl", "o2"), ("go2.pl", "o2"),
        ("ukr.net", "ukr_net"), ("i.ua", "i_ua"), ("meta.ua", "meta_ua"),
        ("GMAIL.COM", "gmail"), ("wp.pl.", "wp"), (" Onet.PL ", "onet"),
        ("example.com", None), ("mail.gmail.com", None), ("", None),
    ],
)
def test_preset_for_domain(domain, code):
    preset = preset_for_domain(domain)
    assert (preset.code if preset else None) == code


@pytest.mark.parametrize(
    "host, code",
    [
        ("aspmx.l.google.com", "gmail"),
        ("ALT1.ASPMX.L.GOOGLE.COM.", "gmail"),
        ("smtp.google.com", "gmail"),
        ("aspmx2.googlemail.com", "gmail"),
        ("contoso-com.mail.protection.outlook.com", "microsoft365"),
        ("outlook-com.olc.protection.outlook.com", "outlook"),
        ("hotmail-com.olc.protection.outlook.com.", "outlook"),
        ("mta5.am0.yahoodns.net", "yahoo"),
        ("mx01.mail.icloud.com", "icloud"),
        ("mx.zoho.com", "zoho_business"),
        ("mx00.emig.gmx.net", "gmx"),
        ("mx00.gmx.com", "gmx_com"),
        ("mx.yandex.net", "yandex"),
        ("mx.wp.pl", "wp"),
        ("mx.poczta.onet.pl", "onet"),
        ("mx.poczta.interia.pl", "interia"),
        ("mx.o2.pl", "o2"),
        ("mxs.ukr.net", "ukr_net"),
        ("mx.i.ua", "i_ua"),
        ("mx.meta.ua", "meta_ua"),
        # Suffixes match whole labels only.
        ("notgoogle.com", None),
        ("google.com.evil.example", None),
        ("mx.wikimeta.ua", None),
        ("mail.example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_preset_for_mx(host, code):
    preset = preset_for_mx(host)
    assert (preset.code if preset else None) == code


def test_get_preset():
    assert get_preset("gmail").name == "Gmail"
    assert get_preset("nope") is None


def test_login_for():
    assert login_for("address", "jan@wp.pl") == "jan@wp.pl"
    assert login_for("localpart", "jan@wp.pl") == "jan"
    assert login_for("localpart", "a@b@wp.pl") == "a@b"
    assert login_for(get_preset("wp"), "jan@wp.pl") == "jan"
    assert login_for(get_preset("gmail"), "ann@gmail.com") == "ann@gmail.com"
    icloud = get_preset("icloud")
    assert login_for(icloud, "emily@icloud.com") == "emily"
    assert login_for(icloud, "emily@icloud.com", outgoing=True) == "emily@icloud.com"
    assert login_for(get_preset("wp"), "jan@wp.pl", outgoing=True) == "jan"
    with pytest.raises(ValueError):
        login_for("customer-number", "jan@wp.pl")


def test_settings_from_preset_shape():
    settings = settings_from_preset(get_preset("gmail"), "ann@gmail.com")
    assert set(settings) == SETTINGS_KEYS
    assert settings["imap"] == {"host": "imap.gmail.com", "port": 993, "security": "ssl"}
    assert settings["pop3"] == {"host": "pop.gmail.com", "port": 995, "security": "ssl"}
    assert settings["smtp"] == {"host": "smtp.gmail.com", "port": 465, "security": "ssl"}
    assert settings["login"] == settings["smtp_login"] == "ann@gmail.com"
    assert settings["oauth"] is True
    assert settings["rate_limit_per_minute"] == 20
    assert settings["notes"] == get_preset("gmail").notes
    assert get_preset("microsoft365").rate_limit_per_minute == 30


def test_settings_from_preset_icloud_and_local_logins():
    settings = settings_from_preset(get_preset("icloud"), "emily@icloud.com")
    assert settings["pop3"] is None
    assert settings["smtp"] == {"host": "smtp.mail.me.com", "port": 587, "security": "starttls"}
    assert (settings["login"], settings["smtp_login"]) == ("emily", "emily@icloud.com")
    settings = settings_from_preset(get_preset("o2"), "ola@tlen.pl")
    assert (settings["login"], settings["smtp_login"]) == ("ola", "ola")


def test_settings_dicts_are_independent():
    first = settings_from_preset(get_preset("wp"), "jan@wp.pl")
    first["imap"]["port"] = 1
    assert settings_from_preset(get_preset("wp"), "jan@wp.pl")["imap"]["port"] == 993


def test_empty_settings_shape():
    settings = presets.empty_settings("x@example.com")
    assert set(settings) == SETTINGS_KEYS
    assert settings["imap"] is settings["pop3"] is settings["smtp"] is None
    assert settings["login"] == "x@example.com"
    assert settings["rate_limit_per_minute"] == 0


def test_selection_sorted_by_name():
    items = selection()
    assert {code for code, _name in items} == {p.code for p in PRESETS}
    names = [name.lower() for _code, name in items]
    assert names == sorted(names)


@pytest.mark.parametrize(
    "protocol, security, port",
    [
        ("imap", "ssl", 993), ("imap", "starttls", 143), ("imap", "none", 143),
        ("pop3", "ssl", 995), ("pop3", "starttls", 110), ("pop3", "none", 110),
        ("smtp", "ssl", 465), ("smtp", "starttls", 587), ("smtp", "none", 25),
    ],
)
def test_default_port(protocol, security, port):
    assert default_port(protocol, security) == port


@pytest.mark.parametrize("protocol, security", [("http", "ssl"), ("imap", "tls"), ("", "")])
def test_default_port_rejects_unknown(protocol, security):
    with pytest.raises(ValueError):
        default_port(protocol, security)


def test_invalid_definitions_are_rejected():
    with pytest.raises(ValueError):
        ServerSettings("imap.example.com", 993, "tls")
    with pytest.raises(ValueError):
        ServerSettings("imap.example.com", 0, "ssl")
    with pytest.raises(ValueError):
        Preset(code="x", name="X", login="number")



def test_known_hosts_and_matching_servers():
    assert presets.is_known_host("imap.gmail.com")
    assert presets.is_known_host("SMTP.Gmail.com.")
    assert not presets.is_known_host("imap.gmial.com")
    assert not presets.is_known_host("")
    gmail = presets.get_preset("gmail")
    assert presets.matches_servers(gmail, "imap.gmail.com", "smtp.gmail.com")
    assert presets.matches_servers(gmail, "pop.gmail.com", "")
    assert not presets.matches_servers(gmail, "mail.firma.example", "smtp.gmail.com")
    assert not presets.matches_servers(gmail, "", False)


@pytest.mark.parametrize("code, provider", [
    ("gmail", "google"), ("outlook", "microsoft"), ("microsoft365", "microsoft"),
    ("yahoo", None), (None, None), ("nonexistent", None),
])
def test_oauth_provider_of_presets(code, provider):
    from mail_accounts_ext.tools.presets import oauth_provider_for

    assert oauth_provider_for(code) == provider
