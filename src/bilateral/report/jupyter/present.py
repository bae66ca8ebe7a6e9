"""HTML blocks for the notebooks' outputs: tables, prose, figures, claims, sources.

Every string that comes from data is escaped here, so a label holding markup
shows as text in the HTML and the PDF, and nothing of it runs. Templates passed
to :func:`prose` are written in code and trusted; the values filled into them
are escaped.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path

from IPython.display import HTML

from bilateral.report.claims import Claim
from bilateral.report.data.figures import RELATIONS, Dataset
from bilateral.report.story import fmt

_e = html.escape

SVG_SALT = "bilateral"
SHORT_TABLE_ROWS = 8
"""Tables of at most this many rows are never split across pages; longer ones may be,
with their header row repeated."""


@functools.cache
def _lab_parts() -> dict[str, str]:
    text = (Path(__file__).with_name("lab.css")).read_text(encoding="utf-8")
    parts = re.split(r"/\* part: (\w+) \*/", re.sub(r"\s+", " ", text))
    out = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        css = re.sub(r"\s*([{};,>])\s*", r"\1", re.sub(r"/\*.*?\*/", "", body))
        out[name] = re.sub(r":\s+", ":", css).replace(";}", "}").strip()
    return out


def lab_style(*parts: str) -> str:
    """The ``lab.css`` rules a block needs (``table``, ``claims``, ``figure``, ``title``,
    ``sources``) as a ``<style media="screen">``: they style the block in JupyterLab's
    light and dark themes and match nothing in the report (nor does WeasyPrint read them)."""
    css = " ".join(_lab_parts()[p] for p in parts)
    return f'<style media="screen">{css}</style>'


def prose(template: str, **values) -> HTML:
    """A paragraph: ``template`` (trusted HTML) with escaped ``values`` filled in."""
    return HTML(f"<p>{template.format(**{k: _e(str(v)) for k, v in values.items()})}</p>")


def paragraph(text: str) -> HTML:
    """A paragraph from :mod:`bilateral.report.story`: markup whose values are already escaped
    (a :class:`markupsafe.Markup`); a plain ``str`` is escaped whole."""
    from markupsafe import escape

    return HTML(f"<p>{escape(text)}</p>")


def bullets(intro: str, items: Iterable[str]) -> HTML:
    """A paragraph and a list under it; nothing at all when ``items`` is empty."""
    items = list(items)
    if not items:
        return HTML("")
    lis = "".join(f"<li>{_e(i)}</li>" for i in items)
    return HTML(f'<div class="notes"><p>{_e(intro)}</p><ul>{lis}</ul></div>')


def table(rows: Iterable[Sequence], headers: Sequence[str], caption: str | None = None,
          note: str | None = None, numeric: Iterable[int] = ()) -> HTML:
    """A table; columns whose index is in ``numeric`` are right-aligned."""
    numeric = set(numeric)
    rows = list(rows)
    block = "table-block short" if len(rows) <= SHORT_TABLE_ROWS else "table-block"
    cls = lambda i: ' class="num"' if i in numeric else ""  # noqa: E731
    head = "".join(f"<th{cls(i)} scope=\"col\">{_e(str(h))}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{_e(str(c))}</td>" for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    foot = f'<p class="table-note">{_e(note)}</p>' if note else ""
    return HTML(f'<div class="{block}">{lab_style("table")}<table>{cap}<thead><tr>{head}'
                f"</tr></thead><tbody>{body}</tbody></table>{foot}</div>")


def svg(fig) -> str:
    """The figure as SVG text, with fixed ids and no date, so equal inputs give equal bytes.

    Text stays text (``svg.fonttype: none``): it can be searched and copied, and WeasyPrint
    lays a chart out about seven times faster than with every glyph drawn as a path.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def figure(fig, alt: str, caption: str, source_note: str) -> HTML:
    """A chart as a vector image with alt text, a caption and its sources under it."""
    data = base64.b64encode(svg(fig).encode("utf-8")).decode("ascii")
    return HTML(
        f'<figure class="chart">{lab_style("figure")}<img src="data:image/svg+xml;base64,{data}" '
        f'alt="{_e(alt)}"/><figcaption><span class="caption">{_e(caption)}</span> '
        f'<span class="source">Source: '
        f"{_e(source_note)}</span></figcaption></figure>")


def cite(ds: Dataset, *figure_ids: str) -> str:
    """Short citation of the sources behind ``figure_ids``: ``'TASS (2023-04-20); …'``."""
    seen: list[str] = []
    for fid in figure_ids:
        s = ds.source_of(fid)
        label = f"{s.publisher} ({s.date.isoformat()})"
        if label not in seen:
            seen.append(label)
    return "; ".join(seen)


def as_printed(ds: Dataset, figure_id: str) -> str:
    """A figure's value as the source printed it, with ``more than`` or ``about``."""
    f = ds[figure_id]
    rel = RELATIONS[f.relation]
    return (rel + " " if rel else "") + fmt.value(f.value, f.unit, f.decimals)


def figures_table(ds: Dataset, figure_ids: Iterable[str], caption: str) -> HTML:
    """The figures with value as printed, period, source and the source's phrase."""
    rows = []
    for fid in figure_ids:
        f = ds[fid]
        rows.append([f.label, as_printed(ds, fid), f.period.text,
                     f"[{f.source_id}] {ds.sources[f.source_id].publisher}",
                     f"“{f.quote}”" if f.quote else "—"])
    return table(rows, ["Figure", "Value", "Period", "Source", "Source's words"],
                 caption=caption, numeric=[1])


