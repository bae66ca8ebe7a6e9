"""``bilateral.report.analysis.trade``, ``bilateral.report.analysis.tourism`` and
``bilateral.report.claims`` on the real data/.

The expected numbers are worked out by hand from the CSV values (written in the comments
or as the expression), never by calling the function under test. The last tests change a
figure in a copy of data/ and check that a verdict flips the way the arithmetic says.
"""

from __future__ import annotations

import pytest

from bilateral.report import claims, story
from bilateral.report import metrics as m
from bilateral.report.analysis import tourism, trade
from bilateral.report.claims import CONTRADICTED, HOLDS, NOT_SUPPORTED, WITHIN_ROUNDING
from bilateral.report.data.figures import load
from tests.support import DATA, set_figure


@pytest.fixture(scope="module")
def ds():
    return load(DATA)




def verdicts(folder) -> dict[str, str]:
    return {c.id: c.verdict for c in claims.evaluate(load(folder))}


# --------------------------------------------------------------------------- trade: years


def test_annual_rows(ds):
    rows = {r.year: r for r in trade.annual(ds)}
    # Customs totals exist for every year 2013..2024; 2015's is the first report (64.2).
    assert sorted(rows) == list(range(2013, 2025))
    assert (rows[2015].total.value, rows[2015].total.vintage) == (64.2, "first")
    # 2013 is the first year: nothing to compare with.
    assert rows[2013].recomputed_yoy is None and rows[2013].reported_yoy is None
    # 2014: 95.28 / 89.21 - 1 = 6.07 / 89.21 = 0.068042 -> 6.8042 %, which agrees with the
    # reported 6.8 % (95.4 would have given 6.19 / 89.21 = 6.9387 %).
    assert rows[2014].recomputed_yoy == pytest.approx(6.8042, abs=1e-4)
    assert rows[2014].gap_pts == pytest.approx(-0.0042, abs=1e-4)
    # 2015 against 2014: 64.2 / 95.28 - 1 = -31.08 / 95.28 = -0.326196 -> -32.62 %
    # (first report: -27.8 %).
    assert rows[2015].recomputed_yoy == pytest.approx(-32.6196, abs=1e-4)
    # 2016 on 2015's first report: 69.52 / 64.2 - 1 = 5.32 / 64.2 = 8.2866 %, against the
    # reported 2.2 %, which implies a revised 2015 of 69.52 / 1.022 = 68.0235.
    assert rows[2016].recomputed_yoy == pytest.approx(8.2866, abs=1e-4)
    assert rows[2016].reported_yoy.value == 2.2
    assert rows[2016].implied_prior == pytest.approx(68.0235, abs=1e-4)
    # 2021: 146.88 / 107.76 - 1 = 39.12 / 107.76 = 0.363029 -> 36.3029 % (36.30 %).
    r21 = rows[2021]
    assert r21.total.value == 146.88
    assert r21.recomputed_yoy == pytest.approx(36.3029, abs=1e-4)
    assert round(r21.recomputed_yoy, 2) == 36.30
    assert r21.reported_yoy.value == 35.8
    # Reported minus recomputed: 35.8 - 36.3029 = -0.5029 points.
    assert r21.gap_pts == pytest.approx(-0.5029, abs=1e-4)
    # 2023: 240.1 / 190.27 - 1 = 49.83 / 190.27 = 0.261891 -> 26.19 % (reported 26.3 %).
    assert rows[2023].recomputed_yoy == pytest.approx(26.1891, abs=1e-4)
    assert rows[2023].reported_yoy.value == 26.3
    # 2024: 244.819 / 240.1 - 1 = 4.719 / 240.1 = 0.019654 -> 1.9654 % (reported 1.9 %).
    assert rows[2024].recomputed_yoy == pytest.approx(1.9654, abs=1e-4)


def test_record_check_2023(ds):
    r = trade.record_check(ds, 2023)
    # Earlier years: 89.21, 95.28, 64.2, 69.52, 84.07, 107.06, 110.75, 107.76, 146.88,
    # 190.27: the highest is 2022's 190.27, and 240.1 > 190.27.
    assert (r.year, r.value) == (2023, 240.1)
    assert (r.highest_before_year, r.highest_before) == (2022, 190.27)
    assert r.missing_years == []
    assert r.is_record is True


