"""The dataset and the analyses as pandas DataFrames, for exploring in a notebook.

Every frame is built from validated objects: a :class:`~bilateral.report.data.figures.Dataset` that
:func:`bilateral.report.data.figures.load` accepted, or results computed from one.
Nothing here reads
a data file, so pandas never parses a number and the loader stays the only door to the
data. Numbers keep the dtype they have (``float64``, ``int64``); a value that is absent
by design (a year without reported growth) is ``<NA>`` in a nullable ``Float64`` column,
never NaN, and every frame is checked to hold no NaN or infinity before it is returned.

=====================================  ==================================================
:func:`figures`                       one row per figure, indexed by id
:func:`annual`                         China's customs totals by year, growth recomputed
                                       and as reported
:func:`quarter`, :func:`growth`,       a result's quantities: point value and the
:func:`majority`                       interval its inputs' printed precision allows
:func:`scenarios`                      year × growth rate, ready for ``.plot()``
:func:`claims`                        one row per claim, with an ordered ``verdict``
:func:`frame`                          any of the above, chosen by what it is given
=====================================  ==================================================

Importing this module imports pandas; the command line never imports it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

import pandas as pd

from bilateral.report.analysis.tourism import Growth, MajorityCheck
from bilateral.report.analysis.trade import QuarterAnalysis, Scenario, YearRow
from bilateral.report.claims import VERDICTS, Claim
from bilateral.report.data.figures import Dataset, Figure, Period
from bilateral.report.metrics import Interval

__all__ = ["figures", "annual", "quarter", "growth", "majority", "scenarios", "claims",
           "frame", "quantities"]


def _checked(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` itself, once no numeric cell is NaN or infinite (``<NA>`` is allowed)."""
    for name, col in df.items():
        if not pd.api.types.is_float_dtype(col.dtype):
            continue
        values = col.dropna() if isinstance(col.dtype, pd.Float64Dtype) else col
        bad = [i for i, v in values.items() if not math.isfinite(float(v))]
        if bad:
            raise ValueError(f"column {name!r} is not finite at {bad[:3]}: the frame would "
                             "hide bad numbers")
    return df


def _nullable(values: Iterable[float | None]) -> pd.Series:
    """Numbers where some are absent by design (None): ``Float64`` with ``<NA>``. A NaN or
    an infinity is refused here, before pandas could take a NaN for ``<NA>``."""
    out = []
    for v in values:
        if v is not None and not math.isfinite(float(v)):
            raise ValueError(f"{v!r} is not finite: the frame would hide a bad number")
        out.append(None if v is None else float(v))
    return pd.array(out, dtype="Float64")


# ---------------------------------------------------------------------------- figures

def _figure_record(f: Figure, in_article: bool) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    for fld in dataclasses.fields(f):
        v = getattr(f, fld.name)
        if isinstance(v, Period):
            rec.update(period=v.text, period_kind=v.kind, start=v.start, end=v.end,
                       year=v.year)
        elif fld.name != "id":
            rec[fld.name] = v
    lo, hi = f.bounds
    rec.update(lo=lo, hi=hi, in_article=in_article)
    return rec


