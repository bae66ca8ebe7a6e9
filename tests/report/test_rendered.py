"""The rendered reports as files: the PDF's pages, text, fonts and metadata, the HTML's markup.

Every expected number is worked out here from the article's printed figures, not taken from
the package. The built reports come from the session fixture ``built_reports``; the tests
that need another build (letter paper, shown code, a hostile label) make their own.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from tests.support import NOTEBOOKS, has_number, run_cli

pytestmark = pytest.mark.slow

NAMES = ("trade", "tourism")
A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)
SIDE_MARGIN = 18 / 25.4 * 72  # the CSS @page margin, 18 mm, in points
HOSTILE = ('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">Trade')


# --- expected figures, worked out by hand from the article's printed values -------------------

def _f(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


Q1_2024, YOY = 56.68, 5.2          # printed: USD 56.68 bn, up 5.2 %
Q1_2023_FIRST = 53.845             # customs' first report of Q1 2023, USD bn
VISITORS_2022, VISITORS_2023 = 187_000, 600_000
FSB_CHINA, FSB_ALL = 199_800, 670_700

KEY_FIGURES = {
    "trade": [
        "240.1", "56.68", "5.2",
        _f(Q1_2024 / (1 + YOY / 100), 3),                      # 53.878: implied Q1 2023
        _f((Q1_2024 - 0.005) / (1 + (YOY + 0.05) / 100), 3),  # 53.848: its lower bound
        _f((Q1_2024 + 0.005) / (1 + (YOY - 0.05) / 100), 3),  # 53.909: its upper bound
        _f((Q1_2024 / Q1_2023_FIRST - 1) * 100, 2),            # 5.27: growth on the first report
    ],
    "tourism": [
        f"{VISITORS_2022:,}", f"{VISITORS_2023:,}",
        _f(VISITORS_2023 / VISITORS_2022, 3),                  # 3.209: the multiple
        _f(FSB_CHINA / FSB_ALL * 100, 1),                      # 29.8: China's share, %
    ],
}


def test_expected_figures_are_the_hand_worked_ones():
    """The arithmetic above gives the values worked out by hand (guards the test itself)."""
    assert KEY_FIGURES["trade"][3:] == ["53.878", "53.848", "53.909", "5.27"]
    assert KEY_FIGURES["tourism"] == ["187,000", "600,000", "3.209", "29.8"]


# The reports' titles name the data's article (its publisher and date in sources.csv),
# not the notebooks' own metadata title.
TITLES = {"trade": "China–Russia trade in CGTN's article of 16 May 2024",
          "tourism": "Foreign visitors to Russia in CGTN's article of 16 May 2024"}


# --- helpers -----------------------------------------------------------------------------------

def notebook_metadata(name: str) -> dict:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["metadata"]


def notebook_code_lines(name: str) -> list[str]:
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [line for c in nb["cells"] if c["cell_type"] == "code"
            for line in "".join(c["source"]).splitlines() if line.strip()]


def squash(text: str) -> str:
    return " ".join(text.split())


def no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(pdf: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def chart_texts(html: Path) -> set[str]:
    """The text of every chart (SVG ``<text>`` elements) embedded in an HTML report."""
    import base64
    import html as html_lib

    found: set[str] = set()
    for b64 in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html.read_text()):
        svg = base64.b64decode(b64).decode("utf-8")
        for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S):
            found.add(html_lib.unescape(re.sub(r"<[^>]+>", "", t)).strip())
    return found


def body_text(pdf: Path, title: str, drop: set[str] = frozenset()) -> str:
    """The PDF's text without the running header, the page numbers and list markers, pages joined.

    pypdf puts the margin boxes and the list markers at the end of each page's text, and the
    charts' text where the chart is drawn; dropping them (charts' lines given in ``drop``) lets
    a line that wraps over a page break be found whole.
    """
    texts = page_texts(pdf)
    out = []
    for i, text in enumerate(texts, start=1):
        text = text.replace(f"Page {i} of {len(texts)}", "")
        lines = [ln for ln in text.splitlines()
                 if ln.strip() != title and ln.strip() not in drop
                 and not re.fullmatch(r"\s*(\d+\.|•)\s*", ln)]
        out.append("\n".join(lines))
    return "\n".join(out)


class Markup(HTMLParser):
    """Start tags with their attributes, the text of <style>, the visible text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.style = ""
        self.text: list[str] = []
        self._in: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script"):
            self._in.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "style":
            self.style += data
        elif not self._in:
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]

    @property
    def visible_text(self) -> str:
        return "".join(self.text)


