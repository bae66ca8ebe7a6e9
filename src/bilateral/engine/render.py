"""Render an executed notebook into HTML and PDF, within what is left of the target's time.

The exporters are :mod:`bilateral.export.html`'s and :mod:`bilateral.export.pdf`'s. A
notebook that is not the project's own (one given by path, or from another
``--notebooks-dir``) is rendered in sanitized mode: its markup is cleaned with an
allow-list, nothing in it runs or is fetched.
"""

from __future__ import annotations

from pathlib import Path

from bilateral.core.process import OutOfTime, deadline  # noqa: F401 - the build's imports
from bilateral.review.diff import RESULTS_SUFFIX


def _evidence(t, nb, name: str, settings: dict) -> dict:
    """What the PDF embeds: its results record, parameters, the executed notebook as it
    is rendered, the settings it is rendered with, and the data files."""
    import nbformat

    from bilateral.review import evidence, results

    rec = results.loads(t.results, f"{t.key} results")
    data = rec.get("data", {})
    folder = Path(t.run_parameters["data_dir"])
    return {"bilateral_evidence": evidence.evidence(
                t.results, evidence.parameters_json(rec.get("parameters", {})),
                nbformat.writes(nb).encode("utf-8"), evidence.rendering_json(name, settings),
                {rel: (folder / rel).read_bytes() for rel in data.get("files", [])}),
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
            resources.update(_evidence(t, nb, t.name, settings))
        pdf, res = WeasyPDFExporter(**settings).from_notebook_node(nb, dict(resources))
        (staging / f"{t.name}.pdf").write_bytes(pdf)
        pages = res["bilateral"]["pages"]
    return pages
