"""Tables too wide for the page, made to fit it before the PDF is laid out.

A screen scrolls a wide table; a page cannot. No value of a table's cells and no word of
its headers is ever broken inside: a table whose columns, at the width their longest
unbroken words need (measured with the advance widths of the DejaVu Sans fonts the page
sets tables in), add up to more than the text block is first set a little smaller (down
to ``MIN_SCALE`` of its size); if that is not enough, it is split into blocks of columns
that each fit, the index columns (the leading header cells of the body rows, as pandas
writes them) repeated in every block, each block headed "Columns a–b of n" — as pandas
itself wraps a wide frame when it prints one. Cells wrap only at spaces (the tables are
marked ``fits``). Only a column whose one word is wider than the whole text block, or a
table kept whole (``split=False``), wraps inside its words (marked ``break-anywhere``), so
that no character leaves the page.

Markup nested deeper than the layout engine can follow (:func:`limit_nesting`): what lies
deeper than ``MAX_DEPTH`` elements is shown as plain text after a visible note, and flex
and grid boxes nested deeper than ``MAX_FLEX`` are set as blocks.
"""

from __future__ import annotations

import copy
import functools
import re

PAGE_WIDTH_PT = {"A4": 595.28, "letter": 612.0}
MARGINS_PT = 2 * 18 / 25.4 * 72
"""The left and right margins of ``@page`` in report.css (18 mm each)."""
FONT_PT = 8.0
"""Tables' font size in print (0.8rem of a 10 pt page)."""
OUTPUT_FONT_PT = 7.5
"""An HTML output's tables (DataFrames): 0.75rem (notebook.css)."""
CHAR_EM = 0.62
FALLBACK_EM = 1.0
"""The advance of a character the DejaVu fonts lack (CJK: a full em), and of every
character when the fonts cannot be read."""
PAD_PT = 9.0 + 1.0
"""Horizontal padding of a cell, both sides (0.45rem each in notebook.css), and a point
for borders and rounding."""
SLACK = 0.97
"""The share of the text block a table is planned to fill: room for kerning and rounding."""
MIN_SCALE = 0.8
FIT_CLASS = "fits"
BREAK_CLASS = "break-anywhere"


@functools.lru_cache(maxsize=2)
def _advances(bold: bool) -> dict[int, float]:
    """Each character's advance width in em, in DejaVu Sans (Bold), the fonts tables are
    set in; empty when the font cannot be found or read."""
    import subprocess

    try:
        path = subprocess.run(
            ["fc-match", "-f", "%{file}", "DejaVu Sans:bold" if bold else "DejaVu Sans"],
            capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        from fontTools.ttLib import TTFont

        # What fontconfig gives for the name is what WeasyPrint (Pango) lays tables in.
        font = TTFont(path, lazy=True)
        metrics, upm = font["hmtx"].metrics, font["head"].unitsPerEm
        return {c: metrics[g][0] / upm for c, g in font.getBestCmap().items()}
    except Exception:  # no fontconfig, no font: the fallback advance, erring wide
        return {}


def text_em(text: str, bold: bool = False) -> float:
    """The width of ``text`` on one line, in em of DejaVu Sans (Bold)."""
    advances = _advances(bold)
    if not advances:
        return len(text) * FALLBACK_EM
    return sum(advances.get(ord(ch), FALLBACK_EM) for ch in text)


MAX_COLUMNS = 1000
"""The widest a table's layout is followed, in columns."""


def _int(value, fallback: int = 1) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return fallback


def _rows(table):
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _cells(tr):
    return tr.find_all(["td", "th"], recursive=False)


def _layout(table):
    """Each row's cells with their first column and span; the number of columns."""
    taken: set[tuple[int, int]] = set()
    placed = []
    rows = _rows(table)
    for r, tr in enumerate(rows):
        c, row = 0, []
        for cell in _cells(tr):
            while (r, c) in taken:
                c += 1
            # A span reaches no further down than the table's last row, and a row no
            # wider than MAX_COLUMNS: a few cells of colspan=rowspan=1000 would otherwise
            # mark millions of places.
            span = min(_int(cell.get("colspan")), max(1, MAX_COLUMNS - c))
            down = min(_int(cell.get("rowspan")), len(rows) - r)
            for dr in range(down):
                for dc in range(span):
                    taken.add((r + dr, c + dc))
            row.append((cell, c, span))
            c += span
        placed.append(row)
    columns = max((c for _, c in taken), default=-1) + 1
    return placed, columns


_BOLD = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)


