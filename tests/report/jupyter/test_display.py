"""Compact HTML for the package's objects (bilateral.report.jupyter.display), without a kernel."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from bilateral.report import claims
from bilateral.report.analysis import trade
from bilateral.report.data import figures
from bilateral.report.jupyter import display, present
from tests.support import set_figure

HOSTILE = '<script>alert(1)</script><img src=x onerror="x()">'


def test_every_registered_class_exists():
    """IPython finds the classes by module and name: a class that moves must move here too."""
    for module, name in display.TYPES:
        cls = getattr(importlib.import_module(module), name, None)
        assert cls is not None and dataclasses.is_dataclass(cls), f"{module}.{name}"


def test_values_are_escaped(data_copy):
    set_figure(data_copy, "trade_2023", label=HOSTILE)
    ds = figures.load(data_copy)
    for obj in (ds, ds["trade_2023"], [ds["trade_2023"]], trade.year(ds)):
        html = display.to_html(obj)
        assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in display.to_html(ds)


def test_what_is_shown(data_copy):
    ds = figures.load(data_copy)
    assert display.to_html([1, 2]) is None and display.to_html("x") is None
    assert display.to_html([]) is None
    assert display.to_html([ds["trade_2023"], 1]) is None  # mixed lists stay as they are
    years = display.to_html(trade.annual(ds))
    assert 'class="num"' in years and "gacc_trade_2023" in years
    assert "frames.annual" in years
    q = display.to_html(trade.quarter(ds))
    # per cell: numbers right, words left
    assert '<td class="num">USD 53.878 bn [USD 53.848 bn – USD 53.909 bn]</td>' in q
    assert "<td>below</td>" in q or "<td>inside</td>" in q or "<td>above</td>" in q
    verdicts = display.to_html(claims.evaluate(ds))
    assert verdicts.count('class="verdict') == len(claims.evaluate(ds))


@pytest.mark.parametrize("part", ["table", "claims", "figure", "title", "sources"])
def test_lab_styles_only_touch_jupyterlab(part):
    """Every rule is scoped to JupyterLab's rendered outputs; the report has none of them,
    and WeasyPrint does not read screen styles."""
    style = present.lab_style(part)
    assert style.startswith('<style media="screen">') and style.endswith("</style>")
    css = style.removeprefix('<style media="screen">').removesuffix("</style>")
    rules = [r for r in css.split("}") if r.strip()]
    assert rules
    for rule in rules:
        selectors = rule.split("{")[0]
        for sel in selectors.split(","):
            assert ".jp-RenderedHTMLCommon" in sel, sel
    assert "url(" not in css and "@import" not in css
