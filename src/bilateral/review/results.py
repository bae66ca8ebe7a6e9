"""One record of a report's results: ``results.json``, its format and its common part.

Every report's record holds its name, scenario, title, parameters and the versions of
the code and of the rendering packages. An analysis (:mod:`bilateral.core.analyses`)
adds what its report computed: for the project's report, every figure, value and
verdict (:mod:`bilateral.report.record`). The HTML, the PDF, ``bilateral diff`` and
``bilateral verify`` read this record and never re-parse text. Paths of the machine
that built it are never recorded.
"""

from __future__ import annotations

import json
import math
from typing import Any

SCHEMA = "bilateral-results/1"
"""The record's format; a reader refuses another."""

RENDERING_PACKAGES = ("bilateral", "papermill", "nbconvert", "nbformat", "weasyprint",
                      "matplotlib", "pydyf", "markupsafe")


def versions() -> dict[str, str]:
    """Installed versions of ``bilateral`` and the packages that render its reports; the
    digest of bilateral's own code (``bilateral code``) and, when it was installed from a
    git checkout, that checkout's commit (``bilateral commit``)."""
    from importlib import metadata

    from bilateral.core.code import code_digest, git_commit

    out = {}
    for name in RENDERING_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["bilateral code"] = code_digest()
    commit = git_commit()
    if commit:
        out["bilateral commit"] = commit
    return out


def number(x: float | None) -> float | None:
    """A number as JSON keeps it: rounded to 12 significant digits, so that two builds of
    the same inputs on two machines write the same bytes."""
    if x is None:
        return None
    if isinstance(x, bool) or not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    return float(f"{x:.12g}")


def common(params: dict[str, Any], *, report: str, scenario: str | None = None,
           title: str | None = None, versions_: dict[str, str] | None = None) -> dict[str, Any]:
    """The part of a record every report has: a notebook that no analysis knows has this
    alone. ``data_dir`` is left out of the parameters: it is a path of the machine, and
    the data's fingerprint says what was read."""
    return {
        "schema": SCHEMA,
        "report": report,
        "scenario": scenario,
        **({"title": title} if title else {}),
        "parameters": {k: v for k, v in sorted(params.items()) if k != "data_dir"},
        "versions": versions_ if versions_ is not None else versions(),
    }


def dumps(rec: dict[str, Any]) -> bytes:
    """The record as the bytes written to ``results.json``: sorted keys, UTF-8, one
    trailing newline, so equal records are equal files."""
    return (json.dumps(rec, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def loads(data: bytes, shown: str) -> dict[str, Any]:
    """Read a record, refusing anything that is not one (ValueError naming ``shown``)."""
    try:
        rec = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{shown}: not a results record ({exc})") from None
    if not isinstance(rec, dict) or rec.get("schema") != SCHEMA:
        raise ValueError(f"{shown}: not a results record (expected schema {SCHEMA!r})")
    return rec
