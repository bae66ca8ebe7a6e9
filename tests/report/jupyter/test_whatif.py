"""What-if controls (bilateral.report.jupyter.whatif), driven from Python as a user drives
them in JupyterLab: set a control's value, read what is redrawn. Expected values are
worked out by hand from data/ and the notebooks' parameters cells."""

from __future__ import annotations

import html
import re

import pytest

from bilateral.report.data import figures
from bilateral.report.jupyter import whatif
from tests.support import DATA

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def ds():
    return figures.load(DATA)


def text_of(markup: str) -> str:
    markup = re.sub(r"<style.*?</style>", "", markup)
    markup = re.sub(r"</t[dh]>", " | ", markup)
    markup = re.sub(r"</tr>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def verdicts(markup: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(r'<span class="verdict[^"]*">(.*?)</span>',
                                                 markup)]


def test_sliders_hold_the_declared_ranges(ds):
    w = whatif.scenarios(ds)
    # trade.ipynb: scenario_base_year [>= 1990, <= 2100], horizon_year [>= 1991, <= 2100]
    base, horizon = w.controls["scenario_base_year"], w.controls["horizon_year"]
    assert (base.min, base.max, base.value) == (1990, 2100, 2024)
    assert (horizon.min, horizon.max, horizon.value) == (1991, 2100, 2030)
    assert w.controls["scenario_growth_pct"].value == "[0, 5.2, 10]"
    assert w.controls["milestone_busd"].value == 300.0
    assert w.error is None


def test_changing_the_growth_redraws_the_table(ds):
    w = whatif.scenarios(ds)
    w.controls["horizon_year"].value = 2026
    w.controls["milestone_busd"].value = 260.0
    w.controls["scenario_growth_pct"].value = "[5]"
    assert w.error is None
    assert w.values["scenario_growth_pct"] == [5.0]
    text = text_of(w.html)
    # 2024's customs total is 244.819; × 1.05 = 257.05995; × 1.05² = 269.9129
    assert "2024 | 244.8 |" in text
    assert "2025 | 257.1 |" in text
    assert "2026 | 269.9 |" in text
    assert "2027" not in text.split("First year")[0]
    # 257.06 < 260 ≤ 269.91: the path first reaches 260 in 2026
    assert "First year ≥ 260 | 2026 |" in text
    assert "+5 % a year" in text
    assert "data:image/svg+xml;base64," in w.html  # the chart, redrawn with the table
    assert w.view.value.endswith(w.html + "</div>")


def test_the_horizon_changes_its_verdicts_check(ds):
    w = whatif.scenarios(ds)
    # the article's horizon: six years from 2024, to 2030
    assert "this report's scenarios end in the same year" in text_of(w.html)
    w.controls["horizon_year"].value = 2035
    text = text_of(w.html)
    assert "this report's scenarios run to 2035, five years after it" in text
    assert verdicts(w.html) == ["not supported by the cited figures"]
    assert "2035 |" in text  # the table runs to the new horizon


def test_a_value_outside_the_range_shows_the_builds_one_line(ds):
    w = whatif.scenarios(ds)
    before = w.html
    w.controls["scenario_growth_pct"].value = "[-150, 5]"
    line = ("ParameterError: parameter 'scenario_growth_pct[0]': -150.0 is outside the "
            "allowed range (> -100 and ≤ 1000)")
    assert w.error == line
    assert text_of(w.view.value) == line
    assert "Traceback" not in w.view.value and "\n" not in w.error
    assert w.html == before  # the last good results are kept, not shown
    assert text_of(w._repr_mimebundle_()["text/html"]) == line

    w.controls["scenario_growth_pct"].value = "[0, 5.2, 10]"
    assert w.error is None and w.view.value.endswith(before + "</div>")

    w.controls["milestone_busd"].value = -3.0
    assert w.error == ("ParameterError: parameter 'milestone_busd': -3.0 is outside the "
                       "allowed range (> 0 and ≤ 100000)")
    w.controls["milestone_busd"].value = 300.0
    w.controls["scenario_growth_pct"].value = "0, 5"  # not a list as -p takes it
    assert w.error.startswith("ParameterError: parameter 'scenario_growth_pct': expected a "
                              "list such as [0, 5.2, 10], got ")


def test_values_the_data_refuses_show_the_preflight_line(ds):
    w = whatif.scenarios(ds)
    w.controls["scenario_base_year"].value = 1995  # in range, but no customs total
    assert w.error.startswith("ParameterError: parameter 'scenario_base_year' of trade: "
                              "1995 has no customs total in the data (years with one: 2013,")
    w.controls["scenario_base_year"].value = 2023
    w.controls["horizon_year"].value = 2023
    assert w.error == ("ParameterError: parameter 'horizon_year' of trade: 2023 must come "
                       "after scenario_base_year (2023)")


def test_tourism_threshold_changes_the_verdict(ds):
    w = whatif.tourism(ds)
    assert w.controls["threshold_multiple"].value == 3.0
    # 600,000 / 187,000 = 3.2086; the values that print as the figures give 3.1973 … 3.2198
    assert verdicts(w.html) == ["holds"]
    w.controls["threshold_multiple"].value = 3.2  # the point above it, the low end below
    assert verdicts(w.html) == ["holds within rounding"]
    w.controls["threshold_multiple"].value = 3.3  # the whole interval below it
    assert verdicts(w.html) == ["contradicted"]
    assert "No value in that range exceeds 3.3×" in text_of(w.html)
    assert "Multiple | 3.2086 | 3.1973 – 3.2198 |" in text_of(w.html)
    w.controls["threshold_multiple"].value = 0.0
    assert w.error == ("ParameterError: parameter 'threshold_multiple': 0.0 is outside the "
                       "allowed range (> 0 and ≤ 1000)")


def test_start_values_and_unknown_names(ds):
    w = whatif.scenarios(ds, horizon_year=2032, scenario_growth_pct=[-2.5, 7])
    assert w.controls["scenario_growth_pct"].value == "[-2.5, 7]"
    assert w.values["scenario_growth_pct"] == [-2.5, 7.0]
    assert "2032 |" in text_of(w.html)
    with pytest.raises(Exception, match="threshold_multiple"):
        whatif.scenarios(ds, threshold_multiple=2.0)


def test_the_display_carries_the_widget_and_a_static_fallback(ds):
    w = whatif.scenarios(ds)
    bundle = w._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == w.widget.model_id
    assert bundle["text/html"] == w.html and "First year ≥ 300" in text_of(bundle["text/html"])
    assert bundle["text/plain"]


def test_a_static_render_shows_the_table_and_no_widget_script(ds):
    """The project's exporter, given the display as a notebook stores it, writes the
    static table and chart and nothing a browser would have to run."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from bilateral.export.html import ReportHTMLExporter

    w = whatif.scenarios(ds)
    w.controls["horizon_year"].value = 2033
    cell = new_code_cell("whatif.scenarios(ds)", outputs=[
        new_output("display_data", data=w._repr_mimebundle_())])
    nb = new_notebook(cells=[cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}
    out, _ = ReportHTMLExporter().from_notebook_node(
        nb, {"metadata": {"name": "nb", "path": ""}})
    assert "Trade under constant growth from 2024" in out
    assert "2033" in out and "First year ≥ 300" in out
    assert "<script" not in out and "widget-view" not in out and "widget-state" not in out
