"""Render notebooks to one self-contained HTML file and a paged PDF: nbconvert exporters.

Both formats come from the same template (``templates/bilateral``) and the same CSS. The
PDF is the HTML laid out by WeasyPrint: no LaTeX, no browser. Both exporters are
registered under the ``nbconvert.exporters`` entry point, so
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
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import jinja2
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Enum, Unicode, default

try:
    from jinja2 import pass_context
except ImportError:  # pragma: no cover - Jinja2 < 3
    from jinja2 import contextfilter as pass_context

from bilateral import __version__
from bilateral.export import pdf_ahead
from bilateral.export.sanitize import embedded_image, is_remote, placeholder
from bilateral.export.sanitize import sanitize as _sanitize
from bilateral.export.weasy import PDF_VARIANT

TEMPLATES = Path(str(files("bilateral.export") / "templates"))
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
TOC_MIN_PAGES = 3
"""A PDF keeps its table of contents when, laid out with it, it runs to this many pages."""

MODES = ("auto", "generic", "report")


def notebook_mode(nb) -> str:
    """``report`` for a notebook that asks for it (``metadata.bilateral``, a mapping, whose
    ``mode`` is absent or ``report``), else ``generic``."""
    meta = nb.metadata.get("bilateral")
    if isinstance(meta, dict):
        return "generic" if meta.get("mode") == "generic" else "report"
    return "generic"


# --- hiding tags --------------------------------------------------------------------------

REMOVE = {"remove-cell": "cell", "remove_cell": "cell",
          "remove-input": "input", "remove_input": "input",
          "remove-output": "output", "remove_output": "output"}
"""Tags that take a cell, its source or its outputs off the page (nbconvert's
TagRemovePreprocessor examples and Jupyter Book spell them both ways)."""

HIDE = {"hide-input": ("input",), "hide_input": ("input",),
        "hide-output": ("output",), "hide_output": ("output",),
        "hide-cell": ("input", "output"), "hide_cell": ("input", "output")}
"""Tags that fold a code cell's source or outputs away: behind a "Show" toggle in the
HTML (as Jupyter Book does), off the page in the PDF."""


class HidingTags(Preprocessor):
    """Apply the remove-* and hide-* tags, and JupyterLab's collapsed source and outputs
    (``metadata.jupyter.source_hidden``, ``outputs_hidden``; papermill's report mode sets
    the first on every cell)."""

    def preprocess(self, nb, resources):
        kept = []
        for cell in nb.cells:
            cell.metadata.pop("bilateral_hide", None)  # ours to set, never the notebook's
            tags = cell.metadata.get("tags", [])
            tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
            removed = {REMOVE[t] for t in tags if t in REMOVE}
            if "cell" in removed:
                continue
            if "input" in removed:
                cell.metadata["transient"] = {"remove_source": True}
            if "output" in removed and cell.cell_type == "code":
                cell.outputs = []
            if cell.cell_type == "code":
                hidden = {part for t in tags for part in HIDE.get(t, ())}
                jupyter = cell.metadata.get("jupyter")
                if isinstance(jupyter, dict):
                    if jupyter.get("source_hidden") is True:
                        hidden.add("input")
                    if jupyter.get("outputs_hidden") is True:
                        hidden.add("output")
                if hidden:
                    cell.metadata["bilateral_hide"] = sorted(hidden)
            kept.append(cell)
        nb.cells = kept
        return nb, resources


class SectionAnchors(Preprocessor):
    """Give each ``##`` heading of a markdown cell an anchor and list them for the contents
    (which a report shows after its title block)."""

    def preprocess(self, nb, resources):
        toc = []
        title_block = False
        for cell in nb.cells:
            # The anchor is ours to set: one the notebook brings is not written into the page.
            cell.metadata.pop("bilateral_anchor", None)
            tags = cell.metadata.get("tags", [])
            if cell.cell_type == "code" and isinstance(tags, list) and "title-block" in tags:
                title_block = True
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
        info["toc"] = toc if info.get("toc_wanted") and title_block else []
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


# --- title ----------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^\s{0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)[ \t]*$")
_HTML_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.I | re.S)


def first_heading(nb) -> str:
    """The text of the notebook's first markdown heading (ATX, setext or HTML), or ""."""
    for cell in nb.cells:
        if cell.cell_type != "markdown" or not isinstance(cell.source, str):
            continue
        fenced = False
        previous = ""
        for line in cell.source.splitlines():
            if _FENCE.match(line):
                fenced = not fenced
                previous = ""
                continue
            if fenced:
                continue
            m = _ATX.match(line)
            if m:
                return _plain(m.group(1))
            if previous.strip() and _SETEXT.match(line) and not line.lstrip().startswith("-"):
                return _plain(previous)
            m = _HTML_HEADING.search(line)
            if m:
                return _plain(m.group(1))
            previous = line
    return ""


