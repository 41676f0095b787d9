#!/usr/bin/env python3
# pylint: disable=print-used
"""Benchmark: Change protocol from POP3 to IMAP, copying N stored messages to IMAP.

Prints the copy rate (messages/s) of the copy job of the *Change protocol* wizard,
end to end: the messages are read from Odoo's mailbox storage (headers, HTML body,
attachments from the filestore), rebuilt as MIME messages, uploaded with pipelined
APPEND into a new folder of the new IMAP account, and each chunk's report lines are
committed. Not a test: it needs the dev environment.

    python3 benchmarks/bench_change_protocol.py [--messages 1000] [--markdown FILE]

What it does (the database and the mail servers as ``bench_mailbox_sync.py``):
a POP3 account whose first fetch stores N generated business e-mails (text, 40% with
HTML, 10% with a 30 KB PDF), then, each in its own process, outside test mode:

1. ``switch``: the wizard tests the IMAP settings, creates the new account and
   archives the old one; then *Copy e-mails* of the old Inbox into the folder
   ``Archive`` of the new account, run by the copy job's cron method to the end;
2. ``again``: the same copy once more: every message is found already there.
"""

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "dev"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_mailbox_sync as base  # noqa: E402

ADDON = "mail_accounts_ext"
PASSWORD = base.PASSWORD
LOGIN = "bench-switch@example.com"
TARGET = "Archive"


def worker(args):
    with base.worker_env(args) as (env, info):
        if args.worker == "setup":
            print(json.dumps(_setup(env, info)))
            return 0
        rss_before = base._rss_mb()  # pylint: disable=protected-access
        started = time.perf_counter()
        counts = _run(env, args.worker, info)
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(counts, scenario=args.worker, seconds=elapsed,
                          per_second=counts["total"] / elapsed if elapsed else 0.0,
                          rss_before_mb=rss_before, peak_rss_mb=peak)))
    return 0


def _setup(env, info):
    env["ir.config_parameter"].set_param("mail_accounts_ext.ca_file", info["ca_file"])
    account = base.add_account(env, info, LOGIN, "pop3", info["pop3_port"])
    result = account._fetch_mail()[account.id]  # pylint: disable=protected-access
    if not result["ok"]:
        raise SystemExit(f"fetch failed: {result['message']}")
    env.cr.commit()
    stored = env["mail.account.message"].search_count([("account_id", "=", account.id)])
    return {"account": account.id, "stored": stored}


def _run(env, scenario, info):
    admin = env.ref("base.user_admin")
    Job = env["mail.account.copy.job"]
    old = env["mail.account"].with_context(active_test=False).browse(info["account"])
    inbox = old._existing_folder("inbox")  # pylint: disable=protected-access
    if scenario == "switch":
        action = old.with_user(admin).action_change_protocol()
        wizard = env[action["res_model"]].with_user(admin).browse(action["res_id"])
        wizard.write({"incoming_port": info["imap_port"], "incoming_security": "none"})
        wizard.action_test_and_save()
        if wizard.test_state != "passed":
            raise SystemExit(f"switch failed: {wizard.test_message}")
        wizard.write({"source_folder_ids": [(6, 0, inbox.ids)], "target_folder": TARGET})
        env.cr.commit()
        wizard.action_copy()
        job = wizard.job_id
    else:
        new = env["mail.account"].search([("email", "=", LOGIN), ("active", "=", True)])
        messages = env["mail.account.message"].search([("folder_id", "=", inbox.id)])
        job = Job._create_job(old, new, TARGET, messages)  # pylint: disable=protected-access
        env.cr.commit()
    env.cr.commit()
    started = time.perf_counter()
    Job._cron_copy()  # pylint: disable=protected-access
    copy_seconds = time.perf_counter() - started
    job.invalidate_recordset()
    return {"total": job.count_total, "copied": job.count_copied,
            "exists": job.count_exists, "failed": job.count_failed,
            "copy_seconds": copy_seconds}


def _spawn(db, name, info):
    return base.spawn(__file__, db, name, info)


def _markdown(results, count, size):
    lines = [
        f"| {count} stored messages ({size:.1f} MB) to IMAP | copied | already there | "
        "failed | time, end to end | messages/s | copy job alone | messages/s | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {"switch": "switch POP3 -> IMAP + copy job", "again": "same copy again"}
    for result in results:
        lines.append(
            f"| {labels[result['scenario']]} | {result['copied']} | {result['exists']} | "
            f"{result['failed']} | {result['seconds']:.1f} s | {result['per_second']:.0f} | "
            f"{result['copy_seconds']:.1f} s | {result['total'] / result['copy_seconds']:.0f} | "
            f"{result['peak_rss_mb']:.0f} MB |")
    return "\n".join(lines)


def _drive(args, db):
    mailservers = base.harness()

    raws = base.make_messages(args.messages, seed=3)
    size = sum(map(len, raws)) / 1024 / 1024
    results = []
    with mailservers.MailServers.start() as servers:
        info = {"host": servers.host, "imap_port": servers.imap_port,
                "pop3_port": servers.pop3_port, "smtp_port": servers.smtp_port,
                "ca_file": servers.ca_file}
        servers.add_user(LOGIN, PASSWORD, email=LOGIN)
        base._deliver(servers, LOGIN, raws)  # pylint: disable=protected-access
        info.update(_spawn(db, "setup", info))
        print(f"stored {info['stored']} messages ({size:.1f} MB) in the POP3 account",
              flush=True)
        for name in ("switch", "again"):
            result = _spawn(db, name, info)
            results.append(result)
            print(f"{name:7} {result['total']} messages: {result['copied']} copied, "
                  f"{result['exists']} already there, {result['failed']} failed in "
                  f"{result['seconds']:.1f} s = {result['per_second']:.0f} messages/s, "
                  f"peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
        on_server = len(servers.messages(LOGIN, TARGET))
        print(f"{TARGET} on the server holds {on_server} messages", flush=True)
    return _markdown(results, args.messages, size)


def main(argv=None):
    return base.run(__doc__, __file__, argv, messages=1000, database="bench_switch",
                    worker=worker, drive=_drive)


if __name__ == "__main__":
    sys.exit(main())
