#!/usr/bin/env python3
"""Benchmark: *Print & e-mail* of posted invoices, end to end, against core's Send & Print.

    python3 benchmarks/bench_batch.py [--sizes 50,200] [--core 20]

What it does (everything real, nothing mocked):

1. sets up what is missing with ``dev/devenv.py`` (virtualenv, PostgreSQL cluster, template
   database) and installs the addon in a database of its own (``<prefix>_bench``);
2. starts the test harness' SMTP server (aiosmtpd, STARTTLS + AUTH) and an Odoo HTTP server
   (without cron threads) that serves the report style sheets to wkhtmltopdf
   (``report.url``);
3. for each size N, in a fresh process: creates N posted invoices for customers with an
   e-mail address, then, timed, does what a billing user and the cron do: *Print & e-mail*
   from the wizard, then the cron method until every line is done (a PDF rendered per
   invoice, a chatter post, a mail sent through the user's e-mail account);
4. in the same way, core's one-invoice *Send & Print* (``account.move.send.wizard``, as the
   invoice form's button), repeated for ``--core`` invoices of the same kind, each sent
   through an Odoo outgoing mail server on the same SMTP server, with core's default
   JavaScript delay (``report.print_delay``, 1000 ms) and with 50 ms.

Printed per run: seconds per document, SQL queries per document (the same on any
machine, under any load), CPU time per document of the Odoo process and of its
wkhtmltopdf processes (work, not waiting: less disturbed by other work on the machine
than the wall time, but not immune to it), peak RSS of the Odoo process and of the
largest wkhtmltopdf process, and the mails the SMTP server received (which must equal
the documents).
"""

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
import types
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "dev"))

import devenv  # noqa: E402

BENCH_LOGIN = "bench.billing@example.com"
BENCH_PASSWORD = "bench-secret"
CUSTOMERS = 20
WARM_UP = 4


def say(text):
    print(f"[bench] {text}", flush=True)


# ---------------------------------------------------------------------------
# Orchestrator (any python3): environment, servers, one process per measurement
# ---------------------------------------------------------------------------

def orchestrate(args):
    odoo_src, why = devenv.find_odoo()
    if not odoo_src:
        raise SystemExit(f"No Odoo 18 found ({why}). Set ODOO_SRC.")
    devenv.setup_venv(odoo_src)
    devenv.pg_start()
    db = f"{devenv.DB_PREFIX}_bench"
    say(f"database {db}: fresh copy of the template, installing {devenv.ADDON}")
    devenv.copy_db(devenv.ensure_template(odoo_src, demo=False), db)
    rc, log = devenv.odoo_run(odoo_src, db, ["-i", devenv.ADDON, "--without-demo=all",
                                             "--stop-after-init"], "bench-install")
    if rc:
        print(log[-3000:])
        raise SystemExit("installing the addon failed")
    # the rest runs under the virtualenv's python, which has Odoo's dependencies
    command = [str(devenv.venv_python()), __file__, "--serve", "--db", db,
               "--odoo-src", odoo_src, "--sizes", args.sizes, "--core", str(args.core)]
    return subprocess.run(command, env=devenv.pg_env(), check=False).returncode


def serve(args):
    """Start the SMTP and HTTP servers, run each measurement in its own process."""
    harness = _import_harness()
    db = args.db
    http_port = devenv.free_port()
    log_file = devenv.LOGS / "bench-http.log"
    devenv.LOGS.mkdir(parents=True, exist_ok=True)
    http = subprocess.Popen(
        [str(part) for part in devenv.odoo_cmd(args.odoo_src, db, "--max-cron-threads=0",
                                               f"--logfile={log_file}", "--log-level=warn",
                                               http_port=http_port)],
        env=devenv.pg_env(), start_new_session=True,
    )
    servers = harness.MailServers.start()
    try:
        servers.add_user(BENCH_LOGIN, BENCH_PASSWORD, email=BENCH_LOGIN)
        _wait_http(http_port, http)
        common = ["--db", db, "--odoo-src", args.odoo_src, "--http-port", str(http_port),
                  "--smtp-port", str(servers.smtp_port), "--imap-port", str(servers.imap_port),
                  "--ca-file", servers.ca_file]
        _measure(servers, common + ["--measure", "prepare"])
        say("warm-up (assets, fonts, first wkhtmltopdf runs)")
        _measure(servers, common + ["--measure", "batch", "--n", str(WARM_UP)])
        results = []
        load_before = os.getloadavg()
        for size in [int(size) for size in args.sizes.split(",") if size]:
            say(f"Print & e-mail: {size} invoices")
            results.append(_measure(servers, common + ["--measure", "batch", "--n", str(size)]))
        if args.core:
            for delay in ("1000", "50"):
                say(f"core Send & Print, one invoice at a time: {args.core} invoices, "
                    f"report.print_delay={delay} ms")
                results.append(_measure(servers, common + [
                    "--measure", "core", "--n", str(args.core), "--print-delay", delay]))
        _report(results, load_before, os.getloadavg())
    finally:
        servers.stop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(http.pid, 15)
        with contextlib.suppress(subprocess.TimeoutExpired):
            http.wait(timeout=20)
    return 0


