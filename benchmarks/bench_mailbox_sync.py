#!/usr/bin/env python3
# pylint: disable=print-used
"""Benchmark: a mailbox of N messages from Dovecot into Odoo, over IMAP and POP3.

Compares the mailbox sync of mail_accounts_ext with Odoo core's ``fetchmail.server``
on the same mailbox in the same run, and prints messages/s stored and committed and
the peak memory (RSS) of each run. Not a test: it needs the dev environment.

    python3 benchmarks/bench_mailbox_sync.py [--messages 1000] [--markdown FILE]

What it does: copies the dev template database (``dev/devenv.py``: venv, private
PostgreSQL cluster) into ``<MAE_DB_PREFIX>_bench``, installs the addon, starts the
loopback mail servers of ``mail_accounts_ext/tests/mailservers.py``, appends the same
generated messages (text, HTML, 10% with a PDF) to two mailboxes, then runs each
scenario in its own process (so that its peak RSS is its own), outside test mode,
with commits as in production:

1. mailbox, IMAP: the account's first sync (all folders; only INBOX has mail), then
   the next sync with no new mail;
2. Odoo core fetchmail, IMAP, same mailbox: ``fetch_mail()`` creating one task per
   message (``object_id`` project.task), as a core gateway does;
3. mailbox, POP3: the account's first fetch of the second mailbox (same kind of
   mail, other Message-Ids: core skips Message-Ids it has already processed);
4. Odoo core fetchmail, POP3, same mailbox as 3 (core deletes what it fetched: last).

Plain (unencrypted) loopback connections for all, to compare the processing.
"""

import argparse
import contextlib
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "dev"))
import devenv  # noqa: E402  (dev/devenv.py: standard library only)

ADDON = "mail_accounts_ext"
SCENARIOS = ("mailbox-imap", "mailbox-imap-again", "core-imap", "mailbox-pop3", "core-pop3")
PASSWORD = "bench-pw"


# --------------------------------------------------------------------------- messages


def make_messages(count, seed=1):
    """Realistic small business mail: plain text, HTML alternatives, some PDFs."""
    from email.message import EmailMessage
    from email.utils import format_datetime

    rng = random.Random(seed)
    words = ("invoice order delivery payment offer contract meeting report quote "
             "shipment project review schedule budget update request confirm").split()
    pdf = b"%PDF-1.4\n" + bytes(rng.getrandbits(8) for _ in range(30_000))
    messages = []
    now = time.time()
    for index in range(count):
        message = EmailMessage()
        message["Message-Id"] = f"<bench-{seed}-{index}@bench.example.com>"
        message["From"] = f"Customer {index % 50} <customer{index % 50}@example.com>"
        message["To"] = "office@example.com"
        if index % 7 == 0:
            message["Cc"] = "sales@example.com, boss@example.com"
        message["Subject"] = " ".join(rng.choice(words) for _ in range(5)).capitalize()
        message["Date"] = format_datetime(
            datetime.datetime.fromtimestamp(now - index * 60).astimezone())
        text = "\n\n".join(" ".join(rng.choice(words) for _ in range(40))
                           for _ in range(rng.randint(2, 12)))
        message.set_content(text)
        if index % 10 < 4:
            html = "".join(f"<p>{paragraph}</p>" for paragraph in text.split("\n\n"))
            message.add_alternative(f"<html><body><div>{html}</div></body></html>",
                                    subtype="html")
        if index % 10 == 9:
            message.add_attachment(pdf, maintype="application", subtype="pdf",
                                   filename=f"document-{index}.pdf")
        messages.append(message.as_bytes())
    return messages


# --------------------------------------------------------------------------- Odoo side


def _odoo_env(db):
    import odoo
    from odoo.tools import config

    odoo_src, _why = devenv.find_odoo()
    config.parse_config([
        "-d", db, f"--db_host={devenv.PG_SOCKET}", f"--db_port={devenv.PG_PORT}",
        f"--db_user={devenv.DB_USER}", f"--data-dir={devenv.DEV / 'filestore'}",
        f"--addons-path={Path(odoo_src) / 'addons'},{ROOT}", "--log-level=warn",
    ])
    odoo.netsvc.init_logger()
    return odoo


@contextlib.contextmanager
def worker_env(args):
    """In a worker process: the superuser environment of ``--db`` (no tracking) and
    the ``--info`` dict; committed at the end of the block."""
    odoo = _odoo_env(args.db)
    from odoo import SUPERUSER_ID, api

    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True}), json.loads(args.info)
        cr.commit()


def setup_or_measure(setup, measure):
    """The ``worker`` of a benchmark whose worker processes either fill the database
    (``--worker setup``: ``setup(env, messages)``) or measure (``measure(env, info)``);
    each prints its result as one JSON line."""

    def worker(args):
        with worker_env(args) as (env, info):
            if args.worker == "setup":
                result = setup(env, info["messages"])
            else:
                result = measure(env, info)
        print(json.dumps(result))
        return 0

    return worker


