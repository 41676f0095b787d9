# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""PDF rendering that works with the stock Debian/Ubuntu wkhtmltopdf (unpatched Qt).

- ``report._mae_render_pdfs(res_ids, data=None) -> {res_id: pdf bytes}``: one PDF per
  record, the HTML rendered in the main thread (it needs the cursor), wkhtmltopdf run for
  several records at once in threads (up to ``os.cpu_count()``), one record per process
  (one input document per call on the unpatched build; a record's several bodies in one
  call on the patched build, which supports it). Used by batch printing; works for any
  QWeb PDF report. One record per process gives each record its own PDF without splitting
  a joined one by outlines, and uses every CPU.
- Core's own path (``_render_qweb_pdf``, e.g. printing or sending several invoices) passes
  all records to one wkhtmltopdf call, which the unpatched build refuses: on that build
  ``_run_wkhtmltopdf`` converts one body per call and joins the PDFs, with an outline
  entry per body so that core can still split the result per record.
- On the unpatched build, text in web fonts becomes vector paths: ``_mae_render_pdfs``
  prints it in installed fonts (searchable, ten times smaller PDFs), see
  ``mail_accounts_ext.report_system_fonts``; so does core's path for this module's own
  reports (printed from the web client).
- Core's layouts write an empty CSS ``url()`` on every page, which made wkhtmltopdf
  fetch ``/`` and the login page for each document: ``_prepare_html`` drops it.
- ``_mae_render_pdfs`` puts the report's style sheets into the HTML (fetched once per
  process, see ``_mae_job_stylesheets``): wkhtmltopdf loads nothing over HTTP for
  the batch's documents, unless they use a web font or an image by URL.
- Reports may declare the JavaScript delay they need with ``data_report_print_delay`` (in
  ms) set in their template; our reports use a short one (system parameter
  ``mail_accounts_ext.report_print_delay``, default 50 ms) instead of
  ``report.print_delay`` (core default 1000 ms).
