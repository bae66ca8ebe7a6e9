"""Render an executed notebook into HTML and PDF, within what is left of the target's time.

The exporters are :mod:`bilateral.export.html`'s and :mod:`bilateral.export.pdf`'s. A
notebook that is not the project's own (one given by path, or from another
``--notebooks-dir``) is rendered in sanitized mode: its markup is cleaned with an
allow-list, nothing in it runs or is fetched.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from bilateral.review.diff import RESULTS_SUFFIX


class OutOfTime(BaseException):
    """The target's time ran out while it was being rendered. A BaseException, like
    KeyboardInterrupt, so that no library's ``except Exception`` swallows it."""


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Raise OutOfTime in the body when the clock passes ``at`` (SIGALRM; main thread)."""
    left = at - time.monotonic()
    if left <= 0:
        raise OutOfTime()

    def _expired(signum, frame):
        raise OutOfTime()

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, left)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _evidence(t) -> dict:
    """What the PDF embeds: its results record, parameters, notebook and data files."""
    from bilateral.review import evidence, results

    rec = results.loads(t.results, f"{t.key} results")
    data = rec.get("data", {})
    return {"bilateral_evidence": evidence.evidence(
                t.results, rec.get("parameters", {}), t.evidence_source,
                Path(t.run_parameters["data_dir"]), data.get("files", [])),
            "bilateral_evidence_date": evidence.date_of(data.get("as_of"))}


def render(nb, t, staging: Path, opts, report_date: str) -> int | None:
    """Write the HTML and PDF of an executed notebook into ``staging``; return the page
    count of the PDF."""
    from bilateral.export.html import ReportHTMLExporter
    from bilateral.export.pdf import WeasyPDFExporter

    settings = dict(show_code=opts.show_code, paper=opts.paper.lower(), report_date=report_date,
                    sanitize=not t.trusted)
    pages = None
    if t.titled_by_data:  # the documents' title and running header name the data's article
        nb.metadata["title"] = t.title
    resources = {"metadata": {"name": t.name, "path": str(t.source.parent.resolve())}}
    if "html" in t.formats:
        html, _ = ReportHTMLExporter(**settings).from_notebook_node(nb, dict(resources))
        (staging / f"{t.name}.html").write_text(html, encoding="utf-8")
    if t.results is not None:
        (staging / f"{t.name}{RESULTS_SUFFIX}").write_bytes(t.results)
    if "pdf" in t.formats:
        if t.results is not None:
            resources.update(_evidence(t))
        pdf, res = WeasyPDFExporter(**settings).from_notebook_node(nb, dict(resources))
        (staging / f"{t.name}.pdf").write_bytes(pdf)
        pages = res["bilateral"]["pages"]
    return pages
