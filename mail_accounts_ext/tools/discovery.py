# pylint: disable=prefer-env-translation
"""Find the mail server settings for an e-mail address (plain Python, no Odoo).

:func:`discover` tries, in this order, sharing one deadline:

1. ``preset``: a known provider for the address domain (no network);
2. ``autoconfig``: the configuration the domain publishes for mail programs, as
   Thunderbird reads it (``https://autoconfig.<domain>/mail/config-v1.1.xml``, then
   ``https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml``, see
   :mod:`autoconfig`); hosting panels publish it for their customers' domains.
   It is fetched while the MX records are looked up, and wins over them;
3. ``mx``: the domain's MX hosts belong to a known provider (e.g. a company
   domain hosted by Google or Microsoft);
4. ``srv``: DNS service records (RFC 6186, RFC 8314): ``_imaps._tcp``,
   ``_imap._tcp``, ``_pop3s._tcp``, ``_pop3._tcp``, ``_submissions._tcp``,
   ``_submission._tcp``; a target of ``"."`` means "not offered";
5. ``guess``: the usual names ``imap.``/``pop.``/``pop3.``/``smtp.``/``mail.``
   + domain, only those that resolve (and, given a ``probe``, accept a TCP
   connection on the chosen port);
6. ``manual``: nothing found, the user enters the servers.

The result's ``settings`` is the dict described in ``presets`` (see
:func:`presets.settings_from_preset`); ``message`` is an untranslated ``_lt``
template to be translated by the caller with ``params``.

The whole call returns within ``timeout`` seconds, also without any network or
with a hanging resolver: every step gets a share of the remaining time, and the
blocking calls (DNS, ``getaddrinfo``, HTTPS, probes) run in daemon threads that
are simply abandoned at the deadline.
"""

import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import partial

from . import autoconfig, dns_lookup, presets
from .translation import _lt

SOURCES = ("preset", "autoconfig", "mx", "srv", "guess", "manual")

MSG_PRESET = _lt("Settings for %(provider)s found from the address domain.")
MSG_AUTOCONFIG = _lt(
    "Settings found in the configuration that %(domain)s publishes for mail programs "
    "(%(provider)s)."
)
MSG_MX = _lt("Settings for %(provider)s found from the domain's mail exchanger (%(host)s).")
MSG_SRV = _lt("Settings found from the DNS service records of %(domain)s.")
MSG_GUESS = _lt("Guessed the usual server names for %(domain)s; please check them.")
MSG_MANUAL = _lt("No settings could be found; please enter the server settings manually.")

MSG_EMPTY = _lt("Please enter an e-mail address.")
MSG_BAD_ADDRESS = _lt("%(address)s is not a valid e-mail address.")
MSG_BAD_DOMAIN = _lt("The domain %(domain)s of the e-mail address is not valid.")

# (record name prefix, protocol, security), most preferred first per protocol.
SRV_SERVICES = (
    ("_imaps._tcp", "imap", presets.SSL),
    ("_imap._tcp", "imap", presets.STARTTLS),
    ("_pop3s._tcp", "pop3", presets.SSL),
    ("_pop3._tcp", "pop3", presets.STARTTLS),
    ("_submissions._tcp", "smtp", presets.SSL),
    ("_submission._tcp", "smtp", presets.STARTTLS),
)

# Conventional host name prefixes per protocol, most specific first.
GUESS_PREFIXES = {
    "imap": ("imap", "mail"),
    "pop3": ("pop", "pop3", "mail"),
    "smtp": ("smtp", "mail"),
}

# Share of the total timeout each network step may use at most.
_AUTOCONFIG_SHARE = 0.5
_MX_SHARE = 0.35
_SRV_SHARE = 0.35
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class InvalidAddressError(ValueError):
    """The address cannot be used; ``message`` is an ``_lt`` template."""

    def __init__(self, message, params=None):
        self.message = message
        self.params = dict(params or {})
        super().__init__(message % self.params if self.params else message)


@dataclass(frozen=True)
class Discovery:
    """What :func:`discover` found."""

    source: str
    preset_code: str | None
    settings: dict
    message: str
    params: dict = field(default_factory=dict)
    address: str = ""
    domain: str = ""


