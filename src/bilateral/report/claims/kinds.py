"""The kinds of claim an article about trade or tourism makes, each written once.

A kind is a function ``(ds, row, settings) -> Claim`` registered in :data:`KINDS` with the
roles it needs (figure ids from the row's ``figures`` column), the roles it may use and
the settings it reads. Its statement is made from the figures' labels, values and periods
and the row's settings; its check sentence and verdict from the numbers. Every value is
compared with a printed one through :func:`bilateral.report.metrics.prints_as`, and every
printed figure stands for the half-open interval of values that print as it.

To add a kind: write its function here, register it with :func:`kind`, and describe it in
``docs/claims.md``; no other module changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from bilateral.report import metrics as m
from bilateral.report.analysis import tourism as tourism_analysis
from bilateral.report.analysis import trade as trade_analysis
from bilateral.report.claims.verdicts import (
    CONTRADICTED,
    HOLDS,
    NOT_CHECKABLE,
    NOT_SUPPORTED,
    WITHIN_ROUNDING,
    Claim,
    above,
    of_difference,
)
from bilateral.report.data.claim_rows import ClaimRow
from bilateral.report.data.figures import Dataset, Figure
from bilateral.report.story import fmt
from bilateral.report.story import trade as trade_words
from bilateral.report.story.words import (
    count_word,
    ordinal,
    period_name,
    period_phrase,
    plain,
    plural,
    subject,
)


@dataclass(frozen=True)
class Kind:
    name: str
    judge: Callable[[Dataset, ClaimRow, dict[str, Any]], tuple[str, str, str]]
    """Returns (statement, check, verdict)."""
    needs: tuple[str, ...]
    may: tuple[str, ...] = ()
    settings: dict[str, str] | None = None
    """Setting name → its type: ``number``, ``integer``, ``text`` or ``prefix`` (of a
    series of figure ids); a name ending in ``?`` may be left out."""
    any_roles: bool = False
    units: dict[str, str] | None = None
    """Role → the unit its figure must be in."""
    same: tuple[tuple[str, ...], ...] = ()
    """Groups of roles whose figures must share one unit."""
    order: tuple[tuple[str, str], ...] = ()
    """(earlier, later) roles: the first figure's period must end before the second's
    starts."""
    together: tuple[tuple[str, ...], ...] = ()
    """Groups of optional roles given all together or not at all."""
    periods: tuple[tuple[str, ...], ...] = ()
    """Groups of roles whose figures must be for one period."""


KINDS: dict[str, Kind] = {}


def kind(name: str, needs: tuple[str, ...], may: tuple[str, ...] = (),
         settings: dict[str, str] | None = None, any_roles: bool = False,
         units: dict[str, str] | None = None, same: tuple[tuple[str, ...], ...] = (),
         order: tuple[tuple[str, str], ...] = (), together: tuple[tuple[str, ...], ...] = (),
         periods: tuple[tuple[str, ...], ...] = ()):
    def register(fn):
        KINDS[name] = Kind(name, fn, needs, may, settings or {}, any_roles, units or {},
                           same, order, together, periods)
        return fn
    return register


# --------------------------------------------------------------------------- reading a row

def _settings_of(row: ClaimRow) -> dict[str, str]:
    spec = KINDS[row.kind].settings
    allowed = {k.rstrip("?"): k for k in spec} | {"parameter": "parameter?"}
    for key in row.settings:
        if key not in allowed:
            raise row.error(f"kind {row.kind!r} has no setting {key!r} (it has: "
                            f"{', '.join(sorted(allowed)) or 'none'})", "settings")
    for key, typ in spec.items():
        name = key.rstrip("?")
        if name not in row.settings:
            if not key.endswith("?"):
                raise row.error(f"kind {row.kind!r} needs the setting {name}=…", "settings")
            continue
        value = row.settings[name]
        if typ in ("number", "integer"):
            try:
                x = float(value) if typ == "number" else int(value)
            except ValueError:
                raise row.error(f"setting {name}={value!r} is not a"
                                f"{'n integer' if typ == 'integer' else ' number'}",
                                "settings") from None
            if typ == "number" and not (abs(x) < 1e12):
                raise row.error(f"setting {name}={value!r} is not a finite number",
                                "settings")
        elif not value:
            raise row.error(f"setting {name} is empty", "settings")
    return row.settings


def check_row(row: ClaimRow) -> None:
    """The row names a known kind, its roles and its settings: DataError otherwise."""
    if row.kind not in KINDS:
        raise row.error(f"unknown kind {row.kind!r} (known: {', '.join(sorted(KINDS))})",
                        "kind")
    k = KINDS[row.kind]
    missing = [r for r in k.needs if r not in row.roles]
    if missing:
        raise row.error(f"kind {row.kind!r} needs the figure role"
                        f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}=…")
    if not k.any_roles:
        extra = [r for r in row.roles if r not in k.needs + k.may]
        if extra:
            raise row.error(f"kind {row.kind!r} has no role {extra[0]!r} (it has: "
                            f"{', '.join(k.needs + k.may)})")
    for group in k.together:
        given = [r for r in group if r in row.roles]
        if given and len(given) < len(group):
            raise row.error(f"kind {row.kind!r} takes {' and '.join(group)} together: "
                            f"{', '.join(r for r in group if r not in given)} is missing")
    _settings_of(row)


def check_figures(ds: Dataset, row: ClaimRow) -> None:
    """The figures a row names fit its kind: exact (a figure the source gives as "more
    than" or "about" bounds nothing a kind can judge), in the units and order it needs."""
    k = KINDS[row.kind]
    if k.name == "unchecked":
        return
    figs = {role: ds[fid] for role, fid in row.roles.items()}
    for role, f in figs.items():
        if f.relation != "eq":
            said = RELATION_WORDS.get(f.relation, f.relation)
            raise row.error(f"{role}={f.id} is stated as {said!r} a value: kind {row.kind!r}"
                            " judges exact figures only (list the claim as kind unchecked)")
        want = k.units.get(role)
        if want is not None and f.unit != want:
            raise row.error(f"{role}={f.id} is in {f.unit}; kind {row.kind!r} needs {want}")
    for group in k.same:
        units = {figs[r].unit for r in group if r in figs}
        if len(units) > 1:
            raise row.error(f"{' and '.join(f'{r}={figs[r].id}' for r in group if r in figs)}"
                            f" are in different units ({', '.join(sorted(units))})")
    for group in k.periods:
        given = [r for r in group if r in figs]
        if len({figs[r].period for r in given}) > 1:
            raise row.error(" and ".join(f"{r}={figs[r].id} is for {figs[r].period.text}"
                                         for r in given) + ": they must be for one period")
    for early, late in k.order:
        if early in figs and late in figs and not (
                figs[early].period.end < figs[late].period.start):
            raise row.error(f"{early}={figs[early].id} ({figs[early].period.text}) must come "
                            f"before {late}={figs[late].id} ({figs[late].period.text})")


RELATION_WORDS = {"gt": "more than", "approx": "about"}

def judge(ds: Dataset, row: ClaimRow, params: dict[str, Any]) -> Claim:
    """The claim of ``row``, judged on ``ds``; ``params`` are the notebook's parameters."""
    check_row(row)
    check_figures(ds, row)
    settings = dict(row.settings)
    name = settings.pop("parameter", None)
    if name is not None and name in params and params[name] is not None:
        main = next((k for k in KINDS[row.kind].settings), None)
        if main is None:
            raise row.error(f"kind {row.kind!r} has no setting a parameter can take",
                            "settings")
        value = params[name]
        typ = KINDS[row.kind].settings[main]
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and math.isfinite(value) and (typ != "integer" or float(value).is_integer())
              ) if typ in ("number", "integer") else isinstance(value, str)
        if not ok:
            raise row.error(f"parameter {name}={value!r} does not fit the setting "
                            f"{main.rstrip('?')} ({typ})", "settings")
        settings[main.rstrip("?")] = str(int(value) if typ == "integer" else value)
    statement, check, verdict = KINDS[row.kind].judge(ds, row, settings)
    return Claim(row.id, row.topic, statement, row.quote, tuple(dict.fromkeys(
        row.roles.values())), check, verdict, row.kind)


