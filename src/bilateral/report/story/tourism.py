"""The tourism report's words: paragraphs, alt texts and captions."""

from __future__ import annotations

from markupsafe import Markup

from bilateral.report.analysis.tourism import Growth, MajorityCheck, SourceMatch, body_of
from bilateral.report.data.figures import UNITS
from bilateral.report.story import fmt
from bilateral.report.story.markup import strong
from bilateral.report.story.words import (
    article_name,
    compare,
    count_word,
    period_name,
    plain,
    step,
    subject,
)


def title(ds) -> str:
    """The tourism report's title, naming the article the data's claims come from."""
    return f"Foreign visitors to Russia in {article_name(ds.article)}"


def subtitle(ds) -> str:
    return (f"What {article_name(ds.article)} says about visitors, what the numbers imply, and "
            "whether each claim holds.")


def threshold(g: Growth) -> str:
    """The threshold as the user set it: ``'3×'``, ``'3.25×'``."""
    return f"{plain(g.threshold)}×"


def years(g: Growth) -> tuple[str, str]:
    return period_name(g.before.period), period_name(g.after.period)


def _printed_to(g: Growth) -> str:
    b, a = g.before, g.after
    if b.decimals == a.decimals:
        return f"Both numbers are printed to the nearest {step(b.decimals)}"
    return (f"{fmt.people(b.value)} is printed to the nearest {step(b.decimals)} and "
            f"{fmt.people(a.value)} to the nearest {step(a.decimals)}")


def growth_paragraph(g: Growth, safe_decimals: int | None) -> Markup:
    """Growth and multiple from one year to the next, against the threshold.

    ``safe_decimals`` is
    :func:`bilateral.report.analysis.tourism.coarsest_rounding_keeping`'s answer, or
    ``None`` when even the printed figures do not keep the multiple above the threshold.
    """
    y0, y1 = years(g)
    b, a = fmt.people(g.before.value), fmt.people(g.after.value)
    moved = compare(g.after.value, g.before.value, "rose", "fell", "stayed the same")
    thr = threshold(g)
    out = [Markup(
        "{what} {moved} from {b} in {y0} to {a} in {y1}: growth of {gr}, a multiple "
        "of {mult}.").format(what=subject(g.after).split(" to ")[0],
                              moved=moved, b=strong(b), a=strong(a), y0=y0, y1=y1,
                              gr=strong(fmt.pct(g.growth_pct.point, 1)),
                              mult=strong(fmt.times(g.multiple.point, 3)))]
    out.append(Markup(
        "{printed}, so each stands for anything within half that step of itself; over those "
        "ranges the multiple lies between {lo} and {hi}.").format(
            printed=_printed_to(g), lo=fmt.times(g.multiple.lo, 3),
            hi=fmt.times(g.multiple.hi, 3)))
    verdict = growth_verdict_sentence(g)
    out.append(Markup(verdict))
    if g.above_threshold_surely and safe_decimals is not None \
            and safe_decimals < g.after.decimals:
        out.append(Markup(
            "Even if {a} had been rounded to the nearest {safe}, the multiple would still "
            "exceed {thr}.").format(a=a, safe=step(safe_decimals), thr=thr))
    return Markup(" ").join(out)


def growth_verdict_sentence(g: Growth) -> str:
    """Where the multiple's interval lies against the threshold, in words (the article's
    own word for it, "more than tripled", from its claim)."""
    thr = threshold(g)
    said = f"more than {g.word}" if g.word else f"more than {thr}"
    if g.above_threshold_surely:
        return (f"Every value in that range is above {thr}, the threshold taken for "
                f"\"{said}\": the claim holds.")
    if g.above_threshold_at_point:
        return (f"The printed figures give more than {thr}, but the range reaches {thr} or "
                "below: the claim holds only within rounding.")
    if g.multiple.hi > g.threshold:
        return (f"The printed figures give {thr} or less, and only some values in the range "
                f"exceed it: the figures do not support \"{said}\".")
    return (f"No value in that range exceeds {thr}, the threshold taken for \"{said}\": "
            "the claim does not hold.")


def no_growth_paragraph() -> Markup:
    return Markup("The article gives no visitor counts for two years to compare.")


def growth_caption(g: Growth, number: int = 2) -> str:
    y0, y1 = years(g)
    what = subject(g.after)
    return f"Table {number}. Growth of {what[:1].lower() + what[1:]}, {y0} to {y1}"


def _share_word(share_hi: float, share_lo: float, upper_bound: bool = False) -> str:
    """Is a share a majority? A share that bounds the true one from above (``upper_bound``)
    can show that something is not a majority, never that it is."""
    if upper_bound:
        return ("not a majority" if share_hi <= 50 else
                "an upper bound, which cannot show a majority")
    if share_lo > 50:
        return "a majority"
    if share_hi > 50:
        return "a majority only at some roundings"
    return "not a majority"