"""

import contextlib
import io
import logging
import re

import requests

from odoo import api, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools.pdf import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    PdfFileReader,
    PdfFileWriter,
    createStringObject,
    merge_pdf,
)

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..tools import wkhtmltopdf as wk

_logger = logging.getLogger(__name__)

SHORT_PRINT_DELAY_PARAM = "mail_accounts_ext.report_print_delay"
SHORT_PRINT_DELAY_DEFAULT = "50"
SYSTEM_FONTS_PARAM = "mail_accounts_ext.report_system_fonts"
OWN_REPORT_PREFIX = "mail_accounts_ext."
ASSETS_PREFIX = "/web/assets/"
# /web/assets/<version>/<bundle>: the content of such a URL never changes
VERSIONED_ASSET_RE = re.compile(r"^/web/assets/[0-9a-f]+/")
STYLESHEET_TIMEOUT = 30
STYLESHEET_CACHE_SIZE = 16
# {absolute URL: css} of versioned asset bundles, for the life of the process
STYLESHEET_CACHE = {}


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    # ------------------------------------------------------------------
    # wkhtmltopdf build and command line
    # ------------------------------------------------------------------

    @api.model
    def _mae_wkhtmltopdf_is_patched(self):
        """True when the wkhtmltopdf binary has patched Qt (checked once per process)."""
        return wk.binary_is_patched(_get_wkhtmltopdf_bin())

    @api.model
    def _mae_short_print_delay(self):
        """JavaScript delay (ms, as a string) for reports that run no JavaScript."""
        value = self.env["ir.config_parameter"].sudo().get_param(
            SHORT_PRINT_DELAY_PARAM, SHORT_PRINT_DELAY_DEFAULT
        )
        return str(value) if str(value).isdigit() else SHORT_PRINT_DELAY_DEFAULT

    @api.model
    def _mae_use_system_fonts(self):
        """Whether ``_mae_render_pdfs`` prints text in installed fonts on the unpatched
        build, which turns web-font text into vector paths (system parameter
        ``mail_accounts_ext.report_system_fonts``, default on; "0" or "False" turns it off).
        """
        value = self.env["ir.config_parameter"].sudo().get_param(SYSTEM_FONTS_PARAM, "1")
        return str(value).strip().lower() not in ("0", "false", "no", "")

    @api.model
    def _build_wkhtmltopdf_args(self, paperformat_id, landscape, specific_paperformat_args=None,
                                set_viewport_size=False):
        """Honour ``data-report-print-delay`` of the report's HTML; leave out the switches
        the unpatched build ignores (it would print a warning for each)."""
        args = super()._build_wkhtmltopdf_args(
            paperformat_id, landscape, specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )
        delay = (specific_paperformat_args or {}).get("data-report-print-delay")
        if delay and str(delay).isdigit() and "--javascript-delay" in args:
            args[args.index("--javascript-delay") + 1] = str(delay)
        if not self._mae_wkhtmltopdf_is_patched():
            args = wk.unpatched_args(args)
        return args

    @api.model
    def _prepare_html(self, html, report_model=False):
        """Drop the empty CSS ``url()`` of core's layouts from what wkhtmltopdf gets: it
        resolves to the report URL, so every document fetched ``/`` and followed its
        redirects to the login page (see ``tools/wkhtmltopdf.drop_empty_css_urls``)."""
        result = super()._prepare_html(html, report_model=report_model)
        if not result:
            return result
        bodies, res_ids, header, footer, specific_args = result
        return ([wk.drop_empty_css_urls(body) for body in bodies], res_ids,
                wk.drop_empty_css_urls(header), wk.drop_empty_css_urls(footer), specific_args)

    # ------------------------------------------------------------------
    # Core path on the unpatched build
    # ------------------------------------------------------------------

    @api.model
    def _mae_own_report(self, report_ref):
        """Whether ``report_ref`` (any reference ``_get_report`` takes) is one of this
        module's reports."""
        if not report_ref:
            return False
        try:
            report = self._get_report(report_ref)
        except ValueError:
            return False
        return (report.report_name or "").startswith(OWN_REPORT_PREFIX)

    @api.model
    def _run_wkhtmltopdf(self, bodies, report_ref=False, header=None, footer=None,
                         landscape=False, specific_paperformat_args=None,
                         set_viewport_size=False):
        """On the unpatched build: one call per body, header and footer in the body; this
        module's reports in installed fonts (extractable text, as ``_mae_render_pdfs``
        prints every report), also when printed from the web client."""
        patched = self._mae_wkhtmltopdf_is_patched()
        system_fonts = not patched and self._mae_use_system_fonts() \
            and self._mae_own_report(report_ref)
        if patched or (len(bodies) <= 1 and not header and not footer):
            if system_fonts:
                bodies = [wk.use_system_fonts(body) for body in bodies]
            return super()._run_wkhtmltopdf(
                bodies, report_ref=report_ref, header=header, footer=footer,
                landscape=landscape, specific_paperformat_args=specific_paperformat_args,
                set_viewport_size=set_viewport_size,
            )
        bodies = wk.inline_header_footer(bodies, header, footer)
        if system_fonts:
            bodies = [wk.use_system_fonts(body) for body in bodies]
        documents = [
            super(IrActionsReport, self)._run_wkhtmltopdf(
                [body], report_ref=report_ref, landscape=landscape,
                specific_paperformat_args=specific_paperformat_args,
                set_viewport_size=set_viewport_size,
            )
            for body in bodies
        ]
        if len(documents) == 1:
            return documents[0]
        return self._mae_merge_pdfs_with_outlines(documents)

    @api.model
    def _mae_merge_pdfs_with_outlines(self, documents):
        """Join PDFs, with a top-level outline entry on the first page of each.

        Core splits a multi-record PDF by its top-level outlines (named destinations in
        the catalogue's ``/Dests``, holding page indexes, as the patched wkhtmltopdf writes
        them) when the page count differs from the record count.
        """
        writer = PdfFileWriter()
        starts = []
        for document in documents:
            starts.append(len(writer.pages))
            reader = PdfFileReader(io.BytesIO(document), strict=False)
            for page in reader.pages:
                writer.addPage(page)
        outlines = DictionaryObject({NameObject("/Type"): NameObject("/Outlines")})
        outlines_ref = writer._addObject(outlines)
        dests = DictionaryObject()
        items = []
        for index, start in enumerate(starts):
            name = NameObject(f"/mae_document_{index}")
            dests[name] = ArrayObject([NumberObject(start), NameObject("/Fit")])
            item = DictionaryObject({
                NameObject("/Title"): createStringObject(str(index + 1)),
                NameObject("/Parent"): outlines_ref,
                NameObject("/Dest"): name,
            })
            items.append((item, writer._addObject(item)))
        for position, (item, _ref) in enumerate(items):
            if position:
                item[NameObject("/Prev")] = items[position - 1][1]
            if position + 1 < len(items):
                item[NameObject("/Next")] = items[position + 1][1]
        outlines[NameObject("/First")] = items[0][1]
        outlines[NameObject("/Last")] = items[-1][1]
        outlines[NameObject("/Count")] = NumberObject(len(items))
        root = writer._root_object
        root[NameObject("/Outlines")] = outlines_ref
        root[NameObject("/Dests")] = writer._addObject(dests)
        with io.BytesIO() as buffer:
            writer.write(buffer)
            return buffer.getvalue()

    # ------------------------------------------------------------------
    # One PDF per record, in parallel
    # ------------------------------------------------------------------

    def _mae_check_report_access(self):
        """The report's groups (if any) must include the current user."""
        if self.env.su or not self.groups_id or self.groups_id & self.env.user.groups_id:
            return
        raise AccessError(
            self.env._("You are not allowed to print the report %(report)s.", report=self.name)
        )

    def _mae_render_pdfs(self, res_ids, data=None):
        """Render this report as one PDF per record: :meth:`_mae_start_pdfs`, then wait
        for it (see there).

        :return: ``{res_id: bytes}`` in the order of ``res_ids``
        :raise UserError: when wkhtmltopdf fails for some record
        """
        return self._mae_start_pdfs(res_ids, data=data).result()

    def _mae_start_pdfs(self, res_ids, data=None):
        """Start rendering this report as one PDF per record; the returned
        :class:`PendingPdfs` gives the PDFs (``result()``) once wkhtmltopdf is done, so
        the caller may do other work (post and send the previous documents) meanwhile.

        The HTML of each record is rendered in the current thread (QWeb needs the cursor)
        with Odoo's ``_render_qweb_html`` and split with ``_prepare_html``; the switches
        come from ``_build_wkhtmltopdf_args`` and the report's paper format. Each
        record's conversion starts as soon as its HTML is ready, while the next record's
        HTML is rendered: wkhtmltopdf runs for several records at once, in threads (at
        most ``os.cpu_count()``), each process converting one record: one input document on
        the unpatched build (its header and footer inside the body, its text in installed
        fonts, see ``_mae_use_system_fonts``), all the record's bodies with header and
        footer files on the patched one. Stored attachments are reused when the report says so
        (``attachment_use``) and new PDFs are saved as attachments when it has an
        ``attachment`` name, as core does.

        As in core, in tests without ``force_report_rendering`` in the context the HTML of
        each record is returned instead of a PDF. wkhtmltopdf fetches the style sheets from
        ``report.url`` (or ``web.base.url``): an Odoo HTTP server must answer there. No
        session cookie is passed: images must not need a login (company logos are inline).

        :param list[int] res_ids: records of the report's model
        :param dict data: report data, e.g. ``{"date": "2026-03-02"}`` for our partner
            documents
        :rtype: PendingPdfs
        :raise UserError: when the HTML of some record cannot be rendered
        """
        self.ensure_one()
        self._mae_check_report_access()
        res_ids = list(dict.fromkeys(res_ids))
        report = self.sudo()
        data = dict(data or {}, report_type="pdf")
        html_only = (tools.config["test_enable"] or tools.config["test_file"]) and not (
            self.env.context.get("force_report_rendering")
        )
        renderer = self.with_context(debug=False, webp_as_jpg=True)
        records = self.env[report.model].browse(res_ids)
        records.check_access("read")

        stored, jobs = {}, {}
        pending = PendingPdfs(self, report, res_ids, stored, jobs)
        with contextlib.ExitStack() as stack:
            # the converter outlives this method (PendingPdfs.result closes it) unless
            # rendering the HTML fails here
            stack.callback(pending.cancel)
            for record in records:
                attachment = None
                if report.attachment and not html_only:
                    attachment = report.retrieve_attachment(record)
                    if attachment and report.attachment_use:
                        stored[record.id] = attachment.raw
                        continue
                html = renderer._render_qweb_html(report.id, [record.id], data=dict(data))[0]
                if html_only:
                    stored[record.id] = html
                    continue
                bodies, _ids, header, footer, specific_args = report.with_context(
                    debug=False
                )._prepare_html(html, report_model=report.model)
                args = self._build_wkhtmltopdf_args(
                    report.get_paperformat(),
                    self.env.context.get("landscape"),
                    specific_paperformat_args=specific_args,
                    set_viewport_size=self.env.context.get("set_viewport_size"),
                )
                job = {"args": args, "bodies": bodies, "header": header, "footer": footer,
                       "attachment": attachment}
                jobs[record.id] = job
                if pending.converter is None:
                    pending.converter = self._mae_converter()
                # converted while the next record's HTML is rendered
                pending.converter.submit(
                    record.id, job, stylesheets=self._mae_job_stylesheets(report, {0: job}))
            stack.pop_all()
        return pending

    @api.model
    def _mae_converter(self):
        """A :class:`tools.wkhtmltopdf.DocumentRenderer` for this build of wkhtmltopdf."""
        if self.get_wkhtmltopdf_state() == "install":
            raise UserError(self.env._("Unable to find Wkhtmltopdf on this system. The "
                                       "PDF can not be created."))
        patched = self._mae_wkhtmltopdf_is_patched()
        return wk.DocumentRenderer(
            _get_wkhtmltopdf_bin(), patched=patched, merge=merge_pdf,
            system_fonts=not patched and self._mae_use_system_fonts(),
        )

    @api.model
    def _mae_job_stylesheets(self, report, jobs):
        """``{href: css}`` of the style sheets of the documents of ``jobs``, which
        ``tools/wkhtmltopdf.render_document`` puts into each document: wkhtmltopdf then
        loads none over HTTP, where it loaded each of them for every document (two
        requests to the Odoo server per PDF). The asset bundles are fetched once from the
        report URL and kept for the process (their URLs carry the version of their
        content); one that cannot be fetched stays a link."""
        parts = [part for job in jobs.values()
                 for part in [*job["bodies"], job["header"], job["footer"]] if part]
        hrefs = [href for part in parts for href in wk.stylesheet_hrefs(part)]
        return self._mae_stylesheets(hrefs, report._get_report_url())

    @api.model
    def _mae_stylesheets(self, hrefs, base_url):
        """``{href: css}`` of the asset bundles among ``hrefs`` (``/web/assets/...``),
        their root-relative URLs made absolute on ``base_url``."""
        result = {}
        for href in dict.fromkeys(hrefs):
            if not href.startswith(ASSETS_PREFIX):
                continue
            url = base_url.rstrip("/") + href
            css = STYLESHEET_CACHE.get(url)
            if css is None:
                try:
                    response = requests.get(url, timeout=STYLESHEET_TIMEOUT)
                except requests.RequestException as error:
                    _logger.info("Style sheet %s not inlined: %s", url, error)
                    continue
                if response.status_code != 200 or "css" not in response.headers.get(
                    "Content-Type", ""
                ):
                    _logger.info("Style sheet %s not inlined: HTTP %s", url,
                                 response.status_code)
                    continue
                css = wk.absolute_css_urls(response.text, base_url)
                if VERSIONED_ASSET_RE.match(href):
                    if len(STYLESHEET_CACHE) >= STYLESHEET_CACHE_SIZE:
                        STYLESHEET_CACHE.clear()
                    STYLESHEET_CACHE[url] = css
            result[href] = css
        return result

    def _mae_save_attachments(self, report, pdfs):
        """Save new PDFs as attachments when the report has an attachment name (core's
        ``_prepare_pdf_report_attachment_vals_list``)."""
        if not report.attachment or not pdfs:
            return
        streams = {
            res_id: {"stream": io.BytesIO(pdf), "attachment": None}
            for res_id, pdf in pdfs.items()
        }
        vals_list = self._prepare_pdf_report_attachment_vals_list(report, streams)
        if not vals_list:
            return
        try:
            self.env["ir.attachment"].create(vals_list)
        except AccessError:
            _logger.info("Cannot save the PDFs of %s as attachments for user %s",
                         report.report_name, self.env.user.display_name)


