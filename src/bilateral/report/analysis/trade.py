"""The trade analysis: the year, the quarter and the scenarios, computed from a Dataset.

Each function returns plain data (dataclasses of numbers and intervals); the
notebook formats it and ``claims`` judges the article by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bilateral.core.errors import DataError
from bilateral.report import metrics as m
from bilateral.report.data.figures import Dataset, Figure, Period
from bilateral.report.metrics import Interval

ANNUAL_PREFIX = "gacc_trade_"
REPORTED_YOY_PREFIX = "gacc_yoy_"


def annual_totals(ds: Dataset, prefix: str = ANNUAL_PREFIX) -> dict[int, Figure]:
    """The yearly values of the series whose ids start with ``prefix`` (customs' totals by
    default): the headline value of each year (a revised value only where it is the only
    one the data has for the year)."""
    out: dict[int, Figure] = {}
    for f in ds.series(prefix):
        if f.period.kind != "year":
            continue
        if f.period.year not in out or out[f.period.year].vintage == "revised":
            out[f.period.year] = f
    return out


def same_vintage(a: Figure, b: Figure) -> bool:
    """Can growth be recomputed from ``a`` and ``b``? Not when both state their vintage
    and the two differ (a first report against a revised value)."""
    return not (a.vintage and b.vintage and a.vintage != b.vintage)


def _reported_yoy(ds: Dataset) -> dict[int, Figure]:
    return {f.period.year: f for f in ds.series(REPORTED_YOY_PREFIX) if f.period.kind == "year"}


@dataclass(frozen=True)
class YearRow:
    """One year of China's customs totals, with growth recomputed and as reported."""

    year: int
    total: Figure
    recomputed_yoy: float | None
    reported_yoy: Figure | None

    @property
    def implied_prior(self) -> float | None:
        """The prior year's total that the reported growth was computed on:
        ``total ÷ (1 + reported ÷ 100)``; customs compute growth on revised totals."""
        if self.reported_yoy is None:
            return None
        return m.implied_prior(self.total.value, self.reported_yoy.value)

    @property
    def gap_pts(self) -> float | None:
        """Reported minus recomputed growth, in percentage points."""
        if self.recomputed_yoy is None or self.reported_yoy is None:
            return None
        return self.reported_yoy.value - self.recomputed_yoy


def annual(ds: Dataset) -> list[YearRow]:
    """Every year of the customs series; growth is recomputed only over consecutive years
    whose values are of the same vintage."""
    totals, reported = annual_totals(ds), _reported_yoy(ds)
    rows = []
    for year in sorted(totals):
        prev = totals.get(year - 1)
        if prev and not same_vintage(prev, totals[year]):
            prev = None
        if prev:
            prev.require_positive("the base of a year's growth")
        recomputed = m.growth_pct(totals[year].value, prev.value) if prev else None
        rows.append(YearRow(year, totals[year], recomputed, reported.get(year)))
    return rows


@dataclass(frozen=True)
class Revision:
    """A year's total as first reported against the total the next year's growth implies."""

    year: int
    first: Figure
    implied: float
    """Next year's total ÷ (1 + its reported growth ÷ 100)."""
    others: list[Figure]
    """Other bodies' totals for the year (MOFCOM's, say), outside the customs series."""

    @property
    def pct(self) -> float:
        """How much larger the implied total is than the first report, in percent."""
        return m.growth_pct(self.implied, self.first.value)


def revisions(ds: Dataset) -> list[Revision]:
    """Every year whose first-reported total the next year's reported growth revises,
    largest revision first. Years whose reported growth is missing are left out."""
    rows = {r.year: r for r in annual(ds)}
    out = []
    for year, row in rows.items():
        nxt = rows.get(year + 1)
        if nxt is None or nxt.implied_prior is None:
            continue
        others = [f for f in ds.series("") if f.period.kind == "year" and f.period.year == year
                  and f.unit == "usd_bn" and "_trade_" in f.id and f.id != row.total.id
                  and not f.id.startswith(ANNUAL_PREFIX)]
        out.append(Revision(year, row.total, nxt.implied_prior, others))
    return sorted(out, key=lambda r: -abs(r.pct))