# --------------------------------------------------------------------------- words

COMMON = {"foreign", "tourist-purpose", "tourists", "visitors", "growth", "reported", "trade",
          "exports", "imports", "entries", "products", "major", "sectors", "key", "edition",
          "anniversary", "span", "horizon", "year-on-year", "share", "total", "two-way"}
"""Words a figure's label may start with that are not names: lower-cased inside a
sentence ("most of the foreign visitors"); any other first word ("China's", "Russian")
keeps its capital."""


def lower_first(s: str) -> str:
    first = s.split(" ", 1)[0]
    return s[:1].lower() + s[1:] if first.lower() in COMMON else s


def shown(f: Figure) -> str:
    """A figure at the precision its source printed it."""
    return fmt.value(f.value, f.unit, f.decimals)


def shown_as(x: float, like: Figure) -> str:
    """A value in ``like``'s unit at ``like``'s printed precision."""
    return fmt.value(x, like.unit, like.decimals)


def _printed(f: Figure) -> m.Interval:
    return m.printed(f.value, f.decimals)


def _exact(f: Figure) -> tuple[Decimal, Decimal, Decimal]:
    """The values that print as ``f``, exactly (:func:`metrics.exact_printed`)."""
    return m.exact_printed(f.value, f.decimals)


def _fig(ds: Dataset, row: ClaimRow, role: str) -> Figure:
    return ds[row.roles[role]]


