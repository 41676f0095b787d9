"""Running wkhtmltopdf so that it works with the stock Debian/Ubuntu binary.

Plain Python (subprocess, threads, lxml), no ORM: the ORM layer
(``models/ir_actions_report.py``) renders the HTML and builds the command-line switches
with Odoo's own helpers, then hands the documents to :func:`render_documents`.

Two builds of wkhtmltopdf exist:

- *with patched Qt* (the upstream packages): several input documents per call, page
  headers and footers from ``--header-html``/``--footer-html``, PDF outlines;
- *unpatched Qt* (Debian's and Ubuntu's ``wkhtmltopdf`` package): **one** input document
  per call (more make it exit with code 1 and no PDF); header, footer and a few other
  switches are ignored with a warning.

``wkhtmltopdf --version`` prints ``(with patched qt)`` for the first one. For the second,
each document is converted on its own, with its header at the top of its body and its
footer at the end (:func:`inline_header_footer`), and the switches it does not know are
left out (:func:`unpatched_args`). That build also draws text set in web fonts as vector
paths (no text in the PDF); :func:`use_system_fonts` prints it in installed fonts instead.
"""

import concurrent.futures
import contextlib
import copy
import functools
import html as html_module
import logging
import os
import re
import subprocess
import tempfile

import lxml.html

_logger = logging.getLogger(__name__)

PATCHED_QT_MARK = "with patched qt"
# Switches only the patched Qt build supports, with the number of values they take.
PATCHED_ONLY_SWITCHES = {
    "--header-spacing": 1,
    "--footer-spacing": 1,
    "--header-line": 0,
    "--footer-line": 0,
    "--disable-smart-shrinking": 0,
    "--enable-smart-shrinking": 0,
    "--viewport-size": 1,
    "--outline": 0,
    "--print-media-type": 0,
}
# Page margins (mm) when the header and footer are part of the body: the paper format's
# margins reserve room for a header and footer the unpatched build never prints.
UNPATCHED_MARGIN_MM = 10
# The unpatched build draws text in web fonts (Lato, ...) as vector paths: the PDF has
# no text (not searchable, not selectable, ten times larger). Installed fonts are embedded
# as text. Icon fonts keep their web font.
SYSTEM_FONT_FAMILIES = '"DejaVu Sans", "Liberation Sans", "Noto Sans", Arial, sans-serif'
ICON_FONT_CLASSES = ("fa", "fab", "far", "fas", "oi")
# ``url()`` with nothing inside: resolved against the document's ``<base href>`` (the
# report URL), so wkhtmltopdf requests ``/`` and follows its redirects to the login page.
# Core's external layouts write ``background-image: url();`` on every page without a
# background image.
EMPTY_CSS_URL_RE = re.compile(r"""url\(\s*(?:''|""|&quot;&quot;|&#39;&#39;|&#34;&#34;)?\s*\)""")
# A report's style sheets: ``<link rel="stylesheet" href="...">`` in the HTML head.
STYLESHEET_LINK_RE = re.compile(r"<link\b[^>]*\brel=[\"']?stylesheet\b[^>]*>", re.IGNORECASE)
HREF_RE = re.compile(r"""\bhref=(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
# url(/path) in CSS: root-relative, to be made absolute when the CSS is inlined
ROOT_CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)(/(?!/)[^'")]*)\1\s*\)""")
HEADERS_ID = "minimal_layout_report_headers"
FOOTERS_ID = "minimal_layout_report_footers"


class WkhtmltopdfError(Exception):
    """wkhtmltopdf failed; ``returncode`` and the end of its ``stderr`` tell why."""

    def __init__(self, returncode, stderr):
        super().__init__(f"wkhtmltopdf exited with code {returncode}: {stderr}")
        self.returncode = returncode
        self.stderr = stderr


# ---------------------------------------------------------------------------
# Which build
# ---------------------------------------------------------------------------

def is_patched_version(version_output):
    """True when ``wkhtmltopdf --version`` output names the patched Qt build."""
    return PATCHED_QT_MARK in (version_output or "").lower()


