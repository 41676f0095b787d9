# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Accounts get a signature (18.0.1.1.0): personal accounts start with their owner's
Odoo signature, as new personal accounts do; company accounts stay without one."""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute("""
        UPDATE mail_account account
           SET signature = owner.signature
          FROM res_users owner
         WHERE account.owner_id = owner.id
           AND account.account_type = 'personal'
           AND (account.signature IS NULL OR account.signature = '')
           AND owner.signature IS NOT NULL AND owner.signature != ''
    """)
    _logger.info("%s personal e-mail account(s) got their owner's signature", cr.rowcount)