def markup(path: Path) -> Markup:
    return Markup(path.read_text(encoding="utf-8"))


def build(*args: str) -> None:
    result = run_cli("build", "--quiet", *args)
    assert result.returncode == 0, result.stderr


def flatten(items):
    for item in items:
        if isinstance(item, list):
            yield from flatten(item)
        else:
            yield item


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def fonts_in(resources, seen: set[int]) -> list[tuple[str, object]]:
    """Every font in ``resources``, also those of form XObjects and Type3 glyphs, recursively."""
    resources = resolve(resources)
    if not resources or id(resources) in seen:
        return []
    seen.add(id(resources))
    found = []
    for font in (resolve(resources.get("/Font")) or {}).values():
        font = resolve(font)
        found.append((str(font.get("/BaseFont", "?")), font))
        if font.get("/Subtype") == "/Type0":
            for desc in resolve(font["/DescendantFonts"]):
                desc = resolve(desc)
                found.append((str(desc.get("/BaseFont", "?")), desc))
        if "/Resources" in font:
            found += fonts_in(font["/Resources"], seen)
    for xobj in (resolve(resources.get("/XObject")) or {}).values():
        xobj = resolve(xobj)
        if xobj.get("/Subtype") == "/Form" and "/Resources" in xobj:
            found += fonts_in(xobj["/Resources"], seen)
    return found


def gray_page_one(pdf: Path, out: Path) -> tuple[int, int, bytes]:
    """Page 1 rendered by pdftoppm as an 8-bit PGM at 50 dpi: width, height, pixels."""
    prefix = out / pdf.stem
    subprocess.run(["pdftoppm", "-gray", "-r", "50", "-f", "1", "-l", "1", str(pdf),
                    str(prefix)], check=True, capture_output=True, timeout=120)
    (pgm,) = out.glob(f"{pdf.stem}*.pgm")
    data = pgm.read_bytes()
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert m, "pdftoppm did not write a binary PGM"
    width, height, maxval = map(int, m.groups())
    assert maxval == 255
    pixels = data[m.end():m.end() + width * height]
    assert len(pixels) == width * height
    return width, height, pixels


