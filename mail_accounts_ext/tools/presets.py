# pylint: disable=prefer-env-translation
"""Known mail providers and their server settings (plain Python, no Odoo).

Each :class:`Preset` describes one provider: the address domains it hosts, the
MX host suffixes that identify it for custom domains, its IMAP / POP3 / SMTP
servers, what the user name is, hints for the user and a sending rate limit.
Host names and ports follow the providers' own help pages (cross-checked with
Thunderbird's ISPDB where the provider is listed there).

The *settings dict* returned by :func:`settings_from_preset` (and used by
``discovery``) has this shape::

    {
        "imap": {"host": str, "port": int, "security": str} or None,
        "pop3": {"host": str, "port": int, "security": str} or None,
        "smtp": {"host": str, "port": int, "security": str} or None,
        "login": str,               # user name for IMAP / POP3
        "smtp_login": str,          # user name for SMTP (usually == login)
        "oauth": bool,              # the provider offers / prefers OAuth
        "rate_limit_per_minute": int,   # 0 = no limit known
        "notes": tuple[str, ...],   # untranslated _lt texts for the user
    }

``security`` is one of :data:`SECURITIES`: ``"ssl"`` (implicit TLS),
``"starttls"`` or ``"none"``. Notes are English source texts marked with
``_lt``; the ORM layer translates them at display time.
"""

from dataclasses import dataclass

from .translation import _lt

SSL = "ssl"
STARTTLS = "starttls"
NONE = "none"
SECURITIES = (SSL, STARTTLS, NONE)
PROTOCOLS = ("imap", "pop3", "smtp")

#: (value, label) pairs for an Odoo selection field on the security.
SECURITY_SELECTION = [
    (SSL, _lt("SSL/TLS")),
    (STARTTLS, _lt("STARTTLS")),
    (NONE, _lt("None (unencrypted)")),
]

LOGIN_ADDRESS = "address"
LOGIN_LOCALPART = "localpart"
LOGIN_KINDS = (LOGIN_ADDRESS, LOGIN_LOCALPART)

_DEFAULT_PORTS = {
    "imap": {SSL: 993, STARTTLS: 143, NONE: 143},
    "pop3": {SSL: 995, STARTTLS: 110, NONE: 110},
    "smtp": {SSL: 465, STARTTLS: 587, NONE: 25},
}

DEFAULT_RATE_LIMIT = 20

NOTE_APP_PASSWORD_2SV = _lt(
    "An app password is needed when two-step verification is turned on."
)
NOTE_APP_PASSWORD = _lt(
    "Mail programs need an app password, created in the security settings of the account."
)
NOTE_ENABLE_ACCESS = _lt(
    "Enable IMAP/POP3 access for mail programs in the webmail settings first."
)
NOTE_ENABLE_POP3 = _lt("To use POP3, enable POP access in the webmail settings first.")
NOTE_OAUTH_GOOGLE = _lt(
    "First choice: Sign in with Google (OAuth 2.0, scope https://mail.google.com/), once "
    "an administrator has entered the Google client ID in Settings. Second choice: an app "
    "password (needs two-step verification; Workspace administrators can forbid it)."
)
NOTE_OAUTH_MICROSOFT = _lt(
    "Microsoft refuses passwords for IMAP and POP3 and is switching them off for SMTP: use "
    "Sign in with Microsoft (OAuth 2.0), once an administrator has entered the Microsoft "
    "client ID in Settings."
)
NOTE_SMTP_AUTH_ADMIN = _lt(
    "An administrator may have to allow authenticated SMTP (SMTP AUTH) for the mailbox."
)
NOTE_ICLOUD_LOGIN = _lt(
    "Incoming mail uses the part before @ as user name, outgoing mail the full address."
)
NOTE_ZOHO_REGION = _lt(
    "Accounts in another Zoho data centre use its domain, e.g. imap.zoho.eu for Europe."
)


@dataclass(frozen=True)
class ServerSettings:
    """One server: host name, TCP port and transport security."""

    host: str
    port: int
    security: str

    def __post_init__(self):
        if self.security not in SECURITIES:
            raise ValueError(f"unknown security {self.security!r}")
        if not 0 < self.port < 65536:
            raise ValueError(f"bad port {self.port!r}")

    def as_dict(self) -> dict:
        return {"host": self.host, "port": self.port, "security": self.security}


