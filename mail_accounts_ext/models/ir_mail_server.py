# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.ir_mail_server import (
    MailDeliveryException,
    extract_rfc2822_addresses,
)

from ..tools import headers

_logger = logging.getLogger(__name__)

# Address headers written as the account's server takes them (Bcc and X-Forge-To are
# read by core's _prepare_email_message, which removes them or puts them in To).
ADDRESS_HEADERS = ("From", "Sender", "Reply-To", "To", "Cc", "Bcc", "X-Forge-To")


class MailAccountDeliveryException(MailDeliveryException):
    """Sending through an e-mail account failed; the text explains why and what to do.

    ``outcome`` says what it means for the message (``tools.delivery``: temporary,
    permanent or uncertain), ``error`` is what the connection raised.
    """

    def __init__(self, text, outcome=None, error=None):
        super().__init__(text)
        self.outcome = outcome
        self.error = error


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
        the account's (``mail.account._credentials``), never a copy here."""
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
    def _mae_account_of(self, mail_server_id):
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
        account = self._mae_account_of(mail_server_id)
        if not account:
            return super().connect(
                host=host, port=port, user=user, password=password, encryption=encryption,
                smtp_from=smtp_from, ssl_certificate=ssl_certificate,
                ssl_private_key=ssl_private_key, smtp_debug=smtp_debug,
                mail_server_id=mail_server_id, allow_archived=allow_archived)
        try:
            return account._smtp_connect(smtp_from=smtp_from)
        except OSError as error:  # socket, TLS and SMTP errors (SMTPException is one)
            text, outcome = account._send_failure(error)
            raise MailAccountDeliveryException(text, outcome, error) from error

    @api.model
    def send_email(self, message, mail_server_id=None, smtp_server=None, smtp_port=None,
                   smtp_user=None, smtp_password=None, smtp_encryption=None,
                   smtp_ssl_certificate=None, smtp_ssl_private_key=None, smtp_debug=False,
                   smtp_session=None):
        """Mail of an e-mail account really leaves through the account's SMTP server
        (in tests too), a refusal is explained and classified, and the message is kept
        in the account's Sent folder once the sending is committed.

        With a session of ``mail.mail._mae_send``, what happened is reported
        to it (``session.mail_account_results``): it decides what the mail becomes and
        keeps the Sent copies. Nothing else is written in the sending transaction.

        The sending itself is a cited copy of core's ``send_email`` (odoo/addons/base/
        models/ir_mail_server.py, Odoo 18.0: the session or ``connect``,
        ``_prepare_email_message``, ``send_message``, ``quit``), which sends nothing
        while tests run and hides where a broken transaction stood;
        ``tests/test_batch_core_mail.py`` compares what both hand the server.
        """
        account = self._mae_account_of(mail_server_id)
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
        results = getattr(smtp, "mail_account_results", None)
        try:
            smtp_from, smtp_to_list, message = server._prepare_email_message(message, smtp)
            message_id = message["Message-Id"]
            smtp.transaction_stage = None
            try:
                smtp.send_message(message, smtp_from, smtp_to_list)
            except Exception as error:  # noqa: BLE001 - every refusal is explained
                stage = getattr(smtp, "transaction_stage", None)
                text, outcome = account._send_failure(error, stage=stage)
                if results is not None:
                    results.append(SendResult(outcome=outcome, error=error, text=text))
                raise MailAccountDeliveryException(text, outcome, error) from error
            if not smtp_session:
                smtp.quit()
        finally:
            if not smtp_session:
                with contextlib.suppress(Exception):
                    smtp.close()
        account._record_send_result(True)
        if results is not None:
            results.append(SendResult(raw=raw, message_id=message_id))
        else:
            account._keep_sent_copy(raw, message_id)
            account._push_sent_copies()
        return message_id

    def _prepare_email_message(self, message, smtp_session):
        """Addresses as an account's server takes them, in the headers and the envelope.

        International domains travel in their IDNA form (``dave@bücher.example`` as
        ``dave@xn--bcher-kva.example``), whatever the server; a non-ASCII local part
        needs a server that offers SMTPUTF8 (then the message goes out as UTF-8),
        otherwise the mail is refused with an explanation. The headers are converted
        before core reads the envelope from them, and again after it (core may put
        the session's From back); mail of other servers is left to core.
        """
        account = self.env["mail.account"].sudo().browse(
            getattr(smtp_session, "mail_account_id", None) or ())
        if not account:
            return super()._prepare_email_message(message, smtp_session)
        smtputf8 = bool(smtp_session.has_extn("smtputf8"))
        try:
            self._mae_convert_address_headers(message, smtputf8)
            server = self
            validated = self.env.context.get("send_validated_to")
            if validated:  # core keeps the recipients found in this list only
                server = self.with_context(send_validated_to=list(validated) + [
                    headers.smtp_address(address, smtputf8=True) for address in validated])
            smtp_from, smtp_to_list, message = super(
                IrMailServer, server)._prepare_email_message(message, smtp_session)
            addresses = self._mae_convert_address_headers(message, smtputf8)
            smtp_from = headers.smtp_address(smtp_from, smtputf8)
            smtp_to_list = [headers.smtp_address(address, smtputf8) for address in smtp_to_list]
        except headers.AddressError as error:
            raise MailAccountDeliveryException(account._translate_template(
                error.message,
                dict(error.params, server=f"{account.smtp_host}:{account.smtp_port}"),
            )) from error
        if headers.needs_smtputf8(addresses):
            message.policy = message.policy.clone(utf8=True)  # sent with SMTPUTF8
        return smtp_from, smtp_to_list, message

    @api.model
    def _mae_convert_address_headers(self, message, smtputf8):
        """Rewrite the address headers of ``message`` (:func:`tools.headers.address_header`);
        returns the addresses they hold."""
        addresses = []
        for name in ADDRESS_HEADERS:
            value = message[name]
            if value is None:
                continue
            converted, found = headers.address_header(str(value), smtputf8)
            addresses += found
            if found != headers.plain_addresses(str(value)):  # else left as written
                message.replace_header(name, converted)
        return addresses


class SendResult:
    """One message handed to an account's server by ``send_email``: delivered (``raw``,
    ``message_id``) or failed (``outcome``, ``error``, ``text``)."""

    __slots__ = ("error", "message_id", "outcome", "raw", "text")

    def __init__(self, raw=None, message_id=None, outcome=None, error=None, text=None):
        self.raw = raw
        self.message_id = message_id
        self.outcome = outcome
        self.error = error
        self.text = text

    @property
    def delivered(self):
        return self.outcome is None
