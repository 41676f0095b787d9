"""The real-server harness itself: users, mailboxes, SMTP, restarts, command line."""

import imaplib
import json
import os
import pathlib
import poplib
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

from mail_accounts_ext.tests import mailservers as harness

HARNESS_FILE = harness.__file__
MISSING = harness.missing_requirements()
# Where the run requires the servers (./dev/test, CI), the tests run and fail loudly.
pytestmark = pytest.mark.skipif(
    bool(MISSING) and not harness.required(),
    reason="real mail servers unavailable: " + "; ".join(MISSING),
)


def _login():
    return "u" + uuid.uuid4().hex[:10]


def _message(subject, sender="a@example.com", to="b@example.com", body="hello"):
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def state_dir():
    """A base_dir the mail user (Dovecot's mail processes) can reach, unlike tmp_path."""
    path = tempfile.mkdtemp(prefix="mailservers-test-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def user(mailservers):
    login = _login()
    mailservers.add_user(login, "pw-" + login, email=login + "@example.com")
    yield login
    mailservers.remove_user(login)


def _pop3_stat(servers, login, password):
    pop = poplib.POP3_SSL(servers.host, servers.pop3s_port, context=servers.ssl_context())
    try:
        pop.user(login)
        pop.pass_(password)
        return pop.stat()
    finally:
        pop.quit()


def _smtp(servers, login=None, password=None, implicit=False):
    context = servers.ssl_context()
    if implicit:
        client = smtplib.SMTP_SSL(servers.host, servers.smtps_port, context=context, timeout=10)
    else:
        client = smtplib.SMTP(servers.host, servers.smtp_port, timeout=10)
        client.starttls(context=context)
        client.ehlo()
    if login:
        client.login(login, password)
    return client


# -- basics ------------------------------------------------------------------


def test_ports_and_ca(mailservers):
    ports = mailservers.ports
    assert set(ports) == set(harness.PORT_NAMES)
    assert len(set(ports.values())) == 6
    assert mailservers.host == "127.0.0.1"
    assert os.path.isfile(mailservers.ca_file)
    context = mailservers.ssl_context()
    assert context.check_hostname and context.verify_mode == harness.ssl.CERT_REQUIRED
    # strict RFC 5280 checks (the default of Python 3.13+) pass too
    context.verify_flags |= harness.ssl.VERIFY_X509_STRICT
    # hostname checks on: both the IP and "localhost" are in the certificate
    for host in ("127.0.0.1", "localhost"):
        imap = imaplib.IMAP4_SSL(host, mailservers.imaps_port, ssl_context=context, timeout=10)
        imap.logout()
    imap = imaplib.IMAP4(mailservers.host, mailservers.imap_port, timeout=10)
    try:
        assert "STARTTLS" in imap.capabilities
        imap.starttls(ssl_context=context)
    finally:
        imap.logout()


def test_add_user_deliver_messages_folders(mailservers, user):
    password = "pw-" + user
    assert set(mailservers.folders(user)) >= {"INBOX", "Drafts", "Sent", "Trash", "Junk"}
    assert mailservers.messages(user) == []
    first, second = _message("first"), _message("second")
    mailservers.deliver(user, first)
    mailservers.deliver(user, second, flags=("\\Seen", "\\Flagged"))
    assert mailservers.messages(user) == [first, second]
    assert "\\Seen" not in mailservers.message_flags(user)[0]
    assert {"\\Seen", "\\Flagged"} <= set(mailservers.message_flags(user)[1])
    # visible to IMAP as the user...
    imap = imaplib.IMAP4_SSL(
        mailservers.host, mailservers.imaps_port, ssl_context=mailservers.ssl_context()
    )
    try:
        imap.login(user, password)
        typ, data = imap.select("INBOX", readonly=True)
        assert typ == "OK" and data == [b"2"]
    finally:
        imap.logout()
    # ...and to POP3, right away
    assert _pop3_stat(mailservers, user, password)[0] == 2


def test_deliver_creates_nested_and_non_ascii_folders(mailservers, user):
    raw = _message("archived")
    mailservers.deliver(user, raw, folder="Archive/2024 Été", flags=["\\Seen"])
    assert {"Archive", "Archive/2024 Été"} <= set(mailservers.folders(user))
    assert mailservers.messages(user, "Archive/2024 Été") == [raw]
    assert mailservers.messages(user) == []
    assert mailservers.messages(user, "No such folder") == []
    mailservers.create_folder(user, "Empty & new")
    mailservers.create_folder(user, "Empty & new")  # idempotent
    assert "Empty & new" in mailservers.folders(user)


def test_deliver_date_and_bare_lf(mailservers, user):
    mailservers.deliver(user, b"Subject: lf\n\nbody\n", date=946684800)
    assert mailservers.messages(user) == [b"Subject: lf\r\n\r\nbody\r\n"]


def test_add_user_is_idempotent_and_immediate(mailservers):
    login = _login()
    mailservers.add_user(login, "old")
    assert _pop3_stat(mailservers, login, "old") == (0, 0)
    mailservers.add_user(login, "new: pass wörd", email=login + "@example.org")
    with pytest.raises(poplib.error_proto):
        _pop3_stat(mailservers, login, "old")
    assert _pop3_stat(mailservers, login, "new: pass wörd") == (0, 0)
    assert mailservers.users[login]["email"] == login + "@example.org"
    # logins are case-insensitive, like Dovecot's
    assert _pop3_stat(mailservers, login.upper(), "new: pass wörd") == (0, 0)
    mailservers.remove_user(login)
    with pytest.raises(poplib.error_proto):
        _pop3_stat(mailservers, login, "new: pass wörd")


def test_invalid_logins_are_refused(mailservers):
    for bad in ("", "a b", "a/b", "../x", "a:b", "é"):
        with pytest.raises(ValueError):
            mailservers.add_user(bad, "x")
    with pytest.raises(KeyError):
        mailservers.messages("nobody-" + uuid.uuid4().hex[:6])


def test_email_defaults_to_login_address(mailservers):
    login = _login() + "@example.net"
    mailservers.add_user(login, "pw")
    try:
        assert mailservers.users[login]["email"] == login
    finally:
        mailservers.remove_user(login)


# -- SMTP ----------------------------------------------------------------------


def test_smtp_receive_and_local_delivery(mailservers, user):
    sender = _login()
    mailservers.add_user(sender, "spw", email=sender + "@example.com")
    before = len(mailservers.smtp_received)
    raw = _message("to a local user", sender + "@example.com", user + "@example.com")
    with _smtp(mailservers, sender, "spw") as client:
        client.sendmail(sender + "@example.com", [user + "@EXAMPLE.com", "far@away.test"], raw)
    received = mailservers.smtp_received[before:]
    assert len(received) == 1
    got = received[0]
    assert got.mail_from == sender + "@example.com"
    assert got.rcpt_tos == [user + "@EXAMPLE.com", "far@away.test"]
    assert got.data == raw
    assert got.login == sender
    assert got.tls is True
    assert mailservers.messages(user) == [raw]
    assert mailservers.messages(sender) == []  # no copy for the sender
    mailservers.remove_user(sender)


def test_smtps_implicit_tls(mailservers, user):
    before = len(mailservers.smtp_received)
    with _smtp(mailservers, user, "pw-" + user, implicit=True) as client:
        assert client.has_extn("auth")
        assert not client.has_extn("starttls")
        client.sendmail(user + "@example.com", ["x@example.org"], _message("implicit"))
    got = mailservers.wait_smtp(before + 1)[-1]
    assert got.tls is True and got.login == user


def test_smtp_requires_auth_and_tls(mailservers, user):
    client = smtplib.SMTP(mailservers.host, mailservers.smtp_port, timeout=10)
    try:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")  # AUTH only after STARTTLS
        code, text = client.docmd("AUTH", "PLAIN AHUAcA==")
        assert code == 538
        code, text = client.mail(user + "@example.com")
        assert (code, text) == (530, b"5.7.0 Authentication required")
    finally:
        client.close()
    client = _smtp(mailservers)
    try:
        assert client.has_extn("auth")
        assert set(client.esmtp_features["auth"].split()) >= {"PLAIN", "LOGIN"}
        with pytest.raises(smtplib.SMTPAuthenticationError) as info:
            client.login(user, "wrong")
        assert info.value.smtp_code == 535
        assert info.value.smtp_error == b"5.7.8 Authentication credentials invalid"
        with pytest.raises(smtplib.SMTPSenderRefused) as info:
            client.sendmail(user + "@example.com", ["x@example.org"], b"x")
        assert info.value.smtp_code == 530
    finally:
        client.close()


def test_smtp_login_mechanism(mailservers, user):
    client = _smtp(mailservers)
    try:
        client.user, client.password = user, "pw-" + user
        code, _text = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
        assert code == 235
    finally:
        client.close()


def test_smtp_smtputf8_switch(mailservers, user):
    """SMTPUTF8 is offered by default; switched off, new sessions do not advertise it."""
    with _smtp(mailservers, user, "pw-" + user) as client:
        assert client.has_extn("smtputf8")
    mailservers.smtp_offer_smtputf8(False)
    try:
        with _smtp(mailservers, user, "pw-" + user) as client:
            assert not client.has_extn("smtputf8")
            with pytest.raises(smtplib.SMTPNotSupportedError):
                client.mail("jörg@example.org", ["SMTPUTF8"])
    finally:
        mailservers.smtp_offer_smtputf8(True)


def test_smtp_plaintext_auth_switch(mailservers, user):
    mailservers.smtp_allow_plaintext_auth(True)
    try:
        client = smtplib.SMTP(mailservers.host, mailservers.smtp_port, timeout=10)
        with client:
            client.login(user, "pw-" + user)
            client.sendmail(user + "@example.com", ["x@example.org"], _message("plain"))
        assert mailservers.smtp_received[-1].tls is False
    finally:
        mailservers.smtp_allow_plaintext_auth(False)


@pytest.mark.parametrize(
    "stage, exception",
    [
        ("data", smtplib.SMTPDataError),
        ("mail", smtplib.SMTPSenderRefused),
        ("rcpt", smtplib.SMTPRecipientsRefused),
        ("auth", smtplib.SMTPAuthenticationError),
    ],
)
def test_smtp_reject_next(mailservers, user, stage, exception):
    before = len(mailservers.smtp_received)
    mailservers.smtp_reject_next(2, 451, "4.3.0 Try again later", stage=stage)
    for _attempt in range(2):
        with _smtp(mailservers) as client, pytest.raises(exception) as info:
            client.login(user, "pw-" + user)
            client.sendmail(user + "@example.com", ["x@example.org"], _message(stage))
        if stage == "rcpt":
            assert info.value.recipients["x@example.org"] == (451, b"4.3.0 Try again later")
        else:
            assert info.value.smtp_code == 451
            assert info.value.smtp_error == b"4.3.0 Try again later"
    assert len(mailservers.smtp_received) == before
    with _smtp(mailservers, user, "pw-" + user) as client:  # third one passes
        client.sendmail(user + "@example.com", ["x@example.org"], _message(stage))
    assert len(mailservers.smtp_received) == before + 1


@pytest.mark.parametrize("stage, delivered, client_stage",
                         [("mail", False, "sender"), ("data", True, "data_sent")])
def test_smtp_drop_next(mailservers, user, stage, delivered, client_stage):
    """A lost connection, seen by the addon's own client (``transaction_stage``): at MAIL
    FROM nothing was handed over; after DATA the server kept the message."""
    from mail_accounts_ext.tools import connection

    before = len(mailservers.smtp_received)
    mailservers.smtp_drop_next(1, stage=stage)
    client = connection.open_smtp(mailservers.host, mailservers.smtp_port, "starttls",
                                  user, "pw-" + user, timeout=10,
                                  ssl_context=mailservers.ssl_context())
    try:
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.sendmail(user + "@example.com", ["x@example.org"], _message(stage))
        assert client.transaction_stage == client_stage
    finally:
        client.close()
    assert len(mailservers.smtp_received) == before + delivered
    with _smtp(mailservers, user, "pw-" + user) as client:  # the next one passes
        client.sendmail(user + "@example.com", ["x@example.org"], _message(stage))
    assert len(mailservers.smtp_received) == before + delivered + 1
    with pytest.raises(ValueError):
        mailservers.smtp_drop_next(1, stage="rcpt")


def test_smtp_reject_validation(mailservers):
    with pytest.raises(ValueError):
        mailservers.smtp_reject_next(1, 250, "ok")
    with pytest.raises(ValueError):
        mailservers.smtp_reject_next(1, 550, "no", stage="helo")


def test_smtp_sender_policy(mailservers, user):
    mailservers.smtp_sender_policy(mailservers.own_address_policy)
    try:
        with _smtp(mailservers, user, "pw-" + user) as client:
            code, text = client.mail("boss@example.com")
            assert code == 553 and text.startswith(b"5.7.1")
            client.rset()
            code, _text = client.mail(user + "@EXAMPLE.COM")
            assert code == 250
        seen = []
        mailservers.smtp_sender_policy(lambda login, sender: seen.append((login, sender)))
        with _smtp(mailservers, user, "pw-" + user) as client:
            assert client.mail("any@where.test")[0] == 250
        assert seen == [(user, "any@where.test")]
    finally:
        mailservers.smtp_sender_policy(None)


def test_clear_smtp(mailservers, user):
    with _smtp(mailservers, user, "pw-" + user) as client:
        client.sendmail(user + "@example.com", ["x@example.org"], _message("clear"))
    assert mailservers.smtp_received
    mailservers.clear_smtp()
    assert mailservers.smtp_received == []


# -- restarts --------------------------------------------------------------------


def test_stop_start_keeps_mailboxes_and_ports(mailservers, user):
    raw = _message("persist")
    mailservers.deliver(user, raw, folder="Keep")
    ports = mailservers.ports
    mailservers.stop_dovecot()
    assert not mailservers.dovecot_running
    with pytest.raises(OSError):
        socket.create_connection((mailservers.host, mailservers.imap_port), timeout=2).close()
    # mail sent to a local user while Dovecot is down waits for its return
    with _smtp(mailservers, user, "pw-" + user) as client:
        queued = _message("queued")
        client.sendmail(user + "@example.com", [user + "@example.com"], queued)
    started = time.monotonic()
    mailservers.start_dovecot()
    assert time.monotonic() - started < 2
    assert mailservers.messages(user, "Keep") == [raw]
    assert mailservers.messages(user) == [queued]

    mailservers.stop_smtp()
    with pytest.raises(OSError):
        socket.create_connection((mailservers.host, mailservers.smtp_port), timeout=2).close()
    mailservers.start_smtp()
    assert mailservers.ports == ports
    with _smtp(mailservers, user, "pw-" + user, implicit=True) as client:
        assert client.noop()[0] == 250


def test_context_manager_temp_dir_and_reset():
    started = time.monotonic()
    with harness.MailServers.start() as servers:
        elapsed = time.monotonic() - started
        assert elapsed < 2, elapsed
        base = servers.base_dir
        servers.add_user("carol", "pw", email="carol@example.com")
        servers.deliver("carol", _message("x"))
        servers.smtp_reject_next(1, 550, "no")
        servers.reset()
        assert servers.users == {}
        assert servers.smtp_received == []
        servers.add_user("carol", "pw")
        assert servers.messages("carol") == []
    assert not os.path.exists(base)
    assert not _port_listening(servers.host, servers.imap_port)
    assert not _port_listening(servers.host, servers.smtp_port)


def test_fixed_ports_and_reused_base_dir(state_dir):
    base = pathlib.Path(state_dir, "servers")
    ports = dict(zip(harness.PORT_NAMES, harness._free_ports(6, "127.0.0.1"), strict=True))
    with harness.MailServers.start(str(base), ports=ports) as servers:
        assert servers.ports == ports
        servers.add_user("dave", "pw", email="dave@example.com")
        servers.deliver("dave", _message("kept"))
        ca = open(servers.ca_file, "rb").read()
    assert base.is_dir()  # not a temporary folder: kept
    with harness.MailServers.start(str(base), ports=ports) as servers:
        assert open(servers.ca_file, "rb").read() == ca  # same CA: clients keep trusting
        assert servers.users["dave"]["email"] == "dave@example.com"
        assert len(servers.messages("dave")) == 1
    with pytest.raises(ValueError):
        harness.MailServers.start(str(base), ports={"imap": 1, "pop3": 1})
    with pytest.raises(ValueError):
        harness.MailServers.start(str(base), ports={"nntp": 119})


def test_base_dir_must_be_reachable_by_the_mail_user(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root runs Dovecot's mail processes as another user")
    tmp_path.chmod(0o700)
    with pytest.raises(harness.MailServerError, match="not traversable"):
        harness.MailServers.start(str(tmp_path / "servers"))


def _port_listening(host, port):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def _dovecot_pids(base_dir):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if os.fsencode(base_dir) in cmdline and b"dovecot" in cmdline:
            pids.append(int(entry))
    return pids


def _wait(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_command_line(state_dir, how):
    base = pathlib.Path(state_dir, "demo")
    ports = dict(zip(harness.PORT_NAMES, harness._free_ports(6, "127.0.0.1"), strict=True))
    spec = ",".join(f"{name}={port}" for name, port in ports.items())
    process = subprocess.Popen(
        [sys.executable, HARNESS_FILE, "--base-dir", str(base), "--ports", spec,
         "--user", "erin:pa:ss:erin@example.com", "--user", "frank:pw"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        output = "".join(lines)
        assert "mail servers ready" in output, output
        assert f"127.0.0.1:{ports['smtps']}" in output
        info = json.loads((base / "servers.json").read_text())
        assert {name: info[name] for name in harness.PORT_NAMES} == ports
        assert info["ca_file"] in output
        context = harness.ssl.create_default_context(cafile=info["ca_file"])
        pop = poplib.POP3_SSL("127.0.0.1", ports["pop3s"], context=context)
        pop.user("erin")
        pop.pass_("pa:ss")  # the password may contain ':'
        pop.quit()
        with smtplib.SMTP_SSL("127.0.0.1", ports["smtps"], context=context) as client:
            client.login("frank", "pw")
            client.sendmail("frank@example.com", ["erin@example.com"], _message("demo"))
        assert _dovecot_pids(str(base))
        if how == "sigterm":
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        else:  # the owner dies hard: the watchdog still stops Dovecot
            process.kill()
            process.wait(timeout=10)
        assert _wait(lambda: not _dovecot_pids(str(base))), _dovecot_pids(str(base))
        assert not _port_listening("127.0.0.1", ports["imap"])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    # the demo mailbox survives a restart of the servers on the same base_dir
    with harness.MailServers.start(str(base), ports=ports) as servers:
        assert len(servers.messages("erin")) == 1


def test_server_without_junk_and_move():
    """``junk_folder=False`` and ``imap_capability_drop``: a server as some providers
    run them (no \\Junk folder, no MOVE), for the fallbacks of the mailbox."""
    with harness.MailServers.start(junk_folder=False, imap_capability_drop=("MOVE",)) as servers:
        login = _login() + "@example.com"
        servers.add_user(login, "pw")
        assert "Junk" not in servers.folders(login)
        with servers.imap(login) as conn:
            capabilities = conn.capability()[1][-1].decode().upper().split()
        assert "MOVE" not in capabilities
        assert {"UIDPLUS", "SPECIAL-USE", "CONDSTORE"} <= set(capabilities)
