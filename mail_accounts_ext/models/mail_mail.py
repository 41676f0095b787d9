# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.mail import email_split_and_format

from ..tools import batch as bt

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    _inherit = "mail.mail"

    mail_batch_line_ids = fields.One2many(
        "mail.batch.line", "mail_mail_id", string="Batch Lines", groups="base.group_system",
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Refuse mail routed through an e-mail account its sender may not use."""
        mails = super().create(vals_list)
        forbidden = mails._mail_account_forbidden()
        if forbidden:
            raise AccessError(forbidden[0]._mail_account_refusal())
        return mails

    # ------------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------------
    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        """Mail through e-mail accounts: the sender's rights, the limit, the language.

        Before core sends: mail whose sender may no longer use the account fails
        (it never leaves through that server); mail over the account's sending limit
        stays outgoing with a later ``scheduled_date`` (the mail queue sends it then);
        the rest is sent in its sender's language, the language of the failure
        reasons it may get.
        """
        accounts = self.sudo().mail_server_id.mail_account_id
        mails = self - self._mail_account_fail_forbidden()
        mails -= mails._mail_account_hold_over_limit()
        for lang, batch in mails._mail_account_by_lang().items():
            batch = batch.with_context(lang=lang) if lang else batch
            super(MailMail, batch).send(
                auto_commit=auto_commit, raise_exception=raise_exception,
                post_send_callback=post_send_callback,
            )
        # Then append the copies of what left through e-mail accounts to IMAP Sent.
        accounts._push_changes_quietly()
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
        """Give the notifications the explained reason of a failed connection.

        When connecting to the server fails, core writes the reason on the mails
        but gives the notifications (the chatter's failure dialog) only its type.
        """
        if failure_type:
            # Mailbox e-mails whose sending failed say so (and can be sent again).
            messages = self.env["mail.account.message"].sudo().search(
                [("mail_mail_id", "in", self.ids), ("state", "=", "outgoing")])
            for message in messages:
                message.write({
                    "state": "exception",
                    "failure_reason": failure_reason or message.mail_mail_id.failure_reason,
                })
        if failure_type != "mail_smtp" or failure_reason:
            return super()._postprocess_sent_message(
                success_pids, failure_reason=failure_reason, failure_type=failure_type)
        explained = self.filtered(
            lambda mail: mail.failure_reason and mail.sudo().mail_server_id.mail_account_id
        )
        by_reason = defaultdict(lambda: self.browse())
        for mail in explained:
            by_reason[mail.failure_reason] |= mail
        for reason, mails in by_reason.items():
            super(MailMail, mails)._postprocess_sent_message(
                success_pids, failure_reason=reason, failure_type=failure_type)
        rest = self - explained
        if rest:
            super(MailMail, rest)._postprocess_sent_message(
                success_pids, failure_reason=failure_reason, failure_type=failure_type)
        return True

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _mail_account(self):
        self.ensure_one()
        return self.sudo().mail_server_id.mail_account_id

    def _mail_account_senders(self):
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

    def _mail_account_forbidden(self):
        """The mails routed through an e-mail account their senders may not use."""
        forbidden = self.browse()
        for mail in self:
            account = mail._mail_account()
            if not account:
                continue
            senders = mail._mail_account_senders()
            if not account.active or (
                senders and not any(account._may_be_used_by(user) for user in senders)
            ):
                forbidden |= mail
        return forbidden

    def _mail_account_refusal(self):
        """Why this mail may not leave through its e-mail account (translated)."""
        self.ensure_one()
        account = self._mail_account()
        if not account.active:
            return self.env._(
                "The e-mail account %(account)s is archived: nothing is sent through it.",
                account=account.display_name,
            )
        return self.env._(
            "%(user)s may not send e-mails through the e-mail account %(account)s.",
            user=self._mail_account_senders()[:1].name or self.sudo().author_id.name or "?",
            account=account.display_name,
        )

    def _mail_account_fail_forbidden(self):
        """Fail (never send) outgoing mail whose sender may not use its account."""
        forbidden = self.filtered(lambda mail: mail.state == "outgoing")._mail_account_forbidden()
        for mail in forbidden:
            reason = mail._mail_account_refusal()
            mail.write({"state": "exception", "failure_type": "mail_smtp",
                        "failure_reason": reason})
            mail._postprocess_sent_message(success_pids=[], failure_reason=reason,
                                           failure_type="mail_smtp")
        return forbidden

    def _mail_account_message_count(self):
        """SMTP messages this mail produces: one per notified partner, one for its
        plain To/Cc addresses (see ``_prepare_outgoing_list``)."""
        self.ensure_one()
        mail = self.sudo()
        return max(1, len(mail.recipient_ids) + bool(mail.email_to or mail.email_cc))

    def _mail_account_hold_over_limit(self):
        """Keep for later the outgoing mails over their account's sending limit.

        They stay outgoing with ``scheduled_date`` set to when the account has room
        again, and the mail queue is triggered for that moment.

        :returns: the mails held back
        """
        by_account = defaultdict(lambda: self.browse())
        for mail in self.filtered(lambda mail: mail.state == "outgoing"):
            account = mail._mail_account()
            if account.rate_limit_per_minute > 0:
                by_account[account] |= mail
        held = self.browse()
        for account, mails in by_account.items():
            mails = mails.sorted("id")
            plan = account._reserve_sending(
                [mail._mail_account_message_count() for mail in mails]
            )
            later = mails[plan.granted:]
            if not later:
                continue
            later.write({"scheduled_date": plan.retry_at})
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger(plan.retry_at)
            _logger.info("E-mail account %s: %s e-mails wait for its sending limit until %s",
                         account.id, len(later), plan.retry_at)
            held |= later
        return held

    def _mail_account_by_lang(self):
        """{language: mails}: account mails by their sender's language (``False``:
        the current one, for the others)."""
        groups = defaultdict(lambda: self.browse())
        for mail in self:
            lang = False
            if mail._mail_account():
                lang = mail._mail_account_senders()[:1].lang or False
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

    def _mae_prepare_messages(self, smtp_session, skip_partner_ids=None):
        """The e-mails of this mail, built as core's ``_send`` builds them.

        :return: ``[(partner, message, smtp_from, smtp_to_list)]``, one per recipient,
            without the recipients in ``skip_partner_ids``
        """
        self.ensure_one()
        IrMailServer = self.env["ir.mail_server"]
        emails_from = email_split_and_format(self.email_from)
        email_from = emails_from[0] if emails_from else self.email_from
        skip = skip_partner_ids or self.env["res.partner"]
        result = []
        for email in self._prepare_outgoing_list(mail_server=self.mail_server_id):
            partner = email["partner_id"]
            if partner and partner in skip:
                continue
            server = IrMailServer.with_context(send_validated_to=email["email_to_normalized"])
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

    def _mae_mark_failed(self, reason, partners=()):
        """Failed: the chatter shows the red envelope with ``reason``."""
        self.write({"state": "exception", "failure_reason": reason, "failure_type": "mail_smtp"})
        self._postprocess_sent_message(success_pids=list(partners), failure_reason=reason,
                                       failure_type="mail_smtp")