def _need(cell) -> float:
    """The cell's min-content width, in em: its widest word (white space is where a cell
    may wrap), or all of it when it may not wrap."""
    text = cell.get_text(" ")
    style = (cell.get("style") or "").replace(" ", "").lower()
    bold = cell.name == "th" or bool(_BOLD.search(style)) or cell.find(["b", "strong"]) \
        is not None
    if "white-space:nowrap" in style or "num" in (cell.get("class") or []):
        return text_em(" ".join(text.split()), bold)
    return max((text_em(w, bold) for w in text.split()), default=0.0)


def _widths(placed, columns, font_pt: float) -> list[float]:
    """Each column's min-content width in pt: (text width, padding)."""
    widths = [0.0] * columns
    for row in placed:
        for cell, c, span in row:
            need = _need(cell) * font_pt
            if span == 1:
                widths[c] = max(widths[c], need)
            else:  # spread over its columns
                for k in range(c, min(c + span, columns)):
                    widths[k] = max(widths[k], need / span)
    return widths


def _stub(placed, columns) -> int:
    """Index columns: the leading ``th`` cells of the first body row."""
    for row in placed:
        if row and row[0][0].name == "th" and row[0][0].find_parent("thead") is None:
            n = 0
            for cell, c, span in row:
                if cell.name != "th" or c != n:
                    break
                n += span
            return n if n < columns else 0
        if row and row[0][0].find_parent("thead") is None:
            return 0
    return 0


def _blocks(widths, stub, room) -> list[tuple[int, int]]:
    """Column ranges after the stub, each fitting ``room`` beside the stub (``widths``
    include the padding); a column that does not fit even alone is a block of its own."""
    left = room - sum(widths[:stub])
    blocks, start, used = [], stub, 0.0
    for k in range(stub, len(widths)):
        if used + widths[k] > left and k > start:
            blocks.append((start, k))
            start, used = k, 0.0
        used += widths[k]
    blocks.append((start, len(widths)))
    return blocks


def _part(soup, table, placed, keep: set[int], first: bool):
    """A copy of ``table`` with only the columns ``keep``."""
    part = copy.copy(table)
    for (row, tr) in zip(placed, _rows(part)):
        for (_, c, span), cell in zip(row, _cells(tr)):
            n = len(keep.intersection(range(c, c + span)))
            if not n:
                cell.decompose()
            elif n != span:
                cell["colspan"] = str(n)
    if not first:
        for caption in part.find_all("caption"):
            if caption.find_parent("table") is part:
                caption.decompose()
    for attr in ("id",):
        if attr in part.attrs and not first:
            del part[attr]
    return part


