"""What changed between two results records, most important first.

Order: verdicts, then the data's figures, then parameters and the data's fingerprint,
then computed values, then versions. Each change is (section, key, old, new); a key
present on one side only has ``None`` on the other.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from bilateral.core.text import printable

SECTIONS = ("compared", "evidence", "report", "verdict", "figure", "parameter", "data",
            "value", "statement", "record", "version")
"""The kinds of change, in the order they are listed."""


FIGURE_FIELDS = ("label", "period", "unit", "decimals", "vintage", "discrepancy", "source_id")
"""What else of a figure a change is listed for, beside its value: a figure that keeps its
value but moves to another year, unit, precision or source is another figure."""


@dataclass(frozen=True)
class Change:
    report: str
    section: str
    key: str
    old: Any
    new: Any
    label: str = ""
    """What a reader calls it: a figure's label, a claim's statement."""
    unit: str = ""


UNIT_WORDS = {"usd_bn": "USD bn", "percent": "%", "people": "people", "entries": "entries",
              "count": "", "years": "years", "times": "×", "year": "", "decimals": "decimals"}


_PRECISION = 512
"""Significant digits of the arithmetic that rounds two numbers to their printed decimals:
309 for the largest float, and the most decimals a record may name."""


def _same_printed(a: Any, b: Any, decimals: int | None = None) -> bool:
    """Do two numbers print the same: at ``decimals`` (rounded half away from zero, as the
    reports print), else at the six significant digits a diff shows? A change below what
    is printed is no change to a reader."""
    from decimal import ROUND_HALF_UP, Decimal, localcontext

    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
        return a == b
    if decimals is not None:
        q = Decimal(1).scaleb(-int(decimals))
        # Enough digits for any finite float at any precision a record may name (see
        # results.validate): a quantized number never runs out of precision.
        with localcontext(prec=_PRECISION):
            return (Decimal(repr(float(a))).quantize(q, rounding=ROUND_HALF_UP)
                    == Decimal(repr(float(b))).quantize(q, rounding=ROUND_HALF_UP))
    return _show(a) == _show(b)


def _pairs(old: dict, new: dict):
    for key in sorted(set(old) | set(new)):
        yield key, old.get(key), new.get(key)


CLAIM_FIELDS = ("statement", "check", "figures")
"""What of a claim, beside its verdict, a change is listed for."""

KNOWN = {"claims": ("verdict",) + CLAIM_FIELDS, "figures": ("value",) + FIGURE_FIELDS,
         "values": ("value", "lo", "hi", "unit"), "data": ("fingerprint", "as_of", "files"),
         "parameters": None, "versions": None}
"""The record's parts compared field by field above; every other field, at any depth, is
compared by :func:`_rest`, so that no difference between two records goes unlisted."""


def _interval(entry: dict) -> list | None:
    return None if "lo" not in entry else [entry.get("lo"), entry.get("hi")]


def _rest(name: str, old: dict, new: dict) -> list[Change]:
    """Differences in the fields no section above compares: the title, the schema, a
    field a newer record adds. Listed under "record" by their path (``title``,
    ``claims.q1_growth.note``)."""
    out = []
    for key, a, b in _pairs(old, new):
        if key in KNOWN and isinstance(a, dict) and isinstance(b, dict):
            fields = KNOWN[key]
            if fields is None:
                continue
            if key == "data":
                a, b = {"": a}, {"": b}
            for entry, x, y in _pairs(a, b):
                if isinstance(x, dict) and isinstance(y, dict):
                    for f, u, v in _pairs(x, y):
                        if f not in fields and u != v:
                            path = ".".join(p for p in (key, entry, f) if p)
                            out.append(Change(name, "record", path, u, v))
        elif a != b and key not in KNOWN:
            out.append(Change(name, "record", key, a, b))
    return out


def _value(entry: dict | None) -> Any:
    return None if entry is None else entry.get("value")


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every difference between two records of the same report."""
    name = new.get("report") or old.get("report") or "?"
    if new.get("scenario") or old.get("scenario"):
        name += f" [{new.get('scenario') or old.get('scenario')}]"
    out: list[Change] = []
    oc, nc = old.get("claims", {}), new.get("claims", {})
    for key, a, b in _pairs(oc, nc):
        if (a or {}).get("verdict") != (b or {}).get("verdict"):
            out.append(Change(name, "verdict", key, (a or {}).get("verdict"),
                              (b or {}).get("verdict"),
                              (b or a or {}).get("statement", "")))
    for key, a, b in _pairs(old.get("figures", {}), new.get("figures", {})):
        either = b or a or {}
        label, unit = either.get("label", ""), either.get("unit", "")
        decimals = min((x.get("decimals", 99) for x in (a, b) if x), default=None)
        if a is None or b is None or not _same_printed(_value(a), _value(b), decimals):
            out.append(Change(name, "figure", key, _value(a), _value(b), label, unit))
        if a is not None and b is not None:
            for field in FIGURE_FIELDS:
                if a.get(field) != b.get(field):
                    out.append(Change(name, "figure", f"{key} ({field})", a.get(field),
                                      b.get(field), f"{label}: {field}" if label else ""))
    for key, a, b in _pairs(old.get("parameters", {}), new.get("parameters", {})):
        if a != b:
            out.append(Change(name, "parameter", key, a, b))
    od, nd = old.get("data", {}), new.get("data", {})
    if od.get("fingerprint") != nd.get("fingerprint"):
        out.append(Change(name, "data", "fingerprint", od.get("fingerprint"),
                          nd.get("fingerprint")))
    for key, a, b in _pairs(old.get("values", {}), new.get("values", {})):
        if not _same_printed(_value(a), _value(b)):
            out.append(Change(name, "value", key, _value(a), _value(b),
                              unit=(b or a or {}).get("unit", "")))
    for key, a, b in _pairs(oc, nc):
        for field in CLAIM_FIELDS:
            if (a or {}).get(field) != (b or {}).get(field):
                out.append(Change(name, "statement", key if field == "statement"
                                  else f"{key} ({field})", (a or {}).get(field),
                                  (b or {}).get(field)))
    for key in ("as_of", "files"):
        if od.get(key) != nd.get(key):
            out.append(Change(name, "data", key, od.get(key), nd.get(key)))
    for key, a, b in _pairs(old.get("values", {}), new.get("values", {})):
        if a and b and not all(_same_printed(a.get(k), b.get(k)) for k in ("lo", "hi", "unit")):
            out.append(Change(name, "value", f"{key} (interval)", _interval(a), _interval(b),
                              unit=b.get("unit", "")))
    out += _rest(name, old, new)
    for key, a, b in _pairs(old.get("versions", {}), new.get("versions", {})):
        if a != b:
            out.append(Change(name, "version", key, a, b))
    return sorted(out, key=lambda c: SECTIONS.index(c.section))


