# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail* profiles pick their nothing-to-send check from a selection.

18.0.1.0.0 stored the name of a method of the documents (``check_method``, a Char,
called with ``getattr``); ``document_check`` now names a check the documents declare
(``mail.thread._mae_batch_check``). The only method the addon offered,
``_mae_has_document``, becomes ``has_document``; a profile naming any other method is
left without check (its documents are no longer skipped) and said so in the log.
"""

import logging

from odoo.tools.sql import column_exists

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version or not column_exists(cr, "mail_batch_profile", "check_method"):
        return
    cr.execute(
        """
        UPDATE mail_batch_profile
           SET document_check = 'has_document'
         WHERE check_method = '_mae_has_document'
           AND document_check IS NULL
        """
    )
    _logger.info("Print & e-mail profiles: %s use the check has_document", cr.rowcount)
    cr.execute(
        """
        SELECT id, check_method FROM mail_batch_profile
         WHERE coalesce(check_method, '') NOT IN ('', '_mae_has_document')
        """
    )
    for profile_id, method in cr.fetchall():
        _logger.info("Print & e-mail profile %s: its check %s is not a declared check, "
                     "the profile has none now", profile_id, method)
