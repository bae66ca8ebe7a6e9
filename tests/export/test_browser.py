"""The HTML reports in a real browser (Debian's Chromium, driven by Playwright).

Each report is opened from its file with every other request refused and recorded: a
self-contained report asks for nothing but itself and ``data:`` URLs, logs no error, decodes
its images, fits a phone's width and runs nothing that its data smuggles in.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.support import Visit, chromium, has_number, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAMES = ("trade", "tourism")
PHONE = {"width": 390, "height": 844}
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">Trade'

# Worked out by hand from the article's printed figures (see test_rendered.py):
# 56.68 / 1.052 = 53.8783; 56.675 / 1.0525 = 53.8480; 56.685 / 1.0515 = 53.9087;
# 56.68 / 53.845 - 1 = 5.266 %; 600000 / 187000 = 3.2086; 199800 / 670700 = 29.79 %.
KEY_FIGURES = {
    "trade": ["240.1", "56.68", "5.2", "53.878", "53.848", "53.909", "5.27"],
    "tourism": ["187,000", "600,000", "3.209", "29.8"],
}


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def open_(path: Path, viewport: dict | None = None) -> Visit:
        v = Visit(browser, path, viewport)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.close()


@pytest.mark.parametrize("name", NAMES)
def test_report_in_browser(built_reports, visit, name, tmp_path):
    v = visit(built_reports / f"{name}.html")
    assert v.url in v.requests, "the report itself was never requested"
    assert not v.foreign_requests(), f"requests left the file: {v.foreign_requests()}"
    assert not v.console_errors, f"console errors: {v.console_errors}"
    assert not v.page_errors, f"page errors: {v.page_errors}"

    text = " ".join(v.page.inner_text("body").split())
    missing = [n for n in KEY_FIGURES[name] if not has_number(text, n)]
    assert not missing, f"{name}.html shows no {missing}"

    images = v.page.eval_on_selector_all(
        "img", "els => els.map(e => ({w: e.naturalWidth, h: e.naturalHeight, "
        "alt: e.getAttribute('alt'), done: e.complete}))")
    assert images, "no images"
    for i, img in enumerate(images):
        assert img["done"] and img["w"] > 0 and img["h"] > 0, f"image {i} not decoded: {img}"
        assert (img["alt"] or "").strip(), f"image {i} has no alt text"

    shot = tmp_path / f"{name}-desktop.png"
    v.page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("name", NAMES)
def test_report_fits_a_phone(built_reports, visit, name, tmp_path):
    v = visit(built_reports / f"{name}.html", viewport=PHONE)
    assert not v.page_errors and not v.console_errors
    inner = v.page.evaluate("window.innerWidth")
    assert inner == PHONE["width"]
    scroll = v.page.evaluate("document.documentElement.scrollWidth")
    body = v.page.evaluate("document.body.scrollWidth")
    assert scroll <= inner + 1, f"page is {scroll} px wide on a {inner} px phone"
    assert body <= inner + 1, f"body is {body} px wide on a {inner} px phone"
    shot = tmp_path / f"{name}-phone.png"
    v.page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000


BROKEN_WORDS_JS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("th, td, caption")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^\\s\\-\u2013]+/g;
      for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
        if (m[0].length > 12) continue;
        const r = document.createRange();
        r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        const lines = new Set([...r.getClientRects()].filter(x => x.width > 0)
                                                      .map(x => Math.round(x.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE],
                         ids=["desktop", "phone"])
@pytest.mark.parametrize("name", NAMES)
def test_table_words_stay_whole(built_reports, visit, name, viewport):
    """No word of up to 12 characters in a table is split over lines ("Perio|d", "20|13").

    Tables sit in a block that scrolls sideways, so a narrow screen never needs to split a
    short word; long identifiers (over 12 characters) may still break anywhere.
    """
    v = visit(built_reports / f"{name}.html", viewport=viewport)
    cells = v.page.evaluate("document.querySelectorAll('th, td').length")
    assert cells > 0
    broken = v.page.evaluate(BROKEN_WORDS_JS)
    assert not broken, f"words split over lines in tables: {sorted(set(broken))}"


def test_hostile_label_runs_nothing(data_copy, visit, tmp_path):
    path = data_copy / "figures.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    (row,) = [r for r in rows if r["id"] == "trade_2023"]
    row["label"] = HOSTILE
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    result = run_cli("build", "trade", "--data", str(data_copy), "--out", str(out),
                     "--formats", "html", "--quiet")
    assert result.returncode == 0, result.stderr

    v = visit(out / "trade.html")
    assert v.page.evaluate("typeof window.__pwned") == "undefined"
    assert not v.page_errors, v.page_errors
    assert not v.foreign_requests(), f"the label made the page ask for {v.foreign_requests()}"
    shown = "".join(v.page.inner_text("body").split())
    assert "".join(HOSTILE.split()) in shown, "the label is not shown as text"
    assert v.page.evaluate("document.querySelectorAll('script').length") == 0
