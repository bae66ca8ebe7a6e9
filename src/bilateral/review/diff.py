"""What changed between two results records, most important first.

Order: verdicts, then the data's figures, then parameters and the data's fingerprint,
then computed values, then versions. Each change is (section, key, old, new); a key
present on one side only has ``None`` on the other.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

SECTIONS = ("evidence", "report", "verdict", "figure", "parameter", "data", "value",
            "statement", "version")
"""The kinds of change, in the order they are listed."""


FIGURE_FIELDS = ("period", "unit", "decimals", "vintage", "discrepancy", "source_id")
"""What else of a figure a change is listed for, beside its value: a figure that keeps its
value but moves to another year, unit, precision or source is another figure."""


@dataclass(frozen=True)
class Change:
    report: str
    section: str
    key: str
    old: Any
    new: Any


def _pairs(old: dict, new: dict):
    for key in sorted(set(old) | set(new)):
        yield key, old.get(key), new.get(key)


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
                              (b or {}).get("verdict")))
    for key, a, b in _pairs(old.get("figures", {}), new.get("figures", {})):
        if a is None or b is None or _value(a) != _value(b):
            out.append(Change(name, "figure", key, _value(a), _value(b)))
        if a is not None and b is not None:
            for field in FIGURE_FIELDS:
                if a.get(field) != b.get(field):
                    out.append(Change(name, "figure", f"{key} ({field})", a.get(field),
                                      b.get(field)))
    for key, a, b in _pairs(old.get("parameters", {}), new.get("parameters", {})):
        if a != b:
            out.append(Change(name, "parameter", key, a, b))
    od, nd = old.get("data", {}), new.get("data", {})
    if od.get("fingerprint") != nd.get("fingerprint"):
        out.append(Change(name, "data", "fingerprint", od.get("fingerprint"),
                          nd.get("fingerprint")))
    for key, a, b in _pairs(old.get("values", {}), new.get("values", {})):
        if _value(a) != _value(b):
            out.append(Change(name, "value", key, _value(a), _value(b)))
    for key, a, b in _pairs(oc, nc):
        if (a or {}).get("statement") != (b or {}).get("statement"):
            out.append(Change(name, "statement", key, (a or {}).get("statement"),
                              (b or {}).get("statement")))
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


def as_text(found: list[Change]) -> str:
    """A table for a terminal, one change a line."""
    if not found:
        return "no differences\n"
    rows = [("report", "what", "name", "old", "new")] + [
        (c.report, c.section, c.key, _show(c.old), _show(c.new)) for c in found]
    widths = [min(max(len(r[i]) for r in rows), 48) for i in range(5)]
    lines = []
    for n, r in enumerate(rows):
        cells = [(r[i] if len(r[i]) <= widths[i] else r[i][: widths[i] - 1] + "…").ljust(
            widths[i]) for i in range(5)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def as_markdown(found: list[Change]) -> str:
    """A Markdown table for a review comment."""
    if not found:
        return "No differences.\n"

    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["| report | what | name | old | new |", "|---|---|---|---|---|"]
    lines += [f"| {cell(c.report)} | {c.section} | `{cell(c.key)}` | {cell(_show(c.old))} | "
              f"{cell(_show(c.new))} |" for c in found]
    return "\n".join(lines) + "\n"


def as_json(found: list[Change]) -> str:
    """The changes as a JSON list, for tools."""
    return json.dumps([asdict(c) for c in found], ensure_ascii=False, indent=1) + "\n"


RESULTS_SUFFIX = ".results.json"
"""A report's record beside it: ``reports/trade.results.json``."""


def records_of(path) -> dict[str, dict[str, Any]]:
    """The results records at ``path``, by report key (``trade``, ``slowdown/trade``).

    ``path`` is a build's output folder (every ``*.results.json`` in it and its scenario
    folders), one ``.results.json`` file, or a report's PDF (its embedded record).
    Raises InputError (exit 2) when it is none of these.
    """
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
            if not found:
                raise InputError(f"{path}: no {RESULTS_SUFFIX} files (not a build's output "
                                 "folder?)")
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
        return changes(next(iter(old.values())), next(iter(new.values())))
    out: list[Change] = []
    for key in sorted(set(old) | set(new)):
        if key not in old or key not in new:
            out.append(Change(key, "report", key, "present" if key in old else None,
                              "present" if key in new else None))
            continue
        out += changes(old[key], new[key])
    return sorted(out, key=lambda c: SECTIONS.index(c.section))
