"""What changed between two results records, most important first.

Order: verdicts, then the data's figures, then parameters and the data's fingerprint,
then computed values, then versions. Each change is (section, key, old, new); a key
present on one side only has ``None`` on the other.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

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


def _same_printed(a: Any, b: Any, decimals: int | None = None) -> bool:
    """Do two numbers print the same: at ``decimals`` (rounded half away from zero, as the
    reports print), else at the six significant digits a diff shows? A change below what
    is printed is no change to a reader."""
    from decimal import ROUND_HALF_UP, Decimal

    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
        return a == b
    if decimals is not None:
        q = Decimal(1).scaleb(-int(decimals))
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


def as_text(found: list[Change]) -> str:
    """A summary line, then a table for a terminal, one change a line; nothing is cut off
    (long cells stretch their line)."""
    if not found:
        return "no differences\n"
    rows = [("report", "what", "name", "old", "new")] + [
        (c.report, c.section, _name(c), _amount(c.old, c.unit), _amount(c.new, c.unit))
        for c in found]
    widths = [min(max(len(r[i]) for r in rows), 48) for i in range(5)]
    lines = [summary(found), ""]
    for n, r in enumerate(rows):
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(5)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def as_markdown(found: list[Change]) -> str:
    """A summary line and a Markdown table for a review comment."""
    if not found:
        return "No differences.\n"

    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = [f"**{cell(summary(found))}**", "", "| report | what | name | old | new |",
             "|---|---|---|---|---|"]
    lines += [f"| {cell(c.report)} | {c.section} | {cell(c.label) + ' ' if c.label else ''}"
              f"`{cell(c.key)}` | {cell(_amount(c.old, c.unit))} | "
              f"{cell(_amount(c.new, c.unit))} |" for c in found]
    return "\n".join(lines) + "\n"


def as_json(found: list[Change]) -> str:
    """The changes as a JSON list, for tools."""
    return json.dumps([asdict(c) for c in found], ensure_ascii=False, indent=1) + "\n"


RESULTS_SUFFIX = ".results.json"
"""A report's record beside it: ``reports/trade.results.json``."""


def records_of(path) -> dict[str, dict[str, Any]]:
    """The results records at ``path``, by report key (``trade``, ``slowdown/trade``).

    ``path`` is a build's output folder (every ``*.results.json`` in it and its scenario
    folders; in a folder with none, such as ``approved/``, the records its PDFs embed), one
    ``.results.json`` file, or a report's PDF (its embedded record).
    Raises InputError (exit 2) when it is none of these.
    """
    import contextlib
    from pathlib import Path

    from bilateral.core.errors import InputError
    from bilateral.review import evidence, results

    path = Path(path)
    try:
        if path.is_dir():
            found = {}
            for f in sorted(path.rglob(f"*{RESULTS_SUFFIX}")):
                rel = f.relative_to(path).as_posix()[: -len(RESULTS_SUFFIX)]
                if rel.startswith((".", "_")):
                    continue
                found[rel] = results.loads(f.read_bytes(), str(f))
            if not found:  # a folder of PDFs (approved/): their embedded records
                for f in sorted(path.glob("*.pdf")):
                    with contextlib.suppress(evidence.NoEvidenceError):
                        rec = results.loads(evidence.read(f)[evidence.RESULTS], str(f))
                        found[rec.get("report", f.stem)] = rec
            if not found:
                raise InputError(f"{path}: no {RESULTS_SUFFIX} files or report PDFs (not a "
                                 "build's output folder?)")
            return found
        if not path.is_file():
            raise InputError(f"{path}: no such file or folder")
        if path.suffix.lower() == ".pdf":
            rec = results.loads(evidence.read(path)[evidence.RESULTS], str(path))
        else:
            rec = results.loads(path.read_bytes(), str(path))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    key = rec.get("report", "?")
    return {f"{rec['scenario']}/{key}" if rec.get("scenario") else key: rec}


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