@dataclass(frozen=True)
class RecordCheck:
    year: int
    value: float
    highest_before: float
    highest_before_year: int
    missing_years: list[int]
    is_record: bool
    highest_before_decimals: int = 2
    """The precision the highest earlier year's total was printed to."""
    certainty: str = "surely"
    """Over the values each printed total stands for: ``'surely'`` (every one makes it a
    record), ``'as printed'`` (the printed values do, not every rounding),
    ``'possibly'`` (only some roundings) or ``'no'`` (none)."""

    @property
    def position(self) -> str:
        """``'above'``, ``'equal to'`` or ``'below'`` the highest earlier year."""
        if self.value > self.highest_before:
            return "above"
        return "equal to" if self.value == self.highest_before else "below"


def record_check(ds: Dataset, year: int, prefix: str = ANNUAL_PREFIX) -> RecordCheck:
    """Is ``year``'s total of the series ``prefix`` above every earlier year's?

    Each printed total stands for the half-open range of values that print as it: the year
    is surely a record when its lowest value is at least every earlier year's highest
    (which none reaches), possibly when its highest exceeds every earlier year's lowest.
    Compared in exact decimals: at an edge a float's last bit would decide.
    """
    totals = annual_totals(ds, prefix)
    if year not in totals:
        raise ValueError(f"no total for {year} in the series {prefix}…")
    before = {y: f for y, f in totals.items() if y < year}
    if not before:
        raise ValueError(f"no total before {year} in the series {prefix}… to compare with")
    best_year = max(before, key=lambda y: before[y].value)
    missing = [y for y in range(min(totals), year) if y not in totals]

    lo, _, hi = m.exact_printed(totals[year].value, totals[year].decimals)
    earlier = [m.exact_printed(f.value, f.decimals) for f in before.values()]
    value, best = totals[year].value, before[best_year].value
    if all(lo >= e_hi for _, _, e_hi in earlier):
        certainty = "surely"
    elif value > best:
        certainty = "as printed"
    elif all(hi > e_lo for e_lo, _, _ in earlier):
        certainty = "possibly"
    else:
        certainty = "no"
    return RecordCheck(year, value, best, best_year, missing, value > best,
                       max(before[best_year].decimals, 0), certainty)


def years_with_totals(ds: Dataset) -> list[int]:
    """The years that have a customs total, in order."""
    return sorted(annual_totals(ds))


def cagr(ds: Dataset, first_year: int, last_year: int) -> Interval:
    """CAGR of the customs totals between two years, with the rounding interval."""
    totals = annual_totals(ds)
    for y in (first_year, last_year):
        if y not in totals:
            raise ValueError(f"no customs total for {y} in the data")
    a, b = totals[first_year], totals[last_year]
    a.require_positive("the start of a compound growth rate")
    return m.cagr_pct_interval(m.printed(a.value, a.decimals), m.printed(b.value, b.decimals),
                               last_year - first_year)


@dataclass(frozen=True)
class YearAnalysis:
    """The article's annual total beside China's customs record for the same year."""

    article: Figure
    official: Figure
    row: YearRow
    previous: YearRow | None
    record: RecordCheck
    cagr_long: tuple[int, Interval] | None
    """Compound growth from the first year of the series, with that year."""
    cagr_short: tuple[int, Interval] | None
    """Compound growth over the last five years, when the series has that year."""

    @property
    def year(self) -> int:
        return self.row.year

    @property
    def official_equals_article(self) -> bool:
        return self.official.value == self.article.value

    @property
    def official_within_article_rounding(self) -> bool:
        """Does customs' total print as the article's figure (:func:`metrics.prints_as`)?"""
        return m.prints_as(self.official.value, self.article.value, self.article.decimals)


SHORT_CAGR_YEARS = 5


def _claimed(ds: Dataset, kinds: tuple[str, ...], role: str, period_kind: str) -> list[Figure]:
    """The figures that the trade claims of ``kinds`` give the ``role``, whose period is
    of ``period_kind``, in the order of ``claims.csv``."""
    return [ds[c.roles[role]] for c in ds.claims
            if c.topic == "trade" and c.kind in kinds and role in c.roles
            and ds[c.roles[role]].period.kind == period_kind]


