"""The sender resolution rule: project default, personal default, company default, Odoo."""

import pytest
from expected_errors import assert_refusal

from mail_accounts_ext.tools.sender import (
    PROJECT_DEFAULT_CONFLICT_MESSAGE,
    Account,
    Conflict,
    Resolution,
    as_account,
    check_project_defaults,
    may_use,
    project_defaults_error,
    resolve_sender,
    usable_accounts,
)

ALICE, BOB, CAROL = 1, 2, 3  # users
C1, C2 = 10, 20  # companies
P1, P2 = 100, 200  # projects


def personal(id, owner, company=C1, **kw):
    return Account(id=id, owner_id=owner, company_id=company, **kw)


def shared(id, company=C1, **kw):
    return Account(id=id, owner_id=None, company_id=company, **kw)


# (id, accounts, user, user's companies, document company, project, expected (account, reason))
CASES = [
    ("no-account-at-all", [], ALICE, {C1}, C1, None, (None, "odoo_default")),
    ("only-other-users-accounts", [personal(1, BOB, is_default=True)], ALICE, {C1}, C1, None,
     (None, "odoo_default")),
    ("personal-default", [personal(1, ALICE), personal(2, ALICE, is_default=True)],
     ALICE, {C1}, C1, None, (2, "personal_default")),
    ("single-personal-without-flag", [personal(1, ALICE)], ALICE, {C1}, C1, None,
     (1, "personal_default")),
    ("two-personal-without-flag-go-to-company", [
        personal(1, ALICE), personal(2, ALICE), shared(3, is_company_default=True)],
     ALICE, {C1}, C1, None, (3, "company_default")),
    ("two-personal-without-flag-no-company", [personal(1, ALICE), personal(2, ALICE)],
     ALICE, {C1}, C1, None, (None, "odoo_default")),
    ("several-personal-defaults-lowest-id", [
        personal(7, ALICE, is_default=True), personal(4, ALICE, is_default=True)],
     ALICE, {C1}, C1, None, (4, "personal_default")),
    ("personal-beats-company", [
        shared(1, is_company_default=True), personal(2, ALICE, is_default=True)],
     ALICE, {C1}, C1, None, (2, "personal_default")),
    ("company-default", [shared(1), shared(2, is_company_default=True)], BOB, {C1}, C1, None,
     (2, "company_default")),
    ("company-account-not-flagged", [shared(1)], BOB, {C1}, C1, None, (None, "odoo_default")),
    ("company-default-restricted-to-others", [
        shared(1, is_company_default=True, user_ids=frozenset({BOB}))],
     ALICE, {C1}, C1, None, (None, "odoo_default")),
    ("company-default-restricted-to-user", [
        shared(1, is_company_default=True, user_ids=frozenset({ALICE}))],
     ALICE, {C1}, C1, None, (1, "company_default")),
    ("project-default-wins", [
        personal(1, ALICE, is_default=True), shared(2, is_company_default=True),
        shared(3, default_project_ids=frozenset({P1}))],
     ALICE, {C1}, C1, P1, (3, "project_default")),
    ("other-project-default-ignored", [
        personal(1, ALICE, is_default=True), shared(3, default_project_ids=frozenset({P2}))],
     ALICE, {C1}, C1, P1, (1, "personal_default")),
    ("project-default-without-project-on-document", [
        personal(1, ALICE, is_default=True), shared(3, default_project_ids=frozenset({P1}))],
     ALICE, {C1}, C1, None, (1, "personal_default")),
    ("project-account-user-may-not-use", [
        personal(1, ALICE, is_default=True),
        shared(3, default_project_ids=frozenset({P1}), user_ids=frozenset({BOB}))],
     ALICE, {C1}, C1, P1, (1, "personal_default")),
    ("project-account-of-colleague-not-shared", [
        personal(3, BOB, default_project_ids=frozenset({P1})),
        shared(2, is_company_default=True)],
     ALICE, {C1}, C1, P1, (2, "company_default")),
    ("project-account-of-colleague-shared", [
        personal(3, BOB, default_project_ids=frozenset({P1}), user_ids=frozenset({ALICE})),
        shared(2, is_company_default=True)],
     ALICE, {C1}, C1, P1, (3, "project_default")),
    ("own-project-default-before-company-project-default", [
        shared(2, default_project_ids=frozenset({P1})),
        personal(5, ALICE, default_project_ids=frozenset({P1}))],
     ALICE, {C1}, C1, P1, (5, "project_default")),
    ("company-project-default-before-colleague", [
        personal(1, BOB, default_project_ids=frozenset({P1}), user_ids=frozenset({ALICE})),
        shared(2, default_project_ids=frozenset({P1}))],
     ALICE, {C1}, C1, P1, (2, "project_default")),
    ("inactive-project-default", [
        shared(3, active=False, default_project_ids=frozenset({P1})),
        shared(2, is_company_default=True)],
     ALICE, {C1}, C1, P1, (2, "company_default")),
    ("inactive-personal-default", [
        personal(1, ALICE, active=False, is_default=True), shared(2, is_company_default=True)],
     ALICE, {C1}, C1, None, (2, "company_default")),
    ("inactive-only-personal-not-counted", [
        personal(1, ALICE, active=False), personal(2, ALICE)],
     ALICE, {C1}, C1, None, (2, "personal_default")),
    ("personal-default-of-other-company", [
        personal(1, ALICE, company=C2, is_default=True), shared(2, is_company_default=True)],
     ALICE, {C1, C2}, C1, None, (2, "company_default")),
    ("only-usable-personal-in-document-company", [
        personal(1, ALICE, company=C2, is_default=True), personal(2, ALICE, company=C1)],
     ALICE, {C1, C2}, C1, None, (2, "personal_default")),
    ("company-default-of-other-company", [
        shared(1, company=C2, is_company_default=True)],
     ALICE, {C1, C2}, C1, None, (None, "odoo_default")),
    ("document-company-picks-its-default", [
        shared(1, company=C1, is_company_default=True),
        shared(2, company=C2, is_company_default=True)],
     ALICE, {C1, C2}, C2, None, (2, "company_default")),
    ("user-not-in-document-company", [shared(1, company=C2, is_company_default=True)],
     ALICE, {C1}, C2, None, (None, "odoo_default")),
    ("project-default-of-other-company", [
        shared(1, company=C2, default_project_ids=frozenset({P1})),
        shared(2, company=C1, is_company_default=True)],
     ALICE, {C1, C2}, C1, P1, (2, "company_default")),
    ("account-without-company-serves-all", [
        Account(id=1, owner_id=None, company_id=None, is_company_default=True)],
     ALICE, {C2}, C2, None, (1, "company_default")),
    ("no-document-company-no-restriction", [
        personal(1, ALICE, company=C2, is_default=True)],
     ALICE, {C1, C2}, None, None, (1, "personal_default")),
    ("several-company-defaults-lowest-id", [
        shared(9, is_company_default=True), shared(3, is_company_default=True)],
     BOB, {C1}, C1, None, (3, "company_default")),
    ("colleague-personal-default-shared-is-not-mine", [
        personal(1, BOB, is_default=True, user_ids=frozenset({ALICE}))],
     ALICE, {C1}, C1, None, (None, "odoo_default")),
    ("dict-input", [
        {"id": 1, "active": True, "company_id": C1, "owner_id": False, "user_ids": [],
         "is_company_default": True},
        {"id": 2, "active": True, "company_id": C1, "owner_id": ALICE, "user_ids": False,
         "is_default": True, "default_project_ids": [P2]}],
     ALICE, [C1], C1, P2, (2, "project_default")),
]