def _opt(ds: Dataset, row: ClaimRow, role: str) -> Figure | None:
    return ds[row.roles[role]] if role in row.roles else None


def _level_verdict(official: Figure, article: Figure) -> str:
    """Is the official figure the article's? The same value to at least the article's
    precision holds; a more precise value that prints as the article's holds within
    rounding; a less precise one that the article's rounds to cannot confirm it."""
    if official.decimals < article.decimals:
        return (NOT_SUPPORTED if m.prints_as(article.value, official.value, official.decimals)
                else CONTRADICTED)
    if official.value == article.value:
        return HOLDS
    if m.prints_as(official.value, article.value, article.decimals):
        return WITHIN_ROUNDING
    return CONTRADICTED


def _level_words(official: Figure, article: Figure) -> str:
    verdict = _level_verdict(official, article)
    if official.decimals < article.decimals:
        return (f"{shown(official)}, printed less precisely than the article's "
                f"{shown(article)}, " + ("which rounds to it" if verdict == NOT_SUPPORTED
                                         else "which does not round to it"))
    if verdict == HOLDS:
        return f"{shown(official)}, as the article has it"
    if verdict == WITHIN_ROUNDING:
        return f"{shown(official)}, which prints as the article's {shown(article)}"
    return (f"{shown(official)}, which prints as {shown_as(official.value, article)}, not "
            f"the article's {shown(article)}")


def _shown_decimals(x: float, decimals: int) -> int:
    """The fewest decimals, more than ``decimals``, at which ``x`` printed still rounds to
    what ``x`` rounds to at ``decimals``: "5.2495 %, which rounds to 5.2 %", never "5.25 %,
    which rounds to 5.2 %"."""
    d = decimals + 1
    while d < decimals + 8 and m.round_half_up(m.round_half_up(x, d), decimals) != \
            m.round_half_up(x, decimals):
        d += 1
    return d


# --------------------------------------------------------------------------- the kinds

@kind("level", needs=("article", "official"), same=(("article", "official"),),
      periods=(("article", "official"),))
