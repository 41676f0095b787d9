"""wkhtmltopdf on the stock Debian binary (unpatched Qt): detection, switches, header/footer
inlining and parallel one-document-per-call rendering (no Odoo)."""

import io
import os
import shutil

import lxml.html
import pytest

from mail_accounts_ext.tools import wkhtmltopdf as wk

BINARY = shutil.which("wkhtmltopdf")


@pytest.mark.parametrize("output, expected", [
    ("wkhtmltopdf 0.12.6 (with patched qt)\n", True),
    ("wkhtmltopdf 0.12.5 (with patched qt)", True),
    ("wkhtmltopdf 0.12.6 (WITH PATCHED QT)", True),
    ("wkhtmltopdf 0.12.6\n", False),           # Debian bookworm
    ("wkhtmltopdf 0.12.6.1 r3\n", False),
    ("", False),
    (None, False),
])
def test_is_patched_version(output, expected):
    assert wk.is_patched_version(output) is expected


def test_binary_is_patched_handles_missing_binary():
    assert wk.binary_is_patched("/nonexistent/wkhtmltopdf") is False
    assert wk.binary_is_patched(None) is False


@pytest.mark.parametrize("args, expected", [
    (["--quiet", "--header-spacing", "52", "--margin-left", "0"],
     ["--quiet", "--margin-left", "0"]),
    (["--header-line", "--disable-smart-shrinking", "--javascript-delay", "50"],
     ["--javascript-delay", "50"]),
    (["--viewport-size", "1024x1280", "--dpi", "90"], ["--dpi", "90"]),
    (["--margin-top", "52", "--margin-bottom", "32.0"],
     ["--margin-top", "10", "--margin-bottom", "10"]),
    (["--margin-top", "5", "--margin-bottom", "8mm"],
     ["--margin-top", "5", "--margin-bottom", "8mm"]),
    (["--page-size", "A4", "--orientation", "Portrait"],
     ["--page-size", "A4", "--orientation", "Portrait"]),
])
def test_unpatched_args(args, expected):
    assert wk.unpatched_args(args) == expected


def _layout(container_id, blocks):
    inner = "".join(blocks)
    return (f'<!DOCTYPE html><html><head></head><body><div id="{container_id}">{inner}</div>'
            "</body></html>")


def _body(text):
    return ("<!DOCTYPE html><html><head></head><body><main>"
            f'<div class="article"><p>{text}</p></div></main></body></html>')


HEADER = _layout(wk.HEADERS_ID, ['<div class="header"><b>Company A</b></div>',
                                 '<div class="header"><b>Company B</b></div>'])
FOOTER = _layout(wk.FOOTERS_ID, [
    '<div class="footer"><span>Footer A</span><div>Page <span class="page"></span> / '
    '<span class="topage"></span></div></div>',
    '<div class="footer"><span>Footer B</span></div>',
])


def test_inline_header_footer_each_body_gets_its_own():
    first, second = wk.inline_header_footer([_body("Body one"), _body("Body two")], HEADER, FOOTER)
    for html, company, footer, text in ((first, "Company A", "Footer A", "Body one"),
                                        (second, "Company B", "Footer B", "Body two")):
        body = lxml.html.document_fromstring(html).find("body")
        children = list(body)
        assert children[0].get("class") == "header" and children[0].text_content() == company
        assert children[-1].get("class") == "footer"
        assert children[-1].text_content().startswith(footer)
        assert text in body.text_content()
        assert html.startswith("<!DOCTYPE html>")
    # the page counter only works with the patched build: it is left out
    assert "Page" not in lxml.html.document_fromstring(first).find("body").text_content()


def test_inline_header_footer_without_layout_keeps_bodies():
    bodies = [_body("x")]
    assert wk.inline_header_footer(bodies, None, None) == bodies
    assert wk.inline_header_footer(bodies, "<html><body></body></html>", None) == bodies


def test_use_system_fonts_adds_a_style_sheet_sparing_icon_fonts():
    html = wk.use_system_fonts(_body("Text"))
    style = lxml.html.document_fromstring(html).get_element_by_id("mae_system_fonts")
    assert style.getparent().tag == "head"
    assert "DejaVu Sans" in style.text and "!important" in style.text
    assert ":not(.fa)" in style.text
    assert "Text" in html
    assert wk.use_system_fonts("<p>no head</p>") == "<p>no head</p>"


