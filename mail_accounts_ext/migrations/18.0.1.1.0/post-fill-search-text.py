# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The mailbox search text of e-mails stored before 18.0.1.1.0.

Sender, recipients, subject, attachment names and body text, normalised
(``tools/search_text.document``), in batches read and written with SQL: the
ORM would load every body at once.
"""

import logging

from psycopg2.extras import execute_values

from odoo.tools import split_every
from odoo.tools.sql import column_exists

from odoo.addons.mail_accounts_ext.tools import search_text

_logger = logging.getLogger(__name__)
BATCH = 2000


def migrate(cr, version):
    if not version or not column_exists(cr, "mail_account_message", "search_text"):
        return
    cr.execute("SELECT id FROM mail_account_message WHERE search_text IS NULL ORDER BY id")
    ids = [row[0] for row in cr.fetchall()]
    for batch in split_every(BATCH, ids, list):
        cr.execute(
            """SELECT id, subject, email_from, email_to, email_cc, body_html
                 FROM mail_account_message WHERE id = ANY(%s)""", [batch])
        rows = cr.fetchall()
        cr.execute(
            """SELECT res_id, name FROM ir_attachment
                WHERE res_model = 'mail.account.message' AND res_id = ANY(%s)
                ORDER BY id""", [batch])
        names = {}
        for res_id, name in cr.fetchall():
            names.setdefault(res_id, []).append(name or "")
        values = [
            (message_id, search_text.document(
                subject=subject or "", email_from=email_from or "", email_to=email_to or "",
                email_cc=email_cc or "", body_html=body or "",
                attachment_names=names.get(message_id, ())))
            for message_id, subject, email_from, email_to, email_cc, body in rows
        ]
        execute_values(
            cr._obj,
            """UPDATE mail_account_message m SET search_text = v.text
                 FROM (VALUES %s) AS v(id, text) WHERE m.id = v.id""",
            values, page_size=500)
    _logger.info("mailbox search text filled for %s e-mails", len(ids))
