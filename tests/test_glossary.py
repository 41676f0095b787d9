"""One concept, one term: a small glossary checked against pl.po and uk.po.

Each entry names a concept, the English texts it concerns (a regular expression
searched in the msgid), the term every Polish and Ukrainian translation of those
texts must use, and the terms none may use. What customers read (reminders,
balance confirmations, interest notes, employee documents) is translated through
these files, so a wrong word here is a wrong word in a letter to a customer.

The views are checked too: a count shown as "5 sent" needs the word to agree with
the number, which Polish and Ukrainian cannot do with one translation; counts are
shown as "Sent: 5" (label, then number) instead.
"""

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


GLOSSARY = (
    # The folder name users know from Outlook and Comarch ERP XL.
    Term("Deleted Items folder", r"Deleted Items",
         pl=r"Elementy usunięte", uk=r"Видалені",
         not_pl=r"Usunięt\w* element|Usuniętych"),
    # A reminder, not the formal pre-court demand ("wezwanie do zapłaty"; a final
    # notice before legal action, if ever added, gets an entry of its own).
    Term("payment reminder", r"payment reminder|this reminder",
         pl=r"ponagle", uk=r"нагадуван",
         not_pl=r"wezwa", not_uk=r"вимог"),
    Term("days late", r"days late",
         pl=r"dni opóźnienia", uk=r"прострочення",
         not_pl=r"zwłok"),
    # Statutory/contractual interest ("odsetki za opóźnienie", "проценти річних",
    # art. 625 of the Ukrainian Civil Code), never a contractual penalty ("пеня").
    # "відсотки" is kept for percentages ("у відсотках"), "проценти" for the money.
    Term("late-payment interest", r"\binterest\b",
         pl=r"odset", uk=r"процент",
         not_uk=r"\bпен(я|і|ю|ею)\b|відсотк"),
    Term("interest note (document)", r"interest note",
         pl=r"\bnot\w* odsetkow", uk=r"розрахун\w* процентів",
         not_uk=r"\bнот(а|и|у|і|ою|ам|ами|ах)\b"),
    Term("balance confirmation (document)", r"balance confirmation",
         pl=r"potwierdze\w* sald", uk=r"акт\w* звірки взаєморозрахунків",
         not_uk=r"підтвердженн\w* сальдо"),
    # A receipt the employee signs, not a tax or customs "декларація".
    Term("employee declaration (document)", r"declaration",
         pl=r"oświadcz", uk=r"розписк",
         not_uk=r"деклар"),
    # Credit notes and overpayments in the customer's favour, not loans.
    Term("credits in your favour", r"^credits$|credits in your favour",
         pl=r"korekt|nadpłat", uk=r"на вашу користь",
         not_uk=r"\bкредит(и|ів|ами|ах)\b"),
    # "облікові записи" are this module's e-mail accounts, never accounting books.
    Term("accounting texts (no e-mail accounts)",
         r"\b(books?|audit|balance|overdue|due date|credits?|interest|reminders?|"
         r"invoices?|vendor bill)\b(?!@)",
         not_uk=r"обліков\w* запис"),
    Term("invoice", r"\binvoices?\b(?!@)",
         pl=r"faktur", uk=r"рахун",
         not_uk=r"рахун\w*-фактур"),
    Term("e-mail account", r"\be-mail accounts?\b",
         pl=r"\bkont\w* e-mail", uk=r"обліков\w* запис\w* ел(\.|ектронної) пошти"),
    # "%(provider)s" is a name; "settings of %(provider)s" is about the provider.
    Term("e-mail provider", r"(?<!%\()\bprovider\b(?!\)s)|settings of %\(provider\)s",
         pl=r"dostawc", uk=r"провайдер",
         not_uk=r"постачальник"),
    Term("default (account, setting)", r"\bdefault\b",
         pl=r"domyśln", uk=r"за замовчуванням",
         not_uk=r"типов"),
)


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