LONG_RUN = 60
"""A run of this many characters without a space may not fit a line of a ``pre`` block."""
_PRE = re.compile(r"<pre\b([^>]*)>(.*?)</pre>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_RUN = re.compile(r"\S{" + str(LONG_RUN) + ",}")


def mark_long_words(html: str) -> str:
    """``html`` with each ``pre`` block that holds a run of ``LONG_RUN`` characters or more
    without a space marked ``break-anywhere`` (``word-break: break-all`` in print).

    WeasyPrint does not break a long word that follows another inline box on its line
    (``overflow-wrap: anywhere`` is not applied there), so such a block must break at any
    character; the others keep the cheaper, word-wise wrapping.
    """
    from html import unescape

    def mark(m: re.Match) -> str:
        attrs, body = m.group(1), m.group(2)
        if not _RUN.search(unescape(_TAG.sub("", body))):
            return m.group(0)
        c = re.search(r'\bclass="([^"]*)"', attrs)
        attrs = (attrs[:c.start(1)] + c.group(1) + " break-anywhere" + attrs[c.end(1):]
                 if c else attrs + ' class="break-anywhere"')
        return f"<pre{attrs}>{body}</pre>"

    return _PRE.sub(mark, html)


# nbconvert's highlight filter writes class=" highlight hl-ipython3" (a leading space).
_HIGHLIGHT = re.compile(r'<div class="[^"]*\bhighlight\b[^"]*">.*?</div>', re.S)
_TOKEN_SPAN = re.compile(r'<span class="([\w-]+)">([^<]*)</span>')


def lean_code(html: str, style: str = "default") -> str:
    """``html`` with the spans of highlighted code that the pygments ``style`` leaves
    unstyled (names, punctuation) and those holding only white space unwrapped: the same
    page with half the elements, which WeasyPrint lays out a third faster."""
    from pygments.formatters import HtmlFormatter

    styled = set(HtmlFormatter(style=style).class2style)

    def unwrap(m: re.Match) -> str:
        cls, text = m.group(1), m.group(2)
        return m.group(0) if cls in styled and text.strip() else text

    return _HIGHLIGHT.sub(lambda m: _TOKEN_SPAN.sub(unwrap, m.group(0)), html)


def _add_class(tag, name: str) -> None:
    classes = list(tag.get("class") or [])
    if name not in classes:
        tag["class"] = classes + [name]


def _no_empty_row_groups(table) -> None:
    """PDF/UA for tables with no data rows (an empty DataFrame: ``<thead>`` with the
    column names, ``<tbody></tbody>``): WeasyPrint tags an empty row group as a TBody
    inside a TBody, and a THead with no TBody beside it is refused too. The empty group
    goes (it shows nothing), and a header left alone becomes the table's body: a row of
    TH cells, as the page shows it."""
    groups = table.find_all(("thead", "tbody", "tfoot"), recursive=False)
    for group in groups:
        if group.find("tr") is None:
            group.decompose()
    left = table.find_all(("thead", "tbody", "tfoot"), recursive=False)
    if left and all(g.name == "thead" for g in left) and \
            table.find("tr", recursive=False) is None:
        for group in left:
            group.name = "tbody"


def fit_tables(html: str, paper: str = "A4", split: bool = True) -> str:
    """``html`` with each table marked ``fits`` (its cells wrap only at spaces), set
    smaller or split into column blocks when its unbroken words do not fit the text block
    side by side; marked ``break-anywhere`` where nothing else fits. The same string when
    there is no table."""
    if "<table" not in html:
        return html
    from bs4 import BeautifulSoup

    room = (PAGE_WIDTH_PT.get(paper, PAGE_WIDTH_PT["A4"]) - MARGINS_PT) * SLACK
    soup = BeautifulSoup(html, "html.parser")
    for table in soup.find_all("table"):
        _no_empty_row_groups(table)
        if table.find_parent("table") is not None or table.find_parent("head") is not None:
            continue
        placed, columns = _layout(table)
        font_pt = OUTPUT_FONT_PT if table.find_parent(class_="output_html") else FONT_PT
        text = _widths(placed, columns, font_pt)
        pads = PAD_PT * columns
        if sum(text) + pads <= room:
            _add_class(table, FIT_CLASS)
            continue
        scale = (room - pads) / sum(text) if room > pads else 0.0
        if scale >= MIN_SCALE or (not split and scale > 0):
            scale = max(scale, MIN_SCALE)
            style = (table.get("style") or "").rstrip("; ")
            table["style"] = (style + "; " if style else "") + \
                f"font-size: {font_pt * scale:.2f}pt"
            _add_class(table, FIT_CLASS if (room - pads) / sum(text) >= MIN_SCALE
                       else BREAK_CLASS)
            continue
        if not split or columns < 2:
            _add_class(table, BREAK_CLASS)
            continue
        widths = [w + PAD_PT for w in text]
        stub = _stub(placed, columns)
        blocks = _blocks(widths, stub, room)
        if len(blocks) < 2:
            _add_class(table, BREAK_CLASS)
            continue
        wrapper = soup.new_tag("div", attrs={"class": "table-split"})
        data_columns = columns - stub
        for i, (a, b) in enumerate(blocks):
            note = soup.new_tag("p", attrs={"class": "table-part-note"})
            first_col, last_col = a - stub + 1, b - stub
            note.string = ((f"Columns {first_col}\u2013{last_col}" if last_col > first_col
                            else f"Column {first_col}") + f" of {data_columns}"
                           + (" (continued)" if i else ""))
            holder = soup.new_tag("div", attrs={"class": "table-part"})
            holder.append(note)
            part = _part(soup, table, placed, set(range(stub)) | set(range(a, b)),
                         first=i == 0)
            fits = sum(widths[:stub]) + sum(widths[a:b]) <= room
            _add_class(part, FIT_CLASS if fits else BREAK_CLASS)
            holder.append(part)
            wrapper.append(holder)
        table.replace_with(wrapper)
    return str(soup)


# --- nesting ---------------------------------------------------------------------------------

MAX_DEPTH = 64
"""Elements nested deeper than this (counted from ``<html>``; the template's own take 8)
are laid out as plain text. WeasyPrint lays boxes out by recursion, 5 to 20 Python frames
for each level: a few hundred nested ``<div>``s, lists or tables (a notebook's HTML output
can hold any number) exceed Python's recursion limit and no PDF is made."""
MIN_DEPTH = 16
"""The least depth tried (:func:`bilateral.export.pdf`'s layout halves ``MAX_DEPTH`` while
WeasyPrint still runs out of recursion)."""
MAX_FLEX = 3
"""Flex and grid containers nested deeper than this (by their inline style) are laid out
as blocks: WeasyPrint lays a flex or grid container's content out several times, so the
time grows with a power of their nesting (8 nested flex boxes take seconds, 12 minutes)."""
NESTING_NOTE = "[Nested more than {depth} levels deep: what lies deeper is shown as plain text]"
_NOTE_CLASS = "nesting-note"

_VOID = frozenset("""area base basefont bgsound br col embed frame hr img input keygen link meta
param source track wbr""".split())
_RAW_TEXT = frozenset("script style xmp iframe noembed noframes noscript plaintext".split())
_NOT_SHOWN = frozenset("script style template head title".split())
_BLOCKS = frozenset("""address article aside blockquote br caption dd details div dl dt figcaption
figure footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody
td tfoot th thead tr ul""".split())
_NAMESPACES = {"http://www.w3.org/1999/xlink": "xlink:", "http://www.w3.org/XML/1998/namespace":
               "xml:", "http://www.w3.org/2000/xmlns/": "xmlns:"}
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>")
_FLEX = re.compile(r"display\s*:\s*(?:inline-)?(?:flex|grid)\b", re.I)
_BLOCK = "; display: block"


def _estimated_depth(html: str) -> int:
    """The nesting of ``html``'s tags, erring deep: an end tag closes only an element
    that is open, a ``<table>`` counts twice (its ``<tbody>``), and elements the HTML
    parser would close by themselves (a ``<p>`` or ``<li>`` without its end tag) stay
    open."""
    stack: list[str] = []
    deepest = 0
    for m in _TAG_TOKEN.finditer(html):
        name = m.group(2).lower()
        if m.group(1):
            if name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name):]
            continue
        if name in _VOID:
            continue
        stack.append(name)
        if name == "table":
            stack.append("")
        deepest = max(deepest, len(stack))
    return deepest + 3  # html, head or body, when the page leaves them out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attribute(name: str) -> str:
    if name.startswith("{"):
        uri, local = name[1:].split("}", 1)
        return _NAMESPACES.get(uri, "") + local
    return name