def _show(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.6g}".replace("-", "\u2212")
    if isinstance(x, (list, dict)):
        return json.dumps(x, ensure_ascii=False)
    return str(x)


NOUNS = {"evidence": ("evidence problem", "evidence problems"),
         "report": ("report added or removed", "reports added or removed"),
         "verdict": ("verdict changed", "verdicts changed"),
         "figure": ("figure changed", "figures changed"),
         "parameter": ("parameter changed", "parameters changed"),
         "data": ("data folder changed", "data folders changed"),
         "value": ("value changed", "values changed"),
         "statement": ("statement changed", "statements changed"),
         "record": ("other field changed", "other fields changed"),
         "version": ("version changed", "versions changed")}


def summary(found: list[Change]) -> str:
    """One line a reviewer can paste first: "2 verdicts changed, 5 values changed"."""
    if not found:
        return "no differences"
    counts = {s: sum(1 for c in found if c.section == s) for s in SECTIONS}
    parts = [f"{n} {NOUNS[s][n != 1]}" for s, n in counts.items() if n and s != "compared"]
    warn = [c for c in found if c.section == "compared"]
    head = ", ".join(parts)
    if warn:
        head = (f"warning: two different reports compared ({warn[0].old} and "
                f"{warn[0].new})" + (f"; {head}" if head else ""))
    return head


def _name(c: Change) -> str:
    return f"{c.label} ({c.key})" if c.label else c.key


