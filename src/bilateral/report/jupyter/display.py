"""Compact HTML for the package's objects when a notebook cell ends with one.

Typing ``ds``, ``years``, ``q`` or ``claims.evaluate(ds)`` as the last line of a cell
shows a short table in the report's style, not a nested dataclass repr; bad input (a
:class:`~bilateral.core.errors.InputError`: data, parameters) stops a cell with one line, as
the command line reports it. The tables are
built here from the objects' fields, with every value escaped; each says which
function of :mod:`bilateral.report.jupyter.frames` gives the same as a DataFrame.

Every value reads as the report prints it: with :mod:`bilateral.report.story.fmt` (the
report's one rounding rule, halves away from zero, and its minus sign U+2212), at the
precision the report's tables and sentences give the quantity (:data:`QUANTITIES`), with
its unit (``USD 53.878 bn [USD 53.848 bn – USD 53.909 bn]``, ``+6.80 %``, ``3.2086×``,
``187,000 people``). A figure's value is shown as its source printed it.

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

from bilateral.report.story import fmt

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

class Shown(str):
    """A cell's text, already formatted (with its unit), and whether it is a number."""

    numeric: bool = True

    def __new__(cls, text: str, numeric: bool = True):
        out = super().__new__(cls, text)
        out.numeric = numeric
        return out


def _as_given(x: float) -> int:
    """The decimals ``x`` is written with (its shortest repr): a figure's value as stored
    is its value as printed, so ``240.1`` shows as ``240.1`` and ``244.819`` as ``244.819``."""
    text = repr(float(x))
    if "e" in text or "E" in text:
        return 0 if abs(x) >= 1 else 10
    whole, _, frac = text.partition(".")
    return 0 if frac == "0" else len(frac)


def _num(x: float, decimals: int | None = None) -> str:
    """A number with :func:`bilateral.report.story.fmt.num` (the report's one rounding
    rule and its minus sign), to ``decimals`` or as written."""
    if not math.isfinite(x):
        return repr(x).replace("-", fmt.MINUS)
    return fmt.num(x, _as_given(x) if decimals is None else decimals)


def _people(unit: str):
    return lambda x, d: f"{fmt.num(x, d)} {unit}"


KINDS = {
    "busd": fmt.busd,
    "pct": fmt.pct,
    "signed_pct": lambda x, d: fmt.pct(x, d, signed=True),
    "points": lambda x, d: f"{fmt.num(x, d)} points",
    "times": fmt.times,
    "people": _people("people"),
    "number": fmt.num,
}
"""How a quantity of each kind reads: the report's formatters (``story.fmt``), with units."""

# A result's quantities as the report prints them: field → (kind, decimals of the value,
# decimals of an interval's bounds). Decimals are a number, the name of the figure whose
# printed precision it is (its bounds then get one decimal more, as the report's notes
# give them: 56.68 → 56.675 – 56.685), or None for a value as written (a figure's value).
QUANTITIES: dict[str, dict[str, tuple[str, int | str | None, int | str | None]]] = {
    "YearRow": {"recomputed_yoy": ("signed_pct", 2, 2), "implied_prior": ("busd", 2, 2),
                "gap_pts": ("points", 2, 2)},
    "RecordCheck": {"value": ("busd", None, None),
                    "highest_before": ("busd", "highest_before_decimals", None)},
    "YearAnalysis": {"cagr_long": ("pct", 2, 3), "cagr_short": ("pct", 2, 3)},
    "QuarterAnalysis": {
        "q1_2024": ("busd", "article_q1", "article_q1"),
        "growth_reported": ("pct", "article_growth", "article_growth"),
        "implied_q1_2023": ("busd", 3, 3),
        "first_reported_q1_2023": ("busd", "first_reported", None),
        "growth_vs_first_reported": ("pct", 2, 2),
        "revision": ("busd", 3, 3),
        "total_2023": ("busd", "year_figure", "year_figure"),
        "share_of_2023": ("pct", 2, 2),
        "run_rate": ("busd", 2, 2),
        "run_rate_vs_2023": ("signed_pct", 1, 2),
        "full_year_if_share_held": ("busd", 2, 2),
        "actual_2024": ("busd", "actual_figure", None),
        "actual_vs_share_projection_pct": ("signed_pct", 1, 1),
        "actual_2024_growth": ("signed_pct", 2, 2)},
    "Scenario": {"growth_pct": ("signed_pct", None, None), "values": ("busd", 1, 1),
                 "final": ("busd", 1, 1)},
    "Growth": {"growth_pct": ("pct", 2, 2), "multiple": ("times", 4, 4),
               "threshold": ("times", None, None)},
    "MajorityCheck": {"needed_for_majority": ("people", 0, 0),
                      "share_of_border_total": ("pct", 1, 2),
                      "share_of_article_total": ("pct", 1, 2)},
}


