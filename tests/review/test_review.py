"""``results.json`` records and ``bilateral.review.diff``, with changes worked out by hand."""

from __future__ import annotations

import json

import pytest

from bilateral.report import record
from bilateral.report.data.figures import load
from bilateral.review import diff, results
from tests.support import DATA, set_figure

TRADE = {"data_dir": "/somewhere/data", "scenario_growth_pct": [0.0, 5.2, 10.0],
         "scenario_base_year": 2024, "horizon_year": 2030, "milestone_busd": 300.0}
VERSIONS = {"bilateral": "0.1.0"}


def trade_record(ds, **params):
    return record.record("trade", ds, {**TRADE, **params}, report="trade",
                          versions_=VERSIONS)


def test_record_of_the_trade_report():
    rec = trade_record(load(DATA))
    assert rec["schema"] == "bilateral-results/1"
    assert "data_dir" not in rec["parameters"]  # a path of the machine: never recorded
    assert rec["parameters"]["milestone_busd"] == 300.0
    assert rec["figures"]["trade_2023"] == {
        "value": 240.1, "label": "China–Russia trade, 2023", "unit": "usd_bn", "decimals": 1,
        "period": "2023", "source_id": "cgtn_2024_05_16"}
    assert rec["figures"]["gacc_trade_2015"]["vintage"] == "first"
    # 56.68 / 1.052 = 53.878; bounds 56.675 / 1.0525 = 53.848 and 56.685 / 1.0515 = 53.909.
    base = rec["values"]["quarter_implied_base"]
    assert base["value"] == pytest.approx(53.8783, abs=1e-4)
    assert (round(base["lo"], 3), round(base["hi"], 3)) == (53.848, 53.909)
    # 244.819 * 1.052^5 = 315.45 is the first path value at or above 300: 2029.
    assert rec["values"]["scenario_5.2_first_year_at_milestone"]["value"] == 2029
    assert rec["values"]["scenario_0_first_year_at_milestone"]["value"] is None
    assert {k: v["verdict"] for k, v in rec["claims"].items()} == {
        "record_2023": "holds", "q1_growth": "holds", "positive_trend": "holds",
        "anniversary_75": "holds", "six_year_horizon": "not supported by the cited figures"}
    assert rec["data"]["fingerprint"] == load(DATA).fingerprint


def test_the_record_is_the_same_bytes_for_the_same_inputs(data_copy):
    # Another folder with the same files: same fingerprint, same record, no path in it.
    a, b = trade_record(load(DATA)), trade_record(load(data_copy))
    assert results.dumps(a) == results.dumps(b)
    assert b"/somewhere" not in results.dumps(a) and str(data_copy).encode() not in \
        results.dumps(b)
    assert results.loads(results.dumps(a), "x") == a


def test_loads_refuses_what_is_not_a_record():
    with pytest.raises(ValueError, match="r.json: not a results record"):
        results.loads(b"{}", "r.json")
    with pytest.raises(ValueError, match="r.json: not a results record"):
        results.loads(b"\xff", "r.json")


def test_diff_of_a_milestone(tmp_path):
    ds = load(DATA)
    found = diff.changes(trade_record(ds), trade_record(ds, milestone_busd=350.0))
    # 5.2 %: 244.819 * 1.052^7 = 349.1 < 350, * 1.052^8 = 367.2 in 2032, after 2030: none.
    # 10 %: 244.819 * 1.1^3 = 325.9 < 350, * 1.1^4 = 358.4: 2028 instead of 2027.
    assert [(c.section, c.key, c.old, c.new) for c in found] == [
        ("parameter", "milestone_busd", 300.0, 350.0),
        ("value", "scenario_10_first_year_at_milestone", 2027, 2028),
        ("value", "scenario_5.2_first_year_at_milestone", 2029, None),
    ]
    assert diff.changes(trade_record(ds), trade_record(ds)) == []
    assert diff.as_text([]) == "no differences\n"