def test_record_check_other_years(ds):
    # 2016's 69.52 is below 2014's 95.28: not a record.
    r = trade.record_check(ds, 2016)
    assert (r.is_record, r.highest_before_year, r.highest_before) == (False, 2014, 95.28)
    # 2020's 107.76 is below 2019's 110.75.
    assert trade.record_check(ds, 2020).is_record is False
    # 2024's 244.819 is above 2023's 240.1.
    r = trade.record_check(ds, 2024)
    assert (r.is_record, r.highest_before_year) == (True, 2023)
    with pytest.raises(ValueError, match="no total for 2012 in the series gacc_trade_"):
        trade.record_check(ds, 2012)
    with pytest.raises(ValueError, match="no total before 2013 in the series gacc_trade_"):
        trade.record_check(ds, 2013)


def test_cagr_2013_2023(ds):
    iv = trade.cagr(ds, 2013, 2023)
    # (240.1 / 89.21) ** (1/10): ratio 2.6914023, ln 0.990062, /10 = 0.0990062,
    # exp = 1.1040731 -> 10.4073 % a year.
    assert iv.point == pytest.approx(10.4073, abs=2e-4)
    # Bounds from the printed precision, 89.21 in [89.205, 89.215], 240.1 in [240.05, 240.15]:
    # lowest (240.05 / 89.215) ** 0.1: ratio 2.690691 = 2.6914023 * 0.9997357, ln 0.9897979,
    # /10 = 0.0989798, exp = 1.1040731 * (1 - 0.0000264) = 1.1040440 -> 10.4044 %;
    # highest (240.15 / 89.205) ** 0.1: ratio 2.692114 = 2.6914023 * 1.0002644 -> 10.4102 %.
    assert iv.lo == pytest.approx(10.4044, abs=2e-4)
    assert iv.hi == pytest.approx(10.4102, abs=2e-4)


def test_cagr_2018_2023(ds):
    iv = trade.cagr(ds, 2018, 2023)
    # (240.1 / 107.06) ** (1/5): ratio 2.2426677; ln = ln 2 + ln 1.1213338
    # = 0.693147 + 0.114519 = 0.807666; /5 = 0.161533; exp = e^0.16 * e^0.001533
    # = 1.1735109 * 1.0015345 = 1.1753116 -> 17.531 % a year.
    assert iv.point == pytest.approx(17.531, abs=1e-3)
    assert iv.lo < iv.point < iv.hi
    # Rounding of 107.06 (+-0.005) and 240.1 (+-0.05) moves it by under 0.01 point.
    assert iv.width < 0.02
    with pytest.raises(ValueError, match="no customs total for 2012"):
        trade.cagr(ds, 2012, 2023)


# --------------------------------------------------------------------------- trade: quarter


def test_quarter_implied_q1_2023(ds):
    q = trade.quarter(ds)
    # Q1 2024 = 56.68 (+-0.005), growth 5.2 % (+-0.05).
    assert (q.q1_2024.lo, q.q1_2024.hi) == pytest.approx((56.675, 56.685))
    assert (q.growth_reported.lo, q.growth_reported.hi) == pytest.approx((5.15, 5.25))
    # Implied Q1 2023 = 56.68 / 1.052 = 53.878327; bounds 56.675 / 1.0525 = 53.847981 and
    # 56.685 / 1.0515 = 53.908702.
    assert q.implied_q1_2023.point == pytest.approx(53.878327, abs=1e-6)
    assert q.implied_q1_2023.lo == pytest.approx(53.847981, abs=1e-6)
    assert q.implied_q1_2023.hi == pytest.approx(53.908702, abs=1e-6)
    # First reported 53.845 < 53.848 (the lower bound): not in the implied interval.
    assert q.first_reported_q1_2023 == 53.845
    assert q.first_reported_in_implied is False
    # Revision = implied - first reported: 53.878327 - 53.845 = 0.033327 (point),
    # 53.847981 - 53.845 = 0.002981, 53.908702 - 53.845 = 0.063702.
    assert q.revision.point == pytest.approx(0.033327, abs=1e-6)
    assert q.revision.lo == pytest.approx(0.002981, abs=1e-6)
    assert q.revision.hi == pytest.approx(0.063702, abs=1e-6)
    # Growth against the first-reported base: 2.835 / 53.845 = 5.2651 %, which rounds to 5.3.
    assert q.growth_vs_first_reported.point == pytest.approx(5.2651, abs=1e-4)
    assert q.growth_vs_first_reported.lo == pytest.approx(5.25485, abs=1e-5)
    assert q.growth_vs_first_reported.hi == pytest.approx(5.27538, abs=1e-5)