@functools.lru_cache(maxsize=8)
def binary_is_patched(binary):
    """Run ``binary --version`` once per binary path (cached for the process)."""
    if not binary:
        return False
    try:
        proc = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        _logger.warning("Cannot run %s --version: %s", binary, error)
        return False
    return is_patched_version(proc.stdout + proc.stderr)


# ---------------------------------------------------------------------------
# Command line and HTML for the unpatched build
# ---------------------------------------------------------------------------

def unpatched_args(args, margin_mm=UNPATCHED_MARGIN_MM):
    """``args`` without the switches the unpatched build ignores, with small margins.

    Top and bottom margins larger than ``margin_mm`` are reduced to it: the header and
    footer are printed in the body (:func:`inline_header_footer`), not in the margins.
    """
    result = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in PATCHED_ONLY_SWITCHES:
            index += 1 + PATCHED_ONLY_SWITCHES[arg]
            continue
        if arg in ("--margin-top", "--margin-bottom", "-T", "-B") and index + 1 < len(args):
            result += [arg, _smaller_margin(args[index + 1], margin_mm)]
            index += 2
            continue
        result.append(arg)
        index += 1
    return result


def _smaller_margin(value, margin_mm):
    try:
        number = float(str(value).removesuffix("mm"))
    except ValueError:
        return value
    return str(margin_mm) if number > margin_mm else value


def _layout_parts(document, container_id):
    """The header (or footer) blocks of a minimal-layout document, one per body."""
    if not document:
        return []
    root = lxml.html.fromstring(document)
    container = root.get_element_by_id(container_id, None)
    return list(container) if container is not None else []


def _drop_page_numbers(footer):
    """Remove the "Page x / y" block: its numbers are filled by the patched build only."""
    page_xpath = ".//*[contains(concat(' ', normalize-space(@class), ' '), ' %s ')]"
    for number in footer.xpath(page_xpath % "page"):
        if number.tag != "span":
            continue
        parent = number.getparent()
        if parent is not None and parent.xpath(page_xpath % "topage") and parent is not footer:
            parent.drop_tree()
        else:
            number.drop_tree()


