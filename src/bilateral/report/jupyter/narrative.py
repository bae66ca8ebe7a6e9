"""The reports' topic tables: every cell, formula text included, formatted from values.

Kept out of the notebooks so they stay thin, and out of ``trade``/``tourism`` so
those stay arithmetic.
"""

from __future__ import annotations

from IPython.display import HTML

from bilateral.report.analysis.tourism import Growth
from bilateral.report.analysis.trade import QuarterAnalysis, Scenario, YearRow
from bilateral.report.data.figures import Dataset
from bilateral.report.jupyter.present import table
from bilateral.report.metrics import round_half_up
from bilateral.report.story import fmt
from bilateral.report.story.words import growth_label, period_name, plain


def _src(ds: Dataset, figure_id: str) -> str:
    s = ds.source_of(figure_id)
    return f"{s.publisher}, {s.date.isoformat()} [{s.id}]"


SHORT_VINTAGE = {"first": "first report", "revised": "revised"}


def annual_table(rows: list[YearRow], caption: str) -> HTML:
    """Customs totals by year, growth recomputed and as reported, the gap, and the prior
    year's total that the reported growth implies."""
    def total(r: YearRow) -> str:
        text = fmt.num(r.total.value, r.total.decimals)
        return f"{text} ({SHORT_VINTAGE[r.total.vintage]})" if r.total.vintage else text

    return table(
        [[r.year, total(r),
          fmt.pct(r.recomputed_yoy, 2, signed=True) if r.recomputed_yoy is not None else "—",
          fmt.pct(r.reported_yoy.value, 1, signed=True) if r.reported_yoy else "—",
          fmt.num(r.gap_pts, 2) if r.gap_pts is not None else "—",
          fmt.num(r.implied_prior, 2) if r.implied_prior is not None else "—",
          f"[{r.total.source_id}]"] for r in rows],
        ["Year", "Total", "Growth recomputed", "Growth reported", "Gap (points)",
         "Prior year implied", "Source"],
        caption=caption,
        note="Totals in billion USD. Recomputed growth = (total ÷ previous year's total − 1) × "
             "100, only where the "
             "previous year is in the series with a value of the same vintage; gap = "
             "reported − recomputed. Prior year implied = total ÷ (1 + reported growth ÷ "
             "100): the base customs computed the reported growth on. Years missing from "
             "the series have no reliable total.",
        numeric=[1, 2, 3, 4, 5])


def quarter_table(ds: Dataset, q: QuarterAnalysis, caption: str) -> HTML:
    """The quarter's quantities with their intervals and how each is computed."""
    dq, dg = max(q.article_q1.decimals, 0), max(q.article_growth.decimals, 0)
    q1, g = fmt.num(q.q1_2024.point, dq), fmt.num(q.growth_reported.point, dg)
    first = fmt.num(q.first_reported.value, max(q.first_reported.decimals, 0))
    y23 = fmt.num(q.year_figure.value, max(q.year_figure.decimals, 0))
    cur, base = period_name(q.period), period_name(q.base_period)
    year, prior = q.period.year, q.year_period.year
    rows = [
        [f"{base} implied by the article", fmt.num(q.implied_q1_2023.point, 3),
         fmt.span(q.implied_q1_2023, fmt.num, decimals=3), f"{q1} ÷ (1 + {g} ÷ 100)"],
        [f"{base} as first reported", first, "—", _src(ds, q.first_reported.id)],
        ["Growth from the first report (%)", fmt.num(q.growth_vs_first_reported.point, 2),
         fmt.span(q.growth_vs_first_reported, fmt.num, decimals=2),
         f"({q1} ÷ {first} − 1) × 100"],
        ["Revision the reported growth implies", fmt.num(q.revision.point, 3),
         fmt.span(q.revision, fmt.num, decimals=3), "implied − first reported"],
        [f"{cur} as a share of {prior} (%)", fmt.num(q.share_of_2023.point, 2),
         fmt.span(q.share_of_2023, fmt.num, decimals=2), f"{q1} ÷ {y23} × 100"],
        [f"Run rate: {cur} × 4", fmt.num(q.run_rate.point, 2),
         fmt.span(q.run_rate, fmt.num, decimals=2), f"{q1} × 4"],
        [f"{year} if the quarter's share of the year held",
         fmt.num(q.full_year_if_share_held.point, 2),
         fmt.span(q.full_year_if_share_held, fmt.num, decimals=2),
         f"{q1} ÷ (implied {base} ÷ {y23}) = {y23} × (1 + {g} ÷ 100)"],
    ]
    if q.actual_figure is not None:
        a = q.actual_figure
        rows.append([f"{year} as customs reported", fmt.num(a.value, max(a.decimals, 0)), "—",
                     _src(ds, a.id)])
    return table(rows, ["Quantity (bn USD unless marked)", "Value", "Rounding interval",
                        "How computed"], caption=caption,
                 note="Intervals: each input may be anywhere within half a unit of its last "
                      f"printed digit ({q1} → "
                      f"{fmt.span(q.q1_2024, fmt.num, decimals=dq + 1)}; {g} → "
                      f"{fmt.span(q.growth_reported, fmt.num, decimals=dg + 1)}); the bounds "
                      "are the extremes over those ranges.",
                 numeric=[1])


def _path_value(v: float, milestone: float) -> str:
    """A path's value to one decimal, or to as many more as it takes for the cell to sit on
    the same side of ``milestone`` as the value: 299.96 is printed 299.96, not 300.0, in a
    column whose first year at or above 300 is the next."""
    d = 1
    while d < 12 and (round_half_up(v, d) >= milestone) != (v >= milestone):
        d += 1
    return fmt.num(v, d)


def scenario_table(paths: list[Scenario], milestone: float, caption: str) -> HTML:
    """Projected totals by year for each path, and the year each first reaches ``milestone``."""
    years = paths[0].years
    rows = [[y] + [_path_value(s.values[k], milestone) for s in paths]
            for k, y in enumerate(years)]
    rows.append([f"First year ≥ {plain(milestone)}"]
                + [str(s.first_year_at_milestone or f"not by {years[-1]}") for s in paths])
    return table(rows, ["Year"] + [growth_label(s.growth_pct) for s in paths],
                 caption=caption,
                 note=f"Value in year t = total of {years[0]} × (1 + g ÷ 100)^(t − {years[0]}).",
                 numeric=range(1, len(paths) + 1))


def growth_table(g: Growth, caption: str) -> HTML:
    """Growth and multiple of visitors with their intervals and formulas."""
    a, b = fmt.people(g.after.value), fmt.people(g.before.value)
    return table(
        [["Growth (%)", fmt.num(g.growth_pct.point, 2), fmt.span(g.growth_pct, fmt.num,
                                                                 decimals=2),
          f"({a} ÷ {b} − 1) × 100"],
         ["Multiple", fmt.num(g.multiple.point, 4), fmt.span(g.multiple, fmt.num, decimals=4),
          f"{a} ÷ {b}"]],
        ["Quantity", "Value", "Rounding interval", "How computed"],
        caption=caption, numeric=[1])


def counts_table(ds: Dataset, figure_ids: list[str], caption: str, note: str) -> HTML:
    """Head counts with their period and source."""
    return table([[ds[i].label, fmt.people(ds[i].value), ds[i].unit, ds[i].period.text,
                   f"[{ds[i].source_id}]"] for i in figure_ids],
                 ["Figure", "Count", "Counts", "Period", "Source"], caption=caption, note=note,
                 numeric=[1])
