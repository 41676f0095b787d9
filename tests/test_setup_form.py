"""What the account setup form derives from the address, and what a new address changes."""

import pytest

from mail_accounts_ext.tools import presets, setup_form
from mail_accounts_ext.tools.setup_form import address_changed, fill, preset_chosen

BLANK = {
    "incoming_protocol": "imap", "preset": False, "incoming_host": False, "incoming_port": 993,
    "incoming_security": "ssl", "smtp_host": False, "smtp_port": 465, "smtp_security": "ssl",
    "incoming_login": False, "smtp_login": False, "rate_limit_per_minute": 0,
}
GMAIL = presets.settings_from_preset(presets.get_preset("gmail"), "anna@gmail.com")


def _apply(current, values):
    return {**current, **{k: v for k, v in values.items() if k != "notes"}}


def _typed(address, found=None, preset=False, current=None, auto=None):
    """The form after the address is typed: (form values, auto, notes)."""
    values, auto = address_changed(current or dict(BLANK), auto or {}, address, found, preset)
    return _apply(current or BLANK, values), auto, values["notes"]


def test_fill_from_a_preset():
    values = fill(GMAIL, BLANK, "gmail")
    assert values == {
        "preset": "gmail", "incoming_protocol": "imap",
        "incoming_host": "imap.gmail.com", "incoming_port": 993, "incoming_security": "ssl",
        "smtp_host": "smtp.gmail.com", "smtp_port": 465, "smtp_security": "ssl",
        "incoming_login": "anna@gmail.com", "smtp_login": "anna@gmail.com",
        "rate_limit_per_minute": 20, "notes": GMAIL["notes"],
    }


@pytest.mark.parametrize("protocol, locked, expected", [
    ("pop3", False, ("pop3", "pop.gmail.com", 995)),
    ("imap", False, ("imap", "imap.gmail.com", 993)),
])
def test_fill_keeps_the_protocol_offered(protocol, locked, expected):
    values = fill(GMAIL, dict(BLANK, incoming_protocol=protocol), "gmail", locked)
    assert (values["incoming_protocol"], values["incoming_host"],
            values["incoming_port"]) == expected


def test_fill_takes_the_protocol_offered_unless_locked():
    icloud = presets.settings_from_preset(presets.get_preset("icloud"), "ewa@icloud.com")
    current = dict(BLANK, incoming_protocol="pop3", incoming_security="starttls")
    assert fill(icloud, current)["incoming_protocol"] == "imap"
    locked = fill(icloud, current, "icloud", protocol_locked=True)
    assert (locked["incoming_protocol"], locked["incoming_host"],
            locked["incoming_port"]) == ("pop3", False, 110)
    assert (locked["incoming_login"], locked["smtp_login"]) == ("ewa", "ewa@icloud.com")


def test_gmail_then_a_domain_nothing_is_known_about():
    form, auto, notes = _typed("anna@gmail.com", GMAIL, "gmail")
    assert form["preset"] == "gmail" and notes
    form, auto, notes = _typed("anna@firma.example", current=form, auto=auto)
    assert form == dict(BLANK, incoming_login="anna@firma.example",
                        smtp_login="anna@firma.example")
    assert notes == ()
    assert auto["preset"] is False


def test_gmail_then_a_domain_with_found_settings():
    form, auto, _notes = _typed("anna@gmail.com", GMAIL, "gmail")
    found = presets.empty_settings("anna@firma.example")
    found["imap"] = {"host": "mail.firma.example", "port": 143, "security": "starttls"}
    found["smtp"] = {"host": "mail.firma.example", "port": 587, "security": "starttls"}
    form, auto, notes = _typed("anna@firma.example", found, current=form, auto=auto)
    assert (form["preset"], form["incoming_host"], form["incoming_port"], form["smtp_port"],
            form["rate_limit_per_minute"], notes) == (
        False, "mail.firma.example", 143, 587, 0, ())


def test_typed_by_hand_is_kept_and_derived_follows():
    form, auto, _notes = _typed("jan@own.example")
    form.update(incoming_host="mail.own.example", incoming_port=1993,
                incoming_security="starttls", incoming_login="jan-login",
                rate_limit_per_minute=5)
    form, auto, _notes = _typed("jan.nowak@own.example", current=form, auto=auto)
    assert (form["incoming_host"], form["incoming_port"], form["incoming_security"],
            form["incoming_login"], form["rate_limit_per_minute"]) == (
        "mail.own.example", 1993, "starttls", "jan-login", 5)
    assert form["smtp_login"] == "jan.nowak@own.example"
    assert "incoming_host" not in auto, "typed values never count as automatic"
    # Found settings for the next address replace even those.
    gmail_jan = presets.settings_from_preset(presets.get_preset("gmail"), "jan@gmail.com")
    form, auto, _notes = _typed("jan@gmail.com", gmail_jan, "gmail", current=form, auto=auto)
    assert (form["incoming_host"], form["incoming_login"]) == ("imap.gmail.com", "jan@gmail.com")


def test_provider_picked_by_hand():
    form, auto, _notes = _typed("ola@own.example")
    values, auto = preset_chosen(form, auto, "ola@own.example", "wp")
    form = _apply(dict(form, preset="wp"), values)
    assert (form["incoming_host"], form["incoming_login"]) == ("imap.wp.pl", "ola")
    assert "preset" not in auto
    form, auto, notes = _typed("ola.nowak@own.example", current=form, auto=auto)
    assert (form["preset"], form["incoming_host"], form["incoming_login"]) == (
        "wp", "imap.wp.pl", "ola.nowak")
    assert notes == presets.get_preset("wp").notes


def test_preset_chosen_by_the_fill_itself_changes_nothing():
    form, auto, _notes = _typed("anna@gmail.com", GMAIL, "gmail")
    assert preset_chosen(form, auto, "anna@gmail.com", "gmail") == ({}, auto)
    assert preset_chosen(form, auto, "anna@gmail.com", False) == ({}, auto)


def test_kept_automatic_and_other_auto_keys():
    form, auto, _notes = _typed("anna@gmail.com", GMAIL, "gmail",
                                auto={"sender_name": "Anna", "name": "anna@gmail.com"})
    assert auto["sender_name"] == "Anna" and auto["name"] == "anna@gmail.com"
    keys = ("incoming_host", "incoming_port", "incoming_security")
    assert setup_form.kept_automatic(form, auto, keys)
    assert not setup_form.kept_automatic(dict(form, incoming_port=143), auto, keys)
    assert not setup_form.kept_automatic(form, {}, keys)
