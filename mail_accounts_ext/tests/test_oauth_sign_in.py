# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""OAuth 2.0 sign-in of an account, end to end on loopback.

The provider is the real authorization server of ``tests/oauth_server.py`` configured
as the generic provider; Dovecot and aiosmtpd check the tokens by introspection at it.
The user's browser is played by ``browser_sign_in`` (the provider's page) and the test's
HTTP session (the callback route, ``auth='user'``).
"""

import logging
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import oauth
from .common_oauth import OAuthCase

TOKEN_FIELDS = ("refresh_token", "access_token", "expires_at", "scopes", "mailbox",
                "delegate")
PENDING_FIELDS = ("target", "nonce", "verifier", "user_id", "provider")


@tagged("post_install", "-at_install")
class TestOAuthSignIn(OAuthCase):
    # ------------------------------------------------------------------ the flow
    def test_sign_in_as_plain_user_then_fetch_and_send(self):
        person, account = self._person_account(self.user_a)
        response = self._sign_in(self.user_a, account, person)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn("Signed in", response.text)
        account.invalidate_recordset()
        self.assertEqual(account.auth_method, "oauth")
        self.assertEqual(account.oauth_provider, "generic")
        self.assertEqual(account.oauth_status, "ok")
        self.assertEqual(account.state, "tested")
        settings = account._connection_settings()
        self.assertFalse(settings["incoming_password"] or settings["smtp_password"],
                         "the passwords are gone: the token signs in")
        token = self._token(account)
        self.assertTrue(token.refresh_token and token.access_token)
        self.assertEqual(token.mailbox, person["mailbox"])
        self.assertFalse(token.delegate)
        self.assertFalse(account.sudo().mail_server_id.smtp_pass)
        # the mail servers accept the token (XOAUTH2), through the account's code
        self.assertTrue(account._run_connection_test(settings)["ok"])
        account.with_user(self.user_a).action_fetch_now()
        account.invalidate_recordset()
        self.assertTrue(account.last_fetch_ok, account.last_fetch_message)
        self.servers.clear_smtp()
        self._send(account, "Over XOAUTH2")
        received = [r for r in self.servers.smtp_received if r.login == person["mailbox"]]
        self.assertEqual(len(received), 1)

    def test_foreign_state_refused(self):
        person, account = self._person_account(self.user_a)
        location = self._consent(self._start(self.user_a, account), person)
        self.authenticate(self.user_b.login, self.user_b.login)
        response = self._callback(location)
        self.assertEqual(response.status_code, 400)
        self.assertIn("started by another user", response.text)
        self.assertNotSignedIn(account)

    def test_replayed_state_refused(self):
        person, account = self._person_account(self.user_a)
        location = self._consent(self._start(self.user_a, account), person)
        self.assertEqual(self._callback(location).status_code, 200)
        refresh_token = self._token(account).refresh_token
        response = self._callback(location)
        self.assertEqual(response.status_code, 400)
        self.assertIn("already completed", response.text)
        self.assertEqual(self._token(account).refresh_token, refresh_token)

    def test_expired_state_refused(self):
        person, account = self._person_account(self.user_a)
        location = self._consent(self._start(self.user_a, account), person)
        # the same sign-in, signed with a lifetime that is over
        state, _nonce = oauth.sign_state(
            self.env["mail.account"]._oauth_state_key(), target=f"mail.account,{account.id}",
            user_id=self.user_a.id, session=self.session.sid, lifetime=-1,
            nonce=self._pending(account).nonce)
        parts = urlsplit(location)
        query = "&".join(p for p in parts.query.split("&") if not p.startswith("state="))
        response = self.url_open(f"{parts.path}?{query}&state={state}", timeout=60)
        self.assertEqual(response.status_code, 400)
        self.assertIn("expired", response.text)
        self.assertNotSignedIn(account)

    def test_pkce_mismatch_refused(self):
        person, account = self._person_account(self.user_a)
        url = self._start(self.user_a, account)
        # what an attacker who stole the code cannot know: the verifier
        self._pending(account).verifier = oauth.make_pkce().verifier
        self.assertNothingSaved(account, self._callback(self._consent(url, person)))

    def test_provider_error_refused(self):
        person, account = self._person_account(self.user_a)
        self.assertNothingSaved(account, self._sign_in(self.user_a, account, person, allow=False))

    def test_wrong_mailbox_refused(self):
        person, other = self._person(), self._person()
        account = self._account(self.user_a, person["mailbox"], person["mail_password"])
        response = self._sign_in(self.user_a, account, other)
        self.assertNothingSaved(account, response, other["mailbox"])

    def test_shared_mailbox_delegate(self):
        shared = f"shared-{uuid.uuid4().hex[:8]}@example.com"
        self.servers.add_user(shared, "shared-pw")
        person = self._person(shared=[shared])
        account = self._account(self.user_a, shared, "shared-pw")
        with self.assertRaises(AccessError):  # the sign-in decides it, not a write
            account.with_user(self.user_a).oauth_shared_mailbox = True
        # Change settings: tick Shared Mailbox, sign in as the delegate
        wizard = self.env["mail.account.setup"].with_user(self.user_a).browse(
            account.with_user(self.user_a).action_open_setup()["res_id"])
        wizard.oauth_shared_mailbox = True
        response = self._callback(self._consent(self._start(self.user_a, wizard), person))
        self.assertEqual(response.status_code, 200, response.text)
        token = self._token(account)
        self.assertEqual(token.mailbox, person["mailbox"])
        self.assertEqual(token.delegate, person["mailbox"])
        account.invalidate_recordset()
        self.assertEqual(account.auth_method, "oauth")
        self.assertTrue(account.oauth_shared_mailbox)
        self.assertTrue(account._is_tested())
        self.assertTrue(account._run_connection_test(account._connection_settings())["ok"])

    # ------------------------------------------------------------------ refresh
    def test_expiry_silent_refresh(self):
        person, account = self._person_account(self.user_a)
        self._sign_in(self.user_a, account, person)
        token = self._token(account)
        old_refresh = token.refresh_token
        self.provider.expire_access_tokens(person["login"])
        token.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        refreshes = self.provider.token_request_count("refresh_token")
        account.with_user(self.user_a).action_fetch_now()
        account.invalidate_recordset()
        self.assertTrue(account.last_fetch_ok, account.last_fetch_message)
        self.assertEqual(self.provider.token_request_count("refresh_token"), refreshes + 1)
        token.invalidate_recordset()
        self.assertNotEqual(token.refresh_token, old_refresh, "the rotated token is stored")
        self.assertGreater(token.expires_at, fields.Datetime.now())
        self.servers.clear_smtp()
        self._send(account, "After refresh")
        self.assertEqual(len(self.servers.smtp_received), 1)

    def test_refresh_refused_sign_in_needed_mail_waits(self):
        person, account = self._person_account(self.user_a)
        self._sign_in(self.user_a, account, person)
        self.provider.revoke_user(person["login"])
        self._token(account).expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.servers.clear_smtp()
        partner = self.user_a.partner_id
        before = self.env["mail.message"].search_count([("partner_ids", "in", partner.ids)])
        mail = self._send(account, "Waits for the sign-in")
        account.invalidate_recordset()
        self.assertEqual(account.oauth_status, "needed")
        self.assertTrue(account.oauth_status_message)
        self.assertEqual(mail.state, "outgoing", mail.failure_reason)
        self.assertIn("Waiting for a sign-in", mail.failure_reason)
        self.assertFalse(self.servers.smtp_received, "nothing through any server")
        # fetching is blocked too (a state of the account: logged without a traceback),
        # and the owner is notified once only
        # (logging.INFO, not "INFO": Odoo names its level 25 "INFO" too)
        with self.assertLogs("odoo.addons.mail_accounts_ext.models.mail_account_mailbox",
                             logging.INFO) as logs:
            account.with_user(self.user_a).action_fetch_now()
        self.assertTrue(logs.records)
        self.assertFalse([record for record in logs.records if record.exc_info])
        account.invalidate_recordset()
        self.assertFalse(account.last_fetch_ok)
        mail.send()
        self.assertEqual(mail.state, "outgoing")
        notified = self.env["mail.message"].search_count([("partner_ids", "in", partner.ids)])
        self.assertEqual(notified, before + 1)
        # Sign in again: the mail leaves
        self.provider.add_user(person["login"], person["password"], mailbox=person["mailbox"])
        response = self._sign_in(self.user_a, account, person)
        self.assertEqual(response.status_code, 200, response.text)
        account.invalidate_recordset()
        self.assertEqual(account.oauth_status, "ok")
        self.assertLessEqual(mail.scheduled_date, fields.Datetime.now())
        mail.send()
        self.assertEqual(mail.state, "sent", mail.failure_reason)
        self.assertEqual(len(self.servers.smtp_received), 1)

    def test_sign_in_again_releases_only_mail_waiting_for_it(self):
        """Mail held by the sending limit keeps its time when *Sign in again* releases
        the mail that waited for the sign-in."""
        person, account = self._person_account(self.user_a, rate_limit_per_minute=1)
        self._sign_in(self.user_a, account, person)
        self.servers.clear_smtp()
        self.assertEqual(self._send(account, "Within the limit").state, "sent")
        held = self._send(account, "Over the limit")
        self.assertEqual(held.state, "outgoing")
        self.assertIn("sending limit", held.failure_reason)
        self.assertFalse(held.mae_waiting_sign_in)
        held_until = held.scheduled_date
        self.assertGreater(held_until, fields.Datetime.now())
        # the provider revokes the sign-in; the next use finds out
        self.provider.revoke_user(person["login"])
        self._token(account).expires_at = fields.Datetime.now() - timedelta(minutes=1)
        account.with_user(self.user_a).action_fetch_now()
        account.invalidate_recordset()
        self.assertEqual(account.oauth_status, "needed")
        waiting = self._send(account, "Waits for the sign-in")
        self.assertEqual(waiting.state, "outgoing")
        self.assertTrue(waiting.mae_waiting_sign_in)
        self.assertGreater(waiting.scheduled_date, held_until)
        # Sign in again
        self.provider.add_user(person["login"], person["password"], mailbox=person["mailbox"])
        self.assertEqual(self._sign_in(self.user_a, account, person).status_code, 200)
        self.env.invalidate_all()
        self.assertLessEqual(waiting.scheduled_date, fields.Datetime.now())
        self.assertFalse(waiting.mae_waiting_sign_in)
        self.assertEqual(held.scheduled_date, held_until, "the limit's hold is kept")
        self.assertIn("sending limit", held.failure_reason)
        self.assertEqual(len(self.servers.smtp_received), 1)

    # ------------------------------------------------------------------ RPC
    def test_no_token_field_over_rpc(self):
        person, account = self._person_account(self.user_a)
        self._sign_in(self.user_a, account, person)
        token = self._token(account)
        self._start(self.user_a, account)
        pending = self._pending(account)
        self.assertTrue(pending)
        for user in (self.user_a, self.admin):
            Pending = self.env["mail.account.oauth.pending"].with_user(user)
            for call in (
                lambda P=Pending: P.search_read([], list(PENDING_FIELDS)),
                lambda P=Pending: P.browse(pending.id).read(list(PENDING_FIELDS)),
                lambda P=Pending: P.browse(pending.id).write({"verifier": "x"}),
                lambda P=Pending, uid=user.id: P.create({"target": "mail.account,1", "nonce": "n",
                                            "verifier": "v", "user_id": uid,
                                            "provider": "generic"}),
            ):
                with self.assertRaises(AccessError, msg=user.login):
                    call()
            Token = self.env["mail.account.oauth.token"].with_user(user)
            for call in (
                lambda T=Token: T.search_read([], list(TOKEN_FIELDS)),
                lambda T=Token: T.browse(token.id).read(list(TOKEN_FIELDS)),
                lambda T=Token: T.browse(token.id).write({"refresh_token": "x"}),
                lambda T=Token: T.create({"account_id": account.id}),
                lambda T=Token: T.browse(token.id).unlink(),
            ):
                with self.assertRaises(AccessError, msg=user.login):
                    call()
            # export_data: without the export group refused before the access rights
            # (UserError, AccessError's parent), else by them
            with self.assertRaises(UserError, msg=user.login):
                Token.browse(token.id).export_data(["refresh_token"])
            mine = account.with_user(user)
            for values in ({"auth_method": "password"}, {"oauth_provider": "google"},
                           {"oauth_status": "ok"}, {"email": "other@example.com"}):
                with self.assertRaises(AccessError, msg=f"{user.login} {values}"):
                    mine.write(values)
            self.assertNotIn("refresh_token", mine.fields_get())
            self.assertNotIn("access_token", str(mine.read()))
        self.assertEqual(self._token(account).refresh_token, token.refresh_token)

    def test_another_user_cannot_start_a_sign_in(self):
        person, account = self._person_account(self.user_a)
        with self.assertRaises(AccessError):
            account.with_user(self.user_b).action_oauth_sign_in()
        wizard = self._wizard(self.user_a, "other." + person["mailbox"])
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_b).action_oauth_sign_in()
        self.assertFalse(self._pending(account) or self._pending(wizard))

    def test_no_client_id_explains(self):
        person, account = self._person_account(self.user_a, preset="gmail")
        with self.assertRaisesRegex(Exception, "not set up in this database yet"):
            account.with_user(self.user_a).action_oauth_sign_in()

    # ------------------------------------------------------------------ setup wizard
    def test_new_account_from_the_wizard_without_password(self):
        person = self._person()
        wizard = self._wizard(self.user_a, person["mailbox"])
        response = self._callback(self._consent(self._start(self.user_a, wizard), person))
        self.assertEqual(response.status_code, 200, response.text)
        account = self.env["mail.account"].search([("email", "=", person["mailbox"])])
        self.assertEqual(len(account), 1)
        self.assertEqual(account.owner_id, self.user_a)
        self.assertEqual(account.auth_method, "oauth")
        self.assertEqual(account.state, "tested")
        self.assertEqual(self._token(account).mailbox, person["mailbox"])
        self.assertFalse(self._pending(wizard))

    def test_wizard_wrong_mailbox_creates_nothing(self):
        person, other = self._person(), self._person()
        wizard = self._wizard(self.user_a, person["mailbox"])
        response = self._callback(self._consent(self._start(self.user_a, wizard), other))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["mail.account"].search([("email", "=", person["mailbox"])]))
        self.assertFalse(self.env["mail.account.oauth.token"].sudo().search(
            [("mailbox", "=", other["mailbox"])]))

    def test_back_to_password_only_through_a_passing_test(self):
        person, account = self._person_account(self.user_a)
        self._sign_in(self.user_a, account, person)
        account.invalidate_recordset()
        self.assertEqual(account.auth_method, "oauth")
        Setup = self.env["mail.account.setup"].with_user(self.user_a)
        # a wrong password: the test fails, the sign-in stays
        wizard = Setup.browse(account.with_user(self.user_a).action_open_setup()["res_id"])
        wizard.write({"incoming_password": "wrong", "smtp_password": "wrong"})
        wizard.action_test_and_save()
        account.invalidate_recordset()
        self.assertEqual(account.auth_method, "oauth")
        self.assertTrue(self._token(account).refresh_token)
        # changing other settings without a password keeps the sign-in (tested with it)
        wizard = Setup.browse(account.with_user(self.user_a).action_open_setup()["res_id"])
        wizard.write({"rate_limit_per_minute": 7})
        self.assertEqual(wizard.action_test_and_save().get("res_model"), "mail.account",
                         wizard.test_message)
        account.invalidate_recordset()
        self.assertEqual(account.auth_method, "oauth")
        self.assertTrue(account._is_tested())
        # the right password: saved, the tokens are gone
        wizard = Setup.browse(account.with_user(self.user_a).action_open_setup()["res_id"])
        wizard.write({"incoming_password": person["mail_password"],
                      "smtp_password": person["mail_password"]})
        self.assertEqual(wizard.action_test_and_save().get("res_model"), "mail.account",
                         wizard.test_message)
        account.invalidate_recordset()
        self.assertEqual(account.auth_method, "password")
        self.assertTrue(account._is_tested())
        self.assertFalse(self._token(account))


@tagged("post_install", "-at_install", "mae_tours")
class TestOAuthSignInTour(HttpCase):
    """The wizard in a real browser: Sign in with Microsoft first for a Microsoft 365
    (Outlook.com) address, and without a registered application a clear explanation (no provider,
    no network: the preset comes from the domain)."""

    def test_sign_in_with_microsoft_not_set_up(self):
        import json

        params = self.env["ir.config_parameter"].sudo()
        params.set_param("microsoft_outlook_client_identifier", False)
        operator = new_test_user(self.env, login="mae_oauth_tour", groups="base.group_user",
                                 name="OAuth Tour Operator")
        email = "tour.operator@outlook.com"
        url = "/odoo/action-mail_accounts_ext.mail_account_action_my"
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False, "startUrl": url}
        code = (f"window.maeTour = {json.dumps({'email': email})}; "
                f"odoo.startTour('mail_accounts_ext_oauth_sign_in', {json.dumps(options)})")
        self.start_tour(url, "mail_accounts_ext_oauth_sign_in", login=operator.login,
                        code=code)
        self.assertFalse(self.env["mail.account"].search([("email", "=", email)]))
        self.assertFalse(self.env["mail.account.oauth.pending"].sudo().search(
            [("user_id", "=", operator.id)]))