def level(ds, row, s):
    """An official figure printed as the article's: "trade was $244.8 billion"."""
    a, o = _fig(ds, row, "article"), _fig(ds, row, "official")
    statement = f"{subject(a)} was {shown(a)} in {period_phrase(a.period)}."
    check = f"{o.label}: {_level_words(o, a)}."
    return statement, check, _level_verdict(o, a)


@kind("record", needs=("article",), settings={"series": "prefix"})
def record(ds, row, s):
    """A record: the article's value for a year is above every earlier year of a series."""
    a = _fig(ds, row, "article")
    if a.period.kind != "year":
        raise row.error(f"article={a.id} is for {a.period.text}: a record compares whole "
                        "years")
    year = a.period.year
    totals = trade_analysis.annual_totals(ds, s["series"])
    statement = f"{subject(a)} reached a record {shown(a)} in {year}."
    if year not in totals:
        return statement, (f"The series {s['series']}… has no value for {year}: nothing to "
                           "check the record against."), NOT_SUPPORTED
    official = totals[year]
    if official.unit != a.unit:
        raise row.error(f"the series {s['series']}… is in {official.unit}, article={a.id} in "
                        f"{a.unit}", "settings")
    if not any(y < year for y in totals):
        return statement, (f"The series {s['series']}… has no year before {year}: nothing "
                           "to compare with."), NOT_SUPPORTED
    rec = trade_analysis.record_check(ds, year, s["series"])
    check = f"{official.label}: {_level_words(official, a)}. {trade_words.record_sentence(rec)}"
    level_ = _level_verdict(official, a)
    if rec.certainty == "no":
        return statement, check, CONTRADICTED
    if level_ == CONTRADICTED:
        check += f" The series' total is not the article's {shown(a)}."
        return statement, check, NOT_SUPPORTED
    if rec.certainty == "possibly" or level_ == NOT_SUPPORTED:
        return statement, check, NOT_SUPPORTED
    if rec.certainty == "as printed" or level_ == WITHIN_ROUNDING:
        return statement, check, WITHIN_ROUNDING
    return statement, check, HOLDS


@kind("growth", needs=("value", "growth"), may=("official_value", "official_growth",
                                                  "first_base"),
      units={"growth": "percent", "official_growth": "percent"},
      same=(("value", "official_value", "first_base"),), order=(("first_base", "value"),),
      together=(("official_value", "official_growth"),),
      periods=(("value", "growth", "official_value", "official_growth"),))
def growth(ds, row, s):
    """A growth rate, the base it implies, and the official figures it is set against."""
    v, g = _fig(ds, row, "value"), _fig(ds, row, "growth")
    ov, og, first = (_opt(ds, row, r) for r in ("official_value", "official_growth",
                                                "first_base"))
    moved = ("the same as" if g.value == 0 else
             f"{shown_as(abs(g.value), g)} {'more' if g.value > 0 else 'less'} than")
    statement = (f"{subject(v)} in {period_phrase(v.period)} was {shown(v)}, {moved} a year "
                 "earlier.")
    if _printed(g).lo <= -100:
        return statement, (f"A growth of {shown(g)} leaves no positive base a year earlier: "
                           "the figures cannot hold together."), CONTRADICTED
    implied = m.implied_prior_interval(_printed(v), _printed(g))
    parts, verdict = [], HOLDS
    if ov is not None and og is not None:
        same = (ov.value == v.value and og.value == g.value and ov.decimals >= v.decimals
                and og.decimals >= g.decimals)
        rounds = (m.prints_as(ov.value, v.value, v.decimals)
                  and m.prints_as(og.value, g.value, g.decimals))
        parts.append(f"The official figures are {shown(ov)} and {shown(og)}"
                     + (", as the article has them." if same else
                        f", which print as the article's {shown(v)} and {shown(g)}." if rounds
                        else f"; the article gives {shown(v)} and {shown(g)}."))
        verdict = HOLDS if same else WITHIN_ROUNDING if rounds else NOT_SUPPORTED
    else:
        verdict = NOT_CHECKABLE
    dec = max(g.decimals, 0)
    span = fmt.span(implied, fmt.num, decimals=max(v.decimals, 0) + 1)
    if first is not None:
        first.require_positive("a base of growth")
        vs = m.growth_pct_interval(_printed(v), _printed(first)).point
        pos = ("which holds the first-reported value" if first.value in implied else
               "above the first-reported value: growth on a base revised up"
               if first.value < implied.lo else
               "below the first-reported value: growth on a base revised down")
        parts.append(f"Against {period_name(first.period)} as first reported "
                     f"({shown(first)}) the growth is {fmt.pct(vs, _shown_decimals(vs, dec))}"
                     f", which rounds to {fmt.pct(vs, dec)}; {shown(g)} implies a base of "
                     f"{span}, {pos}.")
    else:
        parts.append(f"{shown(g)} implies a base of {span} a year earlier.")
    if verdict == NOT_CHECKABLE:
        parts.append("The data has no official figures for the period to set it against.")
    return statement, " ".join(parts), verdict


