"""Tables too wide for the page, made to fit it before the PDF is laid out.

A screen scrolls a wide table; a page cannot. A table whose columns, at the width their
longest words need, add up to more than the text block is first set a little smaller
(down to ``MIN_SCALE`` of its size); if that is not enough, it is split into blocks of
columns that each fit, the index columns (the leading header cells of the body rows, as
pandas writes them) repeated in every block, each block headed "Columns a–b of n" — as
pandas itself wraps a wide frame when it prints one. What still does not fit wraps inside
its cells (the print rules of ``notebook.css``), so no character leaves the page.

The widths are estimates from character counts (DejaVu Sans advances about 0.62 em per
character), erring wide.
"""

from __future__ import annotations

import copy
import re

PAGE_WIDTH_PT = {"A4": 595.28, "letter": 612.0}
MARGINS_PT = 2 * 18 / 25.4 * 72
"""The left and right margins of ``@page`` in report.css (18 mm each)."""
FONT_PT = 8.0
"""Tables' font size in print (0.8rem of a 10 pt page; DataFrames are set at 0.75rem)."""
CHAR_EM = 0.62
PAD_PT = 9.0
"""Horizontal padding of a cell, both sides (0.45rem each in notebook.css)."""
WORD_CAP = 24
"""A longer word wraps inside its cell anyway: it is counted as this many characters."""
MIN_SCALE = 0.8


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
    for r, tr in enumerate(_rows(table)):
        c, row = 0, []
        for cell in _cells(tr):
            while (r, c) in taken:
                c += 1
            span, down = _int(cell.get("colspan")), _int(cell.get("rowspan"))
            for dr in range(down):
                for dc in range(span):
                    taken.add((r + dr, c + dc))
            row.append((cell, c, span))
            c += span
        placed.append(row)
    columns = max((c for _, c in taken), default=-1) + 1
    return placed, columns


def _need(cell) -> int:
    """Characters the cell needs on one line: its longest word, or all of it when it may
    not wrap."""
    text = cell.get_text(" ")
    style = (cell.get("style") or "").replace(" ", "").lower()
    if "white-space:nowrap" in style or "num" in (cell.get("class") or []):
        return min(len(text.strip()), 3 * WORD_CAP)
    return min(max((len(w) for w in text.split()), default=0), WORD_CAP)


def _widths(placed, columns) -> list[float]:
    widths = [0.0] * columns
    for row in placed:
        for cell, c, span in row:
            need = _need(cell) * CHAR_EM * FONT_PT + PAD_PT
            if span == 1:
                widths[c] = max(widths[c], need)
            else:  # spread over its columns
                for k in range(c, min(c + span, columns)):
                    widths[k] = max(widths[k], need / span)
    return [max(w, PAD_PT + FONT_PT * CHAR_EM) for w in widths]


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


def _blocks(widths, stub, room) -> list[tuple[int, int]] | None:
    """Column ranges after the stub, each fitting ``room`` beside the stub; None when even
    one column does not."""
    left = room - sum(widths[:stub])
    blocks, start, used = [], stub, 0.0
    for k in range(stub, len(widths)):
        if widths[k] > left:
            return None
        if used + widths[k] > left:
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


def fit_tables(html: str, paper: str = "A4", split: bool = True) -> str:
    """``html`` with each table too wide for the text block set smaller or split into
    column blocks; the same string when every table fits."""
    if "<table" not in html:
        return html
    from bs4 import BeautifulSoup

    room = PAGE_WIDTH_PT.get(paper, PAGE_WIDTH_PT["A4"]) - MARGINS_PT
    soup = BeautifulSoup(html, "html.parser")
    changed = False
    for table in soup.find_all("table"):
        if table.find_parent("table") is not None or table.find_parent("head") is not None:
            continue
        placed, columns = _layout(table)
        if columns < 2:
            continue
        widths = _widths(placed, columns)
        total = sum(widths)
        if total <= room:
            continue
        changed = True
        if total * MIN_SCALE <= room or not split:
            scale = max(room / total, MIN_SCALE)
            style = (table.get("style") or "").rstrip("; ")
            table["style"] = (style + "; " if style else "") + \
                f"font-size: {FONT_PT * scale:.2f}pt"
            continue
        stub = _stub(placed, columns)
        blocks = _blocks(widths, stub, room)
        if blocks is None or len(blocks) < 2:
            continue
        wrapper = soup.new_tag("div", attrs={"class": "table-split"})
        data_columns = columns - stub
        for i, (a, b) in enumerate(blocks):
            note = soup.new_tag("p", attrs={"class": "table-part-note"})
            note.string = (f"Columns {a - stub + 1}\u2013{b - stub} of {data_columns}"
                           + (" (continued)" if i else ""))
            holder = soup.new_tag("div", attrs={"class": "table-part"})
            holder.append(note)
            holder.append(_part(soup, table, placed, set(range(stub)) | set(range(a, b)),
                                first=i == 0))
            wrapper.append(holder)
        table.replace_with(wrapper)
    return str(soup) if changed else html
