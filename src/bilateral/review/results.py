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
                      "matplotlib", "pydyf", "markupsafe", "jinja2", "mistune", "pygments",
                      "fonttools")

LIBRARIES = (("pango", ("libpango-1.0.so.0", "libpango-1.0.dylib"), "pango_version_string"),
             ("harfbuzz", ("libharfbuzz.so.0", "libharfbuzz.0.dylib"), "hb_version_string"))
"""The system libraries that lay out and shape text, and how to ask their version."""


def _library_versions() -> dict[str, str]:
    """Pango's and HarfBuzz's versions, and which font subsetter WeasyPrint uses
    (HarfBuzz-Subset when its library loads, else fontTools): both decide a PDF's bytes.
    Asked with ctypes, so that recording them costs no import of WeasyPrint."""
    import ctypes

    out = {}
    for key, names, call in LIBRARIES:
        out[key] = "not found"
        for name in names:
            try:
                fn = getattr(ctypes.CDLL(name), call)
            except (OSError, AttributeError):
                continue
            fn.restype = ctypes.c_char_p
            out[key] = fn().decode()
            break
    subset = "fonttools"
    for name in ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib"):
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        subset = "harfbuzz"
        break
    out["font subsetting"] = subset
    return out


def versions() -> dict[str, str]:
    """Installed versions of ``bilateral``, the packages and system libraries that render
    its reports; the digest of bilateral's own code (``bilateral code``) and of the part
    that renders (``bilateral renderer``); and, when it was installed from a git checkout,
    that checkout's commit (``bilateral commit``)."""
    from importlib import metadata

    from bilateral.core.code import code_digest, git_commit, renderer_digest

    out = {}
    for name in RENDERING_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out.update(_library_versions())
    out["bilateral code"] = code_digest()
    out["bilateral renderer"] = renderer_digest()
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
