"""The PDF exporter, ``bilateral_pdf``: the HTML exporter's page laid out by WeasyPrint
(:mod:`bilateral.export.weasy`), in a child process made ready ahead of time where that
helps (:mod:`bilateral.export.pdf_ahead`). What both formats share is in
:mod:`bilateral.export.html`.
"""

from __future__ import annotations

from traitlets import Bool, default

from bilateral.export import pdf_ahead
from bilateral.export.html import ReportHTMLExporter
from bilateral.export.weasy import PDF_VARIANT, PDFError

TOC_MIN_PAGES = 3
"""A PDF keeps its table of contents when, laid out with it, it runs to this many pages."""


class WeasyPDFExporter(ReportHTMLExporter):
    """Any notebook as a paged PDF, laid out by WeasyPrint from the HTML: no LaTeX, no
    browser, nothing fetched (``--to bilateral_pdf``).

    Maths is drawn as SVG. In generic mode a table too wide for the page is split into
    column blocks that each fit, the index repeated, and what still does not fit wraps
    inside its cells; long lines wrap. The contents list of a report is laid out with it, and taken
    out again (a second layout) only in the rare case that the report then fits in fewer
    than ``TOC_MIN_PAGES`` pages.
    """

    export_from_notebook = "Bilateral report — PDF"
    output_mimetype = "application/pdf"

    def _file_extension_default(self):
        return ".pdf"

    @default("raw_mimetypes")
    def _raw_mimetypes_default(self):
        # The PDF is laid out from the HTML: raw cells show as they do in the HTML.
        return ["text/html", ""]

    tagged = Bool(True, help="Write a tagged PDF/A-3a, identified as PDF/UA-1 too: "
                  "headings, tables and figures with their alt text for screen readers, and "
                  "room for associated files. False writes a plain PDF.").tag(config=True)
    split_wide_tables = Bool(True, help=(
        "Split a table too wide for the page into blocks of columns that fit (the index "
        "columns repeated in each). False keeps it whole, wrapped inside its cells to fit "
        "the page.")).tag(config=True)

    def math_markup(self, tex: str, display: bool) -> str | None:
        from bilateral.export.maths import svg_img

        drawn = self._drawn.get((tex, display), False)
        return svg_img(tex, display, drawn)

    _drawn: dict = {}
    """Formulas drawn ahead (by the child process or here), by (TeX, display), for this
    conversion: what ``maths.svg`` gave for each."""
    _ahead = None
    """The child process of this conversion (pdf_ahead.Ahead), while it runs; or None."""
    _sent: dict = {}
    """Formulas met so far, by (TeX, display): whether each was sent to the child."""

    def _formula_found(self, tex: str, display: bool) -> None:
        """Each distinct formula sent to the child process as soon as the template meets it:
        the child, idle once WeasyPrint is imported, draws it while this process goes on
        with the template (ziamath is pure Python: the linear algebra notes of the test
        corpus have 198 distinct formulas, 1.5 s of drawing)."""
        if self._ahead is not None and (tex, display) not in self._sent:
            self._sent[(tex, display)] = self._ahead.draw_maths_ahead(tex, display)

    def _draw_maths(self, formulas):
        """The page complete: this process draws the formulas never sent, then those sent,
        from the last, until it meets the child drawing them from the first; then the
        child's drawings are read (the child draws what this process would, so the page
        is the same)."""
        from bilateral.export.maths import svg

        ahead = self._ahead
        sent = [f for f, ok in self._sent.items() if ok]
        if ahead is None or not sent or ahead.draw_maths_start() != len(sent):
            return  # none sent, or asked for already: each drawn as it is put in place
        # Kept here, not only in svg's cache: a page with more formulas than that cache
        # holds would otherwise draw the first ones again when it puts them in place.
        drawn = {f: svg(*f) for f in dict.fromkeys(formulas) if not self._sent.get(f)}
        drawn.update(ahead.draw_maths_here(sent, svg))
        theirs = ahead.draw_maths_result()
        for formula, drawing in zip(sent, theirs):
            if drawing is not False:
                drawn.setdefault(formula, drawing)
        self._drawn = drawn

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        # What the build embeds: files (weasy.Evidence) and the date they carry.
        evidence = tuple(resources.pop("bilateral_evidence", ()))
        when = resources.pop("bilateral_evidence_date", None)
        variant = PDF_VARIANT if self.tagged else None

        def html_to_pdf(html, out_resources):
            from bilateral.export.pagefit import (
                MAX_DEPTH,
                MAX_FLEX,
                MIN_DEPTH,
                fit_tables,
                lean_code,
                limit_nesting,
                mark_long_words,
            )

            info = out_resources["bilateral"]
            depth, exact, boxed = MAX_DEPTH, False, 0
            while True:
                # Markup nested too deep for the layout engine is shown as text (in any
                # mode: a notebook's outputs are in a report's pages too).
                html, cut, more = limit_nesting(html, depth, exact)
                boxed += more
                page = html
                if info["mode"] == "generic":  # a report's pages are laid out as designed
                    page = fit_tables(mark_long_words(lean_code(page)), info["paper"],
                                      split=self.split_wide_tables)
                try:
                    laid_out = pdf_ahead.layout(ahead, page, evidence, when, variant,
                                                split=info["mode"] == "generic")
                except PDFError as exc:
                    # Some layouts take more recursion for each level than others
                    # (inline tables): less nesting, until MIN_DEPTH. The page cut at
                    # the last depth is cut again: the same as the page cut once.
                    if not str(exc).startswith("RecursionError") or depth <= MIN_DEPTH:
                        raise
                    depth, exact = depth // 2, True
                    continue
                if (cut or boxed) and not self._quiet:
                    self.log.warning("the PDF shows %s", "; ".join(
                        ([f"{cut} part(s) nested more than {depth} levels deep as plain "
                          "text"] if cut else [])
                        + ([f"{boxed} flex or grid box(es) nested more than {MAX_FLEX} "
                            "deep as blocks"] if boxed else [])))
                return laid_out

        # WeasyPrint is imported by a child process while the HTML is made (pdf_ahead).
        ahead = pdf_ahead.Ahead.start()
        self._ahead, self._drawn, self._sent = ahead, {}, {}
        try:
            html, out_resources = super().from_notebook_node(nb, dict(resources), **kw)
            pdf, pages = html_to_pdf(html, out_resources)
            if self.toc and out_resources["bilateral"]["toc"] and pages < TOC_MIN_PAGES:
                wanted = self.toc
                self.toc, self._quiet = False, True
                try:
                    html, out_resources = super().from_notebook_node(
                        nb, dict(resources or {}), **kw)
                finally:
                    self.toc, self._quiet = wanted, False
                pdf, pages = html_to_pdf(html, out_resources)
        finally:
            self._ahead, self._drawn, self._sent = None, {}, {}
            if ahead is not None:
                ahead.close()
        out_resources["bilateral"]["pages"] = pages
        out_resources["output_extension"] = ".pdf"
        return pdf, out_resources