def _plain(markdown: str) -> str:
    """A heading's markdown as one line of plain text."""
    from bs4 import BeautifulSoup
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    try:
        text = BeautifulSoup(markdown2html_mistune(markdown), "html.parser").get_text(" ")
    except Exception:  # a heading mistune cannot read: its characters as they are
        text = re.sub(r"<[^>]*>", "", markdown)
    return " ".join(text.replace("¶", " ").split())[:300]


def document_title(nb, name: str) -> str:
    """The notebook's ``metadata.title``, else its first heading, else ``name``."""
    title = nb.metadata.get("title")
    if isinstance(title, str) and title.strip():
        return " ".join(title.split())
    return first_heading(nb) or name or "Notebook"


# --- maths and images -----------------------------------------------------------------------

class _Maths:
    """Formulas found while the template renders, each left in the page as a token (plain
    text, which survives sanitizing), and put in place once the page is complete.

    The tokens carry ``nonce``, taken from a hash of the notebook: no notebook holds its
    own hash, and the same notebook gives the same page.
    """

    def __init__(self, nonce: str = "0"):
        self.nonce = nonce
        self.items: list[tuple[str, bool]] = []
        self.failed = 0

    def _token(self, tex: str, display: bool) -> str:
        self.items.append((tex, display))
        return f"\ue000{self.nonce}:{len(self.items) - 1}\ue001"

    def inline(self, tex: str) -> str:
        return f'<span class="math">{self._token(tex, False)}</span>'

    def block(self, tex: str) -> str:
        return f'<span class="math math-display">{self._token(tex, True)}</span>'

    def fill(self, html: str, render) -> str:
        """``html`` with each token replaced by ``render(tex, display)``, or by the TeX
        source where that gives None."""
        if not self.items:
            return html

        def put(m):
            tex, display = self.items[int(m.group(1))]
            out = render(tex, display) if render else None
            if out is None:
                if render:
                    self.failed += 1
                mark = "$$" if display else "$"
                return f'<code class="math-source">{html_lib.escape(mark + tex + mark)}</code>'
            return out

        def in_address(m):  # a heading's id and its anchor link: the TeX, as nbconvert has it
            from urllib.parse import quote

            tex, display = self.items[int(m.group(1))]
            mark = "$$" if display else "$"
            return quote((mark + tex + mark).replace(" ", "-"), safe="?/:@!$&'()*+,;=")

        html = re.sub("%EE%80%80" + self.nonce + r":(\d+)%EE%80%81", in_address, html)
        return re.sub("\ue000" + self.nonce + r":(\d+)\ue001", put, html)


class _Kept:
    """Markup the exporter makes itself from escaped text (pygments' highlighting of code,
    nbconvert's ``ansi2html`` of streams, plain text and tracebacks), set aside while the
    page is sanitized, as a token, and put back afterwards: the sanitizer then reads only
    what the notebook wrote as markup, and code-heavy notebooks convert faster."""

    def __init__(self, nonce: str = "0"):
        self.nonce = nonce
        self.items: list[str] = []

    def keep(self, html) -> str:
        self.items.append(str(html))
        return f"\ue002{self.nonce}:{len(self.items) - 1}\ue003"

    def fill(self, html: str) -> str:
        if not self.items:
            return html
        return re.sub("\ue002" + self.nonce + r":(\d+)\ue003",
                      lambda m: self.items[int(m.group(1))], html)


