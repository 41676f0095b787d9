# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    # An account's private server sends only for the people who may use the account:
    # it is no server to configure on a template.
    mail_server_id = fields.Many2one(domain="[('mail_account_id', '=', False)]")

    def _generate_template(self, res_ids, render_fields, find_or_create_partners=False):
        """Mail generated from a template (``send_mail``) leaves from the account the
        sender rule picks for the current user and each record.

        Only when a whole mail is generated (sender and server asked for, as
        ``send_mail_batch`` does): the composer applies its own "Send from". A server
        chosen on the template stays, unless it is an e-mail account's: then that
        account sends if the user may use it, otherwise the rule picks the account.
        """
        results = super()._generate_template(
            res_ids, render_fields, find_or_create_partners=find_or_create_partners
        )
        if not {"email_from", "mail_server_id"} <= set(render_fields) or not self.render_model:
            return results
        Account = self.env["mail.account"]
        template_account = self.sudo().mail_server_id.mail_account_id
        if self.mail_server_id and not template_account:
            return results
        if template_account and template_account._may_be_used_by(self.env.user):
            senders = dict.fromkeys(results, template_account)
        else:
            records = self.env[self.render_model].browse([res_id for res_id in results if res_id])
            senders = Account._resolve_senders(records)
        for res_id, values in results.items():
            sender_values = Account._sender_values(senders.get(res_id) or Account)
            if sender_values:
                values.update(sender_values)
            elif template_account:
                values["mail_server_id"] = False  # never through a server one may not use
        return results
