# pylint: disable=prefer-env-translation
"""Marker for translatable texts in plain-Python modules.

``_lt("text")`` returns its argument unchanged, so these modules run without Odoo.
Odoo's term extractor collects every ``_lt(...)`` literal into the addon's ``.pot``
(it scans ``*.py`` files for the keywords ``_`` and ``_lt``), and the ORM layer
translates the English source at display time with ``env._(text, **params)``.
"""


def _lt(text):
    return text