class PendingPdfs:
    """PDFs being converted by wkhtmltopdf processes (``_mae_start_pdfs``)."""

    def __init__(self, report_model, report, res_ids, stored, jobs):
        self.report_model = report_model  # ir.actions.report of the caller's environment
        self.report = report
        self.res_ids = res_ids
        self.stored = stored
        self.jobs = jobs
        self.converter = None

    def cancel(self):
        """Convert nothing more (the caller gave up); waits for running processes."""
        if self.converter is not None:
            self.converter.__exit__(UserError, None, None)
            self.converter = None

    def result(self):
        """``{res_id: bytes}`` in the order of the records, once all are converted; the
        new PDFs are saved as attachments when the report says so.

        :raise UserError: when wkhtmltopdf fails for some record
        """
        pdfs, errors = {}, {}
        if self.converter is not None:
            with self.converter:
                pdfs, errors = self.converter.results()
            self.converter = None
        report, env = self.report, self.report_model.env
        if errors:
            for res_id, error in errors.items():
                _logger.warning("Report %s, record %s: %s", report.report_name, res_id, error)
            failed = env[report.model].browse(list(errors))
            raise UserError(env._(
                "The PDF of %(report)s could not be created for: %(records)s.",
                report=report.name, records=", ".join(failed.mapped("display_name")),
            ))
        self.report_model._mae_save_attachments(report, {
            res_id: pdf for res_id, pdf in pdfs.items() if not self.jobs[res_id]["attachment"]
        })
        result = {**self.stored, **pdfs}
        return {res_id: result[res_id] for res_id in self.res_ids if res_id in result}