def _import_harness():
    for name, path in (("mail_accounts_ext", ROOT / "mail_accounts_ext"),
                       ("mail_accounts_ext.tests", ROOT / "mail_accounts_ext" / "tests")):
        module = types.ModuleType(name)
        module.__path__ = [str(path)]
        sys.modules.setdefault(name, module)
    from mail_accounts_ext.tests import mailservers

    return mailservers


def _wait_http(port, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the Odoo HTTP server stopped; see .dev/logs/bench-http.log")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=30):
                return
        time.sleep(0.5)
    raise SystemExit("the Odoo HTTP server did not answer")


def _measure(servers, worker_args):
    servers.clear_smtp()
    completed = subprocess.run(
        [sys.executable, __file__, *worker_args], env=devenv.pg_env(), check=False,
        capture_output=True, text=True,
    )
    if completed.returncode:
        print(completed.stdout[-3000:], completed.stderr[-5000:])
        raise SystemExit(f"measurement {worker_args[-3:]} failed")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    # documents only: the batch's "done" notification to the billing user is not one
    documents = [item for item in servers.smtp_received if BENCH_LOGIN not in item.rcpt_tos]
    result["smtp_received"] = len(documents)
    result["smtp_logins"] = sorted({item.login for item in documents if item.login})
    return result


def _report(results, load_before=None, load_after=None):
    print()
    header = (f"{'run':<46} {'docs':>5} {'s/doc':>6} {'queries/doc':>11} {'Odoo CPU ms':>11} "
              f"{'wkhtml CPU ms':>13} {'Odoo MB':>8} {'+wkhtml MB':>10} {'mails':>6}")
    print(header)
    print("-" * len(header))
    for result in results:
        print(f"{result['label']:<46} {result['n']:>5} {result['seconds_per_doc']:>6.3f} "
              f"{result['queries_per_doc']:>11.1f} {result['odoo_cpu_ms_per_doc']:>11.1f} "
              f"{result['wkhtml_cpu_ms_per_doc']:>13.1f} {result['peak_rss_mb']:>8.0f} "
              f"{result['tree_rss_mb']:>10.0f} {result['smtp_received']:>6}")
    print()
    print(f"CPUs: {os.cpu_count()}. s/doc, queries/doc, CPU ms: per document. Odoo CPU ms: "
          "CPU time of the Odoo process (its Python and its side of the queries, not "
          "PostgreSQL's work); wkhtml CPU ms: of its wkhtmltopdf processes; both vary less "
          "than s/doc with other work on the machine, queries/doc not at all. Odoo MB: peak "
          "RSS of the Odoo process; +wkhtml MB: peak of the Odoo process and its wkhtmltopdf "
          "processes together (sampled every 20 ms); mails: documents the SMTP server "
          "received.")
    if load_before and load_after:
        print("Load average (1, 5, 15 min) before the runs: "
              f"{' '.join(f'{value:.2f}' for value in load_before)}; after: "
              f"{' '.join(f'{value:.2f}' for value in load_after)} "
              "(other work on the machine slows every run).")
    out = devenv.DEV / "bench-batch.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    say(f"figures written to {out.relative_to(ROOT)}")
    bad = [result for result in results if result["smtp_received"] != result["n"]]
    if bad:
        details = [(result["label"], result["n"], result["smtp_received"]) for result in bad]
        raise SystemExit(f"mails lost or duplicated: {details}")


# ---------------------------------------------------------------------------
# Worker (virtualenv python): one measurement in a fresh Odoo process
# ---------------------------------------------------------------------------

def worker(args):
    import odoo
    from odoo import api
    from odoo.tools import config

    config.parse_config([
        f"--addons-path={Path(args.odoo_src) / 'addons'},{ROOT}",
        f"--db_host={devenv.PG_SOCKET}", f"--db_port={devenv.PG_PORT}",
        f"--db_user={devenv.DB_USER}", f"--data-dir={devenv.DEV / 'filestore'}",
        "--log-level=warn",
    ])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        if args.measure == "prepare":
            result = _prepare(env, args)
        elif args.measure == "batch":
            result = _bench_batch(env, args)
        else:
            result = _bench_core(env, args)
    print(json.dumps(result))
    return 0


def _prepare(env, args):
    """Billing user with an e-mail account on the bench SMTP server, customers, the
    report URL, and a plain Odoo outgoing server for core's path."""
    from odoo import Command

    icp = env["ir.config_parameter"].sudo()
    icp.set_param("report.url", f"http://127.0.0.1:{args.http_port}")
    icp.set_param("mail_accounts_ext.ca_file", args.ca_file)
    company = env.ref("base.main_company")
    company.write({"email": "billing@bench.example.com"})
    user = env["res.users"].create({
        "name": "Bench Billing", "login": "bench_billing", "email": BENCH_LOGIN,
        "company_id": company.id, "company_ids": [Command.set(company.ids)],
        # core's Send & Print writes the customer's preferred sending method
        "groups_id": [Command.set([env.ref("base.group_user").id,
                                   env.ref("base.group_partner_manager").id,
                                   env.ref("account.group_account_invoice").id])],
    })
    # the account is added as users add theirs: the setup wizard tests it for real
    wizard = env["mail.account.setup"].with_user(user).create({
        "email": BENCH_LOGIN, "name": "Bench billing",
        "incoming_protocol": "imap", "incoming_host": "127.0.0.1",
        "incoming_port": args.imap_port, "incoming_security": "starttls",
        "incoming_login": BENCH_LOGIN, "incoming_password": BENCH_PASSWORD,
        "smtp_host": "127.0.0.1", "smtp_port": args.smtp_port, "smtp_security": "starttls",
        "smtp_login": BENCH_LOGIN, "smtp_password": BENCH_PASSWORD,
    })
    action = wizard.action_test_and_save()
    if action.get("res_model") != "mail.account":
        raise SystemExit(f"the bench account could not be set up: {wizard.test_message}")
    account = env["mail.account"].browse(action["res_id"])
    env["ir.mail_server"].sudo().create({
        "name": "Bench SMTP (core)", "smtp_host": "127.0.0.1", "smtp_port": args.smtp_port,
        "smtp_encryption": "starttls", "smtp_authentication": "login",
        "smtp_user": BENCH_LOGIN, "smtp_pass": BENCH_PASSWORD, "sequence": 1,
    })
    env["res.partner"].create([
        {"name": f"Bench Customer {index:02d}", "email": f"bench.customer{index:02d}@example.org",
         "is_company": True, "company_id": False}
        for index in range(CUSTOMERS)
    ])
    env.cr.commit()
    return {"label": "prepare", "n": 0, "user_id": user.id, "account_id": account.id}


def _invoices(env, count):
    from odoo import Command

    partners = env["res.partner"].search([("name", "=like", "Bench Customer %")],
                                         order="name")
    moves = env["account.move"].create([{
        "move_type": "out_invoice",
        "partner_id": partners[index % len(partners)].id,
        "invoice_date": "2026-02-01",
        "invoice_line_ids": [Command.create({
            "name": f"Consulting, line {line + 1}", "quantity": 2,
            "price_unit": 125.0 + index,
        }) for line in range(5)],
    } for index in range(count)])
    moves.action_post()
    env.cr.commit()
    return moves


def _user(env):
    return env["res.users"].search([("login", "=", "bench_billing")])


def _rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


class RssSampler(threading.Thread):
    """Peak resident memory of this process and, at the same moment, of all of its
    child processes together (the wkhtmltopdf runs), sampled every 20 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop_event = threading.Event()
        self.peak_total = self.peak_children = 0.0

    def run(self):
        pid = os.getpid()
        while not self.stop_event.wait(0.02):
            children = sum(_rss_mb(child) for child in _children(pid))
            self.peak_children = max(self.peak_children, children)
            self.peak_total = max(self.peak_total, _rss_mb(pid) + children)

    def stop(self):
        self.stop_event.set()
        self.join()


def _cpu_seconds():
    """CPU time (user + system) of this process and of its waited-for children (the
    wkhtmltopdf runs) so far: unlike the wall time, hardly changed by other work on
    the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _cpu_per_doc(started_cpu, n):
    own, children = _cpu_seconds()
    return {"odoo_cpu_ms_per_doc": (own - started_cpu[0]) * 1000 / n,
            "wkhtml_cpu_ms_per_doc": (children - started_cpu[1]) * 1000 / n}


def _usage(sampler):
    sampler.stop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_rss_mb": own, "child_rss_mb": sampler.peak_children,
            "tree_rss_mb": max(sampler.peak_total, own)}


