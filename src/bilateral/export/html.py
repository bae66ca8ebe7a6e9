"""Render notebooks to one self-contained HTML file and a paged PDF: nbconvert exporters.

Both formats come from the same template (``templates/bilateral``) and the same CSS. The
PDF is the HTML laid out by WeasyPrint: no LaTeX, no browser. Both exporters are
registered under the ``nbconvert.exporters`` entry point (:mod:`bilateral.export.entry`), so
``jupyter nbconvert --to bilateral_pdf notebook.ipynb`` (or ``bilateral_html``) works for
any notebook, and every option is a traitlet that ``jupyter nbconvert --help-all`` lists.

Two modes (``mode``):

* **generic** (any notebook): what nbconvert's own HTML shows — code, stdout and stderr,
  errors — laid out for reading and print, without the project's colophon;
* **report** (the project's notebooks, which carry ``metadata.bilateral``): code, prompts
  and stderr hidden, a contents list after the title block, the project's colophon.

In both: the hiding tags of nbconvert and Jupyter Book (``remove-cell``, ``remove-input``,
``remove-output``; ``hide-input``, ``hide-output``, ``hide-cell`` and JupyterLab's
collapsed cells, folded away in the HTML and left out of the PDF); LaTeX maths rendered
offline (:mod:`bilateral.export.maths`: MathML in the HTML, SVG in the PDF); images embedded
(attachments, files by relative path inside the notebook's folder) or shown as a
placeholder with their address (remote ones are never fetched, and one warning line says
so); raw cells as nbconvert treats them; widgets as their static text; the title from the
notebook's metadata, else its first heading.

With ``sanitize`` (the default; the build turns it off for the project's own notebooks)
everything the notebook contributes to the page is cleaned by :mod:`bilateral.export.sanitize`:
markdown, HTML outputs, raw cells, and what nbconvert's templates make of output
metadata. Nothing in such a report runs or is fetched, in the HTML or the PDF.

This module holds the HTML exporter, :class:`ReportHTMLExporter`, and what both formats
share; the PDF exporter, its subclass, is :mod:`bilateral.export.pdf`. What the exporter
runs on a notebook before its template is :mod:`bilateral.export.preprocessors`; the title,
:mod:`bilateral.export.title`; what its filters set aside while the template renders,
:mod:`bilateral.export.filters`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import jinja2
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import MarkdownWithMath
from traitlets import Bool, Enum, Unicode, default

try:
    from jinja2 import pass_context
except ImportError:  # pragma: no cover - Jinja2 < 3
    from jinja2 import contextfilter as pass_context

from bilateral import __version__
from bilateral.export.filters import _Kept, _Markdown, _Maths
from bilateral.export.preprocessors import (
    ForeignNotebook,
    HidingTags,
    SectionAnchors,
    well_formed,
)
from bilateral.export.sanitize import embedded_image, is_remote, placeholder
from bilateral.export.sanitize import sanitize as _sanitize
from bilateral.export.title import document_title

TEMPLATES = Path(str(files("bilateral.export") / "templates"))
PAPER_SIZES = {"a4": "A4", "letter": "letter"}

MODES = ("auto", "generic", "report")


def notebook_mode(nb) -> str:
    """``report`` for a notebook that asks for it (``metadata.bilateral``, a mapping, whose
    ``mode`` is absent or ``report``), else ``generic``."""
    meta = nb.metadata.get("bilateral")
    if isinstance(meta, dict):
        return "generic" if meta.get("mode") == "generic" else "report"
    return "generic"


# --- maths and images -----------------------------------------------------------------------

_MATH_ONLY = re.compile(r"\$\$((?:(?!\$\$).)+)\$\$|\\\[(.+)\\\]|\$([^$]+)\$|\\\((.+)\\\)",
                        re.S)
_ENVIRONMENT = re.compile(r"\\begin\{([A-Za-z]+\*?)\}.*\\end\{\1\}", re.S)
_NON_DATA_IMG = re.compile(r"<img\b(?![^>]*\ssrc=\"data:)", re.I)
def _describe_images(html: str) -> str:
    """Every ``<img>`` with an alt text: one the notebook left empty says so (:data:`NO_ALT`),
    with the image's file name when it had one."""
    if not _NO_ALT_IMG.search(html):
        return html
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for img in soup.find_all("img"):
        if not str(img.get("alt") or "").strip():
            name = str(img.get("data-filename") or "")
            img["alt"] = f"{NO_ALT}: {name}" if name else NO_ALT
    return str(soup)


