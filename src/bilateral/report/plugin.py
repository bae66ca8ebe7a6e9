"""The report as the build engine sees it: registered under the entry point group
``bilateral.analyses`` (see :mod:`bilateral.core.analyses`).

Every method imports what it needs when it is called, so that finding the analysis costs
the engine nothing (a build with nothing to do reads only :meth:`Report.data_files`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class Report:
    """The trade and tourism report: its data folder, checks and results record."""

    checks = frozenset({"trade", "tourism"})

    def data_files(self, folder: Path) -> list[Path]:
        from bilateral.report.data.figures import data_files

        return data_files(folder)

    def load(self, folder: Path):
        from bilateral.report import claims
        from bilateral.report.data.figures import load

        data = load(folder)
        claims.validate(data, self.checks)
        return data

    def preflight(self, checks: str, data, values: dict[str, Any], notebook: str) -> None:
        from bilateral.report import preflight

        preflight.check(checks, data, values, notebook)

    def title(self, checks: str, data) -> str | None:
        """"China–Russia trade in CGTN's article of 16 May 2024": the notebook's own
        title names no article; the data does."""
        from bilateral.report import story

        words = {"trade": story.trade, "tourism": story.tourism}.get(checks)
        return words.title(data) if words is not None and data.figures else None

    def leaves_out(self, checks: str, data) -> str | None:
        """A report whose topic the article's claims never touch is left out: filling it
        with another article's words would say something false."""
        if not data.claims or checks in data.topics():
            return None
        from bilateral.report.story.words import article_name

        return (f"{article_name(data.article)} makes no claim about {checks} (its claims "
                f"are about {', '.join(data.topics())})")

    def claims_shown(self, notebook) -> list[tuple[str, ...]]:
        """(statement, check, verdict) of each claim an executed notebook shows."""
        from bilateral.report.jupyter.present import claims_shown

        return claims_shown(notebook)

    def record(self, checks: str, data, values: dict[str, Any], **kwargs) -> dict[str, Any]:
        from bilateral.report import record

        return record.record(checks, data, values, **kwargs)


ANALYSIS = Report()
