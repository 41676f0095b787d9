"""Upgrade check: e-mails stored before conversations are grouped into them.

``seed`` runs with the previous release (no conversations) and stores, in two
folders of one account, an order request, its reply (References) in another folder,
a later "Odp:" of the same customer without References (subject fallback), and an
unrelated e-mail; ``check`` expects three of them in one conversation, the fourth
alone, and one newest e-mail per conversation and folder.
"""

FOLDERS = ("MAE-UPGRADE-THREADS-A", "MAE-UPGRADE-THREADS-B")
IDS = {
    "order": "<mae-upgrade-thread-order@example.com>",
    "reply": "<mae-upgrade-thread-reply@example.com>",
    "again": "<mae-upgrade-thread-again@example.com>",
    "other": "<mae-upgrade-thread-other@example.com>",
}


def _folders(env, account):
    Folder = env["mail.account.folder"]
    root = account._root_folder()
    return [Folder.search([("account_id", "=", account.id), ("server_name", "=", name)])
            or Folder.create({"account_id": account.id, "role": "other", "name": name,
                              "server_name": name, "parent_id": root.id})
            for name in FOLDERS]


def seed(env):
    account = env["mail.account"].search([], limit=1, order="id")
    first, second = _folders(env, account)
    customer = "Zbigniew Łódź <zbigniew@klient.example.com>"
    rows = [
        ("order", first, "Zamówienie 17", customer, account.email, False, "2026-03-02 09:00"),
        ("reply", second, "Re: Zamówienie 17", account.email, customer, IDS["order"],
         "2026-03-02 11:00"),
        ("again", first, "Odp: Zamówienie 17", customer, account.email, False,
         "2026-03-05 08:00"),
        ("other", first, "Newsletter", "news@example.org", account.email, False,
         "2026-03-04 08:00"),
    ]
    env["mail.account.message"].sudo().create([{
        "account_id": account.id, "folder_id": folder.id, "message_id": IDS[key],
        "subject": subject, "email_from": sender, "email_to": to, "date": date,
        "references": references, "in_reply_to": references, "is_seen": key != "again",
    } for key, folder, subject, sender, to, references, date in rows])


def check(env):
    Message = env["mail.account.message"].sudo()
    messages = {key: Message.search([("message_id", "=", msgid)]) for key, msgid in IDS.items()}
    missing = [key for key, message in messages.items() if len(message) != 1]
    if missing:
        return [f"seeded e-mails not found: {missing}"]
    problems = []
    without = Message.search_count([("conversation_id", "=", False)])
    if without:
        problems.append(f"{without} e-mails without conversation")
    conversation = messages["order"].conversation_id
    for key in ("reply", "again"):
        if messages[key].conversation_id != conversation:
            problems.append(f"{key!r} is not in the order's conversation")
    if messages["other"].conversation_id == conversation:
        problems.append("the unrelated e-mail joined the order's conversation")
    if conversation.message_count != 3 or conversation.unread_count != 1:
        problems.append(f"conversation counts {conversation.message_count} e-mails, "
                        f"{conversation.unread_count} unread (expected 3 and 1)")
    heads = {key for key, message in messages.items() if message.is_conversation_head}
    if heads != {"reply", "again", "other"}:
        problems.append(f"newest per folder: {sorted(heads)} (expected again, other, reply)")
    return problems
