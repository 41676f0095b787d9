# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import os

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

I18N = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")


def _msgids(text):
    return {entry.msgid for entry in polib.pofile(text) if entry.msgid and not entry.obsolete}


@tagged("post_install", "-at_install")
class TestTranslationsCurrent(TransactionCase):
    """The shipped .pot is what Odoo exports from the installed addon today."""

    def test_pot_is_current(self):
        buffer = io.BytesIO()
        trans_export(None, ["mail_accounts_ext"], buffer, "po", self.env.cr)
        exported = _msgids(buffer.getvalue().decode())
        shipped = _msgids(os.path.join(I18N, "mail_accounts_ext.pot"))
        missing = sorted(exported - shipped)
        self.assertFalse(
            missing,
            "mail_accounts_ext.pot is stale, run `python3 dev/devenv.py i18n`; missing terms:\n"
            + "\n".join(missing[:40]),
        )
        stale = sorted(shipped - exported)
        self.assertFalse(stale, "terms no longer in the addon:\n" + "\n".join(stale[:40]))

    def test_languages_load(self):
        """pl and uk load through Odoo's own importer and translate a known term."""
        for code in ("pl_PL", "uk_UA"):
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(
            ["mail_accounts_ext"], ["pl_PL", "uk_UA"], overwrite=True
        )
        field = self.env["ir.model.fields"]._get("res.users", "mail_can_delete_permanently")
        label_pl = field.with_context(lang="pl_PL").field_description
        label_uk = field.with_context(lang="uk_UA").field_description
        self.assertNotEqual(label_pl, "Right to permanently delete e-mails")
        self.assertNotEqual(label_uk, "Right to permanently delete e-mails")
        self.assertNotEqual(label_pl, label_uk)
