"""The mailbox's search text: what is stored per e-mail and how queries match it."""

import pytest

from mail_accounts_ext.tools.search_text import (
    MAX_BODY_CHARS,
    document,
    html_text,
    like_pattern,
    normalize,
    query_terms,
)


@pytest.mark.parametrize("text, expected", [
    ("Łódź", "lodz"),
    ("ŻÓŁĆ", "zolc"),
    ("zażółć gęślą jaźń", "zazolc gesla jazn"),
    ("Brzęczyszczykiewicz", "brzeczyszczykiewicz"),
    ("Dostawa   do\r\n\tŁodzi", "dostawa do lodzi"),
    ("Straße", "strasse"),
    ("Øresund Đorđe Ħal", "oresund dorde hal"),
    ("ﬁnanse", "finanse"),  # a ligature
    ("L\u0301o\u0301dz\u0301", "lodz"),  # marks written separately
    # Ukrainian: case folded, letters kept (й is not и, ї is not і).
    ("Запит щодо РАХУНКУ-ФАКТУРИ", "запит щодо рахунку-фактури"),
    ("Київ, Їжак, йод", "київ, їжак, йод"),
    ("м’ясо мʼясо м'ясо", "м'ясо м'ясо м'ясо"),  # apostrophes unified
    ("Oferta – 2026 — final", "oferta - 2026 - final"),
    ("", ""),
    (None, ""),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("query, terms", [
    ("lodz", ["lodz"]),
    ("Łódź  Dostawa", ["lodz", "dostawa"]),
    ('"krzesła biurowe" łódź', ["krzesla biurowe", "lodz"]),
    ("zolc ŻÓŁĆ", ["zolc"]),
    ("   ", []),
    ("РАХУНОК №45", ["рахунок", "№45"]),
])
def test_query_terms(query, terms):
    assert query_terms(query) == terms


def test_query_finds_what_the_document_holds():
    text = document(
        subject="Zapytanie ofertowe – krzesła biurowe, dostawa do Łodzi",
        email_from="Małgorzata Wiśniewska <m.wisniewska@example.pl>",
        email_to="Zamówienia <zamowienia@example.com>",
        email_cc="Олександра Ковальчук <o@example.ua>",
        body_html="<p>Dzień dobry,</p><p>proszę o ofertę: <b>żółć</b> i rachunek</p>"
                  "<style>p{color:red}</style><!-- hidden comment -->",
        attachment_names=["Specyfikacja_krzeseł.pdf", "Рахунок №45.pdf"],
    )
    for query in ("lodz", "zolc", "ŻÓŁĆ", "dostawa", "wisniewska", "zamowienia@example",
                  "ковальчук", "specyfikacja_krzesel", "рахунок №45", "dzien dobry",
                  '"proszę o ofertę"'):
        for term in query_terms(query):
            assert term in text, (query, term)
    assert "color" not in text and "hidden comment" not in text
    assert "dobry, proszę" not in text  # paragraphs are separated
    assert "dzien dobry, prosze" in text


def test_html_text_keeps_words_whole_and_separates_blocks():
    assert html_text("<p>a</p><p>b</p>").split() == ["a", "b"]
    assert html_text("Zaż<b>ółć</b>&nbsp;x&amp;y") == "Zażółć\xa0x&y"
    assert html_text("") == ""


def test_long_bodies_are_capped():
    text = document(body_html="słowo " * MAX_BODY_CHARS)
    assert len(text) <= MAX_BODY_CHARS


@pytest.mark.parametrize("term, pattern", [
    ("lodz", "%lodz%"),
    ("100%", "%100\\%%"),
    ("faktura_1", "%faktura\\_1%"),
    ("a\\b", "%a\\\\b%"),
], ids=["plain", "percent", "underscore", "backslash"])
def test_like_pattern(term, pattern):
    assert like_pattern(term) == pattern