def figures(ds: Dataset, ids: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per figure of ``ds`` (the article's, then the context files'), indexed by id.

    Columns: every field of :class:`~bilateral.report.data.figures.Figure` (``label``, ``value``,
    ``unit``, ``decimals``, ``relation``, ``source_id``, ``quote``, ``note``, ``file``,
    ``row``, …), the period as ``period`` (its text, e.g. ``2024-Q1``), ``period_kind``
    (``year``, ``quarter``, ``day``, ``years``, ``months``), ``start`` and ``end``
    (timestamps, so rows sort and filter by date) and ``year`` (the year it ends in);
    ``lo`` and ``hi``, the interval of values that round to the printed one; and
    ``in_article``, True for the rows of ``figures.csv``.

    Parameters
    ----------
    ids : iterable of str, optional
        Only these figures, in this order.
    """
    if ids is None:
        chosen = [(f, True) for f in ds.figures.values()] + [
            (f, False) for f in ds.context.values()]
    else:
        chosen = [(ds[i], i in ds.figures) for i in ids]
    return _figures(chosen)


def _figures(chosen: list[tuple[Figure, bool]]) -> pd.DataFrame:
    records = [_figure_record(f, a) for f, a in chosen]
    df = pd.DataFrame.from_records(records, index=pd.Index([f.id for f, _ in chosen],
                                                           name="id", dtype=object))
    if df.empty:
        return df
    df["value"] = df["value"].astype("float64")
    df["decimals"] = df["decimals"].astype("int64")
    df["row"] = df["row"].astype("int64")
    df["year"] = df["year"].astype("int64")
    df["start"] = pd.to_datetime(df["start"])
    df["end"] = pd.to_datetime(df["end"])
    return _checked(df)


# ---------------------------------------------------------------------------- analyses

def annual(rows_or_ds: Sequence[YearRow] | Dataset) -> pd.DataFrame:
    """China's customs totals by year (``trade.annual(ds)``), indexed by ``year``.

    Columns: ``total_busd``; ``recomputed_yoy_pct`` (from the totals, only where the
    year before is in the series), ``reported_yoy_pct`` (as customs reported it) and
    ``gap_pts`` (reported − recomputed, in percentage points), each ``<NA>`` where there
    is none; ``figure_id`` and ``source_id`` of the total.
    """
    if isinstance(rows_or_ds, Dataset):
        from bilateral.report.analysis.trade import annual as _annual

        rows = _annual(rows_or_ds)
    else:
        rows = list(rows_or_ds)
    df = pd.DataFrame(
        {"total_busd": pd.array([r.total.value for r in rows], dtype="float64"),
         "recomputed_yoy_pct": _nullable(r.recomputed_yoy for r in rows),
         "reported_yoy_pct": _nullable(r.reported_yoy.value if r.reported_yoy else None
                                       for r in rows),
         "gap_pts": _nullable(r.gap_pts for r in rows),
         "figure_id": [r.total.id for r in rows],
         "source_id": [r.total.source_id for r in rows]},
        index=pd.Index([r.year for r in rows], name="year", dtype="int64"))
    return _checked(df)


_UNITS: dict[type, dict[str, str]] = {
    QuarterAnalysis: {
        "q1_2024": "usd_bn", "growth_reported": "percent", "implied_q1_2023": "usd_bn",
        "first_reported_q1_2023": "usd_bn", "growth_vs_first_reported": "percent",
        "revision": "usd_bn", "total_2023": "usd_bn", "share_of_2023": "percent",
        "run_rate": "usd_bn", "run_rate_vs_2023": "percent",
        "full_year_if_share_held": "usd_bn", "actual_2024": "usd_bn",
        "actual_vs_share_projection_pct": "percent", "actual_2024_growth": "percent"},
    Growth: {"growth_pct": "percent", "multiple": "times", "threshold": "times"},
    MajorityCheck: {"needed_for_majority": "people", "share_of_border_total": "percent",
                    "share_of_article_total": "percent"},
}


def quantities(result: Any, units: dict[str, str] | None = None) -> pd.DataFrame:
    """The numbers of an analysis result, one row per quantity, indexed by its name.

    Columns: ``point`` (the value from the printed figures), ``lo`` and ``hi`` (the
    interval their printed precision allows; equal to ``point`` for a value read as it
    is), and ``unit``. A quantity the data does not have (e.g. a year's actual total not
    yet in the data) is ``<NA>``. Figures, periods and flags are left out: see the
    result's own fields.
    """
    units = units if units is not None else _UNITS.get(type(result), {})
    names, point, lo, hi = [], [], [], []
    for fld in dataclasses.fields(result):
        v = getattr(result, fld.name)
        if isinstance(v, Interval):
            triple = (v.point, v.lo, v.hi)
        elif v is None and fld.name in units:
            triple = (None, None, None)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            triple = (v, v, v)
        else:
            continue
        names.append(fld.name)
        for column, x in zip((point, lo, hi), triple):
            column.append(x)
    df = pd.DataFrame({"point": _nullable(point), "lo": _nullable(lo), "hi": _nullable(hi),
                       "unit": [units.get(n, "") for n in names]},
                      index=pd.Index(names, name="quantity", dtype=object))
    return _checked(df)


def quarter(q: QuarterAnalysis | Dataset) -> pd.DataFrame:
    """The quarter's quantities (``trade.quarter(ds)``): see :func:`quantities`."""
    if isinstance(q, Dataset):
        from bilateral.report.analysis.trade import quarter as _quarter

        q = _quarter(q)
    return quantities(q)


def growth(g: Growth) -> pd.DataFrame:
    """Visitor growth and multiple (``tourism.growth(ds)``): see :func:`quantities`."""
    return quantities(g)


def majority(c: MajorityCheck) -> pd.DataFrame:
    """China's shares of the visitor totals (``tourism.majority(ds)``): see
    :func:`quantities`."""
    return quantities(c)


def scenarios(paths: Sequence[Scenario]) -> pd.DataFrame:
    """Constant-growth paths (``trade.scenarios(...)``): one row per ``year``, one column
    per yearly growth rate in percent (the columns' name is ``growth_pct``), values in
    billion USD. ``scenarios(paths).plot()`` draws them.
    """
    paths = list(paths)
    if not paths:
        return pd.DataFrame(index=pd.Index([], name="year", dtype="int64"))
    years = paths[0].years
    if any(p.years != years for p in paths):
        raise ValueError("the paths cover different years")
    df = pd.DataFrame({p.growth_pct: pd.array(p.values, dtype="float64") for p in paths},
                      index=pd.Index(years, name="year", dtype="int64"))
    df.columns = pd.Index([float(p.growth_pct) for p in paths], name="growth_pct")
    return _checked(df)


def claims(items: Iterable[Claim] | Dataset, topic: str | None = None,
           **params) -> pd.DataFrame:
    """One row per claim, indexed by its id: ``topic``, ``statement`` (the claim in our
    words), ``verdict`` (ordered from *holds* to *contradicted*, so it sorts and compares),
    ``check`` (the computed check as a sentence), ``quote`` (the article's words) and
    ``figure_ids`` (comma-separated).

    Given a Dataset, the claims are judged first (those of ``topic``, or all), with
    ``params`` as :func:`bilateral.report.claims.evaluate` takes them."""
    if isinstance(items, Dataset):
        from bilateral.report import claims as judged

        items = (judged.evaluate(items, **params) if topic is None
                 else judged.for_topic(items, topic, **params))
    items = list(items)
    return pd.DataFrame(
        {"topic": [c.topic for c in items],
         "statement": [c.statement for c in items],
         "verdict": pd.Categorical([c.verdict for c in items], categories=list(VERDICTS),
                                   ordered=True),
         "check": [c.check for c in items],
         "quote": [c.quote for c in items],
         "figure_ids": [", ".join(c.figure_ids) for c in items]},
        index=pd.Index([c.id for c in items], name="id", dtype=object))


def frame(obj: Any) -> pd.DataFrame:
    """The DataFrame of ``obj``: a Dataset, a list of figures, customs years, scenario
    paths or claims, or a quarter, growth or majority result."""
    if isinstance(obj, Dataset):
        return figures(obj)
    if isinstance(obj, (QuarterAnalysis, Growth, MajorityCheck)):
        return quantities(obj)
    if isinstance(obj, Claim):
        return claims([obj])
    if isinstance(obj, (list, tuple)) and obj:
        kinds = {type(x) for x in obj}
        if kinds == {YearRow}:
            return annual(obj)
        if kinds == {Scenario}:
            return scenarios(obj)
        if kinds == {Claim}:
            return claims(obj)
        if kinds == {Figure}:  # e.g. ds.series("gacc_trade_")
            return _figures([(f, PurePath(f.file).name == "figures.csv") for f in obj])
    raise TypeError(f"no DataFrame for {type(obj).__name__} (see bilateral.report.jupyter.frames)")