def _bench_batch(env, args):
    import odoo

    moves = _invoices(env, args.n)
    user = _user(env)
    Batch = env["mail.batch"]
    sampler = RssSampler()
    sampler.start()
    started_queries = odoo.sql_db.sql_counter
    started_cpu = _cpu_seconds()
    started = time.perf_counter()
    wizard = env["mail.batch.send"].with_user(user).with_context(
        active_model="account.move", active_ids=moves.ids).create({})
    wizard.action_send()
    env.cr.commit()
    for _round in range(10 * args.n + 10):
        Batch._cron_process(job_count=20)
        env.cr.commit()
        if not env["mail.batch.line"].search_count([("state", "in", ("pending", "queued"))]):
            break
    elapsed = time.perf_counter() - started
    queries = odoo.sql_db.sql_counter - started_queries
    batch = Batch.search([], limit=1, order="id desc")
    if batch.sent_count != args.n:
        raise SystemExit(f"{batch.sent_count} of {args.n} sent: "
                         f"{batch.line_ids.filtered(lambda line: line.error)[:1].error}")
    return {"label": "Print & e-mail (this addon)", "n": args.n,
            "seconds_per_doc": elapsed / args.n, "queries_per_doc": queries / args.n,
            "seconds": elapsed, **_cpu_per_doc(started_cpu, args.n), **_usage(sampler)}


