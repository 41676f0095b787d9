"""pl.po and uk.po translate every term of the .pot, keeping placeholders intact."""

import os
import re

import pytest

polib = pytest.importorskip("polib")

I18N = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "mail_accounts_ext", "i18n")
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdfr]|%[sdfr]|\{[a-z_0-9]*\}")


def _pot():
    return polib.pofile(os.path.join(I18N, "mail_accounts_ext.pot"))


def test_no_en_po_shipped():
    assert not os.path.exists(os.path.join(I18N, "en.po"))


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_language_complete(lang):
    pot = _pot()
    po = polib.pofile(os.path.join(I18N, f"{lang}.po"))
    translations = {e.msgid: e for e in po if not e.obsolete}
    missing = [e.msgid for e in pot if e.msgid not in translations]
    assert not missing, f"{lang}.po lacks: {missing[:20]}"
    untranslated = [m for m, e in translations.items() if not e.msgstr.strip() or e.fuzzy]
    assert not untranslated, f"{lang}.po has {len(untranslated)} untranslated: {untranslated[:20]}"
    extra = set(translations) - {e.msgid for e in pot}
    assert not extra, f"{lang}.po has terms the .pot no longer has: {sorted(extra)[:20]}"


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_placeholders_preserved(lang):
    po = polib.pofile(os.path.join(I18N, f"{lang}.po"))
    wrong = []
    for entry in po:
        if entry.obsolete or not entry.msgstr:
            continue
        if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr)):
            wrong.append(entry.msgid)
    assert not wrong, f"{lang}.po changes placeholders in: {wrong[:20]}"


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_plural_forms_header(lang):
    po = polib.pofile(os.path.join(I18N, f"{lang}.po"))
    assert po.metadata.get("Language") == lang
    assert "nplurals=3" in po.metadata.get("Plural-Forms", "")