@dataclass(frozen=True)
class Preset:
    """A mail provider. ``smtp_login`` of None means "same as ``login``"."""

    code: str
    name: str
    domains: tuple = ()
    mx_suffixes: tuple = ()
    # domains whose every subdomain is this provider's too (Microsoft 365 tenants:
    # <tenant>.onmicrosoft.com)
    tenant_domains: tuple = ()
    imap: ServerSettings | None = None
    pop3: ServerSettings | None = None
    smtp: ServerSettings | None = None
    login: str = LOGIN_ADDRESS
    smtp_login: str | None = None
    notes: tuple = ()
    oauth: bool = False
    # "microsoft" / "google": the account signs in with that OAuth 2.0 provider by
    # default (tools.oauth gives its endpoints and mail scopes)
    oauth_provider: str | None = None
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT

    def __post_init__(self):
        for kind in (self.login, self.smtp_login or self.login):
            if kind not in LOGIN_KINDS:
                raise ValueError(f"unknown login kind {kind!r}")


def _ssl(host, protocol):
    return ServerSettings(host, default_port(protocol, SSL), SSL)


def _starttls(host, protocol):
    return ServerSettings(host, default_port(protocol, STARTTLS), STARTTLS)


def _ssl_preset(code, name, hosts, **fields):
    """A provider whose IMAP, POP3 and SMTP servers (``hosts``, in this order; None for
    none) all take implicit TLS (SSL) on the usual ports."""
    servers = {
        protocol: _ssl(host, protocol)
        for protocol, host in zip(("imap", "pop3", "smtp"), hosts, strict=True)
        if host
    }
    return Preset(code=code, name=name, **servers, **fields)


def _microsoft_preset(code, name, smtp_host, **fields):
    """Outlook.com or Microsoft 365: IMAP and POP3 at outlook.office365.com, SMTP with
    STARTTLS at ``smtp_host``, signing in with Microsoft (OAuth 2.0)."""
    return Preset(
        code=code,
        name=name,
        imap=_ssl("outlook.office365.com", "imap"),
        pop3=_ssl("outlook.office365.com", "pop3"),
        smtp=_starttls(smtp_host, "smtp"),
        oauth=True,
        oauth_provider="microsoft",
        rate_limit_per_minute=30,
        **fields,
    )


def default_port(protocol: str, security: str) -> int:
    """Usual port of ``protocol`` (imap/pop3/smtp) for ``security``.

    imap 993/143, pop3 995/110, smtp 465 (ssl), 587 (starttls), 25 (none).
    """
    try:
        return _DEFAULT_PORTS[protocol][security]
    except KeyError:
        raise ValueError(f"unknown protocol/security {protocol!r}/{security!r}") from None


_MS_DOMAINS = tuple(
    f"{brand}.{tld}"
    for brand, tlds in (
        ("outlook", ("com", "at", "be", "cz", "de", "dk", "es", "fr", "ie", "it", "jp", "sk")),
        ("hotmail", ("com", "co.uk", "de", "es", "fr", "it", "nl", "be", "se", "no", "dk")),
        ("live", ("com", "co.uk", "de", "fr", "it", "nl", "be", "se", "ca", "com.au")),
    )
    for tld in tlds
) + ("msn.com", "windowslive.com", "passport.com")