class _Markdown(IPythonRenderer):
    """nbconvert's markdown renderer, with maths kept for offline rendering and images left
    for the exporter to embed or replace (a missing attachment is no error)."""

    def __init__(self, maths: _Maths, **kw):
        super().__init__(**kw)
        self._maths = maths

    def block_math(self, body: str) -> str:
        return self._maths.block(body)

    def inline_math(self, body: str) -> str:
        return self._maths.inline(body)

    def latex_environment(self, name: str, body: str) -> str:
        return self._maths.block(f"\\begin{{{name}}}{body}\\end{{{name}}}")

    def _embed_image_or_attachment(self, src: str) -> str:
        if src.startswith("attachment:") and src[len("attachment:"):] not in self.attachments:
            return src  # becomes a placeholder naming the attachment
        if src.startswith("attachment:"):
            return super()._embed_image_or_attachment(src)
        return src


_MATH_ONLY = re.compile(r"\$\$((?:(?!\$\$).)+)\$\$|\\\[(.+)\\\]|\$([^$]+)\$|\\\((.+)\\\)",
                        re.S)
_ENVIRONMENT = re.compile(r"\\begin\{([A-Za-z]+\*?)\}.*\\end\{\1\}", re.S)
_NON_DATA_IMG = re.compile(r"<img\b(?![^>]*\ssrc=\"data:)", re.I)


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

    export_from_notebook = "bilateral (HTML)"

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
        """Markup of our own making, kept out of the sanitizer's way (see :class:`_Kept`)."""
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
                    base=Path(base) if base else None, maths=_Maths(digest[:16]),
                    kept=_Kept(digest[16:32]))

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        resources.setdefault("metadata", {})
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
        html = run.maths.fill(html, self.math_markup if self.render_math else None)
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


def _few(items: list[str], n: int = 3) -> str:
    shown = ", ".join((s or "(no address)")[:100] for s in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


class WeasyPDFExporter(ReportHTMLExporter):
    """Any notebook as a paged PDF, laid out by WeasyPrint from the HTML: no LaTeX, no
    browser, nothing fetched (``--to bilateral_pdf``).

    Maths is drawn as SVG. In generic mode a table too wide for the page is split into
    column blocks that each fit, the index repeated, and what still does not fit wraps
    inside its cells; long lines wrap. The contents list of a report is laid out with it, and taken
    out again (a second layout) only in the rare case that the report then fits in fewer
    than ``TOC_MIN_PAGES`` pages.
    """

    export_from_notebook = "bilateral (PDF)"
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

        return svg_img(tex, display)

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        # What the build embeds: files (pdf.Evidence) and the date they carry.
        evidence = tuple(resources.pop("bilateral_evidence", ()))
        when = resources.pop("bilateral_evidence_date", None)
        variant = PDF_VARIANT if self.tagged else None

        def html_to_pdf(html, out_resources):
            from bilateral.export.pagefit import fit_tables, lean_code, mark_long_words

            info = out_resources["bilateral"]
            if info["mode"] == "generic":  # a report's pages are laid out as designed
                html = fit_tables(mark_long_words(lean_code(html)), info["paper"],
                                  split=self.split_wide_tables)
            return pdf_ahead.layout(ahead, html, evidence, when, variant)

        # WeasyPrint is imported by a child process while the HTML is made (pdf_ahead).
        ahead = pdf_ahead.Ahead.start()
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
            if ahead is not None:
                ahead.close()
        out_resources["bilateral"]["pages"] = pages
        out_resources["output_extension"] = ".pdf"
        return pdf, out_resources


def _list_in_nbconvert_help() -> None:
    """Name the exporters in ``nbconvert.exporters``, where ``jupyter nbconvert --help-all``
    looks for configurable classes (it loads this module through the entry point while
    listing the export formats), so that their options are listed with nbconvert's."""
    import nbconvert.exporters

    for cls in (ReportHTMLExporter, WeasyPDFExporter):
        if not hasattr(nbconvert.exporters, cls.__name__):
            setattr(nbconvert.exporters, cls.__name__, cls)


_list_in_nbconvert_help()
