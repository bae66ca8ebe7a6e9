"""Reports built on altered data and parameters say only what their numbers say.

Each case changes figures in a copy of data/ (their quotes changed with them, as a
corrected source would print them) or sets parameters, builds through the real command
line, and reads everything a reader sees: the text, the alt texts, the chart texts
inside the embedded SVGs. The expected numbers and verdicts are worked out by hand in
the comments; the original data's values, and what was derived from them, must be gone.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pytest

from tests.support import run_cli, set_figure

pytestmark = pytest.mark.slow


def seen(report: Path) -> str:
    """Everything a reader of the HTML report sees, as plain text: body text, alt texts,
    and the text drawn in the charts."""
    page = report.read_text(encoding="utf-8")
    charts = []
    for data in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page):
        svg = base64.b64decode(data).decode("utf-8")
        charts += re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    alts = re.findall(r'alt="([^"]*)"', page)
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<img[^>]*>", " ", page)
    body = re.sub(r"<[^>]+>", " ", page)
    text = " ".join([body, *alts, *charts])
    text = re.sub(r"\s+", " ", html.unescape(text))
    return re.sub(r" ([,.;:])", r"\1", text)  # "<strong>50.7 %</strong>, a" reads "50.7 %, a"


def verdicts(text: str) -> dict[str, str]:
    """The verdict printed after each claim's list of figures in the claims table."""
    found = re.findall(r"Figures: ([a-z0-9_, ]+?) (holds within rounding|holds|not supported "
                       r"by the cited figures|contradicted)", text)
    return {ids.split(",")[0].strip(): verdict for ids, verdict in found}


def build(tmp_path: Path, data: Path, *args: str) -> Path:
    out = tmp_path / "out"
    result = run_cli("build", "--data", str(data), "--out", str(out), "--formats", "html",
                     "--quiet", *args)
    assert result.returncode == 0, result.stderr
    return out


def test_trade_on_a_revised_year_and_quarter(tmp_path, data_copy):
    # The article and customs both at 250.3 for 2023, and 4.9 % for the quarter.
    set_figure(data_copy, "trade_2023", value="250.3",
               quote="the two-way trade reached a record $250.3 billion")
    set_figure(data_copy, "gacc_trade_2023", value="250.3",
               quote="hit $250.3 billion in 2023, growing 26.3%")
    set_figure(data_copy, "gacc_yoy_2023", quote="hit $250.3 billion in 2023, growing 26.3%")
    # 2024's reported +1.9 % no longer follows from the new 2023 total: the data says so.
    set_figure(data_copy, "gacc_yoy_2024", discrepancy="Computed on a 2023 total revised since.")
    set_figure(data_copy, "trade_2024q1_yoy", value="4.9",
               quote="a year on year increase of 4.9 percent")
    set_figure(data_copy, "mofcom_yoy_2024q1", value="4.9",
               quote="今年一季度，中俄雙邊貿易額566.8億美元，同比增長4.9%")
    set_figure(data_copy, "mofcom_trade_2024q1",
               quote="今年一季度，中俄雙邊貿易額566.8億美元，同比增長4.9%")
    out = build(tmp_path, data_copy, "trade", "-p", "scenario_growth_pct", "[0, 3, 10]")
    text = seen(out / "trade.html")
    # 250.3 / 190.27 - 1 = 60.03 / 190.27 = 31.55 % more than 2022.
    assert "31.55 % more than 2022's USD 190.27 bn" in text
    assert "2023 is a record: above every earlier year" in text
    assert "China–Russia trade reached a record USD 250.3 bn in 2023." in text
    # 56.68 / 1.049 = 54.032; the least it can be is 56.675 / 1.0495 = 54.002, and 53.845
    # (first reported) lies below that.
    assert "implies that Q1 2023 was USD 54.032 bn" in text
    assert "up 4.9 % on a year earlier" in text
    assert "lies below the implied interval: 4.9 % implies a base revised up" in text
    # 56.68 / 250.3 = 22.64 %; 2024's 244.819 on customs' 250.3 = -2.19 %.
    assert "the quarter is 22.64 % of a year's trade" in text
    assert "−2.19 % on customs' total for 2023" in text
    assert verdicts(text) == {"trade_2023": "holds", "trade_2024q1": "holds",
                              "trade_2024q1_yoy": "holds", "anniversary": "holds",
                              "horizon": "not supported by the cited figures"}
    # Nothing of the original 240.1 and 5.2 %, nor what was computed from them: the
    # recomputed 26.19 %, the implied 53.878, the share 23.61 %, the projection 252.6.
    for old in ("240.1", "5.2 %", "5.2 percent", "53.878", "26.19", "23.61", "252.6"):
        assert old not in text, old


