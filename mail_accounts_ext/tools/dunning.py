# pylint: disable=prefer-env-translation
"""Numbers of the partner documents: payment reminder, balance confirmation, interest note.

Plain Python, no ORM: the ORM layer (``models/res_partner.py``) reads invoices and journal
items, turns them into the plain dictionaries described below and calls these functions.

Money
-----
Amounts are computed with :class:`decimal.Decimal`. Inputs may be floats, strings or
Decimals; a float is converted through its shortest ``repr`` (``Decimal(repr(0.1))`` is
``Decimal("0.1")``), which is what Odoo's ``float_round`` aims at with its epsilon.
Every amount that is shown is rounded to its currency's rounding step (``0.01`` unless told
otherwise) with ``ROUND_HALF_UP``, ties away from zero, like Odoo's
``float_round(..., rounding_method="HALF-UP")`` used by ``res.currency.round``. Interest is
rounded per invoice; totals are sums of the rounded lines (as they appear on the document).

Dates
-----
An invoice is overdue at ``as_of`` when its due date is strictly before ``as_of``; it is
then ``(as_of - due_date).days`` days late. Interest runs over the same days: from the day
after the due date up to and including ``as_of``.

Day-count conventions (``DAY_COUNTS``)
--------------------------------------
- ``actual_365``: days late / 365 (also in leap years);
- ``actual_360``: days late / 360;
- ``actual_actual`` (ISDA): each late day counts 1/366 in a leap year and 1/365 otherwise.

Items
-----
An *item* is a dictionary with at least ``number`` (str), ``currency`` (ISO code),
``amount`` (original amount) and ``residual`` (open amount), optionally ``date``,
``due_date`` (:class:`datetime.date`), ``kind`` and any other keys, which are kept in the
lines returned. Signs: positive when the partner owes us (receivable), negative when we owe
the partner (credit notes, unapplied payments, vendor bills).
"""

import calendar
import datetime
from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal

from .translation import _lt

DAY_COUNT_ACTUAL_365 = "actual_365"
DAY_COUNT_ACTUAL_360 = "actual_360"
DAY_COUNT_ACTUAL_ACTUAL = "actual_actual"
DAY_COUNTS = [
    (DAY_COUNT_ACTUAL_365, _lt("Actual/365")),
    (DAY_COUNT_ACTUAL_360, _lt("Actual/360")),
    (DAY_COUNT_ACTUAL_ACTUAL, _lt("Actual/actual (ISDA)")),
]
DEFAULT_ROUNDING = Decimal("0.01")
ZERO = Decimal("0")

# Report codes understood by the partner API (res.partner._mae_has_document).
PAYMENT_REMINDER = "payment_reminder"
BALANCE_CONFIRMATION = "balance_confirmation"
INTEREST_NOTE = "interest_note"
REPORT_CODES = (PAYMENT_REMINDER, BALANCE_CONFIRMATION, INTEREST_NOTE)


# ---------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------