@kind("change", needs=("before", "after"), may=("official_growth",),
      settings={"direction": "text"}, units={"official_growth": "percent"},
      same=(("before", "after"),), order=(("before", "after"),))
def change(ds, row, s):
    """A rise or fall between two printed values: "a modest increase from $240.1 billion"."""
    b, a = _fig(ds, row, "before"), _fig(ds, row, "after")
    og = _opt(ds, row, "official_growth")
    direction = s["direction"]
    if direction not in ("increase", "decrease"):
        raise row.error(f"setting direction={direction!r}: expected increase or decrease",
                        "settings")
    b.require_positive("the base of a change")
    if a.value < 0:
        raise row.error(f"{a.id} = {a.value:g} is negative: a change from {b.id} needs two "
                        "positive values")
    (al, ap, ah), (bl, bp, bh) = _exact(a), _exact(b)
    with localcontext() as ctx:
        ctx.prec = 50
        lo, point, hi = (al / bh - 1) * 100, (ap / bp - 1) * 100, (ah / bl - 1) * 100
    # Each value stands for [lo, hi): the ratio never reaches either end of its range.
    iv = m.Interval(float(lo), float(hi), float(point))
    word = "rose" if direction == "increase" else "fell"
    statement = (f"{subject(a)} {word} from {shown(b)} in {period_name(b.period)} to "
                 f"{shown(a)} in {period_name(a.period)}.")
    check = (f"{shown(a)} ÷ {shown(b)} − 1 = {fmt.pct(iv.point, 2, signed=True)}; values "
             f"that print as these give {fmt.span(iv, fmt.pct, decimals=2)}.")
    if og is not None:
        check += f" The official rate is {fmt.pct(og.value, max(og.decimals, 0), signed=True)}."
    return statement, check, of_difference(lo, point, hi, more=direction == "increase")


@kind("trend", needs=("growth", "previous"), settings={"series?": "prefix"},
      units={"growth": "percent", "previous": "percent"}, order=(("previous", "growth"),))
