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
    except RecursionError:
        raise ValueError(f"{shown}: not a results record (nested too deeply)") from None
    except ValueError as exc:  # not UTF-8, not JSON, an integer too long to convert
        raise ValueError(f"{shown}: not a results record ({exc})") from None
    if not isinstance(rec, dict) or rec.get("schema") != SCHEMA:
        raise ValueError(f"{shown}: not a results record (expected schema {SCHEMA!r})")
    return rec


# ------------------------------------------------------------------ records from outside

MAX_RECORD = 16 * 1024 * 1024
"""The largest record read from outside, in bytes: a report's record is tens of KB."""

MAX_DEPTH = 64
"""The deepest nesting of lists and objects a record read from outside may have: deeper
ones are refused before any comparison or output recurses through them."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(f"{text[:20]} is out of range")
    return x


def parse(data: bytes, shown: str) -> dict[str, Any]:
    """A record from outside (a file, a PDF's attachment): at most :data:`MAX_RECORD`
    bytes of UTF-8 JSON, finite numbers only, whose parts have the types
    :func:`validate` checks. Raises ValueError naming ``shown``."""
    if len(data) > MAX_RECORD:
        raise ValueError(f"{shown}: not a results record (larger than "
                         f"{MAX_RECORD // (1024 * 1024)} MiB)")
    try:
        rec = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant,
                         parse_float=_finite)
    except UnicodeDecodeError:
        raise ValueError(f"{shown}: not a results record (not UTF-8 text)") from None
    except RecursionError:
        raise ValueError(f"{shown}: not a results record (nested too deeply)") from None
    except ValueError as exc:  # json.JSONDecodeError, a number out of range
        raise ValueError(f"{shown}: not a results record ({exc})") from None
    if not isinstance(rec, dict) or rec.get("schema") != SCHEMA:
        raise ValueError(f"{shown}: not a results record (expected schema {SCHEMA!r})")
    return validate(rec, shown)


def _is_number(x: Any) -> bool:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(float(x))
    except OverflowError:  # an integer beyond any float
        return False


def _kind(x: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true or false",
            type(None): "null", int: "a number", float: "a number"}.get(type(x), "a value")


_TEXT = ("text", lambda x: isinstance(x, str))
_TEXT_OR_NULL = ("text or null", lambda x: x is None or isinstance(x, str))
_NUMBER_OR_NULL = ("a finite number or null", lambda x: x is None or _is_number(x))
_OBJECT = ("an object", lambda x: isinstance(x, dict))
_TEXTS = ("a list of texts", lambda x: isinstance(x, list)
          and all(isinstance(s, str) for s in x))
_DECIMALS = ("a whole number from -100 to 100", lambda x: isinstance(x, int)
             and not isinstance(x, bool) and -100 <= x <= 100)
_DATE = ("an ISO date or null", lambda x: x is None or (isinstance(x, str) and _iso(x)))


def _iso(text: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


TOP = {"report": _TEXT, "scenario": _TEXT_OR_NULL, "title": _TEXT_OR_NULL,
       "checks": _TEXT_OR_NULL, "parameters": _OBJECT, "versions": _OBJECT,
       "data": _OBJECT, "figures": _OBJECT, "values": _OBJECT, "claims": _OBJECT}
"""The record's parts that the review tools read, and the type each must have."""

ENTRIES = {
    "figures": {"value": _NUMBER_OR_NULL, "label": _TEXT, "unit": _TEXT,
                "decimals": _DECIMALS, "period": _TEXT_OR_NULL, "source_id": _TEXT_OR_NULL,
                "vintage": _TEXT_OR_NULL, "discrepancy": _TEXT_OR_NULL},
    "values": {"value": _NUMBER_OR_NULL, "lo": _NUMBER_OR_NULL, "hi": _NUMBER_OR_NULL,
               "unit": _TEXT},
    "claims": {"statement": _TEXT, "verdict": _TEXT, "check": _TEXT_OR_NULL,
               "figures": _TEXTS},
    "versions": None,
    "parameters": None,
}
"""Each entry of these parts is an object whose named fields, when present, have these
types (``versions``: each entry is text; ``parameters``: any JSON value)."""

REQUIRED = {"claims": ("statement", "verdict")}
"""Fields every entry of a part must have."""

DATA = {"fingerprint": _TEXT_OR_NULL, "as_of": _DATE, "files": _TEXTS}


def _depth(rec: Any) -> int:
    """The deepest nesting of ``rec``'s lists and objects, counted without recursion."""
    deepest, stack = 0, [(rec, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        stack += [(x, level + 1) for x in node if isinstance(x, (dict, list))]
    return deepest


def validate(rec: dict[str, Any], shown: str) -> dict[str, Any]:
    """``rec`` itself when every part ``diff``, ``verify`` and the index read has its
    type (see :data:`TOP`, :data:`ENTRIES`, :data:`DATA`); else ValueError naming
    ``shown`` and the first field that does not, so that a malformed record is refused
    as bad input rather than compared."""
    from bilateral.core.text import printable

    def bad(path: str, value: Any, want: str) -> ValueError:
        return ValueError(f"{shown}: not a results record: {printable(path, 120)} is "
                          f"{_kind(value)}, not {want}")

    if _depth(rec) > MAX_DEPTH:
        raise ValueError(f"{shown}: not a results record (nested more than {MAX_DEPTH} "
                         "levels deep)")
    for part, (want, ok) in TOP.items():
        if part in rec and not ok(rec[part]):
            raise bad(part, rec[part], want)
    for part, fields in ENTRIES.items():
        for key, entry in rec.get(part, {}).items():
            path = f"{part}.{key}"
            if part == "versions":
                if not isinstance(entry, str):
                    raise bad(path, entry, "text")
                continue
            if fields is None:
                continue
            if not isinstance(entry, dict):
                raise bad(path, entry, "an object")
            for name in REQUIRED.get(part, ()):
                if name not in entry:
                    raise ValueError(f"{shown}: not a results record: {printable(path, 120)} "
                                     f"has no {name}")
            for name, (want, ok) in fields.items():
                if name in entry and not ok(entry[name]):
                    raise bad(f"{path}.{name}", entry[name], want)
    for name, (want, ok) in DATA.items():
        data = rec.get("data", {})
        if name in data and not ok(data[name]):
            raise bad(f"data.{name}", data[name], want)
    return rec