def inline_header_footer(bodies, header=None, footer=None):
    """Put each body's own header at the top of its ``<body>`` and its footer at the end.

    :param list[str] bodies: complete HTML documents, one per record (Odoo's
        ``_prepare_html``)
    :param str header: the minimal-layout document holding one header block per body
    :param str footer: the same for footers
    :return: the bodies as new HTML documents
    """
    headers = _layout_parts(header, HEADERS_ID)
    footers = _layout_parts(footer, FOOTERS_ID)
    if not headers and not footers:
        return list(bodies)
    result = []
    for index, body in enumerate(bodies):
        root = lxml.html.document_fromstring(str(body))
        body_node = root.find("body")
        if body_node is None:
            result.append(str(body))
            continue
        if index < len(headers):
            body_node.insert(0, copy.deepcopy(headers[index]))
        if index < len(footers):
            footer_node = copy.deepcopy(footers[index])
            _drop_page_numbers(footer_node)
            body_node.append(footer_node)
        result.append(lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>"))
    return result


def drop_empty_css_urls(html):
    """``html`` with every empty CSS ``url()`` replaced by ``none``.

    An empty ``url()`` points at the document itself, which for a report is the base URL
    of the server: wkhtmltopdf fetches ``/`` (and the login page it redirects to) for
    nothing, on every document. ``none`` is what the style means.
    """
    if not html or "url(" not in html:
        return html
    return EMPTY_CSS_URL_RE.sub("none", html)


def stylesheet_hrefs(html):
    """The ``href`` of each style sheet ``<link>`` of ``html``, in order, HTML-unescaped."""
    hrefs = []
    for link in STYLESHEET_LINK_RE.findall(str(html or "")):
        match = HREF_RE.search(link)
        if match:
            hrefs.append(html_module.unescape(match.group(2)))
    return hrefs


def absolute_css_urls(css, base_url):
    """``css`` with its root-relative ``url(/...)`` made absolute on ``base_url``: once
    inlined, the style sheet is no longer at its own URL, which they were relative to."""
    base = base_url.rstrip("/")
    return ROOT_CSS_URL_RE.sub(
        lambda match: f"url({match.group(1)}{base}{match.group(2)}{match.group(1)})", css)


def inline_stylesheets(html, stylesheets):
    """``html`` with each style sheet ``<link>`` whose ``href`` is a key of
    ``stylesheets`` (``{href: css text}``) replaced by a ``<style>`` holding that CSS.

    wkhtmltopdf then loads no style sheet over HTTP: a batch fetches each of them once
    instead of once per document (see :func:`absolute_css_urls` for the CSS's own URLs).
    Links not in ``stylesheets`` stay as they are.
    """
    if not html or not stylesheets:
        return html

    def replace(match):
        href = HREF_RE.search(match.group(0))
        css = stylesheets.get(html_module.unescape(href.group(2))) if href else None
        if css is None:
            return match.group(0)
        # "</" cannot end the style element early
        return "<style>" + css.replace("</", "<\\/") + "</style>"

    return STYLESHEET_LINK_RE.sub(replace, str(html))


def use_system_fonts(body, families=SYSTEM_FONT_FAMILIES):
    """``body`` with a style sheet that prints its text in installed fonts.

    :param str body: a complete HTML document
    :return: the new HTML document (unchanged when it has no ``<head>``)
    """
    root = lxml.html.document_fromstring(str(body))
    head = root.find("head")
    if head is None:
        return str(body)
    not_icons = "".join(f":not(.{name})" for name in ICON_FONT_CLASSES)
    style = lxml.html.Element("style", id="mae_system_fonts")
    style.text = f"body, body *{not_icons} {{ font-family: {families} !important; }}"
    head.append(style)
    return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def _write_temp(stack, prefix, text):
    fd, path = tempfile.mkstemp(suffix=".html", prefix=prefix)
    stack.callback(_unlink, path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode())
    return path


def _unlink(path):
    with contextlib.suppress(OSError):
        os.unlink(path)


def run_wkhtmltopdf(binary, args, bodies, header=None, footer=None, timeout=None):
    """One wkhtmltopdf call: ``bodies`` (one unless the build is patched) into one PDF.

    Body files are named ``report.body.tmp.<index>.`` like Odoo's: the minimal layout's
    script picks each page's header and footer by that index.

    :return: the PDF as bytes
    :raise WkhtmltopdfError: when no PDF came out (exit codes 0 and 1 with a PDF are
        success: 1 means some resource could not be loaded, as Odoo accepts too)
    """
    with contextlib.ExitStack() as stack:
        command = [binary, *args]
        if header:
            command += ["--header-html", _write_temp(stack, "report.header.tmp.", header)]
        if footer:
            command += ["--footer-html", _write_temp(stack, "report.footer.tmp.", footer)]
        for index, body in enumerate(bodies):
            command.append(_write_temp(stack, f"report.body.tmp.{index}.", str(body)))
        fd, output = tempfile.mkstemp(suffix=".pdf", prefix="report.tmp.")
        os.close(fd)
        stack.callback(_unlink, output)
        command.append(output)
        try:
            proc = subprocess.run(
                command, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise WkhtmltopdfError(-1, f"timeout after {timeout} s") from error
        stderr = proc.stderr.decode(errors="replace")[-1000:]
        with open(output, "rb") as handle:
            pdf = handle.read()
        if proc.returncode not in (0, 1) or not pdf.startswith(b"%PDF-"):
            raise WkhtmltopdfError(proc.returncode, stderr)
        if stderr.strip():
            _logger.debug("wkhtmltopdf: %s", stderr)
        return pdf


def render_document(binary, args, bodies, header=None, footer=None, patched=False,
                    merge=None, timeout=None, system_fonts=False, stylesheets=None):
    """The PDF of one record's bodies, whatever the build.

    Patched build: one call with all bodies and the header and footer files. Unpatched:
    header and footer inlined, one call per body, the PDFs joined with ``merge`` (a
    function taking a list of PDFs and returning one, e.g. ``odoo.tools.pdf.merge_pdf``);
    with ``system_fonts``, text in installed fonts (:func:`use_system_fonts`). With
    ``stylesheets`` (``{href: css}``), those style sheets are put into the documents last
    (:func:`inline_stylesheets`; after the HTML rewriting, which would parse them too).
    """
    if patched:
        if stylesheets:
            bodies = [inline_stylesheets(body, stylesheets) for body in bodies]
            header = inline_stylesheets(header, stylesheets)
            footer = inline_stylesheets(footer, stylesheets)
        return run_wkhtmltopdf(binary, args, bodies, header, footer, timeout=timeout)
    if len(bodies) > 1 and merge is None:
        raise ValueError("several bodies on an unpatched wkhtmltopdf need a merge function")
    args = unpatched_args(args)
    bodies = inline_header_footer(bodies, header, footer)
    if system_fonts:
        bodies = [use_system_fonts(body) for body in bodies]
    if stylesheets:
        bodies = [inline_stylesheets(body, stylesheets) for body in bodies]
    pdfs = [run_wkhtmltopdf(binary, args, [body], timeout=timeout) for body in bodies]
    return pdfs[0] if len(pdfs) == 1 else merge(pdfs)


class DocumentRenderer:
    """wkhtmltopdf processes in parallel threads, one per document, started as soon as
    each document is submitted: the caller prepares the next document's HTML while the
    previous ones convert (see :func:`render_documents` for all at once).

    Use it as a context manager; :meth:`results` waits for every document.
    """

    def __init__(self, binary, patched=False, merge=None, max_workers=None, timeout=None,
                 system_fonts=False):
        self.binary = binary
        self.options = {"patched": patched, "merge": merge, "timeout": timeout,
                        "system_fonts": system_fonts}
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, max_workers or os.cpu_count() or 1),
            thread_name_prefix="wkhtmltopdf",
        )
        self.futures = {}

    def submit(self, key, job, stylesheets=None):
        """Start converting ``job`` (``{"args", "bodies", "header", "footer"}``)."""
        future = self.pool.submit(
            render_document, self.binary, job["args"], job["bodies"], job.get("header"),
            job.get("footer"), stylesheets=stylesheets, **self.options,
        )
        self.futures[future] = key

    def results(self):
        """``(pdfs, errors)``: ``{key: bytes}`` and ``{key: exception}``, once all are done."""
        pdfs, errors = {}, {}
        for future in concurrent.futures.as_completed(self.futures):
            key = self.futures[future]
            try:
                pdfs[key] = future.result()
            except Exception as error:  # pylint: disable=broad-except
                errors[key] = error
        return pdfs, errors

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        # leaving early (an exception in the caller): convert nothing more
        self.pool.shutdown(wait=True, cancel_futures=exc_info[0] is not None)


def render_documents(binary, jobs, patched=False, merge=None, max_workers=None, timeout=None,
                     system_fonts=False, stylesheets=None):
    """Render several documents in parallel threads, one wkhtmltopdf process each.

    :param jobs: ``{key: {"args": [...], "bodies": [...], "header": str, "footer": str}}``
    :param max_workers: threads at most (default ``os.cpu_count()``)
    :return: ``(pdfs, errors)``: ``{key: bytes}`` and ``{key: exception}``
    """
    if not jobs:
        return {}, {}
    workers = min(len(jobs), max_workers or os.cpu_count() or 1)
    with DocumentRenderer(binary, patched=patched, merge=merge, max_workers=workers,
                          timeout=timeout, system_fonts=system_fonts) as renderer:
        for key, job in jobs.items():
            renderer.submit(key, job, stylesheets=stylesheets)
        return renderer.results()
