"""Upgrade check: e-mails stored before the search text have one and are found.

``seed`` runs with the previous release (no search text) and stores an e-mail with
a Polish body and an attachment; ``check`` searches it after the upgrade the way
the mailbox's search box does, without diacritics.
"""

MESSAGE_ID = "<mae-upgrade-search@example.com>"


def seed(env):
    account = env["mail.account"].search([], limit=1, order="id")
    folder = account._root_folder()
    Folder = env["mail.account.folder"]
    folder = Folder.search([("account_id", "=", account.id), ("server_name", "=",
                                                                "MAE-UPGRADE-SEARCH")]) \
        or Folder.create({"account_id": account.id, "role": "other",
                          "name": "MAE-UPGRADE-SEARCH", "server_name": "MAE-UPGRADE-SEARCH",
                          "parent_id": folder.id})
    message = env["mail.account.message"].sudo().create({
        "account_id": account.id, "folder_id": folder.id, "message_id": MESSAGE_ID,
        "subject": "Oferta", "email_from": "Zbigniew <z@example.com>",
        "body_html": "<p>Dostawa do Łodzi w przyszłym tygodniu, żółć gratis.</p>",
    })
    env["ir.attachment"].create({"name": "Specyfikacja_krzeseł.pdf", "raw": b"%PDF",
                                 "res_model": "mail.account.message", "res_id": message.id})


def check(env):
    problems = []
    Message = env["mail.account.message"].sudo()
    message = Message.search([("message_id", "=", MESSAGE_ID)])
    if len(message) != 1:
        return [f"{len(message)} seeded e-mails found"]
    missing = Message.search_count([("search_text", "=", False)])
    if missing:
        problems.append(f"{missing} e-mails without search text")
    for query in ("lodz", "ZOLC", "specyfikacja_krzesel", "zbigniew", "dostawa lodzi"):
        if message not in Message.search([("text_search", "ilike", query)]):
            problems.append(f"{query!r} does not find the e-mail")
    if message in Message.search([("text_search", "ilike", "warszawa")]):
        problems.append("'warszawa' finds the e-mail")
    return problems
