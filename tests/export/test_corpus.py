"""The exporters on real notebooks: tutorials and lecture notes as their authors published
them, outputs and all (``tests/corpus``, sources and licences in its ``SOURCES.md``).

Each notebook is converted with stock ``jupyter nbconvert --to html`` and with both
exporters, one process per format for all of them, and every check is worked out from
the notebook itself or from stock nbconvert, not from the exporters' code:

* every conversion exits 0, and every line stock HTML shows of markdown, code and text
  outputs is in our HTML and on our PDF's pages;
* every word of every table cell and header the notebook's HTML outputs hold (read with
  BeautifulSoup) is one word of the PDF (``pdftotext -bbox``), as often as the tables
  hold it: no value is broken across lines, and no word leaves the page;
* every formula of the markdown (as stock HTML leaves it for MathJax) is MathML in our
  HTML (well formed, no TeX command left as text) and drawn in the PDF (an image whose
  alternative text, in the PDF's structure tree, is the formula), or shown as its TeX
  with the warning, in each format;
* every span of text an ANSI code colours (read from the notebook's streams and
  tracebacks) is coloured in our HTML, in a colour of its hue, and painted in that
  colour on the PDF's page;
* the title is the notebook's ``metadata.title``, else the heading its first cell opens
  with, else its file name: in the HTML's title and running header, in the PDF's
  metadata and at the top of every page.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from tests.support import ROOT, no_space, our_html_text, pdf_words, structure_elements

BIN = Path(sys.executable).parent
CORPUS = ROOT / "tests" / "corpus"
NOTEBOOKS = sorted(CORPUS.glob("*.ipynb"))
SIDE_MARGIN = 18 / 25.4 * 72  # the CSS @page margin, 18 mm, in points
HEADER_BOTTOM = 40  # points from the top of an A4 page: the running header lies above
UNRENDERED = "[formula not rendered: shown as TeX]"
BULLETS = {"•", "◦", "▪"}  # the markers of nested unordered lists

by_name = pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


# --- reading the notebooks and the files made of them -----------------------------------------

def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def text_of(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def squash(text: str) -> str:
    return " ".join(text.split())


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=120).stdout


def pdf_body(pdf: Path) -> str:
    """The PDF's text in the order it was laid out (``pdftotext -raw``), without each
    page's running header and page number (the last two lines of each page), nor the
    bullets of lists: WeasyPrint paints a page's bullets after its text, so that they
    would come between the two halves of a list item that a page break divides."""
    from pypdf import PdfReader

    title = (PdfReader(pdf).metadata or {}).get("/Title", "")
    pages = []
    for page in pdf_text(pdf).split("\f"):
        lines = page.rstrip("\n").split("\n")
        if lines and re.fullmatch(r"Page \d+ of \d+", lines[-1].strip()):
            lines.pop()
        if lines and lines[-1].strip() == title:
            lines.pop()
        pages.append("\n".join(line for line in lines if line.strip() not in BULLETS))
    return "\n".join(pages)


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --- the corpus, converted ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict:
    """Every notebook of the corpus converted three ways, one process per format."""
    root = tmp_path_factory.mktemp("real")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    runs = {}
    for fmt in ("html", "bilateral_html", "bilateral_pdf"):
        runs[fmt] = subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", fmt, "--output-dir", str(root / fmt),
             *map(str, NOTEBOOKS)], capture_output=True, text=True, timeout=900, env=env,
            stdin=subprocess.DEVNULL, cwd=root)
    return {"root": root, "runs": runs}


def stock(converted, nb: Path) -> Path:
    return converted["root"] / "html" / f"{nb.stem}.html"


def ours(converted, nb: Path) -> Path:
    return converted["root"] / "bilateral_html" / f"{nb.stem}.html"


def our_pdf(converted, nb: Path) -> Path:
    return converted["root"] / "bilateral_pdf" / f"{nb.stem}.pdf"


# --- the corpus is what SOURCES.md says, and has what the checks need ---------------------------

def git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_every_notebook_is_the_published_file_sources_names():
    """Each notebook is listed in SOURCES.md with the git blob id of the file published at
    the commit named there: it is unchanged (the tests say nothing of a notebook edited
    to suit them). Each repository's licence text is kept beside them."""
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    assert len(NOTEBOOKS) >= 4
    for nb in NOTEBOOKS:
        row = [line for line in sources.splitlines() if line.startswith(f"| `{nb.name}` |")]
        assert row, f"{nb.name} is not listed in SOURCES.md"
        assert f"`{git_blob(nb.read_bytes())}`" in row[0], f"{nb.name} differs from its source"
    for licence in re.findall(r"\(licences/([\w.-]+)\)", sources):
        assert (CORPUS / "licences" / licence).stat().st_size > 0, licence


