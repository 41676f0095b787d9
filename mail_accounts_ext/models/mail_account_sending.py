# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sending through an account: the sending limit, the sending status, the Sent copies."""

import contextlib
import logging
from datetime import timedelta

import psycopg2
from psycopg2.errors import DeadlockDetected, LockNotAvailable, SerializationFailure

from odoo import api, fields, models

from ..tools import delivery, errors, ratelimit, smtp_transport
from .transaction import after_commit, can_commit, unit_of_work

_logger = logging.getLogger(__name__)

# Reservations of the sending limit: one advisory lock per account (class, account id).
SEND_LOCK_CLASS = 0x6D616531
# Copies of sent mail stored in Sent: one at a time per account (class, account id).
SENT_COPY_LOCK_CLASS = 0x6D616532
# How long a short transaction of the accounts waits for a lock before giving up.
OWN_TRANSACTION_LOCK_TIMEOUT = "5s"
# How long send timestamps are kept (only the last minute counts).
SEND_LOG_KEEP = ratelimit.WINDOW * 60
# When e-mails try again after another sender held the limit for too long.
SEND_BUSY_RETRY = timedelta(seconds=15)


class MailAccount(models.Model):
    _inherit = "mail.account"

    # ------------------------------------------------------------------
    # SENDING LIMIT AND STATUS
    # ------------------------------------------------------------------
    @contextlib.contextmanager
    def _own_transaction(self):
        """A short transaction of its own for the sending bookkeeping.

        What it records (limit reservations, the sending status) is committed at once,
        visible to concurrent senders, and never waits on the transaction that sends.
        READ COMMITTED: after waiting for a lock, each statement sees what the previous
        holder committed. While tests run, a savepoint of the test cursor stands in for
        it (as ``mail.mail.send_after_commit`` sends on the test cursor).
        """
        if not can_commit():
            cr = self.env.cr
            with cr.savepoint(flush=False):
                cr.execute("SET LOCAL lock_timeout = %s", [OWN_TRANSACTION_LOCK_TIMEOUT])
                yield cr
                cr.execute("SET LOCAL lock_timeout TO DEFAULT")
            return
        with self.env.registry.cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute("SET LOCAL lock_timeout = %s", [OWN_TRANSACTION_LOCK_TIMEOUT])
            yield cr

    def _reserve_sending(self, weights):
        """Take room under this account's sending limit for queued e-mails.

        Reservations of one account are serialized by an advisory lock held by a
        short transaction of their own (:meth:`_own_transaction`) that reads the send
        timestamps of the last minute, plans (:func:`tools.ratelimit.plan_sending`)
        and records what it grants before committing: concurrent senders (the mail
        queue, immediate sends of several users) never count the same room twice.
        Room is taken before sending, so a failed send wastes it rather than
        exceeding the limit.

        :param weights: messages each queued e-mail produces, in sending order
        :returns: :class:`tools.ratelimit.Plan`: the first ``granted`` e-mails may
            leave now, the others wait until ``retry_at``
        """
        self.ensure_one()
        limit = self.sudo().rate_limit_per_minute
        now = fields.Datetime.now()
        if limit <= 0:
            return ratelimit.plan_sending((), now, 0, weights)
        try:
            with self._own_transaction() as cr:
                cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEND_LOCK_CLASS, self.id],
                           log_exceptions=False)
                cr.execute(
                    "SELECT sent_at, message_count FROM mail_account_send_log "
                    "WHERE account_id = %s AND sent_at > %s",
                    [self.id, now - ratelimit.WINDOW],
                )
                plan = ratelimit.plan_sending(cr.fetchall(), now, limit, weights)
                if plan.used:
                    cr.execute(
                        "INSERT INTO mail_account_send_log (account_id, sent_at, message_count) "
                        "VALUES (%s, %s, %s)",
                        [self.id, now, plan.used],
                    )
                cr.execute(
                    "DELETE FROM mail_account_send_log WHERE account_id = %s AND sent_at < %s",
                    [self.id, now - SEND_LOG_KEEP],
                )
        except LockNotAvailable:
            _logger.info("Sending limit of e-mail account %s is busy: its e-mails wait.", self.id)
            return ratelimit.Plan(0, 0, now + SEND_BUSY_RETRY)
        return plan

    def _record_send_result(self, ok, message=False):
        """Remember whether sending through these accounts works.

        Written in a short transaction of its own, and only when the status changes
        (a failure, or the first success after one): the transaction that sends never
        holds a lock on the account, so a concurrent change of the account cannot
        roll back (and resend) mail that already left.
        """
        accounts = self.sudo().filtered(lambda account: not ok or not account.last_send_ok)
        if not accounts:
            return
        try:
            with self._own_transaction() as cr:
                cr.execute(
                    "UPDATE mail_account SET last_send_ok = %s, last_send_message = %s, "
                    "last_send_date = %s WHERE id IN %s",
                    [ok, message or None, fields.Datetime.now(), tuple(accounts.ids)],
                    log_exceptions=False,
                )
        except psycopg2.Error as error:
            _logger.info("Could not record the sending status of e-mail accounts %s: %s",
                         accounts.ids, error)
        accounts.invalidate_recordset(["last_send_ok", "last_send_message", "last_send_date"])

    def _explain_send_failure(self, error, stage=None):
        """Explain (in the sender's language) and record a failed send through this account.

        :param error: what ``smtplib``/``ssl``/``socket`` raised
        :returns: the text for the mail's and the notifications' failure reason
        """
        return self._send_failure(error, stage=stage)[0]

    def _send_failure(self, error, stage=None):
        """A failed send through this account: explained, recorded, classified.

        :param error: what ``smtplib``/``ssl``/``socket`` raised
        :param stage: where the SMTP transaction stood (the session's
            ``transaction_stage``, or a stage of ``tools.errors``)
        :returns: ``(text, outcome)``: the text for the mail's and the notifications'
            failure reason (in the sender's language), and what the failure means for
            the message (``tools.delivery``: temporary, permanent or uncertain)
        """
        self.ensure_one()
        account = self.sudo()
        explanation = errors.explain(error, protocol="smtp",
                                     stage=smtp_transport.explain_stage(stage),
                                     host=account.smtp_host, port=account.smtp_port)
        text = self.env._(
            "Sending through the e-mail account %(account)s (%(server)s) failed. "
            "%(explanation)s",
            account=account.display_name, server=f"{account.smtp_host}:{account.smtp_port}",
            explanation=self._explain_text(explanation),
        )
        self._record_send_result(False, text)
        return text, delivery.outcome(error, stage, explanation.temporary)

    # ------------------------------------------------------------------
    # AFTER THE SENDING IS COMMITTED: THE COPY IN SENT
    # ------------------------------------------------------------------
    def _keep_sent_copy(self, raw, message_id):
        """Keep a message that left through this account in its Sent folder.

        Never in the transaction that sends: a failure there (a conflict with a
        concurrent fetch, the IMAP server) would roll back the *sent* state of mail that
        already left, and the mail would be sent again. The copy is registered in a unit
        of work of its own once the sending is committed (in tests: a savepoint, now);
        its upload to the IMAP Sent folder follows (:meth:`_push_sent_copies`), else the
        next sync uploads it.
        """
        self.ensure_one()
        if not can_commit():
            self._register_sent_copies([(self.id, raw, message_id)])
            return
        after_commit(self.env, "mail_accounts_ext.sent_copies", (self.id, raw, message_id),
                     lambda env, copies: env["mail.account"]._register_sent_copies(copies))

    @api.model
    def _register_sent_copies(self, copies):
        """Store ``[(account id, raw, message_id)]`` in the accounts' Sent folders.

        Outside tests each copy is a transaction of its own: READ COMMITTED and
        serialized per account (the folder's counters are one row that every copy
        updates), tried once more after a conflict with another transaction (e.g. a
        fetch of the account).
        """
        Message = self.env["mail.account.message"]
        cr = self.env.cr
        for account_id, raw, message_id in copies:
            for attempt in range(2):
                try:
                    with unit_of_work(self.env):
                        if can_commit():  # a transaction of its own (tests: a savepoint)
                            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                                       [SENT_COPY_LOCK_CLASS, account_id])
                        account = self.sudo().browse(account_id).exists()
                        if account:
                            Message._register_sent(account, raw, message_id)
                    break
                except (SerializationFailure, DeadlockDetected):
                    if attempt:
                        _logger.warning("e-mail %s sent, but its copy in Sent failed "
                                        "(concurrent update)", message_id)
                except Exception:  # noqa: BLE001 - the mail left; only its copy is missing
                    _logger.warning("e-mail %s sent, but its copy in Sent failed", message_id,
                                    exc_info=True)
                    break

    def _push_sent_copies(self):
        """Upload what these accounts keep to send to IMAP (the Sent copies) once the
        current transaction is committed, in a unit of work of its own (in tests: now);
        what fails is uploaded by the next sync."""
        accounts = self.sudo().filtered(lambda account: account.incoming_protocol == "imap")
        if not accounts:
            return
        if not can_commit():
            accounts._push_changes_quietly()
            return
        for account_id in accounts.ids:
            after_commit(self.env, "mail_accounts_ext.push_accounts", account_id,
                         lambda env, ids: env["mail.account"].browse(
                             sorted(set(ids)))._push_changes_quietly(commit=True))