def _amount(x: Any, unit: str) -> str:
    words = UNIT_WORDS.get(unit, unit)
    if x is None or not isinstance(x, (int, float)) or isinstance(x, bool) or not words:
        return _show(x)
    return f"{_show(x)} {words}"


MAX_CELL = 2000
"""The longest text a cell of the table shows, in characters; a longer one is cut with an
ellipsis (no report's statement comes near it)."""

_INVISIBLE = re.compile("[\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064"
                        "\u3164\ufeff\ufff9-\ufffb]")


def cell(text: object) -> str:
    """Text of a record as one cell of a table printed to a terminal: escape sequences
    and control characters removed, line breaks made spaces (``core.text.printable``),
    and characters that print as nothing shown by their code point (``<U+200B>``), so
    that two values that differ never look the same and none rewrites the screen."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", printable(text, MAX_CELL))


def as_text(found: list[Change]) -> str:
    """A summary line, then a table for a terminal, one change a line; nothing is cut off
    below :data:`MAX_CELL` characters a cell (long cells stretch their line). Every text
    from a record goes through :func:`cell`."""
    if not found:
        return "no differences\n"
    rows = [("report", "what", "name", "old", "new")] + [
        tuple(cell(x) for x in (c.report, c.section, _name(c), _amount(c.old, c.unit),
                                _amount(c.new, c.unit)))
        for c in found]
    widths = [min(max(len(r[i]) for r in rows), 48) for i in range(5)]
    lines = [cell(summary(found)), ""]
    for n, r in enumerate(rows):
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(5)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _md(text: object) -> str:
    """A Markdown table cell: :func:`cell`, with ``|`` escaped (it would end the cell) and
    ``<`` ``>`` as entities (a review comment renders inline HTML)."""
    return cell(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _md_code(text: object) -> str:
    """A code span in a Markdown table cell, fenced with more backticks than the text
    holds in a row, so that a backtick in a key cannot end it."""
    s = cell(text).replace("|", "\\|")
    fence = "`" * (max((len(r) for r in re.findall("`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def as_markdown(found: list[Change]) -> str:
    """A summary line and a Markdown table for a review comment."""
    if not found:
        return "No differences.\n"
    lines = [f"**{_md(summary(found))}**", "", "| report | what | name | old | new |",
             "|---|---|---|---|---|"]
    lines += [f"| {_md(c.report)} | {c.section} | {_md(c.label) + ' ' if c.label else ''}"
              f"{_md_code(c.key)} | {_md(_amount(c.old, c.unit))} | "
              f"{_md(_amount(c.new, c.unit))} |" for c in found]
    return "\n".join(lines) + "\n"


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e"
                          "\u2060-\u2069\ufeff\ud800-\udfff]")


def as_json(found: list[Change]) -> str:
    """The changes as a JSON list, for tools: text as it is in the records, but every
    character a terminal could act on or that prints as nothing written as a ``\\u``
    escape (``json`` escapes the C0 controls; the C1 controls, the line and paragraph
    separators, the direction overrides and lone surrogates are escaped here), so the
    output is valid JSON, valid UTF-8 and safe to show."""
    text = json.dumps([asdict(c) for c in found], ensure_ascii=False, indent=1)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


RESULTS_SUFFIX = ".results.json"
"""A report's record beside it: ``reports/trade.results.json``."""


MAX_RECORDS = 10_000
"""Records read from one folder at most (a build of every scenario has a few dozen)."""

MAX_FOLDER_BYTES = 256 * 1024 * 1024
"""Bytes of records read from one folder at most, all records together."""


def _read(path, shown: str) -> tuple[dict[str, Any], int]:
    """The record in the file ``path`` and the bytes it took; see :func:`read_record`."""
    from bilateral.core.errors import InputError
    from bilateral.core.files import UnreadableError, read_regular
    from bilateral.review import evidence, results

    try:
        if path.suffix.lower() == ".pdf":
            data = evidence.read(path)[evidence.RESULTS]
            shown = f"{shown}: embedded {evidence.RESULTS}"
        else:
            data = read_regular(path, results.MAX_RECORD)
        return results.parse(data, shown), len(data)
    except UnreadableError as exc:
        raise InputError(f"{shown}: {'no such file or folder' if exc.missing else exc.why}"
                         ) from None
    except ValueError as exc:
        raise InputError(str(exc)) from None


