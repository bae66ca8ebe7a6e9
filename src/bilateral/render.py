"""Render executed notebooks to one self-contained HTML file and a paged PDF.

Both formats come from the same template (``templates/bilateral``) and the same
CSS. The PDF is the HTML laid out by WeasyPrint: no LaTeX, no browser. Both
exporters are registered under the ``nbconvert.exporters`` entry point, so
``jupyter nbconvert --to bilateral_pdf notebook.ipynb`` works too.

With ``sanitize`` (the build sets it for every notebook that is not the project's own),
everything the notebook contributes to the page is cleaned by :mod:`bilateral.sanitize`:
markdown, HTML outputs, raw cells, and what nbconvert's templates make of output
metadata. Nothing in such a report runs or is fetched, in the HTML or the PDF.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from . import __version__
from .pdf import PDF_VARIANT
from .pdf import html_to_pdf as _html_to_pdf
from .sanitize import sanitize as _sanitize

TEMPLATES = Path(str(files("bilateral") / "templates"))
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
TOC_MIN_PAGES = 3
"""A PDF keeps its table of contents when, laid out with it, it runs to this many pages."""


class SectionAnchors(Preprocessor):
    """Give each ``##`` heading of a markdown cell an anchor and list them for the contents."""

    def preprocess(self, nb, resources):
        toc = []
        for cell in nb.cells:
            # The anchor is ours to set: one the notebook brings is not written into the page.
            cell.metadata.pop("bilateral_anchor", None)
            if cell.cell_type != "markdown":
                continue
            m = re.match(r"^##\s+(.+)$", cell.source.strip().splitlines()[0] if cell.source
                         else "")
            if m:
                anchor = f"section-{len(toc) + 1}"
                cell.metadata["bilateral_anchor"] = anchor
                toc.append((anchor, m.group(1).strip()))
        info = resources.setdefault("bilateral", {})
        info["sections"] = toc
        info["toc"] = toc if info.get("toc_wanted") else []
        return nb, resources


_SAFE_TAG = re.compile(r"[A-Za-z0-9_.:-]{1,100}\Z")
_DROPPED_OUTPUTS = ("application/javascript", "text/javascript",
                    "application/vnd.jupyter.widget-view+json")


