"""The one rule that picks the account a user sends from (pure Python).

Accounts are plain data: :class:`Account` instances or dicts with the same keys.

* ``owner_id`` is the user owning a personal account, ``None`` for a company
  (shared) account.
* ``user_ids`` are the users allowed to use it besides the owner; a company account
  with no ``user_ids`` may be used by every user of its company.
* ``is_default`` marks the owner's personal default account, ``is_company_default``
  the company's default shared account; ``default_project_ids`` are the projects
  for which the account is the default, ``project_ids`` the projects it serves.

:func:`resolve_sender` applies, in this order: the default account of the
document's project (if the user may use it), the user's own default account, the
company's default shared account, and else ``None`` (Odoo's own outgoing server).

No Odoo import here: this module is tested without a database.
"""

# No ``env`` here: ``_lt`` only marks the texts, the ORM translates them with ``env._``.
# pylint: disable=prefer-env-translation

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .translation import _lt

REASONS = ("project_default", "personal_default", "company_default", "odoo_default")

PROJECT_DEFAULT_CONFLICT_MESSAGE = _lt(
    "A project can have only one default account per person and one default shared "
    "account per company. Project %(project)s has several: %(accounts)s."
)


@dataclass(frozen=True)
class Account:
    id: int
    active: bool = True
    company_id: int | None = None
    owner_id: int | None = None
    user_ids: frozenset = field(default_factory=frozenset)
    is_default: bool = False
    is_company_default: bool = False
    project_ids: frozenset = field(default_factory=frozenset)
    default_project_ids: frozenset = field(default_factory=frozenset)
    name: str = ""

    @property
    def is_personal(self):
        return self.owner_id is not None


@dataclass(frozen=True)
class Resolution:
    account_id: int | None
    reason: str


class Conflict(NamedTuple):
    project_id: int
    account_ids: list


def _ids(value):
    """Odoo-ish empty values (False, None) and iterables of ids -> frozenset."""
    if not value:
        return frozenset()
    if isinstance(value, int):
        return frozenset({value})
    return frozenset(value)


def _id(value):
    """False / None / 0 -> None (no record), else the id."""
    return value or None


def as_account(record):
    """An :class:`Account` from an :class:`Account`, a dict or any object with the keys."""
    if isinstance(record, Account):
        return record
    if isinstance(record, Mapping):

        def get(key, default=None):
            return record.get(key, default)
    else:

        def get(key, default=None):
            return getattr(record, key, default)

    return Account(
        id=get("id"),
        active=bool(get("active", True)),
        company_id=_id(get("company_id")),
        owner_id=_id(get("owner_id")),
        user_ids=_ids(get("user_ids")),
        is_default=bool(get("is_default", False)),
        is_company_default=bool(get("is_company_default", False)),
        project_ids=_ids(get("project_ids")),
        default_project_ids=_ids(get("default_project_ids")),
        name=get("name") or "",
    )


def may_use(account, user_id, user_company_ids):
    """Whether ``user_id`` (member of ``user_company_ids``) may send from ``account``.

    The account must be active and belong to one of the user's companies (an account
    without company belongs to all). The owner may use a personal account, and so
    may its listed users; a company account is open to its listed users, or to all
    users of its company when nobody is listed.
    """
    account = as_account(account)
    if not account.active:
        return False
    if account.company_id is not None and account.company_id not in _ids(user_company_ids):
        return False
    if user_id is not None and user_id in account.user_ids:
        return True
    if account.is_personal:
        return account.owner_id == user_id
    return not account.user_ids


def _in_company(account, company_id):
    """Accounts of another company than the document's never qualify."""
    return company_id is None or account.company_id in (None, company_id)


def _candidates(accounts, user_id, user_company_ids, company_id):
    return [
        account
        for account in map(as_account, accounts)
        if _in_company(account, company_id) and may_use(account, user_id, user_company_ids)
    ]


def _group(account, user_id):
    """0: own personal account, 1: someone else's shared with the user, 2: company."""
    if not account.is_personal:
        return 2
    return 0 if account.owner_id == user_id else 1


def usable_accounts(accounts, *, user_id, user_company_ids, company_id):
    """The accounts ``user_id`` may send from, ordered for a "Send from" dropdown.

    Personal accounts first (own, then shared by colleagues), then company
    accounts; by name (case-insensitive), then id, inside each group.
    """
    return sorted(
        _candidates(accounts, user_id, user_company_ids, company_id),
        key=lambda account: (_group(account, user_id), account.name.casefold(), account.id),
    )


def _project_rank(account, user_id):
    """Own project default first, then the company's, then a colleague's shared one."""
    return ({0: 0, 2: 1, 1: 2}[_group(account, user_id)], account.id)


def resolve_sender(accounts, *, user_id, user_company_ids, company_id, project_id=None):
    """The account to send from, with the reason it was chosen.

    ``company_id`` is the document's company, else the user's current company
    (``None``: no company restriction). Order: the default account of ``project_id``
    the user may use; the user's own default account (or their only usable personal
    account when none is flagged); the company's default shared account; else
    ``Resolution(None, "odoo_default")``.
    """
    candidates = _candidates(accounts, user_id, user_company_ids, company_id)

    if project_id:
        project_defaults = [a for a in candidates if project_id in a.default_project_ids]
        if project_defaults:
            chosen = min(project_defaults, key=lambda a: _project_rank(a, user_id))
            return Resolution(chosen.id, "project_default")

    own = [a for a in candidates if a.is_personal and a.owner_id == user_id]
    own_defaults = [a for a in own if a.is_default]
    if own_defaults:
        return Resolution(min(a.id for a in own_defaults), "personal_default")
    if len(own) == 1:
        return Resolution(own[0].id, "personal_default")

    company_defaults = [a for a in candidates if not a.is_personal and a.is_company_default]
    if company_defaults:
        return Resolution(min(a.id for a in company_defaults), "company_default")

    return Resolution(None, "odoo_default")


def _scope(account):
    if account.is_personal:
        return ("personal", account.owner_id)
    return ("company", account.company_id)


def check_project_defaults(accounts: Iterable):
    """Projects with several default accounts of the same scope.

    Two active accounts conflict when they are defaults for the same project and
    are both personal accounts of the same owner, or both shared accounts of the
    same company. Returns ``[Conflict(project_id, [account ids]), ...]`` sorted by
    project, then by the smallest account id.
    """
    groups = {}
    for account in map(as_account, accounts):
        if not account.active:
            continue
        for project_id in account.default_project_ids:
            groups.setdefault((project_id, _scope(account)), []).append(account.id)
    conflicts = [
        Conflict(project_id, sorted(ids))
        for (project_id, _scope_key), ids in groups.items()
        if len(ids) > 1
    ]
    return sorted(conflicts, key=lambda conflict: (conflict.project_id, conflict.account_ids))


def project_defaults_error(accounts, *, project_names=None, account_names=None):
    """``None``, or ``(template, params)`` describing the first conflict.

    ``project_names`` / ``account_names`` map ids to display names (ids are shown
    when a name is missing). The ORM constraint raises
    ``ValidationError(env._(template, **params))``.
    """
    conflicts = check_project_defaults(accounts)
    if not conflicts:
        return None
    project_names = project_names or {}
    account_names = account_names or {}
    conflict = conflicts[0]
    params = {
        "project": project_names.get(conflict.project_id) or str(conflict.project_id),
        "accounts": ", ".join(
            account_names.get(account_id) or str(account_id)
            for account_id in conflict.account_ids
        ),
    }
    return PROJECT_DEFAULT_CONFLICT_MESSAGE, params
