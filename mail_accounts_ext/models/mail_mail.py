# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools
import logging
from collections import defaultdict

from psycopg2.errors import SerializationFailure

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_datetime
from odoo.tools.mail import email_split_and_format

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from ..tools import batch as bt
from ..tools import delivery, smtp_transport
from .ir_mail_server import MailAccountDeliveryException, SendResult
from .transaction import unit_of_work

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    _inherit = "mail.mail"

    mail_batch_line_ids = fields.One2many(
        "mail.batch.line", "mail_mail_id", string="Batch Lines", groups="base.group_system",
    )
    mail_account_try_count = fields.Integer(
        string="Tries", copy=False, readonly=True,
        help="Tries that failed temporarily (the server asked to try later, or the "
        "connection failed before the message was handed over); the mail is tried again "
        "later, a few times, then it fails.",
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Refuse mail routed through an e-mail account its sender may not use."""
        mails = super().create(vals_list)
        forbidden = mails._mae_forbidden()
        if forbidden:
            raise AccessError(forbidden[0]._mae_refusal())
        return mails

    def write(self, vals):
        """A mail queued again by someone (Retry, Send again) gets all its tries back."""
        if vals.get("state") == "outgoing" and "mail_account_try_count" not in vals:
            vals = dict(vals, mail_account_try_count=0)
        return super().write(vals)

    # ------------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------------
    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        """Mail through e-mail accounts is sent exactly once (``_mae_send``);
        the rest as core sends it.

        Every path that sends (composer, chatter, templates, the mailbox, retries, the
        mail queue, ``send_after_commit``) ends here, so the rules hold for all of them,
        also when several of them run at once.
        """
        mails = self.exists()  # e.g. sent and deleted by the mail queue meanwhile
        through_accounts = mails.filtered(lambda mail: mail._mae_account())
        others = mails - through_accounts
        if others:
            super(MailMail, others).send(
                auto_commit=auto_commit, raise_exception=raise_exception,
                post_send_callback=post_send_callback,
            )
        for lang, batch in through_accounts._mae_by_lang().items():
            batch = batch.with_context(lang=lang) if lang else batch
            for server_id, alias_domain_id, smtp_from, batch_ids in \
                    batch._split_by_mail_configuration():
                batch.browse(batch_ids)._mae_send(
                    server_id, alias_domain_id, smtp_from, auto_commit=auto_commit,
                    raise_exception=raise_exception, post_send_callback=post_send_callback,
                )
        return True

    @api.model
    def process_email_queue(self, ids=None, batch_size=1000):
        """Leave the mails a *Print & e-mail* batch holds (queued or being sent) to the
        batch: it sends them through its own SMTP session and records the outcome on
        its line, exactly once. ``filters`` in the context is core's way to narrow the
        queue."""
        filters = list(self.env.context.get("filters") or [])
        filters += ["!", ("mail_batch_line_ids.state", "in", (bt.QUEUED, bt.SENDING))]
        return super(MailMail, self.with_context(filters=filters)).process_email_queue(
            ids=ids, batch_size=batch_size)

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """Mailbox e-mails whose sending failed say so (and can be sent again)."""
        if failure_type:
            messages = self.env["mail.account.message"].sudo().search(
                [("mail_mail_id", "in", self.ids), ("state", "=", "outgoing")])
            for message in messages:
                message.write({
                    "state": "exception",
                    "failure_reason": failure_reason or message.mail_mail_id.failure_reason,
                })
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type)

    # ------------------------------------------------------------------
    # SENDING THROUGH AN E-MAIL ACCOUNT
    # ------------------------------------------------------------------
    def _mae_send(self, server_id, alias_domain_id, smtp_from, auto_commit=False,
                           raise_exception=False, post_send_callback=None):
        """Send these mails (one account server, one sender) exactly once.

        Core's ``send`` for one sending configuration, made safe for several senders at
        once (the mail queue, ``send_after_commit``, a second worker), one mail at a time:

        1. the mail is *claimed*: its row is locked in the sending transaction while it
           is still outgoing (``_mae_claim``); a mail another transaction holds,
           sent or changed in the meantime is left alone;
        2. the sender's right to use the account and the account's sending limit are
           checked (room is taken for the whole group first, ``_mae_plan``);
        3. core's ``_send`` sends it through one SMTP session shared by the group
           (the account's client, ``ir.mail_server.connect``), records it and updates
           the notifications;
        4. ``_mae_after_send`` keeps the Sent copies for after the commit and
           turns a temporary refusal into a later try, a connection lost after the whole
           message into *maybe delivered*.

        Each mail is a savepoint; with ``auto_commit`` (the mail queue) it is committed
        before the next one, so a mail is *sent* in the database before anything else
        (the Sent copy, its IMAP upload) is done for it, and that work, done in units of
        its own, can never roll back a sent mail.
        """
        IrMailServer = self.env["ir.mail_server"]
        server = IrMailServer.sudo().browse(server_id)
        account = server.mail_account_id
        plan = self._mae_plan(account)
        failed = None
        triggered = False
        # the account's client through ir.mail_server.connect (failures explained)
        with smtp_transport.Session(functools.partial(
                IrMailServer.connect, mail_server_id=server_id, smtp_from=smtp_from)) as smtp:
            for index, mail in enumerate(self):
                with self._mae_unit(auto_commit):
                    if not mail._mae_claim():
                        continue
                    if mail._mae_fail_forbidden():
                        continue
                    if mail._mae_waits_for_sign_in(account):
                        continue
                    if plan is not None and index >= plan.granted:
                        mail._mae_hold(account, plan.retry_at, trigger=not triggered)
                        triggered = True
                        continue
                    try:  # a failed connection fails the other mails too (not retried)
                        session = smtp.client
                    except MailAccountDeliveryException as error:
                        if mail._mae_waits_for_sign_in(account, error.error):
                            continue
                        result = SendResult(outcome=error.outcome, error=error.error,
                                            text=error.args[0])
                        mail._mae_fail(result.text)
                        mail._mae_after_send(account, [result], server)
                        failed = failed or result
                        continue
                    session.mail_account_results = results = []
                    mail._send(
                        auto_commit=False, raise_exception=False, smtp_session=session,
                        alias_domain_id=alias_domain_id, mail_server=server,
                        post_send_callback=post_send_callback,
                    )
                    failure = mail._mae_after_send(account, results, server)
                    failed = failed or failure
                    if smtp_transport.is_broken(session):
                        smtp.reset()
                if raise_exception and failed:
                    break
        account._push_sent_copies()
        if raise_exception and failed:
            raise MailDeliveryException(failed.text or self.env._("Unable to send the e-mail."))

    def _mae_unit(self, auto_commit):
        """One mail's work: with ``auto_commit`` (the mail queue) a unit of work of its
        own, else a savepoint of the caller's transaction."""
        return unit_of_work(self.env) if auto_commit else self.env.cr.savepoint()

    def _mae_claim(self):
        """Lock this mail for the sending transaction if it is still outgoing.

        ``FOR UPDATE SKIP LOCKED``: a mail another transaction is sending is skipped, not
        waited for. Under REPEATABLE READ, a mail changed by a transaction committed since
        this one began (sent by another worker) cannot be locked: skipped too. The lock
        lasts until this transaction ends, which records what became of the mail. A mail
        a *Print & e-mail* batch is sending (its line committed *sending* before the SMTP
        transaction) is the batch's.

        :returns: whether this transaction may send the mail
        """
        self.ensure_one()
        self.flush_recordset()
        self.env["mail.batch.line"].flush_model(["mail_mail_id", "state"])
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(
                    "SELECT id FROM mail_mail WHERE id = %s AND state = 'outgoing' "
                    "AND NOT EXISTS (SELECT 1 FROM mail_batch_line WHERE mail_mail_id = %s "
                    "AND state = %s) FOR UPDATE OF mail_mail SKIP LOCKED",
                    self.id, self.id, bt.SENDING,
                ), log_exceptions=False)
                claimed = bool(self.env.cr.fetchall())
        except SerializationFailure:
            claimed = False
        self.invalidate_recordset()
        return claimed

    def _mae_fail(self, reason, partners=()):
        """Fail this mail with ``reason`` (as core does when it cannot connect): the
        chatter shows the red envelope with the reason; ``partners``: the recipients a
        failed try reached all the same (their notifications are *sent*)."""
        self.write({"state": "exception", "failure_type": "mail_smtp", "failure_reason": reason})
        self._postprocess_sent_message(success_pids=list(partners), failure_reason=reason,
                                       failure_type="mail_smtp")

    def _mae_after_send(self, account, results, server):
        """What core's ``_send`` recorded, completed for mail through ``account``.

        :param results: what ``ir.mail_server.send_email`` reported, one per message
            handed over (``SendResult``), in the order of ``_prepare_outgoing_list``
        :returns: the failure (a ``SendResult``) or ``None``
        """
        self.ensure_one()
        copies = {}
        for result in results:
            if result.delivered and result.message_id not in copies:
                copies[result.message_id] = result.raw
        for message_id, raw in copies.items():
            account._keep_sent_copy(raw, message_id)
        failure = next((result for result in results
                        if result.outcome is not None), None)
        if failure is None:
            return None
        if failure.outcome == delivery.UNCERTAIN:
            # as a batch line: never sent again without a person deciding so
            self._mae_set_reason(account._translate_template(bt.UNCERTAIN_MESSAGE, {}))
        elif failure.outcome == delivery.TEMPORARY:
            self._mae_retry_later(failure, results, server)
        return failure

    def _mae_retry_later(self, failure, results, server):
        """A temporary failure: outgoing again, for a later try (or failed for good after
        ``tools.delivery.MAX_TRIES`` tries). What already reached some recipients is not
        sent to them again."""
        self.ensure_one()
        mail = self.sudo()
        tries = mail.mail_account_try_count + 1
        Account = self.env["mail.account"]
        retry_at = delivery.next_try(tries, fields.Datetime.now())
        if retry_at is None:
            mail.mail_account_try_count = tries
            self._mae_set_reason(Account._translate_template(
                delivery.GAVE_UP, {"tries": tries, "explanation": failure.text}))
            return
        reason = Account._translate_template(delivery.waiting_template(failure.error), {
            "date": self._mae_format_date(retry_at), "tries": tries,
            "max_tries": delivery.MAX_TRIES, "explanation": failure.text,
        })
        mail._mae_drop_reached(results, server)
        mail.write({"state": "outgoing", "scheduled_date": retry_at, "failure_type": False,
                    "failure_reason": reason, "mail_account_try_count": tries})
        self._mae_set_reason(reason, waiting=True)
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger(retry_at)
        _logger.info("E-mail %s: the server refused it temporarily (try %s), next try at %s",
                     self.id, tries, retry_at)

    def _mae_drop_reached(self, results, server):
        """Take the recipients a failed try already reached off this mail (their
        notification is *sent*), so that the next try does not send to them again."""
        self.ensure_one()
        if not any(result.delivered for result in results):
            return
        emails = self._prepare_outgoing_list(mail_server=server)
        values = {}
        for email, result in zip(emails, results, strict=False):
            if not result.delivered:
                continue
            if email["partner_id"]:
                values.setdefault("recipient_ids", []).append(
                    Command.unlink(email["partner_id"].id))
            else:  # the plain To (and Cc) addresses
                values.update(email_to=False, email_cc=False)
        self.write(values)

    def _mae_set_reason(self, reason, waiting=False):
        """Show ``reason`` on this mail, its e-mail notifications and its mailbox copy.

        :param waiting: the mail waits for a later try (notifications *ready*, mailbox
            e-mail *sending*); else it failed (as core left it)
        """
        self.ensure_one()
        self.sudo().failure_reason = reason
        notifications = self.env["mail.notification"].sudo().search([
            ("mail_mail_id", "=", self.id), ("notification_type", "=", "email"),
            ("notification_status", "not in", ("sent", "canceled")),
        ])
        values = {"failure_reason": reason}
        if waiting:
            values.update(notification_status="ready", failure_type=False)
        notifications.write(values)
        messages = self.env["mail.account.message"].sudo().search(
            [("mail_mail_id", "=", self.id), ("state", "in", ("outgoing", "exception"))])
        messages.write({"failure_reason": reason,
                        "state": "outgoing" if waiting else "exception"})
        notifications.mail_message_id._notify_message_notification_update()

    def _mae_format_date(self, moment):
        """``moment`` (UTC) as the sender reads it: their language and time zone."""
        self.ensure_one()
        tz = self._mae_senders()[:1].tz or self.env.user.tz or "UTC"
        return format_datetime(self.env, moment, tz=tz, dt_format="short")

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _mae_account(self):
        self.ensure_one()
        return self.sudo().mail_server_id.mail_account_id

    def _mae_senders(self):
        """The users this mail is sent for: its creator or, for mail the system
        created (crons, OdooBot), the internal users of its author; empty when the
        system sends on its own (its code is trusted, as everywhere in Odoo)."""
        self.ensure_one()
        mail = self.sudo()
        creator = mail.create_uid or self.env.user
        if not creator._is_superuser():
            return creator
        return mail.author_id.with_context(active_test=False).user_ids.filtered(
            lambda user: not user._is_superuser() and user._is_internal()
        )

    def _mae_forbidden(self):
        """The mails routed through an e-mail account their senders may not use."""
        forbidden = self.browse()
        for mail in self:
            account = mail._mae_account()
            if not account:
                continue
            senders = mail._mae_senders()
            if not account.active or (
                senders and not any(account._may_be_used_by(user) for user in senders)
            ):
                forbidden |= mail
        return forbidden

    def _mae_refusal(self):
        """Why this mail may not leave through its e-mail account (translated)."""
        self.ensure_one()
        account = self._mae_account()
        if not account.active:
            return self.env._(
                "The e-mail account %(account)s is archived: nothing is sent through it.",
                account=account.display_name,
            )
        return self.env._(
            "%(user)s may not send e-mails through the e-mail account %(account)s.",
            user=self._mae_senders()[:1].name or self.sudo().author_id.name or "?",
            account=account.display_name,
        )

    def _mae_fail_forbidden(self):
        """Fail (never send) outgoing mail whose sender may not use its account."""
        forbidden = self.filtered(lambda mail: mail.state == "outgoing")._mae_forbidden()
        for mail in forbidden:
            mail._mae_fail(mail._mae_refusal())
        return forbidden

    def _mae_message_count(self):
        """SMTP messages this mail produces: one per notified partner, one for its
        plain To/Cc addresses (see ``_prepare_outgoing_list``)."""
        self.ensure_one()
        mail = self.sudo()
        return max(1, len(mail.recipient_ids) + bool(mail.email_to or mail.email_cc))

    def _mae_plan(self, account):
        """Room under ``account``'s sending limit for these mails, taken at once
        (``mail.account._reserve_sending``); ``None`` when the account has no limit.

        :returns: :class:`tools.ratelimit.Plan`: the first ``granted`` mails may leave
        """
        if account.rate_limit_per_minute <= 0:
            return None
        return account._reserve_sending([mail._mae_message_count() for mail in self])

    def _mae_hold(self, account, retry_at, trigger=True):
        """Keep this mail for when ``account``'s sending limit has room again
        (``retry_at``): outgoing, with the reason on the mail and in the chatter."""
        self.ensure_one()
        self.sudo().scheduled_date = retry_at
        self._mae_set_reason(account._translate_template(delivery.WAITING_LIMIT, {
            "account": account.display_name, "date": self._mae_format_date(retry_at),
        }), waiting=True)
        if trigger:
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger(retry_at)
            _logger.info("E-mail account %s: e-mails wait for its sending limit until %s",
                         account.id, retry_at)

    def _mae_by_lang(self):
        """{language: mails}: account mails by their sender's language (``False``:
        the current one, for the others)."""
        groups = defaultdict(lambda: self.browse())
        for mail in self:
            lang = False
            if mail._mae_account():
                lang = mail._mae_senders()[:1].lang or False
            if lang == self.env.lang:
                lang = False
            groups[lang] |= mail
        return groups

    # ------------------------------------------------------------------
    # PRINT & E-MAIL BATCHES (sent by the batch, see mail.batch.line)
    # ------------------------------------------------------------------
    def _mae_reached_partner_ids(self):
        """Recipients this mail already reached (their e-mail notification is sent)."""
        self.ensure_one()
        return self.env["mail.notification"].sudo().search([
            ("mail_mail_id", "=", self.id), ("notification_type", "=", "email"),
            ("notification_status", "=", "sent"),
        ]).res_partner_id

    def _mae_sending_configuration(self):
        """``(server id, alias domain id, smtp_from)`` of this mail as core's ``send``
        groups it (``_split_by_mail_configuration``): the server and the sender of the
        SMTP session core would open, and the alias domain whose notification and bounce
        addresses apply to it."""
        self.ensure_one()
        server_id, alias_domain_id, smtp_from, _ids = next(self._split_by_mail_configuration())
        return server_id, alias_domain_id, smtp_from

    def _mae_prepare_messages(self, smtp_session, skip_partner_ids=None, configuration=None):
        """The e-mails of this mail, ready for the SMTP session, without sending them.

        A cited copy of the loop of core's ``mail.mail._send`` (addons/mail/models/
        mail_mail.py, Odoo 18.0, ``_send``: ``_prepare_outgoing_list``, the alias-domain
        context of ``send_email``, ``build_email``), which builds and sends in one go;
        a *Print & e-mail* batch hands the messages to the server itself, to know where
        a broken transaction stood. The server, the alias domain and the envelope come
        from the same places as for core (``_mae_sending_configuration``,
        ``ir.mail_server._prepare_email_message``): a test compares the result with what
        core sends for the same mail.

        :param configuration: this mail's ``_mae_sending_configuration()`` when the
            caller worked it out already (for several mails at once)
        :return: ``[(partner, message, smtp_from, smtp_to_list)]``, one per recipient,
            without the recipients in ``skip_partner_ids``
        """
        self.ensure_one()
        IrMailServer = self.env["ir.mail_server"]
        server_id, alias_domain_id, _smtp_from = \
            configuration or self._mae_sending_configuration()
        alias_domain = self.env["mail.alias.domain"].sudo().browse(alias_domain_id)
        follower_status = None
        if self.body_html and "/mail/unfollow" in self.body_html:
            follower_status = self.env["mail.followers"]._get_mail_recipients_follower_status(
                self.ids)
        emails_from = email_split_and_format(self.email_from)
        email_from = emails_from[0] if emails_from else self.email_from
        skip = skip_partner_ids or self.env["res.partner"]
        result = []
        for email in self._prepare_outgoing_list(
            mail_server=IrMailServer.browse(server_id) or self.mail_server_id,
            recipients_follower_status=follower_status,
        ):
            partner = email["partner_id"]
            if partner and partner in skip:
                continue
            context = {"send_validated_to": email["email_to_normalized"]}
            if alias_domain:
                context.update(
                    domain_notifications_email=alias_domain.default_from_email,
                    domain_bounce_address=(email["headers"].get("Return-Path")
                                           or alias_domain.bounce_email),
                )
            server = IrMailServer.with_context(**context)
            message = server.build_email(
                email_from=email_from,
                email_to=email["email_to"],
                subject=email["subject"],
                body=email["body"],
                body_alternative=email["body_alternative"],
                email_cc=email["email_cc"],
                reply_to=email["reply_to"],
                attachments=email["attachments"],
                message_id=email["message_id"],
                references=email["references"],
                object_id=email["object_id"],
                subtype="html",
                subtype_alternative="plain",
                headers=email["headers"],
            )
            smtp_from, smtp_to, message = server._prepare_email_message(message, smtp_session)
            result.append((partner, message, smtp_from, smtp_to))
        return result

    def _mae_mark_sent(self, partners):
        """Sent: notifications updated, the mail deleted if it auto-deletes (core's
        post-processing)."""
        self.write({"state": "sent", "failure_reason": False, "failure_type": False})
        self._postprocess_sent_message(success_pids=list(partners))
