"""Compact HTML for the package's objects when a notebook cell ends with one.

Typing ``ds``, ``years``, ``q`` or ``claims.evaluate(ds)`` as the last line of a cell
shows a short table in the report's style, not a nested dataclass repr; bad input (a
:class:`~bilateral.core.errors.InputError`: data, parameters) stops a cell with one line, as
the command line reports it. The tables are
built here from the objects' fields, with every value escaped; each says which
function of :mod:`bilateral.report.jupyter.frames` gives the same as a DataFrame.

:func:`register` tells IPython about them, by class name, so that none of the
classes' modules is imported (nor edited) for it. ``import bilateral`` calls it when
it runs inside IPython (a notebook kernel); elsewhere nothing is registered. Charts
display themselves (:class:`bilateral.report.jupyter.charts.Chart`).
"""

from __future__ import annotations

import base64
import dataclasses
import html
import math
from datetime import date
from typing import Any

_e = html.escape

MAX_ROWS = 30
"""Rows a list shows before it says how many more there are."""

# (module, class): what IPython shows as HTML, found by name when first displayed.
_FIGURES, _TRADE, _TOURISM = ("bilateral.report.data.figures",
                              "bilateral.report.analysis.trade",
                              "bilateral.report.analysis.tourism")
TYPES = (
    (_FIGURES, "Dataset"), (_FIGURES, "Figure"), (_FIGURES, "Source"), (_FIGURES, "Period"),
    ("bilateral.report.metrics", "Interval"),
    (_TRADE, "YearRow"), (_TRADE, "RecordCheck"), (_TRADE, "YearAnalysis"),
    (_TRADE, "QuarterAnalysis"), (_TRADE, "Scenario"),
    (_TOURISM, "Growth"), (_TOURISM, "MajorityCheck"),
    ("bilateral.report.claims", "Claim"),
)

HINTS = {
    "Dataset": "frames.figures(ds): every figure as a DataFrame",
    "YearRow": "frames.annual(years): the customs series as a DataFrame",
    "QuarterAnalysis": "frames.quarter(q): these quantities as a DataFrame",
    "Growth": "frames.growth(g): these quantities as a DataFrame",
    "MajorityCheck": "frames.majority(c): these quantities as a DataFrame",
    "Scenario": "frames.scenarios(paths): year × rate as a DataFrame, "
                "ready for .plot()",
    "Claim": "frames.claims(ds): the claims as a DataFrame with a verdict column",
    "Figure": "frames.frame(figures): these figures as a DataFrame",
}


def _ours(obj: Any) -> bool:
    return (dataclasses.is_dataclass(obj) and not isinstance(obj, type)
            and type(obj).__module__.startswith("bilateral."))


# ---------------------------------------------------------------------------- cells

def _num(x: float) -> str:
    if not math.isfinite(x):
        return repr(x)
    if float(x).is_integer() and abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:.6g}" if abs(x) < 1e5 else f"{x:,.2f}"


def _text(v: Any, depth: int = 0) -> str:
    """A value as short plain text (escaped by the caller)."""
    name = type(v).__name__
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _num(v)
    if isinstance(v, str):
        return v
    if isinstance(v, date):
        return v.isoformat()
    if name == "Interval":
        return f"{_num(v.point)} [{_num(v.lo)} – {_num(v.hi)}]"
    if name == "Period":
        return v.text
    if name == "Figure":
        from bilateral.report.story.fmt import value

        rel = {"gt": "more than ", "approx": "about "}.get(v.relation, "")
        return f"{rel}{value(v.value, v.unit, v.decimals)} ({v.id})"
    if isinstance(v, (list, tuple)):
        shown = [_text(x, depth + 1) for x in v[:6]]
        more = f", … ({len(v)} in all)" if len(v) > 6 else ""
        sep = ": " if isinstance(v, tuple) and len(v) == 2 and depth == 0 else ", "
        return sep.join(shown) + more
    if _ours(v) and depth < 2:
        first = dataclasses.fields(v)[0].name
        return f"{name}({first}={_text(getattr(v, first), depth + 1)})"
    return repr(v)


