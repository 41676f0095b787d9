#!/usr/bin/env python3
"""Benchmark: copy rate of stored messages into an IMAP folder (Change protocol copy step).

Starts the real loopback dovecot of the test harness, then uploads N messages
(default 1,000, ~3 kB each, with a small attachment) three ways and prints messages/s:
pipelined APPEND with LITERAL+ (what the addon does), the same with a smaller window,
and one APPEND per round trip (imaplib's own ``append``). Target: >= 300 messages/s.

    .dev/venv/bin/python benchmarks/bench_imap_append.py [N]
"""

import email.policy
import os
import sys
import time
import types
import uuid
from email.message import EmailMessage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for name, path in (("mail_accounts_ext", os.path.join(ROOT, "mail_accounts_ext")),
                   ("mail_accounts_ext.tests", os.path.join(ROOT, "mail_accounts_ext", "tests"))):
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules.setdefault(name, module)

from mail_accounts_ext.tests.mailservers import MailServers  # noqa: E402
from mail_accounts_ext.tools import connection, imap_append  # noqa: E402


def make_messages(count):
    raws = []
    for i in range(count):
        msg = EmailMessage()
        msg["From"] = "Zofia <zofia@example.com>"
        msg["To"] = "taras@example.com"
        msg["Subject"] = f"Wersja robocza {i}"
        msg["Message-ID"] = f"<bench-{i}-{uuid.uuid4().hex}@example.com>"
        msg.set_content("Treść wiadomości\n" * 40)
        msg.add_attachment(b"x" * 1024, maintype="application", subtype="octet-stream",
                           filename="a.bin")
        raws.append(msg.as_bytes(policy=email.policy.SMTP))
    return raws


def run(servers, login, label, raws, **kwargs):
    conn = connection.open_imap(servers.host, servers.imap_port, "starttls", login, "pw",
                                timeout=30, ssl_context=servers.ssl_context())
    sequential = kwargs.pop("sequential", False)
    if sequential:
        conn.capabilities = tuple(c for c in conn.capabilities if not c.startswith("LITERAL"))
    uploads = [imap_append.Upload(i, raw) for i, raw in enumerate(raws)]
    started = time.perf_counter()
    results = imap_append.append_messages(conn, label, uploads, **kwargs)
    elapsed = time.perf_counter() - started
    conn.logout()
    copied = sum(1 for r in results if r.status == imap_append.COPIED)
    print(f"{label:<28} {copied:>6} copied in {elapsed:6.2f} s = {copied / elapsed:8.0f} msg/s")
    return copied / elapsed


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    raws = make_messages(count)
    size = sum(map(len, raws)) / len(raws)
    print(f"{count} messages of {size / 1024:.1f} kB on a loopback dovecot")
    with MailServers.start() as servers:
        login = "bench@example.com"
        servers.add_user(login, "pw", email=login)
        run(servers, login, "pipelined-window-64", raws, window=64)
        run(servers, login, "pipelined-window-8", raws, window=8)
        run(servers, login, "one-append-per-round-trip", raws, sequential=True)


if __name__ == "__main__":
    main()
