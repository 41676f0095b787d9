"""Numbers of the payment reminder, balance confirmation and interest note (no Odoo)."""

from datetime import date
from decimal import Decimal

import pytest

from mail_accounts_ext.tools import dunning
from mail_accounts_ext.tools.dunning import (
    DAY_COUNT_ACTUAL_360 as A360,
)
from mail_accounts_ext.tools.dunning import (
    DAY_COUNT_ACTUAL_365 as A365,
)
from mail_accounts_ext.tools.dunning import (
    DAY_COUNT_ACTUAL_ACTUAL as AACT,
)

D = Decimal


def _item(number, currency, amount, residual, due, day=None, **extra):
    return {"number": number, "currency": currency, "amount": amount, "residual": residual,
            "due_date": due, "date": day, **extra}


# ---------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, rounding, expected", [
    (9.863013, "0.01", D("9.86")),
    (1.005, "0.01", D("1.01")),        # float 1.005 is 1.00499999...: repr gives 1.005
    (2.675, "0.01", D("2.68")),        # Python's round() gives 2.67, Odoo's HALF-UP 2.68
    (-2.675, "0.01", D("-2.68")),      # ties away from zero, like float_round
    (0.125, "0.01", D("0.13")),
    (1.3, "0.5", D("1.5")),            # coin steps, like float_round(1.3, precision_rounding=.5)
    (1.24, "0.05", D("1.25")),
    (1234.5, "1", D("1235")),          # currencies without cents
    (2, "0.01", D("2.00")),
    ("10.005", "0.01", D("10.01")),
    (None, "0.01", D("0.00")),
])
def test_round_amount(value, rounding, expected):
    result = dunning.round_amount(value, rounding)
    assert result == expected
    assert result.as_tuple().exponent == expected.as_tuple().exponent


# ---------------------------------------------------------------------------
# Days late
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("due, as_of, expected", [
    (date(2026, 1, 31), date(2026, 3, 2), 30),     # across February of a common year
    (date(2024, 1, 31), date(2024, 3, 2), 31),     # ... and of a leap year
    (date(2026, 3, 2), date(2026, 3, 2), 0),       # due today: not late
    (date(2026, 3, 3), date(2026, 3, 2), 0),       # due tomorrow
    (date(2026, 3, 1), date(2026, 3, 2), 1),
    (date(2025, 12, 31), date(2026, 1, 1), 1),     # across the new year
    (None, date(2026, 3, 2), 0),                   # no due date: never late
])
def test_days_late(due, as_of, expected):
    assert dunning.days_late(due, as_of) == expected


# ---------------------------------------------------------------------------
# Interest by day-count convention
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("base, rate, due, as_of, convention, expected", [
    # the example of the specification: 1,000.00 at 12 % actual/365 for 30 days
    (1000, 12, date(2026, 1, 31), date(2026, 3, 2), A365, D("9.86")),
    (1000, 12, date(2026, 1, 31), date(2026, 3, 2), A360, D("10.00")),
    (1000, 12, date(2026, 1, 31), date(2026, 3, 2), AACT, D("9.86")),
    # a whole leap year: actual/365 counts 366/365, actual/actual exactly one year
    (1000, 10, date(2023, 12, 31), date(2024, 12, 31), A365, D("100.27")),
    (1000, 10, date(2023, 12, 31), date(2024, 12, 31), AACT, D("100.00")),
    (1000, 10, date(2023, 12, 31), date(2024, 12, 31), A360, D("101.67")),
    # across the new year into a leap year: 10 days /365 + 10 days /366
    (1000, 10, date(2023, 12, 21), date(2024, 1, 10), AACT, D("5.47")),
    (1000, 10, date(2023, 12, 21), date(2024, 1, 10), A365, D("5.48")),
    (300, 12, date(2026, 2, 15), date(2026, 3, 2), A365, D("1.48")),
    (2000, 12, date(2026, 1, 16), date(2026, 3, 2), A365, D("29.59")),
    (2000, 12, date(2026, 1, 16), date(2026, 3, 2), A360, D("30.00")),
    (1000, 12, date(2026, 3, 2), date(2026, 3, 2), A365, D("0.00")),   # not late
    (1000, 0, date(2026, 1, 1), date(2026, 3, 2), A365, D("0.00")),    # no rate
    (-500, 12, date(2026, 1, 1), date(2026, 3, 2), A365, D("0.00")),   # a credit bears none
    ("1234.56", "11.25", date(2025, 6, 30), date(2026, 3, 2), A365, D("93.23")),  # 245 days
])
def test_interest_amount(base, rate, due, as_of, convention, expected):
    assert dunning.interest_amount(base, rate, due, as_of, convention) == expected


def test_interest_in_currency_without_cents():
    assert dunning.interest_amount(100000, 12, date(2026, 1, 31), date(2026, 3, 2), A365,
                                   rounding=1) == D("986")


def test_unknown_convention():
    with pytest.raises(ValueError):
        dunning.year_fraction(date(2026, 1, 1), date(2026, 2, 1), "30/360")


