# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    mail_account_id = fields.Many2one(
        "mail.account", string="E-mail Account", readonly=True, index="btree_not_null",
        ondelete="cascade",
        help="This server sends the mail of one e-mail account only: Odoo never picks it "
        "on its own for other mail.",
    )

    @api.model
    def _find_mail_server(self, email_from, mail_servers=None):
        """Never choose an account's private server by address or as a fallback.

        Core picks a server by ``from_filter`` and, failing that, any server at all;
        mail that should leave through an account names its ``mail_server_id``.
        """
        if mail_servers is None:
            mail_servers = self.sudo().search([("mail_account_id", "=", False)], order="sequence")
        else:
            mail_servers = mail_servers.filtered(lambda server: not server.mail_account_id)
        return super()._find_mail_server(email_from, mail_servers=mail_servers)
