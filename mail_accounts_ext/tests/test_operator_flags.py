# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import MailAccountsCommon


@tagged("post_install", "-at_install")
class TestOperatorFlags(MailAccountsCommon):
    def test_admin_toggles_flags_through_user_form(self):
        """A user administrator ticks both flags on the user form: the groups follow."""
        with Form(self.user_a.with_user(self.user_admin), view="base.view_users_form") as form:
            form.mail_can_delete_permanently = True
            form.mail_access_other_accounts = True
        self.assertIn(self.group_delete, self.user_a.groups_id)
        self.assertIn(self.group_other, self.user_a.groups_id)
        self.assertTrue(self.user_a.has_group("mail_accounts_ext.group_mail_accounts_ext_delete"))

        with Form(self.user_a.with_user(self.user_admin), view="base.view_users_form") as form:
            form.mail_can_delete_permanently = False
        self.assertNotIn(self.group_delete, self.user_a.groups_id)
        self.assertIn(self.group_other, self.user_a.groups_id)
        self.assertFalse(self.user_a.mail_can_delete_permanently)
        self.assertTrue(self.user_a.mail_access_other_accounts)

    def test_flags_follow_group_membership(self):
        """Adding the group by any other path shows as the flag ticked."""
        self.user_b.groups_id = [(4, self.group_other.id)]
        self.assertTrue(self.user_b.mail_access_other_accounts)
        self.assertFalse(self.user_b.mail_can_delete_permanently)

    def test_plain_user_cannot_grant_flag_to_self(self):
        """Neither the flag nor the group can be written by the operator over RPC."""
        me = self.user_a.with_user(self.user_a)
        with self.assertRaises(AccessError):
            me.write({"mail_can_delete_permanently": True})
        with self.assertRaises(AccessError):
            me.write({"groups_id": [(4, self.group_delete.id)]})
        with self.assertRaises(AccessError):
            self.user_b.with_user(self.user_a).write({"mail_access_other_accounts": True})
        self.user_a.invalidate_recordset()
        self.assertNotIn(self.group_delete, self.user_a.groups_id)
        self.assertFalse(self.user_b.mail_access_other_accounts)

    def test_user_reads_own_flags(self):
        """Each operator sees their own flags (Preferences), read-only."""
        self.user_a.groups_id = [(4, self.group_delete.id)]
        me = self.user_a.with_user(self.user_a)
        values = me.read(["mail_can_delete_permanently", "mail_access_other_accounts"])[0]
        self.assertTrue(values["mail_can_delete_permanently"])
        self.assertFalse(values["mail_access_other_accounts"])
        # The preferences form (the view an operator opens on themselves) shows both flags.
        prefs = self.env.ref("base.view_users_form_simple_modif")
        arch = me.get_views([(prefs.id, "form")])["views"]["form"]["arch"]
        doc = etree.fromstring(arch)
        for name in ("mail_can_delete_permanently", "mail_access_other_accounts"):
            node = doc.xpath(f"//field[@name='{name}']")
            self.assertTrue(node, f"{name} missing from the preferences form")
            self.assertEqual(node[0].get("readonly"), "1")

    def test_flags_visible_without_developer_mode(self):
        """The user form shows the two checkboxes in an "E-mail" page, no debug group."""
        arch = self.env["res.users"].with_user(self.user_admin).get_views(
            [(self.env.ref("base.view_users_form").id, "form")]
        )["views"]["form"]["arch"]
        doc = etree.fromstring(arch)
        page = doc.xpath("//page[@name='mail_accounts_ext']")
        self.assertTrue(page)
        self.assertEqual(page[0].get("string"), "E-mail")
        for name in ("mail_can_delete_permanently", "mail_access_other_accounts"):
            node = page[0].xpath(f".//field[@name='{name}']")
            self.assertTrue(node, f"{name} missing from the user form")
            # Nothing restricts it to developer mode, anywhere up the tree.
            for ancestor in [node[0], *node[0].iterancestors()]:
                self.assertNotIn("base.group_no_one", ancestor.get("groups") or "")

    def test_help_texts_explain_flags(self):
        fields_info = self.env["res.users"].fields_get(
            ["mail_can_delete_permanently", "mail_access_other_accounts"], ["string", "help"]
        )
        self.assertEqual(
            fields_info["mail_can_delete_permanently"]["string"],
            "Right to permanently delete e-mails",
        )
        self.assertIn("Deleted Items", fields_info["mail_can_delete_permanently"]["help"])
        self.assertIn("read-only", fields_info["mail_access_other_accounts"]["help"])
