"""The what-if controls in JupyterLab itself: explore.ipynb run all, the widgets drawn by
JupyterLab's widget manager (offline), a slider moved and a value typed as a user does,
the results redrawn in the page."""

from __future__ import annotations

import pytest

from tests.support import (
    LabServer,
    browser_page,
    chromium,
    project_copy,
    require_chromium,
    wait_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PANEL = "jupyterapp.shell.currentWidget"
VIEW = ".jp-Notebook .jupyter-widgets .widget-html-content"


def wait_for(page, js: str, what: str, timeout_s: float = 90):
    return wait_in_page(page, js, what, timeout_s)


def view_text(page) -> str:
    return page.evaluate(f"() => [...document.querySelectorAll('{VIEW}')]"
                         ".map(e => e.innerText).join('\\n')")


def test_whatif_in_jupyterlab(tmp_path):
    require_chromium()
    root = project_copy(tmp_path / "project")
    server = LabServer(root, tmp_path / "home")
    try:
        with chromium() as browser, browser_page(browser, server.base) as (
                page, foreign, page_errors):
            page.goto(f"{server.base}/lab/tree/notebooks/explore.ipynb?reset&token="
                      f"{server.token}")
            wait_for(page, f"() => window.jupyterapp && {PANEL} && {PANEL}.sessionContext"
                     f" && {PANEL}.sessionContext.session && {PANEL}.sessionContext.session"
                     f".kernel && {PANEL}.sessionContext.session.kernel.status === 'idle'",
                     "the notebook and its kernel", timeout_s=120)
            page.evaluate("() => jupyterapp.commands.execute('notebook:run-all-cells')")
            # the widget drawn: sliders and the results' table
            wait_for(page, f"() => document.querySelector('{VIEW} table') !== null",
                     "the what-if's table")
            page.locator(f"{VIEW} table").first.scroll_into_view_if_needed()
            assert "First year ≥ 300" in view_text(page)
            assert "scenarios end in the same year" in view_text(page)

            # the horizon slider's readout, edited as a user types into it
            horizon = page.locator(".jupyter-widgets.widget-slider",
                                   has_text="horizon").locator(".widget-readout")
            horizon.click()
            page.keyboard.press("Control+a")
            page.keyboard.type("2035")
            page.keyboard.press("Enter")
            wait_for(page, "() => document.body.innerText.includes('scenarios run to 2035, "
                     "five years after it')", "the verdict redrawn for 2035")
            assert "2035" in view_text(page)
            page.locator(f"{VIEW} table").first.scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "whatif-2035.png"))

            # a growth rate the build refuses: its one line, in place of the results
            growth = page.locator(".jupyter-widgets.widget-text", has_text="growth") \
                .locator("input")
            growth.fill("[-150, 5]")
            growth.press("Enter")
            wait_for(page, "() => document.body.innerText.includes(\"ParameterError: "
                     "parameter 'scenario_growth_pct[0]': -150.0 is outside the allowed "
                     "range\")", "the one-line error")
            page.screenshot(path=str(tmp_path / "whatif.png"))
    finally:
        server.stop()
    assert not page_errors, page_errors
    assert not foreign, f"JupyterLab asked the network for {sorted(set(foreign))}"