def trend(ds, row, s):
    """A positive trend that continues: the previous period grew, and so did this one."""
    g, prev = _fig(ds, row, "growth"), _fig(ds, row, "previous")
    iv = _printed(g)
    py = period_name(prev.period)
    here = period_name(g.period)
    gq = fmt.pct(g.value, max(g.decimals, 0), signed=True)
    prev_lo, prev_hi = _printed(prev).lo, _printed(prev).hi
    if prev_lo >= 0 and prev.value > 0:
        check = f"{py} grew by {shown(prev)}. "
    elif prev_hi > 0 and prev_lo < 0:
        check = (f"{py}'s growth of {shown(prev)} may lie on either side of zero within "
                 "rounding: the figures cannot show a positive trend to continue. ")
    else:
        check = (f"{py} itself {'fell' if prev.value < 0 else 'did not grow'} "
                 f"({fmt.pct(prev.value, max(prev.decimals, 0), signed=True)}): there was no "
                 "positive trend to continue. ")
    if iv.lo > 0:
        pace = ("slower than" if g.value < prev.value else
                "faster than" if g.value > prev.value else "the same rate as")
        check += f"Growth in {here} was positive, {gq}, {pace} in {py}"
    elif iv.hi <= 0 and g.value < 0:
        check += f"Growth in {here} was negative, {gq}"
    else:
        check += f"Growth in {here}, {gq}, may lie on either side of zero within rounding"
    totals = trade_analysis.annual_totals(ds, s["series"]) if s.get("series") else {}
    year = g.period.year
    if year in totals and year - 1 in totals and g.period.kind != "year":
        t, t0 = totals[year], totals[year - 1]
        t0.require_positive("the base of a year's growth")
        check += (f"; the whole of {year} ended "
                  f"{fmt.pct(m.growth_pct(t.value, t0.value), 2, signed=True)} at {shown(t)}")
    check += "."
    verdict = (above(iv, 0.0) if prev_lo >= 0 and prev.value > 0 else
                NOT_SUPPORTED if prev_hi > 0 else CONTRADICTED)
    if verdict == HOLDS and prev_lo == 0:
        verdict = WITHIN_ROUNDING  # the previous period may have grown by nothing at all
    return (f"The positive trend of {py} continued in {period_phrase(g.period)}.", check,
            verdict)


@kind("comparison", needs=("value", "other"), settings={"relation": "text"})
def comparison(ds, row, s):
    """One figure set against another: "much slower than the 26.3 % of the year before"."""
    v, o = _fig(ds, row, "value"), _fig(ds, row, "other")
    rel = s["relation"]
    if rel not in ("lt", "gt"):
        raise row.error(f"setting relation={rel!r}: expected lt or gt", "settings")
    if v.unit != o.unit:
        raise row.error(f"{v.id} is in {v.unit} and {o.id} in {o.unit}: not comparable")
    word = "less than" if rel == "lt" else "more than"
    statement = (f"{subject(v)} in {period_name(v.period)} was {word} the {shown(o)} of "
                 f"{period_name(o.period)}.")
    (vl, vp, vh), (ol, op, oh) = _exact(v), _exact(o)
    lo, point, hi = vl - oh, vp - op, vh - ol  # the difference lies strictly between
    check = (f"{v.label}: {shown(v)}; {o.label}: {shown(o)}; the difference is "
             f"{fmt.num(float(point), max(v.decimals, o.decimals, 0))} "
             f"{'points' if v.unit == 'percent' else ''}".rstrip() + ".")
    return statement, check, of_difference(lo, point, hi, more=rel == "gt")


@kind("difference", needs=("a", "b"), settings={"sign": "text"})
def difference(ds, row, s):
    """A difference with a sign: a surplus (``a`` above ``b``) or a deficit."""
    a, b = _fig(ds, row, "a"), _fig(ds, row, "b")
    if a.unit != b.unit:
        raise row.error(f"{a.id} is in {a.unit} and {b.id} in {b.unit}: no difference")
    sign = s["sign"]
    if sign not in ("positive", "negative"):
        raise row.error(f"setting sign={sign!r}: expected positive or negative", "settings")
    (al, ap, ah), (bl, bp, bh) = _exact(a), _exact(b)
    lo, point, hi = al - bh, ap - bp, ah - bl  # strictly between lo and hi
    statement = (f"{subject(a)} was {'above' if sign == 'positive' else 'below'} "
                 f"{lower_first(subject(b))}.")
    dec = max(a.decimals, b.decimals, 0)
    check = (f"{shown(a)} − {shown(b)} = {fmt.value(float(point), a.unit, dec)}; values that "
             f"print as these give more than {fmt.num(float(lo), dec + 1)} and less than "
             f"{fmt.num(float(hi), dec + 1)}.")
    return statement, check, of_difference(lo, point, hi, more=sign == "positive")