_NO_ALT_IMG = re.compile(r"<img\b(?![^>]*\salt=\"[^\"]*[^\"\s])", re.I)
NO_ALT = "Image without a description in the notebook"
"""The alt text of an image the notebook gives none: a screen reader (and PDF/UA) needs
one, and saying that there is none is the true one."""


@dataclass
class _Run:
    """What one conversion decided and collected."""

    mode: str
    show_code: bool
    show_stderr: bool
    title: str
    base: Path | None
    maths: _Maths = field(default_factory=_Maths)
    kept: _Kept = field(default_factory=_Kept)
    missing: list = field(default_factory=list)


def _css(mode: str, show_code: bool, show_stderr: bool) -> str:
    folder = TEMPLATES / "bilateral"
    css = (folder / "report.css").read_text(encoding="utf-8")
    if mode == "generic":
        css += "\n" + (folder / "notebook.css").read_text(encoding="utf-8")
    css += "\n" + (folder / "common.css").read_text(encoding="utf-8")
    if show_stderr and mode != "generic":
        css += "\n.output_stderr { display: block; }"
    if show_code:
        from pygments.formatters import HtmlFormatter

        css += "\n" + HtmlFormatter(style="default").get_style_defs(".highlight")
    return css


# --- the exporters ---------------------------------------------------------------------------

