# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import smtplib

from odoo import api, fields, models

from odoo.addons.base.models.ir_mail_server import MailDeliveryException


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
        return server.sudo().mail_account_id

    def connect(self, host=None, port=None, user=None, password=None, encryption=None,
                smtp_from=None, ssl_certificate=None, ssl_private_key=None, smtp_debug=False,
                mail_server_id=None, allow_archived=False):
        """Explain why connecting to an account's server failed (and remember it)."""
        try:
            return super().connect(
                host=host, port=port, user=user, password=password, encryption=encryption,
                smtp_from=smtp_from, ssl_certificate=ssl_certificate,
                ssl_private_key=ssl_private_key, smtp_debug=smtp_debug,
                mail_server_id=mail_server_id, allow_archived=allow_archived,
            )
        except OSError as error:  # socket, TLS and SMTP errors (SMTPException is one)
            account = self._mail_account_of(mail_server_id)
            if not account:
                raise
            raise MailAccountDeliveryException(account._explain_send_failure(error)) from error

    @api.model
    def send_email(self, message, mail_server_id=None, smtp_server=None, smtp_port=None,
                   smtp_user=None, smtp_password=None, smtp_encryption=None,
                   smtp_ssl_certificate=None, smtp_ssl_private_key=None,
                   smtp_debug=False, smtp_session=None):
        """Explain why an account's server refused a message; remember that it works."""
        account = self._mail_account_of(mail_server_id)
        try:
            message_id = super().send_email(
                message, mail_server_id=mail_server_id, smtp_server=smtp_server,
                smtp_port=smtp_port, smtp_user=smtp_user, smtp_password=smtp_password,
                smtp_encryption=smtp_encryption, smtp_ssl_certificate=smtp_ssl_certificate,
                smtp_ssl_private_key=smtp_ssl_private_key, smtp_debug=smtp_debug,
                smtp_session=smtp_session,
            )
        except MailAccountDeliveryException:
            raise  # from connect(), explained already
        except MailDeliveryException as error:
            if not account:
                raise
            # Core wraps the SMTP error in a text; explain the error itself.
            cause = error.__cause__ or error.__context__ or error
            raise MailAccountDeliveryException(
                account._explain_send_failure(cause, stage="send")
            ) from cause
        except smtplib.SMTPServerDisconnected as error:
            if account:
                account._explain_send_failure(error, stage="send")
            raise  # core stops the whole batch on it: keep it as it is
        if account:
            account._record_send_result(True)
        return message_id
