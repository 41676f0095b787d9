"""Upgrade check: accounts of 18.0.1.0.0 sign in with their password after the upgrade.

The sign-in method is new (OAuth 2.0): existing accounts must get ``password``, keep
their tested state (the fingerprint of password accounts is unchanged) and have no
token. ``seed`` adds a tested account of its own on the previous version (other seeds
change the demo accounts' servers on purpose) and remembers every account; ``check``
runs after ``-u mail_accounts_ext``.
"""

import json

KEY = "mail_accounts_ext.upgrade_check.oauth_auth_method"
CONNECTION = {
    "email": "upgrade.oauth@example.com", "incoming_protocol": "imap",
    "incoming_host": "imap.example.com", "incoming_port": 993, "incoming_security": "ssl",
    "incoming_login": "upgrade.oauth@example.com", "incoming_password": "old-password",
    "smtp_host": "smtp.example.com", "smtp_port": 465, "smtp_security": "ssl",
    "smtp_login": "upgrade.oauth@example.com", "smtp_password": "old-password",
    "verify_certificates": True,
}


def seed(env):
    Account = env["mail.account"].sudo()
    # the old code's own way to store a tested configuration (as its demo data does)
    tested = Account.create(dict(
        CONNECTION, name="Upgrade: password account", account_type="company",
        owner_id=False, tested_fingerprint=Account._sign_settings(CONNECTION)))
    if not tested._is_tested():
        raise AssertionError("the seeded account is not tested on the previous version")
    accounts = Account.with_context(active_test=False).search([])
    env["ir.config_parameter"].sudo().set_param(
        KEY, json.dumps({"all": accounts.ids, "tested": tested.ids}))


def check(env):
    seeded = json.loads(env["ir.config_parameter"].sudo().get_param(KEY) or "{}")
    if not seeded.get("all"):
        return ["the seed found no account to upgrade"]
    Account = env["mail.account"].with_context(active_test=False)
    problems = []
    for account in Account.browse(seeded["all"]).exists():
        if account.auth_method != "password":
            problems.append(f"account {account.id}: sign-in method {account.auth_method!r}, "
                            "expected 'password'")
        if account.oauth_status:
            problems.append(f"account {account.id}: sign-in status {account.oauth_status!r}")
    for account in Account.browse(seeded["tested"]).exists():
        if not account._is_tested():
            problems.append(f"account {account.id}: no longer tested after the upgrade")
    tokens = env["mail.account.oauth.token"].sudo().search_count(
        [("account_id", "in", seeded["all"])])
    if tokens:
        problems.append(f"{tokens} OAuth token rows for upgraded accounts")
    return problems