def _escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("\xa0", "&nbsp;")
    if attribute:
        return text.replace('"', "&quot;")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _serialize(root) -> str:
    """An HTML tree (tinyhtml5's) as HTML, without recursion (HTML5's serialization)."""
    import xml.etree.ElementTree as ET

    out = ["<!DOCTYPE html>"]
    todo: list = [(root, False, False)]
    while todo:
        el, closing, raw = todo.pop()
        if closing:
            out.append(f"</{_local(el.tag)}>")
            if el.tail:
                out.append(el.tail if raw else _escape(el.tail))
            continue
        if el.tag is ET.Comment:
            out.append(f"<!--{el.text or ''}-->")
        elif isinstance(el.tag, str):
            tag = _local(el.tag)
            attrs = "".join(f' {_attribute(k)}="{_escape(v, True)}"'
                            for k, v in el.attrib.items())
            out.append(f"<{tag}{attrs}>")
            if tag not in _VOID:
                text = el.text or ""
                if tag in ("pre", "textarea", "listing") and text.startswith("\n"):
                    text = "\n" + text
                out.append(text if tag in _RAW_TEXT else _escape(text))
                todo.append((el, True, raw))
                todo.extend((child, False, raw) for child in reversed(el))
                continue
        if el.tail:
            out.append(el.tail if raw else _escape(el.tail))
    return "".join(out)