@pytest.mark.parametrize("start, end, expected", [
    (date(2023, 12, 31), date(2024, 12, 31), D(1)),
    (date(2022, 12, 31), date(2023, 12, 31), D(1)),
    (date(2023, 12, 31), date(2025, 12, 31), D(2)),
    (date(2024, 2, 28), date(2024, 3, 1), D(2) / D(366)),
])
def test_year_fraction_actual_actual(start, end, expected):
    assert dunning.year_fraction(start, end, AACT) == expected


# ---------------------------------------------------------------------------
# Open amount at a date
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("amount, matches, as_of, expected", [
    (500, [(date(2026, 2, 20), 200)], date(2026, 2, 18), D("500.00")),  # paid later
    (500, [(date(2026, 2, 20), 200)], date(2026, 2, 20), D("300.00")),  # paid that day
    (500, [(date(2026, 2, 20), 200), (date(2026, 3, 1), 300)], date(2026, 3, 2), D("0.00")),
    (-400, [(date(2026, 2, 10), 150)], date(2026, 3, 2), D("-250.00")),  # a credit item
    (100, [(None, 100)], date(2026, 3, 2), D("100.00")),                 # undated match
])
def test_residual_at(amount, matches, as_of, expected):
    assert dunning.residual_at(amount, matches, as_of) == expected


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

AS_OF = date(2026, 3, 2)
INVOICES = [
    _item("INV/1", "USD", 1000.0, 1000.0, date(2026, 1, 31), date(2026, 1, 1)),
    _item("INV/2", "USD", 500.0, 300.0, date(2026, 2, 15), date(2026, 2, 1)),
    _item("INV/3", "EUR", 2000.0, 2000.0, date(2026, 1, 16), date(2025, 12, 17)),
    _item("INV/4", "EUR", 250.0, 250.0, date(2026, 3, 27), date(2026, 2, 25)),  # not due
    _item("INV/5", "USD", 80.0, 0.0, date(2026, 1, 10), date(2025, 12, 1)),     # paid
    _item("INV/6", "USD", 70.0, 70.0, date(2026, 2, 10), date(2026, 3, 5)),     # future
]
CREDITS = [
    _item("RINV/1", "EUR", -100.0, -100.0, date(2026, 2, 1), date(2026, 2, 1)),
    _item("RINV/2", "PLN", -50.0, -50.0, date(2026, 2, 1), date(2026, 2, 1)),  # no PLN debt
]


def test_payment_reminder_lines_and_totals():
    result = dunning.payment_reminder(INVOICES, AS_OF, credits=CREDITS)
    assert [(line["number"], line["days_late"], line["residual"]) for line in result["lines"]] == [
        ("INV/3", 45, D("2000.00")),
        ("INV/1", 30, D("1000.00")),
        ("INV/2", 15, D("300.00")),
    ]
    assert [line["number"] for line in result["credits"]] == ["RINV/1"]
    assert result["totals"] == [
        {"currency": "EUR", "count": 1, "amount": D("2000.00"), "residual": D("2000.00"),
         "credit": D("-100.00"), "to_pay": D("1900.00")},
        {"currency": "USD", "count": 2, "amount": D("1500.00"), "residual": D("1300.00"),
         "credit": D("0.00"), "to_pay": D("1300.00")},
    ]
    assert dunning.has_amount_to_pay(result)


@pytest.mark.parametrize("invoices, credits, expected", [
    ([], [], False),                                                    # nothing at all
    ([INVOICES[3]], [], False),                                         # only not yet due
    ([INVOICES[4]], [], False),                                         # only paid
    ([INVOICES[0]], [], True),
    ([INVOICES[2]], [CREDITS[0]], True),                                # credit is smaller
    ([INVOICES[2]], [_item("R", "EUR", -2000, -2000, None)], False),    # credit covers it
])
def test_payment_reminder_nothing_to_send(invoices, credits, expected):
    reminder = dunning.payment_reminder(invoices, AS_OF, credits=credits)
    assert dunning.has_amount_to_pay(reminder) is expected


@pytest.mark.parametrize("convention, interests, totals", [
    (A365, ["29.59", "9.86", "1.48"], {"EUR": ("2000.00", "29.59", "2029.59"),
                                       "USD": ("1300.00", "11.34", "1311.34")}),
    (A360, ["30.00", "10.00", "1.50"], {"EUR": ("2000.00", "30.00", "2030.00"),
                                        "USD": ("1300.00", "11.50", "1311.50")}),
    (AACT, ["29.59", "9.86", "1.48"], {"EUR": ("2000.00", "29.59", "2029.59"),
                                       "USD": ("1300.00", "11.34", "1311.34")}),
])
def test_interest_note(convention, interests, totals):
    note = dunning.interest_note(INVOICES, AS_OF, 12, convention)
    assert [line["number"] for line in note["lines"]] == ["INV/3", "INV/1", "INV/2"]
    assert [line["interest"] for line in note["lines"]] == [D(x) for x in interests]
    assert {t["currency"]: (t["base"], t["interest"], t["total"]) for t in note["totals"]} == {
        code: tuple(D(x) for x in values) for code, values in totals.items()
    }
    assert dunning.has_interest(note)