def _bench_core(env, args):
    import odoo

    env["ir.config_parameter"].sudo().set_param("report.print_delay", args.print_delay)
    moves = _invoices(env, args.n)
    user = _user(env)
    sampler = RssSampler()
    sampler.start()
    started_queries = odoo.sql_db.sql_counter
    started_cpu = _cpu_seconds()
    started = time.perf_counter()
    for move in moves:
        wizard = env["account.move.send.wizard"].with_user(user).with_context(
            active_model="account.move", active_ids=move.ids).create({})
        wizard.action_send_and_print()
        env.cr.commit()  # core sends the mail after the commit
    elapsed = time.perf_counter() - started
    queries = odoo.sql_db.sql_counter - started_queries
    env["ir.config_parameter"].sudo().set_param("report.print_delay", "1000")
    env.cr.commit()
    return {"label": f"core Send & Print, one invoice (delay {args.print_delay} ms)",
            "n": args.n, "seconds_per_doc": elapsed / args.n,
            "queries_per_doc": queries / args.n, "seconds": elapsed,
            **_cpu_per_doc(started_cpu, args.n), **_usage(sampler)}


# ---------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200", help="batch sizes, e.g. 50,200")
    parser.add_argument("--core", type=int, default=20,
                        help="invoices sent one by one through core's Send & Print (0: skip)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--odoo-src", help=argparse.SUPPRESS)
    parser.add_argument("--http-port", help=argparse.SUPPRESS)
    parser.add_argument("--smtp-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--imap-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ca-file", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--print-delay", default="1000", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        return worker(args)
    if args.serve:
        return serve(args)
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
