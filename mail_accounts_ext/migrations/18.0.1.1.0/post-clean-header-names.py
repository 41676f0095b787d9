# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Names with line breaks or other control characters are refused from 18.0.1.1.0 on:
they go into the From of every mail of the account, which then fails. Accounts saved
before get each control character replaced by a space (runs of spaces collapsed), and
their outgoing mail server its name again."""

from odoo import SUPERUSER_ID, api

from odoo.addons.mail_accounts_ext.tools.headers import clean_text, control_characters


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT id, name, sender_name FROM mail_account")
    cleaned = []
    for account_id, name, sender_name in cr.fetchall():
        if not (control_characters(name) or control_characters(sender_name)):
            continue
        # the name is required: a name of control characters only becomes "?"
        cr.execute(
            "UPDATE mail_account SET name = %s, sender_name = %s WHERE id = %s",
            [clean_text(name) or "?", clean_text(sender_name) or None, account_id],
        )
        cleaned.append(account_id)
    if cleaned:
        env = api.Environment(cr, SUPERUSER_ID, {})
        accounts = env["mail.account"].with_context(active_test=False).browse(cleaned)
        accounts.invalidate_recordset(["name", "sender_name"])
        accounts._sync_mail_server()
