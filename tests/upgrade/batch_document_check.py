"""Upgrade check: *Print & e-mail* profiles keep their nothing-to-send check.

18.0.1.0.0 stored a method name in ``mail_batch_profile.check_method``;
``migrations/18.0.1.1.0/post-batch-document-check.py`` turns ``_mae_has_document`` into
the declared check ``has_document`` (``document_check``) and leaves profiles that named
another method without check. ``seed`` runs on the previous version with demo data (its
data profiles use ``_mae_has_document``) and gives one profile another method name;
``check`` runs after the upgrade. Run by ``dev/devenv.py test``, not by pytest.
"""

import json

KEY = "mail_accounts_ext.upgrade_check.batch_document_check"


def seed(env):
    env.cr.execute(
        "SELECT id FROM mail_batch_profile WHERE check_method = '_mae_has_document' ORDER BY id")
    checked = [row[0] for row in env.cr.fetchall()]
    env.cr.execute(
        "SELECT id FROM mail_batch_profile WHERE coalesce(check_method, '') = '' ORDER BY id")
    unchecked = [row[0] for row in env.cr.fetchall()]
    other = checked.pop() if checked else None
    if other:  # a method the documents may have, but no declared check
        env.cr.execute("UPDATE mail_batch_profile SET check_method = '_mae_report_lang' "
                       "WHERE id = %s", [other])
    env["ir.config_parameter"].sudo().set_param(KEY, json.dumps({
        "checked": checked, "unchecked": unchecked, "other": other,
    }))


def check(env):
    seeded = json.loads(env["ir.config_parameter"].sudo().get_param(KEY) or "{}")
    if not seeded:
        return ["the seed's data is missing"]
    if not seeded["checked"] or not seeded["other"]:
        return ["the previous version's demo data has no profile with _mae_has_document"]
    problems = []
    Profile = env["mail.batch.profile"].with_context(active_test=False)
    for profile in Profile.browse(seeded["checked"]):
        if profile.document_check != "has_document":
            problems.append(f"profile {profile.id} lost its check (document_check = "
                            f"{profile.document_check!r}, was _mae_has_document)")
    for profile in Profile.browse(seeded["unchecked"] + [seeded["other"]]):
        if profile.document_check:
            problems.append(f"profile {profile.id} got the check {profile.document_check!r} "
                            "it did not have")
    return problems
