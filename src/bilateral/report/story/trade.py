"""The trade report's words: paragraphs, alt texts, captions and chart titles."""

from __future__ import annotations

from markupsafe import Markup

from bilateral.report.analysis.trade import (
    QuarterAnalysis,
    RecordCheck,
    Revision,
    Scenario,
    YearAnalysis,
    YearRow,
)
from bilateral.report.data.consistency import Discrepancy
from bilateral.report.data.figures import Figure
from bilateral.report.metrics import Interval, round_half_up
from bilateral.report.story import fmt
from bilateral.report.story.markup import strong
from bilateral.report.story.words import (
    article_name,
    change,
    count_word,
    growth_label,
    period_name,
    plain,
    plural,
)

# ------------------------------------------------------------------------- the year


def _article(ds) -> str:
    return article_name(ds.article)


def title(ds) -> str:
    """The trade report's title, naming the article the data's claims come from."""
    return f"China–Russia trade in {_article(ds)}"


def subtitle(ds) -> str:
    return (f"What {_article(ds)} says about trade, what each number implies, and whether "
            "each claim holds.")


def _busd(f: Figure) -> str:
    return fmt.busd(f.value, max(f.decimals, 0))


def _cagr_phrase(iv: Interval) -> str:
    if iv.point > 0:
        return f"grew by {fmt.pct(iv.point, 2)} a year"
    if iv.point < 0:
        return f"shrank by {fmt.pct(-iv.point, 2)} a year"
    return "did not change"


def record_sentence(y: YearAnalysis | RecordCheck) -> str:
    """Whether the year is a record, with the highest earlier year, over the values each
    printed total stands for."""
    r = y.record if isinstance(y, YearAnalysis) else y
    best = fmt.busd(r.highest_before, r.highest_before_decimals)
    if r.certainty == "surely":
        s = (f"{r.year} is a record: above every earlier year in the series, the highest of "
             f"which was {r.highest_before_year}, at {best}.")
    elif r.certainty == "as printed":
        s = (f"{r.year} is a record as printed, above {r.highest_before_year}'s {best}, but "
             "not at every rounding: the two totals' ranges overlap.")
    elif r.position == "equal to":
        s = (f"{r.year} is not a record as printed: it only equals the highest earlier year, "
             f"{r.highest_before_year}, at {best}"
             + (", though at some roundings it is above it." if r.certainty == "possibly"
                else "."))
    elif r.certainty == "possibly":
        s = (f"{r.year} is not a record as printed: {r.highest_before_year} was higher, at "
             f"{best}, though at some roundings {r.year} is above it.")
    else:
        s = f"{r.year} is not a record: {r.highest_before_year} was higher, at {best}."
    if r.missing_years:
        s += (" The series has no reliable total for "
              f"{', '.join(map(str, r.missing_years))}.")
    return s


def year_paragraph(y: YearAnalysis) -> Markup:
    """The article's annual total against customs: growth, record and compound growth."""
    a, o = y.article, y.official
    if y.official_equals_article:
        agree = "the figure the article gives"
    elif y.official_within_article_rounding:
        agree = f"which the article prints as {_busd(a)}"
    else:
        agree = f"where the article gives {_busd(a)}"
    out = [Markup("China's customs put two-way trade in {yr} at {v}, {agree}.").format(
        yr=y.year, v=strong(_busd(o)), agree=agree)]
    rep = y.row.reported_yoy
    rep_text = fmt.pct(rep.value, max(rep.decimals, 0), signed=True) if rep else None
    if y.previous is None:
        out.append(Markup("The series has no total for {p}, so growth cannot be recomputed"
                          "{rep}.").format(p=y.year - 1, rep=(
                              Markup("; customs reported {}").format(strong(rep_text))
                              if rep else "")))
    else:
        g = y.row.recomputed_yoy
        prev = f"{y.previous.year}'s {_busd(y.previous.total)}"
        if round_half_up(g, 2) == 0:
            grown = Markup("about the same as {}").format(prev)
        else:
            grown = Markup("{} {} than {}").format(strong(fmt.pct(abs(g), 2)),
                                                   "more" if g > 0 else "less", prev)
        out.append(Markup("Recomputed from the two published totals, that is {}.").format(
            grown))
        if rep:
            gap = y.row.gap_pts
            if round_half_up(gap, 2) == 0:
                out.append(Markup("Customs reported {}, the same to two decimals.").format(
                    strong(rep_text)))
            else:
                out.append(Markup(
                    "Customs reported {rep}, {gap} points {dir} the recomputed figure: customs "
                    "compute growth on the prior year's revised total, not on the "
                    "first-published one, so the two can differ.").format(
                        rep=strong(rep_text), gap=fmt.num(abs(gap), 2),
                        dir="above" if gap > 0 else "below"))
    out.append(Markup(record_sentence(y)))
    if y.cagr_long:
        first, iv = y.cagr_long
        s = Markup("Over {a}–{b} trade {phrase} (compound; {lo} to {hi} allowing for "
                   "rounding)").format(a=first, b=y.year, phrase=_cagr_phrase(iv),
                                       lo=fmt.pct(iv.lo, 3), hi=fmt.pct(iv.hi, 3))
        if y.cagr_short:
            start, civ = y.cagr_short
            s += Markup("; over {a}–{b} it {phrase}").format(a=start, b=y.year,
                                                             phrase=_cagr_phrase(civ))
        out.append(s + ".")
    return Markup(" ").join(out)


