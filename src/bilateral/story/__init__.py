"""Words from numbers: every sentence, caption, title and alt text of the reports.

Each function takes computed results (from :mod:`bilateral.trade`,
:mod:`bilateral.tourism`, :mod:`bilateral.claims`) and returns text whose every
number, year and comparison word is derived from them, so a report rebuilt on other
data or parameters says only what its numbers say. Paragraphs are
:class:`markupsafe.Markup`: the template is trusted, every value filled in is
escaped. Nothing here needs a kernel, so the wording is tested directly, with
properties over generated data (``tests/test_story_properties.py``).
"""

from __future__ import annotations

from . import tourism, trade, words
from .markup import strong, text_of

__all__ = ["tourism", "trade", "words", "strong", "text_of"]
