# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """The web client of an internal user listens to the e-mail accounts the user
        may read (record rules: owner, listed users, company accounts, supervisors):
        the mailbox refreshes when their sync stores new mail
        (``mail.account._notify_new_mail``). The server picks the channels; a client
        cannot ask for another account's."""
        channels = super()._build_bus_channel_list(channels)
        user = self.env.user
        if user and user._is_internal():
            channels = [*channels, *self.env["mail.account"]._mailbox_bus_accounts()]
        return channels
