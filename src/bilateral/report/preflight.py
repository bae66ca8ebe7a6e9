"""Checks that a notebook's parameters make sense with the data, before any kernel starts.

The parameters cell declares each parameter's own range (see :mod:`bilateral.params.cell`);
what depends on another parameter or on the data is checked here: the scenarios' base
year must have a customs total, the horizon must come after it. Then every analysis,
claim and sentence of the report is computed in-process, so that data or parameters the
report cannot handle are refused with exit 2 instead of failing in a kernel.

A notebook opts in through its metadata, ``{"bilateral": {"checks": "trade"}}``, naming
one of :data:`CHECKS` (never an import path: a notebook cannot make the build run code).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bilateral.core.errors import ParameterError
from bilateral.report import claims, metrics, story
from bilateral.report.analysis import tourism, trade
from bilateral.report.data.figures import Dataset

MAX_SCENARIO_YEARS = 100
"""The longest span of the scenario paths, in years."""


def _trade(ds: Dataset, p: dict[str, Any], notebook: str) -> None:
    claims.validate(ds, CHECKS)
    base, horizon = p["scenario_base_year"], p["horizon_year"]
    years = trade.years_with_totals(ds)
    if base not in years:
        raise ParameterError("scenario_base_year", f"{base} has no customs total in the data "
                             f"(years with one: {', '.join(map(str, years))})", notebook)
    if horizon <= base:
        raise ParameterError("horizon_year", f"{horizon} must come after scenario_base_year "
                             f"({base})", notebook)
    if horizon - base > MAX_SCENARIO_YEARS:
        raise ParameterError("horizon_year", f"{horizon} is more than {MAX_SCENARIO_YEARS} "
                             f"years after scenario_base_year ({base})", notebook)
    rows = trade.annual(ds)
    y = trade.year(ds)
    story.trade.year_paragraph(y)
    story.trade.annual_alt(rows, y)
    q = trade.quarter(ds)
    if q is not None:
        story.trade.quarter_paragraph(q)
        story.trade.share_paragraph(q)
        story.trade.quarter_alt(q)
    paths = trade.scenarios(ds, p["scenario_growth_pct"], base, horizon, p["milestone_busd"])
    story.trade.scenarios_paragraph(trade.article_horizon_figure(ds), base, horizon)
    story.trade.scenarios_alt(paths, base, horizon)
    claims.for_topic(ds, "trade", horizon_year=horizon)


def _tourism(ds: Dataset, p: dict[str, Any], notebook: str) -> None:
    claims.validate(ds, CHECKS)
    thr = p["threshold_multiple"]
    g = tourism.growth(ds, threshold=thr)
    c = tourism.majority(ds)
    if g is not None:
        safe = tourism.coarsest_rounding_keeping(
            g.after.value, metrics.printed(g.before.value, g.before.decimals), thr)
        story.tourism.growth_paragraph(g, safe)
    story.tourism.source_paragraph(tourism.source_match(ds, g), c)
    if c is not None:
        story.tourism.majority_paragraph(c)
    if g is not None and c is not None:
        story.tourism.visitors_alt(g, c)
    claims.for_topic(ds, "tourism", threshold_multiple=thr)


CHECKS: dict[str, Callable[[Dataset, dict[str, Any], str], None]] = {
    "trade": _trade, "tourism": _tourism,
}


def check(name: str | None, ds: Dataset, params: dict[str, Any], notebook: str) -> None:
    """Run the checks named ``name`` (a key of :data:`CHECKS`; ``None`` runs none).

    ``params`` holds every parameter's value, defaults included.

    Raises
    ------
    ParameterError
        A parameter that does not make sense with the others or with the data.
    DataError
        Data the analyses cannot use (a zero base, a missing year).
    """
    if name is None:
        return
    if name not in CHECKS:
        raise ParameterError("checks", f"unknown checks {name!r} in the notebook's metadata "
                             f"(known: {', '.join(CHECKS)})", notebook)
    CHECKS[name](ds, params, notebook)