class _TemplateCode(jinja2.BytecodeCache):
    """Compiled templates, shared by every exporter of this process and of the processes
    forked from it. nbconvert gives each exporter its own Jinja environment, which
    compiles the same templates again (about 0.1 s each time); Jinja checks each
    template's source against its checksum, so an edited template is compiled anew."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = _TemplateCode()


class ReportHTMLExporter(HTMLExporter):
    """Any notebook as one self-contained HTML file: nothing runs, nothing is fetched
    (``--to bilateral_html``)."""

    export_from_notebook = "Bilateral report — HTML"

    mode = Enum(MODES, default_value="auto", help=(
        "generic: what nbconvert's HTML shows (code, stdout and stderr, errors), laid out "
        "for reading and print. report: the project's report layout (code, prompts and "
        "stderr hidden, contents list, colophon). auto: report for notebooks whose "
        "metadata has a 'bilateral' mapping (the project's own), generic otherwise.")
    ).tag(config=True)
    show_code = Bool(None, allow_none=True, help=(
        "Show the code cells' source. Unset: shown in generic mode (unless "
        "TemplateExporter.exclude_input), hidden in report mode.")).tag(config=True)
    show_stderr = Bool(None, allow_none=True, help=(
        "Show what cells wrote to stderr (warnings, progress). Unset: shown in generic "
        "mode, hidden in report mode.")).tag(config=True)
    render_math = Bool(True, help=(
        "Render LaTeX maths of markdown and text/latex outputs offline: MathML in the HTML, "
        "SVG in the PDF. False shows the TeX source.")).tag(config=True)
    paper = Unicode("a4", help="Page size of the PDF and of printing: a4 or letter.").tag(
        config=True)
    toc = Bool(True, help="Report mode: add a table of contents after the title block "
               "(the cell tagged title-block).").tag(config=True)
    report_date = Unicode("", help="Date written into the document's metadata (YYYY-MM-DD); "
                          "from the inputs, never the clock.").tag(config=True)
    author = Unicode("", help="Author written into the document's metadata. Unset: the "
                     "names in the notebook's metadata.authors; 'bilateral' in report "
                     "mode.").tag(config=True)
    sanitize = Bool(True, help="Clean the notebook's markup with an allow-list, as "
                    "nbconvert's sanitizer does: no script, style, frame or remote "
                    "resource; nothing runs, nothing is fetched. Only for notebooks you "
                    "trust: False.").tag(config=True)

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    @property
    def default_config(self):
        c = super().default_config
        # Widgets and JavaScript would need a browser to run them: their static fallback
        # (text/html, an image or text/plain) is shown instead.
        c.NbConvertBase.display_data_priority = [
            "text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png",
            "image/jpeg", "text/plain"]
        return c

    def __init__(self, **kw):
        kw.setdefault("template_name", "bilateral")
        kw.setdefault("template_file", "index.html.j2")
        kw.setdefault("extra_template_basedirs", [str(TEMPLATES)])
        super().__init__(**kw)
        self.environment.bytecode_cache = TEMPLATE_CODE
        if self.sanitize:
            self.register_preprocessor(ForeignNotebook, enabled=True)
        self.register_preprocessor(HidingTags, enabled=True)
        self.register_preprocessor(SectionAnchors, enabled=True)
        self._run: _Run | None = None
        self._authors = ""
        self._quiet = False

    def default_filters(self):
        yield from super().default_filters()
        yield ("bilateral_sanitize", self._sanitize_filter)
        yield ("bilateral_latex", self._latex_filter)
        yield ("bilateral_keep", self._keep_filter)

    def _keep_filter(self, html):
        """Markup of our own making, kept out of the sanitizer's way (see
        :class:`bilateral.export.filters._Kept`)."""
        if not self.sanitize or self._run is None:
            return html
        return self._run.kept.keep(html)

    def _sanitize_filter(self, html, resources):
        run = self._run
        if run is None:
            return _sanitize(str(html), resources.get("metadata", {}).get("path") or None)
        return _sanitize(str(html), run.base, run.missing)

    # Maths -------------------------------------------------------------------------------

    @pass_context
    def markdown2html(self, context, source):
        """Markdown to HTML, as nbconvert's filter, with maths kept for offline rendering."""
        cell = context.get("cell", {})
        return self._markdown(source, cell.get("attachments", {}) or {})

    def _markdown(self, source: str, attachments: dict) -> str:
        maths = self._run.maths if self._run else _Maths()
        renderer = _Markdown(maths, escape=False, attachments=attachments,
                             anchor_link_text=self.anchor_link_text,
                             exclude_anchor_links=self.exclude_anchor_links,
                             **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)

    def _latex_filter(self, text):
        """A text/latex output: one formula when it is all maths, else text with maths."""
        source = str(text).strip()
        maths = self._run.maths if self._run else _Maths()
        m = _MATH_ONLY.fullmatch(source)
        if m:
            return maths.block(next(g for g in m.groups() if g is not None))
        if _ENVIRONMENT.fullmatch(source):
            return maths.block(source)
        return self._markdown(source, {})

    def math_markup(self, tex: str, display: bool) -> str | None:
        """A formula as it goes into the page (here MathML), or None to show its source."""
        from bilateral.export.maths import mathml

        return mathml(tex, display)

    def _formula_found(self, tex: str, display: bool) -> None:
        """Called with each formula as the template meets it, before the page is complete:
        a chance to start drawing it (the PDF exporter sends it to another core). Nothing
        here."""

    def _draw_maths(self, formulas: list[tuple[str, bool]]) -> None:
        """Called with every (TeX, display) of the page before ``math_markup`` puts each in
        place: a chance to draw them all at once (the PDF exporter shares them with
        another core). Nothing here."""

    # The conversion ----------------------------------------------------------------------

    def _init_resources(self, resources):
        resources = super()._init_resources(resources)
        if self.paper.lower() not in PAPER_SIZES:
            raise ValueError(f"paper must be one of {', '.join(PAPER_SIZES)}, got {self.paper!r}")
        run = self._run
        mode = run.mode if run else "report"
        author = self.author or (run and self._authors) or ("bilateral" if mode == "report"
                                                          else "")
        resources["bilateral"] = {
            "css": _css(mode, run.show_code if run else False, bool(run and run.show_stderr)),
            "paper": PAPER_SIZES[self.paper.lower()], "version": __version__,
            "date": self.report_date, "author": author, "language": self.language_code,
            "toc_wanted": self.toc and mode == "report", "sanitize": self.sanitize,
            "mode": mode, "title": run.title if run else resources["metadata"].get("name", ""),
        }
        return resources

    def _start(self, nb, resources) -> _Run:
        mode = self.mode if self.mode != "auto" else notebook_mode(nb)
        show_code = self.show_code
        if show_code is None:
            show_code = mode == "generic" and not self.exclude_input
        show_stderr = self.show_stderr if self.show_stderr is not None else mode == "generic"
        metadata = resources.get("metadata", {}) if resources else {}
        # nbconvert gives "" for a notebook in the current folder, as os.path.dirname does.
        base = (metadata["path"] or ".") if isinstance(metadata.get("path"), str) else None
        authors = nb.metadata.get("authors")
        names = [a.get("name") for a in authors if isinstance(a, dict)] if isinstance(
            authors, list) else []
        self._authors = ", ".join(n for n in names if isinstance(n, str) and n.strip())[:300]
        digest = hashlib.sha256(json.dumps(nb, sort_keys=True, default=str).encode()).hexdigest()
        return _Run(mode=mode, show_code=show_code, show_stderr=show_stderr,
                    title=document_title(nb, metadata.get("name", "")),
                    base=Path(base) if base else None,
                    maths=_Maths(digest[:16], found=self._formula_found),
                    kept=_Kept(digest[16:32]))

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        resources.setdefault("metadata", {})
        nb, dropped = well_formed(nb)
        if dropped and not self._quiet:
            self.log.warning("metadata of the wrong shape left out: %s", ", ".join(dropped))
        run = self._start(nb, resources)
        self._run = run
        wanted = self.exclude_input
        self.exclude_input = not run.show_code
        try:
            html, resources = super().from_notebook_node(nb, resources, **kw)
        finally:
            self.exclude_input = wanted
        html = run.kept.fill(html)
        html = self._settle_images(html, run)
        html = _describe_images(html)
        if self.render_math:
            self._draw_maths(run.maths.items)
        html = run.maths.fill(html, self.math_markup if self.render_math else None)
        html = unique_heading_ids(html)
        self._warn(run)
        return html, resources

    def _settle_images(self, html: str, run: _Run) -> str:
        """Every ``<img>`` a ``data:`` URL: an image file by relative path inside the
        notebook's folder embedded, anything else a placeholder. (Sanitized pages are
        settled already; this is for the trusted ones.)"""
        if not _NON_DATA_IMG.search(html):
            return html
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(html, "html.parser")
        for img in soup.find_all("img"):
            src = str(img.get("src") or "")
            if src.startswith("data:"):
                continue
            url = embedded_image(src, run.base)
            if url:
                img["src"] = url
                continue
            run.missing.append(src)
            img.replace_with(BeautifulSoup(placeholder(src, str(img.get("alt") or "")),
                                           "html.parser"))
        return str(soup)


    def _warn(self, run: _Run) -> None:
        if self._quiet:
            return
        if run.missing:
            remote = [s for s in run.missing if is_remote(s)]
            other = [s for s in run.missing if not is_remote(s)]
            parts = []
            if remote:
                parts.append(f"{len(remote)} remote, not fetched: {_few(remote)}")
            if other:
                parts.append(f"{len(other)} not found in the notebook's folder or its "
                             f"attachments: {_few(other)}")
            self.log.warning("%d image(s) shown as placeholders (%s)", len(run.missing),
                             "; ".join(parts))
        if run.maths.failed:
            self.log.warning("%d formula(s) could not be rendered and are shown as TeX",
                             run.maths.failed)


