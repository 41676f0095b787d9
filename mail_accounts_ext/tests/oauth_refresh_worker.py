# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A worker process for the concurrent refresh test: production code, real commits.

Loads the registry like a server worker (``send_worker._registry``), prints ``ready``,
waits for a line on stdin (all workers start together), then asks each account for
its access token (``mail.account._oauth_access_token``: a refresh when it expired) in
a transaction of its own, and prints one JSON line ``{"tokens": {id: token or error}}``.
"""

import argparse
import json
import sys

from send_worker import _registry, add_server_arguments


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    registry = _registry(args)
    from odoo import SUPERUSER_ID, api

    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    tokens = {}
    for account_id in (int(value) for value in args.ids.split(",") if value):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            try:
                tokens[account_id] = env["mail.account"].browse(account_id)._oauth_access_token()
            except Exception as error:  # noqa: BLE001 - reported to the test
                tokens[account_id] = f"error: {type(error).__name__}: {error}"
    sys.stdout.write(json.dumps({"tokens": tokens}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
