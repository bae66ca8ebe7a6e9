"""The article's checkable claims, each judged against the figures.

A :class:`Claim` holds the claim in our words (built from the article's figures), the
article's phrase, the figure ids it rests on, the computed check as a sentence, and a
verdict from :data:`VERDICTS`. Every verdict is a total function of the numbers: it has
an answer, and a sentence that says why, for any data the loader accepts. Parameters
that define a claim (``threshold_multiple`` for "more than tripled", ``horizon_year``
for the scenarios' end) reach its verdict and its words.

:func:`evaluate` returns them all; :func:`for_topic` one topic's.
"""

from __future__ import annotations

from dataclasses import dataclass

from bilateral.report.analysis import tourism, trade
from bilateral.report.data.figures import Dataset
from bilateral.report.metrics import Interval, prints_as
from bilateral.report.story import fmt
from bilateral.report.story import tourism as tourism_words
from bilateral.report.story import trade as trade_words
from bilateral.report.story.words import count_word, ordinal, period_name, period_phrase, plural

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


def above(iv: Interval, threshold: float) -> str:
    """The verdict for "more than ``threshold``" when the value may be anywhere in ``iv``:
    holds when all of it is above, within rounding when its point is, not supported when
    only part of it is, contradicted when none of it is."""
    if iv.lo > threshold:
        return HOLDS
    if iv.point > threshold:
        return WITHIN_ROUNDING
    return NOT_SUPPORTED if iv.hi > threshold else CONTRADICTED


def _busd(f) -> str:
    return fmt.busd(f.value, max(f.decimals, 0))


def _pct(f, signed: bool = False) -> str:
    return fmt.pct(f.value, max(f.decimals, 0), signed=signed)


def _record(ds: Dataset) -> Claim:
    y = trade.year(ds)
    article, official = y.article, y.official
    check = (f"Customs total for {y.year}: {_busd(official)} (article: {_busd(article)}). "
             + trade_words.record_sentence(y))
    if not y.record.is_record:
        verdict = CONTRADICTED
    elif y.official_equals_article:
        verdict = HOLDS
    elif y.official_within_article_rounding:
        verdict = WITHIN_ROUNDING
        check += f" Customs' {_busd(official)} prints as the article's {_busd(article)}."
    else:
        verdict = NOT_SUPPORTED
        check += (f" The year is a record, but customs' total is not the article's "
                  f"{_busd(article)}.")
    first = trade.years_with_totals(ds)[0]
    return Claim("record_2023", "trade",
                 f"Trade reached a record {_busd(article)} in {y.year}.", article.quote,
                 (article.id, official.id, f"{trade.ANNUAL_PREFIX}{first}"), check, verdict)


def _q1_growth(ds: Dataset) -> Claim:
    q = trade.quarter(ds)
    a_q1, a_g = q.article_q1, q.article_growth
    o_q1, o_g = ds["mofcom_trade_2024q1"], ds["mofcom_yoy_2024q1"]
    moved = ("the same as" if a_g.value == 0 else
             f"{_pct(a_g).replace(fmt.MINUS, '')} {'more' if a_g.value > 0 else 'less'} than")
    statement = (f"Trade in {period_phrase(q.period)} was {_busd(a_q1)}, {moved} a year "
                 "earlier.")
    same = a_q1.value == o_q1.value and a_g.value == o_g.value
    rounds = (prints_as(o_q1.value, a_q1.value, a_q1.decimals)
              and prints_as(o_g.value, a_g.value, a_g.decimals))
    check = f"The official figures are {_busd(o_q1)} and {_pct(o_g)}"
    if same:
        check += ", as the article has them. "
    elif rounds:
        check += f", which print as the article's {_busd(a_q1)} and {_pct(a_g)}. "
    else:
        check += f"; the article gives {_busd(a_q1)} and {_pct(a_g)}. "
    vs = q.growth_vs_first_reported.point
    pos = q.first_reported_position
    where = {"inside": "which holds the first-reported value",
             "below": "above the first-reported value: growth on a base revised up",
             "above": "below the first-reported value: growth on a base revised down"}[pos]
    dec = max(a_g.decimals, 0)
    check += (f"Against {period_name(q.base_period)} as first reported "
              f"({fmt.busd(q.first_reported_q1_2023, 3)}) the growth is "
              f"{fmt.pct(vs, dec + 1)}, which rounds to {fmt.pct(vs, dec)}; "
              f"{_pct(a_g)} implies a base of "
              f"{fmt.span(q.implied_q1_2023, fmt.busd, decimals=3)}, {where}.")
    verdict = HOLDS if same else WITHIN_ROUNDING if rounds else NOT_SUPPORTED
    return Claim("q1_growth", "trade", statement, a_g.quote,
                 (a_q1.id, a_g.id, q.first_reported.id, o_q1.id, o_g.id), check, verdict)