def annual_alt(years: list[YearRow], y: YearAnalysis) -> str:
    """Alt text of the bar chart of annual totals."""
    r = y.record
    if r.position == "above":
        where = "above every earlier year"
    elif r.position == "equal to":
        where = f"equal to the highest earlier year, {r.highest_before_year}"
    else:
        where = (f"below {r.highest_before_year}'s "
                 f"{fmt.busd(r.highest_before, r.highest_before_decimals)}")
    return (f"Bar chart of China–Russia trade by year from {years[0].year} to "
            f"{years[-1].year}; {y.year} stands at {_busd(y.official)}, {where}.")


def annual_caption(years: list[YearRow], number: int = 1) -> str:
    """The bar chart's caption, saying which bars are first reports."""
    first = [str(r.year) for r in years if r.total.vintage == "first"]
    tail = (f" Hatched: first reported, revised later ({', '.join(first)})." if first else "")
    return f"Figure {number}. China–Russia trade by year, billion USD (China's customs).{tail}"


def annual_title(y: YearAnalysis) -> str:
    return f"China–Russia trade by year, China's customs ({y.year} highlighted)"


# ---------------------------------------------------------------------- the quarter


def _g(q: QuarterAnalysis, x: float, extra: int = 0) -> str:
    return fmt.pct(x, max(q.article_growth.decimals, 0) + extra)


def _q1(q: QuarterAnalysis, x: float, extra: int = 0) -> str:
    return fmt.busd(x, max(q.article_q1.decimals, 0) + extra)


def quarter_paragraph(q: QuarterAnalysis | None) -> Markup:
    """What the article's quarter and growth imply about the same quarter a year earlier;
    when the article gives no quarter's growth (``q`` None), that it gives none."""
    if q is None:
        return Markup("The article gives no growth for a part of the year: there is no "
                      "quarter to check.")
    g = q.growth_reported
    cur, base = period_name(q.period), period_name(q.base_period)
    moved = change(g.point)
    if moved == "unchanged":
        how = "unchanged on a year earlier"
    else:
        how = Markup("{} {} on a year earlier").format(moved, strong(_g(q, abs(g.point))))
    out = [Markup("Trade of {q1} in {cur}, {how}, implies that {base} was {imp}.").format(
        q1=strong(_q1(q, q.q1_2024.point)), cur=cur, how=how, base=base,
        imp=strong(fmt.busd(q.implied_q1_2023.point, 3)))]
    out.append(Markup(
        "Because {q1} stands for anything from {q1lo} to {q1hi} and {gp} for anything from "
        "{glo} to {ghi}, the implied value lies between {lo} and {hi}.").format(
            q1=fmt.num(q.q1_2024.point, max(q.article_q1.decimals, 0)),
            q1lo=fmt.num(q.q1_2024.lo, q.article_q1.decimals + 1),
            q1hi=fmt.num(q.q1_2024.hi, q.article_q1.decimals + 1),
            gp=_g(q, g.point), glo=_g(q, g.lo, 1), ghi=_g(q, g.hi, 1),
            lo=strong(fmt.busd(q.implied_q1_2023.lo, 3)),
            hi=strong(fmt.busd(q.implied_q1_2023.hi, 3))))
    vs = q.growth_vs_first_reported.point
    rounded = _g(q, vs)
    same = round_half_up(vs, q.article_growth.decimals) == round_half_up(
        g.point, q.article_growth.decimals)
    out.append(Markup(
        "Customs first reported {base} at {first}: growth from that value is {g2}, which "
        "rounds to {g1}{tail}.").format(
            base=base, first=_busd(q.first_reported), g2=_g(q, vs, 1),
            g1=rounded, tail=", as the article has it" if same else f", not {_g(q, g.point)}"))
    pos, rev = q.first_reported_position, q.revision.point
    if pos == "inside":
        out.append(Markup("The first-reported value lies inside the implied interval: no "
                          "revision of the base is needed to arrive at {}.").format(
                              _g(q, g.point)))
    else:
        out.append(Markup(
            "The first-reported value lies {pos} the implied interval: {gp} implies a base "
            "revised {dir} by about {rev} bn.").format(
                pos=pos, gp=_g(q, g.point), dir="up" if pos == "below" else "down",
                rev=fmt.num(abs(rev), 3)))
    return Markup(" ").join(out)