def test_quarter_share_run_rate_and_full_year(ds):
    q = trade.quarter(ds)
    assert (q.total_2023.lo, q.total_2023.hi) == pytest.approx((240.05, 240.15))
    # Share of 2023: 56.68 / 240.1 = 23.6068 %; bounds 56.675 / 240.15 = 23.5998 % and
    # 56.685 / 240.05 = 23.6138 %.
    assert q.share_of_2023.point == pytest.approx(56.68 / 240.1 * 100, rel=1e-12)
    assert q.share_of_2023.point == pytest.approx(23.6068, abs=1e-4)
    assert q.share_of_2023.lo == pytest.approx(23.5998, abs=1e-4)
    assert q.share_of_2023.hi == pytest.approx(23.6138, abs=1e-4)
    # Run rate: 56.68 * 4 = 226.72 (bounds 226.70, 226.74).
    assert q.run_rate.point == pytest.approx(226.72)
    assert (q.run_rate.lo, q.run_rate.hi) == pytest.approx((226.70, 226.74))
    # Against 2023: 226.72 / 240.1 - 1 = -13.38 / 240.1 = -5.5727 %.
    assert q.run_rate_vs_2023.point == pytest.approx(-5.5727, abs=1e-4)
    # Full year if Q1 keeps its 2023 share: the 2023 share is Q1 2023 / 2023 with
    # Q1 2023 = 56.68 / 1.052, so 2024 = 56.68 / ((56.68 / 1.052) / 240.1)
    # = 240.1 * 1.052 = 252.5852: the Q1 value cancels and the year grows like the quarter.
    assert q.full_year_if_share_held.point == pytest.approx(240.1 * 1.052, rel=1e-12)
    assert q.full_year_if_share_held.point == pytest.approx(252.5852, abs=1e-9)
    # Its bounds scale with Q1's: 252.5852 * 56.675 / 56.68 and 252.5852 * 56.685 / 56.68.
    assert q.full_year_if_share_held.lo == pytest.approx(252.5852 * 56.675 / 56.68, rel=1e-12)
    assert q.full_year_if_share_held.hi == pytest.approx(252.5852 * 56.685 / 56.68, rel=1e-12)
    # What 2024 was: 244.819, i.e. 4.719 / 240.1 = +1.9654 % over 2023, and
    # 244.819 / 252.5852 - 1 = -7.7662 / 252.5852 = -3.0747 % below the share projection.
    assert q.actual_2024 == 244.819
    assert q.actual_2024_growth == pytest.approx(1.9654, abs=1e-4)
    assert q.actual_vs_share_projection_pct == pytest.approx(-3.0747, abs=1e-4)