PRESETS = (
    _ssl_preset(
        "gmail", "Gmail", ("imap.gmail.com", "pop.gmail.com", "smtp.gmail.com"),
        domains=("gmail.com", "googlemail.com"),
        mx_suffixes=("google.com", "googlemail.com"),
        notes=(NOTE_OAUTH_GOOGLE, NOTE_ENABLE_POP3),
        oauth=True,
        oauth_provider="google",
        rate_limit_per_minute=20,
    ),
    _microsoft_preset(
        "outlook", "Outlook.com", "smtp-mail.outlook.com",
        domains=_MS_DOMAINS,
        mx_suffixes=("olc.protection.outlook.com",),
        notes=(NOTE_OAUTH_MICROSOFT,),
    ),
    _microsoft_preset(
        "microsoft365", "Microsoft 365", "smtp.office365.com",
        domains=("onmicrosoft.com",),
        tenant_domains=("onmicrosoft.com",),
        mx_suffixes=("mail.protection.outlook.com", "protection.outlook.com", "outlook.com"),
        notes=(NOTE_OAUTH_MICROSOFT, NOTE_SMTP_AUTH_ADMIN),
    ),
    _ssl_preset(
        "yahoo", "Yahoo Mail", ("imap.mail.yahoo.com", "pop.mail.yahoo.com", "smtp.mail.yahoo.com"),
        domains=(
            "yahoo.com", "ymail.com", "rocketmail.com", "myyahoo.com", "yahoo.co.uk",
            "yahoo.de", "yahoo.fr", "yahoo.it", "yahoo.es", "yahoo.ca", "yahoo.com.au",
        ),
        mx_suffixes=("yahoodns.net",),
        notes=(NOTE_APP_PASSWORD,),
    ),
    Preset(
        code="icloud",
        name="iCloud Mail",
        domains=("icloud.com", "me.com", "mac.com"),
        mx_suffixes=("mail.icloud.com",),
        imap=_ssl("imap.mail.me.com", "imap"),
        smtp=_starttls("smtp.mail.me.com", "smtp"),
        login=LOGIN_LOCALPART,
        smtp_login=LOGIN_ADDRESS,
        notes=(NOTE_APP_PASSWORD, NOTE_ICLOUD_LOGIN),
    ),
    _ssl_preset(
        "zoho", "Zoho Mail", ("imap.zoho.com", "pop.zoho.com", "smtp.zoho.com"),
        domains=("zoho.com", "zohomail.com"),
        notes=(NOTE_ENABLE_ACCESS, NOTE_APP_PASSWORD_2SV, NOTE_ZOHO_REGION),
    ),
    _ssl_preset(
        "zoho_business", "Zoho Mail (organization)",
        ("imappro.zoho.com", "poppro.zoho.com", "smtppro.zoho.com"),
        mx_suffixes=("zoho.com",),
        notes=(NOTE_ENABLE_ACCESS, NOTE_APP_PASSWORD_2SV, NOTE_ZOHO_REGION),
    ),
    _ssl_preset(
        "gmx", "GMX", ("imap.gmx.net", "pop.gmx.net", "mail.gmx.net"),
        domains=("gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.eu", "gmx.org", "gmx.info"),
        mx_suffixes=("gmx.net",),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    _ssl_preset(
        "gmx_com", "GMX.com", ("imap.gmx.com", "pop.gmx.com", "mail.gmx.com"),
        domains=(
            "gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr", "gmx.es", "gmx.it", "gmx.ca",
            "gmx.pt", "gmx.se",
        ),
        mx_suffixes=("gmx.com",),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    _ssl_preset(
        "yandex", "Yandex Mail", ("imap.yandex.com", "pop.yandex.com", "smtp.yandex.com"),
        domains=(
            "yandex.ru", "yandex.com", "ya.ru", "yandex.by", "yandex.kz", "yandex.ua",
            "narod.ru",
        ),
        mx_suffixes=("yandex.net", "yandex.ru"),
        notes=(NOTE_ENABLE_ACCESS, NOTE_APP_PASSWORD),
    ),
    # Poland
    _ssl_preset(
        "wp", "WP Poczta", ("imap.wp.pl", "pop3.wp.pl", "smtp.wp.pl"),
        domains=("wp.pl",),
        mx_suffixes=("wp.pl",),
        login=LOGIN_LOCALPART,
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    _ssl_preset(
        "onet", "Onet Poczta",
        ("imap.poczta.onet.pl", "pop3.poczta.onet.pl", "smtp.poczta.onet.pl"),
        domains=(
            "onet.pl", "op.pl", "vp.pl", "onet.eu", "poczta.onet.pl", "poczta.onet.eu",
            "onet.com.pl", "vip.onet.pl", "spoko.pl", "autograf.pl", "buziaczek.pl",
            "amorki.pl", "opoczta.pl", "republika.pl", "adres.pl", "cyberia.pl", "pseudonim.pl",
        ),
        mx_suffixes=("onet.pl",),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    _ssl_preset(
        "interia", "Interia Poczta",
        ("poczta.interia.pl", "poczta.interia.pl", "poczta.interia.pl"),
        domains=(
            "interia.pl", "interia.eu", "interia.com", "poczta.fm", "intmail.pl",
            "adresik.net", "vip.interia.pl", "pisz.to", "pacz.to", "ogarnij.se", "interiowy.pl",
        ),
        mx_suffixes=("interia.pl",),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    _ssl_preset(
        "o2", "o2 Poczta", ("poczta.o2.pl", "poczta.o2.pl", "poczta.o2.pl"),
        domains=("o2.pl", "tlen.pl", "go2.pl", "prokonto.pl"),
        mx_suffixes=("o2.pl",),
        login=LOGIN_LOCALPART,
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    # Ukraine
    _ssl_preset(
        "ukr_net", "ukr.net", ("imap.ukr.net", "pop3.ukr.net", "smtp.ukr.net"),
        domains=("ukr.net",),
        mx_suffixes=("ukr.net",),
        notes=(NOTE_ENABLE_ACCESS, NOTE_APP_PASSWORD),
    ),
    _ssl_preset(
        "i_ua", "I.UA", ("imap.i.ua", "pop3.i.ua", "smtp.i.ua"),
        domains=("i.ua", "ua.fm", "email.ua"),
        mx_suffixes=("i.ua",),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    _ssl_preset(
        "meta_ua", "META.UA", ("imap.meta.ua", "pop3.meta.ua", "smtp.meta.ua"),
        domains=("meta.ua",),
        mx_suffixes=("meta.ua",),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
)

_BY_CODE = {preset.code: preset for preset in PRESETS}
_BY_DOMAIN = {domain: preset for preset in PRESETS for domain in preset.domains}
_BY_TENANT_DOMAIN = {
    domain: preset for preset in PRESETS for domain in preset.tenant_domains
}
_KNOWN_HOSTS = frozenset(
    server.host
    for preset in PRESETS
    for server in (preset.imap, preset.pop3, preset.smtp)
    if server
)
# Longest suffix first, so "olc.protection.outlook.com" wins over "outlook.com".
_MX_SUFFIXES = sorted(
    ((suffix, preset) for preset in PRESETS for suffix in preset.mx_suffixes),
    key=lambda item: -len(item[0]),
)


def _normalize_host(name: str) -> str:
    return (name or "").strip().rstrip(".").lower()


def is_known_host(host: str) -> bool:
    """Whether ``host`` is a server name of a preset (a name that surely exists)."""
    return _normalize_host(host) in _KNOWN_HOSTS


def matches_servers(preset: Preset, *hosts: str) -> bool:
    """Whether every non-empty host of ``hosts`` is one of ``preset``'s servers."""
    own = {server.host for server in (preset.imap, preset.pop3, preset.smtp) if server}
    names = [_normalize_host(host) for host in hosts if host]
    return bool(names) and all(name in own for name in names)


def get_preset(code: str) -> Preset | None:
    """The preset with this code, or None."""
    return _BY_CODE.get(code)


def preset_for_domain(domain: str) -> Preset | None:
    """The preset hosting addresses at ``domain`` (exact, case-insensitive), or at a
    subdomain of one of its ``tenant_domains``."""
    domain = _normalize_host(domain)
    preset = _BY_DOMAIN.get(domain)
    if preset is None:
        parent = domain.partition(".")[2]
        while parent and preset is None:
            preset = _BY_TENANT_DOMAIN.get(parent)
            parent = parent.partition(".")[2]
    return preset


def preset_for_mx(mx_host: str) -> Preset | None:
    """The preset whose MX suffix matches ``mx_host`` on a label boundary.

    Case-insensitive, a trailing dot is ignored; the longest matching suffix wins.
    """
    host = _normalize_host(mx_host)
    if not host:
        return None
    for suffix, preset in _MX_SUFFIXES:
        if host == suffix or host.endswith("." + suffix):
            return preset
    return None


def login_for(preset_or_login_kind, address: str, *, outgoing: bool = False) -> str:
    """User name for ``address``: a :class:`Preset` or a login kind.

    With a preset, ``outgoing=True`` gives the SMTP user name (``smtp_login``).
    Kind ``"address"`` returns the address, ``"localpart"`` the part before "@".
    """
    kind = preset_or_login_kind
    if isinstance(kind, Preset):
        kind = (kind.smtp_login or kind.login) if outgoing else kind.login
    if kind not in LOGIN_KINDS:
        raise ValueError(f"unknown login kind {kind!r}")
    address = (address or "").strip()
    if kind == LOGIN_LOCALPART and "@" in address:
        return address.rsplit("@", 1)[0]
    return address


def empty_settings(address: str = "") -> dict:
    """A settings dict without servers (to be filled in by hand)."""
    address = (address or "").strip()
    return {
        "imap": None,
        "pop3": None,
        "smtp": None,
        "login": address,
        "smtp_login": address,
        "oauth": False,
        "rate_limit_per_minute": 0,
        "notes": (),
    }


def settings_from_preset(preset: Preset, address: str) -> dict:
    """The settings dict (see module docstring) of ``preset`` for ``address``."""
    return {
        "imap": preset.imap.as_dict() if preset.imap else None,
        "pop3": preset.pop3.as_dict() if preset.pop3 else None,
        "smtp": preset.smtp.as_dict() if preset.smtp else None,
        "login": login_for(preset, address),
        "smtp_login": login_for(preset, address, outgoing=True),
        "oauth": preset.oauth,
        "rate_limit_per_minute": preset.rate_limit_per_minute,
        "notes": tuple(preset.notes),
    }


def oauth_provider_for(code) -> str | None:
    """The OAuth 2.0 provider a preset signs in with by default, or None."""
    preset = get_preset(code) if code else None
    return preset.oauth_provider if preset else None


def selection() -> list:
    """``[(code, name)]`` of all presets for an Odoo selection field, by name."""
    return sorted(((p.code, p.name) for p in PRESETS), key=lambda item: item[1].lower())
