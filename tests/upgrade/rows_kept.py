"""Upgrade check: an upgrade loses no account, folder, message or batch.

``seed`` runs on the previous version with demo data and remembers how many rows each
table holds; ``check`` runs after the upgrade and compares. Run by ``dev/devenv.py test``
(see ``test_upgrade`` there), not by pytest.
"""

import json

TABLES = ("mail_account", "mail_account_folder", "mail_account_message", "mail_batch",
          "mail_batch_line", "mail_batch_profile", "ir_mail_server")
KEY = "mail_accounts_ext.upgrade_check.rows"


def _counts(env):
    counts = {}
    for table in TABLES:
        env.cr.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
        counts[table] = env.cr.fetchone()[0]
    return counts


def seed(env):
    env["ir.config_parameter"].sudo().set_param(KEY, json.dumps(_counts(env)))


def check(env):
    before = json.loads(env["ir.config_parameter"].sudo().get_param(KEY) or "{}")
    if not before:
        return ["the seed's row counts are missing"]
    after = _counts(env)
    return [f"{table}: {before[table]} rows before the upgrade, {after[table]} after"
            for table in TABLES if after[table] < before[table]]