_HEADING = re.compile(r'(<h([1-6])\b[^>]*?\sid=")([^"]*)("[^>]*>)'
                      r'((?:(?!</?h[1-6][\s>]).)*)(</h\2>)', re.S | re.I)
"""A heading with an id, its body up to its end tag; a body never runs over another
heading's start or end (a heading left open is left alone, in linear time)."""


def unique_heading_ids(html: str) -> str:
    """Headings of the same text ("Exercise", "Solution" in every section of a tutorial)
    get ids of their own: the second "Display" is ``Display-2``, its ¶ link too. nbconvert
    names a heading's id after its text, so a link to a later one led to the first, and
    WeasyPrint warned "Anchor defined twice". The first keeps its id: links written in
    the notebook (``#Display``) still lead where they did."""
    seen: dict[str, int] = {}
    taken = set(re.findall(r'\sid="([^"]*)"', html))

    def rename(m: re.Match) -> str:
        old = m.group(3)
        count = seen[old] = seen.get(old, 0) + 1
        if count == 1:
            return m.group(0)
        new = f"{old}-{count}"
        while new in taken:
            count += 1
            new = f"{old}-{count}"
        taken.add(new)
        body = m.group(5).replace(f'href="#{old}"', f'href="#{new}"')
        return f"{m.group(1)}{new}{m.group(4)}{body}{m.group(6)}"

    return _HEADING.sub(rename, html)


def _few(items: list[str], n: int = 3) -> str:
    shown = ", ".join((s or "(no address)")[:100] for s in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")
