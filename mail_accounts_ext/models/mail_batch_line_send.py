# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail*: queued lines sent, exactly once.

Each line goes queued -> sending (committed *before* the SMTP transaction) -> sent or
failed (committed right after it). The SMTP conversation is ``tools/smtp_transport.py``
(one session per account and chunk, one reconnection after a dropped connection, the
stage a broken transaction stood at); the messages are built as core's ``mail.mail._send``
builds them (``mail.mail._mae_prepare_messages``).
"""

import functools

from odoo import fields, models

from ..tools import batch as bt
from ..tools import errors, smtp_transport


class MailBatchLine(models.Model):
    _inherit = "mail.batch.line"

    # ------------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------------
    def _send(self):
        """Send the queued lines, one SMTP session per sending account.

        :return: number of lines that reached a final state
        """
        done = 0
        for batch, batch_lines in self.grouped("batch_id").items():
            # read once per batch, not after each line's commit emptied the ORM cache
            env = batch._user_env()
            for account, lines in batch_lines.grouped("account_id").items():
                done += lines.with_context(lang=env.context.get("lang"))._send_through(
                    account, env)
        return done

    def _send_through(self, account, env):
        """Send these lines (one batch, one account) over one SMTP session.

        :param env: the environment of the batch's user (``mail.batch._user_env``)
        """
        done = 0
        configurations = self._sending_configurations()
        with self._smtp_session(account) as smtp:
            for line in self:
                if account and not line._reserve(account):
                    break  # the account's sending limit: the rest waits
                if not line._start_sending(env):
                    continue
                result = smtp_transport.deliver(smtp, functools.partial(
                    line._prepare_messages,
                    configuration=configurations.get(line.sudo().mail_mail_id.id)))
                if result.delivered:
                    self._after_step("delivered", line)
                with self._step():
                    line._finish_sending(result)
                self._after_step("sent", line)
                done += 1
        # the Sent copies reach the account's IMAP Sent folder after the last step is
        # committed (else at its next sync)
        account._push_sent_copies()
        return done

    def _reserve(self, account):
        """Room under the account's sending limit for this line's mail (shared with every
        other sender through the account); without room, the cron comes back when
        there is."""
        self.ensure_one()
        if account.sudo().rate_limit_per_minute <= 0:
            return True  # no limit: no need to count the mail's messages
        mail = self.sudo().mail_mail_id
        plan = account._reserve_sending([mail._mae_message_count() if mail else 1])
        if plan.granted:
            return True
        self.env["mail.batch"]._trigger_cron(plan.retry_at)
        return False

    def _start_sending(self, env):
        """queued -> sending, committed before the SMTP transaction starts; checks again
        that the batch's user may send from the line's account. False: not to send now.

        :param env: the environment of the batch's user (``mail.batch._user_env``)
        """
        self.ensure_one()
        with self._step():
            line = self._lock_lines([bt.QUEUED])
            if not line:
                return False
            mail = line.sudo().mail_mail_id
            if not mail or mail.state != "outgoing":
                line._resolve_without_sending(mail)
                return False
            batch = line.batch_id
            record = env[line.res_model].browse(line.res_id)
            if line.sender_email and not line.account_id:
                line._fail(self.env._(
                    "The e-mail account %(address)s was deleted before the document was "
                    "sent.", address=line.sender_email))
                return False
            if line.account_id and line.account_id not in batch._usable_accounts(
                    record, env=env):
                line._fail(self.env._(
                    "%(user)s may no longer send from the e-mail account %(account)s.",
                    user=batch.user_id.name, account=line.account_id.display_name))
                return False
            if not mail._mae_claim():
                # someone sends the mail right now (e.g. Send now): the next run knows
                return False
            line.write({"state": bt.SENDING, "claim_date": fields.Datetime.now()})
        return True

    def _resolve_without_sending(self, mail):
        """A queued line whose mail is no longer outgoing: sent by someone else (e.g. an
        administrator's *Send now*), failed, or deleted."""
        if self._mail_delivered(mail):
            self.write({"state": bt.SENT, "date_sent": fields.Datetime.now()})
        elif mail and mail.state == "exception":
            self._fail(mail.failure_reason or self.env._("The e-mail could not be sent."))
        else:
            self._fail(self.env._("The e-mail was cancelled or deleted before it was "
                                      "sent."))

    def _smtp_session(self, account):
        """The SMTP session of these lines (``tools.smtp_transport.Session``): through
        the account (its own client, TLS and certificate checks as in its test), or,
        for lines without account, Odoo's outgoing server that core would pick for the
        mail of the line being sent (``mail.mail._mae_sending_configuration``)."""
        if account:
            return account._smtp_session()
        IrMailServer = self.env["ir.mail_server"].sudo()

        def connect():
            # the line being sent: the only one of these lines in "sending"
            line = self.filtered(lambda line: line.state == bt.SENDING)[:1]
            server_id, _alias_domain, smtp_from = \
                line.sudo().mail_mail_id._mae_sending_configuration()
            return IrMailServer.connect(mail_server_id=server_id or None, smtp_from=smtp_from)

        return smtp_transport.Session(connect)

    def _sending_configurations(self):
        """``{mail id: (server id, alias domain id, smtp_from)}`` of these lines' mails,
        as core's ``send`` groups them (``mail.mail._split_by_mail_configuration``), worked
        out once for the lines sent together rather than once per line."""
        mails = self.sudo().mail_mail_id.exists()
        return {
            mail_id: (server_id, alias_domain_id, smtp_from)
            for server_id, alias_domain_id, smtp_from, mail_ids
            in mails._split_by_mail_configuration()
            for mail_id in mail_ids
        }

    def _prepare_messages(self, client, reached, configuration=None):
        """The messages of this line's mail still to send (``prepare`` of
        ``tools.smtp_transport.transmit``): one per recipient, without those already
        reached by this try (``reached``) or by an earlier one (their notification is
        sent). ``configuration``: the mail's sending configuration when known
        (``_sending_configurations``)."""
        mail = self.sudo().mail_mail_id
        skip = mail._mae_reached_partner_ids().union(*reached)
        return mail._mae_prepare_messages(client, skip_partner_ids=skip,
                                          configuration=configuration)

    def _finish_sending(self, result):
        """sending -> sent | failed, with the mail, its notifications and, for an
        account, the copy in its Sent folder."""
        self.ensure_one()
        mail = self.sudo().mail_mail_id
        if result.delivered:
            message_id = mail.message_id
            mail._mae_mark_sent(result.reached)
            self.write({"state": bt.SENT, "date_sent": fields.Datetime.now(),
                        "error": False, "claim_token": False})
            account = self.account_id.sudo()
            if account:
                account._record_send_result(True)
                if result.raw:
                    # kept once this step is committed, in a unit of work of its own
                    account._keep_sent_copy(result.raw, message_id)
            self.env[self.res_model].browse(self.res_id).sudo()._mae_batch_sent(self.report_id)
            return
        reason = (self._uncertain_text() if result.uncertain
                  else self._explain(result.error, result.stage))
        if mail:
            mail._mae_fail(reason, result.reached)
        self.write({"state": bt.FAILED, "error": reason, "uncertain": result.uncertain,
                    "claim_token": False})

    def _explain(self, error, stage):
        """An SMTP error in words (``tools/errors.py``): through the account (which also
        records that sending through it fails), or Odoo's server."""
        if not smtp_transport.is_server_failure(error):
            text = str(error.args[0] if getattr(error, "args", None) else error)
            return self.env._("The e-mail could not be sent: %(error)s", error=text)
        if self.account_id:
            return self.account_id._explain_send_failure(error, stage=stage)
        explanation = errors.explain(error, protocol="smtp",
                                     stage=smtp_transport.explain_stage(stage))
        return self.env["mail.account"]._explain_text(explanation)
