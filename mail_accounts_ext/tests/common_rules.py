# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers of the write-rule tests: what a user may write over RPC, field by field.

Refusals are caught with a plain ``try``/``except``, never Odoo's ``assertRaises``
(which rolls back to a savepoint): the stored values are then compared with what they
were, so a write applied before the refusal would show.
"""

import base64

from odoo import Command, models
from odoo.exceptions import AccessError, UserError


def stored_fields(model):
    """Names of the stored fields of ``model`` a ``write`` could address (not the magic
    columns)."""
    return sorted(
        name for name, field in model._fields.items()
        if field.store and not field.automatic and name not in models.MAGIC_COLUMNS
    )


def sample_value(record, name):
    """A valid value for ``record``'s field ``name``, different from the stored one."""
    field = record._fields[name]
    record = record.sudo()
    env = record.env
    current = record[name]
    kind = field.type
    if kind in ("char", "text"):
        return f"{current or ''} changed"
    if kind == "html":
        return "<p>changed</p>"
    if kind == "boolean":
        return not current
    if kind in ("integer", "float", "monetary"):
        return (current or 0) + 7
    if kind == "date":
        return "2031-01-02"
    if kind == "datetime":
        return "2031-01-02 03:04:05"
    if kind == "selection":
        values = [value for value, _label in field._description_selection(env)]
        return next((value for value in values if value != current), values[0])
    if kind == "many2one":
        other = env[field.comodel_name].with_context(active_test=False).search(
            [("id", "!=", current.id)], limit=1)
        return (other or current).id
    if kind == "one2many":
        return [Command.clear()] if current else [Command.create({})]
    if kind == "many2many":
        if current:
            return [Command.clear()]
        return [Command.set(env[field.comodel_name].search([], limit=1).ids)]
    if kind == "binary":
        return base64.b64encode(b"changed")
    if kind == "json":
        return {"changed": True}
    if kind == "reference":
        return f"res.partner,{env.user.partner_id.id}"
    if kind == "many2one_reference":
        return (current or 0) + 1
    raise AssertionError(f"no sample value for {field} ({kind})")


class WriteRulesMixin:
    """Assertions for ``TransactionCase`` tests of the write rules."""

    def _stored(self, record, names):
        record = record.sudo().with_context(active_test=False)
        record.invalidate_recordset()  # flushes first: pending writes would show
        return record.read(list(names), load=None)

    def _refusal(self, attempt, allowed):
        """The AccessError or UserError ``attempt()`` raises; the test fails with
        ``allowed`` when it raises none."""
        try:
            attempt()
        except (AccessError, UserError) as error:
            return error
        self.fail(allowed)

    def assertWriteRefused(self, record, user, values, message=None):
        """``user`` writing ``values`` on ``record`` is refused (AccessError or
        UserError, containing ``message``) and nothing is stored."""
        before = self._stored(record, values)
        refusal = self._refusal(lambda: record.with_user(user).write(values),
                                f"{user.login} could write {sorted(values)} on {record}")
        if message:
            self.assertIn(message, str(refusal))
        self.assertEqual(self._stored(record, values), before,
                         f"the refused write of {sorted(values)} changed {record}")
        return refusal

    def assertOnlyWritable(self, record, user, allowed):
        """Walk every stored field of ``record``: ``user`` may write none but ``allowed``."""
        names = [name for name in stored_fields(record) if name not in allowed]
        self.assertTrue(names)
        for name in names:
            with self.subTest(model=record._name, field=name):
                self.assertWriteRefused(record, user, {name: sample_value(record, name)})

    def assertCreateRefused(self, model, user, values):
        """``user`` creating a ``model`` record with ``values`` is refused, nothing made."""
        Model = model.sudo().with_context(active_test=False)
        before = Model.search_count([])
        refusal = self._refusal(lambda: model.with_user(user).create(values),
                                f"{user.login} could create {model._name} with {sorted(values)}")
        self.assertEqual(Model.search_count([]), before)
        return refusal
