#!/usr/bin/env python3
# pylint: disable=print-used,except-pass
# (a test harness that is also a command-line program: it prints its ports)
"""Real mail servers on loopback, for tests and demos.

Dovecot serves IMAP and POP3 (plain + STARTTLS/STLS, and implicit TLS), aiosmtpd
serves SMTP submission (plain port with STARTTLS, and implicit TLS), all on
``127.0.0.1`` high ports, with a private CA created at start.  Nothing here
imports Odoo: the module is used by the pure pytest suite, by the addon's Odoo
tests (``from .mailservers import MailServers``) and, run as a script, by the
project's run command to serve demo mail servers::

    python3 mailservers.py --base-dir DIR \\
        --ports imap=10143,imaps=10993,pop3=10110,pop3s=10995,smtp=10025,smtps=10465 \\
        --user alice:secret:alice@example.com --user bob:secret

Typical use::

    with MailServers.start() as servers:
        servers.add_user("alice", "secret", email="alice@example.com")
        servers.deliver("alice", b"Subject: hi\\r\\n\\r\\nhello\\r\\n")
        imap = imaplib.IMAP4_SSL(servers.host, servers.imaps_port,
                                 ssl_context=servers.ssl_context())

Design notes:

* Passwords live in one small JSON file per user read by Dovecot's ``dict``
  passdb (``fs:posix``) on every login, so ``add_user`` takes effect at once
  (Dovecot's ``passwd-file`` driver only re-reads its file once per second).
  The auth penalty (anvil) is disabled; Dovecot still answers a wrong password
  after up to 0.5 s (its failure flush timer, not configurable).
* Dovecot runs in the foreground under a tiny ``sh`` watchdog that holds a pipe
  from this process: when this process exits, even by SIGKILL, the pipe closes
  and the watchdog stops Dovecot, so no server outlives its owner.
* ``deliver``/``messages``/``folders`` talk IMAP to Dovecot as the user (plain
  port, AUTHENTICATE PLAIN), so they see exactly what a client sees.
* SMTP requires AUTH; on the plain port only after STARTTLS (unless
  :meth:`MailServers.smtp_allow_plaintext_auth` is switched on).  Accepted
  messages are recorded in :attr:`MailServers.smtp_received` and, for every
  recipient that is the ``email`` of a user, delivered to that user's INBOX.
* OAuth 2.0 (off by default): ``MailServers.start(oauth_introspection_url=URL)``
  makes Dovecot (``passdb oauth2``) and the SMTP server accept SASL XOAUTH2 and
  OAUTHBEARER bearer tokens, each asking the authorization server (RFC 7662
  introspection, Basic credentials in the URL, e.g.
  ``tests/oauth_server.OAuthServer.introspection_url``) whether the token is active
  and names the mailbox; password logins keep working beside it.  A refused token
  gets the SASL error challenge (base64 JSON) real servers send, then a failure.
  Delegates (Microsoft 365 shared mailboxes: the XOAUTH2 user is the shared
  mailbox, the token a person's who may open it) are accepted when the
  introspection's ``mailboxes`` claim lists the mailbox (Dovecot's oauth2 passdb
  only compares one user name, so a checkpassword passdb asks for those).
"""

import argparse
import atexit
import base64
import collections
import contextlib
import datetime
import imaplib
import ipaddress
import json
import logging
import os
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
import weakref

if __package__:
    from ..tools import imap_utf7
    from . import harness_cli
else:  # run as a script (dev/run): the addon's package is not importable without Odoo
    import harness_cli  # pylint: disable=import-error  # beside this file, on sys.path

    _ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.join(_ADDON_DIR, "tools"))
    import imap_utf7  # pylint: disable=import-error

_logger = logging.getLogger(__name__)

PORT_NAMES = ("imap", "imaps", "pop3", "pop3s", "smtp", "smtps")
OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")
# What Dovecot 2.3 offers after login; ``imap_capability_drop`` takes names off it
# (e.g. MOVE, to test the COPY + EXPUNGE fallback against a real server).
DOVECOT_IMAP_CAPABILITIES = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN "
    "NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES "
    "WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW "
    "STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
).split()
SMTP_REJECT_STAGES = ("auth", "mail", "rcpt", "data")
SMTP_DROP_STAGES = ("mail", "data")
START_TIMEOUT = 15.0
DOVECOT_STOP_GRACE = 0.3
_LOGIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
_UNSAFE_PATH_RE = re.compile(r'[\s"\'\\$%{}#;]')

Received = collections.namedtuple("Received", "mail_from rcpt_tos data login tls")
Received.__doc__ = """One message accepted by the SMTP server.

mail_from: envelope sender (str); rcpt_tos: envelope recipients (list of str);
data: the raw message as received (bytes, CRLF line ends); login: the SMTP AUTH
login (lower-cased) or None; tls: True when the session was encrypted.
"""


class MailServerError(RuntimeError):
    """The harness could not do what was asked (server failed, IMAP said NO...)."""


# ---------------------------------------------------------------------------
# Requirements
# ---------------------------------------------------------------------------