@pytest.mark.parametrize(
    "accounts, user, companies, company, project, expected",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_resolve_sender(accounts, user, companies, company, project, expected):
    resolution = resolve_sender(
        accounts, user_id=user, user_company_ids=companies, company_id=company,
        project_id=project,
    )
    assert resolution == Resolution(*expected)


def test_case_table_is_large_enough():
    assert len(CASES) >= 24


# (id, account, user, user's companies, expected)
MAY_USE_CASES = [
    ("owner", personal(1, ALICE), ALICE, {C1}, True),
    ("not-owner", personal(1, ALICE), BOB, {C1}, False),
    ("listed-user-of-personal", personal(1, ALICE, user_ids=frozenset({BOB})), BOB, {C1}, True),
    ("owner-left-company", personal(1, ALICE), ALICE, {C2}, False),
    ("inactive", personal(1, ALICE, active=False), ALICE, {C1}, False),
    ("company-open-to-all", shared(1), CAROL, {C1}, True),
    ("company-other-company", shared(1), CAROL, {C2}, False),
    ("company-restricted-listed", shared(1, user_ids=frozenset({BOB})), BOB, {C1}, True),
    ("company-restricted-not-listed", shared(1, user_ids=frozenset({BOB})), CAROL, {C1}, False),
    ("listed-but-other-company", shared(1, user_ids=frozenset({BOB})), BOB, {C2}, False),
    ("dict", {"id": 1, "owner_id": ALICE, "company_id": C1}, ALICE, [C1], True),
]


@pytest.mark.parametrize(
    "account, user, companies, expected",
    [case[1:] for case in MAY_USE_CASES],
    ids=[case[0] for case in MAY_USE_CASES],
)
def test_may_use(account, user, companies, expected):
    assert may_use(account, user, companies) is expected


# (id, accounts, user, user's companies, document company, expected ids in order)
USABLE_CASES = [
    ("nothing", [], ALICE, {C1}, C1, []),
    ("personal-then-shared-then-company", [
        shared(1, name="Sales"), personal(2, BOB, name="Bob", user_ids=frozenset({ALICE})),
        personal(3, ALICE, name="Work"), personal(4, ALICE, name="alice private"),
        shared(5, name="info")],
     ALICE, {C1}, C1, [4, 3, 2, 5, 1]),
    ("same-name-by-id", [shared(9, name="Info"), shared(3, name="info")], ALICE, {C1}, C1,
     [3, 9]),
    ("filters-inactive-other-company-and-forbidden", [
        shared(1, active=False), shared(2, company=C2), personal(3, BOB),
        shared(4, user_ids=frozenset({BOB})), shared(5)],
     ALICE, {C1, C2}, C1, [5]),
    ("no-document-company", [shared(1, company=C2, name="b"), shared(2, company=C1, name="a")],
     ALICE, {C1, C2}, None, [2, 1]),
]


@pytest.mark.parametrize(
    "accounts, user, companies, company, expected",
    [case[1:] for case in USABLE_CASES],
    ids=[case[0] for case in USABLE_CASES],
)
def test_usable_accounts(accounts, user, companies, company, expected):
    result = usable_accounts(
        accounts, user_id=user, user_company_ids=companies, company_id=company
    )
    assert [account.id for account in result] == expected


# (id, accounts, expected conflicts)
CONFLICT_CASES = [
    ("none", [personal(1, ALICE, default_project_ids=frozenset({P1}))], []),
    ("two-personal-same-owner", [
        personal(1, ALICE, default_project_ids=frozenset({P1})),
        personal(2, ALICE, default_project_ids=frozenset({P1}))],
     [(P1, [1, 2])]),
    ("personal-of-different-owners", [
        personal(1, ALICE, default_project_ids=frozenset({P1})),
        personal(2, BOB, default_project_ids=frozenset({P1}))], []),
    ("personal-and-company", [
        personal(1, ALICE, default_project_ids=frozenset({P1})),
        shared(2, default_project_ids=frozenset({P1}))], []),
    ("two-company-same-company", [
        shared(3, default_project_ids=frozenset({P1, P2})),
        shared(1, default_project_ids=frozenset({P2})),
        shared(2, default_project_ids=frozenset({P1}))],
     [(P1, [2, 3]), (P2, [1, 3])]),
    ("company-accounts-of-different-companies", [
        shared(1, company=C1, default_project_ids=frozenset({P1})),
        shared(2, company=C2, default_project_ids=frozenset({P1}))], []),
    ("inactive-does-not-conflict", [
        shared(1, default_project_ids=frozenset({P1})),
        shared(2, active=False, default_project_ids=frozenset({P1}))], []),
    ("serving-is-not-default", [
        shared(1, default_project_ids=frozenset({P1})), shared(2, project_ids=frozenset({P1}))],
     []),
    ("three-in-one-scope", [
        personal(5, ALICE, default_project_ids=frozenset({P1})),
        personal(4, ALICE, default_project_ids=frozenset({P1})),
        personal(6, ALICE, default_project_ids=frozenset({P1}))],
     [(P1, [4, 5, 6])]),
]


@pytest.mark.parametrize(
    "accounts, expected",
    [case[1:] for case in CONFLICT_CASES],
    ids=[case[0] for case in CONFLICT_CASES],
)
def test_check_project_defaults(accounts, expected):
    conflicts = check_project_defaults(accounts)
    assert conflicts == expected
    assert all(isinstance(conflict, Conflict) for conflict in conflicts)


@pytest.mark.parametrize(
    "accounts, project_names, account_names, expected",
    [
        ([shared(1, default_project_ids=frozenset({P1}))], None, None, None),
        (
            [shared(1, default_project_ids=frozenset({P1})),
             shared(2, default_project_ids=frozenset({P1}))],
            {P1: "Website"},
            {1: "Info", 2: "Sales"},
            {"project": "Website", "accounts": "Info, Sales"},
        ),
        (
            [shared(1, default_project_ids=frozenset({P1})),
             shared(2, default_project_ids=frozenset({P1}))],
            None,
            {1: "Info"},
            {"project": "100", "accounts": "Info, 2"},
        ),
    ],
)
def test_project_defaults_error(accounts, project_names, account_names, expected):
    error = project_defaults_error(
        accounts, project_names=project_names, account_names=account_names
    )
    assert_refusal(error, PROJECT_DEFAULT_CONFLICT_MESSAGE, expected)


@pytest.mark.parametrize(
    "record, expected",
    [
        ({"id": 4}, Account(id=4)),
        (
            {"id": 4, "active": False, "company_id": False, "owner_id": False,
             "user_ids": [1, 2], "default_project_ids": P1, "name": False},
            Account(id=4, active=False, user_ids=frozenset({1, 2}),
                    default_project_ids=frozenset({P1})),
        ),
        (Account(id=5, owner_id=ALICE), Account(id=5, owner_id=ALICE)),
    ],
)
def test_as_account(record, expected):
    assert as_account(record) == expected