def _decimals(obj: Any, spec: int | str | None, x: float, bound: bool = False) -> int:
    if spec is None:
        return _as_given(x)
    if isinstance(spec, int):
        return spec
    ref = getattr(obj, spec)
    if isinstance(ref, int):
        return ref
    if ref is None:
        return _as_given(x)
    return max(ref.decimals, 0) + (1 if bound else 0)


def _interval_decimals(iv: Any) -> tuple[int, int]:
    """An interval known by itself, without a unit: its point to the fewest decimals
    that tell its bounds apart, its bounds to one more (``printed(56.68, 2)`` reads
    56.68 [56.675 – 56.685]); an interval of width zero as written."""
    if iv.lo == iv.hi:
        d = _as_given(iv.point)
        return d, d
    for d in range(0, 16):
        if fmt.num(iv.lo, d) != fmt.num(iv.hi, d):
            return d, d + 1
    return 15, 15


def interval_text(iv: Any, show=None, decimals: int | None = None,
                  bounds: int | None = None) -> str:
    """``point [lo – hi]``, each end formatted as the point is (``show(x, d)``)."""
    if decimals is None or bounds is None:
        decimals, bounds = _interval_decimals(iv)
    show = show or fmt.num
    return f"{show(iv.point, decimals)} [{show(iv.lo, bounds)} – {show(iv.hi, bounds)}]"


def _quantity(obj: Any, name: str, v: Any) -> Any:
    """``v``, the field ``name`` of ``obj``, as the report prints it (a :class:`Shown`),
    or ``v`` itself when it is not one of the result's quantities."""
    spec = QUANTITIES.get(type(obj).__name__, {}).get(name)
    if spec is None or v is None or isinstance(v, (str, bool)):
        return v
    kind, dec, bound = spec
    show = KINDS[kind]

    def one(x: float) -> str:
        return show(x, _decimals(obj, dec, x))

    if type(v).__name__ == "Interval":
        return Shown(interval_text(v, show, _decimals(obj, dec, v.point),
                                   _decimals(obj, bound, v.point, bound=True)))
    if isinstance(v, tuple) and len(v) == 2 and type(v[1]).__name__ == "Interval":
        return Shown(f"{v[0]}: " + interval_text(v[1], show, _decimals(obj, dec, v[1].point),
                                                  _decimals(obj, bound, v[1].point, True)))
    if isinstance(v, (list, tuple)):
        shown = [one(x) for x in v[:6]]
        more = f", … ({len(v)} in all)" if len(v) > 6 else ""
        return Shown(", ".join(shown) + more)
    if isinstance(v, (int, float)):
        return Shown(one(v))
    return v


BARE_UNITS = {"usd_bn", "percent", "years", "count"}
"""Units that :func:`bilateral.report.story.fmt.value` writes (or that need no word)."""


def figure_text(f: Any) -> str:
    """A figure as printed (``more than``, ``about``), with its unit: ``USD 240.1 bn``,
    ``187,000 people``."""
    rel = {"gt": "more than ", "approx": "about "}.get(f.relation, "")
    unit = "" if f.unit in BARE_UNITS else f" {f.unit}"
    return f"{rel}{fmt.value(f.value, f.unit, f.decimals)}{unit}"


def _text(v: Any, depth: int = 0) -> str:
    """A value as short plain text (escaped by the caller)."""
    name = type(v).__name__
    if isinstance(v, Shown):
        return str(v)
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v).replace("-", fmt.MINUS)
    if isinstance(v, float):
        return _num(v)
    if isinstance(v, str):
        return v
    if isinstance(v, date):
        return v.isoformat()
    if name == "Interval":
        return interval_text(v)
    if name == "Period":
        return v.text
    if name == "Figure":
        return f"{figure_text(v)} ({v.id})"
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
    if isinstance(v, Shown):
        return v.numeric
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or type(v).__name__ in (
        "Interval", "Figure")


def _properties(obj: Any) -> list[str]:
    return [n for n, a in vars(type(obj)).items()
            if isinstance(a, property) and not n.startswith("_")]


def _columns(obj: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(obj)] + _properties(obj)


def _value(obj: Any, name: str) -> Any:
    """The field ``name`` of ``obj`` as the report prints it (see :data:`QUANTITIES`)."""
    try:
        v = getattr(obj, name)
    except Exception as exc:  # a property that cannot be computed says why
        return f"({type(exc).__name__}: {exc})"
    return _quantity(obj, name, v)


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
    article = list(ds.figures.values())
    rows = [[f.id, f.label, figure_text(f), f.unit, f.period.text, f.source_id]
            for f in article]
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
    rows = [[f.id, f.label, figure_text(f), f.unit, f.period.text,
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
    rows = [[y] + [Shown(fmt.num(p.values[k], 1)) for p in paths] for k, y in enumerate(years)]
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
    if name == "Scenario":
        return _scenarios([obj])
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
