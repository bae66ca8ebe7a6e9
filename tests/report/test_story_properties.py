"""Every sentence agrees with the numbers it describes, for any plausible data and parameters.

Hypothesis generates datasets (the article's figures and the official record perturbed
over wide ranges, each value on its printed precision) and parameter sets; the analyses,
claims and story run in-process, with no kernel. Each property's expected word or
verdict is worked out here from the raw values with the plain formulas (multiple =
after ÷ before, bounds at half a printed unit), not by calling the code under test.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bilateral.core.errors import ParameterError
from bilateral.report import claims, preflight, story
from bilateral.report.analysis import tourism, trade
from bilateral.report.data.figures import Dataset, load
from bilateral.report.metrics import printed
from bilateral.report.story import fmt
from tests.support import DATA

BASE = load(DATA)
ANNUAL_YEARS = sorted(f.period.year for f in BASE.series("gacc_trade_") if f.period.kind ==
                      "year")
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def value_of(draw, fid: str, lo: float, hi: float) -> float:
    """A value for ``fid`` between ``lo`` and ``hi``, on the grid of its printed decimals."""
    d = BASE[fid].decimals
    if d >= 0:
        scale = 10 ** d
        return round(draw(st.integers(int(lo * scale), int(hi * scale))) / scale, d)
    step = 10 ** -d
    return float(draw(st.integers(int(lo // step), int(hi // step))) * step)


@st.composite
def datasets(draw) -> Dataset:
    v: dict[str, float] = {}
    for y in ANNUAL_YEARS:
        v[f"gacc_trade_{y}"] = value_of(draw, f"gacc_trade_{y}", 10, 900)
    if draw(st.booleans()):  # 2023 equal to the best earlier year: no record
        v["gacc_trade_2023"] = round(max(v[f"gacc_trade_{y}"] for y in ANNUAL_YEARS
                                         if y < 2023), 1)
    # The article's 2023 total: customs' own figure, or something else.
    v["trade_2023"] = draw(st.one_of(
        st.just(round(v["gacc_trade_2023"], 1)), st.builds(
            lambda k: round(k / 10, 1), st.integers(100, 9000))))
    v["trade_2024q1"] = value_of(draw, "trade_2024q1", 2, 300)
    v["trade_2024q1_yoy"] = draw(st.one_of(
        st.just(value_of(draw, "trade_2024q1_yoy", -60, 150)),
        st.sampled_from([-0.1, 0.0, 0.1])))  # around zero, where the trend's words turn
    v["gacc_trade_2023q1"] = value_of(draw, "gacc_trade_2023q1", 2, 300)
    if draw(st.booleans()):  # at the ends of the implied base, where "inside" turns
        q1, g = v["trade_2024q1"], v["trade_2024q1_yoy"]
        corners = [a / (1 + b / 100) for a in (q1 - 0.005, q1 + 0.005)
                   for b in (g - 0.05, g + 0.05)]
        near = draw(st.sampled_from([min(corners), max(corners)]))
        v["gacc_trade_2023q1"] = round(near + draw(st.integers(-2, 2)) / 1000, 3)
    same_official = draw(st.booleans())
    v["mofcom_trade_2024q1"] = v["trade_2024q1"] if same_official else value_of(
        draw, "mofcom_trade_2024q1", 2, 300)
    v["mofcom_yoy_2024q1"] = v["trade_2024q1_yoy"] if same_official else value_of(
        draw, "mofcom_yoy_2024q1", -60, 150)
    v["gacc_yoy_2023"] = value_of(draw, "gacc_yoy_2023", -60, 150)
    v["visitors_2022"] = value_of(draw, "visitors_2022", 1000, 3_000_000)
    v["visitors_2023"] = draw(st.one_of(
        st.just(value_of(draw, "visitors_2023", 1000, 9_000_000)),
        # about three times 2022, where "more than tripled" turns
        st.builds(lambda k: max(1000.0, 3 * v["visitors_2022"] // 1000 * 1000 + k * 1000),
                  st.integers(-5, 5))))
    v["fsb_tourist_entries_2023"] = value_of(draw, "fsb_tourist_entries_2023", 1000, 3_000_000)
    for fid in ("fsb_tourist_entries_china_2023", "fsb_tourist_entries_germany_2023",
                "fsb_tourist_entries_turkey_2023"):
        v[fid] = value_of(draw, fid, 0, v["fsb_tourist_entries_2023"])
    if draw(st.booleans()):  # about half the border total, where a majority turns
        half = v["fsb_tourist_entries_2023"] / 2 // 100 * 100
        v["fsb_tourist_entries_china_2023"] = max(0.0, half + draw(st.integers(-3, 3)) * 100)
    v["anniversary"] = float(draw(st.integers(1, 150)))
    v["ties_span"] = draw(st.sampled_from([v["anniversary"], float(draw(st.integers(1, 150)))]))
    v["horizon"] = float(draw(st.integers(1, 30)))
    drop_2024 = draw(st.booleans())

    def changed(group: dict) -> dict:
        out = {}
        for fid, f in group.items():
            if drop_2024 and fid in ("gacc_trade_2024", "gacc_yoy_2024"):
                continue
            out[fid] = dataclasses.replace(f, value=v[fid]) if fid in v else f
        return out

    return Dataset(changed(BASE.figures), changed(BASE.context), BASE.sources,
                   BASE.fingerprint, BASE.folder, BASE.files, claims=BASE.claims)


def with_values(ds: Dataset, **values: float) -> Dataset:
    """``ds`` with the figures named in ``values`` changed."""
    def changed(group: dict) -> dict:
        return {fid: dataclasses.replace(f, value=values[fid]) if fid in values else f
                for fid, f in group.items()}
    return Dataset(changed(ds.figures), changed(ds.context), ds.sources, ds.fingerprint,
                   ds.folder, ds.files, claims=ds.claims)


@st.composite
def quarters(draw) -> Dataset:
    """The article's quarter and growth, and the first-reported base a year earlier, often
    within a thousandth of the ends of the base that the growth implies."""
    q1 = draw(st.integers(200, 30000)) / 100
    g = draw(st.integers(-600, 1500)) / 10
    corners = [a / (1 + b / 100) for a in (q1 - 0.005, q1 + 0.005) for b in (g - 0.05, g + 0.05)]
    first = draw(st.one_of(
        st.integers(2000, 300000).map(lambda k: k / 1000),
        st.tuples(st.sampled_from([min(corners), max(corners)]), st.integers(-2, 2)).map(
            lambda t: round(t[0] + t[1] / 1000, 3))))
    return with_values(draw(datasets()), trade_2024q1=q1, trade_2024q1_yoy=g,
                       gacc_trade_2023q1=first)


def bounds(ds: Dataset, fid: str) -> tuple[float, float, float]:
    """(low, value, high): what the printed value may stand for."""
    f = ds[fid]
    h = 0.5 * 10.0 ** (-f.decimals)
    return f.value - h, f.value, f.value + h


def text(markup) -> str:
    return story.text_of(markup)


# ------------------------------------------------------------------------------ trade


@SETTINGS
@given(datasets())
def test_year_paragraph_and_record_claim(ds):
    y = trade.year(ds)
    official = ds["gacc_trade_2023"].value
    earlier = [ds[f"gacc_trade_{yr}"].value for yr in ANNUAL_YEARS if yr < 2023]
    para = text(story.trade.year_paragraph(y))
    alt = story.trade.annual_alt(trade.annual(ds), y)
    claim = {c.id: c for c in claims.evaluate(ds)}["record_2023"]
    assert fmt.busd(official, 1) in para
    article = fmt.busd(ds["trade_2023"].value, 1)
    assert claim.statement == f"China–Russia trade reached a record {article} in 2023."
    # Each printed total stands for [value − half, value + half): customs' 2023 has one
    # decimal, the earlier years two. Worked out in exact decimals from the values' text.
    o = Decimal(repr(official))
    o_lo, o_hi = o - Decimal("0.05"), o + Decimal("0.05")
    e = [Decimal(repr(x)) for x in earlier]
    surely = o_lo >= max(e) + Decimal("0.005")
    possibly = o_hi > max(e) - Decimal("0.005")
    a = Decimal(repr(ds["trade_2023"].value))
    level = (claims.HOLDS if o == a else
             claims.WITHIN_ROUNDING if a - Decimal("0.05") <= o < a + Decimal("0.05") else
             claims.CONTRADICTED)
    if official > max(earlier):
        assert "2023 is a record" in para and "above every earlier year" in alt
        if level == claims.CONTRADICTED:
            expected = claims.NOT_SUPPORTED
        elif surely:
            expected = level
        else:  # a record as printed, not at every rounding
            assert "not at every rounding" in para
            expected = claims.WITHIN_ROUNDING
        assert claim.verdict == expected
    else:
        assert "2023 is not a record" in para and "is a record" not in para
        assert "above every earlier year" not in alt
        assert claim.verdict == (claims.NOT_SUPPORTED if possibly else claims.CONTRADICTED)
    assert ("the figure the article gives" in para) == (official == ds["trade_2023"].value)
    # Growth from 2022 in words: "more" only when 2023 is above 2022 by a printed amount.
    g = (official / ds["gacc_trade_2022"].value - 1) * 100
    if round(abs(g), 2) >= 0.01:
        word = "more" if g > 0 else "less"
        assert f"{fmt.pct(abs(g), 2)} {word} than 2022's" in para


@SETTINGS
@given(quarters())
def test_quarter_paragraph_states_the_implied_base_and_where_the_first_report_lies(ds):
    q = trade.quarter(ds)
    q1, g, first = (ds[i].value for i in ("trade_2024q1", "trade_2024q1_yoy",
                                          "gacc_trade_2023q1"))
    para = text(story.trade.quarter_paragraph(q))
    implied = q1 / (1 + g / 100)
    assert fmt.busd(implied, 3) in para
    corners = [a / (1 + b / 100) for a in (q1 - 0.005, q1 + 0.005) for b in (g - 0.05, g + 0.05)]
    lo, hi = min(corners), max(corners)
    where = "below" if first < lo else "above" if first > hi else "inside"
    assert f"lies {where} the implied interval" in para
    assert f"lies {where} the interval" in story.trade.quarter_alt(q)
    if where != "inside":
        assert f"revised {'up' if where == 'below' else 'down'}" in para
    if g > 0:
        assert f"up {fmt.pct(g)} on a year earlier" in para
    elif g < 0:
        assert f"down {fmt.pct(-g)} on a year earlier" in para
    else:
        assert "unchanged on a year earlier" in para
    share = text(story.trade.share_paragraph(q))
    has_2024 = "gacc_trade_2024" in ds.context
    assert ("no customs total for 2024" in share) == (not has_2024)


@SETTINGS
@given(datasets())
def test_trade_claims_verdicts(ds):
    got = {c.id: c for c in claims.evaluate(ds)}
    glo, g, ghi = bounds(ds, "trade_2024q1_yoy")
    y23 = ds["gacc_yoy_2023"].value
    if y23 < 0:
        expected = claims.CONTRADICTED
    elif y23 == 0:  # printed 0.0: it may be anything from -0.05 to 0.05, growth or not
        expected = claims.NOT_SUPPORTED
    elif glo > 0:
        expected = claims.HOLDS
    elif g > 0:
        expected = claims.WITHIN_ROUNDING
    elif ghi > 0:
        expected = claims.NOT_SUPPORTED
    else:
        expected = claims.CONTRADICTED
    assert got["positive_trend"].verdict == expected
    check = got["positive_trend"].check
    assert ("was positive" in check) == (glo > 0)
    assert ("was negative" in check) == (ghi < 0)
    if glo > 0:
        pace = "slower than" if g < y23 else "faster than" if g > y23 else "the same rate as"
        assert pace in check
    # The anniversary: the same founding year both ways, or not.
    a, s = ds["anniversary"].value, ds["ties_span"].value
    assert got["anniversary_75"].verdict == (claims.HOLDS if a == s else claims.CONTRADICTED)
    assert f"established in {2024 - int(a)}" in got["anniversary_75"].statement
    # q1 growth: the article's numbers against the official ones.
    same = (ds["trade_2024q1"].value == ds["mofcom_trade_2024q1"].value
            and ds["trade_2024q1_yoy"].value == ds["mofcom_yoy_2024q1"].value)
    assert (got["q1_growth"].verdict == claims.HOLDS) == same
    stmt = got["q1_growth"].statement
    assert fmt.busd(ds["trade_2024q1"].value, 2) in stmt
    if g:
        assert f"{fmt.pct(abs(g))} {'more' if g > 0 else 'less'} than a year earlier" in stmt


@SETTINGS
@given(datasets(), st.integers(1990, 2100), st.integers(1991, 2100))
def test_horizon_words_and_parameter_sense(ds, base_year, horizon_year):
    n = int(ds["horizon"].value)
    end = 2024 + n
    params = {"scenario_growth_pct": [0.0, 5.2], "scenario_base_year": base_year,
              "horizon_year": horizon_year, "milestone_busd": 300.0}
    years = [y for y in ANNUAL_YEARS if f"gacc_trade_{y}" in ds.context]
    if base_year not in years:
        with pytest.raises(ParameterError, match="scenario_base_year"):
            preflight.check("trade", ds, params, "trade")
        return
    if horizon_year <= base_year:
        with pytest.raises(ParameterError, match="horizon_year"):
            preflight.check("trade", ds, params, "trade")
        return
    preflight.check("trade", ds, params, "trade")  # everything else runs
    title = story.trade.scenarios_title(ds["horizon"], horizon_year)
    para = text(story.trade.scenarios_paragraph(ds["horizon"], base_year, horizon_year))
    claim = {c.id: c for c in claims.evaluate(ds, horizon_year=horizon_year)}[
        "six_year_horizon"]
    assert str(horizon_year) in title and str(horizon_year) in para
    assert f"(to {end})" in claim.statement
    assert f"2024 + {n} = {end}" in claim.check
    if horizon_year == end:
        assert "the end of the article's horizon" in para
        assert "-year horizon" in title
    else:
        gap = abs(horizon_year - end)
        word = "after" if horizon_year > end else "before"
        assert re.search(rf"\b{re.escape(story.words.count_word(gap))} years? {word}\b", para)
        assert "-year horizon" not in title
        assert f"run to {horizon_year}" in claim.check


# ---------------------------------------------------------------------------- tourism


@SETTINGS
@given(datasets(), st.data())
def test_growth_paragraph_and_tripled_claim(ds, data):
    b_lo, b, b_hi = bounds(ds, "visitors_2022")
    a_lo, a, a_hi = bounds(ds, "visitors_2023")
    # Thresholds at the interval's ends and its point, where every word turns, or anywhere;
    # within the parameter's declared range (> 0, ≤ 1000: tourism.ipynb's parameters cell),
    # which a generated data set's ratio may leave (a value outside it is refused, as
    # tests/report/test_parameters.py checks).
    edges = [t for t in (a_lo / b_hi, a / b, a_hi / b_lo) if 0 < t <= 1000]
    anywhere = st.floats(0.1, 10, allow_nan=False).map(lambda x: round(x, 2))
    thr = data.draw(st.one_of(st.sampled_from(edges), anywhere) if edges else anywhere,
                    label="threshold")
    g = tourism.growth(ds, threshold=thr)
    safe = tourism.coarsest_rounding_keeping(a, printed(b, ds["visitors_2022"].decimals), thr)
    para = text(story.tourism.growth_paragraph(g, safe))
    lo, point, hi = max(a_lo, 0) / b_hi, a / b, a_hi / b_lo
    word = "rose" if a > b else "fell" if a < b else "stayed the same"
    assert para.startswith(f"Foreign visitors {word} from {fmt.people(b)} in 2022 to "
                           f"{fmt.people(a)} in 2023")
    holds = "the claim holds." in para
    assert holds == (lo > thr)
    assert ("holds only within rounding" in para) == (point > thr >= lo)
    # "Even if A had been rounded to the nearest S, the multiple would still exceed T":
    # true of the lowest value A, rounded to S first (half up), could then stand for.
    m = re.search(r"rounded to the nearest ([\d,]+), the multiple would still exceed", para)
    if m:
        assert lo > thr
        step = int(m.group(1).replace(",", ""))
        shown = int(Decimal(str(a)).quantize(Decimal(step), rounding=ROUND_HALF_UP)
                    if step == 1 else
                    (Decimal(str(a)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
                    * step)
        assert (shown - step / 2) / b_hi > thr
    claim = {c.id: c for c in claims.evaluate(ds, threshold_multiple=thr)}["tripled"]
    expected = (claims.HOLDS if lo > thr else claims.WITHIN_ROUNDING if point > thr else
                claims.NOT_SUPPORTED if hi > thr else claims.CONTRADICTED)
    assert claim.verdict == expected
    assert f"{story.words.plain(thr)}×" in claim.check
    alt = story.tourism.visitors_alt(g, tourism.majority(ds))
    level = "above" if point > thr else "below" if point < thr else "exactly at"
    assert f"{level} {story.words.plain(thr)} times 2022" in alt


@SETTINGS
@given(datasets())
def test_majority_words_and_verdict(ds):
    c_lo, c, c_hi = bounds(ds, "fsb_tourist_entries_china_2023")
    t_lo, t, t_hi = bounds(ds, "fsb_tourist_entries_2023")
    v_lo, v, v_hi = bounds(ds, "visitors_2023")
    assume(v_lo > 0)
    share_lo, share, share_hi = max(c_lo, 0) / t_hi * 100, c / t * 100, c_hi / t_lo * 100
    art_hi = c_hi / v_lo * 100
    m = tourism.majority(ds)
    para = text(story.tourism.majority_paragraph(m))
    claim = {x.id: x for x in claims.evaluate(ds)}["majority_chinese"]
    word = ("a majority" if share_lo > 50 else "a majority only at some roundings"
            if share_hi > 50 else "not a majority")
    assert f"{fmt.pct(share)}, {word}." in para
    if share_lo > 50:
        expected = claims.HOLDS
    elif share > 50:
        expected = claims.WITHIN_ROUNDING
    elif share_hi > 50 or art_hi > 50:
        expected = claims.NOT_SUPPORTED
    else:
        expected = claims.CONTRADICTED
    assert claim.verdict == expected
    others = [ds[i].value for i in ("fsb_tourist_entries_germany_2023",
                                    "fsb_tourist_entries_turkey_2023")]
    if c > max(others):
        assert "China is the largest single source" in para
    else:
        assert "China is not the largest source" in para
    alt = story.tourism.visitors_alt(tourism.growth(ds), m)
    half = "above" if c > v / 2 else "below" if c < v / 2 else "exactly at"
    assert f"entries (FSB) {half} half of {fmt.people(v)}" in alt


@SETTINGS
@given(datasets(), st.floats(0.1, 10, allow_nan=False))
def test_tourism_sense_check_runs_for_any_plausible_data(ds, thr):
    assume(ds["visitors_2023"].value > 0)
    preflight.check("tourism", ds, {"threshold_multiple": thr}, "tourism")


@SETTINGS
@given(datasets(), st.booleans(), st.integers(-3, 3))
def test_the_article_source_is_called_rst_only_when_the_counts_agree(ds, same, shift):
    """A body is named as the one whose counts the article's are only when its counts are
    the article's for both years; otherwise the paragraph says no body's are."""
    a22, a23 = ds["visitors_2022"].value, ds["visitors_2023"].value
    r23 = a23 if same else a23 + (shift or 1) * 1000
    ds = with_values(ds, rst_foreign_tourists_2022=a22, rst_foreign_tourists_2023=r23)
    para = text(story.tourism.source_paragraph(tourism.source_match(ds)))
    if same:
        assert (f"RST's counts for both years are the article's ({fmt.people(a22)} for 2022, "
                f"{fmt.people(a23)} for 2023).") in para
        assert "No body's" not in para
    else:
        assert "RST's counts" not in para
        assert "No body's counts in the data are the article's for both 2022 and 2023." in para
