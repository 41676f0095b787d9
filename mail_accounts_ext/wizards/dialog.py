# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The window action of a wizard shown again in its dialog (its next step)."""


def reopen(wizard, name):
    """The action showing ``wizard`` (one record) in a dialog titled ``name``."""
    return {
        "type": "ir.actions.act_window",
        "name": name,
        "res_model": wizard._name,
        "res_id": wizard.id,
        "view_mode": "form",
        "target": "new",
    }
