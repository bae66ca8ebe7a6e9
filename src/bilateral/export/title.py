"""A notebook's title: its ``metadata.title``, else a heading it opens with, else its file
name.

Stock nbconvert takes ``metadata.title``, else the file name. A notebook that opens with a
heading (the first thing in its first cell shown, as most tutorials do) is titled by that
heading; any other notebook by its file name: a notebook that opens with bold text or a
paragraph and has "## Setup" further down is not titled "Setup".
"""

from __future__ import annotations

import re

_ATX = re.compile(r"^\s{0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)[ \t]*$")
_HTML_HEADING = re.compile(r"^\s*<h[1-6][^>]*>(.*?)</h[1-6]>", re.I | re.S)
_INVISIBLE = re.compile(r"^\s*(?:<!--.*?-->|<a\s[^>]*>\s*</a>)\s*", re.S | re.I)
_REMOVED = frozenset({"remove-cell", "remove_cell"})


def _shown(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return not (isinstance(tags, list) and _REMOVED & {t for t in tags if isinstance(t, str)})


def leading_heading(nb) -> str:
    """The text of the heading (ATX, setext or HTML) the notebook opens with: the first
    thing of its first non-empty cell that is shown (blank lines, HTML comments and empty
    anchors aside), or "" when the notebook opens with anything else."""
    for cell in nb.cells:
        source = cell.get("source")
        if not isinstance(source, str) or not source.strip() or not _shown(cell):
            continue
        if cell.get("cell_type") != "markdown":
            return ""
        text = source
        while True:  # what a reader does not see before the first line
            m = _INVISIBLE.match(text)
            if not m or not m.group(0):
                break
            text = text[m.end():]
        m = _HTML_HEADING.match(text)
        if m:
            return _plain(m.group(1))
        lines = text.lstrip("\n").splitlines()
        if not lines:
            return ""
        m = _ATX.match(lines[0])
        if m:
            return _plain(m.group(1))
        if len(lines) > 1 and lines[0].strip() and _SETEXT.match(lines[1]) \
                and not lines[0].lstrip().startswith(("-", "*", "+", ">")):
            return _plain(lines[0])
        return ""
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
    """The notebook's ``metadata.title``, else the heading it opens with, else ``name``."""
    title = nb.metadata.get("title")
    if isinstance(title, str) and title.strip():
        return " ".join(title.split())
    return leading_heading(nb) or name or "Notebook"
