# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import logging
import smtplib

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.ir_mail_server import (
    MailDeliveryException,
    extract_rfc2822_addresses,
)

_logger = logging.getLogger(__name__)


class MailAccountDeliveryException(MailDeliveryException):
    """Sending through an e-mail account failed; the text explains why and what to do."""


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    mail_account_id = fields.Many2one(
        "mail.account", string="E-mail Account", readonly=True, index="btree_not_null",
        ondelete="cascade",
        help="This server sends the mail of one e-mail account only: Odoo never picks it "
        "on its own for other mail.",
    )

    @api.constrains("smtp_pass", "mail_account_id")
    def _check_account_server_password(self):
        """An account's server holds no password: the account's own SMTP client reads
        the account's (``mail.account._smtp_session``), never a copy here."""
        # smtp_pass is readable by administrators only; this check runs for anyone's write.
        for server in self.sudo().filtered(lambda s: s.mail_account_id and s.smtp_pass):
            raise ValidationError(self.env._(
                "The outgoing mail server %(server)s belongs to the e-mail account "
                "%(account)s and keeps no password: change the password in the account's "
                "settings, where it is tested before it is saved.",
                server=server.name, account=server.mail_account_id.name))

    @api.model
    def _find_mail_server(self, email_from, mail_servers=None):
        """Never choose an account's private server by address or as a fallback.

        Core picks a server by ``from_filter`` and, failing that, any server at all;
        mail that should leave through an account names its ``mail_server_id``.
        """
        if mail_servers is None:
            mail_servers = self.sudo().search([("mail_account_id", "=", False)], order="sequence")
        else:
            mail_servers = mail_servers.filtered(lambda server: not server.mail_account_id)
        return super()._find_mail_server(email_from, mail_servers=mail_servers)

    @api.model
    def _mail_account_of(self, mail_server_id):
        """The e-mail account whose private server is ``mail_server_id`` (or empty)."""
        if not mail_server_id:
            return self.env["mail.account"]
        server = mail_server_id if isinstance(mail_server_id, models.BaseModel) else (
            self.sudo().browse(mail_server_id))
        return server.sudo().exists().mail_account_id

    def connect(self, host=None, port=None, user=None, password=None, encryption=None,
                smtp_from=None, ssl_certificate=None, ssl_private_key=None, smtp_debug=False,
                mail_server_id=None, allow_archived=False):
        """An account's server: our own SMTP client (TLS and certificate checks as in the
        account's connection test), also in test mode, where core connects to nothing.
        Why connecting failed is explained (and remembered on the account)."""
        account = self._mail_account_of(mail_server_id)
        if not account:
            return super().connect(
                host=host, port=port, user=user, password=password, encryption=encryption,
                smtp_from=smtp_from, ssl_certificate=ssl_certificate,
                ssl_private_key=ssl_private_key, smtp_debug=smtp_debug,
                mail_server_id=mail_server_id, allow_archived=allow_archived)
        try:
            return account._smtp_session(smtp_from=smtp_from)
        except OSError as error:  # socket, TLS and SMTP errors (SMTPException is one)
            raise MailAccountDeliveryException(account._explain_send_failure(error)) from error

    @api.model
    def send_email(self, message, mail_server_id=None, smtp_server=None, smtp_port=None,
                   smtp_user=None, smtp_password=None, smtp_encryption=None,
                   smtp_ssl_certificate=None, smtp_ssl_private_key=None, smtp_debug=False,
                   smtp_session=None):
        """Mail of an e-mail account really leaves through the account's SMTP server
        (in tests too), is kept in the account's Sent folder, and a refusal is explained."""
        account = self._mail_account_of(mail_server_id)
        if not account:
            return super().send_email(
                message, mail_server_id=mail_server_id, smtp_server=smtp_server,
                smtp_port=smtp_port, smtp_user=smtp_user, smtp_password=smtp_password,
                smtp_encryption=smtp_encryption, smtp_ssl_certificate=smtp_ssl_certificate,
                smtp_ssl_private_key=smtp_ssl_private_key, smtp_debug=smtp_debug,
                smtp_session=smtp_session)
        raw = message.as_bytes()  # before Bcc is removed: the Sent copy keeps it
        server = self
        validated = self.env.context.get("send_validated_to")
        bcc = extract_rfc2822_addresses(message["Bcc"] or "")
        if validated and bcc:  # mail.mail validates To and Cc only: keep the Bcc too
            server = self.with_context(send_validated_to=list(validated) + bcc)
        smtp = smtp_session or self.connect(mail_server_id=mail_server_id,
                                            smtp_from=message["From"])
        try:
            smtp_from, smtp_to_list, message = server._prepare_email_message(message, smtp)
            message_id = message["Message-Id"]
            try:
                smtp.send_message(message, smtp_from, smtp_to_list)
            except smtplib.SMTPServerDisconnected as error:
                account._explain_send_failure(error, stage="send")
                raise  # core stops the whole batch on it: keep it as it is
            except Exception as error:  # noqa: BLE001 - every refusal is explained
                raise MailAccountDeliveryException(
                    account._explain_send_failure(error, stage="send")) from error
            if not smtp_session:
                smtp.quit()
        finally:
            if not smtp_session:
                with contextlib.suppress(Exception):
                    smtp.close()
        account._record_send_result(True)
        try:
            with self.env.cr.savepoint():
                self.env["mail.account.message"]._register_sent(account.sudo(), raw, message_id)
        except Exception:  # noqa: BLE001 - the mail left; only its Sent copy is missing
            _logger.info("e-mail %s sent, but its copy in Sent failed", message_id, exc_info=True)
        return message_id
