"""Words from numbers: every sentence, caption, title and alt text of the reports.

Each function takes computed results (from :mod:`bilateral.report.analysis.trade`,
:mod:`bilateral.report.analysis.tourism`, :mod:`bilateral.report.claims`) and returns
text whose every
number, year and comparison word is derived from them, so a report rebuilt on other
data or parameters says only what its numbers say. Paragraphs are
:class:`markupsafe.Markup`: the template is trusted, every value filled in is
escaped. Nothing here needs a kernel, so the wording is tested directly, with
properties over generated data (``tests/test_story_properties.py``).
"""

from __future__ import annotations

from bilateral.report.story import tourism, trade, words
from bilateral.report.story.markup import strong, text_of

__all__ = ["tourism", "trade", "words", "strong", "text_of"]
