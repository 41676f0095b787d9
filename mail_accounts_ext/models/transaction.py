# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The transaction seam: who may commit, and one unit of work for every flow.

Long flows (a fetch, a copy job, a *Print & e-mail* step, the mail queue) commit their
work piece by piece, so that a crash or a failure loses only the piece in progress.
They all do it through :func:`unit_of_work`; no other code of the addon calls
``cr.commit()`` or ``cr.rollback()`` on the cursor it was given.
"""

import contextlib
import threading

from odoo import SUPERUSER_ID, api, modules
from odoo.modules.registry import Registry


def can_commit():
    """Whether this code may commit its transaction: not while tests run.

    The addon's one answer to "may this code commit?" (as core's
    ``account.move.send._can_commit``). Inside tests (committing is forbidden) a
    savepoint of the test cursor plays each unit of work. Both of Odoo's test flags
    count: ``current_test`` (switched off around real SMTP sends by the tests' own
    ``real_smtp()``) and the test thread's ``testing`` (also set while demo data loads).
    """
    return not (modules.module.current_test
                or getattr(threading.current_thread(), "testing", False))


@contextlib.contextmanager
def unit_of_work(env):
    """One unit of work on ``env``'s cursor: committed when the block succeeds, rolled
    back (and the exception re-raised) when it fails.

    Everything the transaction did before the block is part of the unit: start one
    after a commit (the previous unit) or at the start of a transaction of its own.
    While tests run (:func:`can_commit` is false) a savepoint of the test cursor plays
    the transaction: released on success, rolled back on failure, so that a test sees
    what production would keep after the same failure.
    """
    cr = env.cr
    if not can_commit():
        with cr.savepoint():
            yield
        return
    try:
        yield
    except BaseException:
        cr.rollback()  # pylint: disable=invalid-commit
        raise
    cr.commit()  # pylint: disable=invalid-commit


def after_commit(env, key, item, run):
    """Hand ``item`` to ``run(env, items)`` once the current transaction is committed,
    in a transaction of its own (a new cursor, as the superuser): work that must never
    roll back what was committed (e.g. a mail that left). What one transaction hands
    over under ``key`` runs together, in the order it was handed over.
    """
    cr = env.cr
    pending = cr.postcommit.data.setdefault(key, [])
    if not pending:
        dbname = cr.dbname

        @cr.postcommit.add
        def run_after_commit():
            with Registry(dbname).cursor() as new_cr:
                run(api.Environment(new_cr, SUPERUSER_ID, {}), pending)

    pending.append(item)