def test_render_document_unpatched_needs_merge_for_several_bodies():
    with pytest.raises(ValueError):
        wk.render_document("/bin/true", [], [_body("a"), _body("b")], patched=False, merge=None)


def test_render_documents_reports_errors_per_document():
    pdfs, errors = wk.render_documents("/bin/false", {1: {"args": [], "bodies": [_body("a")]}})
    assert pdfs == {}
    assert isinstance(errors[1], wk.WkhtmltopdfError)


@pytest.mark.skipif(not BINARY, reason="wkhtmltopdf is not installed")
def test_render_documents_in_parallel_with_real_binary():
    pypdf = pytest.importorskip("PyPDF2")
    patched = wk.binary_is_patched(BINARY)
    args = ["--quiet", "--javascript-delay", "0", "--header-spacing", "20",
            "--margin-top", "40"]
    jobs = {
        index: {"args": args, "bodies": [_body(f"Document number {index}")],
                "header": _layout(wk.HEADERS_ID, [f'<div class="header">Letterhead {index}</div>']),
                "footer": None}
        for index in range(4)
    }
    pdfs, errors = wk.render_documents(BINARY, jobs, patched=patched, max_workers=2,
                                       system_fonts=True)
    assert errors == {}
    assert sorted(pdfs) == [0, 1, 2, 3]
    for index, pdf in pdfs.items():
        assert pdf.startswith(b"%PDF-")
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        text = " ".join(reader.pages[0].extract_text().split())
        assert f"Document number {index}" in text
        if not patched:  # the header is part of the body on the unpatched build
            assert f"Letterhead {index}" in text


@pytest.mark.skipif(not BINARY, reason="wkhtmltopdf is not installed")
def test_several_bodies_of_one_record_are_merged():
    pypdf = pytest.importorskip("PyPDF2")

    def merge(pdfs):
        writer = pypdf.PdfWriter()
        for pdf in pdfs:
            for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
                writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    pdf = wk.render_document(BINARY, ["--quiet"], [_body("First"), _body("Second")],
                             patched=wk.binary_is_patched(BINARY), merge=merge)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert "Second" in reader.pages[1].extract_text()
    assert "First" in reader.pages[0].extract_text()


WEB_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.mark.skipif(not BINARY, reason="wkhtmltopdf is not installed")
@pytest.mark.skipif(not os.path.exists(WEB_FONT), reason="no DejaVu font file")
def test_web_font_text_survives_only_with_system_fonts():
    """The unpatched build turns web-font text into paths; system fonts keep it text."""
    pypdf = pytest.importorskip("PyPDF2")
    if wk.binary_is_patched(BINARY):
        pytest.skip("the patched build embeds web fonts")
    body = ("<!DOCTYPE html><html><head><style>@font-face { font-family: 'WebFont'; "
            f"src: url('file://{WEB_FONT}'); }} body {{ font-family: 'WebFont'; }}</style>"
            "</head><body><p>Invoice INV/2026/00001</p></body></html>")

    def text(html):
        pdf = wk.run_wkhtmltopdf(BINARY, ["--quiet", "--enable-local-file-access"], [html])
        return " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())

    assert "INV/2026/00001" not in text(body)
    assert "INV/2026/00001" in text(wk.use_system_fonts(body))


@pytest.mark.parametrize("html, expected", [
    # core's external layouts, without a background image
    ('<div class="article" style="background-image: url();">',
     '<div class="article" style="background-image: none;">'),
    ("<div style=\"background-image: url('');\">", '<div style="background-image: none;">'),
    ('<div style="background-image: url(&quot;&quot;)">',
     '<div style="background-image: none">'),
    ('<div style="background: url( )">', '<div style="background: none">'),
    # real URLs stay
    ('<div style="background-image: url(data:image/png;base64,AAAA);">',
     '<div style="background-image: url(data:image/png;base64,AAAA);">'),
    ("<div style=\"background-image: url('/base/static/img/demo_logo_report.png');\">",
     "<div style=\"background-image: url('/base/static/img/demo_logo_report.png');\">"),
    ("<p>no style</p>", "<p>no style</p>"),
    ("", ""),
    (None, None),
])
def test_drop_empty_css_urls(html, expected):
    assert wk.drop_empty_css_urls(html) == expected


