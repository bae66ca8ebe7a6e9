"""Claims as data: every kind of ``bilateral.report.claims.kinds`` against oracles worked
out here from the raw values, the rows of ``claims.csv`` refused with their row and column,
and a second article (The Moscow Times, 13 January 2025) checked with no code change.

The oracles read each printed figure as the half-open interval of values that print as it
(half away from zero) and compute with ``decimal.Decimal`` from the values' text: no code
of the package is used to work out an expected verdict.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bilateral.core.errors import DataError
from bilateral.report import claims
from bilateral.report.claims import (
    CONTRADICTED,
    HOLDS,
    NOT_CHECKABLE,
    NOT_SUPPORTED,
    WITHIN_ROUNDING,
)
from bilateral.report.data.claim_rows import ClaimRow
from bilateral.report.data.figures import Dataset, Figure, Source, load, parse_period
from tests.support import ROOT, edit_line, run_cli

MT = ROOT / "examples" / "moscow-times-2025-01-13"
SOURCE = Source("art", "Outlet", "Headline", date(2025, 1, 13))


def fig(fid: str, value: str, unit: str = "usd_bn", period: str = "2024",
        label: str | None = None) -> Figure:
    """A figure printed as ``value`` (its decimals are those written)."""
    decimals = len(value.split(".")[1]) if "." in value else 0
    return Figure(fid, label or f"Thing, {period}", float(value), unit, parse_period(period),
                  decimals, "eq", "art", "", "", "data/figures.csv", 2)


def judged(kind: str, figures: list[Figure], roles: dict[str, str], **settings_: str):
    ds = Dataset({f.id: f for f in figures}, {}, {"art": SOURCE}, "x", Path("."))
    row = ClaimRow("c", "trade", kind, roles, dict(settings_), "art", "q", "",
                   "data/claims.csv", 2)
    ds.claims = [row]
    return claims.evaluate(ds)[0]


def span(text: str) -> tuple[Decimal, Decimal]:
    """The half-open interval [lo, hi) of values that print as ``text``."""
    d = Decimal(text)
    half = Decimal(1).scaleb(d.as_tuple().exponent) / 2
    return d - half, d + half


def verdict_above(lo: Decimal, point: Decimal, hi: Decimal, t: Decimal) -> str:
    """"More than t" over [lo, hi): the inf is lo; sup hi is not reached, so a value above
    t exists iff hi > t."""
    if lo > t:
        return HOLDS
    if point > t:
        return WITHIN_ROUNDING
    return NOT_SUPPORTED if hi > t else CONTRADICTED


def verdict_open(lo: Decimal, point: Decimal, hi: Decimal) -> str:
    """"More than zero" for a difference of two printed values, which lies strictly
    between lo and hi (each value's interval is half-open, so neither end is reached)."""
    if lo >= 0:
        return HOLDS
    if point > 0:
        return WITHIN_ROUNDING
    return NOT_SUPPORTED if hi > 0 else CONTRADICTED


def printed(draw, lo: int, hi: int, decimals: int) -> str:
    """A value printed to ``decimals`` decimals, as text."""
    k = draw(st.integers(lo * 10**decimals, hi * 10**decimals))
    return str(Decimal(k).scaleb(-decimals))


# --------------------------------------------------------------------------- level


@st.composite
def level_case(draw):
    d = draw(st.integers(0, 3))
    article = printed(draw, 1, 999, d)
    lo, hi = span(article)
    step = Decimal(1).scaleb(-d)
    official = draw(st.sampled_from([
        article,                                   # the same figure
        str(lo), str(hi),                          # the two edges: only lo prints as it
        str(lo + step / 10), str(hi - step / 100),  # inside
        str(hi + step / 10), str(lo - step / 100),  # outside
    ]))
    return article, official


@given(level_case())
def test_level_prints_as_on_every_edge(case):
    article, official = case
    lo, hi = span(article)
    o = Decimal(official)
    places = [-Decimal(x).as_tuple().exponent for x in (official, article)]
    expected = (HOLDS if o == Decimal(article) and places[0] >= places[1] else
                WITHIN_ROUNDING if lo <= o < hi else CONTRADICTED)
    c = judged("level", [fig("a", article), fig("o", official)],
               {"article": "a", "official": "o"})
    assert c.verdict == expected, (article, official, c.check)


def test_level_at_the_upper_edge_is_contradicted():
    # 240.15 prints as 240.2 (half away from zero), not the article's 240.1.
    c = judged("level", [fig("a", "240.1"), fig("o", "240.15")],
               {"article": "a", "official": "o"})
    assert c.verdict == CONTRADICTED
    assert "prints as USD 240.2 bn, not the article's USD 240.1 bn" in c.check
    c = judged("level", [fig("a", "240.1"), fig("o", "240.05")],
               {"article": "a", "official": "o"})
    assert c.verdict == WITHIN_ROUNDING


# --------------------------------------------------------------------------- multiple


@st.composite
def multiple_case(draw):
    db, da = draw(st.integers(-4, 0)), draw(st.integers(-4, 0))
    b = float(draw(st.integers(1, 50)) * 10 ** -db * 100)
    a = float(draw(st.integers(1, 400)) * 10 ** -da * 100)
    hb, ha = 10.0 ** -db / 2, 10.0 ** -da / 2
    # The threshold on each end of the multiple's range and at its point, where the
    # verdict turns (the same float arithmetic as any code would do), or anywhere.
    t = draw(st.sampled_from([(a - ha) / (b + hb), a / b, (a + ha) / (b - hb),
                              draw(st.integers(1, 60)) / 10]))
    return b, db, a, da, t


@settings(max_examples=200)
@given(multiple_case())
def test_multiple_against_its_threshold_at_every_edge(case):
    b, db, a, da, t = case
    hb, ha = 10.0 ** -db / 2, 10.0 ** -da / 2
    lo, point, hi = (a - ha) / (b + hb), a / b, (a + ha) / (b - hb)
    expected = (HOLDS if lo > t else WITHIN_ROUNDING if point > t else
                NOT_SUPPORTED if hi > t else CONTRADICTED)
    fb = dataclasses.replace(fig("b", str(int(b)), "people", "2022"), decimals=db)
    fa = dataclasses.replace(fig("a", str(int(a)), "people", "2023"), decimals=da)
    c = judged("multiple", [fb, fa], {"before": "b", "after": "a"}, threshold=repr(t),
               word="tripled")
    assert c.verdict == expected, (b, a, t, c.check)
    assert c.statement.endswith("more than tripled from 2022 to 2023.")


def test_multiple_takes_its_threshold_from_the_named_parameter():
    fb, fa = fig("b", "187000", "people", "2022"), fig("a", "600000", "people", "2023")
    fb, fa = (dataclasses.replace(f, decimals=-3) for f in (fb, fa))
    ds = Dataset({"b": fb, "a": fa}, {}, {"art": SOURCE}, "x", Path("."))
    ds.claims = [ClaimRow("c", "tourism", "multiple", {"before": "b", "after": "a"},
                          {"threshold": "3", "parameter": "threshold_multiple"}, "art", "q",
                          "", "data/claims.csv", 2)]
    # 600,000 / 187,000 = 3.209; the least it may be is 599,500 / 187,500 = 3.197.
    assert claims.evaluate(ds)[0].verdict == HOLDS
    assert claims.evaluate(ds, threshold_multiple=3.2)[0].verdict == WITHIN_ROUNDING
    assert claims.evaluate(ds, threshold_multiple=3.3)[0].verdict == CONTRADICTED


# --------------------------------------------------------------------------- majority


@given(st.integers(0, 9000), st.integers(1, 9000), st.booleans())
def test_a_majority_from_an_upper_bound_is_never_shown(part, whole, upper):
    # Counts printed to hundreds: [x - 50, x + 50).
    p, w = Decimal(part) * 100, Decimal(whole) * 100
    lo, hi = (p - 50) / (w + 50) * 100, (p + 50) / (w - 50) * 100
    fp = dataclasses.replace(fig("p", str(p), "entries" if upper else "people", "2023"),
                             decimals=-2)
    fw = dataclasses.replace(fig("w", str(w), "people", "2023"), decimals=-2)
    c = judged("majority", [fp, fw], {"part": "p", "whole": "w"}, group="Chinese")
    if upper:  # entries over people: at most the share of people
        assert c.verdict == (CONTRADICTED if hi <= 50 else NOT_SUPPORTED), c.check
    else:
        assert c.verdict == verdict_above(max(lo, Decimal(0)), p / w * 100, hi,
                                          Decimal(50)), c.check


# --------------------------------------------------------------------------- comparisons


@given(st.integers(-300, 600), st.integers(-300, 600), st.sampled_from(["lt", "gt"]))
def test_comparison_of_two_rates(v, o, rel):
    # Rates printed to one decimal: v/10 and o/10.
    vv, oo = Decimal(v) / 10, Decimal(o) / 10
    lo, hi = vv - oo - Decimal("0.1"), vv - oo + Decimal("0.1")
    c = judged("comparison",
               [fig("v", f"{vv:.1f}", "percent"), fig("o", f"{oo:.1f}", "percent", "2023")],
               {"value": "v", "other": "o"}, relation=rel)
    if rel == "gt":
        expected = verdict_open(lo, vv - oo, hi)
    else:  # the mirror: "less than" holds when even the highest difference is at most 0
        expected = (HOLDS if hi <= 0 else WITHIN_ROUNDING if vv < oo else
                    NOT_SUPPORTED if lo < 0 else CONTRADICTED)
    assert c.verdict == expected, (vv, oo, rel, c.check)


@given(st.integers(1, 5000), st.integers(1, 5000))
def test_change_is_an_increase_only_when_every_rounding_says_so(b, a):
    bb, aa = Decimal(b) / 10, Decimal(a) / 10
    h = Decimal("0.05")
    lo, hi = (aa - h) / (bb + h) - 1, (aa + h) / (bb - h) - 1
    c = judged("change", [fig("b", f"{bb:.1f}", period="2023"), fig("a", f"{aa:.1f}")],
               {"before": "b", "after": "a"}, direction="increase")
    # The ratio of two half-open ranges lies strictly between its ends.
    assert c.verdict == verdict_open(lo, aa / bb - 1, hi), c.check


@given(st.integers(0, 5000), st.integers(0, 5000))
def test_difference_and_threshold(a, b):
    aa, bb = Decimal(a) / 10, Decimal(b) / 10
    h = Decimal("0.05")
    c = judged("difference", [fig("a", f"{aa:.1f}"), fig("b", f"{bb:.1f}")],
               {"a": "a", "b": "b"},
               sign="positive")
    assert c.verdict == verdict_open(aa - bb - 2 * h, aa - bb, aa - bb + 2 * h)
    c = judged("threshold", [fig("v", f"{aa:.1f}")], {"value": "v"}, above=str(bb))
    assert c.verdict == verdict_above(aa - h, aa, aa + h, bb)


def test_unchecked_is_listed_never_dropped():
    c = judged("unchecked", [fig("us", "688.3", label="China–US trade, 2024")], {"value": "us"},
               why="the data has no series of China–US trade")
    assert c.verdict == NOT_CHECKABLE
    assert c.statement == "China–US trade, 2024: USD 688.3 bn."
    assert c.check == "Not checked: the data has no series of China–US trade."


# --------------------------------------------------------------------------- claims.csv refused


@pytest.mark.parametrize(("line", "old", "new", "column", "why"), [
    (2, ",record,", ",recrod,", "kind", "unknown kind 'recrod'"),
    (2, "article=trade_2023", "artikel=trade_2023", "figures",
     "kind 'record' needs the figure role article"),
    (2, "series=gacc_trade_", "series=gacc_trade_; colour=red", "settings",
     "kind 'record' has no setting 'colour'"),
    (7, "threshold=3;", "threshold=three;", "settings",
     "setting threshold='three' is not a number"),
    (2, "article=trade_2023", "article=trade_2032", "figures", "no figure with id 'trade_2032'"),
    (2, "$240.1 billion", "$240.2 billion", "quote", "states 240.2 billion"),
    (3, "cgtn_2024_05_16", "rt_2019_01_14", "source_id", "claims of 2 sources"),
])
def test_a_broken_claim_row_is_refused_with_its_row_and_column(data_copy, line, old, new,
                                                                 column, why):
    edit_line(data_copy / "claims.csv", line, old, new)
    with pytest.raises(DataError) as info:
        ds = load(data_copy)
        claims.validate(ds)
    exc = info.value
    assert (exc.file, exc.column) == ("data/claims.csv", column)
    assert exc.row in (line, 8)  # two sources: named at the last row
    assert why in str(exc), str(exc)


# --------------------------------------------------------------------------- the second article


def test_the_moscow_times_article_is_checked_with_no_code_change():
    ds = load(MT)
    assert ds.article.publisher == "The Moscow Times" and ds.topics() == ["trade"]
    got = {c.id: c for c in claims.evaluate(ds)}
    # 244.8 against customs' 244.819: 244.819 rounded to one decimal is 244.8.
    assert got["record_2024"].verdict == WITHIN_ROUNDING
    assert got["level_2024"].verdict == WITHIN_ROUNDING
    # 244.8 / 240.1 - 1 = 4.7 / 240.1 = 1.9575 %: +1.96 %; at least 244.75 / 240.15 - 1 =
    # 1.92 %, above zero: the increase holds.
    assert got["increase_2024"].verdict == HOLDS
    assert "+1.96 %" in got["increase_2024"].check
    # Customs' 1.9 % (1.85 up to 1.95) against 26.3 % (26.25 up to 26.35): slower.
    assert got["growth_slowed"].verdict == HOLDS
    # China–US trade: no series in the data, listed with that verdict.
    assert got["china_us_2024"].verdict == NOT_CHECKABLE


def test_a_report_asked_for_by_name_with_nothing_to_report_is_an_error(tmp_path):
    r = run_cli("build", "tourism", "--data", str(MT), "--out", str(tmp_path / "out"),
                "--dry-run")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "bilateral: tourism: nothing to build on this data: The Moscow Times' article of 13 "
        "January 2025 makes no claim about tourism (its claims are about trade)"]


