# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Subjects and names stored with stray spaces before 18.0.1.1.0.

Until 18.0.1.0.0 a header folded between two encoded words (most long Polish and
Ukrainian subjects and names) was stored with a space inside a word ("dost awa").
The stored text alone cannot tell such a space from a real one, so the e-mails are
decoded again from their original:

* the original is still in the database (a sent copy waiting to be appended to the
  IMAP Sent folder, ``upload_raw``): decoded again now;
* the original is on the server (an IMAP UID, a POP3 UIDL): marked
  ``refetch_pending``; the next sync downloads it again and decodes subject, names
  and attachment names (``mail.account.message._apply_refetched``);
* otherwise (POP3 mail deleted from the server, archived accounts that no longer
  sync) it stays as it is.

Only e-mails whose subject, names or attachment names hold non-ASCII text are
concerned: the broken decoding came from encoded words, which mailers use for
non-ASCII text.
"""

import base64
import logging

from odoo import SUPERUSER_ID, api
from odoo.tools.sql import column_exists

from odoo.addons.mail_accounts_ext.tools import parse

_logger = logging.getLogger(__name__)
NON_ASCII = "[^\x01-\x7f]"


def migrate(cr, version):
    if not version or not column_exists(cr, "mail_account_message", "refetch_pending"):
        return
    cr.execute(
        """SELECT m.id FROM mail_account_message m
            WHERE m.subject ~ %(re)s OR m.email_from ~ %(re)s OR m.email_to ~ %(re)s
               OR m.email_cc ~ %(re)s OR m.reply_to ~ %(re)s
               OR EXISTS (SELECT 1 FROM ir_attachment a
                           WHERE a.res_model = 'mail.account.message' AND a.res_id = m.id
                             AND a.name ~ %(re)s)
            ORDER BY m.id""", {"re": NON_ASCII})
    ids = [row[0] for row in cr.fetchall()]
    if not ids:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    messages = env["mail.account.message"].browse(ids)
    with_raw = messages.filtered("upload_raw")
    for message in with_raw:
        message._apply_refetched(parse.parse_message(base64.b64decode(message.upload_raw)))
    rest = messages - with_raw
    on_server = rest.filtered(
        lambda m: (m.imap_uid and m.server_folder_id) or m.pop_uidl)
    on_server.write({"refetch_pending": True})
    _logger.info(
        "mailbox headers: %s e-mails decoded again, %s to download again at the next sync, "
        "%s left as they are (no original available)",
        len(with_raw), len(on_server), len(rest - on_server))