PAGE = """<!DOCTYPE html>
<html><head><base href="http://odoo.example:8069">
<link type="text/css" rel="stylesheet" href="/web/assets/585d26f/web.report_assets_pdf.min.css">
<link rel='stylesheet' href='/web/assets/79a2d72/web.report_assets_common.min.css?x=1&amp;y=2'/>
<link rel="icon" href="/favicon.ico">
</head><body><p>Invoice</p></body></html>"""


def test_stylesheet_hrefs():
    assert wk.stylesheet_hrefs(PAGE) == [
        "/web/assets/585d26f/web.report_assets_pdf.min.css",
        "/web/assets/79a2d72/web.report_assets_common.min.css?x=1&y=2",
    ]
    assert wk.stylesheet_hrefs("") == []
    assert wk.stylesheet_hrefs(None) == []


def test_inline_stylesheets():
    html = wk.inline_stylesheets(PAGE, {
        "/web/assets/585d26f/web.report_assets_pdf.min.css": "body { color: red; }",
        "/web/assets/79a2d72/web.report_assets_common.min.css?x=1&y=2":
            'p::after { content: "</style>"; }',
    })
    assert "<style>body { color: red; }</style>" in html
    assert '<style>p::after { content: "<\\/style>"; }</style>' in html  # cannot close early
    assert "stylesheet" not in html
    assert '<link rel="icon" href="/favicon.ico">' in html  # not a style sheet
    assert "<p>Invoice</p>" in html
    root = lxml.html.document_fromstring(html)
    assert len(root.findall(".//style")) == 2
    # a style sheet that could not be fetched stays a link
    partial = wk.inline_stylesheets(PAGE, {"/web/assets/585d26f/web.report_assets_pdf.min.css":
                                           "b {}"})
    assert "79a2d72/web.report_assets_common.min.css" in partial
    assert wk.inline_stylesheets(PAGE, {}) == PAGE


@pytest.mark.parametrize("css, expected", [
    ('@font-face { src: url("/web/static/fonts/lato.woff") }',
     '@font-face { src: url("http://odoo.example:8069/web/static/fonts/lato.woff") }'),
    ("a { background: url('/web/static/img/x.png') }",
     "a { background: url('http://odoo.example:8069/web/static/img/x.png') }"),
    ("a { background: url(/web/static/img/x.png) }",
     "a { background: url(http://odoo.example:8069/web/static/img/x.png) }"),
    # absolute, protocol-relative and data URLs stay
    ('a { src: url("https://fonts.example/x.woff") }',
     'a { src: url("https://fonts.example/x.woff") }'),
    ('a { src: url("//cdn.example/x.woff") }', 'a { src: url("//cdn.example/x.woff") }'),
    ("a { background: url(data:image/png;base64,AA==) }",
     "a { background: url(data:image/png;base64,AA==) }"),
])
def test_absolute_css_urls(css, expected):
    assert wk.absolute_css_urls(css, "http://odoo.example:8069/") == expected


@pytest.mark.skipif(not BINARY, reason="wkhtmltopdf is not installed")
def test_inlined_stylesheet_applies_without_a_server():
    """The style sheet given with the document is applied although its URL answers
    nothing (nothing listens on port 9): wkhtmltopdf did not need to load it."""
    pypdf = pytest.importorskip("PyPDF2")
    body = ('<!DOCTYPE html><html><head><base href="http://127.0.0.1:9">'
            '<link type="text/css" rel="stylesheet" href="/web/assets/1/report.css">'
            '</head><body><p>Visible line</p><p class="secret">Hidden line</p></body></html>')

    def text(stylesheets):
        pdf = wk.render_document(BINARY, ["--quiet"], [body], system_fonts=True,
                                 patched=wk.binary_is_patched(BINARY), stylesheets=stylesheets)
        return " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())

    assert "Hidden line" in text(None)
    styled = text({"/web/assets/1/report.css": ".secret { display: none; }"})
    assert "Visible line" in styled
    assert "Hidden line" not in styled