def _find_binary(name):
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"):
        candidate = os.path.join(folder, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


REQUIRED_ENV = "MAE_REQUIRE_MAIL_SERVERS"


def required():
    """Whether this run needs the real servers (``./dev/test`` and CI set
    ``MAE_REQUIRE_MAIL_SERVERS=1``): then missing ones fail the tests loudly."""
    return os.environ.get(REQUIRED_ENV) == "1"


def check_available(skip_exception):
    """Raise ``skip_exception(reason)`` where the harness cannot run here, or a
    ``RuntimeError`` when the run requires it (:func:`required`)."""
    missing = missing_requirements()
    if not missing:
        return
    reason = "real mail servers unavailable: " + "; ".join(missing)
    if required():
        raise RuntimeError(f"{reason} ({REQUIRED_ENV}=1: this run needs them)")
    raise skip_exception(reason)


def missing_requirements():
    """Human-readable reasons why the harness cannot run here ([] when it can)."""
    reasons = []
    if not _find_binary("dovecot"):
        reasons.append("Dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d)")
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        reasons.append("aiosmtpd is not installed (pip install aiosmtpd)")
    if not _find_binary("sh"):
        reasons.append("no POSIX shell (sh) found")
    return reasons


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _free_ports(count, host):
    """Ports the kernel considers free right now on ``host`` (distinct)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _port_open(host, port, timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _process_group_members(pgid):
    """PIDs whose process group is ``pgid`` (Linux /proc; [] elsewhere)."""
    members = []
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            # after "pid (comm)": state ppid pgrp ...
            if len(fields) > 2 and int(fields[2]) == pgid:
                members.append(int(entry))
    return members


def _write_atomic(path, data, mode=0o600, owner=None):
    """Write ``data`` (bytes or str) to ``path`` via a rename (readers never see halves)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        if owner is not None:
            os.chown(tmp, *owner)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _imap_quote(mailbox):
    return imap_utf7.quote(imap_utf7.utf7_encode(mailbox))


_LIST_RE = re.compile(
    rb'^\((?P<flags>[^)]*)\)\s+(?P<delim>NIL|"(?:[^"\\]|\\.)*")\s+(?P<name>.*)$', re.S
)


def _parse_list_entry(entry):
    if isinstance(entry, tuple):  # name sent as a literal
        head, name = entry[0], entry[1]
        match = _LIST_RE.match(head.split(b"{")[0] + b"x")
        flags = match.group("flags") if match else b""
        return flags.decode(), name.decode("utf-8", "replace")
    if entry is None:
        return None
    match = _LIST_RE.match(entry)
    if not match:
        return None
    name = match.group("name").strip()
    if name.startswith(b'"') and name.endswith(b'"'):
        name = re.sub(rb"\\(.)", rb"\1", name[1:-1])
    return match.group("flags").decode(), name.decode("utf-8", "replace")


_FETCH_UID_RE = re.compile(rb"UID (\d+)")
_FETCH_FLAGS_RE = re.compile(rb"FLAGS \(([^)]*)\)")


def _imap_authenticate(conn, login, password):
    secret = b"\0" + login.encode("utf-8") + b"\0" + password.encode("utf-8")
    conn.authenticate("PLAIN", lambda _challenge: secret)


# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------


def _san_hosts(host):
    hosts = ["localhost", "127.0.0.1"]
    if host and host not in hosts:
        hosts.append(host)
    return hosts


def _generate_certs_cryptography(paths, hosts):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=3650)

    def key_usage(**flags):
        names = (
            "digital_signature content_commitment key_encipherment data_encipherment "
            "key_agreement key_cert_sign crl_sign encipher_only decipher_only"
        ).split()
        return x509.KeyUsage(**{name: flags.get(name, False) for name in names})

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mail_accounts_ext test servers"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Test CA " + uuid.uuid4().hex[:12]),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    alt_names = []
    for name in hosts:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def key_pem(key):
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    _write_atomic(paths["ca_key"], key_pem(ca_key))
    _write_atomic(paths["server_key"], key_pem(server_key))
    _write_atomic(paths["ca_file"], ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write_atomic(paths["server_cert"], server_cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _generate_certs_openssl(paths, hosts):
    openssl = _find_binary("openssl")
    if not openssl:
        raise MailServerError("neither the 'cryptography' package nor the openssl CLI exist")
    folder = os.path.dirname(paths["ca_file"])
    alt = []
    for name in hosts:
        try:
            ipaddress.ip_address(name)
            alt.append("IP:" + name)
        except ValueError:
            alt.append("DNS:" + name)
    ext_file = os.path.join(folder, "server.ext")
    csr_file = os.path.join(folder, "server.csr")
    with open(ext_file, "w") as handle:
        handle.write(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=" + ",".join(alt) + "\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid\n"
        )
    ec_args = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    commands = [
        [openssl, "req", "-x509", *ec_args, "-keyout", paths["ca_key"],
         "-out", paths["ca_file"], "-days", "3650",
         "-subj", "/O=mail_accounts_ext test servers/CN=Test CA " + uuid.uuid4().hex[:12],
         "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        [openssl, "req", "-new", *ec_args, "-keyout", paths["server_key"],
         "-out", csr_file, "-subj", "/CN=localhost"],
        [openssl, "x509", "-req", "-in", csr_file, "-CA", paths["ca_file"],
         "-CAkey", paths["ca_key"], "-set_serial", str(int(uuid.uuid4().int >> 66)),
         "-days", "3650", "-sha256", "-extfile", ext_file, "-out", paths["server_cert"]],
    ]  # fmt: skip
    for command in commands:
        result = subprocess.run(command, capture_output=True, check=False)
        if result.returncode:
            raise MailServerError("openssl failed: " + result.stderr.decode("utf-8", "replace"))
    for name in ("ca_key", "server_key"):
        os.chmod(paths[name], 0o600)
    for name in ("ca_file", "server_cert"):
        os.chmod(paths[name], 0o644)
    for leftover in (ext_file, csr_file):
        os.unlink(leftover)


def _ensure_certs(cert_dir, host):
    """Create (or reuse, when made for the same hosts) the CA and server cert."""
    paths = {
        "ca_file": os.path.join(cert_dir, "ca.pem"),
        "ca_key": os.path.join(cert_dir, "ca.key"),
        "server_cert": os.path.join(cert_dir, "server.pem"),
        "server_key": os.path.join(cert_dir, "server.key"),
    }
    hosts = _san_hosts(host)
    marker = os.path.join(cert_dir, "hosts.json")
    try:
        with open(marker) as handle:
            reusable = json.load(handle) == hosts and all(map(os.path.isfile, paths.values()))
    except (OSError, ValueError):
        reusable = False
    if not reusable:
        try:
            import cryptography  # noqa: F401
        except ImportError:
            _generate_certs_openssl(paths, hosts)
        else:
            _generate_certs_cryptography(paths, hosts)
        _write_atomic(marker, json.dumps(hosts), 0o644)
    return paths


# ---------------------------------------------------------------------------
# Dovecot
# ---------------------------------------------------------------------------

# Runs Dovecot in the foreground and stops it as soon as our end of the pipe on
# its standard input closes (normal stop, or this Python process dying).
_DOVECOT_WATCHDOG = r"""
exec 3<&0 </dev/null
"$0" -F -c "$1" 3<&- &
pid=$!
( read _ignored <&3; kill -TERM "$pid" 2>/dev/null ) &
watcher=$!
exec 3<&-
wait "$pid"
rc=$?
kill "$watcher" 2>/dev/null
exit "$rc"
"""

_DOVECOT_CONF = """\
# Generated by mailservers.py -- private Dovecot instance for tests/demos.
instance_name = {instance}
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/log/dovecot.log
info_log_path = {base}/log/dovecot.log
listen = {host}
protocols = imap pop3
{identity}
ssl = yes
ssl_cert = <{base}/certs/server.pem
ssl_key = <{base}/certs/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
auth_cache_size = 0
auth_failure_delay = 0
auth_verbose = yes
passdb {{
  driver = dict
{dict_mechanisms}  args = {base}/dovecot-dict-auth.conf.ext
}}{oauth_passdbs}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={base}/mail/%u allow_all_users=yes
}}
mail_location = maildir:~/Maildir
first_valid_uid = {first_uid}
first_valid_gid = {first_gid}
mail_max_userip_connections = 1000
pop3_uidl_format = %08Xu%08Xv
namespace inbox {{
  inbox = yes
  separator = /
{special_mailboxes}}}{imap_capability}
service anvil {{
  # mode 0: the auth process cannot reach anvil, which disables the auth
  # penalty (growing delays after failed logins from 127.0.0.1).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
{anvil_extra}}}
{login_services}"""

# A folder with its special use (RFC 6154), created and subscribed for every user.
_DOVECOT_SPECIAL_MAILBOX = """\
  mailbox {name} {{
    special_use = \\{name}
    auto = subscribe
  }}
"""


def _special_mailboxes(junk=True):
    """The special-use folders of the Dovecot configuration (Junk optional: a server
    without ``\\Junk``)."""
    names = ("Drafts", "Sent", "Trash") + (("Junk",) if junk else ())
    return "".join(_DOVECOT_SPECIAL_MAILBOX.format(name=name) for name in names)


# The login service of one protocol: its plain (STARTTLS) and implicit TLS listeners.
_DOVECOT_LOGIN_SERVICE = """\
service {protocol}-login {{
  inet_listener {protocol} {{
    address = {host}
    port = {plain_port}
  }}
  inet_listener {protocol}s {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
{login_extra}}}
"""

_DICT_AUTH_CONF = """\
uri = fs:posix:prefix={base}/users/
default_pass_scheme = PLAIN
iterate_disable = yes
key passdb {{
  key = passdb/%u
  format = json
}}
passdb_objects = passdb
"""


# OAuth 2.0: the token is checked by introspection (Dovecot's oauth2 passdb), then,
# for delegates, by a checkpassword program asking the same endpoint.
_DOVECOT_OAUTH_PASSDBS = """
passdb {{
  driver = oauth2
  mechanisms = {mechanisms}
  args = {base}/dovecot-oauth2.conf.ext
}}
passdb {{
  driver = checkpassword
  mechanisms = {mechanisms}
  args = {base}/oauth-delegate-check
}}"""

_DOVECOT_OAUTH2_CONF = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
{scope}"""

# Dovecot checkpassword protocol: "user\0token\0" on fd 3; exec the reply program
# (argv[1:]) to accept, exit 1 to refuse, 111 for a temporary failure.
_DELEGATE_CHECK = """\
#!{python}
import base64, json, os, sys, urllib.parse, urllib.request

URL = {url!r}
SCOPE = {scope!r}


def main():
    data = b""
    while True:
        chunk = os.read(3, 65536)
        if not chunk:
            break
        data += chunk
    parts = data.split(b"\\0")
    if len(parts) < 2:
        return 1
    user = parts[0].decode("utf-8", "replace").lower()
    try:
        claims = introspect(parts[1].decode("ascii"))
    except Exception:
        return 111
    mailboxes = [str(m).lower() for m in claims.get("mailboxes") or ()]
    scopes = str(claims.get("scope") or "").split()
    if claims.get("active") is True and user in mailboxes and (not SCOPE or SCOPE in scopes):
        os.execv(sys.argv[1], sys.argv[1:])
    return 1


def introspect(token):
    parts = urllib.parse.urlsplit(URL)
    netloc = parts.hostname + (":%d" % parts.port if parts.port else "")
    url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    request = urllib.request.Request(url, urllib.parse.urlencode({{"token": token}}).encode())
    if parts.username:
        secret = "%s:%s" % (urllib.parse.unquote(parts.username),
                            urllib.parse.unquote(parts.password or ""))
        request.add_header("Authorization",
                           "Basic " + base64.b64encode(secret.encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


sys.exit(main())
"""


def _system_python():
    """An interpreter Dovecot's auth worker (another user) may run: the system's."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate
    return sys.executable


def introspect_token(url, token, timeout=10.0):
    """POST ``token`` to an RFC 7662 introspection ``url`` whose user info part holds
    the Basic credentials; returns the claims (``{"active": False}`` when refused)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    plain_url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    request = urllib.request.Request(
        plain_url, urllib.parse.urlencode({"token": token}).encode("ascii")
    )
    request.add_header("Accept", "application/json")
    if parts.username:
        secret = (
            f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        )
        request.add_header("Authorization", "Basic " + base64.b64encode(secret.encode()).decode())
    with urllib.request.urlopen(request, timeout=timeout) as response:
        claims = json.loads(response.read().decode("utf-8"))
    return claims if isinstance(claims, dict) else {"active": False}


def _parse_sasl_oauth(mechanism, blob):
    """(user, token) of an XOAUTH2 or OAUTHBEARER initial response, or None."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if mechanism == "OAUTHBEARER":
        header, sep, rest = text.partition("\x01")
        gs2 = header.split(",")
        if not sep or len(gs2) < 3 or gs2[0] not in ("n", "y"):
            return None
        user = gs2[1][2:] if gs2[1].startswith("a=") else ""
        user = user.replace("=2C", ",").replace("=3D", "=")
        fields = rest.split("\x01")
    else:
        fields = text.split("\x01")
        user = next((f[5:] for f in fields if f.startswith("user=")), "")
    auth = next((f[5:] for f in fields if f.startswith("auth=")), "")
    scheme, _sep, token = auth.partition(" ")
    if not user or scheme.lower() != "bearer" or not token:
        return None
    return user, token


def _dovecot_identity():
    """Users Dovecot runs as: (config lines, mail uid, mail gid, rootless?)."""
    import grp
    import pwd

    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(os.getegid()).gr_name
        lines = (
            f"default_internal_user = {me.pw_name}\n"
            f"default_internal_group = {group}\n"
            f"default_login_user = {me.pw_name}"
        )
        return lines, os.geteuid(), os.getegid(), True

    def existing(name, fallback):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            return fallback

    try:
        mail = pwd.getpwnam("mail")
    except KeyError:
        mail = pwd.getpwnam("nobody")
    internal = existing("dovecot", mail.pw_name)
    login = existing("dovenull", internal)
    lines = f"default_internal_user = {internal}\ndefault_login_user = {login}"
    return lines, mail.pw_uid, mail.pw_gid, False


# ---------------------------------------------------------------------------
# SMTP (aiosmtpd)
# ---------------------------------------------------------------------------


class _QuietAiosmtpd(logging.Filter):
    """Drop aiosmtpd's per-connection deprecation/config warnings."""

    # "SMTP session exception": a client that gave up the TLS handshake (tests of
    # untrusted certificates and wrong security settings do that on purpose).
    _noise = ("login_data is deprecated", "auth_required == True but auth_require_tls",
              "SMTP session exception")

    def filter(self, record):
        message = record.getMessage()
        return not any(part in message for part in self._noise)


_aiosmtpd_logging_done = False


def _setup_aiosmtpd_logging():
    global _aiosmtpd_logging_done
    if _aiosmtpd_logging_done:
        return
    _aiosmtpd_logging_done = True
    smtp_log = logging.getLogger("mail.log")
    smtp_log.addFilter(_QuietAiosmtpd())
    if smtp_log.level == logging.NOTSET:
        # aiosmtpd logs every command at INFO: too chatty inside test logs.
        smtp_log.setLevel(logging.WARNING)


class _SmtpHandler:
    """aiosmtpd handler: AUTH against the harness users, policies, recording."""

    def __init__(self, servers):
        self.servers = servers

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        # One rejection per session: smtplib tries several mechanisms in a row.
        reply = getattr(session, "harness_auth_reject", None) or self.servers._take_reject("auth")
        if reply:
            session.harness_auth_reject = reply
            return AuthResult(success=False, handled=False, message=reply)
        login = auth_data.login.decode("utf-8", "replace").lower()
        password = auth_data.password.decode("utf-8", "replace")
        user = self.servers._users.get(login)
        if user is not None and user["password"] == password:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    async def auth_XOAUTH2(self, server, args):
        return await self._auth_oauth(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server, args):
        return await self._auth_oauth(server, args, "OAUTHBEARER")

    async def _auth_oauth(self, server, args, mechanism):
        """Bearer token sign-in checked by introspection; a refused token gets the SASL
        error challenge (base64 JSON, as Gmail and Dovecot send), then 535."""
        import asyncio

        from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword

        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:  # aborted or not base64: aiosmtpd answered already
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except ValueError:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        parsed = _parse_sasl_oauth(mechanism, blob)
        if parsed is None:
            await server.push(f"501 5.5.2 Malformed {mechanism} initial response")
            return AuthResult(success=False, handled=True)
        user, token = parsed
        session = server.session
        reply = getattr(session, "harness_auth_reject", None) or self.servers._take_reject("auth")
        if reply:
            session.harness_auth_reject = reply
            return AuthResult(success=False, handled=False, message=reply)
        loop = asyncio.get_running_loop()
        verdict = await loop.run_in_executor(None, self.servers._check_token, user, token)
        if verdict == "ok":
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        if verdict == "unavailable":
            return AuthResult(
                success=False, handled=False, message="454 4.7.0 Temporary authentication failure"
            )
        scope = self.servers._oauth_scope or "mail"
        if mechanism == "XOAUTH2":  # Gmail's shape
            status = "403" if verdict == "insufficient_scope" else "401"
            error = {"status": status, "schemes": "bearer", "scope": scope}
        else:  # RFC 7628 3.2.2
            error = {"status": verdict, "scope": scope}
        answer = await server.challenge_auth(json.dumps(error, separators=(",", ":")))
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(
            success=False, handled=False, message="535 5.7.8 Authentication credentials invalid"
        )

    @staticmethod
    def _login(session):
        data = session.auth_data if session.authenticated else None
        login = getattr(data, "login", None)
        return login.decode("utf-8", "replace").lower() if login is not None else None

    @staticmethod
    def _hang_up(server):
        """Close the connection without a reply (a crash, a lost network)."""
        transport = server.transport
        if transport is not None:
            transport.abort()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.servers._take_drop("mail"):
            self._hang_up(server)
            return "421 4.3.0 connection dropped"  # never reaches the client
        reply = self.servers._take_reject("mail")
        if reply:
            return reply
        policy = self.servers._sender_policy
        if policy is not None:
            try:
                verdict = policy(self._login(session), address)
            except Exception as error:  # a buggy policy must not kill the session
                _logger.exception("SMTP sender policy failed")
                return f"451 4.3.0 Sender policy error: {error}"
            if verdict:
                code, text = verdict
                return f"{code} {text}"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # One rejection per transaction: every recipient of it is refused.
        reply = getattr(envelope, "harness_rcpt_reject", None) or self.servers._take_reject("rcpt")
        if reply:
            envelope.harness_rcpt_reject = reply
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        reply = self.servers._take_reject("data")
        if reply:
            return reply
        data = envelope.original_content
        if data is None:
            data = envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        transport = server.transport
        tls = transport is not None and transport.get_extra_info("ssl_object") is not None
        received = Received(
            envelope.mail_from, list(envelope.rcpt_tos), bytes(data), self._login(session), tls
        )
        targets = self.servers._local_targets(envelope.rcpt_tos)
        if targets:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.servers._deliver_local, targets, received.data)
        with self.servers._lock:
            self.servers._smtp_received.append(received)
        if self.servers._take_drop("data"):
            # accepted, then the connection is lost before the client hears the 250
            self._hang_up(server)
        return "250 OK"


def _make_controller(servers, port, implicit_tls):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class _Controller(Controller):
        def factory(self):
            kwargs = {
                "hostname": "localhost",
                "ident": "ESMTP mailservers test server",
                "auth_required": True,
                "authenticator": servers._smtp_handler.authenticator,
                "enable_SMTPUTF8": servers._smtp_utf8,
                "auth_exclude_mechanism": [
                    name for name in OAUTH_MECHANISMS if name not in servers._oauth_mechanisms
                ],
            }
            if implicit_tls:
                # The whole session is TLS already; aiosmtpd only knows STARTTLS.
                kwargs["auth_require_tls"] = False
            else:
                kwargs["tls_context"] = servers._server_ssl_context
                kwargs["auth_require_tls"] = not servers._smtp_plaintext_auth
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return SMTP(self.handler, **kwargs)

        def _trigger_server(self):
            # aiosmtpd only creates the SMTP instance (factory) on a first
            # connection, which its readiness probe opens; under implicit TLS
            # that probe must finish a handshake first: do it with SNI and a
            # longer timeout than the stock 1 s, certificate not checked.
            with socket.create_connection((self.hostname, self.port), 2.0) as sock:
                if self.ssl_context is not None:
                    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                    client.check_hostname = False
                    client.verify_mode = ssl.CERT_NONE
                    with client.wrap_socket(sock, server_hostname="localhost") as tls:
                        tls.recv(1024)
                else:
                    sock.recv(1024)

    return _Controller(
        servers._smtp_handler,
        hostname=servers.host,
        port=port,
        ssl_context=servers._server_ssl_context if implicit_tls else None,
        ready_timeout=START_TIMEOUT,
    )


# ---------------------------------------------------------------------------
# The harness
# ---------------------------------------------------------------------------

_INSTANCES = weakref.WeakSet()
_SHARED = None
_SHARED_LOCK = threading.Lock()


def _stop_all_at_exit():
    for servers in list(_INSTANCES):
        with contextlib.suppress(Exception):
            servers.stop()


atexit.register(_stop_all_at_exit)


class MailServers:
    """Dovecot (IMAP/POP3) + aiosmtpd (SMTP) on loopback; see the module docstring."""

    def __init__(
        self, base_dir=None, *, ports=None, host="127.0.0.1", oauth_introspection_url=None,
        oauth_scope=None, oauth_mechanisms=OAUTH_MECHANISMS, junk_folder=True,
        imap_capability_drop=(),
    ):  # fmt: skip
        # Use MailServers.start(): this only prepares state.
        self._junk_folder = junk_folder
        self._imap_capability_drop = {name.upper() for name in imap_capability_drop}
        ports = dict(ports or {})
        unknown = set(ports) - set(PORT_NAMES)
        if unknown:
            raise ValueError(f"unknown port names: {sorted(unknown)}; use {PORT_NAMES}")
        self.host = host
        if base_dir is not None and _UNSAFE_PATH_RE.search(os.path.abspath(base_dir)):
            raise ValueError(f"base_dir must not contain spaces or quotes: {base_dir!r}")
        missing = [name for name in PORT_NAMES if not ports.get(name)]
        taken = {int(port) for port in ports.values() if port}
        fresh = [port for port in _free_ports(len(missing) + len(taken), host) if port not in taken]
        for name in missing:
            ports[name] = fresh.pop(0)
        if len({int(ports[name]) for name in PORT_NAMES}) != len(PORT_NAMES):
            raise ValueError(f"ports must be distinct: {ports}")
        self._temp = base_dir is None
        if base_dir is None:
            base_dir = tempfile.mkdtemp(prefix="mailservers-")
        self.base_dir = os.path.abspath(base_dir)
        self.imap_port = int(ports["imap"])
        self.imaps_port = int(ports["imaps"])
        self.pop3_port = int(ports["pop3"])
        self.pop3s_port = int(ports["pop3s"])
        self.smtp_port = int(ports["smtp"])
        self.smtps_port = int(ports["smtps"])
        self._lock = threading.RLock()
        self._users = {}  # login (lower case) -> {"password", "email"}
        self._smtp_received = []
        self._rejects = []  # [stage, remaining, reply]
        self._drops = collections.Counter()  # stage -> connections still to drop there
        self._sender_policy = None
        self._smtp_plaintext_auth = False
        self._smtp_utf8 = True
        self._pending_local = []  # (login, data) not delivered while Dovecot was down
        self._smtp_handler = _SmtpHandler(self)
        self._controllers = []
        self._dovecot = None
        self._stopped = False
        self.ca_file = None
        self.cert_file = None
        self.key_file = None
        self._server_ssl_context = None
        self.oauth_introspection_url = oauth_introspection_url or None
        self._oauth_scope = oauth_scope or None
        mechanisms = tuple(name.upper() for name in oauth_mechanisms or ())
        if set(mechanisms) - set(OAUTH_MECHANISMS):
            raise ValueError(f"oauth_mechanisms must be among {OAUTH_MECHANISMS}")
        if self.oauth_introspection_url and not mechanisms:
            raise ValueError("OAuth needs at least one of XOAUTH2, OAUTHBEARER")
        self._oauth_mechanisms = mechanisms if self.oauth_introspection_url else ()

    # -- lifecycle -----------------------------------------------------------

    @classmethod
    def start(
        cls, base_dir=None, *, ports=None, host="127.0.0.1", oauth_introspection_url=None,
        oauth_scope=None, oauth_mechanisms=OAUTH_MECHANISMS, junk_folder=True,
        imap_capability_drop=(),
    ):  # fmt: skip
        """Start Dovecot and both SMTP servers; returns the running harness.

        ``base_dir`` holds config, certs, maildirs and logs (a temporary folder,
        removed by :meth:`stop`, when None; an existing folder is reused: its
        certificates, users and mailboxes are kept).  ``ports`` may fix some
        or all of ``imap imaps pop3 pop3s smtp smtps``; others are free ports.

        ``oauth_introspection_url`` (default None: no OAuth) switches on SASL
        XOAUTH2/OAUTHBEARER with tokens checked at that RFC 7662 endpoint (Basic
        credentials in the URL); ``oauth_scope``: a scope the token must carry;
        ``oauth_mechanisms``: the mechanisms offered (e.g. ``("OAUTHBEARER",)``).

        ``junk_folder=False``: no Junk folder (a server without ``\\Junk``);
        ``imap_capability_drop``: IMAP capabilities not offered (e.g. ``("MOVE",)``;
        the server still understands them, the client must not use them).
        """
        missing = missing_requirements()
        if missing:
            raise MailServerError("; ".join(missing))
        servers = cls(
            base_dir, ports=ports, host=host, oauth_introspection_url=oauth_introspection_url,
            oauth_scope=oauth_scope, oauth_mechanisms=oauth_mechanisms,
            junk_folder=junk_folder, imap_capability_drop=imap_capability_drop,
        )  # fmt: skip
        _INSTANCES.add(servers)
        try:
            servers._prepare()
            servers.start_dovecot()
            servers.start_smtp()
        except BaseException:
            servers.stop()
            raise
        return servers

    @classmethod
    def shared(cls):
        """One process-wide harness, started on first use and stopped at exit.

        Meant for Odoo test classes that would otherwise each start servers;
        call :meth:`reset` in ``setUp`` to get empty servers.
        """
        global _SHARED
        with _SHARED_LOCK:
            if _SHARED is None or _SHARED._stopped:
                _SHARED = cls.start()
            return _SHARED

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def __repr__(self):
        state = "stopped" if self._stopped else "running"
        return (
            f"<MailServers {state} {self.host} imap={self.imap_port} imaps={self.imaps_port}"
            f" pop3={self.pop3_port} pop3s={self.pop3s_port} smtp={self.smtp_port}"
            f" smtps={self.smtps_port} base_dir={self.base_dir}>"
        )

    @property
    def ports(self):
        return {name: getattr(self, name + "_port") for name in PORT_NAMES}

    def _path(self, *parts):
        return os.path.join(self.base_dir, *parts)

    def _prepare(self):
        identity, self._mail_uid, self._mail_gid, rootless = _dovecot_identity()
        for folder in ("run", "state", "log", "certs", "users", "users/passdb", "mail"):
            os.makedirs(self._path(folder), exist_ok=True)
        os.chmod(self.base_dir, 0o755)  # the mail processes (uid mail) traverse it
        for folder in ("certs", "users", "users/passdb"):
            os.chmod(self._path(folder), 0o700)
        if not rootless:
            self._check_traversable()
            os.chown(self._path("mail"), self._mail_uid, self._mail_gid)
        os.chmod(self._path("mail"), 0o700)
        paths = _ensure_certs(self._path("certs"), self.host)
        self.ca_file = paths["ca_file"]
        self.cert_file = paths["server_cert"]
        self.key_file = paths["server_key"]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        self._server_ssl_context = context
        login_extra = "  chroot =\n" if rootless else ""
        anvil_extra = "  chroot =\n" if rootless else ""
        oauth = self._prepare_oauth()
        login_services = "".join(
            _DOVECOT_LOGIN_SERVICE.format(
                protocol=protocol, host=self.host, plain_port=self.ports[protocol],
                tls_port=self.ports[protocol + "s"], login_extra=login_extra,
            )
            for protocol in ("imap", "pop3")
        )
        conf = _DOVECOT_CONF.format(
            instance="mailservers-" + uuid.uuid4().hex[:8],
            base=self.base_dir,
            host=self.host,
            identity=identity,
            mail_uid=self._mail_uid,
            mail_gid=self._mail_gid,
            first_uid=min(self._mail_uid, 500) or 1,
            first_gid=min(self._mail_gid, 500) or 1,
            login_services=login_services,
            special_mailboxes=_special_mailboxes(self._junk_folder),
            anvil_extra=anvil_extra,
            imap_capability="\nimap_capability = " + " ".join(
                name for name in DOVECOT_IMAP_CAPABILITIES
                if name not in self._imap_capability_drop) if self._imap_capability_drop else "",
            **oauth,
            **self.ports,
        )
        self._conf = self._path("dovecot.conf")
        _write_atomic(self._conf, conf, 0o644)
        _write_atomic(
            self._path("dovecot-dict-auth.conf.ext"),
            _DICT_AUTH_CONF.format(base=self.base_dir),
            0o644,
        )
        self._load_users()

    def _prepare_oauth(self):
        """The OAuth parts of dovecot.conf (empty when off) and their files."""
        if not self._oauth_mechanisms:
            return {"oauth_mechanisms": "", "dict_mechanisms": "", "oauth_passdbs": ""}
        mechanisms = " ".join(name.lower() for name in self._oauth_mechanisms)
        url = self.oauth_introspection_url
        if any(char in url for char in "\n\r\"") or not url.startswith(("http://", "https://")):
            raise ValueError(f"bad introspection URL {url!r}")
        scope = f"scope = {self._oauth_scope}\n" if self._oauth_scope else ""
        # readable by Dovecot's auth processes only (the URL holds a client secret)
        owner = None if os.geteuid() != 0 else self._auth_owner()
        _write_atomic(
            self._path("dovecot-oauth2.conf.ext"),
            _DOVECOT_OAUTH2_CONF.format(url=url, scope=scope),
            0o640 if owner else 0o600,
            owner,
        )
        _write_atomic(
            self._path("oauth-delegate-check"),
            _DELEGATE_CHECK.format(python=_system_python(), url=url, scope=self._oauth_scope),
            0o750 if owner else 0o700,
            owner,
        )
        return {
            "oauth_mechanisms": " " + mechanisms,
            "dict_mechanisms": "  mechanisms = plain login\n",
            "oauth_passdbs": _DOVECOT_OAUTH_PASSDBS.format(
                mechanisms=mechanisms, base=self.base_dir
            ),
        }

    @staticmethod
    def _auth_owner():
        """(uid, gid) making a file readable by root and Dovecot's auth worker group."""
        import grp

        for group in ("dovecot", "mail"):
            with contextlib.suppress(KeyError):
                return 0, grp.getgrnam(group).gr_gid
        return None

    def _check_token(self, user, token):
        """The SMTP server's verdict on a bearer token for ``user``: "ok",
        "invalid_token", "insufficient_scope" or "unavailable"."""
        try:
            claims = introspect_token(self.oauth_introspection_url, token)
        except (OSError, ValueError, urllib.error.URLError) as error:
            _logger.warning("token introspection failed: %s", error)
            return "unavailable"
        if claims.get("active") is not True:
            return "invalid_token"
        wanted = user.lower()
        mailboxes = {str(claims.get("username") or "").lower()}
        mailboxes.update(str(item).lower() for item in claims.get("mailboxes") or ())
        if wanted not in mailboxes:
            return "invalid_token"
        if self._oauth_scope and self._oauth_scope not in str(claims.get("scope") or "").split():
            return "insufficient_scope"
        return "ok"

    def _check_traversable(self):
        """Dovecot's mail processes run as uid mail: every parent must let it in."""
        path = self.base_dir
        while True:
            info = os.stat(path)
            if not info.st_mode & stat.S_IXOTH and info.st_uid != self._mail_uid:
                raise MailServerError(
                    f"{path} is not traversable by the mail user (mode "
                    f"{stat.filemode(info.st_mode)}); choose a base_dir elsewhere "
                    "(e.g. under /tmp or /var/tmp)"
                )
            parent = os.path.dirname(path)
            if parent == path:
                return
            path = parent

    def stop(self):
        """Stop every server (idempotent); removes base_dir if it was temporary."""
        if self._stopped:
            return
        self._stopped = True
        errors = []
        for action in (self.stop_smtp, self.stop_dovecot):
            try:
                action()
            except Exception as error:  # keep stopping the rest
                errors.append(error)
        _INSTANCES.discard(self)
        if self._temp:
            shutil.rmtree(self.base_dir, ignore_errors=True)
        if errors:
            raise errors[0]

    # -- Dovecot process -------------------------------------------------------

    @property
    def dovecot_running(self):
        return self._dovecot is not None and self._dovecot.poll() is None

    def _kill_stale_dovecot(self):
        """A Dovecot left running from an earlier run on this base_dir blocks ours."""
        pid_file = self._path("run", "master.pid")
        try:
            with open(pid_file) as handle:
                pid = int(handle.read().strip())
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().split(b"\0")
        except (OSError, ValueError):
            return
        if os.fsencode(self._conf) not in cmdline:
            return
        _logger.warning("stopping a stale Dovecot (pid %s) of %s", pid, self.base_dir)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}"):
            time.sleep(0.05)

    def start_dovecot(self):
        """(Re)start Dovecot on the same ports; mailboxes are kept."""
        with self._lock:
            if self.dovecot_running:
                return
            self._kill_stale_dovecot()
            stderr_path = self._path("log", "dovecot.stderr")
            with open(stderr_path, "ab") as stderr:
                self._dovecot = subprocess.Popen(
                    ["sh", "-c", _DOVECOT_WATCHDOG, _find_binary("dovecot"), self._conf],
                    stdin=subprocess.PIPE,
                    stdout=stderr,
                    stderr=stderr,
                    start_new_session=True,
                )
            ports = (self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port)
            deadline = time.monotonic() + START_TIMEOUT
            waiting = list(ports)
            while waiting:
                if self._dovecot.poll() is not None:
                    self._reap_dovecot()
                    raise MailServerError("Dovecot failed to start:\n" + self._dovecot_log_tail())
                if time.monotonic() > deadline:
                    self.stop_dovecot()
                    raise MailServerError(
                        "Dovecot did not open its ports in time:\n" + self._dovecot_log_tail()
                    )
                waiting = [port for port in waiting if not _port_open(self.host, port)]
                if waiting:
                    time.sleep(0.02)
            pending, self._pending_local = self._pending_local, []
        for login, data in pending:
            self._deliver_local([login], data)

    def _dovecot_log_tail(self, lines=30):
        text = ""
        for name in ("dovecot.stderr", "dovecot.log"):
            with contextlib.suppress(OSError), open(self._path("log", name), "rb") as handle:
                text += handle.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])

    def _reap_dovecot(self):
        process = self._dovecot
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()  # the watchdog then stops Dovecot (SIGTERM)
        # Dovecot's master takes 1-2 s to wind down after SIGTERM; its storage is
        # crash-safe (maildir + self-healing indexes), so after a short grace
        # period whatever is left of the process group we created is killed.
        # The watchdog shell is spared so that it reaps Dovecot's master (a
        # zombie master would make the next start believe Dovecot still runs).
        try:
            process.wait(timeout=DOVECOT_STOP_GRACE)
        except subprocess.TimeoutExpired:
            for pid in _process_group_members(process.pid):
                if pid != process.pid:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _logger.warning("Dovecot watchdog did not exit; killing its process group")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        self._dovecot = None

    def stop_dovecot(self):
        """Stop Dovecot (IMAP and POP3 ports close); mailboxes are kept."""
        with self._lock:
            self._reap_dovecot()

    # -- SMTP servers ----------------------------------------------------------

    def start_smtp(self):
        """(Re)start both SMTP servers on the same ports."""
        _setup_aiosmtpd_logging()
        with self._lock:
            if self._controllers:
                return
            for port, implicit in ((self.smtp_port, False), (self.smtps_port, True)):
                controller = _make_controller(self, port, implicit)
                try:
                    controller.start()
                except BaseException:
                    with contextlib.suppress(Exception):
                        controller.stop(no_assert=True)
                    self.stop_smtp()
                    raise
                self._controllers.append(controller)

    def stop_smtp(self):
        """Stop both SMTP servers (their ports close); recorded messages are kept."""
        with self._lock:
            controllers, self._controllers = self._controllers, []
        for controller in controllers:
            with contextlib.suppress(AssertionError):
                controller.stop()

    @property
    def smtp_received(self):
        """Snapshot list of :class:`Received`, in arrival order."""
        with self._lock:
            return list(self._smtp_received)

    def clear_smtp(self):
        """Forget received messages, pending rejections and the sender policy."""
        with self._lock:
            self._smtp_received.clear()
            self._rejects.clear()
            self._drops.clear()
            self._sender_policy = None

    def wait_smtp(self, count=1, timeout=5.0):
        """Wait until at least ``count`` messages were received; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.smtp_received
            if len(received) >= count or time.monotonic() > deadline:
                return received
            time.sleep(0.02)

    def smtp_reject_next(self, n, code, text, *, stage="data"):
        """Make the next ``n`` transactions reaching ``stage`` fail with ``code text``.

        ``stage`` is one of "auth" (every AUTH of the session fails), "mail"
        (MAIL FROM), "rcpt" (every RCPT TO of the transaction fails) or "data"
        (end of DATA).  Calls add up; n=0 does nothing.
        """
        if stage not in SMTP_REJECT_STAGES:
            raise ValueError(f"stage must be one of {SMTP_REJECT_STAGES}")
        code = int(code)
        if not 400 <= code <= 599:
            raise ValueError("reject code must be 4xx or 5xx")
        if n > 0:
            with self._lock:
                self._rejects.append([stage, int(n), f"{code} {text}".strip()])

    def _take_reject(self, stage):
        with self._lock:
            for rule in self._rejects:
                if rule[0] == stage and rule[1] > 0:
                    rule[1] -= 1
                    reply = rule[2]
                    self._rejects = [rule for rule in self._rejects if rule[1] > 0]
                    return reply
        return None

    def smtp_drop_next(self, n, *, stage="data"):
        """Make the next ``n`` transactions reaching ``stage`` lose their connection.

        ``stage`` "mail": the server hangs up at MAIL FROM (nothing was handed over);
        "data": the server receives and keeps the whole message (it counts in
        :attr:`smtp_received`), then hangs up before its 250 reaches the client, which
        cannot know whether the message was accepted.  Calls add up; n=0 does nothing.
        """
        if stage not in SMTP_DROP_STAGES:
            raise ValueError(f"stage must be one of {SMTP_DROP_STAGES}")
        if n > 0:
            with self._lock:
                self._drops[stage] += int(n)

    def _take_drop(self, stage):
        with self._lock:
            if self._drops[stage] > 0:
                self._drops[stage] -= 1
                return True
        return False

    def smtp_sender_policy(self, func):
        """Install ``func(login, mail_from) -> None | (code, text)`` (None removes it).

        It runs at MAIL FROM; returning (code, text) rejects the sender, e.g.
        ``(553, "5.7.1 Sender address rejected: not owned by user")``.  See
        :meth:`own_address_policy` for a ready-made one.
        """
        if func is not None and not callable(func):
            raise TypeError("the sender policy must be callable or None")
        with self._lock:
            self._sender_policy = func

    def own_address_policy(self, login, mail_from):
        """Sender policy: a user may only send as the ``email`` given to add_user."""
        user = self._users.get((login or "").lower())
        allowed = (user or {}).get("email")
        if allowed and mail_from.lower() == allowed.lower():
            return None
        return 553, f"5.7.1 <{mail_from}>: Sender address rejected: not owned by user {login}"

    def smtp_allow_plaintext_auth(self, allowed=True):
        """Allow AUTH on smtp_port without STARTTLS (new connections only)."""
        self._smtp_plaintext_auth = bool(allowed)

    def smtp_offer_smtputf8(self, offered=True):
        """Offer SMTPUTF8 (internationalised addresses) or not (new connections only);
        offered by default."""
        self._smtp_utf8 = bool(offered)

    # -- users -----------------------------------------------------------------

    def _users_json(self):
        return self._path("users", "users.json")

    def _load_users(self):
        try:
            with open(self._users_json()) as handle:
                users = json.load(handle)
        except (OSError, ValueError):
            users = {}
        for login, info in users.items():
            self.add_user(login, info["password"], email=info.get("email"))

    def _save_users(self):
        _write_atomic(self._users_json(), json.dumps(self._users, indent=1, sort_keys=True))

    @staticmethod
    def _canonical(login):
        if not isinstance(login, str) or not _LOGIN_RE.match(login) or len(login) > 200:
            raise ValueError(f"invalid login {login!r}: use letters, digits and . _ @ + - only")
        return login.lower()  # Dovecot lower-cases user names (auth_username_format)

    def add_user(self, login, password, *, email=None):
        """Create (or update the password/email of) a mail user; effective at once.

        The login works for IMAP, POP3 and SMTP AUTH (case-insensitive).
        ``email`` is the address whose incoming SMTP mail lands in this user's
        INBOX; it defaults to the login when the login looks like an address.
        """
        key = self._canonical(login)
        if not isinstance(password, str) or "\0" in password:
            raise ValueError("password must be a string without NUL characters")
        if email is None and "@" in key:
            email = key
        secret = base64.b64encode(password.encode("utf-8")).decode("ascii")
        record = json.dumps({"password": "{PLAIN.b64}" + secret})
        with self._lock:
            _write_atomic(self._path("users", "passdb", key), record)
            home = self._path("mail", key)
            if not os.path.isdir(home):
                os.makedirs(home, mode=0o700)
                if os.geteuid() == 0:
                    os.chown(home, self._mail_uid, self._mail_gid)
            self._users[key] = {"password": password, "email": email}
            self._save_users()

    def remove_user(self, login, *, keep_mail=False):
        """Delete a user: logins fail from now on; the mailbox goes too unless kept."""
        key = self._canonical(login)
        with self._lock:
            self._users.pop(key, None)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path("users", "passdb", key))
            if not keep_mail:
                shutil.rmtree(self._path("mail", key), ignore_errors=True)
            self._save_users()

    @property
    def users(self):
        """{login: {"password": ..., "email": ...}} (a copy)."""
        with self._lock:
            return {login: dict(info) for login, info in self._users.items()}

    def reset(self):
        """Remove every user and mailbox and clear the SMTP state (servers keep running)."""
        with self._lock:
            for login in list(self._users):
                self.remove_user(login)
            self._pending_local.clear()
            self._smtp_plaintext_auth = False
        self.clear_smtp()

    # -- mailboxes (IMAP as the user) ---------------------------------------------

    @contextlib.contextmanager
    def imap(self, login):
        """A logged-in ``imaplib.IMAP4`` (plain port) as ``login``; logs out after."""
        key = self._canonical(login)
        user = self._users.get(key)
        if user is None:
            raise KeyError(f"unknown mail user {login!r} (add_user first)")
        conn = imaplib.IMAP4(self.host, self.imap_port, timeout=15)
        try:
            _imap_authenticate(conn, key, user["password"])
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.logout()

    def deliver(self, login, raw, folder="INBOX", flags=(), *, date=None):
        """Append ``raw`` (bytes) to ``folder`` of ``login`` (created if missing).

        ``flags``: e.g. ("\\\\Seen", "\\\\Flagged") or keywords; ``date``: the
        internal date (datetime or epoch seconds; now when None).  Visible to
        IMAP and POP3 (POP3 shows INBOX only) as soon as this returns.
        """
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if isinstance(flags, str):
            flags = (flags,)
        with self.imap(login) as conn:
            mailbox = _imap_quote(folder)
            if folder.upper() != "INBOX":
                conn.create(mailbox)  # NO "already exists" is fine
                conn.subscribe(mailbox)
            flag_list = "(" + " ".join(flags) + ")" if flags else None
            when = imaplib.Time2Internaldate(date) if date is not None else None
            typ, data = conn.append(mailbox, flag_list, when, raw)
            if typ != "OK":
                raise MailServerError(f"APPEND to {folder!r} of {login!r} failed: {data!r}")

    def fetch(self, login, folder="INBOX"):
        """[(uid, flags tuple, raw bytes)] of ``folder``, by UID; [] if no such folder."""
        with self.imap(login) as conn:
            typ, _data = conn.select(_imap_quote(folder), readonly=True)
            if typ != "OK":
                return []
            typ, data = conn.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            if typ != "OK":
                raise MailServerError(f"FETCH in {folder!r} of {login!r} failed: {data!r}")
        result = []
        for index, item in enumerate(data):
            if not isinstance(item, tuple):
                continue
            meta = item[0]
            follower = data[index + 1] if index + 1 < len(data) else b""
            if isinstance(follower, bytes):
                meta += follower
            uid = _FETCH_UID_RE.search(meta)
            flags = _FETCH_FLAGS_RE.search(meta)
            flag_tuple = tuple(flags.group(1).decode().split()) if flags else ()
            result.append((int(uid.group(1)) if uid else 0, flag_tuple, item[1]))
        result.sort(key=lambda entry: entry[0])
        return result

    def messages(self, login, folder="INBOX"):
        """Raw messages (bytes) currently in ``folder`` (IMAP UID order)."""
        return [raw for _uid, _flags, raw in self.fetch(login, folder)]

    def message_flags(self, login, folder="INBOX"):
        """Flags of each message of ``folder``, aligned with :meth:`messages`."""
        return [flags for _uid, flags, _raw in self.fetch(login, folder)]

    def folders(self, login):
        """Mailbox names of ``login`` (decoded, "/" separated), as IMAP LIST gives them."""
        with self.imap(login) as conn:
            typ, data = conn.list('""', '"*"')
        if typ != "OK":
            raise MailServerError(f"LIST of {login!r} failed: {data!r}")
        names = []
        for entry in data:
            parsed = _parse_list_entry(entry)
            if parsed:
                names.append(imap_utf7.utf7_decode(parsed[1]))
        return names

    def create_folder(self, login, folder):
        """Create (and subscribe) a folder."""
        with self.imap(login) as conn:
            mailbox = _imap_quote(folder)
            typ, data = conn.create(mailbox)
            if typ != "OK" and b"exists" not in b" ".join(d or b"" for d in data).lower():
                raise MailServerError(f"CREATE {folder!r} of {login!r} failed: {data!r}")
            conn.subscribe(mailbox)

    # -- SMTP to local mailboxes -----------------------------------------------------

    def _local_targets(self, rcpt_tos):
        wanted = {address.lower() for address in rcpt_tos}
        with self._lock:
            return [
                login
                for login, info in self._users.items()
                if info.get("email") and info["email"].lower() in wanted
            ]

    def _deliver_local(self, logins, data):
        for login in logins:
            try:
                self.deliver(login, data)
            except Exception as error:
                if self.dovecot_running:
                    _logger.error("local delivery to %s failed: %s", login, error)
                with self._lock:
                    if login in self._users:  # delivered when Dovecot is back
                        self._pending_local.append((login, data))

    # -- clients -------------------------------------------------------------------

    def ssl_context(self):
        """Client context trusting only this harness' CA (hostname checks on)."""
        return ssl.create_default_context(cafile=self.ca_file)

    def describe(self):
        """Connection facts as a JSON-able dict (also written to servers.json by main)."""
        return {"host": self.host, "ca_file": self.ca_file, **self.ports}


