"""Upgrade check: accounts do not claim a provider whose servers they do not use.

``seed`` (previous version, demo data) makes the demo company account say "Gmail"
while it uses the demo servers, as the old *Add account* form saved a Gmail address
changed to another domain, and turns the demo personal account into a real Gmail one;
``check`` (after the upgrade) wants the first without a provider, the second still
Gmail. Run by ``dev/devenv.py test`` (``test_upgrade``), not by pytest.
"""

WRONG = "sales@demo.example.com"
RIGHT = "admin@demo.example.com"


def _preset(env, email):
    env.cr.execute("SELECT preset FROM mail_account WHERE email = %s", [email])
    row = env.cr.fetchone()
    return row[0] if row else "(no such account)"


def seed(env):
    # Plain SQL: the old code's write rules are not what is being tested here.
    env.cr.execute("UPDATE mail_account SET preset = 'gmail' WHERE email = %s", [WRONG])
    env.cr.execute(
        "UPDATE mail_account SET preset = 'gmail', incoming_host = 'imap.gmail.com', "
        "smtp_host = 'smtp.gmail.com' WHERE email = %s", [RIGHT])


def check(env):
    problems = []
    if _preset(env, WRONG) not in (None, False, ""):
        problems.append(f"{WRONG} still claims the provider {_preset(env, WRONG)!r} "
                        "with other servers than its own")
    if _preset(env, RIGHT) != "gmail":
        problems.append(f"{RIGHT} uses Gmail's servers but lost its provider "
                        f"({_preset(env, RIGHT)!r})")
    return problems
