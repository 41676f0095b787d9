"""Upgrade check: personal accounts get their owner's signature, company ones none.

``seed`` (previous version, demo data: no signature column yet) gives the owner of the
demo personal account a signature of its own (Polish and Ukrainian); ``check`` (after
the upgrade) wants every personal account signed with its owner's signature and the
company account unsigned. Run by
``dev/devenv.py test`` (``test_upgrade``), not by pytest.
"""

PERSONAL = "admin@demo.example.com"
COMPANY = "sales@demo.example.com"
SIGNATURE = "<p>-- <br>Mitchell Admin, Dział Sprzedaży / Відділ продажу</p>"


def seed(env):
    # Plain SQL: the owner's signature as a user would have written it.
    env.cr.execute(
        "UPDATE res_users SET signature = %s WHERE id = "
        "(SELECT owner_id FROM mail_account WHERE email = %s)", [SIGNATURE, PERSONAL])


def check(env):
    problems = []
    env.cr.execute("SELECT email, signature FROM mail_account WHERE email IN %s",
                   [(PERSONAL, COMPANY)])
    signatures = dict(env.cr.fetchall())
    got = signatures.get(PERSONAL, "(no such account)")
    if got != SIGNATURE:
        problems.append(f"{PERSONAL} (personal) has the signature {got!r}, not its "
                        f"owner's {SIGNATURE!r}")
    got = signatures.get(COMPANY, "(no such account)")
    if got not in (None, ""):
        problems.append(f"{COMPANY} (company) got a signature: {got!r}")
    env.cr.execute("""
        SELECT a.email FROM mail_account a JOIN res_users u ON u.id = a.owner_id
         WHERE a.account_type = 'personal' AND u.signature IS NOT NULL
           AND u.signature != '' AND a.signature IS DISTINCT FROM u.signature""")
    for (address,) in env.cr.fetchall():
        problems.append(f"{address} (personal) does not carry its owner's signature")
    return problems