def parse_address(address: str) -> tuple:
    """``(addr_spec, local_part, domain)`` of ``address``; domain lowercased, ASCII.

    Accepts ``"Name <user@example.com>"``; an internationalized domain is
    returned in its IDNA (``xn--``) form, also inside ``addr_spec``.
    Raises :class:`InvalidAddressError`.
    """
    text = (address or "").strip()
    if not text:
        raise InvalidAddressError(MSG_EMPTY)
    addr = parseaddr(text)[1].strip()
    # parseaddr drops stray spaces ("a@exa mple.com" -> "a@example.com"): refuse
    # anything that is not literally part of what was typed.
    if addr.count("@") != 1 or addr not in text:
        raise InvalidAddressError(MSG_BAD_ADDRESS, {"address": text})
    local, domain = addr.split("@")
    quoted = len(local) > 1 and local[0] == local[-1] == '"'
    if not local or (not quoted and any(c.isspace() or not c.isprintable() for c in local)):
        raise InvalidAddressError(MSG_BAD_ADDRESS, {"address": text})
    ascii_domain = normalize_domain(domain)
    if ascii_domain is None:
        raise InvalidAddressError(MSG_BAD_DOMAIN, {"domain": domain})
    return f"{local}@{ascii_domain}", local, ascii_domain


def normalize_domain(domain: str) -> str | None:
    """Lowercase ASCII (IDNA) form of a host name with at least two labels, or None."""
    domain = (domain or "").strip().rstrip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or labels[-1].isdigit():
        return None
    for label in labels:
        if not 0 < len(label) < 64 or not set(label) <= _LABEL_CHARS:
            return None
        if label.startswith("-") or label.endswith("-"):
            return None
    return domain


def discover(
    address,
    *,
    timeout=2.0,
    resolver=None,
    probe=None,
    clock=time.monotonic,
    nameservers=None,
    autoconfig_urls=autoconfig.URL_TEMPLATES,
    fetch=None,
    verify=True,
):
    """Find settings for ``address`` within ``timeout`` seconds (see module doc).

    ``resolver(host)``: returns something truthy when ``host`` resolves, raises
    OSError (or returns falsy) otherwise; default ``socket.getaddrinfo``.
    ``probe(host, port, timeout) -> bool``: optional TCP check of guessed servers.
    ``nameservers``: passed to :mod:`dns_lookup` (None: ``/etc/resolv.conf``).
    ``autoconfig_urls``: templates of the published configuration's places
    (``{domain}``, ``{address}``); empty: not looked for. ``fetch(url, timeout,
    verify) -> bytes or None`` downloads one (default :func:`autoconfig.fetch`),
    ``verify`` is True or the CA bundle that HTTPS certificates must chain to.
    Raises :class:`InvalidAddressError` (a ValueError) for unusable input.
    """
    addr, _local, domain = parse_address(address)
    deadline = clock() + timeout
    # Keep a little time to build the result after the last wait.
    deadline_wait = deadline - min(0.1, timeout * 0.05)

    def budget(share=None):
        left = deadline_wait - clock()
        if share is not None:
            left = min(left, timeout * share)
        return max(0.0, left)

    def result(source, message, params, settings, preset_code=None):
        return Discovery(source, preset_code, settings, message, params, addr, domain)

    preset = presets.preset_for_domain(domain)
    if preset:
        return result(
            "preset", MSG_PRESET, {"provider": preset.name},
            presets.settings_from_preset(preset, addr), preset.code,
        )

    # The published configuration is fetched while the MX records are looked up.
    published = _Background(partial(
        _from_autoconfig, domain, addr, autoconfig_urls, fetch or autoconfig.fetch, verify,
        budget(_AUTOCONFIG_SHARE)))
    found = _from_mx(domain, budget(_MX_SHARE), nameservers)
    config = published.result(budget(_AUTOCONFIG_SHARE))
    if config:
        settings, provider = config
        return result("autoconfig", MSG_AUTOCONFIG, {"domain": domain, "provider": provider},
                      settings)

    if found:
        preset, host = found
        return result(
            "mx", MSG_MX, {"provider": preset.name, "host": host},
            presets.settings_from_preset(preset, addr), preset.code,
        )

    servers = _from_srv(domain, budget(_SRV_SHARE), nameservers)
    if servers:
        return result("srv", MSG_SRV, {"domain": domain}, _settings(addr, servers))

    servers = _guess(domain, budget, resolver or _getaddrinfo, probe)
    if servers:
        return result("guess", MSG_GUESS, {"domain": domain}, _settings(addr, servers))

    return result("manual", MSG_MANUAL, {}, presets.empty_settings(addr))


def _settings(addr, servers):
    settings = presets.empty_settings(addr)
    for protocol, (host, port, security) in servers.items():
        settings[protocol] = {"host": host, "port": port, "security": security}
    return settings


def _getaddrinfo(host):
    return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)


