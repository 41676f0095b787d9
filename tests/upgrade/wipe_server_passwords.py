"""Upgrade check: no outgoing server of an e-mail account holds a password after upgrade.

18.0.1.0.0 copied each account's SMTP password onto its ``ir.mail_server``;
``migrations/18.0.1.1.0/post-wipe-server-passwords.py`` wipes those copies. ``seed``
runs on the previous version with demo data: it makes sure every account server holds
a copy (the old code made one already for the demo accounts) and adds a server of no
account whose password must survive. ``check`` runs after the upgrade. Run by
``dev/devenv.py test`` (see ``test_upgrade`` there), not by pytest.
"""

import json

KEY = "mail_accounts_ext.upgrade_check.wipe_server_passwords"
OTHER_SERVER = "mae upgrade check: relay of no account"
OTHER_PASSWORD = "relay-secret-kept"


def _account_servers(env):
    env.cr.execute("SELECT id, smtp_pass FROM ir_mail_server WHERE mail_account_id IS NOT NULL")
    return dict(env.cr.fetchall())


def _accounts_with_password(env):
    env.cr.execute("SELECT count(*) FROM mail_account WHERE coalesce(smtp_password, '') != ''")
    return env.cr.fetchone()[0]


def seed(env):
    env.cr.execute(
        """
        UPDATE ir_mail_server SET smtp_pass = 'legacy-copy-' || id
         WHERE mail_account_id IS NOT NULL AND coalesce(smtp_pass, '') = ''
        """
    )
    other = env["ir.mail_server"].create({
        "name": OTHER_SERVER, "smtp_host": "relay.example.com", "smtp_port": 587,
        "smtp_encryption": "starttls", "smtp_user": "relay", "smtp_pass": OTHER_PASSWORD,
    })
    env["ir.config_parameter"].sudo().set_param(KEY, json.dumps({
        "account_servers": len(_account_servers(env)),
        "accounts_with_password": _accounts_with_password(env),
        "other_server": other.id,
    }))


def check(env):
    seeded = json.loads(env["ir.config_parameter"].sudo().get_param(KEY) or "{}")
    if not seeded:
        return ["the seed's data is missing"]
    problems = []
    if not seeded["account_servers"]:
        problems.append("the previous version's demo data has no account server to wipe")
    servers = _account_servers(env)
    if len(servers) < seeded["account_servers"]:
        problems.append(f"{seeded['account_servers']} account servers before the upgrade, "
                        f"{len(servers)} after")
    problems += [f"ir_mail_server {server_id} of an e-mail account still holds a password"
                 for server_id, password in sorted(servers.items()) if password]
    if _accounts_with_password(env) < seeded["accounts_with_password"]:
        problems.append("the accounts lost their own SMTP passwords")
    env.cr.execute("SELECT smtp_pass FROM ir_mail_server WHERE id = %s",
                   [seeded["other_server"]])
    row = env.cr.fetchone()
    if not row or row[0] != OTHER_PASSWORD:
        problems.append("the password of a server that belongs to no account was changed")
    return problems
