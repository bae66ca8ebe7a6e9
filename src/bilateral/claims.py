"""The article's checkable claims, each judged against the figures.

A :class:`Claim` holds the claim in our words, the article's phrase, the figure
ids it rests on, the computed check as a sentence, and a verdict from
:data:`VERDICTS`. :func:`evaluate` returns them all; :func:`for_topic` one topic's.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import fmt, tourism, trade
from .figures import Dataset

HOLDS = "holds"
WITHIN_ROUNDING = "holds within rounding"
NOT_SUPPORTED = "not supported by the cited figures"
CONTRADICTED = "contradicted"
VERDICTS = (HOLDS, WITHIN_ROUNDING, NOT_SUPPORTED, CONTRADICTED)


@dataclass(frozen=True)
class Claim:
    id: str
    topic: str
    statement: str
    quote: str
    figure_ids: tuple[str, ...]
    check: str
    verdict: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"claim {self.id}: unknown verdict {self.verdict!r}")


def _record(ds: Dataset) -> Claim:
    r = trade.record_check(ds, 2023)
    article, official = ds["trade_2023"], ds["gacc_trade_2023"]
    same = article.value == official.value
    gap = (" No reliable total exists for 2015, which the series leaves out."
           if 2015 in r.missing_years else "")
    check = (f"Customs total for 2023: {fmt.busd(official.value, 1)} (article: "
             f"{fmt.busd(article.value, 1)}). Highest earlier year: {r.highest_before_year}, "
             f"{fmt.busd(r.highest_before)}.{gap}")
    lo, hi = article.bounds
    if r.is_record and same:
        verdict = HOLDS
    elif r.is_record and lo <= official.value <= hi:
        verdict = WITHIN_ROUNDING
    else:
        verdict = CONTRADICTED
    return Claim("record_2023", "trade", "Trade reached a record USD 240.1 bn in 2023.",
                 article.quote, (article.id, official.id, "gacc_trade_2013"), check, verdict)


def _q1_growth(ds: Dataset) -> Claim:
    q = trade.quarter(ds)
    official = ds["gacc_yoy_2024q1"]
    matches = (ds["trade_2024q1_yoy"].value == official.value
               and ds["trade_2024q1"].value == ds["gacc_trade_2024q1"].value)
    check = (f"MOFCOM reports {fmt.busd(ds.value('gacc_trade_2024q1'))} and "
             f"{fmt.pct(official.value)}, as the article does. Against Q1 2023 as first "
             f"reported ({fmt.busd(q.first_reported_q1_2023, 3)}) the growth is "
             f"{fmt.pct(q.growth_vs_first_reported.point, 2)}, which rounds to "
             f"{fmt.pct(q.growth_vs_first_reported.point, 1)}; 5.2 % implies a base of "
             f"{fmt.span(q.implied_q1_2023, fmt.busd, decimals=3)}, "
             + ("which holds the first-reported value." if q.first_reported_in_implied else
                "slightly above the first-reported value: growth on a revised base."))
    verdict = HOLDS if matches else NOT_SUPPORTED
    return Claim("q1_growth", "trade",
                 "Trade in Q1 2024 was USD 56.68 bn, 5.2 % more than a year earlier.",
                 ds["trade_2024q1_yoy"].quote, ("trade_2024q1", "trade_2024q1_yoy",
                                                "gacc_trade_2023q1", "gacc_yoy_2024q1"),
                 check, verdict)


def _trend(ds: Dataset) -> Claim:
    q = trade.quarter(ds)
    y23 = ds["gacc_yoy_2023"]
    check = (f"Growth stayed positive ({fmt.pct(q.growth_reported.point, signed=True)} in "
             f"Q1 2024) but slowed from {fmt.pct(y23.value, signed=True)} over 2023")
    if q.actual_2024_growth is not None:
        check += (f"; the whole of 2024 ended {fmt.pct(q.actual_2024_growth, signed=True)} "
                  f"at {fmt.busd(q.actual_2024, 1)}")
    check += "."
    verdict = HOLDS if q.growth_reported.lo > 0 else CONTRADICTED
    return Claim("positive_trend", "trade",
                 "The positive trend of 2023 continued in the first quarter of 2024.",
                 "The first quarter of 2024 saw that positive trend continue",
                 ("trade_2024q1_yoy", "gacc_yoy_2023", "gacc_trade_2024"), check, verdict)


def _tripled(ds: Dataset) -> Claim:
    g = tourism.growth(ds)
    check = (f"{fmt.people(g.after.value)} / {fmt.people(g.before.value)} = "
             f"{fmt.times(g.multiple.point, 3)}; any values that round to the printed ones give "
             f"{fmt.span(g.multiple, fmt.times, decimals=3)}.")
    if g.above_threshold_surely:
        verdict = HOLDS
    elif g.above_threshold_at_point:
        verdict = WITHIN_ROUNDING
    else:
        verdict = CONTRADICTED
    return Claim("tripled", "tourism",
                 "Foreign visitors to Russia more than tripled from 2022 to 2023.",
                 g.after.quote, (g.before.id, g.after.id), check, verdict)


def _majority(ds: Dataset) -> Claim:
    c = tourism.majority(ds)
    check = (f"A majority of {fmt.people(c.article_total.value)} needs more than "
             f"{fmt.people(c.needed_for_majority)}. The border service counted "
             f"{fmt.people(c.border_china.value)} Chinese tourist entries: "
             f"{fmt.pct(c.share_of_border_total.point)} of its own total of "
             f"{fmt.people(c.border_total.value)}, {fmt.pct(c.share_of_article_total.point)} of "
             f"the article's. China is "
             + ("the largest single source, not a majority." if c.china_is_largest else
                "not even the largest source."))
    verdict = CONTRADICTED if not c.any_majority else NOT_SUPPORTED
    return Claim("majority_chinese", "tourism", "Most of the foreign visitors were Chinese.",
                 "with majority being Chinese tourists",
                 (c.article_total.id, c.border_total.id, c.border_china.id), check, verdict)


def _anniversary(ds: Dataset) -> Claim:
    a, span = ds["anniversary"], ds["ties_span"]
    founded = a.period.year - int(a.value)
    check = (f"{a.period.year} − {int(a.value)} = {founded}; the article's \"past "
             f"{int(span.value)} years\" gives the same year. The date ties were established is "
             "not itself among this report's sources.")
    verdict = HOLDS if a.value == span.value else CONTRADICTED
    return Claim("anniversary_75", "trade",
                 f"2024 marks the 75th anniversary of diplomatic ties, established in {founded}.",
                 a.quote, (a.id, span.id), check, verdict)


def _horizon(ds: Dataset) -> Claim:
    h = ds["horizon"]
    check = (f"{h.period.start.year} + {int(h.value)} = {h.period.start.year + int(h.value)}. "
             "A view of the future, which no figure can confirm; this report uses it only as "
             "the end of its scenarios.")
    return Claim("six_year_horizon", "trade",
                 "The meetings set the course of ties for the next six years (to 2030).",
                 h.quote, (h.id,), check, NOT_SUPPORTED)


_BUILDERS = (_record, _q1_growth, _trend, _anniversary, _horizon, _tripled, _majority)


def evaluate(ds: Dataset) -> list[Claim]:
    """Every claim, judged."""
    return [build(ds) for build in _BUILDERS]


def for_topic(ds: Dataset, topic: str) -> list[Claim]:
    """The claims of one topic (``"trade"`` or ``"tourism"``)."""
    return [c for c in evaluate(ds) if c.topic == topic]