def _run_parallel(calls, seconds):
    """Run ``{key: callable}`` in daemon threads; wait at most ``seconds``.

    Returns ``{key: value}`` for the calls that returned in time; calls that
    raised or are still running are left out (and abandoned: daemon threads).
    """
    results = {}
    done = []
    condition = threading.Condition()

    def run(key, call):
        try:
            value = call()
        except Exception:  # any failure just means "not found"
            value = _FAILED
        with condition:
            if value is not _FAILED:
                results[key] = value
            done.append(key)
            condition.notify_all()

    for key, call in calls.items():
        threading.Thread(target=run, args=(key, call), daemon=True).start()
    # Real time here: the wait must end even if an injected clock stands still.
    until = time.monotonic() + seconds
    with condition:
        while len(done) < len(calls):
            left = until - time.monotonic()
            if left <= 0:
                break
            condition.wait(left)
        return dict(results)


_FAILED = object()


class _Background:
    """Run ``call`` in a daemon thread now; :meth:`result` waits a bounded time."""

    def __init__(self, call):
        self._value = None
        self._done = threading.Event()
        threading.Thread(target=self._run, args=(call,), daemon=True).start()

    def _run(self, call):
        try:
            self._value = call()
        except Exception:  # any failure just means "not found"
            self._value = None
        finally:
            self._done.set()

    def result(self, seconds):
        """The call's value, or None if it failed or is still running after ``seconds``."""
        return self._value if self._done.wait(max(0.0, seconds)) else None


def _from_autoconfig(domain, addr, templates, fetch, verify, seconds):
    """``(settings, provider name)`` from the domain's published configuration."""
    if seconds <= 0 or not templates:
        return None
    places = autoconfig.urls(domain, addr, templates)
    bodies = _run_parallel({url: partial(fetch, url, seconds, verify) for url in places},
                           seconds)
    for url in places:
        if not bodies.get(url):
            continue
        try:
            return autoconfig.parse(bodies[url], addr)
        except autoconfig.AutoconfigError:
            continue
    return None


def _from_mx(domain, seconds, nameservers):
    """(preset, mx host) when an MX host of ``domain`` belongs to a preset."""
    if seconds <= 0:
        return None
    try:
        records = dns_lookup.query_mx(domain, timeout=seconds, nameservers=nameservers)
    except (dns_lookup.DnsError, ValueError):
        return None
    for _preference, host in records:
        preset = presets.preset_for_mx(host)
        if preset:
            return preset, host
    return None


def _from_srv(domain, seconds, nameservers):
    """``{protocol: (host, port, security)}`` from SRV records (incoming needed)."""
    if seconds <= 0:
        return {}
    calls = {
        prefix: partial(dns_lookup.query_srv, f"{prefix}.{domain}", timeout=seconds,
                        nameservers=nameservers)
        for prefix, _protocol, _security in SRV_SERVICES
    }
    answers = _run_parallel(calls, seconds)
    servers = {}
    for prefix, protocol, security in SRV_SERVICES:
        if protocol in servers:
            continue
        usable = [r for r in answers.get(prefix, ()) if r[3] not in (".", "") and r[2]]
        if usable:
            _priority, _weight, port, target = usable[0]
            servers[protocol] = (target.lower(), port, security)
    return servers if ("imap" in servers or "pop3" in servers) else {}


def _guess(domain, budget, resolver, probe):
    """``{protocol: (host, port, security)}`` from conventional host names."""
    seconds = budget()
    if seconds <= 0:
        return {}
    hosts = {f"{prefix}.{domain}" for prefixes in GUESS_PREFIXES.values() for prefix in prefixes}
    resolved = _run_parallel({host: partial(resolver, host) for host in hosts}, seconds)
    chosen = {}
    for protocol, prefixes in GUESS_PREFIXES.items():
        hits = [f"{p}.{domain}" for p in prefixes if resolved.get(f"{p}.{domain}")]
        if hits:
            chosen[protocol] = hits[0]
    if probe:
        servers = _probe_ports(chosen, probe, budget())
    else:
        servers = {
            protocol: (host, presets.default_port(protocol, presets.SSL), presets.SSL)
            for protocol, host in chosen.items()
        }
    return servers if ("imap" in servers or "pop3" in servers) else {}


def _probe_ports(chosen, probe, seconds):
    """Keep the protocols whose host accepts a connection; prefer implicit TLS."""
    if seconds <= 0 or not chosen:
        return {}
    candidates = {
        (protocol, security): (host, presets.default_port(protocol, security))
        for protocol, host in chosen.items()
        for security in (presets.SSL, presets.STARTTLS)
    }
    calls = {key: partial(probe, host, port, seconds) for key, (host, port) in candidates.items()}
    answers = _run_parallel(calls, seconds)
    servers = {}
    for protocol in chosen:
        for security in (presets.SSL, presets.STARTTLS):
            if answers.get((protocol, security)):
                host, port = candidates[(protocol, security)]
                servers[protocol] = (host, port, security)
                break
    return servers
