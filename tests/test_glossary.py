"""One concept, one term: the translators' glossary (``i18n/glossary.ini``) checked
against pl.po and uk.po.

Each entry names a concept, the English texts it concerns (a regular expression
searched in the msgid), the term every Polish and Ukrainian translation of those
texts must use, and the terms none may use. What customers read (reminders,
balance confirmations, interest notes, employee documents) is translated through
these files, so a wrong word here is a wrong word in a letter to a customer.

The views are checked too: a count shown as "5 sent" needs the word to agree with
the number, which Polish and Ukrainian cannot do with one translation; counts are
shown as "Sent: 5" (label, then number) instead.
"""

import configparser
import glob
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

polib = pytest.importorskip("polib")

ADDON = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "mail_accounts_ext")
I18N = os.path.join(ADDON, "i18n")


@dataclass(frozen=True)
class Term:
    concept: str
    msgid: str  # the English texts concerned (regex, case-insensitive)
    pl: str = ""  # every Polish translation of them contains this (regex)
    uk: str = ""  # every Ukrainian translation of them contains this (regex)
    not_pl: str = ""  # no Polish translation of them contains this (regex)
    not_uk: str = ""  # no Ukrainian translation of them contains this (regex)


def _glossary():
    parser = configparser.ConfigParser(interpolation=None)
    with open(os.path.join(I18N, "glossary.ini"), encoding="utf-8") as file:
        parser.read_file(file)
    return tuple(Term(concept, **parser[concept]) for concept in parser.sections())


GLOSSARY = _glossary()


def _po(lang):
    return [entry for entry in polib.pofile(os.path.join(I18N, f"{lang}.po"))
            if not entry.obsolete and entry.msgstr]


def _flat(text):
    return " ".join(text.split())


RULES = [(term, lang) for term in GLOSSARY for lang in ("pl", "uk")
         if getattr(term, lang) or getattr(term, f"not_{lang}")]


@pytest.mark.parametrize(("term", "lang"), RULES,
                         ids=[f"{term.concept}-{lang}" for term, lang in RULES])
def test_glossary(term, lang):
    required = getattr(term, lang)
    forbidden = getattr(term, f"not_{lang}")
    concerned = [entry for entry in _po(lang)
                 if re.search(term.msgid, _flat(entry.msgid), re.IGNORECASE)]
    assert concerned, f"no msgid matches {term.msgid!r} any more: update the glossary"
    wrong = []
    for entry in concerned:
        text = _flat(entry.msgstr)
        if required and not re.search(required, text, re.IGNORECASE):
            wrong.append(f"lacks {required!r}: {_flat(entry.msgid)[:80]!r} -> {text[:160]!r}")
        found = forbidden and re.search(forbidden, text, re.IGNORECASE)
        if found:
            wrong.append(f"uses {found.group(0)!r}: {_flat(entry.msgid)[:80]!r} -> {text[:160]!r}")
    assert not wrong, f"{lang}.po, {term.concept}:\n" + "\n".join(wrong)


def _views():
    for path in sorted(glob.glob(os.path.join(ADDON, "**", "*.xml"), recursive=True)):
        if os.sep + "i18n" + os.sep in path:
            continue
        yield os.path.relpath(path, ADDON), ET.parse(path).getroot()


def test_counts_are_labelled():
    """No view shows a field followed by a word ("5 sent"): "Sent: 5" agrees in every language."""
    wrong = []
    for path, root in _views():
        for arch in root.iter("field"):
            if arch.get("type") != "xml":
                continue
            for field in arch.iter("field"):
                tail = (field.tail or "").strip()
                if tail[:1].isalpha():
                    name = field.get("name")
                    wrong.append(f"{path}: <field name={name!r}/> {tail.split()[0]}...")
    assert not wrong, "a number followed by a separately translated word:\n" + "\n".join(wrong)