def _body_of(f) -> str:
    return body_of(f) or f.label


def source_paragraph(m: SourceMatch | None, c: MajorityCheck | None = None) -> Markup:
    """Where the counts by country come from, and whose counts the article's are: a body
    is named only when its counts for both years are the article's. What the article
    itself says of its source is the data's (the note of the article's later count)."""
    out = [Markup("The article gives no number for this. A majority needs more than half of "
                  "the total.")]
    if c is not None:
        unit = c.border_china.unit
        out.append(Markup("The counts by country come from {body}, which counts {what}{vs}.")
                   .format(body=_body_of(c.border_china), what=UNITS.get(unit, unit),
                           vs=" rather than people" if unit != "people" else ""))
    if m is not None:
        y0, y1 = (period_name(f.period) for f in m.article)
        if m.same:
            out.append(Markup("{body}'s counts for both years are the article's ({a} for {y0}, "
                              "{b} for {y1}).").format(
                                  body=m.body, a=fmt.people(m.article[0].value), y0=y0,
                                  b=fmt.people(m.article[1].value), y1=y1))
        else:
            out.append(Markup("No body's counts in the data are the article's for both "
                              "{y0} and {y1}.").format(y0=y0, y1=y1))
        if m.article[1].note:
            out.append(Markup("{}").format(m.article[1].note))
    return Markup(" ").join(out)


def majority_paragraph(c: MajorityCheck) -> Markup:
    """What the article's majority would need, and what the counts by country give."""
    yr = period_name(c.border_china.period)
    tot = fmt.people(c.article_total.value)
    out = [Markup("Half of the article's {tot} is {half}: a {group} majority needs more "
                  "than that.").format(tot=tot, half=fmt.people(c.needed_for_majority),
                                       group=c.group)]
    sb, sa = c.share_of_border_total, c.share_of_article_total
    out.append(Markup(
        "{body} counted {cn} {unit} from {who} in {yr}, out of {btot} in all: {sb}, "
        "{word}.").format(
            body=_body_of(c.border_china), cn=strong(fmt.people(c.border_china.value)),
            unit=c.border_china.unit, who=c.who, yr=yr,
            btot=fmt.people(c.border_total.value), sb=strong(fmt.pct(sb.point)),
            word=_share_word(sb.hi, sb.lo)))
    size = compare(c.article_total.value, c.border_total.value, "larger", "smaller", "equal")
    out.append(Markup(
        "Against the article's {size} total the same count is {sa}, {word}{why}.").format(
            size=size, sa=fmt.pct(sa.point),
            word=_share_word(sa.hi, sa.lo, upper_bound=c.article_share_reason is not None),
            why=f" ({c.article_share_reason})" if c.article_share_reason else ""))
    if c.largest_other is not None:
        if c.china_is_largest:
            out.append(Markup("{who} is the largest single source; the next largest count is "
                              "{v} ({other}).").format(who=c.who,
                                                       v=fmt.people(c.largest_other.value),
                                                       other=c.largest_other.label))
        else:
            out.append(Markup("{who} is not the largest source: {other} counts {v}.").format(
                who=c.who, v=fmt.people(c.largest_other.value),
                other=c.largest_other.label))
    out.append(Markup("{n} bodies give {n2} totals for {yr}: {totals}.").format(
        n=count_word(len(c.other_totals)).capitalize(),
        n2=count_word(len({f.value for f in c.other_totals})), yr=yr,
        totals="; ".join(f"{f.label}: {fmt.people(f.value)}" for f in c.other_totals)))
    return Markup(" ").join(out)


def visitors_alt(g: Growth, c: MajorityCheck) -> str:
    """Alt text of the two-panel visitors chart."""
    y0, y1 = years(g)
    moved = compare(g.after.value, g.before.value, "rose", "fell", "stayed the same")
    level = compare(g.multiple.point, g.threshold, "above", "below", "exactly at")
    half = compare(c.border_china.value, c.needed_for_majority, "above", "below", "exactly at")
    return (f"Left: visitors {moved} from {fmt.people(g.before.value)} in {y0} to "
            f"{fmt.people(g.after.value)} in {y1}, {level} {plain(g.threshold)} times {y0}. "
            f"Right: {period_name(c.border_china.period)} totals by body, with {c.who}'s "
            f"{fmt.people(c.border_china.value)} {c.border_china.unit} "
            f"({_body_of(c.border_china)}) {half} half of "
            f"{fmt.people(c.article_total.value)}.")


def visitors_caption(g: Growth, c: MajorityCheck, number: int = 1) -> str:
    y0, y1 = years(g)
    yr = period_name(c.border_china.period)
    what = subject(g.after)
    return (f"Figure {number}. {what}, {y0} and {y1}, and {c.who}'s count against the {yr} "
            "totals.")