@pytest.mark.slow
def test_the_moscow_times_article_builds_true_reports(tmp_path):
    out = tmp_path / "out"
    r = run_cli("build", "--data", str(MT), "--out", str(out), "--formats", "html")
    assert r.returncode == 0, r.stderr
    left = [ln for ln in r.stderr.splitlines() if "tourism" in ln]
    assert left == ["bilateral: tourism: left out (The Moscow Times' article of 13 January "
                    "2025 makes no claim about tourism (its claims are about trade))"], left
    assert not (out / "tourism.html").exists()
    page = (out / "trade.html").read_text(encoding="utf-8")
    # The document's title (and so the PDF's running header) names this article.
    assert ("<title>China–Russia trade in The Moscow Times' article of 13 January 2025"
            "</title>") in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "China–Russia trade in The Moscow Times' article of 13 January 2025" in text
    # Nothing of the May 2024 article: its outlet, date, quarter or horizon.
    for other in ("CGTN", "16 May 2024", "56.68", "six years", "2024-05-16"):
        assert other not in text, other
    assert "The article gives no growth for a part of the year" in text
    assert "not checkable here" in text


# ------------------------------------------------------------ figures that do not fit


def _row(ds_folder: Path, line: str) -> None:
    with (ds_folder / "claims.csv").open("a", encoding="utf-8") as f:
        f.write(line + "\n")


