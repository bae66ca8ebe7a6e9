"""Figures print at the precision their source printed; a derived cell never lands on the
wrong side of the line a sentence draws. Expected strings are written out by hand."""

from __future__ import annotations

import re

from bilateral.report.analysis import trade
from bilateral.report.analysis.trade import Scenario
from bilateral.report.data.figures import load
from bilateral.report.jupyter import narrative
from bilateral.report.story import trade as words
from tests.support import set_figure


def cells(html) -> list[str]:
    return re.findall(r"<td[^>]*>([^<]*)</td>", html.data)


def test_a_value_just_below_the_milestone_is_not_printed_as_the_milestone():
    # 299.96 to one decimal would read 300.0, though the path first reaches 300 a year
    # later: the cell shows 299.96. 315.24 is above 300 either way: 315.2.
    path = Scenario(5.0, [2029, 2030, 2031], [285.0, 299.96, 315.24], 2031)
    row = cells(narrative.scenario_table([path], 300.0, "t"))
    assert row[:6] == ["2029", "285.0", "2030", "299.96", "2031", "315.2"]
    assert row[6:] == ["First year ≥ 300", "2031"]
    # 299.9996 needs four decimals to stay below 300: 299.9996.
    path = Scenario(5.0, [2030], [299.9996], None)
    assert cells(narrative.scenario_table([path], 300.0, "t"))[1] == "299.9996"


def test_the_quarter_prints_its_figures_at_their_sources_precision(data_copy):
    # The article's 2023 total printed to two decimals, and the first report of Q1 2023
    # (53.845, three decimals) as its source printed it.
    set_figure(data_copy, "trade_2023", value="240.11", decimals="2",
               quote="the two-way trade reached a record $240.11 billion")
    q = trade.quarter(load(data_copy))
    text = str(words.share_paragraph(q))
    assert "Set against the whole of 2023 (USD 240.11 bn)" in text
    assert "customs put 2024 at <strong>USD 244.819 bn</strong>" in text
    table = cells(narrative.quarter_table(load(data_copy), q, "t"))
    assert "53.845" in table
    # The "how computed" column names 240.11 as printed, never 240.1.
    assert any("240.11" in c for c in table) and not any("240.1 " in c for c in table)