def test_interest_note_nothing_to_send():
    assert not dunning.has_interest(dunning.interest_note(INVOICES, AS_OF, 0, A365))
    assert not dunning.has_interest(dunning.interest_note([INVOICES[3]], AS_OF, 12, A365))
    # one day late on 1.00 at 12 %: interest rounds to zero
    tiny = [_item("INV/9", "USD", 1, 1, date(2026, 3, 1))]
    assert not dunning.has_interest(dunning.interest_note(tiny, AS_OF, 12, A365))


def test_balance_confirmation():
    items = [
        _item("INV/1", "USD", 1000, 1000, date(2026, 1, 31), date(2026, 1, 1)),
        _item("INV/2", "USD", 500, 300, date(2026, 2, 15), date(2026, 2, 1)),
        _item("BILL/1", "USD", -400, -400, date(2026, 3, 5), date(2026, 2, 5)),
        _item("INV/3", "EUR", 2000, 2000, date(2026, 1, 16), date(2025, 12, 17)),
        _item("INV/4", "EUR", 250, 250, date(2026, 3, 27), date(2026, 2, 25)),
        _item("RINV/1", "EUR", -100, -100, date(2026, 2, 1), date(2026, 2, 1)),
        _item("INV/5", "USD", 80, 0, date(2026, 1, 10), date(2025, 12, 1)),      # closed
        _item("INV/6", "USD", 70, 70, date(2026, 4, 4), date(2026, 3, 5)),       # after date
    ]
    result = dunning.balance_confirmation(items, AS_OF)
    assert [line["number"] for line in result["lines"]] == [
        "INV/3", "RINV/1", "INV/4", "INV/1", "INV/2", "BILL/1",
    ]
    assert result["totals"] == [
        {"currency": "EUR", "count": 3, "residual": D("2150.00"), "debit": D("2250.00"),
         "credit": D("-100.00")},
        {"currency": "USD", "count": 3, "residual": D("900.00"), "debit": D("1300.00"),
         "credit": D("-400.00")},
    ]
    assert dunning.balance_confirmation([items[6], items[7]], AS_OF)["lines"] == []


def test_roundings_per_currency():
    invoices = [_item("INV/J", "JPY", 100000, 100000, date(2026, 1, 31))]
    note = dunning.interest_note(invoices, AS_OF, 12, A365, roundings={"JPY": 1})
    assert note["lines"][0]["interest"] == D("986")
    assert note["totals"][0]["total"] == D("100986")


def test_extra_keys_are_kept():
    invoices = [_item("INV/1", "USD", 10, 10, date(2026, 1, 1), id=42, currency_id=2)]
    line = dunning.payment_reminder(invoices, AS_OF)["lines"][0]
    assert (line["id"], line["currency_id"]) == (42, 2)


# ---------------------------------------------------------------------------
# Reminder levels
# ---------------------------------------------------------------------------

LEVELS = [("first", 7), ("second", 21), ("final", 35)]


@pytest.mark.parametrize("days_overdue, last, since, interval, expected", [
    (0, None, None, 7, None),            # not overdue
    (-3, None, None, 7, None),
    (6, None, None, 7, None),            # overdue, not enough for the first level
    (7, None, None, 7, "first"),
    (90, None, None, 7, "first"),        # never reminded: the first level, however late
    (20, "first", 13, 7, None),          # next level needs 21 days
    (21, "first", 14, 7, "second"),
    (40, "first", 3, 7, None),           # reminded 3 days ago: wait for the interval
    (40, "first", 7, 7, "second"),       # one level at a time, never a jump
    (40, "second", 7, 7, "final"),
    (34, "second", 7, 7, None),
    (60, "final", 30, 7, None),          # past the last level: no new reminder
    (40, "archived", 10, 7, "first"),    # unknown last level: start again
    (40, "archived", 2, 7, None),
    (21, "first", 0, 0, "second"),       # no interval
])
def test_reminder_level(days_overdue, last, since, interval, expected):
    assert dunning.reminder_level(LEVELS, days_overdue, last, since, interval) == expected


def test_reminder_level_without_levels():
    assert dunning.reminder_level([], 100) is None


@pytest.mark.parametrize("keys, expected", [
    ([], None),
    (["first"], "first"),
    (["first", "final", "second"], "final"),
    (["second", None, "gone"], "second"),
    ([None, "gone"], None),
])
def test_document_level(keys, expected):
    assert dunning.document_level(LEVELS, keys) == expected


def test_default_levels_escalate():
    days = [days for days, _title, _text in dunning.DEFAULT_REMINDER_LEVELS]
    assert days == sorted(days) and len(set(days)) == len(days)
    assert dunning.DEFAULT_REMINDER_LEVELS[0][2] is None  # the report's standard text