class ForeignNotebook(Preprocessor):
    """For a notebook that is not the project's own: outputs that only a browser would run
    are removed, output metadata the templates write into attributes is kept only when it
    is a plain size, and tags and metadata that reach the page are plain text."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        meta = nb.metadata.get("bilateral")
        if meta is not None and not isinstance(meta, dict):
            nb.metadata.pop("bilateral")
        elif meta:
            if not isinstance(meta.get("subtitle", ""), str):
                meta.pop("subtitle")
            keywords = meta.get("keywords", [])
            if not (isinstance(keywords, list) and all(isinstance(k, str) for k in keywords)):
                meta.pop("keywords")
        if not isinstance(nb.metadata.get("title", ""), str):
            nb.metadata.pop("title")
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags")
            if tags is not None:
                cell.metadata["tags"] = [t for t in tags if isinstance(t, str)
                                         and _SAFE_TAG.match(t)] if isinstance(tags, list) else []
            for output in cell.get("outputs", []):
                data = output.get("data")
                if isinstance(data, dict):
                    for key in _DROPPED_OUTPUTS:
                        data.pop(key, None)
                metadata = output.get("metadata")
                if isinstance(metadata, dict):
                    output["metadata"] = _plain_sizes(metadata)
        return nb, resources


def _plain_sizes(metadata: dict) -> dict:
    """Only ``width`` and ``height`` that are numbers, per mimetype or for the output."""
    def sizes(d):
        return {k: v for k, v in d.items() if k in ("width", "height")
                and isinstance(v, (int, float)) and not isinstance(v, bool)}

    out = sizes(metadata)
    for key, value in metadata.items():
        if "/" in key and isinstance(value, dict) and sizes(value):
            out[key] = sizes(value)
    return out


def _css(show_code: bool) -> str:
    css = (TEMPLATES / "bilateral" / "report.css").read_text(encoding="utf-8")
    if show_code:
        from pygments.formatters import HtmlFormatter

        css += "\n" + HtmlFormatter(style="default").get_style_defs(".highlight")
    return css


class ReportHTMLExporter(HTMLExporter):
    """The report as one HTML file: code hidden unless ``show_code``; nothing from the network."""

    export_from_notebook = "bilateral report (HTML)"
    show_code = Bool(False, help="Show the code cells' source.").tag(config=True)
    paper = Unicode("a4", help="Page size of the PDF and of printing: a4 or letter.").tag(
        config=True)
    toc = Bool(True, help="Add a table of contents after the title block.").tag(config=True)
    report_date = Unicode("", help="Date written into the document's metadata (YYYY-MM-DD); "
                          "from the inputs, never the clock.").tag(config=True)
    author = Unicode("bilateral").tag(config=True)
    sanitize = Bool(False, help="Clean the notebook's markup with an allow-list: nothing "
                    "runs, nothing is fetched (for notebooks that are not the project's "
                    "own).").tag(config=True)

    def __init__(self, **kw):
        kw.setdefault("template_name", "bilateral")
        kw.setdefault("template_file", "index.html.j2")
        kw.setdefault("extra_template_basedirs", [str(TEMPLATES)])
        super().__init__(**kw)
        if self.sanitize:
            self.register_preprocessor(ForeignNotebook, enabled=True)
        self.register_preprocessor(SectionAnchors, enabled=True)

    def default_filters(self):
        yield from super().default_filters()
        yield ("bilateral_sanitize", self._sanitize_filter)

    @staticmethod
    def _sanitize_filter(html, resources):
        return _sanitize(str(html), resources.get("metadata", {}).get("path") or None)

    def _init_resources(self, resources):
        resources = super()._init_resources(resources)
        if self.paper.lower() not in PAPER_SIZES:
            raise ValueError(f"paper must be one of {', '.join(PAPER_SIZES)}, got {self.paper!r}")
        self.exclude_input = not self.show_code
        self.exclude_input_prompt = True
        self.exclude_output_prompt = True
        resources["bilateral"] = {
            "css": _css(self.show_code), "paper": PAPER_SIZES[self.paper.lower()],
            "version": __version__, "date": self.report_date, "author": self.author,
            "language": "en", "toc_wanted": self.toc, "sanitize": self.sanitize,
        }
        return resources


class WeasyPDFExporter(ReportHTMLExporter):
    """The report as a paged PDF, laid out by WeasyPrint from the report's HTML.

    The contents list is laid out with the report, and taken out again (a second layout)
    only in the rare case that the report then fits in fewer than ``TOC_MIN_PAGES`` pages.
    """

    export_from_notebook = "bilateral report (PDF)"
    output_mimetype = "application/pdf"

    def _file_extension_default(self):
        return ".pdf"

    tagged = Bool(True, help="Write a tagged PDF/A-3a, identified as PDF/UA-1 too: "
                  "headings, tables and figures with their alt text for screen readers, and "
                  "room for associated files. False writes a plain PDF.").tag(config=True)

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        # What the build embeds: files (pdf.Evidence) and the date they carry.
        evidence = tuple(resources.pop("bilateral_evidence", ()))
        when = resources.pop("bilateral_evidence_date", None)
        variant = PDF_VARIANT if self.tagged else None

        def html_to_pdf(html):
            return _html_to_pdf(html, evidence, when, variant)

        html, out_resources = super().from_notebook_node(nb, dict(resources), **kw)
        pdf, pages = html_to_pdf(html)
        if self.toc and out_resources["bilateral"]["toc"] and pages < TOC_MIN_PAGES:
            wanted = self.toc
            self.toc = False
            try:
                html, out_resources = super().from_notebook_node(nb, dict(resources or {}),
                                                                 **kw)
            finally:
                self.toc = wanted
            pdf, pages = html_to_pdf(html)
        out_resources["bilateral"]["pages"] = pages
        out_resources["output_extension"] = ".pdf"
        return pdf, out_resources