def word_boxes(pdf: Path) -> list[tuple[float, list[tuple[float, float, str]]]]:
    """Per page, its width and every word's horizontal extent, from ``pdftotext -bbox``."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    pages = []
    for chunk in out.split("<page ")[1:]:
        width = float(re.match(r'width="([\d.]+)"', chunk).group(1))
        words = [(float(a), float(b), unescape(t)) for a, b, t in re.findall(
            r'<word xMin="([-\d.]+)" yMin="[-\d.]+" xMax="([-\d.]+)" yMax="[-\d.]+">([^<]*)<',
            chunk)]
        pages.append((width, words))
    return pages


# --- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def show_code_build(tmp_path_factory) -> Path:
    """The trade report built with its code shown, as HTML and PDF."""
    out = tmp_path_factory.mktemp("show-code")
    build("trade", "--show-code", "--formats", "html,pdf", "--out", str(out))
    return out


def rewrite_label(data: Path, figure_id: str, label: str) -> None:
    path = data / "figures.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    hits = [r for r in rows if r["id"] == figure_id]
    assert len(hits) == 1, f"{figure_id} not found once in {path}"
    hits[0]["label"] = label
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


# --- PDF: pages --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_page_is_a4(built_reports, name):
    pages = PdfReader(built_reports / f"{name}.pdf").pages
    assert len(pages) >= 1
    for i, page in enumerate(pages, start=1):
        box = page.mediabox
        size = (float(box.width), float(box.height))
        assert size == pytest.approx(A4, abs=1), f"page {i} is {size} pt, not A4"


def test_letter_paper(tmp_path):
    build("tourism", "--paper", "letter", "--formats", "pdf", "--out", str(tmp_path))
    assert not (tmp_path / "tourism.html").exists()
    pages = PdfReader(tmp_path / "tourism.pdf").pages
    assert len(pages) >= 1
    for i, page in enumerate(pages, start=1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(LETTER, abs=1), f"page {i} is {size} pt, not letter"


@pytest.mark.parametrize("name", NAMES)
def test_page_numbers_and_running_header(built_reports, name):
    title = TITLES[name]
    texts = page_texts(built_reports / f"{name}.pdf")
    total = len(texts)
    for i, text in enumerate(texts, start=1):
        assert re.findall(r"Page (\d+) of (\d+)", text) == [(str(i), str(total))], \
            f"page {i}: page-number footer missing or wrong"
        assert title in squash(text), f"page {i}: running header {title!r} missing"


@pytest.mark.parametrize("name", NAMES)
def test_running_header_and_footer_sit_in_the_margins(built_reports, name):
    """The header is above the text block (top 20 mm), the footer below it (bottom 20 mm)."""
    margin = 20 / 25.4 * 72
    out = subprocess.run(["pdftotext", "-bbox", str(built_reports / f"{name}.pdf"), "-"],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    pages = out.split("<page ")[1:]
    assert pages
    for i, chunk in enumerate(pages, start=1):
        height = float(re.search(r'height="([\d.]+)"', chunk).group(1))
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', chunk)
        words = [(y0, y1, unescape(w)) for y0, y1, w in words]
        top = " ".join(w for y0, y1, w in words if float(y1) <= margin)
        bottom = " ".join(w for y0, y1, w in words if float(y0) >= height - margin)
        assert top == TITLES[name], f"page {i}: top margin holds {top!r}"
        assert bottom == f"Page {i} of {len(pages)}", f"page {i}: bottom margin holds {bottom!r}"


@pytest.mark.parametrize("name", NAMES)
def test_fonts_are_embedded(built_reports, name):
    reader = PdfReader(built_reports / f"{name}.pdf")
    seen: set[int] = set()
    fonts = []
    for page in reader.pages:
        fonts += fonts_in(page.get("/Resources"), seen)
    assert fonts, "no font resources found at all"
    missing = []
    for base, font in fonts:
        subtype = font.get("/Subtype")
        if subtype in ("/Type0", "/Type3"):  # Type0: see its descendant; Type3: glyphs in-file
            continue
        desc = resolve(font.get("/FontDescriptor"))
        if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.append(f"{base} ({subtype})")
    assert not missing, f"fonts not embedded: {sorted(set(missing))}"


@pytest.mark.parametrize("name", NAMES)
def test_metadata(built_reports, name):
    meta = notebook_metadata(name)
    reader = PdfReader(built_reports / f"{name}.pdf")
    info = reader.metadata
    assert info is not None
    assert info.get("/Title") == TITLES[name]
    assert (info.get("/Author") or "").strip()
    assert (info.get("/Subject") or "").strip()
    assert info.get("/Subject") == meta["bilateral"]["subtitle"]
    keywords = [k.strip() for k in (info.get("/Keywords") or "").split(",")]
    assert "China" in keywords
    assert keywords == meta["bilateral"]["keywords"]
    assert reader.trailer["/Root"].get("/Lang") == "en"


@pytest.mark.parametrize("name", NAMES)
def test_key_figures_in_pdf_text(built_reports, name):
    text = squash("\n".join(page_texts(built_reports / f"{name}.pdf")))
    missing = [n for n in KEY_FIGURES[name] if not has_number(text, n)]
    assert not missing, f"{name}.pdf lacks {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_key_figures_in_html_text(built_reports, name):
    text = squash(markup(built_reports / f"{name}.html").visible_text)
    missing = [n for n in KEY_FIGURES[name] if not has_number(text, n)]
    assert not missing, f"{name}.html lacks {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_sources_section_with_addresses(built_reports, name):
    reader = PdfReader(built_reports / f"{name}.pdf")
    outline = list(flatten(reader.outline))
    sources = [item for item in outline if item.title.strip() == "Sources"]
    assert len(sources) == 1, f"outline: {[item.title for item in outline]}"
    first = reader.get_destination_page_number(sources[0])
    after = "\n".join(page.extract_text() for page in reader.pages[first:])
    assert "Sources" in after
    assert re.search(r"https://[\w.-]+\.[a-z]{2,}", after.split("Sources", 1)[1])
    uris = [resolve(resolve(a).get("/A", {})).get("/URI", "")
            for page in reader.pages for a in (page.get("/Annots") or [])]
    assert any(str(u).startswith("https://") for u in uris), "no clickable https link"


@pytest.mark.parametrize("name", NAMES)
def test_first_page_renders_with_ink(built_reports, name, tmp_path):
    width, height, pixels = gray_page_one(built_reports / f"{name}.pdf", tmp_path)
    assert (width, height) == pytest.approx((A4[0] * 50 / 72, A4[1] * 50 / 72), abs=1)
    dark = sum(1 for p in pixels if p < 128) / len(pixels)
    light = sum(1 for p in pixels if p >= 128) / len(pixels)
    assert 0.005 < dark < 0.5, f"share of dark pixels {dark:.4f}"
    assert light > 0.5, f"share of light pixels {light:.4f}"


@pytest.mark.parametrize("name", NAMES)
def test_no_text_outside_the_text_block(built_reports, name):
    """No word crosses the page edge or runs into the side margins (3 pt of slack for markers)."""
    for i, (width, words) in enumerate(word_boxes(built_reports / f"{name}.pdf"), start=1):
        assert words, f"page {i} has no text"
        out = [w for w in words if w[0] < SIDE_MARGIN - 3 or w[1] > width - SIDE_MARGIN + 3]
        assert not out, f"page {i}: words outside the text block: {out[:5]}"


@pytest.mark.parametrize("name", NAMES)
def test_caption_labels_keep_their_numbers(built_reports, name):
    """Caption labels such as "Figure 2." never break between the word and the number."""
    texts = page_texts(built_reports / f"{name}.pdf")
    labels = re.findall(r"\b(?:Figure|Table) \d+\.", "\n".join(texts))
    assert labels, "no numbered captions found"
    split = [(i, m.group(0)) for i, text in enumerate(texts, start=1)
             for m in re.finditer(r"\b(?:Figure|Table)[ \t]*\n[ \t]*\d+\.", text)]
    assert not split, f"caption label and number on different lines (page, text): {split}"


# --- HTML ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_html_is_self_contained(built_reports, name):
    html = (built_reports / f"{name}.html").read_text(encoding="utf-8")
    doc = Markup(html)
    assert not doc.all("script"), "a <script> element"
    assert "<script" not in html.lower()
    for tag, attrs in doc.tags:
        for attr in ("src", "srcset", "poster"):
            value = (attrs.get(attr) or "").strip()
            if value:
                assert value.startswith("data:"), f"<{tag} {attr}={value[:60]!r}>"
        if tag == "link":
            assert not re.match(r"\s*(https?:)?//", attrs.get("href") or ""), attrs
            assert "stylesheet" not in (attrs.get("rel") or ""), attrs
        if tag in ("iframe", "embed", "object", "frame"):
            pytest.fail(f"<{tag}> element")
    assert doc.style.strip(), "no <style>"
    for url in re.findall(r"url\(\s*['\"]?([^'\")\s]+)", doc.style):
        assert url.startswith(("data:", "#")), f"url({url}) in <style>"
    assert not re.search(r"@import", doc.style)
    assert not re.search(r"https?://", doc.style), "an http(s) address in <style>"
    imgs = doc.all("img")
    assert imgs, "no images at all"
    assert all((a.get("src") or "").startswith("data:image/") for a in imgs)


def test_html_links_to_its_sources(built_reports):
    hrefs = [a.get("href") or "" for a in markup(built_reports / "trade.html").all("a")]
    assert any(h.startswith("https://") for h in hrefs)


@pytest.mark.parametrize("name", NAMES)
def test_html_accessibility_basics(built_reports, name):
    doc = markup(built_reports / f"{name}.html")
    (html_tag,) = doc.all("html")
    assert html_tag.get("lang") == "en"
    imgs = doc.all("img")
    assert imgs
    assert all((a.get("alt") or "").strip() for a in imgs), "an <img> without alt text"
    levels = [int(t[1]) for t, _ in doc.tags if re.fullmatch(r"h[1-6]", t)]
    assert levels.count(1) == 1, f"{levels.count(1)} <h1> elements"
    assert levels[0] == 1, f"first heading is h{levels[0]}"
    jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert not jumps, f"heading levels skip: {jumps}"


@pytest.mark.parametrize("name", NAMES)
def test_html_has_print_rules(built_reports, name):
    doc = markup(built_reports / f"{name}.html")
    assert re.search(r"@media\s+print\s*\{", doc.style)
    assert re.search(r"@page\b", doc.style)


# --- escaping ----------------------------------------------------------------------------------

def test_hostile_label_is_escaped(data_copy, tmp_path):
    """A figure label holding markup and script shows as text in the HTML and the PDF."""
    rewrite_label(data_copy, "trade_2023", HOSTILE)
    out = tmp_path / "out"
    build("trade", "--data", str(data_copy), "--out", str(out), "--formats", "html,pdf")
    html = (out / "trade.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    doc = Markup(html)
    assert not doc.all("script")
    assert not [a for a in doc.all("img") if (a.get("src") or "").strip() == "x"]
    assert not [(t, a) for t, a in doc.tags if any(k.startswith("on") for k in a)]
    assert no_space(HOSTILE) in no_space(doc.visible_text), "the label is not shown as text"
    text = no_space("\n".join(page_texts(out / "trade.pdf")))
    assert "<script>" in text
    assert no_space(HOSTILE) in text, "the label is not shown as text in the PDF"


# --- code cells ------------------------------------------------------------------------------

def test_code_is_hidden_by_default(built_reports):
    assert any("from bilateral.report import" in line for line in notebook_code_lines("trade"))
    for name in NAMES:
        html = (built_reports / f"{name}.html").read_text(encoding="utf-8")
        assert "from bilateral.report import" not in squash(Markup(html).visible_text)
        assert "bilateral</span>" not in html
        pdf = squash("\n".join(page_texts(built_reports / f"{name}.pdf")))
        assert "from bilateral.report import" not in pdf


def test_show_code_shows_code_in_html(show_code_build):
    text = squash(markup(show_code_build / "trade.html").visible_text)
    assert "from bilateral.report import" in text
    assert "present.figures_table" in text


def test_show_code_pdf_wraps_long_lines(show_code_build):
    """Every code line is in the PDF whole, and no word runs past the text block."""
    title = notebook_metadata("trade")["title"]
    text = body_text(show_code_build / "trade.pdf", title,
                     drop=chart_texts(show_code_build / "trade.html"))
    assert "present.figures_table" in text
    lines = notebook_code_lines("trade")
    assert max(len(line) for line in lines) > 90, "no long line to wrap: the check is moot"
    joined = no_space(text)
    missing = [line for line in lines if no_space(line) not in joined]
    assert not missing, f"code lines cut or lost in the PDF: {missing[:5]}"
    for i, (width, words) in enumerate(word_boxes(show_code_build / "trade.pdf"), start=1):
        out = [w for w in words if w[0] < SIDE_MARGIN - 3 or w[1] > width - SIDE_MARGIN + 3]
        assert not out, f"page {i}: code runs outside the text block: {out[:5]}"
