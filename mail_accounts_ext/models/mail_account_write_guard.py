# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class MailAccountWriteGuard(models.AbstractModel):
    """Which fields users may write directly; the flows own the rest.

    ``readonly`` on a field or in a view is not a server rule: over RPC a user may
    ``create`` or ``write`` any field the access rights allow. Every model of the addon
    inherits this mixin and declares, as class attributes, the fields a user may set
    directly (``_user_writable_fields``: presentation and options), those only
    administrators (``base.group_system``) may set besides (``_admin_writable_fields``)
    and what to do instead of a refused write (``_write_guard_hint``, an ``_lt`` text).
    Any other field (connection settings, test, fetch and sending results, server
    identities, batch states...) is written only by the flow that owns it (setup
    wizard, *Test again*, fetch, *Change protocol*, batch runner), with ``sudo()`` after
    its own checks: the superuser is never restricted here.
    """

    _name = "mail.account.write.guard"
    _description = "E-mail accounts: fields users may write directly"

    # Declarations, overridden by each model (like core's ``_mail_post_access``).
    # Fields a user with write access may set directly (create and write).
    _user_writable_fields = frozenset()
    # Fields administrators may set directly besides the users' ones.
    _admin_writable_fields = frozenset()
    # What to do instead, shown after the refusal: a lazy text (a class attribute has no
    # env; it is translated when shown, with env._).
    _write_guard_hint = _lt(  # pylint: disable=prefer-env-translation
        "They change through the actions of the form, which check them.")

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self._check_writable_fields({name for vals in vals_list for name in vals})
        return super().create(vals_list)

    def write(self, vals):
        self._check_writable_fields(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    @api.model
    def _check_writable_fields(self, names):
        """Refuse the fields of ``names`` the current user may not set directly."""
        if self.env.su:
            return
        admin_fields = self._admin_writable_fields
        allowed = self._user_writable_fields
        is_admin = self.env.user._is_system()
        if is_admin:
            allowed = allowed | admin_fields
        refused = set(names) - allowed
        if not refused:
            return
        labels = ", ".join(sorted(
            self._fields[name]._description_string(self.env) if name in self._fields else name
            for name in refused
        ))
        if not is_admin and refused <= admin_fields:
            raise AccessError(self.env._(
                "Only administrators can change %(fields)s.", fields=labels))
        raise AccessError(self.env._(
            "%(fields)s cannot be changed directly. %(hint)s",
            fields=labels, hint=self.env._(self._write_guard_hint)))