def html_tables(nb: dict) -> list:
    """Every table of the notebook's ``text/html`` outputs, parsed."""
    tables = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            markup = text_of(output.get("data", {}).get("text/html"))
            if markup:
                tables += BeautifulSoup(markup, "html.parser").find_all("table")
    return tables


def opening_heading(nb: dict) -> str | None:
    """The heading the notebook's first non-empty cell opens with (ATX or setext), as
    plain text, or None."""
    for cell in nb["cells"]:
        source = text_of(cell.get("source"))
        if not source.strip():
            continue
        if cell["cell_type"] != "markdown":
            return None
        lines = source.strip("\n").splitlines()
        m = re.match(r" {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", lines[0])
        if m:
            heading = m.group(1)
        elif len(lines) > 1 and lines[0].strip() and re.fullmatch(r" {0,3}(=+|-+)\s*",
                                                                   lines[1]):
            heading = lines[0]
        else:
            return None
        return squash(re.sub(r"[*_`]", "", heading))
    return None


def expected_title(path: Path) -> str:
    nb = load(path)
    title = nb.get("metadata", {}).get("title")
    if isinstance(title, str) and title.strip():
        return squash(title)
    return opening_heading(nb) or path.stem


def test_the_corpus_has_what_the_issue_asks_for():
    """Between them the notebooks hold a table of 10 to 20 columns, matrices in markdown
    maths, an ANSI-coloured traceback, and a notebook that opens with no heading."""
    notebooks = {p.name: load(p) for p in NOTEBOOKS}

    def columns(table):
        return max(sum(int(c.get("colspan", 1)) for c in tr.find_all(["th", "td"]))
                   for tr in table.find_all("tr"))

    assert any(10 <= columns(t) <= 20 for nb in notebooks.values() for t in html_tables(nb))
    assert any(re.search(r"\\begin\{[bpvBV]matrix\}", text_of(c["source"]))
               for nb in notebooks.values() for c in nb["cells"] if c["cell_type"] == "markdown")
    assert any("\x1b[" in "\n".join(o.get("traceback", []))
               for nb in notebooks.values() for c in nb["cells"] for o in c.get("outputs", [])
               if o["output_type"] == "error")
    assert any(opening_heading(nb) is None for nb in notebooks.values())
    assert any(opening_heading(nb) for nb in notebooks.values())


# --- 5. every conversion succeeds and drops nothing --------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "bilateral_html", "bilateral_pdf"])
def test_every_conversion_exits_0(converted, fmt):
    run = converted["runs"][fmt]
    assert run.returncode == 0, f"--to {fmt}: {run.stderr[-3000:]}"
    assert "Traceback" not in run.stderr, f"--to {fmt}: {run.stderr[-3000:]}"
    ext = ".pdf" if fmt == "bilateral_pdf" else ".html"
    for nb in NOTEBOOKS:
        assert (converted["root"] / fmt / (nb.stem + ext)).stat().st_size > 0, nb.name


MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|\\begin\{(\w+\*?)\}.*?\\end\{\1\}"
                  r"|\$[^$]+?\$", re.S)
"""A formula as stock nbconvert leaves it in the page for MathJax."""


def stock_fragments(nb_path: Path, stock_html: Path) -> list[str]:
    """What stock ``--to html`` shows of each cell's markdown, code and text outputs, as
    lines (split where maths was, which ours renders)."""
    nb = nbformat.read(str(nb_path), 4)
    cells = [c for c in nb.cells if c.cell_type in ("code", "markdown")]
    soup = soup_of(stock_html)
    for el in soup.find_all(["script", "style"]) + soup.select("a.anchor-link"):
        el.decompose()
    rendered = soup.select("div.jp-Cell")
    assert len(rendered) == len(cells), f"{nb_path.name}: cells do not pair up"
    fragments = []
    for div in rendered:
        for part in div.select(".jp-RenderedMarkdown, .jp-InputArea-editor, .jp-RenderedText"):
            fragments += [line for line in MATH.sub("\n", part.get_text("\n")).splitlines()
                          if no_space(line)]
    return fragments


