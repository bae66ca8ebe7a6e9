"""A notebook's title: its ``metadata.title``, else its first markdown heading."""

from __future__ import annotations

import re

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
