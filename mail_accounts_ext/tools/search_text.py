"""The mailbox's text search: one normalised text per e-mail, and the words to find.

Each e-mail keeps one *search text* (sender, recipients, subject, attachment
names and the text of its body), normalised by :func:`normalize`: case folded,
Latin letters without their diacritics, apostrophes and dashes unified, white
space collapsed. A query is normalised the same way and split into words
(:func:`query_terms`, quoted phrases kept together); an e-mail matches when its
search text contains every word. PostgreSQL does the matching (``LIKE`` on a
trigram index), never Python.

Diacritics: Unicode decomposition (NFKD) takes the marks off "ó", "ż", "ś", but
"ł", "đ", "ø", "ħ" have no decomposition and are mapped explicitly ("lodz" finds
"Łódź"). Only Latin letters lose their marks: in Ukrainian "й" and "ї" are letters
of their own, not "и" and "і" with an accent, so Cyrillic is only case folded.

No Odoo import here: this module is tested without a database.
"""

import html
import re
import unicodedata

# Characters of the body kept in the search text (the start of very long e-mails).
MAX_BODY_CHARS = 100_000
# Latin blocks: Latin-1 Supplement to Latin Extended-B, Latin Extended Additional,
# Latin Extended-C and -D, and the Latin ligatures (U+FB00-FB06).
_LATIN_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF), (0x2C60, 0x2C7F), (0xA720, 0xA7FF),
                 (0xFB00, 0xFB06))
# Letters without a decomposition, after case folding.
_EXTRA = {
    "ł": "l", "đ": "d", "ð": "d", "ø": "o", "ħ": "h", "ŧ": "t", "ı": "i", "ŀ": "l",
    "ĸ": "k", "ƀ": "b", "ƚ": "l", "ɨ": "i", "ʉ": "u", "ƶ": "z", "ɇ": "e",
    "æ": "ae", "œ": "oe", "þ": "th", "ß": "ss", "ƒ": "f",
    # Apostrophes (Ukrainian writes the same word with any of them) and dashes.
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u00a0": " ",
}


def _table():
    table = {}
    for start, end in _LATIN_RANGES:
        for code in range(start, end + 1):
            character = chr(code)
            base = "".join(c for c in unicodedata.normalize("NFKD", character)
                           if not unicodedata.combining(c))
            base = base.casefold()
            if base != character and base.isascii():
                table[code] = base
    table.update({ord(key): value for key, value in _EXTRA.items()})
    return table


_TABLE = _table()
_SPACE_RE = re.compile(r"\s+")
_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_BLOCK_TAG_RE = re.compile(
    r"<(?:br|hr|/?(?:p|div|td|th|tr|li|ul|ol|h[1-6]|table|blockquote|pre|section|article|"
    r"header|footer|dd|dt))\b[^>]*>", re.I)
_HIDDEN_RE = re.compile(r"<(style|script|head|title)\b.*?</\1\s*>", re.I | re.S)
_TAG_RE = re.compile(r"<[^>]*>")
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)", re.S)


def normalize(text):
    """``text`` as stored and searched: case folded, Latin letters without marks."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).casefold().translate(_TABLE)
    if _COMBINING_RE.search(text):  # marks without a precomposed letter: rare
        text = _drop_latin_marks(text)
    return _SPACE_RE.sub(" ", text).strip()


def _drop_latin_marks(text):
    kept, latin = [], False
    for character in unicodedata.normalize("NFD", text):
        if unicodedata.combining(character):
            if not latin:
                kept.append(character)
            continue
        latin = character.isascii() and character.isalpha()
        kept.append(character)
    return unicodedata.normalize("NFC", "".join(kept)).translate(_TABLE)


def html_text(body):
    """The visible text of an HTML body (fast, for indexing; not for display)."""
    if not body:
        return ""
    text = _COMMENT_RE.sub(" ", body)
    text = _HIDDEN_RE.sub(" ", text)
    text = _BLOCK_TAG_RE.sub(" ", text)
    text = _TAG_RE.sub("", text)
    return html.unescape(text)


def document(subject="", email_from="", email_to="", email_cc="", body_html="",
             attachment_names=()):
    """The search text of an e-mail."""
    body = html_text(body_html)[:MAX_BODY_CHARS]
    parts = [subject, email_from, email_to, email_cc, " ".join(attachment_names or ()), body]
    return normalize(" ".join(part for part in parts if part))


_TERM_RE = re.compile(r'"([^"]+)"|(\S+)')


def query_terms(query):
    """The normalised words (and "quoted phrases") of a search, without repeats."""
    terms = []
    for phrase, word in _TERM_RE.findall(normalize(query or "")):
        term = (phrase or word).strip()
        if term and term not in terms:
            terms.append(term)
    return terms


def like_pattern(term):
    """A ``LIKE`` pattern finding ``term`` anywhere (its % and _ taken literally)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