@pytest.mark.parametrize(("line", "why"), [
    # expo_products is "more than 5,000": a lower bound, not a value a kind can judge.
    ('x,trade,threshold,value=expo_products,above=4000,cgtn_2024_05_16,"more than 5,000",',
     "value=expo_products is stated as 'more than' a value"),
    ('x,trade,level,article=trade_2023 official=gacc_yoy_2023,,cgtn_2024_05_16,"record",',
     "are in different units (percent, usd_bn)"),
    ('x,trade,level,article=trade_2023 official=gacc_trade_2022,,cgtn_2024_05_16,"record",',
     "article=trade_2023 is for 2023 and official=gacc_trade_2022 is for 2022: they must "
     "be for one period"),
    ('x,trade,trend,growth=trade_2024q1_yoy previous=gacc_yoy_2024,,cgtn_2024_05_16,"trend",',
     "previous=gacc_yoy_2024 (2024) must come before growth=trade_2024q1_yoy (2024-Q1)"),
    ('x,trade,trend,growth=trade_2024q1 previous=trade_2023,,cgtn_2024_05_16,"trend",',
     "growth=trade_2024q1 is in usd_bn; kind 'trend' needs percent"),
    ('x,trade,growth,value=trade_2024q1 growth=trade_2024q1_yoy '
     'official_value=mofcom_trade_2024q1,,cgtn_2024_05_16,"5.2 percent",',
     "takes official_value and official_growth together"),
    ('x,trades,level,article=trade_2023 official=gacc_trade_2023,,cgtn_2024_05_16,"rec",',
     "unknown topic 'trades'"),
    ('x,trade,growth,growth=trade_2024q1_yoy,,cgtn_2024_05_16,"5.2 percent",',
     "needs the figure role value"),
])
def test_figures_that_do_not_fit_their_kind_are_refused(data_copy, line, why):
    _row(data_copy, line)
    with pytest.raises(DataError) as info:
        claims.validate(load(data_copy), {"trade", "tourism"})
    assert info.value.file == "data/claims.csv" and info.value.row == 9
    assert why in str(info.value), str(info.value)


