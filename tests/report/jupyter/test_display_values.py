"""The compact HTML displays show every value as the report prints it: at its printed
precision (the report's one rounding rule, halves away from zero), with its unit and the
typographic minus sign. The expected strings are worked out by hand from data/."""

from __future__ import annotations

import html
import re

import pytest

from bilateral.report import claims, metrics
from bilateral.report.analysis import tourism, trade
from bilateral.report.data import figures
from bilateral.report.jupyter import display
from tests.support import DATA

MINUS = "\u2212"


def text_of(markup: str) -> str:
    """The text a reader sees: cells separated by " | ", no styles, entities decoded."""
    markup = re.sub(r"<style.*?</style>", "", markup)
    markup = re.sub(r"</t[dh]>", " | ", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.fixture(scope="module")
def ds():
    return figures.load(DATA)


def cells(obj) -> dict[str, str]:
    """field → value of a one-object display (a two-column table)."""
    rows = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>", display.to_html(obj))
    return {html.unescape(k): html.unescape(v) for k, v in rows}


def test_quarter(ds):
    shown = cells(trade.quarter(ds))
    # 56.68 printed to 2 decimals stands for 56.675 … 56.685 (one decimal more)
    assert shown["q1_2024"] == "USD 56.68 bn [USD 56.675 bn – USD 56.685 bn]"
    assert shown["growth_reported"] == "5.2 % [5.15 % – 5.25 %]"
    # 56.68 / 1.052 = 53.87833; 56.675 / 1.0525 = 53.84798; 56.685 / 1.0515 = 53.90870
    assert shown["implied_q1_2023"] == "USD 53.878 bn [USD 53.848 bn – USD 53.909 bn]"
    # minus customs' first report, 53.845: 0.03333, 0.00298, 0.06370
    assert shown["revision"] == "USD 0.033 bn [USD 0.003 bn – USD 0.064 bn]"
    # (56.68 / 53.845 − 1) × 100 = 5.2651
    assert shown["growth_vs_first_reported"].startswith("5.27 % [")
    # 56.68 × 4 = 226.72; (226.72 / 240.1 − 1) × 100 = −5.5727
    assert shown["run_rate"].startswith("USD 226.72 bn [")
    assert shown["run_rate_vs_2023"].startswith(f"{MINUS}5.6 % [{MINUS}5.60 % – {MINUS}5.54 %")
    assert shown["first_reported_q1_2023"] == "USD 53.845 bn"
    assert shown["article_q1"] == "USD 56.68 bn (trade_2024q1)"


def test_customs_years(ds):
    rows = {r[0]: r for r in re.findall(r"<tr>" + r"<td[^>]*>(.*?)</td>" * 6 + "</tr>",
                                        display.to_html(trade.annual(ds)))}
    year, total, recomputed, reported, implied, gap = (html.unescape(c) for c in rows["2014"])
    # 95.28 / 89.21 = 1.068042: +6.80 %; gap 6.8 − 6.8042 = −0.004, which prints as 0.00
    assert recomputed == "+6.80 %"
    assert gap == "0.00 points"
    # 95.28 / 1.068 = 89.2135
    assert implied == "USD 89.21 bn"
    assert total == "USD 95.28 bn (gacc_trade_2014)"
    # 2016: 69.52 / 64.2 = 1.082866; reported 2.2: gap 2.2 − 8.2866 = −6.0866
    r2016 = [html.unescape(c) for c in rows["2016"]]
    assert r2016[2] == "+8.29 %" and r2016[5] == f"{MINUS}6.09 points"
    # 2015: 64.2 / 95.28 = 0.673804: −32.62 %; reported as printed, −27.8 %
    r2015 = [html.unescape(c) for c in rows["2015"]]
    assert r2015[2] == f"{MINUS}32.62 %" and r2015[3].startswith(f"{MINUS}27.8 %")


def test_tourism(ds):
    g = cells(tourism.growth(ds))
    # 600,000 / 187,000 = 3.208556; 599,500 / 187,500 = 3.197333; 600,500 / 186,500 = 3.219839
    assert g["multiple"] == "3.2086× [3.1973× – 3.2198×]"
    assert g["growth_pct"] == "220.86 % [219.73 % – 221.98 %]"
    assert g["threshold"] == "3×"
    assert g["before"] == "187,000 people (visitors_2022)"
    c = cells(tourism.majority(ds))
    # 199,800 / 670,700 = 29.790 %; half of 600,000
    assert c["share_of_border_total"].startswith("29.8 % [")
    assert c["needed_for_majority"] == "300,000 people"
    assert c["border_china"] == "199,800 entries (fsb_tourist_entries_china_2023)"


def test_year_and_record(ds):
    y = cells(trade.year(ds))
    # (240.1 / 89.21) ** (1 / 10) = 1.104073
    assert y["cagr_long"].startswith("2013: 10.41 % [")
    r = cells(trade.record_check(ds, 2023))
    assert r["value"] == "USD 240.1 bn" and r["highest_before"] == "USD 190.27 bn"


def test_scenarios(ds):
    paths = trade.scenarios(ds, [5.2, -3.0], 2024, 2026, 300.0)
    text = text_of(display.to_html(paths))
    # 244.819 × 1.052 = 257.5496; × 1.052² = 270.9422; × 0.97 = 237.4744; × 0.97² = 230.3502
    assert "2025 | 257.5 | 237.5 |" in text
    assert "2026 | 270.9 | 230.4 |" in text
    assert f"{MINUS}3 % a year" in text and "+5.2 % a year" in text
    assert "2026 | 270.9 |" in text_of(display.to_html(paths[0]))


def test_bare_interval():
    # its point to the fewest decimals that tell its ends apart, the ends one more
    assert display.to_html(metrics.printed(56.68, 2)).endswith(
        ">56.68 [56.675 – 56.685]</span>")
    # −5.63 and −5.55 both read −5.6 at one decimal (halves away from zero): two it is
    assert f"{MINUS}5.60 [{MINUS}5.630 – {MINUS}5.550]" in display.to_html(
        metrics.Interval(-5.63, -5.55, -5.6))


def every_display(ds) -> list[str]:
    objs = [ds, list(ds.figures.values()), trade.annual(ds), trade.year(ds),
            trade.quarter(ds), trade.record_check(ds, 2023),
            trade.scenarios(ds, [-2.5, 0.0, 5.2], 2024, 2030, 300.0),
            trade.scenarios(ds, [7.5], 2024, 2035, 400.0)[0],
            tourism.growth(ds), tourism.majority(ds), claims.evaluate(ds),
            trade.annual(ds)[2], metrics.printed(187000, -3), ds["trade_2023"].period]
    return [text_of(display.to_html(o)) for o in objs]


def test_no_raw_floats_nor_hyphen_minus(ds):
    for text in every_display(ds):
        assert not re.search(r"\d\.\d{5,}", text), re.search(r".{30}\d\.\d{5,}.{10}", text)
        assert not re.search(r"(^|[\s\[(:])-\d", text), text


def test_charts_draw_numbers_as_the_tables_print_them(ds):
    from bilateral.report import story
    from bilateral.report.jupyter import charts, present

    q = trade.quarter(ds)
    svg = present.svg(charts.quarter(q, story.trade.quarter_labels(q), "t"))
    assert "53.878  [53.848 – 53.909]" in svg  # as the quarter's table prints it
    paths = trade.scenarios(ds, [-3.0, 5.2], 2024, 2026, 300.0)
    chart = charts.scenarios(paths, trade.annual(ds), 300.0, "t")
    # 244.819 × 0.97² = 230.35; × 1.052² = 270.94
    svg = present.svg(chart)
    assert f"{MINUS}3 % a year → 230 in 2026" in svg and "+5.2 % a year → 271 in 2026" in svg
    ticks = chart.axes[0].yaxis.get_major_formatter()
    # halves away from zero (Python's format would give 1,234), the minus sign U+2212
    assert ticks(1234.5, 0) == "1,235" and ticks(-50, 0) == f"{MINUS}50"