def test_scenarios(ds):
    out = trade.scenarios(ds, [0.0, 1.9, 5.2], 2024, 2030, 300)
    assert [s.growth_pct for s in out] == [0.0, 1.9, 5.2]
    flat, slow, fast = out
    for s in out:
        assert s.years == list(range(2024, 2031))
        assert s.values[0] == 244.819  # the 2024 customs total
    # 0 %: stays at 244.819, never 300.
    assert flat.values == [244.819] * 7 and flat.first_year_at_milestone is None
    # 1.9 %: 1.019^2 = 1.038361, ^3 = 1.0580899, ^6 = 1.0580899^2 = 1.1195542;
    # 244.819 * 1.1195542 = 274.088: still below 300 in 2030.
    assert slow.final == pytest.approx(274.088, abs=1e-3)
    assert slow.first_year_at_milestone is None
    # 5.2 %: 257.549588, 270.942167, 285.031160, 299.852780 (2028, below 300),
    # 315.445125 (2029), 315.445125 + 16.403146 = 331.848271 (2030).
    assert fast.values == pytest.approx(
        [244.819, 257.549588, 270.942167, 285.031160, 299.852780, 315.445125, 331.848271],
        abs=2e-6)
    assert fast.first_year_at_milestone == 2029


def test_scenarios_from_2023_and_refusals(ds):
    # 240.1 growing 10 %: 264.11, 290.521, 319.5731 -> first at 300 in 2026.
    (s,) = trade.scenarios(ds, [10.0], 2023, 2026, 300)
    assert s.values == pytest.approx([240.1, 264.11, 290.521, 319.5731])
    assert s.first_year_at_milestone == 2026
    with pytest.raises(ValueError, match="no customs total for base year 2012"):
        trade.scenarios(ds, [5.2], 2012, 2030, 300)
    with pytest.raises(ValueError, match="must come after base year"):
        trade.scenarios(ds, [5.2], 2024, 2024, 300)


# --------------------------------------------------------------------------- tourism


def test_tourism_growth(ds):
    g = tourism.growth(ds)
    assert (g.before.value, g.after.value, g.threshold) == (187000, 600000, 3.0)
    # Multiple: 600000 / 187000 = 3.2085561; bounds 599500 / 187500 = 3.1973333 and
    # 600500 / 186500 = 3.2198391.
    assert g.multiple.point == pytest.approx(3.2085561, abs=1e-7)
    assert g.multiple.lo == pytest.approx(599500 / 187500, rel=1e-12)
    assert g.multiple.hi == pytest.approx(600500 / 186500, rel=1e-12)
    # Growth is the multiple minus one, in percent: 220.856 %, 219.733 %, 221.984 %.
    assert g.growth_pct.point == pytest.approx(220.8556, abs=1e-4)
    assert g.growth_pct.lo == pytest.approx(219.7333, abs=1e-4)
    assert g.growth_pct.hi == pytest.approx(221.9839, abs=1e-4)
    # 3.197 > 3: more than tripled for every value that rounds to the printed ones.
    assert g.above_threshold_surely is True
    assert g.above_threshold_at_point is True


def test_tourism_growth_other_thresholds(ds):
    # 3.2: the point 3.2086 is above, the lower bound 3.1973 is not.
    g = tourism.growth(ds, threshold=3.2)
    assert (g.above_threshold_surely, g.above_threshold_at_point) == (False, True)
    # 3.25: above even the upper bound 3.2198: neither.
    g = tourism.growth(ds, threshold=3.25)
    assert (g.above_threshold_surely, g.above_threshold_at_point) == (False, False)


def test_coarsest_rounding_keeping(ds):
    # 600000 rounded to 10 000 could be 595000: 595000 / 187500 = 3.173 > 3, safe;
    # rounded to 100 000 it could be 550000: 550000 / 187500 = 2.933 <= 3, not safe.
    assert tourism.coarsest_rounding_keeping(600000, m.printed(187000, -3), 3.0) == -4
    # 620000 rounded to 100 000 prints as 600000, which may be 550000: 550000 / 187500 =
    # 2.933 <= 3, not safe; rounded to 10 000 it is 620000, at least 615000: 615000 /
    # 187500 = 3.28 > 3, safe. (Subtracting half a step from 620000 itself gives 570000,
    # 3.04: the wrong answer, -5.)
    assert tourism.coarsest_rounding_keeping(620000, m.printed(187000, -3), 3.0) == -4


