"""Chart builders: each returns a matplotlib Figure and never saves or shows it.

Colours are the Okabe–Ito palette, safe for the common forms of colour blindness;
every chart has a title and units on its axes; every number drawn is formatted with
:mod:`bilateral.report.story.fmt`, as the tables print it. The source note goes under the
chart in the report (see ``present.figure``), so it is not drawn here.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bilateral.report.analysis.tourism import Growth, MajorityCheck, body_of
from bilateral.report.analysis.trade import QuarterAnalysis, Scenario, YearRow
from bilateral.report.story import fmt
from bilateral.report.story.words import growth_label, plain, subject

OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "grey": "#999999",
    "black": "#000000",
}
SIZE = (7.0, 3.6)


class Chart(Figure):
    """A matplotlib Figure that shows itself when a notebook cell returns it: as the
    report draws it (SVG), with no ``%matplotlib`` magic and no pyplot."""

    def _repr_html_(self) -> str:
        from bilateral.report.jupyter.display import chart_html

        return chart_html(self)


def _new(size=SIZE, ncols: int = 1) -> tuple[Figure, list]:
    fig = Chart(figsize=size, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    return fig, list(axes)


def annual_trade(rows: list[YearRow], highlight_year: int, title: str) -> Figure:
    """Bars of China's customs totals by year, ``highlight_year`` in orange."""
    fig, (ax,) = _new()
    years = [r.year for r in rows]
    values = [r.total.value for r in rows]
    colours = [OKABE_ITO["orange"] if y == highlight_year else OKABE_ITO["blue"] for y in years]
    bars = ax.bar(years, values, color=colours, width=0.7)
    for bar, r in zip(bars, rows):  # a first report that was revised later: hatched
        if r.total.vintage == "first":
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    for bar, v in zip(bars, values):
        ax.annotate(fmt.num(v, 1), (bar.get_x() + bar.get_width() / 2, v), ha="center",
                    va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    for y in range(min(years), max(years) + 1):
        if y not in years:
            ax.annotate("no reliable\ntotal", (y, 0), ha="center", va="bottom", fontsize=6.5,
                        color=OKABE_ITO["grey"], xytext=(0, 3), textcoords="offset points")
    ax.set_xticks(range(min(years), max(years) + 1))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_ylabel("Trade (billion USD)")
    ax.set_xlabel("Year")
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylim(0, max(values) * 1.12)
    return fig


def quarter(q: QuarterAnalysis, labels: tuple[str, str, str], title: str) -> Figure:
    """The quarter a year earlier (first reported, and as the reported growth implies it)
    against the quarter, with intervals; ``labels`` name the three rows."""
    fig, (ax,) = _new((7.0, 2.8))
    items = [
        (labels[0], q.first_reported_q1_2023, None, OKABE_ITO["grey"], "s"),
        (labels[1], q.implied_q1_2023.point, q.implied_q1_2023, OKABE_ITO["orange"], "o"),
        (labels[2], q.q1_2024.point, q.q1_2024, OKABE_ITO["blue"], "D"),
    ]
    for i, (_label, v, iv, colour, marker) in enumerate(items):
        y = len(items) - 1 - i
        if iv is not None:
            ax.errorbar(v, y, xerr=[[v - iv.lo], [iv.hi - v]], fmt=marker, color=colour,
                        capsize=5, markersize=7, elinewidth=2)
            ax.annotate(f"{fmt.num(v, 3)}  [{fmt.span(iv, fmt.num, decimals=3)}]", (iv.hi, y),
                        xytext=(8, 0), textcoords="offset points", va="center", fontsize=8)
        else:
            ax.plot(v, y, marker=marker, color=colour, markersize=7, linestyle="none")
            ax.annotate(fmt.num(v, 3), (v, y), xytext=(8, 0), textcoords="offset points",
                        va="center", fontsize=8)
    ax.set_yticks(range(len(items)), [it[0] for it in reversed(items)], fontsize=8)
    ax.set_ylim(-0.6, len(items) - 0.4)
    lo = min(q.first_reported_q1_2023, q.implied_q1_2023.lo, q.q1_2024.lo)
    hi = max(q.first_reported_q1_2023, q.implied_q1_2023.hi, q.q1_2024.hi)
    pad = max(hi - lo, 1.0)
    ax.set_xlim(lo - 0.2 * pad, hi + 0.8 * pad)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_xlabel("Trade in the quarter (billion USD); bars show the rounding interval")
    ax.set_title(title, fontsize=10, loc="left")
    return fig


def visitors(g: Growth, c: MajorityCheck) -> Figure:
    """Left: visitors 2022 and 2023. Right: 2023 totals by body, with China's count."""
    fig, (left, right) = _new((7.0, 3.4), ncols=2)
    years = [str(g.before.period.year), str(g.after.period.year)]
    vals = [g.before.value / 1000, g.after.value / 1000]
    left.bar(years, vals, color=[OKABE_ITO["sky"], OKABE_ITO["blue"]], width=0.55)
    for x, v in zip(years, vals):
        left.annotate(f"{fmt.num(v, 0)}k", (x, v), ha="center", va="bottom", fontsize=8,
                      xytext=(0, 2), textcoords="offset points")
    level = g.threshold * vals[0]
    left.axhline(level, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1)
    # x in axes fraction, y in data: the label sits at the left edge whatever the bars.
    left.annotate(f"{plain(g.threshold)} × {years[0]}", (0.02, level),
                  xycoords=left.get_yaxis_transform(), fontsize=7,
                  color=OKABE_ITO["black"], va="bottom", ha="left", xytext=(0, 2),
                  textcoords="offset points",
                  bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    left.set_ylabel(f"{subject(g.after).split(' to ')[0]} (thousands)")
    # The bars are the article's figures, whoever else counted the same.
    left.set_title(f"{subject(g.after)}, per the article",
                   fontsize=9, loc="left")
    left.set_ylim(0, max(max(vals), level) * 1.15)

    def body(f) -> str:  # "... 2023 (RST)" → "RST"
        return body_of(f) or f.label[:12]

    names = [body(f) for f in c.other_totals]
    totals = [f.value / 1000 for f in c.other_totals]
    right.bar(names, totals, color=OKABE_ITO["grey"], width=0.55, label="All foreign")
    ids = [f.id for f in c.other_totals]
    if c.border_total.id in ids:
        right.bar([names[ids.index(c.border_total.id)]], [c.border_china.value / 1000],
                  color=OKABE_ITO["vermillion"], width=0.55,
                  label=f"from {c.who} ({body(c.border_china)})")
    right.axhline(c.needed_for_majority / 1000, color=OKABE_ITO["black"], linestyle=":",
                  linewidth=1)
    right.annotate(f"half of {fmt.num(c.article_total.value / 1000, 0)}k",
                   (len(names) - 0.6, c.needed_for_majority / 1000), fontsize=7, va="bottom",
                   ha="right")
    for x, v in zip(names, totals):
        right.annotate(f"{fmt.num(v, 0)}k", (x, v), ha="center", va="bottom", fontsize=8,
                       xytext=(0, 2), textcoords="offset points")
    right.set_ylabel(f"Tourists or entries, {c.border_china.period.year} (thousands)")
    right.set_title(f"{c.border_china.period.year} totals by body; {c.who}'s share",
                    fontsize=9, loc="left")
    right.legend(fontsize=7, frameon=False, loc="lower right")
    right.set_ylim(0, max(totals) * 1.15)
    right.tick_params(axis="x", labelsize=8)
    return fig


def scenarios(paths: list[Scenario], history: list[YearRow], milestone: float,
              title: str) -> Figure:
    """Constant-growth paths to the horizon, from the customs record."""
    fig, (ax,) = _new((7.0, 3.6))
    ax.plot([r.year for r in history], [r.total.value for r in history], color=OKABE_ITO["black"],
            marker="o", markersize=3, linewidth=1.5, label="China's customs totals")
    colours = [OKABE_ITO[k] for k in ("blue", "orange", "green", "purple", "sky", "vermillion")]
    styles = ["-", "--", "-.", ":"]
    for i, s in enumerate(paths):
        ax.plot(s.years, s.values, color=colours[i % len(colours)],
                linestyle=styles[i % len(styles)], linewidth=1.8,
                label=f"{growth_label(s.growth_pct)} → {fmt.num(s.final, 0)} in {s.years[-1]}")
    ax.axhline(milestone, color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
    ax.annotate(f"milestone {plain(milestone)}", (history[0].year, milestone), fontsize=7,
                va="bottom", color="#555555")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.num(v, 0)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Trade (billion USD)")
    ax.set_xlabel("Year")
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    return fig