def _trend(ds: Dataset) -> Claim:
    q = trade.quarter(ds)
    year = q.year_period.year
    y_id = f"{trade.REPORTED_YOY_PREFIX}{year}"
    y_g = ds[y_id]
    g = q.growth_reported
    quarter = period_name(q.period)
    gq = fmt.pct(g.point, max(q.article_growth.decimals, 0), signed=True)
    if y_g.value > 0:
        check = f"{year} grew by {_pct(y_g)}. "
    else:
        check = (f"{year} itself {'fell' if y_g.value < 0 else 'did not grow'} "
                 f"({_pct(y_g, signed=True)}): there was no positive trend to continue. ")
    if g.lo > 0:
        pace = ("slower than" if g.point < y_g.value else
                "faster than" if g.point > y_g.value else "the same rate as")
        check += f"Growth in {quarter} was positive, {gq}, {pace} in {year}"
    elif g.hi < 0:
        check += f"Growth in {quarter} was negative, {gq}"
    else:
        check += (f"Growth in {quarter}, {gq}, may lie on either side of zero within "
                  "rounding")
    if q.actual_2024_growth is not None:
        check += (f"; the whole of {q.period.year} ended "
                  f"{fmt.pct(q.actual_2024_growth, 2, signed=True)} at "
                  f"{fmt.busd(q.actual_2024, 1)}")
    check += "."
    verdict = above(g, 0.0) if y_g.value > 0 else CONTRADICTED
    ids = [q.article_growth.id, y_id]
    if q.actual_2024 is not None:
        ids.append(f"{trade.ANNUAL_PREFIX}{q.period.year}")
    return Claim("positive_trend", "trade",
                 f"The positive trend of {year} continued in {period_phrase(q.period)}.",
                 "The first quarter of 2024 saw that positive trend continue", tuple(ids),
                 check, verdict)


def _anniversary(ds: Dataset) -> Claim:
    a, span = ds["anniversary"], ds["ties_span"]
    year = a.period.year
    founded, founded_span = year - int(a.value), span.period.year - int(span.value)
    same = founded == founded_span
    check = (f"{year} − {int(a.value)} = {founded}; the article's \"past {int(span.value)} "
             "years\" gives " + ("the same year." if same else f"{founded_span} instead.")
             + " The date ties were established is not itself among this report's sources.")
    return Claim("anniversary_75", "trade",
                 f"{year} marks the {ordinal(int(a.value))} anniversary of diplomatic ties, "
                 f"established in {founded}.", a.quote, (a.id, span.id), check,
                 HOLDS if same else CONTRADICTED)


def _horizon(ds: Dataset, horizon_year: int | None) -> Claim:
    h = ds["horizon"]
    start, end = trade_words.article_horizon(h)
    n = int(h.value)
    check = f"{start} + {n} = {end}."
    if h.period.end.year != end:
        check += f" The figure's period ends in {h.period.end.year}, not {end}."
    check += " A view of the future, which no figure can confirm"
    if horizon_year is None:
        check += "."
    elif horizon_year == end:
        check += "; this report's scenarios end in the same year."
    else:
        check += (f"; this report's scenarios run to {horizon_year}, "
                  f"{plural(abs(horizon_year - end), 'year')} "
                  f"{'after' if horizon_year > end else 'before'} it.")
    return Claim("six_year_horizon", "trade",
                 f"The meetings set the course of ties for the next {count_word(n)} "
                 f"{'year' if n == 1 else 'years'} (to {end}).", h.quote, (h.id,), check,
                 NOT_SUPPORTED)


def _tripled(ds: Dataset, threshold: float) -> Claim:
    g = tourism.growth(ds, threshold=threshold)
    y0, y1 = tourism_words.years(g)
    check = (f"{fmt.people(g.after.value)} / {fmt.people(g.before.value)} = "
             f"{fmt.times(g.multiple.point, 3)}; any values that round to the printed ones give "
             f"{fmt.span(g.multiple, fmt.times, decimals=3)}. "
             + tourism_words.growth_verdict_sentence(g))
    return Claim("tripled", "tourism",
                 f"Foreign visitors to Russia more than tripled from {y0} to {y1}.",
                 g.after.quote, (g.before.id, g.after.id), check, above(g.multiple, threshold))


def _majority(ds: Dataset) -> Claim:
    c = tourism.majority(ds)
    sb, sa = c.share_of_border_total, c.share_of_article_total
    word = {"surely": "a majority", "at the point": "a majority as printed, though not at "
            "every rounding", "only at some roundings": "a majority only at some roundings",
            "no": "not a majority"}[c.majority_of_border_total]
    check = (f"A majority of {fmt.people(c.article_total.value)} needs more than "
             f"{fmt.people(c.needed_for_majority)}. The border service counted "
             f"{fmt.people(c.border_china.value)} Chinese tourist entries: "
             f"{fmt.pct(sb.point)} of its own total of {fmt.people(c.border_total.value)}, "
             f"{word}; {fmt.pct(sa.point)} of the article's"
             + (f" ({c.article_share_reason})." if c.article_share_reason else "."))
    if c.largest_other is not None:
        check += (" China is the largest single source." if c.china_is_largest else
                  " China is not the largest source.")
    verdict = above(sb, 50.0)
    if verdict == CONTRADICTED and sa.hi > 50:
        verdict = NOT_SUPPORTED  # a majority of another body's total only
        check += " Only against the article's total, which another body counted, is it more."
    return Claim("majority_chinese", "tourism", "Most of the foreign visitors were Chinese.",
                 "with majority being Chinese tourists",
                 (c.article_total.id, c.border_total.id, c.border_china.id), check, verdict)


def evaluate(ds: Dataset, threshold_multiple: float = 3.0,
             horizon_year: int | None = None) -> list[Claim]:
    """Every claim, judged.

    Parameters
    ----------
    threshold_multiple : float
        What "more than tripled" must exceed (the tourism notebook's parameter).
    horizon_year : int, optional
        The last year of the trade notebook's scenarios, which the horizon claim's check
        relates to the article's horizon.
    """
    return [_record(ds), _q1_growth(ds), _trend(ds), _anniversary(ds),
            _horizon(ds, horizon_year), _tripled(ds, threshold_multiple), _majority(ds)]


def for_topic(ds: Dataset, topic: str, **params) -> list[Claim]:
    """The claims of one topic (``"trade"`` or ``"tourism"``); ``params`` as :func:`evaluate`."""
    return [c for c in evaluate(ds, **params) if c.topic == topic]
