# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Accounts that claim a provider whose servers they do not use lose the claim.

Up to 18.0.1.0.0 the *Add account* form kept the provider found for a first address
(e.g. Gmail) when the address was changed to another domain, and saved it: the account
said "Provider: Gmail" and *Change protocol* proposed pop.gmail.com. The provider is
kept only when the account's incoming and outgoing servers are that provider's.
"""

import logging

from odoo.addons.mail_accounts_ext.tools import presets

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute("SELECT id, preset, incoming_host, smtp_host FROM mail_account "
               "WHERE preset IS NOT NULL AND preset != ''")
    wrong = []
    for account_id, code, incoming_host, smtp_host in cr.fetchall():
        preset = presets.get_preset(code)
        if not preset or not presets.matches_servers(preset, incoming_host, smtp_host):
            wrong.append(account_id)
    if wrong:
        cr.execute("UPDATE mail_account SET preset = NULL WHERE id IN %s", [tuple(wrong)])
        _logger.info("%s e-mail account(s) no longer claim a provider whose servers they "
                     "do not use", len(wrong))