def share_paragraph(q: QuarterAnalysis) -> Markup:
    """The quarter against the previous whole year, the run rate and the year's outcome."""
    year, prior = q.period.year, q.year_period.year
    out = [Markup(
        "Set against the whole of {prior} ({y}), the quarter is {share} of a year's trade. At "
        "that pace (×4) {year} would reach {run}, {runvs} on {prior}. If the quarter kept the "
        "share of its year that it had in {prior}, {year} would total {fy}.").format(
            prior=prior, y=_busd(q.year_figure),
            share=strong(fmt.pct(q.share_of_2023.point, 2)), year=year,
            run=fmt.busd(q.run_rate.point), runvs=fmt.pct(q.run_rate_vs_2023.point, 1,
                                                          signed=True),
            fy=strong(fmt.busd(q.full_year_if_share_held.point, 1)))]
    if q.actual_2024 is None:
        out.append(Markup("The data holds no customs total for {} to compare with.").format(
            year))
    else:
        out.append(Markup(
            "The data has the answer: customs put {year} at {actual}, {diff} against that "
            "projection and {g} on customs' total for {prior}.").format(
                year=year, actual=strong(_busd(q.actual_figure)),
                diff=fmt.pct(q.actual_vs_share_projection_pct, 1, signed=True),
                g=fmt.pct(q.actual_2024_growth, 2, signed=True), prior=prior))
    return Markup(" ").join(out)


def quarter_alt(q: QuarterAnalysis) -> str:
    """Alt text of the dot chart of the quarter."""
    pos = q.first_reported_position
    return (f"Dot chart: {period_name(q.base_period)} as first reported at "
            f"{_busd(q.first_reported)} lies {pos} the interval "
            f"{fmt.span(q.implied_q1_2023, fmt.busd, decimals=3)} that "
            f"{_g(q, q.growth_reported.point)} growth implies; {period_name(q.period)} at "
            f"{_q1(q, q.q1_2024.point)}.")


def quarter_caption(q: QuarterAnalysis, number: int = 2) -> str:
    return (f"Figure {number}. Trade in the quarter, billion USD: {period_name(q.base_period)} "
            "as first reported and as implied by the article's figures, against "
            f"{period_name(q.period)}.")


def quarter_title(q: QuarterAnalysis) -> str:
    return (f"{period_name(q.base_period)}: the base that {_g(q, q.growth_reported.point)} "
            "implies, beside the first report")


def quarter_labels(q: QuarterAnalysis) -> tuple[str, str, str]:
    """The chart's three row labels: first-reported base, implied base, the quarter."""
    return (f"{period_name(q.base_period)}, first reported",
            f"{period_name(q.base_period)}, implied by "
            f"{fmt.num(q.q1_2024.point, max(q.article_q1.decimals, 0))} and "
            f"{_g(q, q.growth_reported.point)}",
            f"{period_name(q.period)}, as reported")


# -------------------------------------------------------------------- the scenarios


def article_horizon(h: Figure) -> tuple[int, int]:
    """The article's horizon as (first year, last year): "the next six years" from 2024."""
    return h.period.start.year, h.period.start.year + int(h.value)


