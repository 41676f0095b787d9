# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""New mail sooner: the open mailbox asks for a background fetch, the sync tells it
when new mail is stored.

1. Opening the mailbox (or another folder) calls :meth:`request_mailbox_fetch`: the
   shown accounts the user may read, fetched more than :data:`FETCH_REQUEST_AGE` ago
   and not already waiting, get ``fetch_requested_date`` and the cron
   ``ir_cron_mail_account_fetch_requested`` is triggered (``ir.cron._trigger``: the
   cron worker runs it at once, no thread of our own, nothing blocks the request).
   At most one request per account per :data:`FETCH_REQUEST_AGE`: a user cannot make
   the server fetch in a loop.
2. That cron fetches the requested accounts, oldest request first (any fetch of an
   account clears its request, whoever ran it: *Fetch now*, the five-minute cron).
3. Each chunk of new mail stored by a sync sends ``mail_accounts_ext/new_mail`` on the
   account's bus channel; the web clients of the users who may read the account are
   subscribed to it (``ir.websocket._build_bus_channel_list``) and the open mailbox
   list reloads its rows and folder counts.
"""

import datetime

from odoo import api, fields, models

FETCH_REQUEST_AGE = datetime.timedelta(minutes=1)
FETCH_REQUESTED_CRON = "mail_accounts_ext.ir_cron_mail_account_fetch_requested"
NEW_MAIL_NOTIFICATION = "mail_accounts_ext/new_mail"


class MailAccount(models.Model):
    _name = "mail.account"
    _inherit = ["mail.account", "bus.listener.mixin"]

    fetch_requested_date = fields.Datetime(
        readonly=True, copy=False,
        help="An open mailbox asked for a fetch of this account, not done yet.",
    )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    @api.model
    def request_mailbox_fetch(self, folder_id=False):
        """The mailbox shows ``folder_id`` (False: every account's mail): fetch its
        account(s) in the background when their last fetch is more than a minute old.

        :return: the ids of the accounts a fetch was requested for (may be empty)
        :raise AccessError: the folder or its account may not be read by the user
        """
        if folder_id:
            folder = self.env["mail.account.folder"].browse(int(folder_id)).exists()
            folder.check_access("read")
            accounts = folder.account_id
            accounts.check_access("read")
        else:
            accounts = self._mailbox_accounts()
        return accounts._request_fetch().ids

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------
    @api.model
    def _cron_fetch_requested(self):
        """Fetch the accounts an open mailbox asked for (``ir.cron._trigger``)."""
        self._cron_fetch_accounts(self.sudo().search(
            [("fetch_requested_date", "!=", False), ("state", "in", ("tested", "in_use"))],
            order="fetch_requested_date, id"))

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _request_fetch(self):
        """Ask the cron to fetch those of these (readable) accounts that are due.

        Due: active, in use, fetched more than a minute ago (or never) and not waiting
        for a request of the last minute already. Returns the accounts requested.
        """
        now = fields.Datetime.now()
        limit = now - FETCH_REQUEST_AGE
        # sudo: the request and the fetch dates are the fetch's own fields (the user's
        # right to read the accounts was checked by the caller)
        due = self.sudo().filtered(lambda account: (
            account.active and account.state in ("tested", "in_use")
            and (not account.last_fetch_date or account.last_fetch_date < limit)
            and (not account.fetch_requested_date or account.fetch_requested_date < limit)))
        if due:
            due.write({"fetch_requested_date": now})
            self.env.ref(FETCH_REQUESTED_CRON).sudo()._trigger()
        return self.browse(due.ids)

    def _mark_fetched(self, ok, message):
        """Any fetch (cron, *Fetch now*, the requested one) answers the request."""
        result = super()._mark_fetched(ok, message)
        self.filtered("fetch_requested_date").write({"fetch_requested_date": False})
        return result

    @api.model
    def _mailbox_bus_accounts(self):
        """The accounts whose new mail the current user's web client hears of: those
        the user may read (record rules), in every company the user works in."""
        return self.with_context(allowed_company_ids=self.env.user.company_ids.ids).search(
            [("active", "=", True)])

    def _notify_new_mail(self, folder, count):
        """Tell the web clients reading this account that ``folder`` got new mail."""
        self.ensure_one()
        self._bus_send(NEW_MAIL_NOTIFICATION, {
            "account_id": self.id, "folder_id": folder.id, "count": count,
        })


class MailAccountMessage(models.Model):
    _inherit = "mail.account.message"

    @api.model
    def _store_fetched(self, folder, fetched, protocol):
        messages = super()._store_fetched(folder, fetched, protocol)
        if messages:
            # sent with the chunk's commit (bus.bus writes at pre-commit, notifies after)
            folder.account_id._notify_new_mail(folder, len(messages))
        return messages
