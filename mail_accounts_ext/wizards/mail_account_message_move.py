# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class MailAccountMessageMove(models.TransientModel):
    """*Move to folder...*: the selected e-mails (of one account) to a folder of it."""

    _name = "mail.account.message.move"
    _inherit = ["mail.account.message.selection"]
    _description = "Move e-mails to a folder"

    account_id = fields.Many2one(
        "mail.account", string="E-mail Account", compute="_compute_account_id",
    )
    folder_id = fields.Many2one(
        "mail.account.folder", required=True,
        domain="[('account_id', '=', account_id), ('role', '!=', 'account')]",
        help="A folder of the e-mails' account. IMAP: the copies on the mail server move "
        "too; POP3: the folders are kept in Odoo only.",
    )

    # ------------------------------------------------------------------
    # DEFAULTS, COMPUTES
    # ------------------------------------------------------------------
    @api.depends("message_ids")
    def _compute_account_id(self):
        for wizard in self:
            accounts = wizard.message_ids.account_id
            wizard.account_id = accounts if len(accounts) == 1 else False

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_move(self):
        self.ensure_one()
        if not self.folder_id:
            raise UserError(self.env._("Choose the folder to move the e-mails to."))
        # the messages' own checks: write access, one account, a folder of it
        return self.message_ids._move_to_folder(self.folder_id)
