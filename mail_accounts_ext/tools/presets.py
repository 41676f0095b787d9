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
    Preset(
        code="gmail",
        name="Gmail",
        domains=("gmail.com", "googlemail.com"),
        mx_suffixes=("google.com", "googlemail.com"),
        imap=_ssl("imap.gmail.com", "imap"),
        pop3=_ssl("pop.gmail.com", "pop3"),
        smtp=_ssl("smtp.gmail.com", "smtp"),
        notes=(NOTE_OAUTH_GOOGLE, NOTE_ENABLE_POP3),
        oauth=True,
        oauth_provider="google",
        rate_limit_per_minute=20,
    ),
    Preset(
        code="outlook",
        name="Outlook.com",
        domains=_MS_DOMAINS,
        mx_suffixes=("olc.protection.outlook.com",),
        imap=_ssl("outlook.office365.com", "imap"),
        pop3=_ssl("outlook.office365.com", "pop3"),
        smtp=_starttls("smtp-mail.outlook.com", "smtp"),
        notes=(NOTE_OAUTH_MICROSOFT,),
        oauth=True,
        oauth_provider="microsoft",
        rate_limit_per_minute=30,
    ),
    Preset(
        code="microsoft365",
        name="Microsoft 365",
        domains=("onmicrosoft.com",),
        tenant_domains=("onmicrosoft.com",),
        mx_suffixes=("mail.protection.outlook.com", "protection.outlook.com", "outlook.com"),
        imap=_ssl("outlook.office365.com", "imap"),
        pop3=_ssl("outlook.office365.com", "pop3"),
        smtp=_starttls("smtp.office365.com", "smtp"),
        notes=(NOTE_OAUTH_MICROSOFT, NOTE_SMTP_AUTH_ADMIN),
        oauth=True,
        oauth_provider="microsoft",
        rate_limit_per_minute=30,
    ),
    Preset(
        code="yahoo",
        name="Yahoo Mail",
        domains=(
            "yahoo.com", "ymail.com", "rocketmail.com", "myyahoo.com", "yahoo.co.uk",
            "yahoo.de", "yahoo.fr", "yahoo.it", "yahoo.es", "yahoo.ca", "yahoo.com.au",
        ),
        mx_suffixes=("yahoodns.net",),
        imap=_ssl("imap.mail.yahoo.com", "imap"),
        pop3=_ssl("pop.mail.yahoo.com", "pop3"),
        smtp=_ssl("smtp.mail.yahoo.com", "smtp"),
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
    Preset(
        code="zoho",
        name="Zoho Mail",
        domains=("zoho.com", "zohomail.com"),
        imap=_ssl("imap.zoho.com", "imap"),
        pop3=_ssl("pop.zoho.com", "pop3"),
        smtp=_ssl("smtp.zoho.com", "smtp"),
        notes=(NOTE_ENABLE_ACCESS, NOTE_APP_PASSWORD_2SV, NOTE_ZOHO_REGION),
    ),
    Preset(
        code="zoho_business",
        name="Zoho Mail (organization)",
        mx_suffixes=("zoho.com",),
        imap=_ssl("imappro.zoho.com", "imap"),
        pop3=_ssl("poppro.zoho.com", "pop3"),
        smtp=_ssl("smtppro.zoho.com", "smtp"),
        notes=(NOTE_ENABLE_ACCESS, NOTE_APP_PASSWORD_2SV, NOTE_ZOHO_REGION),
    ),
    Preset(
        code="gmx",
        name="GMX",
        domains=("gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.eu", "gmx.org", "gmx.info"),
        mx_suffixes=("gmx.net",),
        imap=_ssl("imap.gmx.net", "imap"),
        pop3=_ssl("pop.gmx.net", "pop3"),
        smtp=_ssl("mail.gmx.net", "smtp"),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    Preset(
        code="gmx_com",
        name="GMX.com",
        domains=(
            "gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr", "gmx.es", "gmx.it", "gmx.ca",
            "gmx.pt", "gmx.se",
        ),
        mx_suffixes=("gmx.com",),
        imap=_ssl("imap.gmx.com", "imap"),
        pop3=_ssl("pop.gmx.com", "pop3"),
        smtp=_ssl("mail.gmx.com", "smtp"),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    Preset(
        code="yandex",
        name="Yandex Mail",
        domains=(
            "yandex.ru", "yandex.com", "ya.ru", "yandex.by", "yandex.kz", "yandex.ua",
            "narod.ru",
        ),
        mx_suffixes=("yandex.net", "yandex.ru"),
        imap=_ssl("imap.yandex.com", "imap"),
        pop3=_ssl("pop.yandex.com", "pop3"),
        smtp=_ssl("smtp.yandex.com", "smtp"),
        notes=(NOTE_ENABLE_ACCESS, NOTE_APP_PASSWORD),
    ),
    # Poland
    Preset(
        code="wp",
        name="WP Poczta",
        domains=("wp.pl",),
        mx_suffixes=("wp.pl",),
        imap=_ssl("imap.wp.pl", "imap"),
        pop3=_ssl("pop3.wp.pl", "pop3"),
        smtp=_ssl("smtp.wp.pl", "smtp"),
        login=LOGIN_LOCALPART,
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    Preset(
        code="onet",
        name="Onet Poczta",
        domains=(
            "onet.pl", "op.pl", "vp.pl", "onet.eu", "poczta.onet.pl", "poczta.onet.eu",
            "onet.com.pl", "vip.onet.pl", "spoko.pl", "autograf.pl", "buziaczek.pl",
            "amorki.pl", "opoczta.pl", "republika.pl", "adres.pl", "cyberia.pl", "pseudonim.pl",
        ),
        mx_suffixes=("onet.pl",),
        imap=_ssl("imap.poczta.onet.pl", "imap"),
        pop3=_ssl("pop3.poczta.onet.pl", "pop3"),
        smtp=_ssl("smtp.poczta.onet.pl", "smtp"),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    Preset(
        code="interia",
        name="Interia Poczta",
        domains=(
            "interia.pl", "interia.eu", "interia.com", "poczta.fm", "intmail.pl",
            "adresik.net", "vip.interia.pl", "pisz.to", "pacz.to", "ogarnij.se", "interiowy.pl",
        ),
        mx_suffixes=("interia.pl",),
        imap=_ssl("poczta.interia.pl", "imap"),
        pop3=_ssl("poczta.interia.pl", "pop3"),
        smtp=_ssl("poczta.interia.pl", "smtp"),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    Preset(
        code="o2",
        name="o2 Poczta",
        domains=("o2.pl", "tlen.pl", "go2.pl", "prokonto.pl"),
        mx_suffixes=("o2.pl",),
        imap=_ssl("poczta.o2.pl", "imap"),
        pop3=_ssl("poczta.o2.pl", "pop3"),
        smtp=_ssl("poczta.o2.pl", "smtp"),
        login=LOGIN_LOCALPART,
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    # Ukraine
    Preset(
        code="ukr_net",
        name="ukr.net",
        domains=("ukr.net",),
        mx_suffixes=("ukr.net",),
        imap=_ssl("imap.ukr.net", "imap"),
        pop3=_ssl("pop3.ukr.net", "pop3"),
        smtp=_ssl("smtp.ukr.net", "smtp"),
        notes=(NOTE_ENABLE_ACCESS, NOTE_APP_PASSWORD),
    ),
    Preset(
        code="i_ua",
        name="I.UA",
        domains=("i.ua", "ua.fm", "email.ua"),
        mx_suffixes=("i.ua",),
        imap=_ssl("imap.i.ua", "imap"),
        pop3=_ssl("pop3.i.ua", "pop3"),
        smtp=_ssl("smtp.i.ua", "smtp"),
        notes=(NOTE_ENABLE_ACCESS,),
    ),
    Preset(
        code="meta_ua",
        name="META.UA",
        domains=("meta.ua",),
        mx_suffixes=("meta.ua",),
        imap=_ssl("imap.meta.ua", "imap"),
        pop3=_ssl("pop3.meta.ua", "pop3"),
        smtp=_ssl("smtp.meta.ua", "smtp"),
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
