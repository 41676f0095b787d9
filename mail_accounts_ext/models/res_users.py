# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

# Operator flag field -> XML id of the group that carries it.
OPERATOR_FLAGS = {
    "mail_can_delete_permanently": "mail_accounts_ext.group_mail_accounts_ext_delete",
    "mail_access_other_accounts": "mail_accounts_ext.group_mail_accounts_ext_other_accounts",
}


class ResUsers(models.Model):
    _inherit = "res.users"

    mail_can_delete_permanently = fields.Boolean(
        string="Right to permanently delete e-mails",
        compute="_compute_operator_flags",
        inverse="_inverse_mail_can_delete_permanently",
        help="Without this right, e-mails can still be moved to Deleted Items, but deleting "
        "them from Deleted Items is refused with a message. With it, deleting from Deleted "
        "Items removes the e-mail for good (and from the server when the account says so).",
    )
    mail_access_other_accounts = fields.Boolean(
        string="Access to e-mail accounts of other operators",
        compute="_compute_operator_flags",
        inverse="_inverse_mail_access_other_accounts",
        help="With this access, the operator sees the e-mail accounts and e-mails of all "
        "operators of their companies, also accounts where they are not a user, read-only. "
        "Without it, only their own accounts and those they are allowed to use are visible.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + list(OPERATOR_FLAGS)

    @api.depends("groups_id")
    def _compute_operator_flags(self):
        for field_name, xmlid in OPERATOR_FLAGS.items():
            group = self.env.ref(xmlid, raise_if_not_found=False)
            for user in self:
                user[field_name] = bool(group) and group in user.groups_id

    def _inverse_mail_can_delete_permanently(self):
        self._set_operator_flag("mail_can_delete_permanently")

    def _inverse_mail_access_other_accounts(self):
        self._set_operator_flag("mail_access_other_accounts")

    def _set_operator_flag(self, field_name):
        """Add or remove the flag's group; only user administrators may."""
        if not self.env.su and not self.env.user.has_group("base.group_erp_manager"):
            raise AccessError(
                self.env._("Only user administrators can change the e-mail rights of operators.")
            )
        group = self.env.ref(OPERATOR_FLAGS[field_name])
        for user in self:
            if user[field_name] and group not in user.groups_id:
                user.write({"groups_id": [fields.Command.link(group.id)]})
            elif not user[field_name] and group in user.groups_id:
                user.write({"groups_id": [fields.Command.unlink(group.id)]})
