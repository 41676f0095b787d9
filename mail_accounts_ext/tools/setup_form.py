"""What the account setup form fills in from the address (plain Python, no Odoo).

The form derives the provider, the servers, the user names, the sending limit and the
provider's notes from the address: from a preset, from discovery, or from a provider
the user picked. When the address changes, everything derived from the old address
must follow the new one, and nothing the user typed by hand may be lost:

* discovery found settings for the new address: they replace every derived value
  (the provider, its servers and notes, the user names, the limit);
* nothing found: values filled in automatically for the old address are reset
  (no provider, no servers, the new address as user name, no notes), values typed by
  hand stay; a provider the user picked stays, with its settings for the new address.

"Filled in automatically" is known from *auto*: the values the last automatic fill
wrote (the form keeps it in a hidden field). A value still equal to what was filled in,
or empty, is automatic; anything else was typed by hand.

The *values* dicts use the form's field names: ``incoming_protocol`` and
:data:`DERIVED_KEYS`, plus ``notes`` (a tuple of untranslated ``_lt`` texts).
"""

from . import presets

SERVER_KEYS = (
    "incoming_host", "incoming_port", "incoming_security",
    "smtp_host", "smtp_port", "smtp_security",
)
DERIVED_KEYS = ("preset", *SERVER_KEYS, "incoming_login", "smtp_login",
                "rate_limit_per_minute")
_EMPTY = (False, None, "", 0)


def fill(settings, current, preset_code=False, protocol_locked=False):
    """Form values from a *settings dict* (see ``presets``) for the form ``current``.

    The incoming protocol stays as it is when the settings offer it (or when it is
    locked), else the one they offer (IMAP first). A protocol without a server gets
    no host and the usual port of its current security.
    """
    protocol = current.get("incoming_protocol") or "imap"
    if not settings.get(protocol) and not protocol_locked:
        protocol = next((p for p in ("imap", "pop3") if settings.get(p)), protocol)
    values = {"preset": preset_code or False, "incoming_protocol": protocol}
    for prefix, kind in (("incoming", protocol), ("smtp", "smtp")):
        server = settings.get(kind)
        if server:
            host, port, security = server["host"], server["port"], server["security"]
        else:
            security = current.get(f"{prefix}_security") or presets.SSL
            host, port = False, presets.default_port(kind, security)
        values.update({f"{prefix}_host": host, f"{prefix}_port": port,
                       f"{prefix}_security": security})
    values["incoming_login"] = settings.get("login") or False
    values["smtp_login"] = settings.get("smtp_login") or values["incoming_login"]
    values["rate_limit_per_minute"] = settings.get("rate_limit_per_minute") or 0
    values["notes"] = tuple(settings.get("notes") or ())
    return values


def auto_of(values, auto=None, hand_preset=False):
    """The *auto* record after writing ``values`` automatically.

    Other keys of ``auto`` (e.g. the sender name) are kept; a provider the user
    picked is not recorded, so that it stays "typed by hand".
    """
    new = {key: value for key, value in (auto or {}).items() if key not in DERIVED_KEYS}
    new.update({key: values[key] for key in DERIVED_KEYS if key in values})
    if hand_preset:
        new.pop("preset", None)
    return new


def is_automatic(key, current, auto):
    """Whether the form's value of ``key`` was filled in automatically (or is empty)."""
    value = current.get(key)
    return value in _EMPTY or (key in auto and auto[key] == value)


def address_changed(current, auto, address, found=None, found_preset=False,
                    protocol_locked=False):
    """Values after the address changed to ``address``: ``(values, new auto)``.

    ``found``: the settings discovery found for ``address`` (None: nothing found),
    ``found_preset``: the preset it belongs to.
    """
    if found is not None:
        values = fill(found, current, found_preset, protocol_locked)
        return values, auto_of(values, auto)
    preset_code = current.get("preset") or False
    preset = presets.get_preset(preset_code) if preset_code else None
    hand_preset = bool(preset) and not is_automatic("preset", current, auto)
    if hand_preset:
        base = fill(presets.settings_from_preset(preset, address), current, preset_code,
                    protocol_locked)
    else:
        base = fill(presets.empty_settings(address), current, False, protocol_locked)
    values = {key: base[key] for key in DERIVED_KEYS if is_automatic(key, current, auto)}
    values["preset"] = base["preset"]
    values["notes"] = base["notes"]
    values["incoming_protocol"] = base["incoming_protocol"]
    new_auto = {key: value for key, value in auto.items()
                if key not in DERIVED_KEYS or key in values}
    return values, auto_of({**new_auto, **values}, new_auto, hand_preset)


def preset_chosen(current, auto, address, preset_code, protocol_locked=False):
    """Values after the user picked ``preset_code``: ``(values, new auto)``.

    Nothing to do (``({}, auto)``) when the provider is the one filled in
    automatically, or when the choice was cleared.
    """
    preset = presets.get_preset(preset_code) if preset_code else None
    if not preset or auto.get("preset") == preset_code:
        return {}, auto
    values = fill(presets.settings_from_preset(preset, address), current, preset_code,
                  protocol_locked)
    return values, auto_of(values, auto, hand_preset=True)


def kept_automatic(current, auto, keys):
    """Whether all of ``keys`` still hold what the last automatic fill wrote."""
    return all(key in auto and auto[key] == current.get(key) for key in keys)
