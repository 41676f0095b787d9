# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import SenderCase


@tagged("post_install", "-at_install")
class TestSenderRule(SenderCase):
    """The rule of tools/sender.py on real records, and where Odoo applies it."""

    def _resolve(self, record, user):
        return self.env["mail.account"].with_user(user)._resolve_sender(record)

    # -- the rule ------------------------------------------------------------
    def test_rule_table_on_records(self):
        cases = [
            # (user, document, expected account)
            (self.user_brand, self.task_brand, self.account_brand),
            (self.user_brand, self.project_brand, self.account_brand),
            (self.user_brand, self.task_other, self.account_ann),
            (self.user_brand, None, self.account_ann),
            (self.user_personal, self.task_brand, self.account_bob),
            (self.user_personal, self.task_other, self.account_bob),
            (self.user_plain, self.task_brand, self.account_office),
            (self.user_plain, self.customer, self.account_office),
        ]
        for user, record, expected in cases:
            with self.subTest(user=user.name, record=record and record.display_name):
                self.assertEqual(self._resolve(record, user), expected)

    def test_system_and_portal_users_keep_odoo_sender(self):
        portal = self.env["res.users"].create({
            "name": "Portal", "login": "mae_portal", "email": "portal@example.com",
            "groups_id": [(6, 0, self.env.ref("base.group_portal").ids)],
        })
        Account = self.env["mail.account"]
        self.assertFalse(Account._resolve_sender(self.task_brand))  # OdooBot
        self.assertFalse(Account._resolve_sender(self.task_brand, user=portal))
        self.assertEqual(Account._resolve_sender(self.task_brand, user=self.user_plain.id),
                         self.account_office)

    def test_inactive_and_other_company_never_qualify(self):
        self.account_brand.sudo().action_archive()
        self.assertEqual(self._resolve(self.task_brand, self.user_brand), self.account_ann)
        self.account_ann.sudo().action_archive()
        self.assertEqual(self._resolve(self.task_brand, self.user_brand), self.account_office)
        other = self.env["res.company"].create({"name": "Other Co"})
        self.user_plain.company_ids = [(4, other.id)]
        self.account_office.sudo().company_id = other
        self.assertFalse(self._resolve(self.task_brand, self.user_plain),
                         "the task belongs to the first company")
        project_abroad = self.env["project.project"].create({
            "name": "Abroad", "company_id": other.id, "privacy_visibility": "employees",
        })
        self.assertEqual(self._resolve(project_abroad, self.user_plain), self.account_office)

    def test_sender_values(self):
        Account = self.env["mail.account"]
        values = Account._sender_values(self.account_brand)
        self.assertEqual(values, {
            "email_from": self.account_brand._email_from(),
            "mail_server_id": self.account_brand.sudo().mail_server_id.id,
            "reply_to": self.account_brand._email_from(),
        })
        self.account_brand.sudo().reply_to_account = False
        self.assertNotIn("reply_to", self.account_brand._sender_values())
        self.assertEqual(Account._sender_values(Account), {})

    # -- projects ------------------------------------------------------------
    def test_project_defaults_consistency(self):
        shared_two = self._add_account(
            self.admin, *self._mailbox_user("hello.brand2"), account_type="company",
            name="Brand A bis",
        )
        with self.assertRaises(ValidationError) as caught:
            shared_two.sudo().default_project_ids = [(4, self.project_brand.id)]
        self.assertIn("Project Brand A website has several: Brand A, Brand A bis",
                      str(caught.exception))
        # A personal default of its own scope is fine, one per person.
        as_ann = self.account_ann.with_user(self.user_brand)
        as_ann.default_project_ids = [(4, self.project_brand.id)]
        self.assertIn(self.project_brand, as_ann.project_ids,
                      "a default project becomes one of the account's projects")
        second = self._add_account(self.user_brand, *self._mailbox_user("ann.second"),
                                   name="Ann 2")
        with self.assertRaises(ValidationError) as caught:
            second.with_user(self.user_brand).default_project_ids = [(4, self.project_brand.id)]
        self.assertIn("only one default account per person", str(caught.exception))
        # Removing the project removes it as a default.
        as_ann.project_ids = [(3, self.project_brand.id)]
        self.assertFalse(as_ann.default_project_ids)
        # The personal default of the project wins over the company's project default.
        as_ann.default_project_ids = [(4, self.project_brand.id)]
        self.assertEqual(self._resolve(self.task_brand, self.user_brand), self.account_ann)

    def test_project_form_shows_sender_accounts(self):
        project = self.project_brand.with_user(self.user_brand)
        self.assertEqual(project.mail_account_ids, self.account_brand)
        self.assertEqual(project.default_mail_account_ids, self.account_brand)
        # Bob may not see the brand account: it stays hidden from him.
        self.assertFalse(self.project_brand.with_user(self.user_personal).mail_account_ids)
        arch = self.env["project.project"].with_user(self.user_brand).get_view(
            self.env.ref("project.edit_project").id)["arch"]
        self.assertIn('name="default_mail_account_ids"', arch)

    def test_account_form_projects_page(self):
        with Form(self.account_ann.with_user(self.user_brand)) as form:
            form.default_project_ids.add(self.project_other)
        self.assertEqual(self.account_ann.project_ids, self.project_other)
        self.assertEqual(self._resolve(self.task_other, self.user_brand), self.account_ann)

    # -- message_post (chatter "Send message") --------------------------------------
    def test_message_post_uses_rule(self):
        for user, task, account in [
            (self.user_brand, self.task_brand, self.account_brand),
            (self.user_personal, self.task_brand, self.account_bob),
            (self.user_plain, self.task_other, self.account_office),
        ]:
            with self.subTest(user=user.name):
                message = task.with_user(user).message_post(
                    body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment",
                    partner_ids=self.customer.ids,
                )
                self.assertEqual(message.email_from, account._email_from())
                self.assertEqual(message.sudo().mail_server_id, account.sudo().mail_server_id)
                self.assertEqual(message.reply_to, account._email_from())
                self.assertEqual(message.author_id, user.partner_id)

    def test_message_post_explicit_choices_kept(self):
        task = self.task_brand.with_user(self.user_brand)
        system = task.message_post(body="Stage changed", subtype_xmlid="mail.mt_note")
        self.assertFalse(system.mail_server_id, "notifications are not the user writing")
        chosen = task.message_post(body="x", message_type="comment", mail_server_id=False)
        self.assertFalse(chosen.mail_server_id)
        self.assertEqual(chosen.email_from, self.user_brand.email_formatted)
        other_from = task.message_post(body="x", message_type="comment",
                                       email_from="sales@company.example.com")
        self.assertFalse(other_from.mail_server_id)
        on_behalf = task.message_post(body="x", message_type="comment",
                                      author_id=self.customer.id)
        self.assertFalse(on_behalf.mail_server_id)

    def test_reply_to_off_keeps_odoo_reply_address(self):
        alias_domain = self.env["mail.alias.domain"].create({
            "name": "replies.example.com", "catchall_alias": "catchall",
            "bounce_alias": "bounce",
        })
        self.env.company.alias_domain_id = alias_domain
        self.account_brand.sudo().reply_to_account = False
        message = self.task_brand.with_user(self.user_brand).message_post(
            body="Hello", message_type="comment", partner_ids=self.customer.ids)
        self.assertEqual(message.email_from, self.account_brand._email_from())
        self.assertIn("@replies.example.com", message.reply_to)
        self.assertNotIn(self.account_brand.email, message.reply_to)

    # -- templates -----------------------------------------------------------
    def test_template_send_mail_uses_rule(self):
        template = self.env["mail.template"].create({
            "name": "Task update", "model_id": self.env["ir.model"]._get_id("project.task"),
            "subject": "About {{ object.name }}", "body_html": "<p>Update</p>",
            "email_from": "{{ object.company_id.email_formatted }}",
            "partner_to": "{{ object.partner_id.id }}", "auto_delete": False,
        })
        for user, task, account in [
            (self.user_brand, self.task_brand, self.account_brand),
            (self.user_personal, self.task_brand, self.account_bob),
        ]:
            with self.subTest(user=user.name):
                mail = self.env["mail.mail"].sudo().browse(
                    template.with_user(user).send_mail(task.id))
                self.assertEqual(mail.email_from, account._email_from())
                self.assertEqual(mail.mail_server_id, account.sudo().mail_server_id)
        # A server chosen on the template stays (with the template's sender).
        server = self.env["ir.mail_server"].create({"name": "Relay", "smtp_host": "relay.invalid"})
        template.mail_server_id = server
        mail = self.env["mail.mail"].sudo().browse(
            template.with_user(self.user_brand).send_mail(self.task_brand.id))
        self.assertEqual(mail.mail_server_id, server)
        # An account's server on a template only sends for those who may use it.
        template.sudo().write({"mail_server_id": self.account_brand.sudo().mail_server_id.id})
        mail = self.env["mail.mail"].sudo().browse(
            template.with_user(self.user_personal).send_mail(self.task_brand.id))
        self.assertEqual(mail.mail_server_id, self.account_bob.sudo().mail_server_id)

    # -- the guard -------------------------------------------------------------
    def test_nobody_sends_through_a_server_they_may_not_use(self):
        brand_server = self.account_brand.sudo().mail_server_id
        with self.assertRaises(AccessError) as caught:
            self.env["mail.mail"].with_user(self.user_personal).sudo().create({
                "email_to": "x@customers.example.net", "subject": "s", "body_html": "<p>b</p>",
                "mail_server_id": brand_server.id,
            })
        self.assertEqual(str(caught.exception),
                         "Bob Personal may not send e-mails through the e-mail account Brand A.")
        with self.assertRaises(AccessError):
            self.task_brand.with_user(self.user_personal).message_post(
                body="x", message_type="comment", partner_ids=self.customer.ids,
                mail_server_id=brand_server.id,
            )
        with self.assertRaises(AccessError):
            self.task_brand.with_user(self.user_personal).message_post(
                body="x", message_type="comment", partner_ids=self.customer.ids,
                email_from=self.account_brand._email_from(), mail_server_id=brand_server.id,
            )
        # Ann may; if she loses the right before the queue sends, the mail fails instead.
        mail = self.env["mail.mail"].with_user(self.user_brand).sudo().create({
            "email_to": "x@customers.example.net", "subject": "s", "body_html": "<p>b</p>",
            "mail_server_id": brand_server.id, "email_from": self.account_brand._email_from(),
        })
        self.account_brand.sudo().user_ids = [(6, 0, self.user_personal.ids)]
        mail.send()
        self.assertEqual(mail.state, "exception")
        self.assertIn("Ann Brand may not send e-mails through", mail.failure_reason)
        self.assertFalse(self.servers.smtp_received)

    def test_composer_refuses_an_account_one_may_not_use(self):
        composer = self.env["mail.compose.message"].with_user(self.user_personal).with_context(
            default_model="project.task", default_res_ids=self.task_brand.ids,
        ).create({"body": "<p>x</p>", "subject": "s", "partner_ids": self.customer.ids})
        self.assertEqual(composer.mail_account_id, self.account_bob)
        self.assertNotIn(self.account_brand, composer.mail_account_allowed_ids)
        composer.sudo().mail_account_id = self.account_brand
        with self.assertRaises(AccessError):
            composer.action_send_mail()