def _numeric(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or type(v).__name__ in (
        "Interval", "Figure")


def _properties(obj: Any) -> list[str]:
    return [n for n, a in vars(type(obj)).items()
            if isinstance(a, property) and not n.startswith("_")]


def _columns(obj: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(obj)] + _properties(obj)


def _value(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except Exception as exc:  # a property that cannot be computed says why
        return f"({type(exc).__name__}: {exc})"


def _table(rows: list[list[Any]], headers: list[str], caption: str, hint: str = "",
           note: str = "", numeric: set[int] | None = None) -> str:
    """A table in the report's markup; ``numeric`` names the right-aligned columns (by
    default those holding only numbers); an empty set with a ``value`` column aligns
    each value cell by what it holds."""
    from bilateral.report.jupyter.present import lab_style

    if numeric is None:
        numeric = {i for i in range(len(headers)) if rows and all(
            _numeric(r[i]) or r[i] is None for r in rows) and any(_numeric(r[i]) for r in rows)}
    by_cell = not numeric and headers[-1:] == ["value"]

    def cls(i: int, v: Any = None) -> str:
        right = (i == len(headers) - 1 and _numeric(v)) if by_cell else i in numeric
        return ' class="num"' if right else ""

    head = "".join(f'<th{cls(i)} scope="col">{_e(h)}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{cls(i, c)}>{_e(_text(c))}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    notes = "".join(f'<p class="table-note">{_e(t)}</p>' for t in (note, hint) if t)
    return (f'<div class="table-block">{lab_style("table")}<table class="compact">'
            f"<caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{notes}</div>")


# ---------------------------------------------------------------------------- objects

def _dataset(ds: Any) -> str:
    from bilateral.report.story.fmt import value

    article = list(ds.figures.values())
    rows = [[f.id, f.label, ({"gt": "more than ", "approx": "about "}.get(f.relation, "")
                             + value(f.value, f.unit, f.decimals)), f.unit, f.period.text,
             f.source_id] for f in article]
    by_file: dict[str, list] = {}
    for f in ds.context.values():
        by_file.setdefault(f.file, []).append(f)
    context = "; ".join(f"{file}: {len(fs)} ({fs[0].id} … {fs[-1].id})"
                        for file, fs in by_file.items())
    caption = (f"Dataset {ds.folder.name}/: {len(ds.figures)} article figures, "
               f"{len(ds.context)} context figures, {len(ds.sources)} sources; fingerprint "
               f"{ds.fingerprint}, as of {ds.as_of.isoformat()}")
    return _table(rows, ["id", "label", "value", "unit", "period", "source"], caption,
                  hint=HINTS["Dataset"], note=f"Context figures: {context}." if context else "",
                  numeric={2})


def _figures(figs: list) -> str:
    from bilateral.report.story.fmt import value

    rows = [[f.id, f.label, value(f.value, f.unit, f.decimals), f.unit, f.period.text,
             f.source_id, f.quote] for f in figs[:MAX_ROWS]]
    more = f"{len(figs) - MAX_ROWS} more not shown." if len(figs) > MAX_ROWS else ""
    return _table(rows, ["id", "label", "value", "unit", "period", "source", "quote"],
                  f"{len(figs)} figure{'s' if len(figs) != 1 else ''}",
                  hint=HINTS["Figure"], note=more, numeric={2})


def _claims(items: list) -> str:
    from bilateral.report.jupyter.present import claims_table

    n = len(items)
    block = claims_table(items, f"{n} claim{'s' if n != 1 else ''}").data
    hint = f'<p class="table-note">{_e(HINTS["Claim"])}</p>'
    return block[:block.rindex("</div>")] + hint + "</div>"


def _scenarios(paths: list) -> str:
    from bilateral.report.story.words import growth_label

    years = paths[0].years
    rows = [[y] + [p.values[k] for p in paths] for k, y in enumerate(years)]
    rows.append(["first year at the milestone"] + [p.first_year_at_milestone for p in paths])
    return _table(rows, ["year"] + [growth_label(p.growth_pct) for p in paths],
                  f"{len(paths)} constant-growth path{'s' if len(paths) != 1 else ''}, "
                  "billion USD", hint=HINTS["Scenario"],
                  numeric=set(range(1, len(paths) + 1)))


def _one(obj: Any) -> str:
    name = type(obj).__name__
    if name == "Dataset":
        return _dataset(obj)
    if name == "Figure":
        return _figures([obj])
    if name == "Claim":
        return _claims([obj])
    if name in ("Interval", "Period"):
        return f'<span class="bilateral-value">{_e(_text(obj))}</span>'
    rows = [[n, _value(obj, n)] for n in _columns(obj)]
    return _table(rows, ["field", "value"], f"{name} ({type(obj).__module__})",
                  hint=HINTS.get(name, ""), numeric=set())


def _many(items: list) -> str:
    name = type(items[0]).__name__
    if name == "Figure":
        return _figures(items)
    if name == "Claim":
        return _claims(items)
    if name == "Scenario" and len({tuple(p.years) for p in items}) == 1:
        return _scenarios(items)
    columns = _columns(items[0])
    rows = [[_value(x, c) for c in columns] for x in items[:MAX_ROWS]]
    more = f"{len(items) - MAX_ROWS} more not shown." if len(items) > MAX_ROWS else ""
    return _table(rows, columns, f"{len(items)} × {name}", hint=HINTS.get(name, ""),
                  note=more)


def to_html(obj: Any) -> str | None:
    """The compact HTML of one of the package's objects, or of a list of objects of one
    such class; None for anything else (IPython then shows what it would anyway)."""
    if isinstance(obj, list):
        if not obj or not _ours(obj[0]):
            return None
        kind = type(obj[0])
        if any(type(x) is not kind for x in obj):
            return None
        return _many(obj)
    return _one(obj) if _ours(obj) else None


# ---------------------------------------------------------------------------- charts

def chart_html(fig: Any) -> str:
    """A chart as the report shows one: an SVG image, its title as alt text, framed in
    JupyterLab's dark theme."""
    from bilateral.report.jupyter.present import lab_style, svg

    titles = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    alt = "; ".join(t for t in titles if t) or "Chart"
    data = base64.b64encode(svg(fig).encode("utf-8")).decode("ascii")
    return (f'<figure class="chart">{lab_style("figure")}<img src="data:image/svg+xml;base64,'
            f'{data}" alt="{_e(alt)}"/></figure>')


# ---------------------------------------------------------------------------- IPython

def register(shell: Any = None) -> bool:
    """Show the package's objects as HTML in IPython ``shell`` (the running one by
    default). Returns False when there is no IPython shell. Safe to call twice."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    formatter = shell.display_formatter.formatters["text/html"]
    for module, name in TYPES:
        formatter.for_type_by_name(module, name, to_html)
    previous = formatter.type_printers.get(list)
    if previous is not None and getattr(previous, "_bilateral", False):
        return True

    def lists(obj, _previous=previous):
        out = to_html(obj)
        if out is None and _previous is not None:
            return _previous(obj)
        return out

    lists._bilateral = True
    formatter.for_type(list, lists)
    _one_line_errors(shell)
    return True


def _one_line(shell, etype, value, tb, tb_offset=None) -> None:
    """IPython's handler for bad input: the error as one line (IPython leaves showing it
    to the handler); ``%tb`` still shows the traceback."""
    stb = [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}  (%tb shows the traceback)"]
    try:
        shell._get_exc_info((etype, value, tb))  # keeps it for %tb, as showtraceback does
    except Exception:  # pragma: no cover - an IPython without it still shows the line
        pass
    shell._showtraceback(etype, value, stb)


def _one_line_errors(shell: Any) -> None:
    """Bad input (data, parameters) stops a cell with one line, as on the command line,
    unless another handler is already set. ``%tb`` still shows the whole traceback."""
    from bilateral.core.errors import InputError

    if getattr(shell, "custom_exceptions", None) == () and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((InputError,), _one_line)