def article_year_figure(ds: Dataset) -> Figure | None:
    """The article's annual total: the figure its first record (or level) claim is about."""
    found = _claimed(ds, ("record", "level"), "article", "year")
    return found[0] if found else None


def article_horizon_figure(ds: Dataset) -> Figure | None:
    """The horizon in years the article looks ahead (its first horizon claim), or None."""
    return next((ds[c.roles["horizon"]] for c in ds.claims
                 if c.kind == "horizon" and "horizon" in c.roles), None)


def year(ds: Dataset, article_id: str | None = None) -> YearAnalysis:
    """The year of the article's total (``article_id``, else the figure of the article's
    record claim): customs' figure, growth, record and compound growth."""
    if article_id is None:
        found = article_year_figure(ds)
        if found is None:
            raise DataError(str(ds.folder / "claims.csv"), "no trade claim of kind record "
                            "or level about a whole year: the annual analysis has no "
                            "article figure to start from")
        article_id = found.id
    article = ds[article_id]
    y = article.period.year
    rows = {r.year: r for r in annual(ds)}
    if y not in rows:
        raise DataError(article.file, f"{article_id} is for {y}, but the customs series has "
                        f"no total for {y}", row=article.row, column="period")
    first = min(rows)
    if first == y:
        raise DataError(article.file, f"{article_id} is for {y}, but the customs series has "
                        f"no earlier year to compare it with", row=article.row,
                        column="period")
    rec = record_check(ds, y)
    long = (first, cagr(ds, first, y)) if first < y else None
    start = y - SHORT_CAGR_YEARS
    short = (start, cagr(ds, start, y)) if start in rows and start > first else None
    return YearAnalysis(article, rows[y].total, rows[y], rows.get(y - 1), rec, long, short)


@dataclass(frozen=True)
class QuarterAnalysis:
    """What the article's Q1 2024 figures imply, beside the official record."""

    q1_2024: Interval
    growth_reported: Interval
    implied_q1_2023: Interval
    first_reported_q1_2023: float
    growth_vs_first_reported: Interval
    first_reported_in_implied: bool
    revision: Interval
    total_2023: Interval
    share_of_2023: Interval
    run_rate: Interval
    run_rate_vs_2023: Interval
    full_year_if_share_held: Interval
    actual_2024: float | None
    actual_vs_share_projection_pct: float | None
    actual_2024_growth: float | None
    """Growth of the year's customs total on customs' total of the year before."""
    article_q1: Figure
    article_growth: Figure
    first_reported: Figure
    period: Period
    """The quarter of the article's figures (Q1 2024)."""
    base_period: Period
    """The quarter a year earlier, as customs first reported it (Q1 2023)."""
    year_period: Period
    """The whole year the quarter is set against (2023)."""
    official_q1: Figure | None = None
    """The official figure for the quarter the claim names, if any."""
    year_figure: Figure | None = None
    """The whole year's total the quarter is set against, as printed."""
    actual_figure: Figure | None = None
    """Customs' total for the quarter's whole year, when the data has it."""

    @property
    def figure_ids(self) -> tuple[str, ...]:
        """The figures the quarter's analysis rests on, for its sources."""
        ids = [self.first_reported.id, self.article_q1.id]
        return tuple(ids + ([self.official_q1.id] if self.official_q1 is not None else []))

    @property
    def first_reported_position(self) -> str:
        """Where the first-reported base lies against the implied interval:
        ``'inside'``, ``'below'`` or ``'above'``."""
        if self.first_reported_q1_2023 < self.implied_q1_2023.lo:
            return "below"
        if self.first_reported_q1_2023 > self.implied_q1_2023.hi:
            return "above"
        return "inside"