def test_a_broken_claim_row_stops_the_build_before_any_kernel(data_copy, tmp_path):
    _row(data_copy, 'x,trade,growth,growth=trade_2024q1_yoy,,cgtn_2024_05_16,"5.2 percent",')
    r = run_cli("build", "--data", str(data_copy), "--out", str(tmp_path / "out"),
                "--dry-run")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "bilateral: data/claims.csv, row 9, column 'figures': claim 'x': kind 'growth' "
        "needs the figure role value=…"]


# --------------------------------------------------------------------------- records over ranges


@pytest.mark.parametrize(("earlier", "current", "verdict", "words"), [
    # 240.12 (two decimals) above 240.1 (one): 240.1 may stand for up to 240.149…
    ("240.1", "240.12", WITHIN_ROUNDING, "a record as printed"),
    # 240.09 below 240.1 as printed; 240.1 may be as low as 240.05: only some roundings.
    ("240.1", "240.09", NOT_SUPPORTED, "though at some roundings 2023 is above it"),
    ("240.1", "240.1", NOT_SUPPORTED, "only equals the highest earlier year"),
    # 240.15 stands for [240.145, 240.155), 240.1 for [240.05, 240.15): they overlap.
    ("240.1", "240.15", WITHIN_ROUNDING, "a record as printed"),
    # 240.16 stands for at least 240.155, above anything 240.1 stands for.
    ("240.1", "240.16", HOLDS, "above every earlier year"),
])
def test_a_record_is_judged_over_the_ranges_its_totals_stand_for(earlier, current, verdict,
                                                                   words):
    fs = [fig("s_2022", earlier, period="2022"), fig("s_2023", current, period="2023"),
          fig("a", current, period="2023")]
    c = judged("record", fs, {"article": "a"}, series="s_")
    assert c.verdict == verdict, c.check
    assert words in c.check, c.check


