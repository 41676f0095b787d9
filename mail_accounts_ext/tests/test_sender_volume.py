# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo.tests import new_test_user, tagged

from .common import SenderCase, parse_received, real_smtp

SUBJECT = re.compile(r"^\[(?P<login>[\w.]+)#(?P<tag>\w+)\] (?P<task>.+)$")


@tagged("post_install", "-at_install")
class TestSenderVolume(SenderCase):
    """Five operators, three projects, 200+ e-mails really sent.

    Every message the SMTP server receives is matched to its sender (the subject
    carries the sender's login) and must have signed in with the login of an
    account that sender may use, and of the very account the rule picks.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,project.group_project_user"
        cls.user_dee = new_test_user(cls.env, login="mae_dee", groups=groups, name="Dee Shared",
                                     email="dee@company.example.com")
        cls.user_eve = new_test_user(cls.env, login="mae_eve", groups=groups, name="Eve Brand B",
                                     email="eve@company.example.com")
        cls.project_b = cls.env["project.project"].create({
            "name": "Brand B shop", "privacy_visibility": "employees",
        })
        # Brand B: Eve's personal account, shared with Dee, default for project B.
        cls.account_eve = cls._add_account(
            cls.user_eve, *cls._mailbox_user("eve.brandb"), name="Eve (Brand B)",
            is_default=True, user_ids=[(6, 0, cls.user_dee.ids)],
            project_ids=[(6, 0, cls.project_b.ids)],
            default_project_ids=[(6, 0, cls.project_b.ids)],
        )
        Task = cls.env["project.task"]
        cls.tasks = Task.browse()
        for project in (cls.project_brand, cls.project_other, cls.project_b):
            for index in range(3):
                cls.tasks |= Task.create({
                    "name": f"{project.name} {index}", "project_id": project.id,
                    "partner_id": cls.customer.id,
                })
        cls.users = (cls.user_brand | cls.user_personal | cls.user_plain
                     | cls.user_dee | cls.user_eve)

    def _allowed_logins(self, user):
        accounts = self.env["mail.account"].sudo().search([])
        return {account.smtp_login.lower() for account in accounts
                if account._may_be_used_by(user)}

    def test_mixed_senders_never_through_a_forbidden_server(self):
        expected = {}  # (login, tag, task name) -> account
        Account = self.env["mail.account"]
        seq = 0
        with real_smtp():
            for round_index in range(4):
                for user in self.users:
                    # chatter "Send message" on every task: 9 per user and round
                    for task in self.tasks:
                        seq += 1
                        task.with_user(user).message_post(
                            subject=f"[{user.login}#P{seq}] {task.name}", body="Update",
                            message_type="comment", subtype_xmlid="mail.mt_comment",
                            partner_ids=self.customer.ids,
                        )
                        expected[(user.login, f"P{seq}", task.name)] = Account._resolve_sender(
                            task, user=user)
                    # composer, mass mode over the tasks of the three projects, every
                    # other round (sender per document)
                    if round_index % 2:
                        continue
                    tag = f"M{round_index}"
                    composer = self.env["mail.compose.message"].with_user(user).with_context(
                        default_model="project.task", default_res_ids=self.tasks.ids,
                        default_composition_mode="mass_mail",
                    ).create({
                        "subject": f"[{user.login}#{tag}] {{{{ object.name }}}}",
                        "body": "<p>News</p>",
                    })
                    self.assertTrue(composer.mail_account_per_record)
                    composer._action_send_mail()
                    for task in self.tasks:
                        expected[(user.login, tag, task.name)] = Account._resolve_sender(
                            task, user=user)
        received = self.servers.smtp_received
        self.assertGreaterEqual(len(received), 200)
        self.assertEqual(len(received), len(expected))
        allowed = {user.login: self._allowed_logins(user) for user in self.users}
        seen = set()
        for item in received:
            match = SUBJECT.match(parse_received(item)["Subject"])
            key = (match["login"], match["tag"], match["task"])
            seen.add(key)
            self.assertIn(item.login, allowed[key[0]], f"{key} left through {item.login}")
            account = expected[key].sudo()
            self.assertTrue(account, f"{key}: every operator here has an account")
            self.assertEqual(item.login, account.smtp_login.lower())
            self.assertEqual(item.mail_from, account.email)
        self.assertEqual(seen, set(expected))
        # All five senders and all five accounts were used.
        self.assertEqual({key[0] for key in seen}, set(self.users.mapped("login")))
        self.assertEqual({item.login for item in received}, {
            account.smtp_login.lower() for account in (
                self.account_brand | self.account_ann | self.account_bob
                | self.account_office | self.account_eve).sudo()
        })
