"""A report's results record: every figure the data holds, every computed value with its
interval, every claim with its verdict, and the data's fingerprint, beside the common part
(:func:`bilateral.review.results.common`).

It is computed in-process from the same functions that put the numbers behind every
sentence (:mod:`bilateral.report.analysis.trade`, :mod:`bilateral.report.analysis.tourism`,
:mod:`bilateral.report.claims`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bilateral.report import claims, metrics
from bilateral.report.analysis import tourism, trade
from bilateral.report.data.figures import Dataset
from bilateral.report.metrics import Interval
from bilateral.review.results import common, number


def data_names(ds: Dataset) -> list[str]:
    """The data files, relative to the data folder (``figures.csv``, ``context/…``)."""
    from bilateral.report.data.figures import data_files

    return [p.relative_to(ds.folder).as_posix() for p in data_files(ds.folder)]


def _iv(iv: Interval, unit: str) -> dict[str, Any]:
    return {"value": number(iv.point), "lo": number(iv.lo), "hi": number(iv.hi), "unit": unit}


def _pt(x: float | None, unit: str) -> dict[str, Any]:
    return {"value": number(x), "unit": unit}


def _trade_values(ds: Dataset, p: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in trade.annual(ds):
        if r.recomputed_yoy is not None:
            out[f"growth_recomputed_{r.year}"] = _pt(r.recomputed_yoy, "percent")
        if r.implied_prior is not None:
            out[f"prior_year_implied_{r.year}"] = _pt(r.implied_prior, "usd_bn")
    y = trade.year(ds)
    out["record_highest_before"] = _pt(y.record.highest_before, "usd_bn")
    for span in (y.cagr_long, y.cagr_short):
        if span:
            out[f"cagr_{span[0]}_{y.year}"] = _iv(span[1], "percent")
    q = trade.quarter(ds)
    out.update({} if q is None else {
        "quarter_implied_base": _iv(q.implied_q1_2023, "usd_bn"),
        "quarter_growth_vs_first_report": _iv(q.growth_vs_first_reported, "percent"),
        "quarter_revision": _iv(q.revision, "usd_bn"),
        "quarter_share_of_year": _iv(q.share_of_2023, "percent"),
        "quarter_run_rate": _iv(q.run_rate, "usd_bn"),
        "quarter_full_year_if_share_held": _iv(q.full_year_if_share_held, "usd_bn"),
    })
    if q is not None and q.actual_2024 is not None:
        out["quarter_year_actual_vs_projection"] = _pt(q.actual_vs_share_projection_pct,
                                                       "percent")
        out["quarter_year_growth"] = _pt(q.actual_2024_growth, "percent")
    for s in trade.scenarios(ds, p["scenario_growth_pct"], p["scenario_base_year"],
                             p["horizon_year"], p["milestone_busd"]):
        key = f"scenario_{s.growth_pct:g}"
        out[f"{key}_final"] = _pt(s.final, "usd_bn")
        out[f"{key}_first_year_at_milestone"] = {"value": s.first_year_at_milestone,
                                                 "unit": "year"}
    return out


def _tourism_values(ds: Dataset, p: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    g = tourism.growth(ds, threshold=p["threshold_multiple"])
    if g is not None:
        safe = tourism.coarsest_rounding_keeping(
            g.after.value, metrics.printed(g.before.value, g.before.decimals), g.threshold)
        out.update({
            "visitor_growth": _iv(g.growth_pct, "percent"),
            "visitor_multiple": _iv(g.multiple, "times"),
            "coarsest_safe_rounding": {"value": safe, "unit": "decimals"},
        })
    c = tourism.majority(ds)
    if c is not None:
        out.update({
            "china_share_of_border_total": _iv(c.share_of_border_total, "percent"),
            "china_share_of_article_total": _iv(c.share_of_article_total, "percent"),
            "needed_for_majority": _pt(c.needed_for_majority, "people"),
        })
    return out


VALUES: dict[str, tuple[str, Callable[[Dataset, dict[str, Any]], dict], dict[str, str]]] = {
    "trade": ("trade", _trade_values, {"horizon_year": "horizon_year"}),
    "tourism": ("tourism", _tourism_values, {"threshold_multiple": "threshold_multiple"}),
}
"""Per notebook ``checks`` name: its claims' topic, its values, and which of its
parameters the claims take (claim argument → parameter)."""


def record(checks: str | None, ds: Dataset | None, params: dict[str, Any], *,
           report: str, scenario: str | None = None, title: str | None = None,
           versions_: dict[str, str] | None = None) -> dict[str, Any]:
    """The results record of one report.

    Parameters
    ----------
    checks : str or None
        The notebook's ``bilateral.checks`` name (``"trade"``, ``"tourism"``); None for a
        notebook that is not one of the project's: its record holds its parameters only.
    ds : Dataset or None
        The data the report was built from.
    params : dict
        Every parameter's value, defaults included; ``data_dir`` is left out (it is a
        path of the machine, and the data's fingerprint says what was read).
    """
    out = common(params, report=report, scenario=scenario, title=title, versions_=versions_)
    if checks is None or ds is None:
        return out
    topic, values, claim_params = VALUES[checks]
    out["checks"] = checks
    out["data"] = {"fingerprint": ds.fingerprint, "as_of": ds.as_of.isoformat(),
                   "files": data_names(ds)}
    out["figures"] = {
        f.id: {"value": number(f.value), "label": f.label, "unit": f.unit,
               "decimals": f.decimals,
               "period": f.period.text, "source_id": f.source_id,
               **({"vintage": f.vintage} if f.vintage else {}),
               **({"discrepancy": f.discrepancy} if f.discrepancy else {})}
        for f in sorted((*ds.figures.values(), *ds.context.values()), key=lambda f: f.id)}
    out["values"] = dict(sorted(values(ds, params).items()))
    kwargs = {arg: params[name] for arg, name in claim_params.items() if name in params}
    out["claims"] = {c.id: {"statement": c.statement, "verdict": c.verdict, "check": c.check,
                            "figures": list(c.figure_ids)}
                     for c in claims.for_topic(ds, topic, **kwargs)}
    return out