def quarter(ds: Dataset) -> QuarterAnalysis | None:
    """The analysis of the article's quarter (the first growth claim about a quarter, with
    the first-reported base it names) against the customs record; None when the article
    gives no quarter's growth."""
    claim = next((c for c in ds.claims if c.topic == "trade" and c.kind == "growth"
                  and {"value", "growth", "first_base"} <= set(c.roles)
                  and ds[c.roles["value"]].period.kind == "quarter"), None)
    if claim is None:
        return None
    q1, g, first = (ds[claim.roles[r]] for r in ("value", "growth", "first_base"))
    year_before = q1.period.year - 1
    # The year before: the article's own total when its record or level claim is about
    # that year, else customs' total.
    y23 = next((f for f in _claimed(ds, ("record", "level"), "article", "year")
                if f.period.year == year_before and f.unit == q1.unit),
               annual_totals(ds).get(year_before))
    if y23 is None:
        raise DataError(q1.file, f"{q1.id} is for {q1.period.text}, but neither the article "
                        f"nor the customs series has a total for {year_before}", row=q1.row,
                        column="period")
    official = ds[claim.roles["official_value"]] if "official_value" in claim.roles else None
    for base in (first, y23):
        base.require_positive("a base of the quarter's comparisons")
    if g.bounds[0] <= -100:
        raise DataError(g.file, f"{g.id} = {g.value:g} % leaves no positive prior value",
                        row=g.row, column="value")
    q1_iv = m.printed(q1.value, q1.decimals)
    g_iv = m.printed(g.value, g.decimals)
    implied = m.implied_prior_interval(q1_iv, g_iv)
    first_iv = m.printed(first.value, first.decimals)
    vs_first = m.growth_pct_interval(q1_iv, first_iv)
    revision = Interval(implied.lo - first.value, implied.hi - first.value,
                        implied.point - first.value)
    y23_iv = m.printed(y23.value, y23.decimals)
    share = m.share_pct_interval(q1_iv, y23_iv)
    run_rate = Interval(*(m.annualised(x) for x in (q1_iv.lo, q1_iv.hi, q1_iv.point)))
    run_vs = m.growth_pct_interval(run_rate, y23_iv)
    # If Q1 keeps the share of the year it had in 2023 (Q1 2023 / 2023), 2024 is Q1 / share.
    share_2023 = m.share_pct(implied.point, y23.value)
    fy = Interval(*(m.full_year_from_share(x, share_2023) for x in (q1_iv.lo, q1_iv.hi,
                                                                     q1_iv.point)))
    totals = annual_totals(ds)
    actual = totals[q1.period.year].value if q1.period.year in totals else None
    prior_total = totals.get(y23.period.year, y23)
    prior_total.require_positive("the base of a year's growth")
    return QuarterAnalysis(
        q1_2024=q1_iv, growth_reported=g_iv, implied_q1_2023=implied,
        first_reported_q1_2023=first.value, growth_vs_first_reported=vs_first,
        first_reported_in_implied=first.value in implied, revision=revision,
        total_2023=y23_iv, share_of_2023=share, run_rate=run_rate, run_rate_vs_2023=run_vs,
        full_year_if_share_held=fy, actual_2024=actual,
        actual_vs_share_projection_pct=(m.growth_pct(actual, fy.point) if actual else None),
        actual_2024_growth=(m.growth_pct(actual, prior_total.value) if actual else None),
        article_q1=q1, article_growth=g, first_reported=first,
        period=q1.period, base_period=first.period, year_period=y23.period,
        official_q1=official, year_figure=y23,
        actual_figure=totals.get(q1.period.year),
    )


@dataclass(frozen=True)
class Scenario:
    growth_pct: float
    years: list[int]
    values: list[float]
    first_year_at_milestone: int | None

    @property
    def final(self) -> float:
        return self.values[-1]


def scenarios(ds: Dataset, growth_rates: list[float], base_year: int, last_year: int,
              milestone: float) -> list[Scenario]:
    """Constant-growth paths from the customs total of ``base_year`` to ``last_year``;
    the values are checked as the build checks the parameters they come from."""
    from bilateral.report import parameters

    parameters.check(scenario_growth_pct=list(growth_rates), scenario_base_year=base_year,
                     horizon_year=last_year, milestone_busd=milestone)
    totals = annual_totals(ds)
    if base_year not in totals:
        raise ValueError(f"no customs total for base year {base_year} "
                         f"(years with one: {', '.join(map(str, sorted(totals)))})")
    if last_year <= base_year:
        raise ValueError(f"last year {last_year} must come after base year {base_year}")
    base = totals[base_year].value
    out = []
    for g in growth_rates:
        values = m.project(base, g, last_year - base_year)
        out.append(Scenario(g, list(range(base_year, last_year + 1)), values,
                            m.first_year_reaching(base, base_year, g, milestone, last_year)))
    return out
