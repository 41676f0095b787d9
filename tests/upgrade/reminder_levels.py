"""Upgrade check of ``migrations/18.0.1.1.0/post-reminder-levels.py``.

``seed`` runs in a database where 18.0.1.0.0 is installed (no reminder levels then):
it adds a second company, as an existing multi-company database has. ``check`` runs after
``-u mail_accounts_ext``: every company, the seeded one included, has the three default
levels in escalation order.
"""

SEED_COMPANY = "Upgrade Check Reminder Levels Sp. z o.o."
EXPECTED_TITLES = ["1st reminder", "2nd reminder", "Final notice before legal action"]


def seed(env):
    if "account.reminder.level" in env.registry:
        raise AssertionError("seed must run on the previous version (no reminder levels)")
    env["res.company"].create({"name": SEED_COMPANY})


def check(env):
    problems = []
    if "account.reminder.level" not in env.registry:
        return ["the model account.reminder.level does not exist after the upgrade"]
    companies = env["res.company"].with_context(active_test=False).search([])
    if SEED_COMPANY not in companies.mapped("name"):
        problems.append(f"the seeded company {SEED_COMPANY!r} is missing")
    for company in companies:
        levels = env["account.reminder.level"].with_context(lang="en_US").search(
            [("company_id", "=", company.id)])
        titles = levels.mapped("name")
        if titles != EXPECTED_TITLES:
            problems.append(f"{company.name}: reminder levels {titles}, "
                            f"expected {EXPECTED_TITLES}")
            continue
        days = levels.mapped("days_overdue")
        if days != sorted(days) or len(set(days)) != len(days):
            problems.append(f"{company.name}: days overdue {days} do not escalate")
        if not levels[2].body:
            problems.append(f"{company.name}: the final notice has no text")
        if company.reminder_interval_days <= 0:
            problems.append(f"{company.name}: days between reminders "
                            f"{company.reminder_interval_days}")
    return problems