@pytest.mark.parametrize(("official", "verdict"), [
    ("68", NOT_SUPPORTED),   # 68 stands for 67.5 up to 68.5: 68.3 may be it, or not
    ("69", CONTRADICTED),    # 68.3 does not round to 69
])
def test_a_less_precise_official_figure_cannot_confirm_the_article(official, verdict):
    c = judged("level", [fig("a", "68.3"), fig("o", official)],
               {"article": "a", "official": "o"})
    assert c.verdict == verdict
    assert "68.0" not in c.check and "printed less precisely" in c.check


def test_words_that_read_true():
    # 56.68 / 53.853 − 1 = 0.0524947 = 5.24947 %: printed 5.25 it would seem to round to
    # 5.3; printed 5.249 it rounds, as it does, to 5.2.
    q1, g = fig("q", "56.68", period="2024-Q1"), fig("g", "5.2", "percent", "2024-Q1")
    first = fig("f", "53.853", period="2023-Q1")
    c = judged("growth", [q1, g, first], {"value": "q", "growth": "g", "first_base": "f"})
    assert "the growth is 5.249 %, which rounds to 5.2 %" in c.check
    # A threshold is printed as the row writes it, not at the figure's precision.
    c = judged("threshold", [fig("v", "240.1")], {"value": "v"}, above="240.05")
    assert c.statement == "Thing passed USD 240.05 bn in 2024."
    # Names keep their capitals inside a sentence; common words do not.
    ex = fig("e", "47.98", label="China's exports to Russia, 2018", period="2018")
    im = fig("i", "59.08", label="China's imports from Russia, 2018", period="2018")
    c = judged("difference", [ex, im], {"a": "e", "b": "i"}, sign="negative")
    assert c.statement == "China's exports to Russia was below China's imports from Russia."
    assert c.verdict == HOLDS


