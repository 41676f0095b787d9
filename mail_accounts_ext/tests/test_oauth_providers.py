# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sign in with Microsoft and with Google, through their presets, end to end on loopback.

The loopback authorization server answers in Microsoft's layout (reached through Odoo's
own ``microsoft_outlook.endpoint`` parameter, over HTTPS) and in Google's (its endpoint
constants in ``tools/oauth.py`` pointed at the same server for the class: Google's
addresses are fixed). The addon's Microsoft and Google code paths run unchanged: the
scopes they ask, the claims they read, Microsoft's scopes on refresh. A plain user adds
the account with the setup wizard: the address picks the preset, the preset picks the
provider; the connection test signs in over XOAUTH2 at Dovecot and aiosmtpd.
"""

import json
import uuid
from concurrent.futures import Future
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import Form, tagged

from ..models.mail_account_oauth import CALLBACK_PATH
from ..tools import oauth
from .common_oauth import OAuthCase

# The presets' scopes, as the issue lists them (not read from the code under test).
MICROSOFT_SCOPES = {
    "offline_access",
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/POP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
}
GOOGLE_SCOPES = {"https://mail.google.com/"}
TENANT = "contoso.onmicrosoft.com"


@tagged("post_install", "-at_install")
class TestOAuthProviders(OAuthCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._register_microsoft("ms-odoo", cls.provider.microsoft_endpoint(TENANT))
        cls.provider.add_client("google-odoo", "google-secret",
                                [cls.env["mail.account"]._oauth_redirect_uri()])
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("google_gmail_client_id", "google-odoo")
        params.set_param("google_gmail_client_secret", "google-secret")
        # Google's addresses are constants: the one seam of these tests
        google = cls.provider.google_urls()
        cls.startClassPatcher(patch.multiple(
            oauth, GOOGLE_AUTHORIZE_URL=google["authorize"], GOOGLE_TOKEN_URL=google["token"],
            GOOGLE_USERINFO_URL=google["userinfo"], GOOGLE_REVOCATION_URL=google["revoke"]))

    # ------------------------------------------------------------------ helpers
    def _add_account_wizard(self, user, address, preset, provider, shared=False):
        """*Add account* as ``user``: the address picks ``preset`` and ``provider``;
        then the servers are those on loopback (*Enter settings manually*)."""
        with Form(self.env["mail.account.setup"].with_user(user)) as form:
            form.email = address
            self.assertEqual(form.preset, preset)
            self.assertEqual(form.oauth_provider, provider)
            if shared:
                form.oauth_shared_mailbox = True
            form.manual_settings = True
            form.incoming_protocol = "imap"
            form.incoming_host = self.servers.host
            form.incoming_security = "starttls"
            form.incoming_port = self.servers.imap_port
            form.smtp_host = self.servers.host
            form.smtp_security = "starttls"
            form.smtp_port = self.servers.smtp_port
        wizard = form.record
        self.assertEqual(wizard.oauth_provider, provider)
        return wizard

    def _sign_in_new(self, wizard, person, start_url):
        url = self._start(self.user_a, wizard)
        self.assertTrue(url.startswith(start_url), url)
        response = self._callback(self._consent(url, person))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn("Signed in", response.text)
        account = self.env["mail.account"].search([("email", "=", wizard.email)])
        self.assertEqual(len(account), 1)
        self.assertEqual(account.owner_id, self.user_a)
        self.assertEqual(account.auth_method, "oauth")
        self.assertEqual(account.oauth_status, "ok")
        self.assertEqual(account.state, "tested")
        self.assertTrue(account._is_tested())
        self.assertFalse(self._pending(wizard))
        return account

    def _asked_scopes(self, layout, endpoint="authorize", grant_type=None):
        asked = [params for params in self.provider.requests_of(endpoint, layout)
                 if grant_type is None or params.get("grant_type") == grant_type]
        self.assertTrue(asked, f"no {endpoint} request at the {layout} endpoints")
        return set((asked[-1].get("scope") or "").split())

    def _fetch_and_send(self, account, xoauth2_user, subject):
        introspections = self.provider.introspection_count
        account.with_user(self.user_a).action_fetch_now()
        account.invalidate_recordset()
        self.assertTrue(account.last_fetch_ok, account.last_fetch_message)
        self.servers.clear_smtp()
        mail = self._send(account, subject)
        self.assertEqual(mail.state, "sent", mail.failure_reason)
        received = self.servers.smtp_received
        self.assertEqual([r.login for r in received], [xoauth2_user])
        self.assertGreater(self.provider.introspection_count, introspections,
                           "the servers checked the token at the provider")

    def _expire(self, person, account):
        self.provider.expire_access_tokens(person["login"])
        token = self._token(account)
        token.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        return token.refresh_token

    def _after_expiry(self, person, account, subject):
        """Fetch and send once the access token expired: a silent refresh first."""
        old_refresh = self._expire(person, account)
        refreshes = self.provider.token_request_count("refresh_token")
        self._fetch_and_send(account, account.email, subject)
        self.assertEqual(self.provider.token_request_count("refresh_token"), refreshes + 1)
        token = self._token(account)
        self.assertNotEqual(token.refresh_token, old_refresh, "the rotated token is stored")
        self.assertGreater(token.expires_at, fields.Datetime.now())
        account.invalidate_recordset()
        self.assertEqual(account.oauth_status, "ok")

    # ------------------------------------------------------------------ Microsoft
    def test_microsoft_365_sign_in_fetch_send_refresh(self):
        person = self._person(domain=TENANT)
        wizard = self._add_account_wizard(self.user_a, person["mailbox"], "microsoft365",
                                          "microsoft")
        account = self._sign_in_new(
            wizard, person, self.provider.microsoft_endpoint(TENANT) + "authorize?")
        self.assertEqual(account.oauth_provider, "microsoft")
        self.assertEqual(self._token(account).mailbox, person["mailbox"])
        self.assertFalse(self._token(account).delegate)
        # Microsoft's ID token names the mailbox in preferred_username only
        self.assertNotIn("email", self.provider.identity_claims(person["login"], "microsoft"))
        asked = self._asked_scopes("microsoft")
        self.assertEqual(asked - {"openid", "email", "profile"}, MICROSOFT_SCOPES)
        authorize = self.provider.requests_of("authorize", "microsoft")[-1]
        self.assertEqual(authorize["code_challenge_method"], "S256")
        self.assertEqual(authorize["login_hint"], person["mailbox"])
        self.assertEqual(authorize["response_mode"], "query")
        self.assertEqual(set(self._token(account).scopes.split()) & MICROSOFT_SCOPES,
                         MICROSOFT_SCOPES)
        self._fetch_and_send(account, person["mailbox"], "Microsoft 365 over XOAUTH2")
        self._after_expiry(person, account, "Microsoft 365 after a refresh")
        # Microsoft wants the scopes again with a refresh
        self.assertEqual(self._asked_scopes("microsoft", "token", "refresh_token"), asked)

    def test_microsoft_365_shared_mailbox_delegate(self):
        shared = f"sales-{uuid.uuid4().hex[:8]}@{TENANT}"
        self.servers.add_user(shared, "shared-mail-pw")
        person = self._person(shared=[shared], domain=TENANT)
        wizard = self._add_account_wizard(self.user_a, shared, "microsoft365", "microsoft",
                                          shared=True)
        account = self._sign_in_new(
            wizard, person, self.provider.microsoft_endpoint(TENANT) + "authorize?")
        token = self._token(account)
        self.assertEqual(token.mailbox, person["mailbox"])
        self.assertEqual(token.delegate, person["mailbox"])
        self.assertTrue(account.oauth_shared_mailbox)
        self.assertEqual(account.email, shared)
        # the shared mailbox is the XOAUTH2 user, with the delegate's token
        self._fetch_and_send(account, shared, "From the shared mailbox")
        self._after_expiry(person, account, "Shared mailbox after a refresh")

    def test_microsoft_365_without_shared_mailbox_refused(self):
        shared = f"desk-{uuid.uuid4().hex[:8]}@{TENANT}"
        self.servers.add_user(shared, "shared-mail-pw")
        person = self._person(shared=[shared], domain=TENANT)
        wizard = self._add_account_wizard(self.user_a, shared, "microsoft365", "microsoft")
        response = self._callback(self._consent(self._start(self.user_a, wizard), person))
        self.assertEqual(response.status_code, 400)
        self.assertIn("shared mailbox", response.text)
        self.assertFalse(self.env["mail.account"].search([("email", "=", shared)]))

    def test_change_protocol_keeps_the_sign_in(self):
        """IMAP -> POP3 of a Microsoft 365 account: the new account signs in with the same
        grant (tested with it), without a new consent; the archived one keeps no token."""
        person = self._person(domain=TENANT)
        wizard = self._add_account_wizard(self.user_a, person["mailbox"], "microsoft365",
                                          "microsoft")
        old = self._sign_in_new(
            wizard, person, self.provider.microsoft_endpoint(TENANT) + "authorize?")
        self.servers.deliver(person["mailbox"], b"Subject: Before\r\n\r\nHello\r\n")
        self._fetch_and_send(old, person["mailbox"], "Before the switch")
        self.assertTrue(old.protocol_locked)
        token = self._token(old)
        consents = len(self.provider.requests_of("authorize"))
        action = old.with_user(self.user_a).action_change_protocol()
        switch = self.env[action["res_model"]].with_user(self.user_a).browse(action["res_id"])
        self.assertEqual(switch.incoming_protocol, "pop3")
        switch.write({"incoming_port": self.servers.pop3_port})
        switch.action_test_and_save()
        new = switch.new_account_id
        self.assertTrue(new, switch.test_message)
        self.assertEqual(new.incoming_protocol, "pop3")
        self.assertEqual((new.auth_method, new.oauth_provider, new.oauth_status),
                         ("oauth", "microsoft", "ok"))
        self.assertTrue(new._is_tested(), "tested with the sign-in it keeps")
        self.assertEqual(self._token(new), token, "the same grant, moved")
        self.assertFalse(self._token(old))
        self.assertFalse(old.active)
        self.assertIn("no new sign-in is needed", switch.summary)
        self.assertEqual(len(self.provider.requests_of("authorize")), consents)
        self.servers.deliver(person["mailbox"], b"Subject: After\r\n\r\nHello\r\n")
        self._fetch_and_send(new, person["mailbox"], "After the switch")
        self._after_expiry(person, new, "After the switch and a refresh")

    # ------------------------------------------------------------------ Google
    def test_gmail_sign_in_fetch_send_refresh(self):
        person = self._person(domain="gmail.com")
        wizard = self._add_account_wizard(self.user_a, person["mailbox"], "gmail", "google")
        account = self._sign_in_new(wizard, person, self.provider.google_urls()["authorize"])
        self.assertEqual(account.oauth_provider, "google")
        self.assertEqual(self._token(account).mailbox, person["mailbox"])
        self.assertEqual(self._asked_scopes("google") - {"openid", "email"}, GOOGLE_SCOPES)
        authorize = self.provider.requests_of("authorize", "google")[-1]
        self.assertEqual((authorize["access_type"], authorize["prompt"]),
                         ("offline", "consent"), "a refresh token at every sign-in")
        self._fetch_and_send(account, person["mailbox"], "Gmail over XOAUTH2")
        self._after_expiry(person, account, "Gmail after a refresh")
        refresh = [params for params in self.provider.requests_of("token")
                   if params.get("grant_type") == "refresh_token"][-1]
        self.assertNotIn("scope", refresh, "Google keeps the granted scopes")

    def test_gmail_unverified_address_refused(self):
        person = self._person(domain="gmail.com", claims={"email_verified": False})
        wizard = self._add_account_wizard(self.user_a, person["mailbox"], "gmail", "google")
        response = self._callback(self._consent(self._start(self.user_a, wizard), person))
        self.assertEqual(response.status_code, 400)
        self.assertIn("did not tell which mailbox", response.text)
        self.assertFalse(self.env["mail.account"].search([("email", "=", person["mailbox"])]))
        self.assertFalse(self.env["mail.account.oauth.token"].sudo().search(
            [("mailbox", "=", person["mailbox"])]))


@tagged("post_install", "-at_install", "mae_tours")
class TestOAuthSignInBrowser(OAuthCase):
    """*Sign in with Microsoft* in a real browser, across both origins.

    A tour adds the account up to the click on *Sign in with Microsoft*; the browser
    follows the redirect to the loopback provider's consent page -- another origin,
    where tour steps cannot run -- so the test fills and clicks it through Chrome's
    DevTools (Odoo's ``ChromeBrowser``, the same browser and session); the provider
    redirects the browser to the callback route, whose page leads back to the account,
    where a second tour checks it is signed in and tested. Chrome trusts no private
    CA: the provider is reached over plain HTTP on loopback, which the Microsoft
    endpoint accepts there only.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = f"{cls.provider.base_url}/{TENANT}/oauth2/v2.0/"
        cls._register_microsoft("ms-browser", cls.endpoint)

    def _tour(self, browser, tour, data, leaves_the_page=False):
        """Run ``tour`` on the page the browser shows (once it is loaded).

        ``leaves_the_page``: its last click leaves Odoo (the wizard is still open when
        the tour ends, and is not saved again: the page is gone)."""
        browser._result = Future()  # a new success signal for each tour
        self.allow_end_on_form = leaves_the_page
        # the data first: the tour's steps are built when the tour is looked up
        self.assertTrue(browser._wait_ready(
            f"(window.maeTour = {json.dumps(data)}) && odoo.isTourReady({tour!r})",
            timeout=60), f"{tour}: the page never got ready")
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False}
        browser._wait_code_ok(f"odoo.startTour({tour!r}, {json.dumps(options)})", 60)

    def _evaluate(self, browser, expression):
        return browser._websocket_request("Runtime.evaluate", params={
            "expression": expression, "returnByValue": True}, timeout=20)["result"].get("value")

    def test_sign_in_with_microsoft_in_the_browser(self):
        from odoo.tests.common import ChromeBrowser

        person = self._person(domain=TENANT)
        data = {"email": person["mailbox"], "host": self.servers.host,
                "imap": self.servers.imap_port, "smtp": self.servers.smtp_port}
        browser = ChromeBrowser(self, success_signal="tour succeeded")
        try:
            self.authenticate(self.user_a.login, self.user_a.login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(
                self.base_url() + "/odoo/action-mail_accounts_ext.mail_account_action_my")
            self._tour(browser, "mail_accounts_ext_oauth_sign_in_microsoft", data,
                       leaves_the_page=True)
            # the provider's consent page, in the same browser, on the provider's origin
            self.assertTrue(browser._wait_ready(
                f"location.href.startsWith({json.dumps(self.endpoint + 'authorize?')})"
                " && !!document.querySelector('form button[value=allow]')", timeout=30),
                "the browser did not reach the provider's consent page")
            page = self._evaluate(browser, "document.body.innerText")
            self.assertIn("ms-browser asks to access your mailbox", page)
            for scope in MICROSOFT_SCOPES:
                self.assertIn(scope, page, "the consent page lists the preset's scopes")
            self._evaluate(browser, (
                f"document.querySelector('input[name=login]').value = "
                f"{json.dumps(person['login'])};"
                f"document.querySelector('input[name=password]').value = "
                f"{json.dumps(person['password'])};"
                "document.querySelector('form button[value=allow]').click(); true"))
            # the provider sends the browser back to Odoo's callback route
            self.assertTrue(browser._wait_ready(
                f"location.pathname === {json.dumps(CALLBACK_PATH)}"
                " && document.readyState === 'complete'"
                " && !!document.querySelector('h1')", timeout=60),
                "the browser did not come back to the callback")
            page = self._evaluate(browser, "document.body.innerText")
            self.assertIn("Signed in", page)
            self.assertIn("the connection test passed with the new sign-in", page)
            self._evaluate(browser, "document.querySelector('a.btn-primary').click(); true")
            self._tour(browser, "mail_accounts_ext_oauth_signed_in", data)
        finally:
            browser.stop()
            self._wait_remaining_requests()
        account = self.env["mail.account"].search([("email", "=", person["mailbox"])])
        self.assertEqual(len(account), 1)
        self.assertEqual((account.owner_id, account.auth_method, account.oauth_provider,
                          account.state), (self.user_a, "oauth", "microsoft", "tested"))
        self.assertEqual(self._token(account).mailbox, person["mailbox"])