def to_decimal(value):
    """``value`` (int, float, str, Decimal, None) as a Decimal; floats through ``repr``."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_amount(value, rounding=DEFAULT_ROUNDING):
    """Round to a multiple of ``rounding`` (0.01, 0.05, 1, ...), ties away from zero.

    The result carries the exponent of ``rounding``: ``round_amount(2, "0.01")`` is
    ``Decimal("2.00")``.
    """
    step = to_decimal(rounding) or DEFAULT_ROUNDING
    steps = (to_decimal(value) / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return (steps * step).quantize(step)


def _rounding_for(roundings, currency):
    return to_decimal((roundings or {}).get(currency, DEFAULT_ROUNDING))


# ---------------------------------------------------------------------------
# Dates and interest
# ---------------------------------------------------------------------------

def days_late(due_date, as_of):
    """Whole days between the due date and ``as_of``; 0 when not overdue or no due date."""
    if not due_date or due_date >= as_of:
        return 0
    return (as_of - due_date).days


def year_fraction(start, end, convention):
    """Fraction of a year for the days after ``start`` up to and including ``end``.

    :param datetime.date start: the due date (its own day is not counted)
    :param datetime.date end: the date interest is computed to (counted)
    :param str convention: one of ``DAY_COUNTS``
    :rtype: Decimal
    """
    if end <= start:
        return ZERO
    days = (end - start).days
    if convention == DAY_COUNT_ACTUAL_365:
        return Decimal(days) / Decimal(365)
    if convention == DAY_COUNT_ACTUAL_360:
        return Decimal(days) / Decimal(360)
    if convention == DAY_COUNT_ACTUAL_ACTUAL:
        fraction = ZERO
        first = start + datetime.timedelta(days=1)
        for year in range(first.year, end.year + 1):
            year_first = max(first, datetime.date(year, 1, 1))
            year_last = min(end, datetime.date(year, 12, 31))
            year_days = Decimal(366 if calendar.isleap(year) else 365)
            fraction += Decimal((year_last - year_first).days + 1) / year_days
        return fraction
    raise ValueError(f"unknown day-count convention {convention!r}")


def interest_amount(base, annual_rate, start, end, convention, rounding=DEFAULT_ROUNDING):
    """Simple interest on ``base`` at ``annual_rate`` percent from ``start`` to ``end``.

    ``interest_amount(1000, 12, date(2026, 1, 31), date(2026, 3, 2), "actual_365")`` is
    ``Decimal("9.86")`` (30 days: 1000 x 12 % x 30 / 365 = 9.863...).
    """
    base = to_decimal(base)
    rate = to_decimal(annual_rate)
    if base <= 0 or rate <= 0:
        return round_amount(ZERO, rounding)
    raw = base * rate / Decimal(100) * year_fraction(start, end, convention)
    return round_amount(raw, rounding)


def residual_at(amount, matches, as_of, rounding=DEFAULT_ROUNDING):
    """Open amount of a journal item at ``as_of``.

    :param amount: the item's signed amount (positive debit, negative credit)
    :param matches: ``(date, matched_amount)`` pairs of its reconciliations; the matched
        amount is positive and reduces the item towards zero when ``date <= as_of``
    """
    amount = to_decimal(amount)
    matched = sum((to_decimal(value) for day, value in matches if day and day <= as_of), ZERO)
    residual = amount - matched if amount >= 0 else amount + matched
    return round_amount(residual, rounding)


# ---------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------

def totals_by_currency(lines, keys, roundings=None):
    """Sum ``keys`` of ``lines`` per ``currency``, currencies sorted by code.

    :return: a list of ``{"currency": code, key: Decimal, ..., "count": n}``
    """
    totals = OrderedDict()
    for line in sorted(lines, key=lambda item: item["currency"]):
        code = line["currency"]
        total = totals.setdefault(code, {"currency": code, "count": 0, **dict.fromkeys(keys, ZERO)})
        total["count"] += 1
        for key in keys:
            total[key] += to_decimal(line[key])
    for code, total in totals.items():
        for key in keys:
            total[key] = round_amount(total[key], _rounding_for(roundings, code))
    return list(totals.values())


def _sort_key(item):
    return (
        item["currency"],
        item.get("due_date") or item.get("date") or datetime.date.min,
        item.get("date") or datetime.date.min,
        item.get("number") or "",
    )


def _money_line(item, roundings, **extra):
    rounding = _rounding_for(roundings, item["currency"])
    return {
        **item,
        "amount": round_amount(item["amount"], rounding),
        "residual": round_amount(item["residual"], rounding),
        **extra,
    }


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

def overdue_items(items, as_of):
    """Items that are open in the partner's debit and past their due date at ``as_of``."""
    return [
        item for item in items
        if to_decimal(item["residual"]) > 0 and days_late(item.get("due_date"), as_of) > 0
        and (not item.get("date") or item["date"] <= as_of)
    ]


def payment_reminder(invoices, as_of, credits=(), roundings=None):
    """Lines and totals of a payment reminder.

    :param invoices: open customer invoices (items); the overdue ones become lines
    :param credits: open items in the partner's favour (unapplied credit notes and
        payments, negative residuals); listed and deducted from the amount to pay
    :return: ``{"lines": [...], "credits": [...], "totals": [...]}``; each line adds
        ``days_late``; each total has ``currency``, ``amount`` (original amounts of the
        overdue invoices), ``residual`` (their open amounts), ``credit`` (open credits,
        negative) and ``to_pay`` (``residual + credit``)
    """
    lines = [
        _money_line(item, roundings, days_late=days_late(item["due_date"], as_of))
        for item in sorted(overdue_items(invoices, as_of), key=_sort_key)
    ]
    currencies = {line["currency"] for line in lines}
    credit_lines = [
        _money_line(item, roundings)
        for item in sorted(credits, key=_sort_key)
        if item["currency"] in currencies and to_decimal(item["residual"]) < 0
        and (not item.get("date") or item["date"] <= as_of)
    ]
    totals = totals_by_currency(lines, ("amount", "residual"), roundings)
    credit_totals = {
        total["currency"]: total["residual"]
        for total in totals_by_currency(credit_lines, ("residual",), roundings)
    }
    for total in totals:
        total["credit"] = credit_totals.get(total["currency"], round_amount(
            ZERO, _rounding_for(roundings, total["currency"])))
        total["to_pay"] = total["residual"] + total["credit"]
    return {"lines": lines, "credits": credit_lines, "totals": totals}


def has_amount_to_pay(reminder):
    """A reminder is worth sending when some currency still has an amount to pay."""
    return any(total["to_pay"] > 0 for total in reminder["totals"])


