# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Conversations for the e-mails stored before 18.0.1.1.0.

The e-mails of each account are put into conversations in batches, oldest first, by
the same code the sync uses for a fetched chunk (References/In-Reply-To, then subject
and participants); then each conversation's newest e-mail per folder is marked for the
*Conversations* list.
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import split_every
from odoo.tools.sql import column_exists

_logger = logging.getLogger(__name__)
BATCH = 2000


def migrate(cr, version):
    if not version or not column_exists(cr, "mail_account_message", "conversation_id"):
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Message = env["mail.account.message"]
    cr.execute("""SELECT id FROM mail_account_message WHERE conversation_id IS NULL
                  ORDER BY account_id, date, id""")
    ids = [row[0] for row in cr.fetchall()]
    for batch in split_every(BATCH, ids, list):
        Message.browse(batch)._assign_conversations()
        env.invalidate_all()
    _logger.info("mailbox conversations filled for %s e-mails", len(ids))
