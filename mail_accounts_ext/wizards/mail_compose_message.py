# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    mail_account_id = fields.Many2one(
        "mail.account", string="Send from",
        compute="_compute_mail_account_id", readonly=False, store=True, compute_sudo=False,
        domain="[('id', 'in', mail_account_allowed_ids)]",
        help="The e-mail account the message leaves from. Filled by the sender rule: the "
        "default account of the document's project, else your default account, else the "
        "company's. Empty: Odoo's usual sender.",
    )
    mail_account_allowed_ids = fields.Many2many(
        "mail.account", compute="_compute_mail_account_allowed_ids",
        string="Accounts You May Send From",
    )
    mail_account_per_record = fields.Boolean(
        string="Sender per document",
        compute="_compute_mail_account_per_record", readonly=False, store=True,
        help="Each document is sent from the account the sender rule picks for it (its "
        "project's default account, else your default account, else the company's). "
        "Untick to send all of them from one account.",
    )

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("model", "res_ids", "res_domain", "composition_mode")
    @api.depends_context("uid")
    def _compute_mail_account_allowed_ids(self):
        Account = self.env["mail.account"]
        for composer in self:
            composer.mail_account_allowed_ids = Account._usable_accounts(
                composer._mae_records()[:1]
            )

    @api.depends("res_ids", "res_domain")
    def _compute_mail_account_per_record(self):
        for composer in self:
            composer.mail_account_per_record = composer.composition_batch

    @api.depends("model", "res_ids", "res_domain", "composition_mode")
    def _compute_mail_account_id(self):
        Account = self.env["mail.account"]
        for composer in self:
            composer.mail_account_id = Account._resolve_sender(
                composer._mae_records()[:1]
            )

    # ------------------------------------------------------------------
    # RENDERING / VALUES GENERATION
    # ------------------------------------------------------------------
    def _prepare_mail_values(self, res_ids):
        """Put the chosen account's sender, server and reply address on the values.

        In comment mode the values go to ``message_post``, which finds the server
        chosen (``mail_server_id`` is always among them) and leaves the sender alone.
        """
        values_all = super()._prepare_mail_values(res_ids)
        senders = self._mae_senders(res_ids)
        mass_mail = self.composition_mode == "mass_mail"
        for res_id, values in values_all.items():
            sender_values = self.env["mail.account"]._sender_values(
                senders.get(res_id) or self.env["mail.account"]
            )
            if not sender_values:
                continue
            previous_from = values.get("email_from")
            values["email_from"] = sender_values["email_from"]
            values["mail_server_id"] = sender_values["mail_server_id"]
            if "reply_to" in sender_values and not self.reply_to_force_new:
                values["reply_to"] = sender_values["reply_to"]
            elif mass_mail and values.get("reply_to") == previous_from:
                # Odoo's fallback reply address is the sender: keep it so.
                values["reply_to"] = sender_values["email_from"]
        return values_all

    def _mae_records(self):
        """The documents of the composer (as far as known without a search)."""
        self.ensure_one()
        if not self.model or self.model not in self.env:
            return self.env["mail.thread"]
        return self.env[self.model].browse(self._evaluate_res_ids())

    def _mae_senders(self, res_ids):
        """{res_id: mail.account} for the documents ``res_ids``."""
        self.ensure_one()
        Account = self.env["mail.account"]
        if self.mail_account_per_record and self.model and self.model in self.env:
            return Account._resolve_senders(self.env[self.model].browse(res_ids))
        account = self.mail_account_id
        if not account:
            return {}
        if not account._may_be_used_by(self.env.user):
            raise AccessError(self.env._(
                "You may not send e-mails through the e-mail account %(account)s.",
                account=account.sudo().display_name,
            ))
        return dict.fromkeys(res_ids, account)
