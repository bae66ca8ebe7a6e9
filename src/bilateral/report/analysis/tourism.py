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
    word: str = ""
    """The article's word for what the multiple exceeds ("tripled"), from its claim."""

    @property
    def above_threshold_surely(self) -> bool:
        """Every pair of values that rounds to the printed ones gives more than ``threshold``×."""
        return self.multiple.lo > self.threshold

    @property
    def above_threshold_at_point(self) -> bool:
        return self.multiple.point > self.threshold


def _claim(ds: Dataset, kind: str, roles: set[str]):
    """The first tourism claim of ``kind`` that names ``roles``, or None."""
    return next((c for c in ds.claims if c.topic == "tourism" and c.kind == kind
                 and roles <= set(c.roles)), None)


def growth(ds: Dataset, before_id: str | None = None, after_id: str | None = None,
           threshold: float = 3.0) -> Growth | None:
    """Growth and multiple from ``before_id`` to ``after_id`` (by default the figures of the
    article's multiple claim; None when there is none), checked against ``threshold``."""
    word = ""
    if before_id is None or after_id is None:
        claim = _claim(ds, "multiple", {"before", "after"})
        if claim is None:
            return None
        before_id, after_id = claim.roles["before"], claim.roles["after"]
        word = claim.settings.get("word", "")
    b, a = ds[before_id], ds[after_id]
    b.require_positive("the base of visitor growth")
    bi, ai = m.printed(b.value, b.decimals), m.printed(a.value, a.decimals)
    return Growth(b, a, m.growth_pct_interval(ai, bi), m.multiple_interval(ai, bi), threshold,
                  word)


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
    """What the article's majority would take, and what the counts by country say."""

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
    who: str = "China"
    """Whose count the majority is about, as a noun (the claim's ``who`` setting)."""
    group: str = "Chinese"
    """The same, as the article's adjective (the claim's ``group`` setting)."""

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
    """The article's visitor counts beside the counts of the body whose counts they are
    (by their labels' parenthesis, "(RST)"), or None when no body's counts match both."""

    article: tuple[Figure, Figure]
    rst: tuple[Figure, Figure] | None
    """The matching body's counts for the same two years."""
    body: str = ""

    @property
    def same(self) -> bool:
        """Whether a body's count is the article's for every year."""
        return self.rst is not None


def body_of(f: Figure) -> str:
    """The body a row names at the end of its label: "... 2023 (RST)" → "RST"; "" when
    it names none."""
    label = f.label.rstrip()
    return label[label.rfind("(") + 1:-1] if label.endswith(")") and "(" in label else ""


def source_match(ds: Dataset, g: Growth | None = None) -> SourceMatch | None:
    """Whose counts the article's are: the first body of the context whose counts for both
    years are the article's (same unit, period and value). None without a growth."""
    g = g or growth(ds)
    if g is None:
        return None
    pair = (g.before, g.after)
    for body in dict.fromkeys(body_of(f) for f in ds.context.values()):
        if not body:
            continue
        found = [next((f for f in ds.context.values() if body_of(f) == body
                       and f.unit == a.unit and f.period == a.period and f.value == a.value),
                      None) for a in pair]
        if all(found):
            return SourceMatch(pair, (found[0], found[1]), body)
    return SourceMatch(pair, None, "")


def majority(ds: Dataset) -> MajorityCheck | None:
    """Check the article's majority claim (its first tourism ``majority`` claim) against
    the counts by country; None when it makes none.

    The counts of the other countries are the claim's ``others`` series for the same
    period; the other bodies' totals are the context's counts of people or entries for
    that period that are neither the part nor another country's."""
    claim = _claim(ds, "majority", {"part", "whole"})
    if claim is None:
        return None
    china, border_total = ds[claim.roles["part"]], ds[claim.roles["whole"]]
    total = ds[claim.roles.get("article_whole", border_total.id)]
    total.require_positive("the total of a share")
    border_total.require_positive("the total of a share")
    prefix = claim.settings.get("others", "")
    others = [f for f in ds.series(prefix) if prefix and f.period == china.period
              and f.id not in (border_total.id, china.id)]
    largest_other = max(others, key=lambda f: f.value) if others else None
    share_border, _ = share_of(china, border_total)
    share_article, article_reason = share_of(china, total)
    country_ids = {f.id for f in others} | {china.id}
    totals = [f for f in ds.context.values() if f.period == border_total.period
              and f.unit in ("people", "entries") and f.id not in country_ids]
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
        other_totals=totals,
        who=claim.settings.get("who") or claim.settings.get("group", ""),
        group=claim.settings.get("group", ""),
    )
