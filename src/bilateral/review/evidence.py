"""The evidence a report's PDF carries, as PDF/A-3 associated files, and reading it back.

A report embeds: ``results.json`` (its results record), ``parameters.json`` (every
parameter's value), ``notebook.ipynb`` (the *executed* notebook, exactly as it was
rendered into the PDF's pages), ``rendering.json`` (the exporter's settings), and each
data file it read, named ``data__<path>`` (``data__figures.csv``,
``data__context__tourism.csv``: a flat name that ``pdfdetach -saveall`` can write).
``bilateral verify`` recomputes the record from the data and parameters, and renders the
notebook again with the same settings and the same embedded files: the pages must come
out the same (:mod:`bilateral.review.pages`).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bilateral.core.errors import InputError
from bilateral.export.weasy import Evidence

RESULTS, PARAMETERS, NOTEBOOK, RENDERING, DATA_PREFIX = (
    "results.json", "parameters.json", "notebook.ipynb", "rendering.json", "data__")


def data_name(rel: str) -> str:
    """``context/tourism.csv`` → ``data__context__tourism.csv``."""
    return DATA_PREFIX + rel.replace("/", "__")


def data_path(name: str) -> str:
    """The inverse of :func:`data_name`."""
    return name[len(DATA_PREFIX):].replace("__", "/")


def parameters_json(parameters: dict[str, Any]) -> bytes:
    """``parameters.json``: every parameter but ``data_dir`` (a path of the machine)."""
    return (json.dumps({k: v for k, v in sorted(parameters.items()) if k != "data_dir"},
                       ensure_ascii=False, indent=1) + "\n").encode()


def rendering_json(name: str, settings: dict[str, Any]) -> bytes:
    """``rendering.json``: the document's name and the exporter's settings, what the
    notebook alone does not say about how its pages were made."""
    return (json.dumps({"name": name, "settings": dict(sorted(settings.items()))},
                       ensure_ascii=False, indent=1) + "\n").encode()


def evidence(results: bytes, parameters: bytes, notebook: bytes, rendering: bytes,
             data: dict[str, bytes]) -> tuple[Evidence, ...]:
    """The files a report's PDF embeds, in the order it embeds them; ``data`` maps each
    data file's path (relative to the data folder) to its bytes."""
    out = [Evidence(RESULTS, results, "Every figure, computed value and verdict of this "
                    "report, with its parameters, data fingerprint and versions", "Data"),
           Evidence(PARAMETERS, parameters, "The parameters this report was built with",
                    "Data"),
           Evidence(NOTEBOOK, notebook, "The executed notebook these pages were rendered "
                    "from", "Source"),
           Evidence(RENDERING, rendering, "The settings these pages were rendered with",
                    "Data")]
    out += [Evidence(data_name(rel), blob, f"Data file {rel} this report read", "Source")
            for rel, blob in data.items()]
    return tuple(out)


def date_of(as_of: str | None) -> datetime | None:
    """The date the embedded files carry: the data's own date, never the clock."""
    if not as_of:
        return None
    return datetime.fromisoformat(as_of).replace(tzinfo=timezone.utc)


class NoEvidenceError(InputError):
    """The file is not a PDF, or carries no evidence. Exit code 2."""


def read(pdf: Path) -> dict[str, bytes]:
    """Every associated file of ``pdf``, by name. Raises NoEvidenceError when it is not a
    PDF or holds no ``results.json``."""
    import pikepdf

    try:
        with pikepdf.open(pdf) as doc:
            files = {name: spec.get_file().read_bytes()
                     for name, spec in doc.attachments.items()}
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise NoEvidenceError(f"{pdf}: not a readable PDF ({str(exc).splitlines()[0]})") from None
    if RESULTS not in files:
        raise NoEvidenceError(f"{pdf}: carries no evidence (no embedded {RESULTS}); only PDFs "
                         "built by bilateral build do")
    return files
