# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTours(HttpCase):
    """The main flows, clicked through in a real browser (headless Chromium)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_admin = new_test_user(
            cls.env, login="mae_tour_admin", password="mae_tour_admin",
            groups="base.group_user,base.group_erp_manager", name="Tour Administrator",
        )
        cls.operator = new_test_user(
            cls.env, login="mae_tour_operator", groups="base.group_user", name="Tour Operator",
        )

    def test_operator_flags_tour(self):
        group = self.env.ref("mail_accounts_ext.group_mail_accounts_ext_delete")
        self.assertNotIn(group, self.operator.groups_id)
        self.start_tour(
            f"/odoo/action-base.action_res_users/{self.operator.id}",
            "mail_accounts_ext_operator_flags", login="mae_tour_admin",
        )
        self.operator.invalidate_recordset()
        self.assertIn(group, self.operator.groups_id)
