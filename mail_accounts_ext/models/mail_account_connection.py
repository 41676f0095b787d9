# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The connection settings of an account, their test, and the secrets seam.

``_connection_settings`` is the one method that reads an account's secrets;
``_credentials`` / ``_credentials_from`` give the login and secret for a server (OAuth 2.0
plugs in there), ``_imap_session`` / ``_pop3_session`` / ``_smtp_session`` the clients.
See readme/DEVELOP.md, *The two seams*.
"""

import contextlib
import functools
import hashlib
import hmac

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import connection, errors, presets, protocol_lock, smtp_transport

CA_FILE_PARAM = "mail_accounts_ext.ca_file"
PROBE_TIMEOUT = 15
# The two servers of an account, and the prefix of their connection fields.
INCOMING = "incoming"
OUTGOING = "outgoing"
DIRECTION_PREFIX = {INCOMING: "incoming", OUTGOING: "smtp"}
SYNC_TIMEOUT = 60  # seconds per network read while fetching
SMTP_TIMEOUT = 60


class MailAccount(models.Model):
    _inherit = "mail.account"

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_test_connection(self):
        """Test the stored settings again and record the result (who may change the
        account only: read-only supervisors change nothing)."""
        self.ensure_one()
        self.check_access("write")
        result = self._run_connection_test(self._connection_settings())
        self.sudo().write({
            "last_test_date": fields.Datetime.now(),
            "last_test_ok": result["ok"],
            "last_test_message": result["message"],
        })
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if result["ok"] else "danger",
                "title": self.env._("Connection test passed") if result["ok"]
                else self.env._("Connection test failed"),
                "message": result["message"],
                "sticky": not result["ok"],
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # SECRETS AND CONNECTIONS (the one place that reads the passwords)
    # ------------------------------------------------------------------
    def _connection_settings(self):
        """The account's connection settings (``protocol_lock.CONNECTION_FIELDS``),
        the secrets included: what the connection test and every connection use.

        The only method that reads the account's secrets. They are system-only fields
        (``groups="base.group_system"``), yet every user of the account, the fetch cron
        and the mail queue connect with them: read with ``sudo()`` here, once, and never
        returned to a client (no action or RPC method hands them out).
        """
        self.ensure_one()
        account = self.sudo()
        return {name: account[name] for name in protocol_lock.CONNECTION_FIELDS}

    @api.model
    def _credentials_from(self, settings, direction):
        """The login and the secret that sign in to the server of ``direction`` with
        ``settings``: the account's saved settings (:meth:`_credentials`) or settings a
        wizard tests before saving them (setup, *Change protocol*).

        The secret is the password today. An account signing in with OAuth 2.0
        returns ``tools.connection.Bearer(access_token)`` instead, which every client
        and probe of ``tools.connection`` accepts as the password: override this method
        (and :meth:`_credentials` for saved accounts) with ``super()``.

        :param settings: ``{field: value}`` of ``protocol_lock.CONNECTION_FIELDS``
        :param direction: :data:`INCOMING` (IMAP/POP3) or :data:`OUTGOING` (SMTP)
        :returns: ``(login, secret)``
        """
        prefix = DIRECTION_PREFIX[direction]
        return settings.get(f"{prefix}_login") or "", settings.get(f"{prefix}_password") or ""

    def _credentials(self, direction):
        """``(login, secret)`` of this account's ``direction`` server (see
        :meth:`_credentials_from`)."""
        self.ensure_one()
        return self._credentials_from(self._connection_settings(), direction)

    @api.model
    def _server_from(self, settings, direction):
        """``(host, port, security, login, secret)``: the arguments of the
        ``tools.connection`` clients and probes for ``direction`` with ``settings``."""
        prefix = DIRECTION_PREFIX[direction]
        return (settings[f"{prefix}_host"], settings[f"{prefix}_port"],
                settings[f"{prefix}_security"], *self._credentials_from(settings, direction))

    def _connect(self, direction, opener, timeout):
        """A logged-in client of ``opener`` (``connection.open_imap``, ...) through this
        account; raises what connecting raised."""
        self.ensure_one()
        settings = self._connection_settings()
        return opener(*self._server_from(settings, direction), timeout=timeout,
                      ssl_context=self._ssl_context(settings["verify_certificates"]))

    def _imap_connect(self):
        """A logged-in IMAP client; the caller ends it (prefer :meth:`_imap_session`)."""
        return self._connect(INCOMING, connection.open_imap, SYNC_TIMEOUT)

    def _pop3_connect(self):
        """A logged-in POP3 client; the caller ends it (prefer :meth:`_pop3_session`)."""
        return self._connect(INCOMING, connection.open_pop3, SYNC_TIMEOUT)

    def _smtp_connect(self, smtp_from=None):
        """A logged-in SMTP client, for ``ir.mail_server.connect`` (core closes it; code
        of the addon uses :meth:`_smtp_session`). Raises what connecting raised:
        ``ir.mail_server.connect()`` explains and records it."""
        client = self._connect(OUTGOING, connection.open_smtp, SMTP_TIMEOUT)
        account = self.sudo()
        # What core's connect() sets, read by _prepare_email_message.
        client.from_filter = account.mail_server_id.from_filter
        client.smtp_from = smtp_from or account._email_from()
        # Read by ir.mail_server._prepare_email_message: addresses as this server takes them.
        client.mail_account_id = account.id
        return client

    @contextlib.contextmanager
    def _imap_session(self):
        """A logged-in IMAP client for the block: LOGOUT after it, the socket closed in
        any case."""
        conn = self._imap_connect()
        try:
            yield conn
            with contextlib.suppress(Exception):
                conn.logout()
        finally:
            with contextlib.suppress(Exception):
                conn.shutdown()

    @contextlib.contextmanager
    def _pop3_session(self):
        """A logged-in POP3 client for the block. The server deletes what was marked
        only at ``QUIT``, which the block sends (``pop3_fetch.fetch`` does); leaving it
        any other way closes the connection without ``QUIT``: nothing is deleted."""
        conn = self._pop3_connect()
        try:
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def _smtp_session(self, smtp_from=None):
        """An SMTP session through this account for a ``with`` block: connected at the
        first message (``.client``), reconnected after ``.reset()``, ``QUIT`` at the end
        (:class:`tools.smtp_transport.Session`)."""
        self.ensure_one()
        return smtp_transport.Session(functools.partial(self._smtp_connect, smtp_from))

    def _ssl_context(self, verify):
        cafile = self.env["ir.config_parameter"].sudo().get_param(CA_FILE_PARAM) or None
        return connection.make_ssl_context(verify=verify, cafile=cafile)

    # ------------------------------------------------------------------
    # THE CONNECTION TEST
    # ------------------------------------------------------------------
    @api.model
    def _run_connection_test(self, settings):
        """Really connect with ``settings``: SMTP, then IMAP or POP3.

        :returns: dict ``ok`` (both passed), ``message`` (translated text for the user),
            ``failures`` (list of (protocol, Explanation)).
        """
        context = self._ssl_context(settings.get("verify_certificates", True))
        smtp = connection.probe_smtp(
            *self._server_from(settings, OUTGOING), settings["email"],
            timeout=PROBE_TIMEOUT, ssl_context=context,
        )
        probe_in = (connection.probe_imap if settings["incoming_protocol"] == "imap"
                    else connection.probe_pop3)
        incoming = probe_in(*self._server_from(settings, INCOMING), timeout=PROBE_TIMEOUT,
                            ssl_context=context)
        lines, failures = [], []
        for label, result, host, port in (
            ("SMTP", smtp, settings["smtp_host"], settings["smtp_port"]),
            (settings["incoming_protocol"].upper(), incoming, settings["incoming_host"],
             settings["incoming_port"]),
        ):
            if result.ok:
                lines.append(self.env._("%(protocol)s: connection, sign-in and checks passed.",
                                        protocol=label))
                continue
            explanation = errors.explain(result.error, protocol=result.protocol,
                                         stage=result.stage, host=host, port=port,
                                         known_host=presets.is_known_host(host))
            failures.append((result.protocol, explanation))
            lines.append(self.env._("%(protocol)s: %(explanation)s", protocol=label,
                                    explanation=self._explain_text(explanation)))
        return {"ok": not failures, "message": "\n".join(lines), "failures": failures}

    @api.model
    def _sign_settings(self, settings):
        """Bind a tested configuration to this database: HMAC of its fingerprint.

        Only code that really ran a passing test stores it (the setup wizard, sudo);
        ``tested_fingerprint`` is a system-only field and the key is the database
        secret, so an RPC ``write`` cannot forge it.
        """
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""
        digest = protocol_lock.fingerprint(settings)
        return hmac.new(secret.encode(), digest.encode(), hashlib.sha256).hexdigest()

    def _is_tested(self):
        self.ensure_one()
        account = self.sudo()
        return bool(account.tested_fingerprint) and hmac.compare_digest(
            account.tested_fingerprint, self._sign_settings(account._connection_settings())
        )

    def _check_tested(self):
        for account in self:
            if not account._is_tested():
                raise ValidationError(
                    self.env._(
                        "The connection settings of %(name)s have not passed a connection "
                        "test. Use \"Change settings\" (or \"Add account\"): the settings are "
                        "saved once the test passes.",
                        name=account.name,
                    )
                )