@pytest.mark.slow
@by_name
def test_every_line_stock_html_shows_is_in_ours(converted, nb):
    """Every line of markdown, code and text output (tracebacks too) that stock ``--to
    html`` shows is in our HTML and on our PDF's pages (compared without white space,
    which wrapping moves)."""
    html = our_html_text(ours(converted, nb))
    pdf = no_space(pdf_body(our_pdf(converted, nb)))
    fragments = stock_fragments(nb, stock(converted, nb))
    assert len(fragments) > 20
    missing = [(fmt, f[:100]) for f in fragments for fmt, text in (("html", html), ("pdf", pdf))
               if no_space(f) not in text]
    assert not missing, f"{len(missing)} lines missing, e.g. {missing[:8]}"


# --- 1. table values whole ---------------------------------------------------------------------

def off_page(words) -> list[tuple[int, str]]:
    """Words that run into the side margins or off the page (3 pt of slack)."""
    return [(w[6] + 1, w[5]) for w in words
            if w[1] < SIDE_MARGIN - 3 or w[3] > w[0] - SIDE_MARGIN + 3]


@pytest.mark.slow
@by_name
def test_every_table_value_is_whole_in_the_pdf(converted, nb):
    """Every word of every cell and header of the notebook's HTML tables is a word of the
    PDF, at least as many times as the tables hold it: a value broken across lines (or
    hyphenated) is two other words. No word of the PDF leaves the page."""
    wanted = Counter(w for table in html_tables(load(nb)) for cell in table.find_all(["th", "td"])
                     for w in cell.get_text(" ").split())
    words = pdf_words(our_pdf(converted, nb))
    seen = Counter(w[5] for w in words)
    short = {w: (n, seen[w]) for w, n in wanted.items() if seen[w] < n}
    assert not short, f"{len(short)} table words broken or missing (word: (in tables, in " \
                      f"PDF)), e.g. {dict(list(short.items())[:12])}"
    assert not off_page(words), off_page(words)[:10]


# --- 2. maths rendered, or shown as TeX with a warning -----------------------------------------

def stock_formulas(stock_html: Path) -> list[str]:
    """Every formula of the markdown cells, as stock nbconvert leaves it for MathJax (code
    and preformatted blocks aside), without its delimiters, white space squashed."""
    soup = soup_of(stock_html)
    found = []
    for part in soup.select(".jp-RenderedMarkdown"):
        for el in part.find_all(["code", "pre"]):
            el.decompose()
        for m in MATH.finditer(part.get_text("")):
            tex = m.group(0)
            for left, right in (("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)")):
                if tex.startswith(left) and tex.endswith(right) and len(tex) > 2 * len(left):
                    tex = tex[len(left):-len(right)]
                    break
            found.append(squash(tex))
    return found


SCRIPT_CHILDREN = {"msup": 2, "msub": 2, "mfrac": 2, "mroot": 2, "mover": 2, "munder": 2,
                   "msubsup": 3, "munderover": 3}


def wrongly_drawn(math) -> list[str]:
    """What is wrong in a ``<math>`` element: a script or fraction without its number of
    parts, an error element, a TeX command left as text."""
    wrong = [f"<{el.name}> of {len(el.find_all(True, recursive=False))} parts"
             for el in math.find_all(list(SCRIPT_CHILDREN))
             if len(el.find_all(True, recursive=False)) != SCRIPT_CHILDREN[el.name]]
    wrong += ["<merror>" for _ in math.find_all("merror")]
    wrong += [f"{el.get_text()!r} as text" for el in math.find_all(["mi", "mo", "mtext"])
              if re.match(r"\\[A-Za-z]", el.get_text())]
    return wrong


def figure_alts(pdf: Path) -> list[str]:
    """The alternative text of every figure of the PDF's structure tree."""
    import pikepdf

    with pikepdf.open(pdf) as doc:
        alts = [squash(str(e.Alt)) for e in structure_elements(doc)
                if str(e.S) == "/Figure" and "/Alt" in e]
    return alts


