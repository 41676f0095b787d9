"""Upgrade check: databases of 18.0.1.0.0 get the background fetch of open mailboxes.

18.0.1.1.0 adds ``mail_account.fetch_requested_date`` and the cron
``ir_cron_mail_account_fetch_requested`` (in a ``noupdate`` data file: created by the
upgrade, as it did not exist). ``seed`` runs on the previous version with demo data (nothing
to repair: it marks the run); ``check`` runs after the upgrade: the column exists, no
account waits for a request it never made, the cron exists, is active and runs the
requested fetches. Run by
``dev/devenv.py test`` (see ``test_upgrade`` there), not by pytest.
"""

from odoo.tools.sql import column_exists

KEY = "mail_accounts_ext.upgrade_check.fetch_request_cron"
CRON = "mail_accounts_ext.ir_cron_mail_account_fetch_requested"


def seed(env):
    # the previous version has no such column: nothing to repair, only to mark the run
    env["ir.config_parameter"].sudo().set_param(KEY, "seeded")


def check(env):
    problems = []
    if not column_exists(env.cr, "mail_account", "fetch_requested_date"):
        return ["mail_account.fetch_requested_date was not created by the upgrade"]
    env.cr.execute("SELECT count(*) FROM mail_account WHERE fetch_requested_date IS NOT NULL")
    if env.cr.fetchone()[0]:
        problems.append("accounts wait for a fetch nobody asked for")
    if not env["ir.config_parameter"].sudo().get_param(KEY):
        problems.append("the check was not seeded on the previous version")
    cron = env.ref(CRON, raise_if_not_found=False)
    if not cron:
        return [*problems, f"{CRON} was not created by the upgrade"]
    if not cron.active or "_cron_fetch_requested" not in (cron.code or ""):
        problems.append(f"{CRON} is inactive or does not fetch the requested accounts")
    return problems