def test_diff_of_altered_data_lists_verdicts_first(data_copy):
    quote = "more than tripled in 2023, from 187,000 to 560,000"
    set_figure(data_copy, "visitors_2022", quote=quote)
    set_figure(data_copy, "visitors_2023", value="560000", quote=quote)
    set_figure(data_copy, "fsb_tourist_entries_china_2023", value="340000")
    p = {"threshold_multiple": 3.0}
    old = record.record("tourism", load(DATA), p, report="tourism", versions_=VERSIONS)
    new = record.record("tourism", load(data_copy), p, report="tourism", versions_=VERSIONS)
    found = diff.changes(old, new)
    # tripled: 560000 / 187000 = 2.995, up to 3.005: not supported (was holds).
    # majority: 340000 / 670700 = 50.69 %, at least 50.68 %: holds (was contradicted).
    assert [(c.section, c.key, c.old, c.new) for c in found[:2]] == [
        ("verdict", "majority_chinese", "contradicted", "holds"),
        ("verdict", "tripled", "holds", "not supported by the cited figures"),
    ]
    figs = [(c.key, c.old, c.new) for c in found if c.section == "figure"]
    assert figs == [("fsb_tourist_entries_china_2023", 199800.0, 340000.0),
                    ("visitors_2023", 600000.0, 560000.0)]
    assert [c.section for c in found].index("data") > [c.section for c in found].index(
        "figure")
    multiple = next(c for c in found if c.key == "visitor_multiple")
    assert (round(multiple.old, 4), round(multiple.new, 4)) == (3.2086, 2.9947)
    md = diff.as_markdown(found)
    assert md.splitlines()[4] == ("| tourism | verdict | Most of the foreign visitors to "
                                  "Russia were Chinese. `majority_chinese` | contradicted | "
                                  "holds |")
    assert json.loads(diff.as_json(found))[0]["section"] == "verdict"


def test_diff_lists_a_figures_period_unit_decimals_and_discrepancy(data_copy):
    # Each edit keeps every value: only the figure's other fields change.
    set_figure(data_copy, "gacc_trade_2013", period="2012")
    set_figure(data_copy, "gacc_exports_2018", decimals="3")
    set_figure(data_copy, "gacc_trade_2014", discrepancy="Xinhua rounded it to 95.4.")
    p = {"threshold_multiple": 3.0}
    old = record.record("tourism", load(DATA), p, report="tourism", versions_=VERSIONS)
    new = record.record("tourism", load(data_copy), p, report="tourism", versions_=VERSIONS)
    figs = [(c.key, c.old, c.new) for c in diff.changes(old, new) if c.section == "figure"]
    assert figs == [
        ("gacc_exports_2018 (decimals)", 2, 3),
        ("gacc_trade_2013 (period)", "2013", "2012"),
        ("gacc_trade_2014 (discrepancy)", None, "Xinhua rounded it to 95.4."),
    ]


def test_the_index_marks_a_report_built_from_other_data(tmp_path, data_copy):
    from bilateral.review import index

    set_figure(data_copy, "gacc_trade_2013", note="another folder")  # another fingerprint
    trade = trade_record(load(DATA))
    other = record.record("tourism", load(data_copy), {"threshold_multiple": 3.0},
                          report="tourism", versions_=VERSIONS)
    (tmp_path / "trade.results.json").write_bytes(results.dumps(trade))
    (tmp_path / "tourism.results.json").write_bytes(results.dumps(other))
    page = index.page(tmp_path, fingerprint=trade["data"]["fingerprint"])
    rows = page.split("<tr>")[2:]
    marked = [r for r in rows if "built earlier, from other data" in r]
    assert len(marked) == 1 and "<code>tourism</code>" in marked[0]
    assert "built earlier" not in index.page(tmp_path)  # no fingerprint given: no marks


def test_diff_a_reviewer_can_paste(tmp_path):
    ds = load(DATA)
    old, new = trade_record(ds), trade_record(ds, milestone_busd=350.0)
    found = diff.changes(old, new)
    # The milestone and two first years (see test_diff_of_a_milestone): a summary first.
    assert diff.summary(found) == "1 parameter changed, 2 values changed"
    assert diff.as_text(found).splitlines()[0] == "1 parameter changed, 2 values changed"
    # A value that moves below what is printed (six significant digits) is no change.
    nudged = json.loads(json.dumps(old))
    nudged["values"]["quarter_implied_base"]["value"] += 1e-9
    assert diff.changes(old, nudged) == []
    # A figure that moves below its printed precision (two decimals: 56.68) is no change;
    # one that moves a printed digit is.
    for delta, changed in ((0.001, False), (0.01, True)):
        moved = json.loads(json.dumps(old))
        moved["figures"]["trade_2024q1"]["value"] += delta
        assert bool([c for c in diff.changes(old, moved) if c.section == "figure"]) == changed
    # Two different reports compared: said first, as a warning.
    (tmp_path / "a.json").write_bytes(results.dumps(old))
    tourism = record.record("tourism", ds, {"threshold_multiple": 3.0}, report="tourism",
                            versions_=VERSIONS)
    (tmp_path / "b.json").write_bytes(results.dumps(tourism))
    text = diff.as_text(diff.compare(tmp_path / "a.json", tmp_path / "b.json"))
    assert text.startswith("warning: two different reports compared (trade and tourism)")
    # Nothing is cut off: the longest statement is printed whole.
    longest = max((c["statement"] for c in tourism["claims"].values()), key=len)
    assert longest in text
