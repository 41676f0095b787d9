# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import email_normalize


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def message_post(self, **kwargs):
        """Send what a user writes from the account the sender rule picks.

        Applies to messages (``comment``) the current user writes as themselves,
        when the caller chose neither a server nor another sender (the composer
        always passes ``mail_server_id``: it applies the rule, or the user's choice,
        itself). Sets ``email_from``, ``mail_server_id`` and, when the account
        receives the replies, ``reply_to``; the message's notification e-mails
        inherit them.
        """
        if len(self) == 1 and self._mae_sender_rule_applies(kwargs):
            values = self.env["mail.account"]._sender_values(
                self.env["mail.account"]._resolve_sender(self)
            )
            if values:
                kwargs["author_id"] = self.env.user.partner_id.id
                kwargs["email_from"] = values["email_from"]
                kwargs["mail_server_id"] = values["mail_server_id"]
                if "reply_to" in values:
                    kwargs.setdefault("reply_to", values["reply_to"])
        return super().message_post(**kwargs)

    def _mae_sender_rule_applies(self, post_values):
        """Whether the sender rule picks the sender of ``message_post(**post_values)``."""
        if "mail_server_id" in post_values:
            return False
        if post_values.get("message_type", "notification") != "comment":
            return False
        user = self.env.user
        if user._is_superuser() or not user._is_internal():
            return False
        if post_values.get("author_id") not in (None, user.partner_id.id):
            return False
        email_from = post_values.get("email_from")
        return not email_from or email_normalize(email_from) == email_normalize(
            user.partner_id.email or ""
        )

    # ------------------------------------------------------------------
    # PRINT & E-MAIL: what a batch asks each document (override with super())
    # ------------------------------------------------------------------
    def _mae_has_document(self, report_name, date=None, company=None):
        """Whether this document has something to send with the report ``report_name``
        at ``date`` for ``company`` (the profile check ``has_document``): False skips it
        as "nothing to send". True by default (e.g. employee documents); partners answer
        for their reminders, balance confirmations and interest notes."""
        self.ensure_one()
        return True

    def _mae_batch_check(self, check, report_name, date=None, company=None):
        """The profile's nothing-to-send check ``check`` (a value of
        ``mail.batch.profile.document_check``) for this document. A module adding a
        check adds its value to that selection and answers it here, calling ``super()``
        for the others."""
        self.ensure_one()
        if check == "has_document":
            return self._mae_has_document(report_name, date=date, company=company)
        raise ValueError(f"unknown document check: {check!r}")

    def _mae_batch_mail_templates(self, report, date=None, company=None):
        """``{id: mail.template}``: the documents that go out with an e-mail template of
        their own rather than the one chosen when sending. None by default; payment
        reminders take their level's."""
        return {}

    def _mae_batch_post_context(self, report):
        """Context keys for the chatter post of this document's PDF. None by default;
        invoices say the PDF is not a document to import (as core's Send & Print)."""
        return {}

    def _mae_batch_stored_pdfs(self, report):
        """``{id: pdf bytes}`` of these documents whose PDF of ``report`` exists
        already: the batch sends it instead of rendering it again. None by default."""
        return {}

    def _mae_batch_posting(self, report, pdf):
        """Just before the chatter post of the PDF ``pdf`` of ``report``, in the
        transaction that queues the document. Nothing by default."""
        self.ensure_one()

    def _mae_batch_posted(self, report, message, pdf):
        """The chatter post ``message`` (the PDF ``pdf`` of ``report`` attached) and its
        mail exist, in the transaction that queues the document. Nothing by default."""
        self.ensure_one()

    def _mae_batch_sent(self, report):
        """The document's mail left (in the transaction that records it sent). Nothing
        by default."""
        self.ensure_one()
