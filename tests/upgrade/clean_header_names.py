"""Upgrade check of ``migrations/18.0.1.1.0/post-clean-header-names.py``.

``seed`` runs on the previous version (18.0.1.0.0, demo data), which accepted control
characters in names: it puts a carriage return and line feed in an account's name and a
tab and a C1 control in its sender name, by SQL. ``check`` runs after
``-u mail_accounts_ext``: no name of any account holds a control character, the seeded
ones read as cleaned, and the account's outgoing server carries the clean name.
"""

import re

# C0 (tab, CR, LF included), DEL, C1, and the Unicode line/paragraph separators.
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
SEEDED_NAME = "Eve\r\nBcc: x@evil.test"
SEEDED_SENDER_NAME = "Sales\tTeam\x85 (shared)"
CLEAN_NAME = "Eve Bcc: x@evil.test"
CLEAN_SENDER_NAME = "Sales Team (shared)"


def seed(env):
    env.cr.execute("SELECT min(id) FROM mail_account")
    account_id = env.cr.fetchone()[0]
    if not account_id:
        env["mail.account"]._demo_create_accounts()
        env.cr.execute("SELECT min(id) FROM mail_account")
        account_id = env.cr.fetchone()[0]
    env.cr.execute(
        "UPDATE mail_account SET name = %s, sender_name = %s WHERE id = %s",
        [SEEDED_NAME, SEEDED_SENDER_NAME, account_id],
    )


def check(env):
    problems = []
    env.cr.execute("SELECT id, name, sender_name, mail_server_id FROM mail_account")
    rows = env.cr.fetchall()
    for account_id, name, sender_name, _server_id in rows:
        for label, value in (("name", name), ("sender name", sender_name)):
            if value and CONTROL_RE.search(value):
                problems.append(f"account {account_id}: {label} {value!r} still holds "
                                f"control characters")
    seeded = [row for row in rows if row[1] == CLEAN_NAME]
    if not seeded:
        problems.append(f"no account named {CLEAN_NAME!r}: the seeded name was not cleaned")
    for account_id, _name, sender_name, server_id in seeded:
        if sender_name != CLEAN_SENDER_NAME:
            problems.append(f"account {account_id}: sender name {sender_name!r}, "
                            f"expected {CLEAN_SENDER_NAME!r}")
        if server_id:
            env.cr.execute("SELECT name FROM ir_mail_server WHERE id = %s", [server_id])
            server_name = env.cr.fetchone()[0]
            if CONTROL_RE.search(server_name) or CLEAN_NAME not in server_name:
                problems.append(f"account {account_id}: its outgoing server is named "
                                f"{server_name!r}")
    return problems
