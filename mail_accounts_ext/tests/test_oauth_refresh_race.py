# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two workers refresh the same account's token at once: the newest token survives.

The provider (``tests/oauth_server.py``) rotates refresh tokens: each refresh kills the
refresh token it used. Without the row lock both workers would refresh with the same
token and the second would be refused (*Sign-in needed*). The workers are separate OS
processes (``tests/oauth_refresh_worker.py``) committing for real; the fixtures are
committed through a cursor of their own and removed afterwards.
"""

import os
import uuid
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from ..models.mail_account_connection import CA_FILE_PARAM
from ..models.mail_account_oauth import GENERIC_PREFIX
from ..tools import oauth
from .common import DISABLED_MAIL_CONTEXT, release_workers, start_worker, wait_until_ready
from .common_oauth import start_oauth_peers

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oauth_refresh_worker.py")
WORKERS = 3
WORKER_TIMEOUT = 120
REDIRECT = "http://127.0.0.1:9/mail_accounts_ext/oauth/callback"  # never served


@tagged("post_install", "-at_install")
class TestOAuthRefreshRace(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_oauth_peers(cls)

    def _committed(self):
        return db_connect(self.env.cr.dbname).cursor()

    def _params(self):
        client_id, secret = "race-" + uuid.uuid4().hex[:6], "secret-" + uuid.uuid4().hex
        self.provider.add_client(client_id, secret, [REDIRECT])
        return {
            GENERIC_PREFIX + "authorize_url": self.provider.url("authorize"),
            GENERIC_PREFIX + "token_url": self.provider.url("token"),
            GENERIC_PREFIX + "userinfo_url": self.provider.url("userinfo"),
            GENERIC_PREFIX + "scopes": "mail offline_access",
            GENERIC_PREFIX + "client_id": client_id,
            GENERIC_PREFIX + "client_secret": secret,
            CA_FILE_PARAM: self.servers.ca_file,
        }

    def _commit_fixtures(self, params):
        """An account of the administrator signed in with the provider, its access token
        expired (committed)."""
        from .oauth_server import browser_sign_in, query_of

        suffix = uuid.uuid4().hex[:8]
        login, password, address = "r" + suffix, "pw-" + suffix, f"r{suffix}@example.com"
        self.provider.add_user(login, password, mailbox=address)
        self.servers.add_user(address, "mail-" + suffix)
        with self._committed() as cr:
            env = api.Environment(cr, SUPERUSER_ID, dict(DISABLED_MAIL_CONTEXT))
            for key, value in params.items():
                env["ir.config_parameter"].set_param(key, value)
            wizard = env["mail.account.setup"].with_user(env.ref("base.user_admin")).create({
                "email": address, "name": address, "incoming_protocol": "imap",
                "incoming_host": self.servers.host, "incoming_port": self.servers.imap_port,
                "incoming_security": "starttls", "incoming_login": address,
                "incoming_password": "mail-" + suffix, "smtp_host": self.servers.host,
                "smtp_port": self.servers.smtp_port, "smtp_security": "starttls",
                "smtp_login": address, "smtp_password": "mail-" + suffix,
            })
            action = wizard.action_test_and_save()
            self.assertEqual(action.get("res_model"), "mail.account", wizard.test_message)
            account = env["mail.account"].browse(action["res_id"])
            # the end of a sign-in (what the callback saves after its passing test)
            provider, client_id, secret = account._oauth_provider_config("generic")
            pkce = oauth.make_pkce()
            url = oauth.authorization_url(provider, client_id=client_id, redirect_uri=REDIRECT,
                                          state="s", code_challenge=pkce.challenge)
            code = query_of(browser_sign_in(url, login, password))["code"]
            tokens = oauth.exchange_code(provider, client_id=client_id, client_secret=secret,
                                         code=code, redirect_uri=REDIRECT,
                                         code_verifier=pkce.verifier)
            identity = oauth.resolve_mailbox(address, tokens.mailbox)
            account._oauth_save_tokens(tokens, identity)
            settings = dict(account._connection_settings(), auth_method="oauth",
                            oauth_provider="generic", oauth_mailbox=tokens.mailbox,
                            incoming_password=False, smtp_password=False)
            account.write({"auth_method": "oauth", "oauth_provider": "generic",
                           "incoming_password": False, "smtp_password": False,
                           "tested_fingerprint": account._sign_settings(settings)})
            account._oauth_token().expires_at = datetime.utcnow() - timedelta(minutes=1)
            cr.commit()  # pylint: disable=invalid-commit
            return account.id

    def _remove_fixtures(self, account_id, params):
        with self._committed() as cr:
            env = api.Environment(cr, SUPERUSER_ID, dict(DISABLED_MAIL_CONTEXT))
            env["mail.account"].with_context(active_test=False).browse(
                account_id).exists().unlink()
            for key in params:
                env["ir.config_parameter"].set_param(key, False)
            cr.commit()  # pylint: disable=invalid-commit

    def test_concurrent_refreshes_keep_the_newest_token(self):
        params = self._params()
        account_id = self._commit_fixtures(params)
        self.addCleanup(self._remove_fixtures, account_id, params)
        workers = [start_worker(self, WORKER, ids=[account_id]) for _index in range(WORKERS)]
        wait_until_ready(self, workers)
        refreshes = self.provider.token_request_count("refresh_token")
        tokens = []
        for result, err in release_workers(workers, WORKER_TIMEOUT):
            self.assertIsNotNone(result, err[-3000:])
            tokens.append(result["tokens"][str(account_id)])
        self.assertEqual(self.provider.token_request_count("refresh_token"), refreshes + 1,
                         "one refresh; the other workers used its committed result")
        self.assertEqual(len(set(tokens)), 1, tokens)
        self.assertFalse(tokens[0].startswith("error"), tokens)
        with self._committed() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["mail.account"].browse(account_id)
            self.assertNotEqual(account.oauth_status, "needed", account.oauth_status_message)
            stored = account._oauth_token()
            self.assertEqual(stored.access_token, tokens[0])
            # the stored refresh token is the newest: the provider still takes it
            provider, client_id, secret = account._oauth_provider_config("generic")
            oauth.refresh(provider, client_id=client_id, client_secret=secret,
                          refresh_token=stored.refresh_token)
