"""The data's own consistency (``bilateral.report.data.consistency``), vintages, revisions
and units.

Every expected number is worked out in the comments from the CSV values.
"""

from __future__ import annotations

import pytest

from bilateral.core.errors import DataError
from bilateral.report.analysis import tourism, trade
from bilateral.report.data.figures import load
from tests.support import DATA, set_figure


@pytest.fixture(scope="module")
def ds():
    return load(DATA)


def test_the_corrected_2014_total_agrees_with_its_growth(ds):
    # 95.28 / 89.21 - 1 = 6.07 / 89.21 = 6.804 %, which prints as the reported 6.8 %.
    assert "gacc_yoy_2014" not in {d.figure_ids[0] for d in ds.discrepancies}
    assert ds.value("gacc_trade_2014") == 95.28


def test_the_old_2014_total_is_refused_naming_both_rows(data_copy):
    # 95.4 / 89.21 - 1 = 6.19 / 89.21 = 6.94 %; with the rounding of both totals
    # (95.35 / 89.215 - 1 = 6.877 % at least) it cannot print as 6.8 %.
    set_figure(data_copy, "gacc_trade_2014", value="95.4", decimals="1")
    with pytest.raises(DataError) as err:
        load(data_copy)
    e = err.value
    assert (e.file, e.row, e.column) == ("data/context/trade_annual.csv", 19, "value")
    assert e.why.startswith("gacc_yoy_2014 = 6.8 does not agree with gacc_trade_2014 = 95.4 "
                            "(data/context/trade_annual.csv row 3) and gacc_trade_2013 = "
                            "89.21 (data/context/trade_annual.csv row 2)")
    assert "6.877 to 7.001" in e.why


def test_exports_and_imports_add_up_to_the_total(ds):
    # Q1 2023: 24.073 + 29.772 = 53.845; 2018: 47.98 + 59.08 = 107.06;
    # 2022: 76.12 + 114.15 = 190.27. None of them is a discrepancy.
    checked = {d.figure_ids[0] for d in ds.discrepancies}
    assert not checked & {"gacc_trade_2023q1", "gacc_trade_2018", "gacc_trade_2022"}
    assert round(ds.value("gacc_exports_2023q1") + ds.value("gacc_imports_2023q1"), 3) == 53.845


def test_parts_that_do_not_add_up_are_refused(data_copy):
    # 24.070 + 29.772 = 53.842 (at most 24.0705 + 29.7725 = 53.843) < 53.8445, the least
    # 53.845 stands for. (Printed to two decimals, 24.07 could be up to 24.075 and would
    # reach it.)
    set_figure(data_copy, "gacc_exports_2023q1", value="24.070")
    with pytest.raises(DataError, match=r"gacc_trade_2023q1 = 53\.845 does not agree with "
                       r"gacc_exports_2023q1 = 24\.07 .* and gacc_imports_2023q1 = 29\.772"):
        load(data_copy)


def test_parts_in_another_unit_are_never_added(data_copy):
    set_figure(data_copy, "gacc_exports_2018", unit="percent")
    with pytest.raises(DataError, match="counts of different units are not added"):
        load(data_copy)


def test_known_discrepancies_are_kept_with_their_reason(ds):
    found = {d.figure_ids[0]: d for d in ds.discrepancies}
    # The growth rates of 2015-2018 and 2020-2023 do not follow from the first-published
    # totals; 2014 (6.80 %), 2019 (110.75 / 107.06 = 3.447 %, prints as 3.4 % at the
    # rounding's edge: 110.745 / 107.065 = 3.437 %) and 2024 (1.965 %, and 244.819 /
    # 240.15 = 1.944 %) do.
    assert sorted(found) == ["gacc_yoy_2015", "gacc_yoy_2016", "gacc_yoy_2017",
                             "gacc_yoy_2018", "gacc_yoy_2020", "gacc_yoy_2021",
                             "gacc_yoy_2022", "gacc_yoy_2023"]
    d = found["gacc_yoy_2016"]
    # 69.52 / 64.2 - 1 = 8.287 %; at the rounding's extremes 69.515 / 64.25 = 8.195 % and
    # 69.525 / 64.15 = 8.379 %.
    assert d.figure_ids == ("gacc_yoy_2016", "gacc_trade_2016", "gacc_trade_2015")
    assert d.expected == pytest.approx((8.1946, 8.3788), abs=1e-4)
    assert d.found == 2.2
    assert d.why == "Computed on customs' revised 2015 total, not on the first report."


def test_an_unexplained_discrepancy_is_refused(data_copy):
    set_figure(data_copy, "gacc_yoy_2016", discrepancy="")
    with pytest.raises(DataError, match="gacc_yoy_2016 = 2.2 does not agree with "
                       "gacc_trade_2016 = 69.52"):
        load(data_copy)


def test_revisions_show_2015_first_report_against_the_implied_total(ds):
    revs = {r.year: r for r in trade.revisions(ds)}
    r = revs[2015]
    # 2016's 69.52 at +2.2 %: 69.52 / 1.022 = 68.0235, which is 68.0235 / 64.2 - 1 =
    # 5.96 % above the first report; MOFCOM's 68 sits beside it.
    assert r.first.value == 64.2 and r.first.vintage == "first"
    assert r.implied == pytest.approx(68.0235, abs=1e-4)
    assert r.pct == pytest.approx(5.9556, abs=1e-4)
    assert [o.id for o in r.others] == ["mofcom_trade_2015"]
    # 2024's 244.819 at +1.9 %: 244.819 / 1.019 = 240.2542 against 240.1, +0.064 %.
    assert revs[2023].implied == pytest.approx(240.2542, abs=1e-4)


def test_growth_is_recomputed_only_within_one_vintage(data_copy):
    # A revised 2022 against a first-reported 2021: no recomputed growth for 2022, and the
    # row keeps its reported growth.
    set_figure(data_copy, "gacc_trade_2021", vintage="first")
    set_figure(data_copy, "gacc_trade_2022", vintage="revised")
    rows = {r.year: r for r in trade.annual(load(data_copy))}
    assert rows[2022].recomputed_yoy is None
    assert rows[2022].reported_yoy.value == 29.3
    # 2023 (vintage not stated) against the revised 2022: 240.1 / 190.27 - 1 = 26.19 %.
    assert rows[2023].recomputed_yoy == pytest.approx(26.1891, abs=1e-4)


def test_an_unknown_vintage_is_refused(data_copy):
    set_figure(data_copy, "gacc_trade_2021", vintage="final")
    with pytest.raises(DataError, match="unknown vintage 'final'"):
        load(data_copy)


def test_entries_over_people_is_an_upper_bound_and_other_mixes_are_refused(ds, data_copy):
    c = tourism.majority(ds)
    # 199,800 entries of 670,700 entries: same unit, 29.79 %.
    assert c.share_of_border_total.point == pytest.approx(29.7898, abs=1e-4)
    # 199,800 entries over 600,000 people: 33.3 %, an upper bound on the share of people.
    assert c.share_of_article_total.point == pytest.approx(33.3, abs=1e-9)
    assert c.article_share_reason == tourism.UPPER_BOUND
    # People over entries has no reason: refused, naming the whole's row.
    set_figure(data_copy, "fsb_tourist_entries_china_2023", unit="people")
    with pytest.raises(DataError, match="counts people and fsb_tourist_entries_2023 counts "
                       "entries: a share of one in the other has no stated reason"):
        tourism.majority(load(data_copy))