def _rss_mb():
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def worker(args):
    """One scenario (or the setup) in this process; prints one JSON line."""
    with worker_env(args) as (env, info):
        if args.worker == "setup":
            print(json.dumps(_setup(env, info)))
            return 0
        rss_before = _rss_mb()
        started = time.perf_counter()
        stored = _run(env, args.worker, info)
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"scenario": args.worker, "messages": stored, "seconds": elapsed,
                      "per_second": stored / elapsed if elapsed else 0.0,
                      "rss_before_mb": rss_before, "peak_rss_mb": peak}))
    return 0


def _setup(env, info):
    env["ir.config_parameter"].set_param("mail_accounts_ext.ca_file", info["ca_file"])
    accounts = {}
    for protocol, login in (("imap", info["imap_login"]), ("pop3", info["pop_login"])):
        port = info["imap_port"] if protocol == "imap" else info["pop3_port"]
        accounts[protocol] = add_account(env, info, login, protocol, port).id
    task_model = env["ir.model"]._get("project.task")
    servers = {}
    for kind, login, port in (("imap", info["imap_login"], info["imap_port"]),
                              ("pop", info["pop_login"], info["pop3_port"])):
        server = env["fetchmail.server"].create({
            "name": f"bench {kind}", "server_type": kind, "server": info["host"],
            "port": port, "is_ssl": False, "user": login, "password": PASSWORD,
            "object_id": task_model.id, "state": "done",
        })
        servers[kind] = server.id
    env.cr.commit()
    return {"accounts": accounts, "fetchmail": servers}


def _run(env, scenario, info):
    if scenario.startswith("mailbox-"):
        protocol = scenario.split("-")[1]
        account = env["mail.account"].browse(info["accounts"][protocol])
        result = account._fetch_mail()[account.id]
        if not result["ok"]:
            raise SystemExit(f"{scenario}: {result['message']}")
        if scenario.endswith("-again"):
            return result["report"].fetched
        return env["mail.account.message"].search_count([("account_id", "=", account.id)])
    kind = scenario.split("-")[1].replace("pop3", "pop")
    env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
    before = env.cr.fetchone()[0]
    env["fetchmail.server"].browse(info["fetchmail"][kind]).fetch_mail()
    return env["mail.message"].search_count([("id", ">", before),
                                             ("message_type", "=", "email")])


# --------------------------------------------------------------------------- driver


