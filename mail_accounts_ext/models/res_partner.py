# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Partner documents: the data of payment reminders, balance confirmations, interest notes.

The public (Python) API, used by the reports and by batch printing:

- ``partner._mae_payment_reminder_lines(date=None, company=None)``
- ``partner._mae_balance_confirmation_lines(date=None, company=None)``
- ``partner._mae_interest_note_lines(date=None, company=None)``
- ``partner._mae_has_document(report_code, date=None, company=None)``

Each works on one partner (contacts use their commercial partner's accounting), for the
given company and its branches (default: the current company), with the rights of the
current user (record rules apply). ``date`` is a ``datetime.date`` or ``"YYYY-MM-DD"``,
default today. The ``*_lines`` methods return plain data (dicts, lists, str, int, float,
``datetime.date``): amounts are floats already rounded to their currency (computed with
``Decimal`` in ``tools/dunning.py``), each line and total carries ``currency`` (ISO code)
and ``currency_id``.
"""

import datetime
from decimal import Decimal

from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..tools import dunning

# move_type -> kind shown on the documents (labels translated in the report templates)
MOVE_KINDS = {
    "out_invoice": "invoice",
    "out_receipt": "invoice",
    "out_refund": "credit_note",
    "in_invoice": "bill",
    "in_receipt": "bill",
    "in_refund": "vendor_credit_note",
}
REMINDER_MOVE_TYPES = ("out_invoice", "out_receipt")
REPORT_PREFIX = "mail_accounts_ext.report_"


def _plain(value):
    """Decimals to floats, recursively (the amounts are already rounded)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _mae_report_date(self, date=None):
        """``date`` (date, ``"YYYY-MM-DD"`` or None for today) as a ``datetime.date``."""
        if not date:
            return fields.Date.context_today(self)
        if isinstance(date, datetime.datetime):
            return date.date()
        if isinstance(date, datetime.date):
            return date
        try:
            return fields.Date.to_date(date)
        except ValueError as error:
            raise UserError(
                self.env._("The document date %(date)s is not a valid YYYY-MM-DD date.",
                            date=date)
            ) from error

    def _mae_check_accounting_access(self, company=None):
        """Partner documents show accounting data: billing users and auditors only, for
        one of their companies."""
        if self.env.su:
            return
        user = self.env.user
        if not (user.has_group("account.group_account_invoice")
                or user.has_group("account.group_account_readonly")):
            raise AccessError(
                self.env._("Only accounting users can print payment reminders, balance "
                           "confirmations and interest notes.")
            )
        if company and company not in user.company_ids:
            raise AccessError(
                self.env._("You cannot print documents of the company %(company)s.",
                           company=company.sudo().display_name)
            )

    def _mae_accounting_domain(self, company):
        self.ensure_one()
        return [
            ("partner_id.commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "child_of", company.id),
            ("parent_state", "=", "posted"),
        ]

    def _mae_item(self, line, amount, residual):
        move = line.move_id
        if move.move_type in MOVE_KINDS:
            kind = MOVE_KINDS[move.move_type]
        else:
            kind = "payment" if line.payment_id else "entry"
        return {
            "id": line.id,
            "move_id": move.id,
            "number": move.name or "",
            "reference": move.ref or "",
            "kind": kind,
            "date": move.invoice_date or line.date,
            "due_date": line.date_maturity,
            "currency": line.currency_id.name,
            "currency_id": line.currency_id.id,
            "amount": amount,
            "residual": residual,
        }

    def _mae_roundings(self, items):
        currencies = self.env["res.currency"].browse({item["currency_id"] for item in items})
        return {currency.name: Decimal(str(currency.rounding)) for currency in currencies}

    def _mae_add_currency_ids(self, result, items):
        ids = {item["currency"]: item["currency_id"] for item in items}
        for total in result["totals"]:
            total["currency_id"] = ids[total["currency"]]
        return result

    def _mae_receivable_items(self, date, company, invoices_only):
        """Open receivable items now: overdue-candidate invoices, or credits in their favour."""
        domain = self._mae_accounting_domain(company) + [
            ("account_id.account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
            ("date", "<=", date),
        ]
        if invoices_only:
            domain += [
                ("move_id.move_type", "in", REMINDER_MOVE_TYPES),
                ("amount_residual_currency", ">", 0),
            ]
        else:
            domain += [("amount_residual_currency", "<", 0)]
        lines = self.env["account.move.line"].search(domain, order="date_maturity, id")
        return [
            self._mae_item(line, line.amount_currency, line.amount_residual_currency)
            for line in lines
        ]

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------

    def _mae_payment_reminder_lines(self, date=None, company=None):
        """Overdue open customer invoices of the partner at ``date``.

        Lines are the receivable installments of posted customer invoices (and sales
        receipts) still open now and due before ``date``, with ``days_late``; ``credits``
        are the partner's open credits (unapplied credit notes and payments) in the same
        currencies, deducted in ``totals[...]["to_pay"]``.

        :return: ``{"date", "company_id", "partner_id", "lines": [{"id", "move_id",
            "number", "reference", "kind", "date", "due_date", "currency", "currency_id",
            "amount", "residual", "days_late", "level_id", "new_level"}], "credits": [...],
            "totals": [{"currency", "currency_id", "count", "amount", "residual", "credit",
            "to_pay"}], "level_id"}``: ``level_id`` of the reminder (its highest level,
            False without levels) and of each invoice, see ``_mae_reminder_levels``
        """
        self.ensure_one()
        company = company or self.env.company
        self._mae_check_accounting_access(company)
        date = self._mae_report_date(date)
        invoices = self._mae_receivable_items(date, company, invoices_only=True)
        credits = self._mae_receivable_items(date, company, invoices_only=False)
        result = dunning.payment_reminder(
            invoices, date, credits=credits, roundings=self._mae_roundings(invoices + credits)
        )
        self._mae_add_currency_ids(result, invoices)
        level_id = self._mae_reminder_levels(result["lines"], date, company)
        return _plain({
            "date": date,
            "company_id": company.id,
            "partner_id": self.commercial_partner_id.id,
            "level_id": level_id,
            **result,
        })

    def _mae_reminder_levels(self, lines, date, company):
        """Put the reminder level of each overdue invoice in its line: ``level_id`` (the
        level this reminder speaks at for it: its new level, else the level of its last
        reminder, else False) and ``new_level`` (whether it moves up a level now); the
        rule is ``tools/dunning.reminder_level``, over the reminders dated before
        ``date``. Returns the level of the whole reminder (the highest), or False.
        """
        levels = self.env["account.reminder.level"]._mae_levels(company)
        pairs = [(level.id, level.days_overdue) for level in levels]
        last = {}
        if lines:
            for reminder in self.env["account.move.reminder"].sudo().search([
                ("move_id", "in", [line["move_id"] for line in lines]),
                ("company_id", "=", company.id),
                ("date", "<", date),
            ], order="date desc, id desc"):
                last.setdefault(reminder.move_id.id, reminder)
        for line in lines:
            previous = last.get(line["move_id"])
            new = dunning.reminder_level(
                pairs, line["days_late"],
                last_level=previous.level_id.id if previous else None,
                days_since_last=(date - previous.date).days if previous else None,
                interval=company.reminder_interval_days,
            )
            line["new_level"] = bool(new)
            line["level_id"] = new or (previous.level_id.id if previous else False)
        return dunning.document_level(pairs, [line["level_id"] for line in lines]) or False

    def _mae_record_reminder(self, values):
        """Record the new level of each invoice of a payment reminder (``values`` from
        ``_mae_payment_reminder_lines``), once per invoice and reminder date."""
        self.ensure_one()
        self._mae_check_accounting_access()
        # one row per invoice: of several overdue installments, the most overdue one
        # speaks for the invoice
        by_move = {}
        for line in values["lines"]:
            if line.get("new_level") and line["days_late"] > by_move.get(
                line["move_id"], {"days_late": -1}
            )["days_late"]:
                by_move[line["move_id"]] = line
        lines = list(by_move.values())
        if not lines:
            return self.env["account.move.reminder"]
        # sudo: the reminder history is written by the reminder itself, after the
        # accounting access check above (users only read it)
        Reminder = self.env["account.move.reminder"].sudo()
        done = set(Reminder.search([
            ("move_id", "in", [line["move_id"] for line in lines]),
            ("date", "=", values["date"]),
        ]).move_id.ids)
        return Reminder.create([{
            "move_id": line["move_id"],
            "partner_id": values["partner_id"],
            "company_id": values["company_id"],
            "level_id": line["level_id"],
            "date": values["date"],
            "days_overdue": line["days_late"],
            "user_id": self.env.user.id,
        } for line in lines if line["move_id"] not in done])

    def _mae_interest_note_lines(self, date=None, company=None):
        """Late-payment interest on the partner's overdue invoices at ``date``.

        Rate and day count come from the company settings (``interest_note_rate``,
        ``interest_note_day_count``); the base is each installment's open amount.

        :return: ``{"date", "company_id", "partner_id", "rate", "day_count", "lines":
            [{... as in the reminder ..., "days_late", "base", "interest", "total"}],
            "totals": [{"currency", "currency_id", "count", "base", "interest", "total"}]}``
        """
        self.ensure_one()
        company = company or self.env.company
        self._mae_check_accounting_access(company)
        date = self._mae_report_date(date)
        invoices = self._mae_receivable_items(date, company, invoices_only=True)
        result = dunning.interest_note(
            invoices, date, company.interest_note_rate, company.interest_note_day_count,
            roundings=self._mae_roundings(invoices),
        )
        self._mae_add_currency_ids(result, invoices)
        return _plain({
            "date": date,
            "company_id": company.id,
            "partner_id": self.commercial_partner_id.id,
            "rate": company.interest_note_rate,
            "day_count": company.interest_note_day_count,
            **result,
        })

    def _mae_book_interest(self, values):
        """Post the journal entries of an interest note (``values`` from
        ``_mae_interest_note_lines``) when its company books interest
        (``interest_note_post_move``): per currency, the interest debited to the
        customer's receivable account (due on the note's date, so that it is open in the
        customer's account) and credited to the interest income account, in the interest
        journal. Once per customer, company, currency and note date: printing the same
        note again books nothing more.

        :return: the entries of the note (account.move), empty when not booked
        """
        self.ensure_one()
        company = self.env["res.company"].browse(values["company_id"])
        Move = self.env["account.move"]
        if not company.interest_note_post_move:
            return Move
        self._mae_check_accounting_access(company)
        if not company.interest_note_account_id or not company.interest_note_journal_id:
            # the settings ask for both (the settings save their fields one by one, so a
            # constraint on the company would refuse switching the option on)
            raise UserError(self.env._(
                "To book the interest of interest notes, choose the interest income "
                "account and the journal of %(company)s in the Invoicing settings.",
                company=company.display_name))
        partner = self.commercial_partner_id
        # sudo: billing users issue interest notes; the entry is the one the company's
        # settings (set by an accountant) prescribe, after the access check above
        Move = Move.sudo().with_company(company)
        receivable = partner.with_company(company).property_account_receivable_id
        date = values["date"]
        label = self.env._("Interest note of %(date)s", date=format_date(self.env, date))
        moves = Move
        for total in values["totals"]:
            amount = total["interest"]
            if amount <= 0:
                continue
            currency = self.env["res.currency"].browse(total["currency_id"])
            existing = Move.search([
                ("interest_note_partner_id", "=", partner.id),
                ("interest_note_date", "=", date),
                ("company_id", "=", company.id),
                ("currency_id", "=", currency.id),
                ("state", "!=", "cancel"),
            ], limit=1)
            if existing:
                moves |= existing
                continue
            balance = currency._convert(amount, company.currency_id, company, date)
            line = {"partner_id": partner.id, "name": label, "currency_id": currency.id}
            move = Move.create({
                "move_type": "entry",
                "journal_id": company.interest_note_journal_id.id,
                "date": date,
                "ref": label,
                "partner_id": partner.id,
                "currency_id": currency.id,
                "interest_note_partner_id": partner.id,
                "interest_note_date": date,
                "line_ids": [
                    Command.create(dict(line, account_id=receivable.id, amount_currency=amount,
                                        balance=balance, date_maturity=date)),
                    Command.create(dict(line, account_id=company.interest_note_account_id.id,
                                        amount_currency=-amount, balance=-balance)),
                ],
            })
            move.action_post()
            moves |= move
        return moves.sudo(False)

    def _mae_balance_confirmation_lines(self, date=None, company=None):
        """Open receivable and payable items at ``date`` and the balance per currency.

        An item counts when it is dated on or before ``date`` and not fully matched by
        reconciliations dated (``max_date``) on or before ``date``; its open amount at that
        date is in its own currency.

        :return: ``{"date", "company_id", "partner_id", "lines": [{"id", "move_id",
            "number", "reference", "kind", "date", "due_date", "currency", "currency_id",
            "amount", "residual", "debit", "credit"}], "totals": [{"currency",
            "currency_id", "count", "residual", "debit", "credit"}]}``; ``residual`` is
            positive when the partner owes the company
        """
        self.ensure_one()
        company = company or self.env.company
        self._mae_check_accounting_access(company)
        date = self._mae_report_date(date)
        domain = self._mae_accounting_domain(company) + [
            ("account_id.account_type", "in", ("asset_receivable", "liability_payable")),
            ("date", "<=", date),
            "|", ("reconciled", "=", False),
            "|", ("matched_debit_ids.max_date", ">", date),
            ("matched_credit_ids.max_date", ">", date),
        ]
        lines = self.env["account.move.line"].search(domain, order="date, id")
        items = []
        for line in lines:
            if line.amount_currency >= 0:
                matches = [(p.max_date, p.debit_amount_currency) for p in line.matched_credit_ids]
            else:
                matches = [(p.max_date, p.credit_amount_currency) for p in line.matched_debit_ids]
            residual = dunning.residual_at(
                line.amount_currency, matches, date, Decimal(str(line.currency_id.rounding))
            )
            items.append(self._mae_item(line, line.amount_currency, residual))
        result = dunning.balance_confirmation(items, date, roundings=self._mae_roundings(items))
        self._mae_add_currency_ids(result, items)
        return _plain({
            "date": date,
            "company_id": company.id,
            "partner_id": self.commercial_partner_id.id,
            **result,
        })

    def _mae_batch_mail_templates(self, report, date=None, company=None):
        """``{partner id: mail.template}``: payment reminders whose level has an e-mail
        template of its own go out with it (*Print & e-mail*); the others with the
        template chosen when sending."""
        result = super()._mae_batch_mail_templates(report, date=date, company=company)
        if report.report_name != REPORT_PREFIX + dunning.PAYMENT_REMINDER:
            return result
        Level = self.env["account.reminder.level"].with_context(active_test=False)
        for partner in self:
            level = Level.browse(partner._mae_payment_reminder_lines(date, company)["level_id"])
            if level.mail_template_id:
                result[partner.id] = level.mail_template_id
        return result

    def _mae_has_document(self, report_code, date=None, company=None):
        """Whether the partner's document has something to say at ``date``.

        :param str report_code: ``"payment_reminder"`` (an overdue amount still to pay
            after open credits and, when the company has reminder levels, some invoice
            reaching its next level), ``"balance_confirmation"`` (some open item) or
            ``"interest_note"`` (some interest above zero); the report names
            ``"mail_accounts_ext.report_<code>"`` are accepted too. Any other report:
            ``mail.thread``'s answer (True).
        :return: False when batch printing should skip the partner ("nothing to send")
        """
        self.ensure_one()
        code = report_code.removeprefix(REPORT_PREFIX) if report_code else report_code
        if code == dunning.PAYMENT_REMINDER:
            data = self._mae_payment_reminder_lines(date, company)
            if not dunning.has_amount_to_pay(data):
                return False
            # with reminder levels, only when some invoice moves up a level
            company = company or self.env.company
            return not self.env["account.reminder.level"]._mae_levels(company) or any(
                line["new_level"] for line in data["lines"])
        if code == dunning.BALANCE_CONFIRMATION:
            return bool(self._mae_balance_confirmation_lines(date, company)["lines"])
        if code == dunning.INTEREST_NOTE:
            return dunning.has_interest(self._mae_interest_note_lines(date, company))
        return super()._mae_has_document(report_code, date=date, company=company)
