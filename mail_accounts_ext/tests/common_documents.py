# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Accounting data of the partner-document tests, built once per class.

A customer with three posted invoices in two currencies (a partial payment on one, due
dates spread), a not-yet-due invoice, an open credit note and a vendor bill; all dates are
explicit, the reference date is 2026-03-02.
"""

import datetime

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import new_employee

AS_OF = datetime.date(2026, 3, 2)


class PartnerDocumentsCommon(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.usd = cls.company_data["currency"]
        cls.eur = cls.setup_other_currency("EUR")
        cls.company.write({"interest_note_rate": 12.0, "interest_note_day_count": "actual_365"})

        cls.user_billing = new_employee(
            cls.env, "mae_billing", "Billing User", "account.group_account_invoice",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_plain = new_employee(
            cls.env, "mae_plain", "Plain User", company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_hr = new_employee(
            cls.env, "mae_hr_officer", "HR Officer", "hr.group_hr_user", company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "Mae Customer One", "is_company": True,
                                       "lang": "en_US"})
        cls.contact = Partner.create({"name": "Anna Contact", "parent_id": cls.customer.id})
        cls.customer_not_due = Partner.create({"name": "Mae Not Due Yet", "is_company": True})
        cls.customer_no_debt = Partner.create({"name": "Mae No Debt", "is_company": True})

        cls.inv_1 = cls._mae_invoice(cls.customer, cls.usd, 1000.0, "2026-01-01", "2026-01-31")
        cls.inv_2 = cls._mae_invoice(cls.customer, cls.usd, 500.0, "2026-02-01", "2026-02-15")
        cls.inv_3 = cls._mae_invoice(cls.customer, cls.eur, 2000.0, "2025-12-17", "2026-01-16")
        cls.inv_4 = cls._mae_invoice(cls.customer, cls.eur, 250.0, "2026-02-25", "2026-03-27")
        cls.refund = cls._mae_invoice(cls.customer, cls.eur, 100.0, "2026-02-01", "2026-02-01",
                                      move_type="out_refund")
        cls.bill = cls._mae_invoice(cls.customer, cls.usd, 400.0, "2026-02-05", "2026-03-05",
                                    move_type="in_invoice")
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.inv_2.ids
        ).create({"amount": 200.0, "payment_date": "2026-02-20"})._create_payments()
        cls.inv_not_due = cls._mae_invoice(cls.customer_not_due, cls.usd, 75.0, "2026-02-20",
                                           "2026-03-20")

    @classmethod
    def _mae_invoice(cls, partner, currency, amount, invoice_date, due_date,
                     move_type="out_invoice", lines=1, post=True):
        move = cls.env["account.move"].create({
            "move_type": move_type,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "invoice_date": invoice_date,
            "invoice_date_due": due_date,
            "invoice_payment_term_id": False,
            "invoice_line_ids": [
                Command.create({
                    "name": f"Service {index + 1}",
                    "quantity": 1,
                    "price_unit": amount / lines,
                    "tax_ids": [Command.clear()],
                })
                for index in range(lines)
            ],
        })
        if post:
            move.action_post()
        return move