def test_majority(ds):
    c = tourism.majority(ds)
    assert c.article_total.value == 600000
    # A majority of 600000 is more than 600000 / 2 = 300000.
    assert c.needed_for_majority == 300000
    assert (c.border_total.value, c.border_china.value) == (670700, 199800)
    # 199800 / 670700: 670700 * 0.2979 = 199801.53, 1.53 too many -> 0.2978977 = 29.7898 %.
    assert c.share_of_border_total.point == pytest.approx(199800 / 670700 * 100, rel=1e-12)
    assert c.share_of_border_total.point == pytest.approx(29.7898, abs=1e-4)
    # Bounds: 199750 / 670750 = 29.7801 % and 199850 / 670650 = 29.7994 %.
    assert c.share_of_border_total.lo == pytest.approx(29.7801, abs=1e-4)
    assert c.share_of_border_total.hi == pytest.approx(29.7994, abs=1e-4)
    # 199800 / 600000 = 0.333 -> 33.3 %; bounds 199750 / 600500 = 33.2639 %,
    # 199850 / 599500 = 33.3361 %.
    assert c.share_of_article_total.point == pytest.approx(33.3)
    assert c.share_of_article_total.lo == pytest.approx(33.2639, abs=1e-4)
    assert c.share_of_article_total.hi == pytest.approx(33.3361, abs=1e-4)
    # Germany's 55800 is the largest other country (Turkey 47500); China's 199800 is larger.
    assert c.largest_other.id == "fsb_tourist_entries_germany_2023"
    assert c.china_is_largest is True
    # Both shares stay far below 50 %.
    assert c.any_majority is False
    assert [f.value for f in c.other_totals] == [600000, 670700, 580000]


# --------------------------------------------------------------------------- claims


def test_claim_ids_and_topics(ds):
    found = claims.evaluate(ds)
    assert [c.id for c in found] == ["record_2023", "q1_growth", "positive_trend",
                                     "anniversary_75", "six_year_horizon", "tripled",
                                     "majority_chinese"]
    assert [c.id for c in claims.for_topic(ds, "tourism")] == ["tripled", "majority_chinese"]
    assert len(claims.for_topic(ds, "trade")) == 5


def test_claim_verdicts(ds):
    got = {c.id: c.verdict for c in claims.evaluate(ds)}
    assert got == {
        # 2023's 240.1 beats every earlier year (best: 2022, 190.27), and the article's
        # 240.1 is exactly the customs figure.
        "record_2023": HOLDS,
        # The article's 56.68 and 5.2 % are MOFCOM's 56.68 and 5.2 % exactly.
        "q1_growth": HOLDS,
        # The lowest growth that prints as 5.2 % is 5.15 % > 0: still positive.
        "positive_trend": HOLDS,
        # "75th anniversary" and "past 75 years" agree: 2024 - 75 = 1949 both ways.
        "anniversary_75": HOLDS,
        # A statement about the future: no figure can confirm it.
        "six_year_horizon": NOT_SUPPORTED,
        # 599500 / 187500 = 3.197 > 3 at the least favourable rounding.
        "tripled": HOLDS,
        # China: 29.79 % of the border count, 33.3 % of 600000; even the upper bounds
        # (29.80 %, 33.34 %) are far from 50 %.
        "majority_chinese": CONTRADICTED,
    }


def test_claim_checks_name_the_numbers(ds):
    by_id = {c.id: c for c in claims.evaluate(ds)}
    assert "2022" in by_id["record_2023"].check
    assert "no reliable total" not in by_id["record_2023"].check  # no year is missing
    assert "1949" in by_id["anniversary_75"].statement  # 2024 - 75
    assert "2024 + 6 = 2030" in by_id["six_year_horizon"].check
    # 53.845 < 53.848, the lowest base 5.2 % allows: the base was revised up.
    assert "above the first-reported value: growth on a base revised up" in by_id[
        "q1_growth"].check
    assert "the largest single source" in by_id["majority_chinese"].check


# --------------------------------------------------------------------------- verdict flips
# Line numbers: figures.csv 4 trade_2024q1_yoy, 6 visitors_2023, 15 ties_span;
# context/tourism.csv 5 fsb_tourist_entries_china_2023;
# context/trade_annual.csv 11 gacc_trade_2023.


