"""The tourism analysis: growth 2022→2023 and who the visitors were, from a Dataset."""

from __future__ import annotations

from dataclasses import dataclass

from bilateral.core.errors import DataError
from bilateral.report import metrics as m
from bilateral.report.data.figures import Dataset, Figure
from bilateral.report.metrics import Interval


@dataclass(frozen=True)
class Growth:
    """Visitors in two years, with growth and multiple over the printed-precision intervals."""

    before: Figure
    after: Figure
    growth_pct: Interval
    multiple: Interval
    threshold: float

    @property
    def above_threshold_surely(self) -> bool:
        """Every pair of values that rounds to the printed ones gives more than ``threshold``×."""
        return self.multiple.lo > self.threshold

    @property
    def above_threshold_at_point(self) -> bool:
        return self.multiple.point > self.threshold


def growth(ds: Dataset, before_id: str = "visitors_2022", after_id: str = "visitors_2023",
           threshold: float = 3.0) -> Growth:
    """Growth and multiple from ``before_id`` to ``after_id``, checked against ``threshold``."""
    b, a = ds[before_id], ds[after_id]
    b.require_positive("the base of visitor growth")
    bi, ai = m.printed(b.value, b.decimals), m.printed(a.value, a.decimals)
    return Growth(b, a, m.growth_pct_interval(ai, bi), m.multiple_interval(ai, bi), threshold)


def coarsest_rounding_keeping(after: float, before: Interval, threshold: float) -> int:
    """The coarsest rounding of ``after`` (as a power of ten) that still keeps the multiple
    above ``threshold`` for every value it could stand for.

    Rounded to 10^k, ``after`` prints as ``round_half_up(after, -k)``, which stands for any
    value from half a step below it; the multiple must exceed ``threshold`` from there.
    620,000 rounded to 100,000 prints as 600,000, which may be 550,000: not safe.

    Returns the negative ``decimals`` value: -3 means "to the nearest thousand" is safe.
    """
    safe = 0
    for d in range(0, -10, -1):
        lo = m.round_half_up(after, d) - 0.5 * 10.0 ** (-d)
        if lo <= 0 or m.multiple(lo, before.hi) <= threshold:
            break
        safe = d
    return safe


UPPER_BOUND = ("entries count each visitor at least once, so as a count of people they are "
               "an upper bound")
"""Why a count of entries may be divided by a count of people: the result bounds the
share of people from above."""


def share_of(part: Figure, whole: Figure) -> tuple[Interval, str | None]:
    """``part`` as a percentage of ``whole`` over their rounding, and the reason when the
    two count different things.

    Counts of the same unit divide plainly (reason None). Entries over people give an
    upper bound on the share of people (reason :data:`UPPER_BOUND`). Any other mix of
    units has no stated reason and raises DataError naming the whole's row.
    """
    if part.unit == whole.unit:
        reason = None
    elif (part.unit, whole.unit) == ("entries", "people"):
        reason = UPPER_BOUND
    else:
        raise DataError(whole.file, f"{part.id} counts {part.unit} and {whole.id} counts "
                        f"{whole.unit}: a share of one in the other has no stated reason",
                        row=whole.row, column="unit")
    whole.require_positive("the total of a share")
    return (m.share_pct_interval(m.printed(part.value, part.decimals),
                                 m.printed(whole.value, whole.decimals)), reason)


@dataclass(frozen=True)
class MajorityCheck:
    """What "the majority being Chinese tourists" would take, and what the records say."""

    article_total: Figure
    needed_for_majority: float
    border_total: Figure
    border_china: Figure
    share_of_border_total: Interval
    share_of_article_total: Interval
    article_share_reason: str | None
    """Why the article's total (people) may divide a count of entries, when it counts
    something else: the share is then an upper bound."""
    largest_other: Figure | None
    """The largest count of another country, or None when the data has no other."""
    china_is_largest: bool
    other_totals: list[Figure]

    @property
    def majority_of_border_total(self) -> str:
        """``'surely'``, ``'at the point'``, ``'only at some roundings'`` or ``'no'``: is
        China's count more than half of the border service's own total?"""
        s = self.share_of_border_total
        if s.lo > 50:
            return "surely"
        if s.point > 50:
            return "at the point"
        return "only at some roundings" if s.hi > 50 else "no"

    @property
    def any_majority(self) -> bool:
        """Could the border count be a majority of either total, at any rounding?"""
        return self.share_of_border_total.hi > 50 or self.share_of_article_total.hi > 50


@dataclass
class SourceMatch:
    """The article's visitor counts beside RST's, the body its "Russian Union of
    Tourism" is taken to be when their counts agree."""

    article: tuple[Figure, Figure]
    rst: tuple[Figure, Figure]

    @property
    def same(self) -> bool:
        """Whether RST's count is the article's for every year."""
        return all(a.value == r.value for a, r in zip(self.article, self.rst))


def source_match(ds: Dataset) -> SourceMatch:
    return SourceMatch((ds["visitors_2022"], ds["visitors_2023"]),
                       (ds["rst_foreign_tourists_2022"], ds["rst_foreign_tourists_2023"]))


def majority(ds: Dataset) -> MajorityCheck:
    """Check the "majority Chinese" claim against the border service's counts by country."""
    total = ds["visitors_2023"]
    border_total = ds["fsb_tourist_entries_2023"]
    china = ds["fsb_tourist_entries_china_2023"]
    total.require_positive("the total of a share")
    border_total.require_positive("the total of a share")
    others = [f for f in ds.series("fsb_tourist_entries_") if f.period.year == 2023
              and f.id not in (border_total.id, china.id)]
    largest_other = max(others, key=lambda f: f.value) if others else None
    share_border, _ = share_of(china, border_total)
    share_article, article_reason = share_of(china, total)
    return MajorityCheck(
        article_total=total,
        needed_for_majority=total.value / 2,
        border_total=border_total,
        border_china=china,
        share_of_border_total=share_border,
        share_of_article_total=share_article,
        article_share_reason=article_reason,
        largest_other=largest_other,
        china_is_largest=largest_other is None or china.value > largest_other.value,
        other_totals=[ds[i] for i in ("rst_foreign_tourists_2023", "fsb_tourist_entries_2023",
                                      "ator_foreign_tourists_2023")],
    )