@kind("threshold", needs=("value",), settings={"above": "number"})
def threshold(ds, row, s):
    """A milestone passed: the value is more than a given level."""
    v = _fig(ds, row, "value")
    t = Decimal(s["above"])
    lo, point, hi = _exact(v)
    level_ = fmt.value(float(t), v.unit, max(-t.as_tuple().exponent, 0))  # as written
    statement = f"{subject(v)} passed {level_} in {period_name(v.period)}."
    check = (f"{shown(v)} stands for {fmt.num(float(lo), max(v.decimals, 0) + 1)} up to "
             f"{fmt.num(float(hi), max(v.decimals, 0) + 1)}, against {level_}.")
    if point < 0 and lo >= t:  # a negative value stands for (lo, hi]: above t from lo on
        return statement, check, HOLDS
    return statement, check, above(m.Interval(lo, hi, point), t)


@kind("multiple", needs=("before", "after"), settings={"threshold": "number",
                                                        "word?": "text"},
      same=(("before", "after"),), order=(("before", "after"),))
def multiple(ds, row, s):
    """A multiple: "more than tripled" is more than ``threshold`` times the base."""
    thr = float(s["threshold"])
    if not thr > 0:
        raise row.error(f"setting threshold={s['threshold']} must be positive", "settings")
    g = tourism_analysis.growth(ds, row.roles["before"], row.roles["after"], threshold=thr)
    b, a = g.before, g.after
    words = f"more than {s['word']}" if s.get("word") else f"more than {plain(thr)}×"
    statement = (f"{subject(a)} {words} from {period_name(b.period)} to "
                 f"{period_name(a.period)}.")
    t = f"{plain(thr)}×"
    check = (f"{shown(a)} ÷ {shown(b)} = {fmt.times(g.multiple.point, 3)}; any values that "
             f"print as these give {fmt.span(g.multiple, fmt.times, decimals=3)}. ")
    verdict = above(g.multiple, thr)
    check += {HOLDS: f"Every value in that range is above {t}: the claim holds.",
              WITHIN_ROUNDING: f"The printed figures give more than {t}, but the range "
                               f"reaches {t} or below: the claim holds only within rounding.",
              NOT_SUPPORTED: f"The printed figures give {t} or less, and only some values in "
                             f"the range exceed it: the figures do not support \"{words}\".",
              CONTRADICTED: f"No value in that range exceeds {t}: the claim does not hold."
              }[verdict]
    return statement, check, verdict


@kind("majority", needs=("part", "whole"), may=("article_whole",),
      settings={"group": "text", "who?": "text", "others?": "prefix"})
def majority(ds, row, s):
    """A majority: ``part`` is more than half of ``whole``. A share that only bounds the
    true one from above (entries over people) can show that something is not a majority,
    never that it is."""
    part, whole = _fig(ds, row, "part"), _fig(ds, row, "whole")
    art = _opt(ds, row, "article_whole")
    about = art or whole
    statement = f"Most of the {lower_first(subject(about))} were {s['group']}."
    share, reason = tourism_analysis.share_of(part, whole)
    check = (f"{part.label}: {shown(part)}, {fmt.pct(share.point)} of "
             f"{lower_first(whole.label)}")
    verdict = above(share, 50.0)
    if reason is not None:  # an upper bound: never shows a majority
        check += f" ({reason})"
        verdict = CONTRADICTED if share.hi <= 50 else NOT_SUPPORTED
    check += "."
    if art is not None and art.id != whole.id:
        sa, why = tourism_analysis.share_of(part, art)
        check += (f" A majority of the article's {fmt.people(art.value)} needs more than "
                  f"{fmt.people(art.value / 2)}; the same count is {fmt.pct(sa.point)} of it")
        if why is not None:
            check += f" ({why}), which " + ("shows it is not a majority." if sa.hi <= 50 else
                                             "cannot show a majority.")
            if verdict == CONTRADICTED and sa.hi > 50:
                verdict = NOT_SUPPORTED
        else:
            check += "."
    if s.get("others"):  # the other counts of the same series and period
        rivals = [f for f in ds.series(s["others"]) if f.period == part.period
                  and f.id not in (part.id, whole.id)]
        if rivals:
            top = max(rivals, key=lambda f: f.value)
            who = s.get("who") or s["group"]
            check += (f" {who} is the largest single source; the next largest count "
                      f"is {shown(top)} ({top.label})." if part.value > top.value else
                      f" {who} is not the largest single source: {top.label} counts "
                      f"{shown(top)}.")
    return statement, check, verdict


