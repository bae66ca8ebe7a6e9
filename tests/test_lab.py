"""The notebooks in a real JupyterLab, as an analyst uses them, driven in Debian's Chromium.

A JupyterLab server runs from the project's venv on a loopback port, on a copy of the
project that is a git repository with the project's notebook filter set up (as ``make``
sets it up). Each notebook is opened, run with Run All and saved with Ctrl+S, as an
analyst would; then no cell shows an error, the claims table reads as in the report (text
columns left, verdicts on a coloured badge that stays readable) in the light and the dark
theme, and ``git status`` shows nothing to commit. The screenshots are kept in a temporary
folder, printed at the end of each test.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import (
    ROOT,
    LabServer,
    browser_page,
    chromium,
    free_port,
    git,
    isolated_env,
    project_copy,
    require_chromium,
    run_cli,
    wait_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
RUN_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_chromium()
    base = tmp_path_factory.mktemp("lab")
    root = project_copy(base / "project")
    server = LabServer(root, base / "home")
    try:
        yield server, root
    finally:
        server.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lab-screenshots")


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


PANEL = "jupyterapp.shell.currentWidget"

STATE_JS = f"""() => {{
  const panel = {PANEL};
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const errors = [];
  cells.forEach((c, i) => c.model.outputs.toJSON().forEach(o => {{
    if (o.output_type === 'error') errors.push(`code cell ${{i + 1}}: ${{o.ename}}: ${{o.evalue}}`);
  }}));
  return {{kernel: kernel ? kernel.status : null, dirty: panel.context.model.dirty,
           done: cells.filter(c => c.model.executionCount !== null).length,
           cells: cells.length, errors}};
}}"""

# Computed styles of the claims table: alignment of each column, the verdict badges'
# colours and the contrast of their text.
CLAIMS_JS = """() => {
  const table = document.querySelector('table.claims');
  if (!table) return null;
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (a, b) => {
    const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const row = table.querySelector('tbody tr');
  const align = [...row.children].map(td => getComputedStyle(td).textAlign);
  const badges = [...table.querySelectorAll('.verdict')].map(b => {
    const s = getComputedStyle(b);
    return {text: b.textContent, bg: s.backgroundColor, fg: s.color,
            contrast: contrast(s.backgroundColor, s.color)};
  });
  const th = getComputedStyle(table.querySelector('th')).textAlign;
  return {align, th, badges, caption: getComputedStyle(table.querySelector('caption')).textAlign};
}"""


def run_all(page) -> dict:
    page.evaluate("() => jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS)
        if state["errors"] or (state["done"] == state["cells"] and state["kernel"] == "idle"):
            return state
        time.sleep(0.5)
    raise AssertionError(f"Run All did not finish in {RUN_TIMEOUT_S} s: {state}")


def set_theme(page, theme: str) -> None:
    page.evaluate(f"() => jupyterapp.commands.execute('apputils:change-theme', "
                  f"{{theme: '{THEMES[theme]}'}})")
    light = "true" if theme == "light" else "false"
    wait_in_page(page, f"() => document.body.dataset.jpThemeLight === '{light}'", f"{theme} theme")
    page.wait_for_timeout(500)  # the theme's stylesheet applied


def scroll_to(page, selector: str, needle: str) -> None:
    """Bring the first cell whose HTML output holds ``needle`` into view (cells off screen
    may not be in the page until then), then the element ``selector`` in it."""
    found = page.evaluate("""async (needle) => {
      const nb = jupyterapp.shell.currentWidget.content;
      for (let i = 0; i < nb.widgets.length; i++) {
        const outputs = nb.widgets[i].model.outputs;
        if (!outputs) continue;
        const html = outputs.toJSON().map(o => {
          const h = o.data && o.data['text/html'];
          return Array.isArray(h) ? h.join('') : (h || '');
        }).join('');
        if (html.includes(needle)) {
          await nb.scrollToItem(i, 'start');
          return i;
        }
      }
      return -1;
    }""", needle)
    assert found >= 0, f"no output holds {needle}"
    page.wait_for_selector(selector, timeout=10_000)
    page.locator(selector).first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)


def check_claims(page, theme: str) -> dict:
    scroll_to(page, "table.claims", 'class="claims"')
    style = page.evaluate(CLAIMS_JS)
    assert style, "no claims table on the page"
    claim, check, verdict = style["align"]
    assert claim in ("left", "start") and check in ("left", "start"), style
    assert style["th"] in ("left", "start") and style["caption"] in ("left", "start"), style
    for b in style["badges"]:
        assert b["bg"] not in ("rgba(0, 0, 0, 0)", "transparent"), f"{theme}: no badge: {b}"
        assert b["contrast"] >= 4.5, f"{theme}: badge text hard to read: {b}"
    assert len({b["bg"] for b in style["badges"]}) == len({b["text"].split()[0]
                                                           for b in style["badges"]}), style
    return style


ADD_CELL_JS = """async (source) => {
  const panel = jupyterapp.shell.currentWidget, nb = panel.content;
  nb.activeCellIndex = nb.widgets.length - 1;
  await jupyterapp.commands.execute('notebook:insert-cell-below');
  nb.activeCell.model.sharedModel.setSource(source);
  await jupyterapp.commands.execute('notebook:run-cell');
  return nb.widgets.length - 1;
}"""

LAST_CELL_JS = """() => {
  const nb = jupyterapp.shell.currentWidget.content, cell = nb.widgets[nb.widgets.length - 1];
  const kernel = jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  if (cell.model.executionCount === null || kernel.status !== 'idle') return null;
  return {outputs: cell.model.outputs.toJSON(), html: cell.node.querySelector(
    '.jp-OutputArea-output') ? cell.node.querySelector('.jp-OutputArea-output').innerHTML : ''};
}"""


def explore(page, shots: Path) -> None:
    """What an analyst types first, after Run All: the dataset, a result, a bare chart."""
    for source, selector, shot in (
            ("ds", "table", "ds"), ("q", "table", "q"),
            ("charts.annual_trade(years, year.year, 'Returned from a cell')", "figure.chart img",
             "chart-returned")):
        page.evaluate(ADD_CELL_JS, source)
        cell = wait_in_page(page, LAST_CELL_JS, f"the cell {source!r}")
        kinds = [o.get("output_type") for o in cell["outputs"]]
        assert "error" not in kinds, cell["outputs"]
        assert any("text/html" in o.get("data", {}) for o in cell["outputs"]), cell["outputs"]
        page.wait_for_selector(f".jp-Notebook .jp-Cell:last-child {selector}")
        page.locator(".jp-Notebook .jp-Cell:last-child").scroll_into_view_if_needed()
        for theme in ("light", "dark"):
            set_theme(page, theme)
            page.locator(".jp-Notebook .jp-Cell:last-child").screenshot(
                path=str(shots / f"explore-{shot}-{theme}.png"))


def preview_unsaved(page, shots: Path) -> None:
    """The preview call, with a parameter changed in the kernel and nothing saved: the
    report's pages are shown, built with the kernel's value."""
    page.evaluate(ADD_CELL_JS, "horizon_year = 2031\nfrom bilateral.report import preview\n"
                               "preview.show()")
    cell = wait_in_page(page, LAST_CELL_JS, "the preview", timeout_s=180)
    outputs = cell["outputs"]
    assert "error" not in [o.get("output_type") for o in outputs], outputs
    pages = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pages) >= 3, [o.get("output_type") for o in outputs]  # trade has 7 pages
    said = "".join("".join(o["data"].get("text/plain", "")) for o in outputs
                   if o.get("output_type") == "execute_result")
    assert re.search(r"trade\.pdf: \d+ pages \(.*horizon_year=2031", said), said
    assert f"{len(pages)} pages" in said
    assert page.evaluate(f"() => {PANEL}.context.model.dirty")  # built without a save
    page.locator(".jp-Notebook .jp-Cell:last-child").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "preview.png"))


@pytest.mark.parametrize("name", ["trade", "tourism"])
def test_run_all_and_save_in_jupyterlab(lab, browser, shots, name):
    server, root = lab
    with browser_page(browser, server.base) as (page, foreign, page_errors):
        try:
            page.goto(f"{server.base}/lab/tree/notebooks/{name}.ipynb?reset&token={server.token}")
            wait_in_page(page, f"() => window.jupyterapp && {PANEL} && {PANEL}.context && "
                         f"{PANEL}.context.isReady && {PANEL}.sessionContext.session && "
                         f"{PANEL}.sessionContext.session.kernel && "
                         f"{PANEL}.sessionContext.session.kernel.status === 'idle'",
                         "the notebook and its kernel", timeout_s=120)
            set_theme(page, "light")
            state = run_all(page)
            assert not state["errors"], state["errors"]

            for theme in ("light", "dark"):
                set_theme(page, theme)
                check_claims(page, theme)
                page.screenshot(path=str(shots / f"{name}-{theme}-claims.png"))
                scroll_to(page, "figure.chart img", 'class="chart"')
                sizes = page.evaluate("() => [...document.querySelectorAll('figure.chart img')]"
                                      ".map(i => [i.naturalWidth, i.naturalHeight])")
                assert sizes and all(w > 0 and h > 0 for w, h in sizes), sizes
                page.screenshot(path=str(shots / f"{name}-{theme}-chart.png"))
                scroll_to(page, "header.title-block", 'class="title-block"')
                page.screenshot(path=str(shots / f"{name}-{theme}-top.png"))

            page.keyboard.press("Control+s")
            wait_in_page(page, f"() => {PANEL}.context.model.dirty === false", "the save")
            page.wait_for_timeout(500)
            saved = (root / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
            assert '"output_type"' in saved, "JupyterLab saved no outputs"
            status = git(root, "status", "--porcelain")
            assert status == "", f"after Run All + save, git sees changes:\n{status}\n" + git(
                root, "diff")
            assert git(root, "diff", "--stat") == ""
            if name == "trade":
                explore(page, shots)
                preview_unsaved(page, shots)
            assert not page_errors, page_errors
            assert not foreign, f"JupyterLab asked the network for {sorted(set(foreign))}"
        finally:
            page.screenshot(path=str(shots / f"{name}-last.png"))
            print(f"\nscreenshots of {name}: {shots}")


def test_make_lab_starts_as_root_and_prints_the_url(tmp_path):
    """``make lab`` starts (as root too: the tests run as root in CI) and prints the
    address to open, which serves JupyterLab."""
    port = free_port()
    env = isolated_env(tmp_path / "home")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab",
         f"ARGS=--no-browser --ServerApp.port={port} --ServerApp.port_retries=0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        stdin=subprocess.DEVNULL, start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    url_re = re.compile(rf"(http://127\.0\.0\.1:{port}/lab/tree/notebooks\?token=\w+)")
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 300  # make may first bring .venv up to date
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            m = url_re.search(line)
            url = m.group(1) if m else None
        assert url, "make lab printed no address to open:\n" + "".join(seen[-40:])
        # The server prints the address, then starts listening on it.
        for attempt in range(60):
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    status, page = r.status, r.read().decode("utf-8", "replace")
                break
            except OSError as exc:
                if attempt == 59:
                    raise AssertionError(f"{url}: {exc}\n" + "".join(seen[-40:])) from None
                time.sleep(0.5)
        assert status == 200 and "JupyterLab" in page
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


TRUST_JS = f"""() => {{
  const panel = {PANEL};
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return {{untrusted: cells.filter(c => !c.model.trusted).length, cells: cells.length,
           styles: document.querySelectorAll('.jp-OutputArea-output style').length,
           sheet: !!document.getElementById('bilateral-labextension-style')}};
}}"""

BLOCKS_JS = """() => {
  const s = e => e ? getComputedStyle(e) : null;
  const header = s(document.querySelector('header.title-block'));
  const img = s(document.querySelector('figure.chart img'));
  return {rule: header ? parseFloat(header.borderBottomWidth) : 0,
          chartBg: img ? img.backgroundColor : null, chartShadow: img ? img.boxShadow : null};
}"""


def test_an_executed_report_opens_styled_though_not_trusted(lab, browser, shots):
    """A report a build wrote (``reports/trade.ipynb``) opened in JupyterLab is not trusted:
    JupyterLab strips the <style> of its outputs. Its tables, verdict badges, title block
    and charts are still styled, in the light and the dark theme, by the report's
    stylesheet the project's JupyterLab extension adds to the page."""
    server, root = lab
    out = root / "reports"
    with browser_page(browser, server.base) as (page, foreign, page_errors):
        try:
            built = run_cli("build", "trade", "--out", str(out), "--formats", "html", "-q")
            assert built.returncode == 0, built.stderr
            page.goto(f"{server.base}/lab/tree/reports/trade.ipynb?reset&token={server.token}")
            wait_in_page(page, f"() => window.jupyterapp && {PANEL} && {PANEL}.context && "
                         f"{PANEL}.context.isReady && {PANEL}.content.widgets.length > 0",
                         "the executed report", timeout_s=120)
            trust = wait_in_page(page, f"() => {{ const t = ({TRUST_JS})(); "
                                 "return t.sheet ? t : null; }", "the report's stylesheet")
            assert trust["untrusted"] == trust["cells"] > 0, trust  # as a build wrote it
            for theme in ("light", "dark"):
                set_theme(page, theme)
                check_claims(page, theme)
                assert page.evaluate(TRUST_JS)["styles"] == 0  # the outputs' own styles stripped
                page.screenshot(path=str(shots / f"report-{theme}-claims.png"))
                scroll_to(page, "header.title-block", 'class="title-block"')
                blocks = page.evaluate(BLOCKS_JS)
                assert blocks["rule"] >= 2, blocks  # the title block's rule
                page.screenshot(path=str(shots / f"report-{theme}-top.png"))
                scroll_to(page, "figure.chart img", 'class="chart"')
                blocks = page.evaluate(BLOCKS_JS)
                assert blocks["chartBg"] == "rgb(255, 255, 255)", blocks  # drawn on paper
                # on the dark page, a card with a rim; none on the light one
                assert (blocks["chartShadow"] != "none") == (theme == "dark"), blocks
                page.screenshot(path=str(shots / f"report-{theme}-chart.png"))
            assert not foreign, f"JupyterLab asked the network for {sorted(set(foreign))}"
        finally:
            print(f"\nscreenshots of the executed report: {shots}")
            shutil.rmtree(out, ignore_errors=True)  # the copy is shared by this module's tests


def _remove(paths) -> None:
    for p in paths:
        shutil.rmtree(p) if p.is_dir() else p.unlink()


NEW_NOTEBOOK_JS = """async () => {
  // What File › New › Notebook runs, in the file browser's folder, with the kernel chosen.
  const panel = await jupyterapp.commands.execute('notebook:create-new',
                                                  {cwd: 'notebooks', kernelName: 'bilateral'});
  window.bilateralNew = panel;
  await panel.context.ready;
  jupyterapp.shell.activateById(panel.id);
  return panel.context.path;
}"""

NEW_READY_JS = """() => {
  const p = window.bilateralNew;
  const kernel = p && p.sessionContext.session && p.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && jupyterapp.shell.currentWidget === p;
}"""


def test_a_new_notebook_saved_beside_the_reports_is_left_alone(lab, browser, shots):
    """File › New › Notebook in notebooks/, a cell run, saved: the build still plans the
    two reports only, and says nothing of the analyst's notebook."""
    import sys

    server, root = lab
    before = set((root / "notebooks").iterdir())
    with browser_page(browser, server.base) as (page, foreign, page_errors):
        try:
            page.goto(f"{server.base}/lab/tree/notebooks?reset&token={server.token}")
            wait_in_page(page, "() => window.jupyterapp && "
                         "jupyterapp.commands.hasCommand('notebook:create-new')", "JupyterLab")
            path = page.evaluate(NEW_NOTEBOOK_JS)
            assert path.startswith("notebooks/Untitled") and path.endswith(".ipynb"), path
            wait_in_page(page, NEW_READY_JS, "the new notebook and its kernel", timeout_s=240)
            page.evaluate(ADD_CELL_JS, "import bilateral\nprint('mine')")
            cell = wait_in_page(page, LAST_CELL_JS, "the new cell")
            assert "error" not in [o.get("output_type") for o in cell["outputs"]], cell
            page.evaluate("() => window.bilateralNew.context.save()")  # File › Save Notebook
            wait_in_page(page, "() => window.bilateralNew.context.model.dirty === false",
                         "the save")
            page.screenshot(path=str(shots / "new-notebook.png"))
            assert not foreign, f"JupyterLab asked the network for {sorted(set(foreign))}"
        except BaseException:
            _remove(set((root / "notebooks").iterdir()) - before)  # the copy is shared
            raise
    saved = json.loads((root / path).read_text(encoding="utf-8"))
    assert saved["metadata"]["kernelspec"]["name"] == "bilateral"
    assert any("mine" in "".join(o.get("text", "")) for c in saved["cells"]
               for o in c.get("outputs", []))
    # The build of this project (its own src/, so its notebooks/ are the project's)
    shutil.copytree(ROOT / "src", root / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    try:
        plan = subprocess.run([sys.executable, "-m", "bilateral.cli", "build", "--dry-run"],
                              cwd=root, env=env, capture_output=True, text=True,
                              timeout=300, stdin=subprocess.DEVNULL)
    finally:  # the copy is shared by the other tests of this module
        shutil.rmtree(root / "src")
        _remove(set((root / "notebooks").iterdir()) - before)
    assert plan.returncode == 0, plan.stderr
    planned = re.findall(r"bilateral: (\w+): would build", plan.stderr + plan.stdout)
    assert sorted(planned) == ["tourism", "trade"], plan.stderr
    assert "Untitled" not in plan.stderr + plan.stdout