def test_tourism_below_three_times_and_a_chinese_majority(tmp_path, data_copy):
    quote = "more than tripled in 2023, from 187,000 to 560,000"
    set_figure(data_copy, "visitors_2022", quote=quote)
    set_figure(data_copy, "visitors_2023", value="560000", quote=quote)
    set_figure(data_copy, "rst_foreign_tourists_2023", value="560000")
    set_figure(data_copy, "fsb_tourist_entries_china_2023", value="340000")
    out = build(tmp_path, data_copy, "tourism")
    text = seen(out / "tourism.html")
    # 560000 / 187000 = 2.995; between 559500 / 187500 = 2.984 and 560500 / 186500 = 3.005.
    assert "a multiple of 2.995×" in text
    assert "between 2.984× and 3.005×" in text
    assert "the figures do not support \"more than tripled\"" in text
    assert "would still exceed" not in text
    assert "below 3 times 2022" in text
    # 340000 / 670700 = 50.69 %, at least 339950 / 670750 = 50.68 %: a majority; and
    # 340000 / 560000 = 60.71 % of the article's (smaller) total.
    assert "50.7 %, a majority." in text
    # Entries over people: an upper bound on the share of people, and said so.
    assert ("Against the article's smaller total the same count is 60.7 %, an upper bound, "
            "which cannot show a majority "
            "(entries count each visitor at least once" in text)
    assert "entries (FSB) above half of 560,000" in text
    assert verdicts(text) == {"visitors_2022": "not supported by the cited figures",
                              "visitors_2023": "holds"}
    # The original 600,000, its multiple 3.209 and half 300,000, and China's 199,800 with
    # its shares 29.8 % and 33.3 % are gone.
    for old in ("600,000", "600k", "3.209", "300,000", "199,800", "29.8 %", "33.3 %"):
        assert old not in text, old


def test_parameters_reach_every_sentence_and_verdict(tmp_path, data_copy):
    out = build(tmp_path, data_copy, "-p", "threshold_multiple", "3.25", "-p", "horizon_year",
                "2035", "-p", "scenario_base_year", "2023", "-p", "milestone_busd", "275.5")
    tourism, trade = seen(out / "tourism.html"), seen(out / "trade.html")
    # 3.25 is above even the largest multiple, 600500 / 186500 = 3.220: contradicted.
    assert "No value in that range exceeds 3.25×" in tourism
    assert "below 3.25 times 2022" in tourism
    assert "3.25 × 2022" in tourism  # the chart's threshold line
    assert verdicts(tourism)["visitors_2022"] == "contradicted"
    for old in ("would still exceed", "the claim holds", "3× ", "above three times"):
        assert old not in tourism, old
    # Paths from 2023 to 2035: five years beyond the article's 2024 + 6 = 2030.
    assert "run to 2035, five years after the end of the article's horizon" in trade
    assert "this report's scenarios run to 2035, five years after it" in trade
    assert "Trade to 2035 under constant growth" in trade  # the chart's title
    assert "six-year horizon" not in trade and "end in the same year" not in trade
    assert "First year ≥ 275.5" in trade and "milestone 275.5" in trade
    # 240.1 × 1.052^k passes 275.5 first at k = 3: 240.1 × 1.052^3 = 279.54 (2026);
    # k = 2 gives 265.72. At 10 %: 240.1 × 1.1^2 = 290.52 (2025), 264.11 at k = 1.
    assert "Table 4. Trade under constant growth from 2023" in trade
    row = re.search(r"First year ≥ 275\.5 (.+?) Value in year t", trade).group(1).split()
    assert row == ["not", "by", "2035", "2026", "2025"]