def test_tripled_contradicted_below_three(data_copy):
    set_figure(data_copy, "visitors_2023", value="560000",
               quote="more than tripled in 2023, from 187,000 to 560,000")
    # 560000 / 187000 = 2.99465 < 3 at the point, and even the upper bound
    # 560500 / 186500 = 3.00536 is above 3 only at some roundings: not supported.
    got = verdicts(data_copy)
    assert got["tripled"] == NOT_SUPPORTED
    # Only that claim moves: 199800 / 560000 = 35.7 % is still no majority.
    assert got["majority_chinese"] == CONTRADICTED
    assert got["record_2023"] == HOLDS


def test_tripled_within_rounding(data_copy):
    set_figure(data_copy, "visitors_2023", value="562000",
               quote="more than tripled in 2023, from 187,000 to 562,000")
    # 562000 / 187000 = 3.00535 > 3 at the point, but 561500 / 187500 = 2.99467 < 3:
    # holds only within rounding.
    assert verdicts(data_copy)["tripled"] == WITHIN_ROUNDING


def test_majority_no_longer_contradicted(data_copy):
    set_figure(data_copy, "fsb_tourist_entries_china_2023", value="340000")
    # 340000 / 670700 = 50.69 % of the border count; even at the least favourable
    # rounding 339950 / 670750 = 50.68 % > 50: a majority of the body that counts by
    # country. (And 340000 / 600000 = 56.7 % of the article's total.)
    assert verdicts(data_copy)["majority_chinese"] == HOLDS


def test_majority_of_the_article_total_only(data_copy):
    set_figure(data_copy, "fsb_tourist_entries_china_2023", value="320000")
    # 320050 / 670650 = 47.72 % of the border count at most: no majority of the body's own
    # total; but 320000 / 600000 = 53.3 % of another body's total: not supported.
    assert verdicts(data_copy)["majority_chinese"] == NOT_SUPPORTED


def test_majority_still_contradicted_below_half(data_copy):
    set_figure(data_copy, "fsb_tourist_entries_china_2023", value="290000")
    # 290050 / 599500 = 48.38 % at most, 290050 / 670650 = 43.25 %: still no majority.
    assert verdicts(data_copy)["majority_chinese"] == CONTRADICTED


def test_record_contradicted(data_copy):
    set_figure(data_copy, "gacc_trade_2023", value="180.0", quote="hit $180.0 billion in 2023")
    # 2024's reported growth no longer follows from the edited 2023 total: say so, as the
    # consistency check asks.
    set_figure(data_copy, "gacc_yoy_2024", discrepancy="Edited 2023 total.")
    # 180.0 < 2022's 190.27: 2023 is no record.
    assert verdicts(data_copy)["record_2023"] == CONTRADICTED


def test_record_within_rounding(data_copy):
    set_figure(data_copy, "gacc_trade_2023", value="240.12", decimals="2")
    # 2024's reported growth no longer follows from the edited 2023 total: say so, as the
    # consistency check asks.
    set_figure(data_copy, "gacc_yoy_2024", discrepancy="Edited 2023 total.")
    # Customs 240.12 is a record (> 190.27) and prints as 240.1: the article's figure
    # holds within rounding.
    assert verdicts(data_copy)["record_2023"] == WITHIN_ROUNDING


def test_record_with_a_wrong_figure_is_not_within_rounding(data_copy):
    # Customs says 250.0 and the article 240.1: 250.0 is outside the article's rounding
    # interval [240.05, 240.15]. 250.0 is still a record, so the record holds but the
    # article's figure is not customs': not supported by the cited figures.
    set_figure(data_copy, "gacc_trade_2023", value="250.0", quote="hit $250.0 billion in 2023")
    # 2024's reported growth no longer follows from the edited 2023 total: say so, as the
    # consistency check asks.
    set_figure(data_copy, "gacc_yoy_2024", discrepancy="Edited 2023 total.")
    assert verdicts(data_copy)["record_2023"] == NOT_SUPPORTED