# ---------------------------------------------------------------------------
# Command line: demo servers
# ---------------------------------------------------------------------------


def _parse_ports(text):
    ports = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, _sep, value = item.partition("=")
        if name not in PORT_NAMES or not value.isdigit():
            raise argparse.ArgumentTypeError(f"bad port spec {item!r} (want NAME=PORT)")
        ports[name] = int(value)
    return ports


def _parse_user(text):
    login, sep, rest = text.partition(":")
    if not sep or not login:
        raise argparse.ArgumentTypeError(f"bad user {text!r} (want login:password[:email])")
    password, email = rest, None
    head, sep, tail = rest.rpartition(":")
    if sep and "@" in tail:
        password, email = head, tail
    return login, password, email


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Serve loopback IMAP/POP3 (Dovecot) and SMTP (aiosmtpd) mail servers."
    )
    parser.add_argument("--base-dir", help="state folder (kept); a temporary one if omitted")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--ports", type=_parse_ports, default={},
        help="e.g. imap=10143,imaps=10993,pop3=10110,pop3s=10995,smtp=10025,smtps=10465",
    )  # fmt: skip
    parser.add_argument(
        "--user", action="append", type=_parse_user, default=[], metavar="LOGIN:PASSWORD[:EMAIL]"
    )
    parser.add_argument(
        "--strict-sender", action="store_true",
        help="reject (553 5.7.1) MAIL FROM addresses other than the user's email",
    )  # fmt: skip
    parser.add_argument(
        "--plaintext-auth", action="store_true", help="allow SMTP AUTH without STARTTLS"
    )
    parser.add_argument(
        "--oauth-introspection-url",
        help="accept XOAUTH2/OAUTHBEARER tokens checked at this RFC 7662 endpoint "
        "(http://ID:SECRET@host:port/introspect, e.g. from oauth_server.py)",
    )
    parser.add_argument("--oauth-scope", help="a scope the OAuth tokens must carry")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    started = time.monotonic()

    def start():
        return MailServers.start(
            args.base_dir, ports=args.ports, host=args.host,
            oauth_introspection_url=args.oauth_introspection_url, oauth_scope=args.oauth_scope,
        )  # fmt: skip

    def configure(servers):
        for login, password, email in args.user:
            servers.add_user(login, password, email=email)
        if args.strict_sender:
            servers.smtp_sender_policy(servers.own_address_policy)
        if args.plaintext_auth:
            servers.smtp_allow_plaintext_auth(True)
        info = servers.describe()
        info["base_dir"] = servers.base_dir
        info["pid"] = os.getpid()
        with contextlib.suppress(OSError):
            _write_atomic(os.path.join(servers.base_dir, "servers.json"), json.dumps(info), 0o644)
        print(f"mail servers ready in {time.monotonic() - started:.2f}s on {servers.host}")
        for name in PORT_NAMES:
            print(f"  {name:6} {servers.host}:{info[name]}")
        print(f"  CA     {servers.ca_file}")
        print(f"  base   {servers.base_dir}")
        for login, info_user in sorted(servers.users.items()):
            print(f"  user   {login} <{info_user['email'] or '-'}>")

    return harness_cli.serve_until_stopped(start, configure, "them")

if __name__ == "__main__":
    sys.exit(main())
