# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The outgoing server of an e-mail account keeps no copy of the account's password.

18.0.1.0.0 copied ``mail_account.smtp_password`` into ``ir_mail_server.smtp_pass``
of the account's server; nothing read that copy (the account's own SMTP client reads
the account). Wipe the copies; servers that belong to no account keep theirs.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ir_mail_server
           SET smtp_pass = NULL
         WHERE mail_account_id IS NOT NULL
           AND smtp_pass IS NOT NULL
        """
    )
    _logger.info("e-mail accounts: wiped %s password copies on their outgoing servers",
                 cr.rowcount)
