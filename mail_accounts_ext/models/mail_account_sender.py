# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sender choice: which account a user sends from, and what a mail through it carries.

The rule itself is ``tools/sender.py`` (tested without a database).
"""

from odoo import api, models

from ..tools import sender


class MailAccount(models.Model):
    _inherit = "mail.account"

    # ------------------------------------------------------------------
    # SENDER CHOICE
    # ------------------------------------------------------------------
    def _sender_data(self, projects=True):
        """This account as the plain data the rule of ``tools/sender.py`` reads.

        :param projects: with the account's projects, which only the choice of the
            sender reads (who may use the account does not depend on them)
        """
        self.ensure_one()
        account = self.sudo()
        personal = account.account_type == "personal"
        data = {
            "id": account.id,
            "active": account.active,
            "company_id": account.company_id.id,
            "owner_id": account.owner_id.id if personal else False,
            "user_ids": account.user_ids.ids,
            "is_default": personal and account.is_default,
            "is_company_default": not personal and account.is_company_default,
            "name": account.name,
        }
        if projects:
            data.update(project_ids=account.project_ids.ids,
                        default_project_ids=account.default_project_ids.ids)
        return data

    @api.model
    def _sender_user(self, user=None):
        """The user mail is sent for (default: the current user), as a record.

        Empty when the rule does not apply: system users (crons, OdooBot) and portal
        or public users keep Odoo's standard sender.
        """
        Users = self.env["res.users"]
        user = Users.browse(user) if isinstance(user, int) else (user or self.env.user)
        user = user.sudo()
        if len(user) != 1 or user._is_superuser() or not user._is_internal():
            return Users
        return user

    @api.model
    def _sender_candidates(self, user, projects=True):
        """Plain data of the active accounts ``user`` may use, in the user's companies
        (``projects``: see :meth:`_sender_data`)."""
        accounts = self.sudo().search([
            ("company_id", "in", user.company_ids.ids),
            "|", "|", ("owner_id", "=", user.id), ("user_ids", "in", user.id),
            "&", ("account_type", "=", "company"), ("user_ids", "=", False),
        ])
        return [account._sender_data(projects=projects) for account in accounts]

    @api.model
    def _default_sender_company(self, user):
        return self.env.company if user == self.env.user else user.company_id

    @api.model
    def _resolve_senders(self, records, user=None):
        """The account each of ``records`` is sent from when ``user`` writes from it.

        Applies :func:`tools.sender.resolve_sender`: the default account of the
        document's project (``_mae_project``) if the user may use it, the
        user's own default account, the company's default shared account; inactive
        accounts and accounts of another company than the document's never qualify.

        :param records: documents of one model (any model: ``_mae_project``, declared
            on every model, finds their project)
        :param user: ``res.users`` record or id; default: the current user
        :returns: ``{record id: mail.account}``, an empty account for Odoo's
            standard sender
        """
        user = self._sender_user(user)
        if not user or not records:
            return {record.id: self.browse() for record in records}
        candidates = self._sender_candidates(user)
        companies = records._mail_get_companies(default=self._default_sender_company(user))
        result = {}
        for record in records:
            resolution = sender.resolve_sender(
                candidates, user_id=user.id, user_company_ids=user.company_ids.ids,
                company_id=companies[record.id].id or None,
                project_id=record._mae_project().id or None,
            )
            result[record.id] = self.browse(resolution.account_id)
        return result

    @api.model
    def _resolve_sender(self, record, user=None):
        """The account ``user`` (default: the current user) sends from when writing from
        ``record`` (one document, or nothing), or an empty record for Odoo's standard
        sender. See :meth:`_resolve_senders`; :meth:`_sender_values` gives the values
        to put on the mail.
        """
        if record:
            record.ensure_one()
            return self._resolve_senders(record, user)[record.id]
        user = self._sender_user(user)
        if not user:
            return self.browse()
        resolution = sender.resolve_sender(
            self._sender_candidates(user), user_id=user.id,
            user_company_ids=user.company_ids.ids,
            company_id=self._default_sender_company(user).id,
        )
        return self.browse(resolution.account_id)

    @api.model
    def _usable_accounts(self, record=None, user=None):
        """The accounts ``user`` may send from when writing from ``record``, in the
        order of a "Send from" list (own personal accounts, colleagues' shared ones,
        company accounts)."""
        user = self._sender_user(user)
        if not user:
            return self.browse()
        company = self._default_sender_company(user)
        if record:
            company = record._mail_get_companies(default=company)[record.id]
        accounts = sender.usable_accounts(
            self._sender_candidates(user, projects=False), user_id=user.id,
            user_company_ids=user.company_ids.ids, company_id=company.id or None,
        )
        return self.browse([account.id for account in accounts])

    def _may_be_used_by(self, user):
        """Whether ``user`` may send through this account (:func:`tools.sender.may_use`)."""
        self.ensure_one()
        user = user.sudo()
        return sender.may_use(self._sender_data(projects=False), user.id,
                              user.company_ids.ids)

    def _sender_values(self, account=None):
        """The values a mail sent through ``account`` (default: this account) carries.

        ``email_from`` and ``mail_server_id`` always go together, so the mail never
        leaves through another person's server; ``reply_to`` is the account's address
        when it receives the replies ("Receive replies at this address"), otherwise it
        is left out and Odoo's reply address (alias, catchall) applies.

        :returns: ``{"email_from", "mail_server_id"[, "reply_to"]}``; ``{}`` for no account
        """
        account = (self if account is None else account).sudo()
        if not account or not account.mail_server_id:
            return {}
        account.ensure_one()
        values = {
            "email_from": account._email_from(),
            "mail_server_id": account.mail_server_id.id,
        }
        if account.reply_to_account:
            values["reply_to"] = account._email_from()
        return values