def _plain_text(el) -> str:
    """The text inside ``el`` (not its tail), without recursion: blocks and line breaks
    as spaces, what is never shown (scripts, styles) left out."""
    import xml.etree.ElementTree as ET

    parts: list[str] = []
    todo: list = [child for child in reversed(el)]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item.tail:
            todo.append(item.tail)
        if item.tag is ET.Comment or not isinstance(item.tag, str):
            continue
        tag = _local(item.tag)
        if tag in _NOT_SHOWN or item.get("class") == _NOTE_CLASS:  # cut once already
            continue
        if tag in _BLOCKS:
            parts.append(" ")
            todo.append(" ")
        if tag == "img" and item.get("alt"):
            parts.append(f" [{item.get('alt')}] ")
        parts.append(item.text or "")
        todo.extend(reversed(list(item)))
    return " ".join("".join(parts).split())


def limit_nesting(html: str, depth: int = MAX_DEPTH, exact: bool = False
                  ) -> tuple[str, int, int]:
    """``html`` with what lies deeper than ``depth`` elements shown as plain text after a
    visible note (:data:`NESTING_NOTE`), and flex and grid containers nested deeper than
    :data:`MAX_FLEX` set as blocks; with the number of places cut and of containers
    changed. The same string when nothing is that deep (the common case, found from the
    tags alone unless ``exact``: then the page is parsed as WeasyPrint parses it)."""
    flex_styles = len(_FLEX.findall(html))
    if not exact and flex_styles <= MAX_FLEX and _estimated_depth(html) <= depth:
        return html, 0, 0
    try:
        import tinyhtml5  # WeasyPrint's HTML parser
    except ImportError:  # pragma: no cover - WeasyPrint then fails with its own error
        return html, 0, 0
    root = tinyhtml5.parse(html, namespace_html_elements=False)
    cut = boxed = 0
    todo = [(root, 1, 0)]
    while todo:
        el, level, flexes = todo.pop()
        style = el.get("style") or ""
        if flex_styles > MAX_FLEX and _FLEX.search(style) and not style.endswith(_BLOCK):
            flexes += 1
            if flexes > MAX_FLEX:
                el.set("style", f"{style.rstrip().rstrip(';')}{_BLOCK}")
                boxed += 1
        children = [c for c in el if isinstance(c.tag, str)]
        if level >= depth and children:
            text = _plain_text(el)
            for child in list(el):
                el.remove(child)
            note = el.makeelement("span", {"class": _NOTE_CLASS, "style":
                                           "font-style: italic; color: #555"})
            note.text = NESTING_NOTE.format(depth=depth)
            note.tail = " " + text if text else None
            el.append(note)
            cut += 1
            continue
        todo.extend((c, level + 1, flexes) for c in reversed(children))
    if not cut and not boxed:
        return html, 0, 0
    return _serialize(root), cut, boxed