def read_record(path, shown: str | None = None) -> dict[str, Any]:
    """The results record in the file ``path`` (a ``.results.json`` file, or a report's
    PDF: its embedded record), read as a file from outside: a regular file of bounded
    size (``core.files.read_regular``), a record of the right shape
    (``results.parse``). Raises InputError naming the file (exit 2): NoEvidenceError for
    a PDF that carries no record."""
    from pathlib import Path

    return _read(Path(path), shown or str(path))[0]


def records_of(path, problems: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """The results records at ``path``, by report key (``trade``, ``slowdown/trade``).

    ``path`` is a build's output folder (every ``*.results.json`` in it and its scenario
    folders; in a folder with none, such as ``approved/``, the records its PDFs embed), one
    ``.results.json`` file, or a report's PDF (its embedded record). Every file is read
    as one from outside (:func:`read_record`): a FIFO, a device, a file larger than a
    record can be, or a malformed record is refused, and a folder yields at most
    :data:`MAX_RECORDS` records of :data:`MAX_FOLDER_BYTES` bytes together.

    Raises InputError (exit 2) when ``path`` is none of these, or, unless ``problems`` is
    a list, when a file in the folder cannot be used. When ``problems`` is a list, such a
    file is left out instead, and a line naming it is appended to ``problems``.
    """
    from pathlib import Path

    from bilateral.core.errors import InputError
    from bilateral.review import evidence

    path = Path(path)
    if not path.is_dir():
        rec = read_record(path)
        key = rec.get("report", "?")
        return {f"{rec['scenario']}/{key}" if rec.get("scenario") else key: rec}

    def refuse(message: str) -> None:
        if problems is None:
            raise InputError(message)
        problems.append(message)

    found: dict[str, dict[str, Any]] = {}
    size = 0
    try:
        files = [(f, f.relative_to(path).as_posix()[: -len(RESULTS_SUFFIX)])
                 for f in sorted(path.rglob(f"*{RESULTS_SUFFIX}"))]
        files = [(f, rel) for f, rel in files if not rel.startswith((".", "_"))]
        # A folder of PDFs and no records (approved/): the records the PDFs embed.
        pdfs = not files
        for f, rel in files or [(f, None) for f in sorted(path.glob("*.pdf"))]:
            if len(found) >= MAX_RECORDS or size > MAX_FOLDER_BYTES:
                refuse(f"{path}: more than {MAX_RECORDS} results records or "
                       f"{MAX_FOLDER_BYTES // (1024 * 1024)} MiB of them; the others are "
                       "not read")
                break
            try:
                rec, n = _read(f, str(f))
            except InputError as exc:
                if not (pdfs and isinstance(exc, evidence.NoEvidenceError)):
                    refuse(str(exc))  # (a PDF that is no report's is passed over)
                continue
            size += n
            found[rel if rel is not None else rec.get("report", f.stem)] = rec
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not found and not problems:
        raise InputError(f"{path}: no {RESULTS_SUFFIX} files or report PDFs (not a "
                         "build's output folder?)")
    if not found:
        raise InputError(f"{path}: no results record could be read ({problems[0]})")
    return found


def compare(old_path, new_path) -> list[Change]:
    """Every change from the records at ``old_path`` to those at ``new_path``; two single
    records are compared whatever their names."""
    old, new = records_of(old_path), records_of(new_path)
    if len(old) == 1 and len(new) == 1:
        (ko, a), (kn, b) = next(iter(old.items())), next(iter(new.items()))
        found = changes(a, b)
        if ko != kn:  # two different reports: every "change" is a difference of reports
            found.insert(0, Change(kn, "compared", "report", ko, kn))
        return found
    out: list[Change] = []
    for key in sorted(set(old) | set(new)):
        if key not in old or key not in new:
            out.append(Change(key, "report", key, "present" if key in old else None,
                              "present" if key in new else None))
            continue
        out += changes(old[key], new[key])
    return sorted(out, key=lambda c: SECTIONS.index(c.section))
