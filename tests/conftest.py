"""Make the addon's plain-Python parts importable without Odoo.

``mail_accounts_ext/__init__.py`` imports the ORM layer, which needs Odoo. The
pure suite only needs ``mail_accounts_ext.tools`` (and the mail server harness in
``mail_accounts_ext/tests/mailservers.py``), so the two packages are registered
as bare namespaces pointing at their folders, without running their ``__init__``.
"""

import os
import sys
import types
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = os.path.join(ROOT, "mail_accounts_ext")


def _namespace(name, path):
    if name in sys.modules:
        return
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules[name] = module


_namespace("mail_accounts_ext", ADDON)
_namespace("mail_accounts_ext.tests", os.path.join(ADDON, "tests"))


def _until_stopped(server):
    """Yield the started ``server``; stop it when the fixture ends."""
    try:
        yield server
    finally:
        server.stop()


def _mail_servers(**options):
    """The harness' servers started with ``options`` (skipped, or failed when required,
    without Dovecot or aiosmtpd), until the fixture ends."""
    from mail_accounts_ext.tests import mailservers as harness

    harness.check_available(pytest.skip.Exception)
    yield from _until_stopped(harness.MailServers.start(**options))


@pytest.fixture(scope="session")
def mailservers():
    """Real loopback mail servers (Dovecot IMAP/POP3 + aiosmtpd SMTP) for the session.

    Started once, stopped at the end; tests share it, so each test should use
    its own logins (e.g. with a uuid suffix).  Skips when Dovecot or aiosmtpd
    is not installed, fails when the run requires them (``MAE_REQUIRE_MAIL_SERVERS=1``).
    """
    yield from _mail_servers()


@pytest.fixture
def box(mailservers):
    """A new mailbox on ``mailservers`` (password "pw"): its login."""
    login = f"box-{uuid.uuid4().hex[:10]}@example.com"
    mailservers.add_user(login, "pw")
    return login


@pytest.fixture(scope="session")
def oauth_server():
    """A real OAuth 2.0 authorization server on loopback (``tests/oauth_server.py``)."""
    pytest.importorskip("oauthlib")
    from mail_accounts_ext.tests.oauth_server import OAuthServer

    yield from _until_stopped(OAuthServer.start())


@pytest.fixture(scope="session")
def oauth_mailservers(oauth_server):
    """Dovecot and aiosmtpd accepting XOAUTH2/OAUTHBEARER tokens of ``oauth_server``
    (checked by introspection), passwords too.  Shared: use your own logins."""
    yield from _mail_servers(oauth_introspection_url=oauth_server.introspection_url)


@pytest.fixture(scope="session")
def loopback_certs(tmp_path_factory):
    """A private CA and a server certificate for 127.0.0.1 (the harness' own kind)."""
    from mail_accounts_ext.tests import mailservers as harness

    return harness._ensure_certs(str(tmp_path_factory.mktemp("certs")), "127.0.0.1")


@pytest.fixture
def https_server(loopback_certs):
    """An HTTPS server on 127.0.0.1 serving ``routes``; its CA is ``ca_file``."""
    from mail_accounts_ext.tests.https_server import HttpsServer

    server = HttpsServer(loopback_certs["server_cert"], loopback_certs["server_key"])
    server.ca_file = loopback_certs["ca_file"]
    try:
        yield server
    finally:
        server.close()