def scenarios_paragraph(h: Figure | None, base_year: int, horizon_year: int) -> Markup:
    """How the scenarios' span relates to the article's horizon (``h``; None when the
    article names none)."""
    if h is None:
        return Markup("The paths below start from the customs total of {base} and run to "
                      "{hz}; the article looks no number of years ahead.").format(
                          base=base_year, hz=horizon_year)
    start, end = article_horizon(h)
    if horizon_year == end:
        rel = "the end of the article's horizon"
    else:
        rel = (f"{plural(abs(horizon_year - end), 'year')} "
               f"{'after' if horizon_year > end else 'before'} the end of the article's horizon")
    return Markup(
        "The article looks {n} ahead from {start}, to {end}. The paths below start from the "
        "customs total of {base} and run to {hz}, {rel}.").format(
            n=plural(int(h.value), "year"), start=start, end=end, base=base_year,
            hz=horizon_year, rel=rel)


def scenarios_title(h: Figure | None, horizon_year: int) -> str:
    if h is not None and horizon_year == article_horizon(h)[1]:
        return (f"Trade to {horizon_year}, the end of the article's "
                f"{count_word(int(h.value))}-year horizon, under constant growth")
    return f"Trade to {horizon_year} under constant growth"


def scenarios_alt(paths: list[Scenario], base_year: int, horizon_year: int) -> str:
    return (f"Line chart of trade paths from {base_year} to {horizon_year} at "
            + ", ".join(growth_label(s.growth_pct).removesuffix(" a year") for s in paths)
            + " a year, ending at " + ", ".join(fmt.busd(s.final, 0) for s in paths) + ".")


def scenarios_caption(horizon_year: int, number: int = 3) -> str:
    return (f"Figure {number}. Customs record and constant-growth paths to {horizon_year}, "
            "billion USD.")


# -------------------------------------------------------------------- revisions

REVISION_SHOWN_PCT = 1.0
"""Revisions of at least this many percent are named in the text; all are in Table 2."""


def revisions_paragraph(revs: list[Revision]) -> Markup:
    """What the reported growth rates say about revisions of the first-reported totals."""
    big = [r for r in revs if abs(r.pct) >= REVISION_SHOWN_PCT]
    out = [Markup(
        "Customs compute each year's growth on the prior year's revised total, so the "
        "reported growth implies that total (the last column of Table 2).")]
    if not big:
        out.append(Markup("No first-reported total differs from it by {} % or more.").format(
            plain(REVISION_SHOWN_PCT)))
        return Markup(" ").join(out)
    out.append(Markup("{n} of the {m} years differ by {t} % or more:").format(
        n=count_word(len(big)).capitalize(), m=count_word(len(revs)),
        t=plain(REVISION_SHOWN_PCT)))
    items = []
    for r in big:
        nxt = f"{r.year + 1}"
        s = Markup("{y} was published at {v}; {nxt}'s reported growth implies {imp}, "
                   "{pct} {dir}").format(
            y=r.year, v=_busd(r.first), nxt=nxt, imp=strong(fmt.busd(r.implied, 2)),
            pct=fmt.pct(abs(r.pct), 1), dir="higher" if r.pct > 0 else "lower")
        if r.others:
            s += Markup(" ({})").format("; ".join(
                f"{o.label}: {_busd(o)}" for o in r.others))
        items.append(s)
    out.append(Markup("; ").join(items) + ".")
    return Markup(" ").join(out)


def discrepancy_items(discrepancies: list[Discrepancy]) -> list[str]:
    """One line per reason the data gives: the reason, then each row it explains with its
    value and what the other rows give."""
    by_why: dict[str, list[Discrepancy]] = {}
    for d in discrepancies:
        by_why.setdefault(d.why, []).append(d)
    lines = []
    for why, group in by_why.items():
        rows = []
        for d in group:
            checked, others = d.figure_ids[0], d.figure_ids[1:]
            lo, hi = d.expected
            rows.append(f"{checked} = {fmt.value(d.found, d.unit, d.decimals)} where "
                        f"{d.rule} {' and '.join(others)} gives {fmt.num(lo, 2)} to "
                        f"{fmt.num(hi, 2)}")
        lines.append(f"{why.rstrip('.')}: {'; '.join(rows)}.")
    return lines