@pytest.mark.slow
@by_name
def test_maths_is_rendered_or_shown_as_tex_with_a_warning(converted, nb):
    """Each formula stock nbconvert leaves for MathJax is, in our HTML, MathML whose
    ``alttext`` is the formula, well formed, or its TeX with the warning; in our PDF, a
    figure whose alternative text is the formula, or its TeX with the warning."""
    formulas = stock_formulas(stock(converted, nb))
    soup = soup_of(ours(converted, nb))
    maths = soup.find_all("math")
    rendered = Counter(squash(m.get("alttext", "")) for m in maths)
    shown = Counter()
    for el in soup.select(".math-unrendered"):
        assert UNRENDERED in el.get_text(), el
        shown[squash(el.code.get_text()).strip("$").strip()] += 1
    drawn = Counter(figure_alts(our_pdf(converted, nb)))
    text = no_space(pdf_text(our_pdf(converted, nb)))
    problems, warned_in_pdf = [], 0
    for tex in formulas:
        if rendered[tex]:
            rendered[tex] -= 1
        elif shown[tex]:
            shown[tex] -= 1
        else:
            problems.append(("html", tex[:80]))
        if drawn[tex]:
            drawn[tex] -= 1
        elif no_space(tex) in text:
            warned_in_pdf += 1
        else:
            problems.append(("pdf", tex[:80]))
    assert not problems, f"{len(problems)} formulas neither rendered nor shown: {problems[:8]}"
    assert text.count(no_space(UNRENDERED)) >= warned_in_pdf
    wrong = {squash(m.get("alttext", ""))[:80]: wrongly_drawn(m) for m in maths
             if wrongly_drawn(m)}
    assert not wrong, wrong


# --- 3. ANSI colours ---------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[([\d;]*)m")
NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def coloured_spans(text: str) -> list[tuple[str, str]]:
    """Each run of ``text`` an ANSI code gives one of the eight foreground colours (or
    their bright forms), as (the run's text, squashed; the colour's name)."""
    out, fg, inverse, pos = [], None, False, 0
    for m in [*ANSI.finditer(text), None]:
        run = text[pos:m.start() if m else len(text)]
        if fg and not inverse and run.strip():
            out.append((squash(run), fg))
        if m is None:
            break
        pos = m.end()
        codes = [int(c) if c else 0 for c in m.group(1).split(";")]
        while codes:
            c = codes.pop(0)
            if c == 0:
                fg, inverse = None, False
            elif c == 39:
                fg = None
            elif 30 <= c <= 37 or 90 <= c <= 97:
                fg = NAMES[c % 10]
            elif c == 7:
                inverse = True
            elif c == 27:
                inverse = False
            elif c == 38 and codes[:1] == [5] and len(codes) >= 2:
                # The first 16 of the 256 colours are the named ones; the others (and
                # 24-bit colours) are given as RGB, which nbconvert writes as a style.
                fg = NAMES[codes[1] % 8] if codes[1] < 16 else None
                del codes[:2]
            elif c == 38 and codes[:1] == [2]:
                fg = None
                del codes[:4]
    return out


def notebook_colours(nb: dict) -> list[tuple[str, str]]:
    spans = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                spans += coloured_spans("\n".join(output.get("traceback", [])))
            elif output["output_type"] == "stream":
                spans += coloured_spans(text_of(output.get("text")))
    return spans


def stock_colours() -> dict[str, str]:
    """Stock nbconvert's colour of each ``ansi-*-fg`` class, from its classic template's
    CSS."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbconvert", "templates"):
        css = Path(folder, "classic", "static", "style.css")
        if css.is_file():
            return dict(re.findall(r"\.(ansi-[a-z-]+-fg)\s*\{\s*color:\s*(#[0-9A-Fa-f]{6});",
                                   css.read_text(encoding="utf-8")))
    pytest.fail("nbconvert's classic template CSS is not installed")


def hue(colour: str) -> float | None:
    """The colour's hue in degrees, None for a grey."""
    r, g, b = rgb(colour)
    if max(r, g, b) - min(r, g, b) < 40 / 255:
        return None
    return colorsys.rgb_to_hls(r, g, b)[0] * 360


def rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def painted_words(pdf: Path) -> Counter:
    """Every word of the PDF's text with the fill colour it is painted in (rounded)."""
    from pypdf import PdfReader

    found, fill = Counter(), {}

    def before(op, args, cm, tm):
        if op in (b"rg", b"sc", b"scn") and len(args) == 3:
            fill["now"] = tuple(round(float(a), 2) for a in args)
        elif op == b"g" and len(args) == 1:
            fill["now"] = (round(float(args[0]), 2),) * 3

    def text(t, cm, tm, font, size):
        for word in t.split():
            found[word, fill.get("now")] += 1

    for page in PdfReader(pdf).pages:
        fill.clear()
        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found


@pytest.mark.slow
@by_name
def test_ansi_colours_are_kept_in_both_formats(converted, nb):
    """Each run of text an ANSI code colours is, in our HTML, a span of nbconvert's
    ``ansi-<colour>-fg`` class (or its intense form) that our CSS colours in the hue stock
    nbconvert gives it; and each of its words is painted on the PDF's page in that
    colour."""
    spans = notebook_colours(load(nb))
    soup = soup_of(ours(converted, nb))
    css = dict(re.findall(r"^\.(ansi-[a-z-]+-fg)\s*\{\s*color:\s*(#[0-9A-Fa-f]{6});",
                          soup.style.string, re.M))
    found = Counter()
    for el in soup.select("span[class*=ansi-]"):
        for cls in el.get("class", []):
            m = re.fullmatch(r"ansi-([a-z]+)(-intense)?-fg", cls)
            if m:
                found[squash(el.get_text()), m.group(1)] += 1
    missing = Counter(spans) - found
    assert not missing, f"coloured runs not coloured in our HTML: {list(missing.items())[:8]}"
    stock_css = stock_colours()
    for name in {n for _, n in spans}:
        for cls in (f"ansi-{name}-fg", f"ansi-{name}-intense-fg"):
            assert cls in css, f"no colour for .{cls}"
            if hue(stock_css[cls]) is not None:
                off = abs(hue(css[cls]) - hue(stock_css[cls]))
                assert min(off, 360 - off) < 20, (cls, css[cls], stock_css[cls])
    painted = painted_words(our_pdf(converted, nb))
    unpainted = []
    for (word, name), n in Counter((w, name) for run, name in spans for w in run.split()).items():
        colours = {tuple(round(v, 2) for v in rgb(css[f"ansi-{name}{k}-fg"]))
                   for k in ("", "-intense")}
        if sum(painted[word, c] for c in colours) < n:
            unpainted.append((word, name, n))
    assert not unpainted, f"words not painted in their colour in the PDF: {unpainted[:8]}"


# --- 4. the title ------------------------------------------------------------------------------

@pytest.mark.slow
@by_name
def test_title_is_metadata_else_an_opening_heading_else_the_file_name(converted, nb):
    from pypdf import PdfReader

    title = expected_title(nb)
    soup = soup_of(ours(converted, nb))
    assert squash(soup.title.get_text()) == title
    assert squash(soup.select_one(".running-header").get_text()) == title
    pdf = our_pdf(converted, nb)
    assert PdfReader(pdf).metadata.get("/Title") == title
    tops: dict[int, list[str]] = {}
    for w in pdf_words(pdf):
        if w[4] < HEADER_BOTTOM:
            tops.setdefault(w[6], []).append(w[5])
    assert len(tops) == len(PdfReader(pdf).pages)
    assert {" ".join(words) for words in tops.values()} == {title}


@pytest.mark.slow
@by_name
def test_every_pdf_passes_an_independent_validator(converted, nb):
    """page-validation finds each real notebook's PDF conformant to PDF/A-3a and PDF/UA-1
    (it found badge links around images in ch. 2's first cell, and an empty DataFrame's
    table, tagged wrong)."""
    import page

    failing = {profile: sorted({f"{f.rule_id}: {f.message}"
                                for f in page.validate_pdf(our_pdf(converted, nb),
                                                           profile=profile).failures})
               for profile in ("3a", "ua1")}
    assert failing == {"3a": [], "ua1": []}
