# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.mail.tests.common import mail_new_test_user  # noqa: F401  (re-export)

DISABLED_MAIL_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}


class MailAccountsCommon(TransactionCase):
    """Users of every role the addon knows, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.company = cls.env.company
        cls.user_admin = new_test_user(
            cls.env, login="mae_user_admin", groups="base.group_user,base.group_erp_manager",
            name="User Administrator", email="user.admin@example.com",
        )
        cls.user_a = new_test_user(
            cls.env, login="mae_operator_a", groups="base.group_user",
            name="Operator A", email="operator.a@example.com",
        )
        cls.user_b = new_test_user(
            cls.env, login="mae_operator_b", groups="base.group_user",
            name="Operator B", email="operator.b@example.com",
        )
        cls.group_delete = cls.env.ref("mail_accounts_ext.group_mail_accounts_ext_delete")
        cls.group_other = cls.env.ref("mail_accounts_ext.group_mail_accounts_ext_other_accounts")
