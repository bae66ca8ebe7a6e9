"""The two pieces of HTML the paragraphs use: bold values, and plain text for checks."""

from __future__ import annotations

from markupsafe import Markup


def strong(value: object) -> Markup:
    """``value`` escaped and set in bold."""
    return Markup("<strong>{}</strong>").format(value)


def text_of(markup: str) -> str:
    """The plain text of a paragraph: tags removed, entities decoded."""
    return Markup(markup).striptags()
