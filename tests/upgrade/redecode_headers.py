"""Upgrade check: subjects and names stored with stray spaces are repaired.

``seed`` runs with the previous release, whose parser stored folded Polish and
Ukrainian headers with a space where the mailer folded ("dost awa"): it stores
three e-mails the way that release did. ``check`` runs after the upgrade.
"""

import base64
from email.message import EmailMessage

SUBJECT = ("Zapytanie ofertowe – krzesła biurowe, dostawa do Łodzi, termin realizacji "
           "i warunki płatności")
SENDER = "Олександра Григорівна Ковальчук-Шевченко z Przedsiębiorstwa Łódź"
IDS = {
    "sent": "<mae-upgrade-redecode-sent@example.com>",
    "imap": "<mae-upgrade-redecode-imap@example.com>",
    "ascii": "<mae-upgrade-redecode-ascii@example.com>",
}


def _raw(message_id, subject, sender=SENDER):
    message = EmailMessage()
    message["Message-Id"] = message_id
    message["From"] = f'"{sender}" <sender@example.com>'
    message["To"] = "klient@example.com"
    message["Subject"] = subject
    message.set_content("Treść")
    return message.as_bytes()


def _folder(env):
    account = env["mail.account"].search([], limit=1, order="id")
    Folder = env["mail.account.folder"]
    folder = Folder.search([("account_id", "=", account.id),
                            ("server_name", "=", "MAE-UPGRADE")], limit=1)
    return account, folder or Folder.create({
        "account_id": account.id, "role": "other", "name": "MAE-UPGRADE",
        "server_name": "MAE-UPGRADE", "parent_id": account._root_folder().id})


def seed(env):
    from odoo.addons.mail_accounts_ext.tools import parse

    account, folder = _folder(env)
    Message = env["mail.account.message"].sudo()
    for key, subject in (("sent", SUBJECT), ("imap", SUBJECT),
                         ("ascii", "A plain ASCII subject long enough to be folded by the "
                          "mailer somewhere in the middle of it")):
        raw = _raw(IDS[key], subject, SENDER if key != "ascii" else "Plain Sender")
        extra = {"imap_uid": 4242 + len(key), "server_folder_id": folder.id}
        if key == "sent":
            extra = {"state": "sent", "needs_upload": True,
                     "upload_raw": base64.b64encode(raw)}
        Message.create(Message._values_from_parsed(account, folder, parse.parse_message(raw),
                                                   **extra))


def check(env):
    problems = []
    Message = env["mail.account.message"].sudo()
    found = {key: Message.search([("message_id", "=", message_id)])
             for key, message_id in IDS.items()}
    for key, message in found.items():
        if len(message) != 1:
            problems.append(f"{key}: {len(message)} seeded e-mails found")
    if problems:
        return problems
    sent, imap, ascii_ = found["sent"], found["imap"], found["ascii"]
    if sent.subject != SUBJECT:
        problems.append(f"sent copy not decoded again: {sent.subject!r}")
    if sent.email_from != f"{SENDER} <sender@example.com>":
        problems.append(f"sent copy sender not decoded again: {sent.email_from!r}")
    if "dostawa do lodzi" not in (sent.search_text or ""):
        problems.append(f"sent copy search text not repaired: {sent.search_text!r}")
    if sent.refetch_pending:
        problems.append("sent copy marked for download although repaired")
    if not imap.refetch_pending:
        problems.append("IMAP e-mail with non-ASCII headers not marked for download")
    if ascii_.refetch_pending:
        problems.append("ASCII-only e-mail marked for download")
    return problems