def claims_table(claims: Iterable[Claim], caption: str = "The article's claims, checked") -> HTML:
    """Claim, the article's words, the check and the verdict."""
    rows = []
    for c in claims:
        rows.append(
            f'<tr><td>{_e(c.statement)}<div class="quote">“{_e(c.quote)}”</div></td>'
            f"<td>{_e(c.check)}<div class=\"figs\">Figures: {_e(', '.join(c.figure_ids))}"
            f'</div></td><td><span class="verdict v-{_e(c.verdict.split()[0])}">'
            f"{_e(c.verdict)}</span></td></tr>")
    return HTML(f'<div class="table-block">{lab_style("table", "claims")}<table class="claims">'
                f"<caption>{_e(caption)}"
                '</caption><thead><tr><th scope="col">Claim</th><th scope="col">Check</th>'
                '<th scope="col">Verdict</th></tr></thead><tbody>' + "".join(rows)
                + "</tbody></table></div>")


class _ClaimRows(HTMLParser):
    """The rows of every claims table (:func:`claims_table`) in an output's markup: each
    cell's own text, without the quote and figures it holds in a ``div``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, ...]] = []
        self._depth = 0  # inside <table class="claims">: nesting of tables
        self._cells: list[str] | None = None
        self._skip = 0  # inside a <div> of a cell

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and (self._depth or "claims" in classes):
            self._depth += 1
        elif self._depth and tag == "tr":
            self._cells = None
        elif self._depth and tag == "td":
            self._cells = (self._cells or []) + [""]
        elif self._cells is not None and tag == "div":
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "table" and self._depth:
            self._depth -= 1
        elif self._skip and tag == "div":
            self._skip -= 1
        elif self._depth and tag == "tr" and self._cells:
            self.rows.append(tuple(" ".join(c.split()) for c in self._cells))
            self._cells = None

    def handle_data(self, data):
        if self._cells and not self._skip:
            self._cells[-1] += data


def claims_shown(nb) -> list[tuple[str, ...]]:
    """(statement, check, verdict) of every claim the notebook's outputs show in a claims
    table, read back from the markup :func:`claims_table` writes: ``bilateral verify``
    compares them with the results record."""
    parser = _ClaimRows()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            markup = out.get("data", {}).get("text/html")
            if markup:
                parser.feed("".join(markup) if isinstance(markup, list) else str(markup))
    return parser.rows


SCRIPTS = {"ru": "CYRILLIC", "uk": "CYRILLIC", "zh": "CJK"}
"""The script each source language is written in, as Unicode names its letters."""


def lang_attr(text: str, language: str) -> str:
    """`` lang="ru"`` when ``text`` is written in its source's language (a letter of that
    language's script in it), else "": a Russian source's title given in English is
    English. Screen readers and the PDF's tags (/Lang) read it in that language."""
    script = SCRIPTS.get(language.split("-")[0].lower()) if language else None
    if script and any(unicodedata.name(c, "").startswith(script) for c in text):
        return f' lang="{_e(language)}"'
    return ""


def sources_list(ds: Dataset, figure_ids: Iterable[str] | None = None) -> HTML:
    """Every source behind ``figure_ids`` (all sources when None), with its address."""
    if figure_ids is None:
        ids = list(ds.sources)
    else:
        ids = []
        for fid in figure_ids:
            sid = ds[fid].source_id
            if sid not in ids:
                ids.append(sid)
    items = []
    for sid in ids:
        s = ds.sources[sid]
        link = (f' <a href="{_e(s.url)}">{_e(s.url)}</a>' if s.url
                else " <span class=\"nourl\">(no address recorded)</span>")
        extra = f" {_e(s.note)}" if s.note else ""
        conf = f" Confidence: {_e(s.confidence)}." if s.confidence else ""
        title = f"<span{lang_attr(s.title, s.language)}>{_e(s.title)}</span>"
        items.append(f'<li id="src-{_e(sid)}"><span class="sid">[{_e(sid)}]</span> '
                     f"{_e(s.publisher)}, “{title}”, {s.date.isoformat()}.{link}"
                     f"{conf}{extra}</li>")
    return HTML(f'{lab_style("sources")}<ol class="sources">' + "".join(items) + "</ol>")


def title_block(title: str, subtitle: str, ds: Dataset, params: dict) -> HTML:
    """The report's heading: title, subtitle, source article, parameters, data fingerprint."""
    article = ds.article
    address = f" (<code>{_e(article.url)}</code>)" if article.url else ""
    plist = "".join(f"<li><code>{_e(k)}</code> = <code>{_e(repr(v))}</code></li>"
                    for k, v in params.items())
    return HTML(
        f'<header class="title-block">{lab_style("title")}<h1>{_e(title)}</h1>'
        f'<p class="subtitle">{_e(subtitle)}'
        f'</p><dl><dt>Article</dt><dd>{_e(article.publisher)}, {article.date.isoformat()}: '
        f"{_e(article.title)}{address}</dd><dt>Data</dt><dd>{len(ds.files)} files, fingerprint "
        f"<code>{ds.fingerprint}</code>, as of {ds.as_of.isoformat()} (newest source)</dd>"
        f'<dt>Parameters</dt><dd><ul class="params">{plist}</ul></dd></dl></header>')