def interest_note(invoices, as_of, annual_rate, convention, roundings=None):
    """Late-payment interest per overdue invoice.

    The base is the invoice's open amount at the time of the note; interest runs from the
    day after the due date up to and including ``as_of``.

    :return: ``{"lines": [...], "totals": [...]}``; each line adds ``days_late``, ``base``,
        ``interest`` and ``total`` (``base + interest``); totals per currency sum ``base``,
        ``interest`` and ``total``
    """
    lines = []
    for item in sorted(overdue_items(invoices, as_of), key=_sort_key):
        rounding = _rounding_for(roundings, item["currency"])
        base = round_amount(item["residual"], rounding)
        interest = interest_amount(base, annual_rate, item["due_date"], as_of, convention,
                                   rounding)
        lines.append(_money_line(
            item, roundings, days_late=days_late(item["due_date"], as_of), base=base,
            interest=interest, total=base + interest,
        ))
    totals = totals_by_currency(lines, ("base", "interest", "total"), roundings)
    return {"lines": lines, "totals": totals}


def has_interest(note):
    """An interest note is worth sending when some line bears interest."""
    return any(line["interest"] > 0 for line in note["lines"])


def balance_confirmation(items, as_of, roundings=None):
    """Open items at ``as_of`` and the balance per currency.

    :param items: journal items on receivable and payable accounts whose ``residual`` is
        already the open amount at ``as_of`` (see :func:`residual_at`)
    :return: ``{"lines": [...], "totals": [...]}``; lines are the items still open (non-zero
        residual, dated on or before ``as_of``); totals per currency have ``residual``
        (the balance: positive in our favour, negative in the partner's favour),
        ``debit`` (sum of positive residuals) and ``credit`` (sum of negative residuals)
    """
    lines = []
    for item in sorted(items, key=_sort_key):
        if item.get("date") and item["date"] > as_of:
            continue
        line = _money_line(item, roundings)
        if not line["residual"]:
            continue
        zero = round_amount(ZERO, _rounding_for(roundings, line["currency"]))
        line["debit"] = line["residual"] if line["residual"] > 0 else zero
        line["credit"] = line["residual"] if line["residual"] < 0 else zero
        lines.append(line)
    totals = totals_by_currency(lines, ("residual", "debit", "credit"), roundings)
    return {"lines": lines, "totals": totals}


# ---------------------------------------------------------------------------
# Reminder levels
# ---------------------------------------------------------------------------
#
# A company defines reminder levels in order ("1st reminder", "2nd reminder", "final
# notice before legal action"), each reached when an invoice is at least ``days``
# overdue. Each reminder records, per invoice, the level it was at; the next reminder
# moves each invoice one level up, when the invoice is late enough for that level and
# the last reminder of that invoice is at least ``interval`` days old. An invoice past the
# last level gets no new level (what follows is a matter for lawyers).

# The levels a company gets when it is created, at install and by the migration:
# (days overdue, report title, letter text or None for the report's standard text).
DEFAULT_REMINDER_LEVELS = (
    (7, _lt("1st reminder"), None),
    (21, _lt("2nd reminder"), _lt(
        "Despite our previous reminder, the invoices below are still unpaid. Please pay "
        "the amount due within 7 days of this letter.")),
    (35, _lt("Final notice before legal action"), _lt(
        "This is our final notice. Unless the amount due reaches us within 7 days of this "
        "letter, we will hand the matter over for legal collection without further "
        "notice; the costs of collection and statutory interest will be charged to you.")),
)
DEFAULT_REMINDER_INTERVAL = 7


def reminder_level(levels, days_overdue, last_level=None, days_since_last=None,
                   interval=DEFAULT_REMINDER_INTERVAL):
    """The level an invoice reaches with this reminder, or None for no new level.

    :param levels: ``[(key, days), ...]`` in escalation order, ``days`` the minimum days
        overdue of each level
    :param int days_overdue: days the invoice is overdue at the reminder's date
    :param last_level: key of the level of its last reminder (None: never reminded); a
        key no longer among ``levels`` (a level archived since) starts again at the first
        level: never escalate on grounds that are gone
    :param days_since_last: days since that last reminder (None: never reminded)
    :param int interval: days that must pass between two reminders of an invoice
    :return: the key of the next level, or None (not overdue enough, reminded too
        recently, or already at the last level)
    """
    if not levels or days_overdue <= 0:
        return None
    keys = [key for key, _days in levels]
    position = keys.index(last_level) + 1 if last_level in keys else 0
    if position >= len(levels):
        return None
    if days_since_last is not None and days_since_last < interval:
        return None
    key, days = levels[position]
    return key if days_overdue >= days else None


def document_level(levels, keys):
    """The highest of ``keys`` in the order of ``levels`` (``[(key, days), ...]``), the
    level a reminder covering several invoices speaks at; None when no key is a level."""
    order = {key: index for index, (key, _days) in enumerate(levels)}
    ranked = [key for key in keys if key in order]
    return max(ranked, key=order.__getitem__) if ranked else None