def test_q1_growth_not_supported_when_article_differs(data_copy):
    set_figure(data_copy, "trade_2024q1_yoy", value="5.3",
               quote="a year on year increase of 5.3 percent")
    # The article's 5.3 % is no longer MOFCOM's 5.2 %.
    got = verdicts(data_copy)
    assert got["q1_growth"] == NOT_SUPPORTED
    # 5.25 % > 0: the trend is still positive.
    assert got["positive_trend"] == HOLDS


def test_positive_trend_contradicted_by_a_fall(data_copy):
    set_figure(data_copy, "trade_2024q1_yoy", value="-1.0",
               quote="a year on year increase of -1.0 percent")
    # -1.0 % (at most -0.95 %) is a fall: the positive trend did not continue.
    assert verdicts(data_copy)["positive_trend"] == CONTRADICTED


def test_positive_trend_needs_the_whole_interval_above_zero(data_copy):
    set_figure(data_copy, "trade_2024q1_yoy", value="0.0",
               quote="a year on year increase of 0.0 percent")
    # 0.0 % printed to one decimal could be anything from -0.05 % to 0.05 %: growth may
    # have been positive or not, so the figures do not support the claim either way.
    assert verdicts(data_copy)["positive_trend"] == NOT_SUPPORTED


def test_anniversary_contradicted(data_copy):
    set_figure(data_copy, "ties_span", value="74",
               quote="grown stronger amidst wind and rain over the past 74 years")
    # "75th anniversary" but "past 74 years": 2024 - 75 = 1949 vs 2024 - 74 = 1950.
    assert verdicts(data_copy)["anniversary_75"] == CONTRADICTED


@pytest.mark.parametrize(("share", "word"), [
    # (lo, hi, point) of China's entries as a share of the article's count of people.
    ((60.0, 70.0, 66.0), "an upper bound, which cannot show a majority"),
    ((45.0, 50.5, 49.0), "an upper bound, which cannot show a majority"),
    ((40.0, 50.0, 45.0), "not a majority"),   # at most 50 %: not more than half
    ((20.0, 30.0, 29.0), "not a majority"),
])
def test_a_share_that_bounds_from_above_never_shows_a_majority(ds, share, word):
    from dataclasses import replace

    from markupsafe import Markup

    c = replace(tourism.majority(ds), share_of_article_total=m.Interval(*share))
    assert c.article_share_reason == tourism.UPPER_BOUND  # entries over people
    para = str(story.tourism.majority_paragraph(c))
    sentence = next(s for s in para.split(". ") if s.startswith("Against the article's"))
    assert f"{Markup.escape(word)}" in sentence
    if "cannot" in word or word == "not a majority":
        assert ", a majority" not in sentence


# --------------------------------------------------------------------------- edges of "prints as"


@pytest.mark.parametrize(("official", "verdict", "words"), [
    # 240.05 rounds half away from zero to 240.1: the article's figure, within rounding.
    ("240.05", WITHIN_ROUNDING, "which the article prints as USD 240.1 bn"),
    # 240.15 rounds to 240.2, not 240.1: a record, but not the article's total.
    ("240.15", NOT_SUPPORTED, "where the article gives USD 240.1 bn"),
    ("240.149", WITHIN_ROUNDING, "which the article prints as USD 240.1 bn"),
])
def test_customs_total_on_the_edges_of_the_articles_figure(data_copy, official, verdict,
                                                           words):
    set_figure(data_copy, "gacc_trade_2023", value=official, decimals=str(len(official) - 4),
               quote=f"hit ${official} billion in 2023, growing 26.3%")
    set_figure(data_copy, "gacc_yoy_2023", quote=f"hit ${official} billion in 2023, growing "
               "26.3%")
    # 2024's +1.9 % no longer follows exactly from the new total: the data says why.
    set_figure(data_copy, "gacc_yoy_2024", discrepancy="Computed on a revised 2023 total.")
    ds_ = load(data_copy)
    assert verdicts(data_copy)["record_2023"] == verdict
    assert words in str(story.trade.year_paragraph(trade.year(ds_)))