@kind("anniversary", needs=("anniversary",), may=("span",),
      units={"anniversary": "years", "span": "years"})
def anniversary(ds, row, s):
    """An anniversary: the year it falls in, less its number, is the founding year."""
    a = _fig(ds, row, "anniversary")
    span = _opt(ds, row, "span")
    year, n = a.period.year, int(a.value)
    if n < 1:
        raise row.error(f"anniversary={a.id} is {a.value:g} years: an anniversary is at "
                        "least the first")
    founded = year - n
    check = f"{year} − {n} = {founded}"
    verdict = HOLDS
    if span is not None:
        other = span.period.year - int(span.value)
        same = other == founded
        check += (f"; the article's \"past {int(span.value)} years\" gives "
                  + ("the same year." if same else f"{other} instead."))
        verdict = HOLDS if same else CONTRADICTED
    else:
        check += "."
    check += " The founding date itself is not among this report's sources."
    what = lower_first(subject(a))
    what = what[len("anniversary of "):] if what.startswith("anniversary of ") else what
    return (f"{year} marks the {ordinal(n)} anniversary of {what}, established in {founded}.",
            check, verdict)


@kind("horizon", needs=("horizon",), settings={"end_year?": "integer"},
      units={"horizon": "years"})
def horizon(ds, row, s):
    """A horizon in years: "the next six years". A view of the future no figure confirms;
    the check relates it to the report's own horizon (the ``end_year`` setting, or the
    parameter the row names)."""
    h = _fig(ds, row, "horizon")
    start, n = h.period.start.year, int(h.value)
    if n < 1:
        raise row.error(f"horizon={h.id} is {h.value:g} years: a horizon looks at least a "
                        "year ahead")
    end = start + n
    check = f"{start} + {n} = {end}."
    if h.period.end.year != end:
        check += f" The figure's period ends in {h.period.end.year}, not {end}."
    check += " A view of the future, which no figure can confirm"
    mine = s.get("end_year")
    if not mine:
        check += "."
    elif int(mine) == end:
        check += "; this report's scenarios end in the same year."
    else:
        y = int(mine)
        check += (f"; this report's scenarios run to {y}, {plural(abs(y - end), 'year')} "
                  f"{'after' if y > end else 'before'} it.")
    statement = (f"{subject(h)}: the next {count_word(n)} {'year' if n == 1 else 'years'} "
                 f"(to {end}).")
    return statement, check, NOT_SUPPORTED


@kind("unchecked", needs=(), any_roles=True, settings={"why?": "text"})
def unchecked(ds, row, s):
    """A claim the data has no series for: listed with its figures, never dropped."""
    figs = [ds[f] for f in dict.fromkeys(row.roles.values())]
    what = "; ".join(f"{f.label}: {shown(f)}" for f in figs)
    statement = f"{what}." if what else row.quote
    why = s.get("why") or "the data has no series to set these figures against"
    return statement, f"Not checked: {why}.", NOT_CHECKABLE


__all__ = ["KINDS", "check_figures", "check_row", "judge"]