# ------------------------------------------------------------ a tourism article of its own


def renamed(folder: Path, old: str, new: str) -> None:
    """Rename a figure id everywhere it is written in the data folder."""
    for path in [folder / "figures.csv", folder / "claims.csv"]:
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_tourism_article_with_its_own_ids_and_no_majority_claim(data_copy):
    from bilateral.report import preflight, record
    from bilateral.report.analysis import tourism

    renamed(data_copy, "visitors_2022", "tourists_2022")
    renamed(data_copy, "visitors_2023", "tourists_2023")
    lines = (data_copy / "claims.csv").read_text(encoding="utf-8").splitlines()
    (data_copy / "claims.csv").write_text(
        "\n".join(ln for ln in lines if not ln.startswith("majority_chinese")) + "\n",
        encoding="utf-8")
    ds = load(data_copy)
    preflight.check("tourism", ds, {"threshold_multiple": 3.0}, "tourism")
    g = tourism.growth(ds)
    assert (g.before.id, g.after.id, g.word) == ("tourists_2022", "tourists_2023", "tripled")
    assert tourism.majority(ds) is None
    rec = record.record("tourism", ds, {"threshold_multiple": 3.0}, report="tourism")
    assert set(rec["claims"]) == {"tripled"}
    assert "needed_for_majority" not in rec["values"]


@pytest.mark.slow
def test_a_tourism_article_with_its_own_ids_builds(data_copy, tmp_path):
    renamed(data_copy, "visitors_2022", "tourists_2022")
    renamed(data_copy, "visitors_2023", "tourists_2023")
    out = tmp_path / "out"
    r = run_cli("build", "tourism", "--data", str(data_copy), "--out", str(out),
                "--formats", "html", "-q")
    assert r.returncode == 0, r.stderr
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "tourism.html").read_text()))
    assert "RST's counts for both years are the article's (187,000 for 2022, 600,000 for " \
           "2023)." in text
    assert 'the threshold taken for "more than tripled": the claim holds.' in text
