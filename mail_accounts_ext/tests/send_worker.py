# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A second Odoo worker for the exactly-once tests: one OS process, production code.

``test_send_exactly_once`` starts several of these against the test database while
its own transaction stays out of the way. Each one loads the registry like a server
worker (outside test mode: it commits, ``send_after_commit`` really waits for the
commit) and plays one part:

- ``after_commit``: what the mailbox composer does, a few mails per transaction:
  ``send_after_commit()`` then commit, so the mails leave from a new cursor after it;
- ``cron``: the *Email Queue Manager* (``process_email_queue``) in a loop, as fast as it
  can, until none of the mails is outgoing any more;
- ``sync``: one fetch of the given accounts (uploads what is still pending).

Once its registry is loaded it prints ``ready`` and waits for a line on stdin, so that
the workers start together; at the end it prints one JSON line (what it did) on stdout.
Logs go to stderr.
"""

import argparse
import json
import sys
import time


def add_server_arguments(parser):
    """The options ``tests/common.start_worker`` passes: the database and the server's."""
    parser.add_argument("--db", required=True)
    parser.add_argument("--ids", required=True, help="comma-separated record ids")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--db-host", dest="db_host")
    parser.add_argument("--db-port", dest="db_port")
    parser.add_argument("--db-user", dest="db_user")
    parser.add_argument("--db-password", dest="db_password")


def _registry(args):
    import odoo
    from odoo.tools import config

    options = ["-d", args.db, "--log-level=warn", f"--addons-path={args.addons_path}",
               f"--data-dir={args.data_dir}"]
    for name in ("db_host", "db_port", "db_user", "db_password"):
        value = getattr(args, name)
        if value:
            options.append(f"--{name}={value}")
    config.parse_config(options)
    odoo.netsvc.init_logger()
    return odoo.modules.registry.Registry(args.db)


def _outgoing(registry, ids):
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM mail_mail WHERE id = ANY(%s) AND state = 'outgoing'",
                   [ids])
        return cr.fetchone()[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("after_commit", "cron", "sync"))
    add_server_arguments(parser)
    parser.add_argument("--chunk", type=int, default=5)
    parser.add_argument("--deadline", type=float, default=120.0)
    args = parser.parse_args(argv)
    registry = _registry(args)
    from odoo import SUPERUSER_ID, api

    ids = [int(value) for value in args.ids.split(",") if value]
    # loaded: say so, then start when told (all workers at once)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    started = time.monotonic()
    deadline = started + args.deadline
    rounds = 0
    if args.mode == "after_commit":
        for start in range(0, len(ids), args.chunk):
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["mail.mail"].browse(ids[start:start + args.chunk]).send_after_commit()
            rounds += 1
    elif args.mode == "cron":
        while time.monotonic() < deadline:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["mail.mail"].process_email_queue()
            rounds += 1
            if not _outgoing(registry, ids):
                break
    else:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            results = env["mail.account"].browse(ids)._fetch_mail()
            rounds = sum(1 for result in results.values() if result["ok"])
    outgoing = _outgoing(registry, ids) if args.mode != "sync" else None
    sys.stdout.write(json.dumps({"mode": args.mode, "rounds": rounds, "outgoing": outgoing,
                                 "seconds": round(time.monotonic() - started, 2)}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
