# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the OAuth 2.0 sign-in tests share: the loopback authorization server
(``tests/oauth_server.py``, also over HTTPS with the mail servers' CA), Dovecot and
aiosmtpd checking its tokens by introspection, users, and the user's browser (the
provider's page driven by ``browser_sign_in``, the callback route by the test's HTTP
session)."""

import unittest
import uuid
from urllib.parse import urlsplit

import requests

from odoo.tests import HttpCase, new_test_user

from ..models.mail_account_oauth import CALLBACK_PATH, GENERIC_PREFIX
from .common import DISABLED_MAIL_CONTEXT


def start_oauth_peers(case):
    """Start the loopback authorization server and the mail servers that check its tokens
    by introspection, as ``case.provider`` and ``case.servers`` of a test class (stopped
    when the class ends); skip the class when they are not installed."""
    try:
        from . import mailservers
        from .oauth_server import OAuthServer
    except ImportError as error:  # oauthlib: a dev/test dependency
        raise unittest.SkipTest(str(error)) from error
    mailservers.check_available(unittest.SkipTest)
    case.provider = OAuthServer.start()
    case.addClassCleanup(case.provider.stop)
    case.servers = mailservers.MailServers.start(
        oauth_introspection_url=case.provider.introspection_url)
    case.addClassCleanup(case.servers.stop)


class OAuthCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_oauth_peers(cls)
        # the real providers' endpoints are HTTPS: the same server serves them with a
        # certificate of the mail servers' CA (trusted through mail_accounts_ext.ca_file)
        cls.provider.serve_https(cls.servers.cert_file, cls.servers.key_file)
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("mail_accounts_ext.ca_file", cls.servers.ca_file)
        redirect = cls.env["mail.account"]._oauth_redirect_uri()
        client_id, secret = "odoo-" + uuid.uuid4().hex[:6], "secret-" + uuid.uuid4().hex
        cls.provider.add_client(client_id, secret, [redirect])
        for name, value in {
            "name": "Demo sign-in",
            "authorize_url": cls.provider.url("authorize"),
            "token_url": cls.provider.url("token"),
            "userinfo_url": cls.provider.url("userinfo"),
            "scopes": "mail offline_access",
            "client_id": client_id,
            "client_secret": secret,
        }.items():
            params.set_param(GENERIC_PREFIX + name, value)
        cls.user_a = new_test_user(cls.env, login="mae_oauth_a", groups="base.group_user",
                                   name="OAuth Operator A", email="oauth.a@example.com")
        cls.user_b = new_test_user(cls.env, login="mae_oauth_b", groups="base.group_user",
                                   name="OAuth Operator B", email="oauth.b@example.com")
        cls.admin = new_test_user(cls.env, login="mae_oauth_admin",
                                  groups="base.group_user,base.group_system",
                                  name="OAuth Admin", email="oauth.admin@example.com")

    @classmethod
    def _register_microsoft(cls, client_id, endpoint):
        """Odoo registered at the loopback provider as its Microsoft application, through
        Odoo's own parameters (``microsoft_outlook.endpoint``: the provider's address)."""
        secret = client_id + "-secret"
        cls.provider.add_client(client_id, secret,
                                [cls.env["mail.account"]._oauth_redirect_uri()])
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("microsoft_outlook_client_identifier", client_id)
        params.set_param("microsoft_outlook_client_secret", secret)
        params.set_param("microsoft_outlook.endpoint", endpoint)

    # ------------------------------------------------------------------ helpers
    def _person(self, shared=(), domain="example.com", claims=None):
        """A person at the provider with a mailbox at the mail servers (at ``domain``;
        at a provider's own domain the login is the address, as there)."""
        suffix = uuid.uuid4().hex[:8]
        login, password = "p" + suffix, "pw-" + suffix
        mailbox = f"{login}@{domain}"
        if domain != "example.com":
            login = mailbox
        self.provider.add_user(login, password, mailbox=mailbox, shared_mailboxes=shared,
                               claims=claims)
        self.servers.add_user(mailbox, "mail-pw-" + suffix)
        return {"login": login, "password": password, "mailbox": mailbox,
                "mail_password": "mail-pw-" + suffix}

    def _account(self, user, address, mail_password, **values):
        """A password account of ``user`` at ``address``, through the setup wizard."""
        wizard = self.env["mail.account.setup"].with_user(user).create({
            "email": address, "name": address, "incoming_protocol": "imap",
            "incoming_host": self.servers.host, "incoming_port": self.servers.imap_port,
            "incoming_security": "starttls", "incoming_login": address,
            "incoming_password": mail_password, "smtp_host": self.servers.host,
            "smtp_port": self.servers.smtp_port, "smtp_security": "starttls",
            "smtp_login": address, "smtp_password": mail_password,
        })
        action = wizard.action_test_and_save()
        self.assertEqual(action.get("res_model"), "mail.account", wizard.test_message)
        account = self.env["mail.account"].browse(action["res_id"])
        if values:
            account.sudo().write(values)
        return account

    def _person_account(self, user, **values):
        """A new person and their password account of ``user`` (not signed in yet)."""
        person = self._person()
        return person, self._account(user, person["mailbox"], person["mail_password"], **values)

    def _start(self, user, record):
        """*Sign in with...* clicked by ``user`` in their browser session (on an account
        or a setup wizard): the provider URL."""
        self.authenticate(user.login, user.login)
        action = self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{record._name}/action_oauth_sign_in",
            {"model": record._name, "method": "action_oauth_sign_in",
             "args": [[record.id]], "kwargs": {}},
        )
        self.assertEqual(action["type"], "ir.actions.act_url")
        return action["url"]

    def _consent(self, url, person, allow=True):
        from .oauth_server import browser_sign_in

        with requests.Session() as browser:
            browser.trust_env = False  # REQUESTS_CA_BUNDLE would win over verify
            browser.verify = self.servers.ca_file  # the provider's HTTPS pages
            return browser_sign_in(url, person["login"], person["password"], allow=allow,
                                   session=browser)

    def _callback(self, location):
        self.assertEqual(urlsplit(location).path, CALLBACK_PATH)
        parts = urlsplit(location)
        return self.url_open(f"{parts.path}?{parts.query}", timeout=60, allow_redirects=False)

    def _pending(self, record):
        self.env.invalidate_all()
        return self.env["mail.account.oauth.pending"].sudo().search(
            [("target", "=", f"{record._name},{record.id}")])

    def _sign_in(self, user, account, person, allow=True):
        return self._callback(self._consent(self._start(user, account), person, allow))

    def _token(self, account):
        self.env.invalidate_all()  # written by the HTTP requests
        return self.env["mail.account.oauth.token"].sudo().search(
            [("account_id", "=", account.id)])

    def assertNotSignedIn(self, account):
        """``account`` still signs in with its password: no token was kept."""
        account.invalidate_recordset()
        self.assertEqual(account.auth_method, "password")
        self.assertFalse(self._token(account).access_token)

    def assertNothingSaved(self, account, response, text=None):
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("Sign-in not completed", response.text)
        if text:
            self.assertIn(text, response.text)
        account.invalidate_recordset()
        self.assertEqual(account.auth_method, "password")
        token = self._token(account)
        self.assertFalse(token.refresh_token or token.access_token or token.mailbox)
        self.assertFalse(self._pending(account), "the state is single-use: consumed")

    def _send(self, account, subject):
        mail = self.env["mail.mail"].sudo().create({
            "subject": subject, "body_html": "<p>Hello</p>",
            "email_from": account.email, "email_to": "someone@example.com",
            "mail_server_id": account.mail_server_id.id,
        })
        mail.send()
        return mail

    def _wizard(self, user, address, **values):
        return self.env["mail.account.setup"].with_user(user).create(dict({
            "email": address, "name": address, "incoming_protocol": "imap",
            "incoming_host": self.servers.host, "incoming_port": self.servers.imap_port,
            "incoming_security": "starttls", "incoming_login": address,
            "smtp_host": self.servers.host, "smtp_port": self.servers.smtp_port,
            "smtp_security": "starttls", "smtp_login": address,
        }, **values))