def spawn(script, db, name, info):
    """Run scenario ``name`` of ``script`` in a process of its own; its JSON result."""
    out = subprocess.run(
        [sys.executable, script, "--worker", name, "--db", db, "--info", json.dumps(info)],
        capture_output=True, text=True, env=devenv.pg_env(), check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise SystemExit(f"{name} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


def _spawn(db, name, info):
    return spawn(__file__, db, name, info)


def _deliver(servers, login, raws):
    with servers.imap(login) as conn:
        for raw in raws:
            typ, data = conn.append("INBOX", None, None, raw)
            if typ != "OK":
                raise SystemExit(f"APPEND failed: {data!r}")


def _markdown(results, count):
    by = {result["scenario"]: result for result in results}
    lines = [
        f"| {count} messages from Dovecot | stored + committed | messages/s | "
        "peak RSS | RSS growth |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = {
        "mailbox-imap": "mailbox, IMAP (first sync)",
        "mailbox-imap-again": "mailbox, IMAP, next sync (no new mail)",
        "core-imap": "Odoo core fetchmail, IMAP",
        "mailbox-pop3": "mailbox, POP3 (first fetch)",
        "core-pop3": "Odoo core fetchmail, POP3",
    }
    for name in SCENARIOS:
        if name not in by:
            continue
        result = by[name]
        if name.endswith("-again"):
            lines.append(f"| {labels[name]} | {result['messages']} in "
                         f"{result['seconds'] * 1000:.0f} ms | - | "
                         f"{result['peak_rss_mb']:.0f} MB | "
                         f"{result['peak_rss_mb'] - result['rss_before_mb']:.0f} MB |")
            continue
        lines.append(
            f"| {labels[name]} | {result['messages']} in {result['seconds']:.1f} s | "
            f"{result['per_second']:.0f} | {result['peak_rss_mb']:.0f} MB | "
            f"{result['peak_rss_mb'] - result['rss_before_mb']:.0f} MB |")
    return "\n".join(lines)


def add_account(env, info, login, protocol, port):
    """An account of the administrator on the harness, through the setup wizard (its
    connection test passes), copying every e-mail at the first sync."""
    wizard = env["mail.account.setup"].with_user(env.ref("base.user_admin")).create({
        "email": login, "name": login, "incoming_protocol": protocol,
        "incoming_host": info["host"], "incoming_port": port, "incoming_security": "none",
        "incoming_login": login, "incoming_password": PASSWORD,
        "smtp_host": info["host"], "smtp_port": info["smtp_port"],
        "smtp_security": "starttls", "smtp_login": login, "smtp_password": PASSWORD,
    })
    action = wizard.action_test_and_save()
    if action.get("res_model") != "mail.account":
        raise SystemExit(f"account setup failed: {wizard.test_message}")
    account = env["mail.account"].browse(action["res_id"])
    account.write({"sync_days": 0, "sync_max_messages": 0})
    return account


def parse_arguments(doc, argv, messages):
    """The command line of the benchmarks: ``--messages``, ``--markdown``, ``--keep-db``
    and the options a benchmark passes to its own worker processes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--messages", type=int, default=messages)
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--info", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def reexec_in_venv(script):
    """Run ``script`` again with the dev environment's Python (Odoo on its path)."""
    venv_python = Path(devenv.venv_python())
    if Path(sys.prefix).resolve() != devenv.VENV.resolve() and venv_python.exists():
        os.execve(str(venv_python), [str(venv_python), script, *sys.argv[1:]],
                  devenv.pg_env())


def install_database(suffix):
    """A fresh database from the template with the addon installed; its name."""
    odoo_src, why = devenv.find_odoo()
    if not odoo_src:
        raise SystemExit(f"No Odoo 18 found ({why}).")
    devenv.pg_start()
    db = f"{devenv.DB_PREFIX}_{suffix}"
    devenv.copy_db(devenv.ensure_template(odoo_src, demo=False), db)
    print(f"installing {ADDON} in {db} ...", flush=True)
    rc, log = devenv.odoo_run(odoo_src, db, ["-i", ADDON, "--without-demo=all",
                                             "--stop-after-init"], "bench-install")
    if rc:
        print(log[-3000:])
        raise SystemExit("installing the addon failed")
    return db


def harness():
    """The real mail server harness module (mail_accounts_ext/tests/mailservers.py)."""
    sys.path.insert(0, str(ROOT / ADDON / "tests"))
    import mailservers  # noqa: PLC0415 - found on the path just set

    return mailservers


def finish(table, args, db):
    """Print the table (and write it with --markdown); drop the database unless kept."""
    print()
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    if not args.keep_db:
        with contextlib.suppress(Exception):
            devenv.drop_db(db)
    return 0


def run(doc, script, argv, *, messages, database, worker, drive):
    """The command of a benchmark: in the dev environment's Python, either one worker
    process (``--worker``: ``worker(args)``) or the driver: a fresh database named after
    ``database``, ``drive(args, db)`` returning the table, then :func:`finish`."""
    args = parse_arguments(doc, argv, messages=messages)
    reexec_in_venv(script)
    if args.worker:
        return worker(args)
    db = install_database(database)
    return finish(drive(args, db), args, db)


def _drive(args, db):
    mailservers = harness()

    # The same kind of mail in both mailboxes, with their own Message-Ids: core skips
    # a Message-Id it already processed (the IMAP runs) as a duplicate.
    mailboxes = {"imap": make_messages(args.messages, seed=1),
                 "pop": make_messages(args.messages, seed=2)}
    size = sum(map(len, mailboxes["imap"])) / 1024 / 1024
    results = []
    with mailservers.MailServers.start() as servers:
        info = {"host": servers.host, "imap_port": servers.imap_port,
                "pop3_port": servers.pop3_port, "smtp_port": servers.smtp_port,
                "ca_file": servers.ca_file, "imap_login": "bench-imap@example.com",
                "pop_login": "bench-pop@example.com"}
        for login in (info["imap_login"], info["pop_login"]):
            servers.add_user(login, PASSWORD, email=login)
        started = time.perf_counter()
        _deliver(servers, info["imap_login"], mailboxes["imap"])
        _deliver(servers, info["pop_login"], mailboxes["pop"])
        print(f"appended {args.messages} messages ({size:.1f} MB) to two mailboxes in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        info.update(_spawn(db, "setup", info))
        for name in SCENARIOS:
            result = _spawn(db, name, info)
            results.append(result)
            growth = result["peak_rss_mb"] - result["rss_before_mb"]
            print(f"{name:13} {result['messages']:5} messages in {result['seconds']:6.1f} s"
                  f" = {result['per_second']:7.1f} messages/s, peak RSS "
                  f"{result['peak_rss_mb']:.0f} MB (+{growth:.0f})", flush=True)
    return _markdown(results, args.messages)


def main(argv=None):
    return run(__doc__, __file__, argv, messages=1000, database="bench", worker=worker,
               drive=_drive)


if __name__ == "__main__":
    sys.exit(main())
