"""The exporters on notebooks like the tutorials people convert (``real_notebooks.py``):
tables of 2 to 40 columns whose values stay whole, maths that renders or says so, ANSI
colours, the title a reader expects, prose around inline code, the exporters' labels.

Each check is worked out from the notebook's own content (pandas' HTML of each frame, the
TeX of each formula, the colours of stock nbconvert's CSS), not from the exporters' code.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_markdown_cell, new_notebook

from bilateral.export.html import ReportHTMLExporter
from bilateral.export.pdf import WeasyPDFExporter
from tests.export.real_notebooks import (
    KERNEL,
    bold_opening_notebook,
    code,
    linear_algebra_notebook,
    table_output,
    titanic_frame,
    titanic_notebook,
    traceback_notebook,
)
from tests.support import pdf_words

SIDE_MARGIN = 18 / 25.4 * 72  # the CSS @page margin, 18 mm, in points


def to_html(nb, name="nb", **settings) -> str:
    html, _ = ReportHTMLExporter(**settings).from_notebook_node(
        nb, {"metadata": {"name": name, "path": ""}})
    return html


def to_pdf(nb, out: Path, name="nb", **settings) -> Path:
    pdf, _ = WeasyPDFExporter(**settings).from_notebook_node(
        nb, {"metadata": {"name": name, "path": ""}})
    out.write_bytes(pdf)
    return out


def cell_tokens(frame) -> list[str]:
    """The words of every cell and header of ``frame`` as pandas writes its HTML."""
    soup = BeautifulSoup(frame._repr_html_(), "html.parser")
    return [w for cell in soup.find_all(["td", "th"]) for w in cell.get_text(" ").split()]


def off_page(words) -> list[str]:
    return [w[5] for w in words if w[1] < SIDE_MARGIN - 3 or w[3] > w[0] - SIDE_MARGIN + 3]


# --- 1. tables: no value broken ----------------------------------------------------------------

KINDS = ("int", "float", "word", "name", "flag", "ident", "big")


def sweep_frame(columns: int, rows: int = 3):
    """A frame of ``columns`` columns mixing short and long values and headers; every value
    unique in the notebook, so that a broken one cannot be found whole elsewhere."""
    import pandas as pd

    rnd = random.Random(columns)
    data = {}
    for k in range(columns):
        kind = KINDS[(k + columns) % len(KINDS)]
        head = f"{kind}_{columns}_{k}" + ("_measured_value" if k % 3 == 0 else "")
        values = []
        for r in range(rows):
            u = columns * 1000 + k * 10 + r
            values.append({
                "int": u, "float": u + 0.1234, "word": f"female{u}",
                "name": f"{rnd.choice(['Braund', 'Heikkinen'])}{u}, Mr. Owen Harris",
                "flag": f"T{u}", "ident": f"id_{u}_" + "x" * (k % 9),
                "big": u * 1234567.891}[kind])
        data[head] = values
    return pd.DataFrame(data)


WIDTHS = range(2, 41)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    frames = {n: sweep_frame(n) for n in WIDTHS}
    nb = new_notebook(metadata=dict(KERNEL), cells=[
        code(f"frame({n})", table_output(f), count=i + 1)
        for i, (n, f) in enumerate(frames.items())])
    pdf = to_pdf(nb, tmp_path_factory.mktemp("sweep") / "sweep.pdf")
    return frames, pdf_words(pdf)


@pytest.mark.slow
def test_every_table_value_is_whole_at_every_width(sweep):
    """Frames of 2 to 40 columns: every word of every cell and header is one word of the
    PDF, whole, and no word leaves the page."""
    frames, words = sweep
    seen = {w[5] for w in words}
    broken = [(n, t) for n, f in frames.items() for t in cell_tokens(f) if t not in seen]
    assert not broken, f"{len(broken)} values broken, e.g. {broken[:10]}"
    assert not off_page(words), off_page(words)[:10]


@pytest.mark.slow
def test_wide_tables_are_split_into_numbered_column_blocks(sweep):
    """A frame too wide for the page comes in blocks headed "Columns a–b of n" (or "Column
    a of n" for one) that cover its columns once, in order; the widest ones need several."""
    frames, words = sweep
    text = " ".join(w[5] for w in words)
    notes = re.findall(r"Columns? (\d+)(?:–(\d+))? of (\d+)", text)
    by_table: dict[int, list[tuple[int, int]]] = {}
    for a, b, n in notes:  # "Column 12 of 12": one column, b empty
        by_table.setdefault(int(n), []).append((int(a), int(b or a)))
    assert max(by_table) == 40 and len(by_table[40]) >= 3, by_table.get(40)
    for n, blocks in by_table.items():
        covered = [c for a, b in blocks for c in range(a, b + 1)]
        assert covered == list(range(1, n + 1)), (n, blocks)
    assert 2 not in by_table, "a two-column frame was split"


def test_titanic_frame_on_paper(tmp_path):
    """The tutorial's 16-column passenger frame: every value whole, the passengers' index
    repeated in each block of columns."""
    frame = titanic_frame()
    words = pdf_words(to_pdf(titanic_notebook(), tmp_path / "t.pdf"))
    seen = [w[5] for w in words]
    missing = [t for t in cell_tokens(frame) if t not in seen]
    assert not missing, missing[:10]
    blocks = len(re.findall(r"Columns?\b", " ".join(seen)))
    assert blocks >= 2
    assert not off_page(words)
    # Each "Columns a–b of n" note stands on the page of its table, never alone at a foot.
    footers = {(w[6], w[2]) for w in words if w[5] == "Page"}
    for note in (w for w in words if w[5] in ("Columns", "Column")):
        below = [w for w in words if w[6] == note[6] and w[2] > note[4]
                 and (w[6], w[2]) not in footers and abs(w[2] - note[4]) < 40]
        assert below, f"the note on page {note[6] + 1} is the last thing on its page"


# --- 2. maths: rendered, or shown as TeX with a warning ----------------------------------------

SCRIPT_CHILDREN = {"msup": 2, "msub": 2, "mfrac": 2, "mroot": 2, "mover": 2, "munder": 2,
                   "msubsup": 3, "munderover": 3}
UNRENDERABLE = [r"\ce{H2O + CO2}", r"\begin{foo} a & b \end{foo}"]


def maths_html(nb, exporter_cls=ReportHTMLExporter) -> str:
    exporter = exporter_cls()
    html, _ = ReportHTMLExporter.from_notebook_node(exporter, nb, {"metadata": {"name": "m"}})
    return html


def test_matrices_and_common_maths_render_as_well_formed_mathml(caplog):
    from tests.export.real_notebooks import MATHS

    html = maths_html(linear_algebra_notebook())
    soup = BeautifulSoup(html, "html.parser")
    alts = [" ".join(m.get("alttext", "").split()) for m in soup.find_all("math")]
    for tex in MATHS:
        assert " ".join(tex.split()) in alts, tex
    assert not soup.select(".math-unrendered, code.math-source")
    for el in soup.find_all(list(SCRIPT_CHILDREN)):
        assert len(el.find_all(True, recursive=False)) == SCRIPT_CHILDREN[el.name], el
    # A^T = [..]^T: the second superscript's base is the whole bracketed matrix.
    matrix = soup.find("math", alttext=lambda a: a and a.startswith("A^T"))
    sups = matrix.find_all("msup")
    assert len(sups) == 2
    base, script = sups[1].find_all(True, recursive=False)
    assert script.get_text() == "T" and base.find("mtable") is not None
    fences = base.find_all("mo")
    assert (fences[0].get_text(), fences[-1].get_text()) == ("[", "]")
    # sympy's text/latex output of a matrix
    assert any("\\left[\\begin{matrix}1 & 3" in a for a in alts)


def test_matrices_and_common_maths_are_drawn_in_the_pdf(tmp_path):
    from tests.export.real_notebooks import MATHS

    html = maths_html(linear_algebra_notebook(), WeasyPDFExporter)
    soup = BeautifulSoup(html, "html.parser")
    drawn = [" ".join(i["alt"].split()) for i in soup.select("img.math-svg")]
    for tex in MATHS:
        assert " ".join(tex.split()) in drawn, tex
    assert not soup.select(".math-unrendered, code.math-source")
    text = " ".join(w[5] for w in pdf_words(to_pdf(linear_algebra_notebook(),
                                                   tmp_path / "m.pdf")))
    assert "bmatrix" not in text and "formula" not in text


@pytest.mark.parametrize("exporter_cls", [ReportHTMLExporter, WeasyPDFExporter])
def test_maths_that_cannot_render_is_shown_as_tex_with_a_warning(exporter_cls):
    nb = new_notebook(metadata=dict(KERNEL), cells=[new_markdown_cell(
        f"Water: ${UNRENDERABLE[0]}$ and $${UNRENDERABLE[1]}$$ but $x^2$ is fine.")])
    soup = BeautifulSoup(maths_html(nb, exporter_cls), "html.parser")
    failed = soup.select(".math-unrendered")
    assert [squash(f.code.get_text()) for f in failed] == [
        f"${UNRENDERABLE[0]}$", f"$${UNRENDERABLE[1]}$$"]
    assert all("formula not rendered" in f.get_text() for f in failed)
    assert len(soup.find_all("math") or soup.select("img.math-svg")) == 1


def test_the_warning_is_on_the_pdf_page(tmp_path):
    nb = new_notebook(metadata=dict(KERNEL), cells=[new_markdown_cell(
        f"Water: ${UNRENDERABLE[0]}$ here.")])
    text = squash(" ".join(w[5] for w in pdf_words(to_pdf(nb, tmp_path / "w.pdf"))))
    assert "\\ce{H2O" in text and "[formula not rendered: shown as TeX]" in text


def test_malformed_mathml_is_refused():
    import xml.etree.ElementTree as ET

    from bilateral.export.maths import well_formed

    four = "<math><msup><mo>[</mo><mtable/><mo>]</mo><mi>T</mi></msup></math>"
    assert not well_formed(ET.fromstring(four))
    assert not well_formed(ET.fromstring("<math><mfrac><mn>1</mn></mfrac></math>"))
    assert not well_formed(ET.fromstring("<math><mtable><mi>x</mi></mtable></math>"))
    assert well_formed(ET.fromstring("<math><msup><mrow><mo>[</mo><mtable/><mo>]</mo></mrow>"
                                     "<mi>T</mi></msup></math>"))


def squash(text: str) -> str:
    return " ".join(text.split())


# --- 3. ANSI colours ---------------------------------------------------------------------------

CODE_BACKGROUNDS = ("#ffffff", "#f4f6f8", "#fff5e6", "#fdeeea")
"""The page, and the tints of code, stderr and errors (report.css, notebook.css)."""


def stock_ansi_rules() -> dict[str, str]:
    """Stock nbconvert's colour of each ``ansi-*`` class, from its installed classic CSS."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbconvert", "templates"):
        css = Path(folder, "classic", "static", "style.css")
        if css.is_file():
            return dict(re.findall(r"\.(ansi-[a-z-]+-(?:fg|bg))\s*\{\s*(?:background-)?color:"
                                   r"\s*(#[0-9A-Fa-f]{6});", css.read_text(encoding="utf-8")))
    pytest.fail("nbconvert's classic template CSS is not installed")


def luminance(colour: str) -> float:
    def channel(c):
        c = int(colour[c:c + 2], 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def hue(colour: str) -> float:
    import colorsys

    return colorsys.rgb_to_hls(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0] * 360


def test_ansi_classes_are_coloured_as_stock_nbconvert_and_readable():
    stock = stock_ansi_rules()
    assert len(stock) >= 32, stock  # 8 colours, intense or not, foreground or background
    html = to_html(traceback_notebook())
    style = BeautifulSoup(html, "html.parser").style.string
    ours = dict(re.findall(r"^\.(ansi-[a-z-]+-(?:fg|bg))\s*\{\s*(?:background-)?color:\s*"
                           r"(#[0-9A-Fa-f]{6});", style, re.M))
    for cls, colour in stock.items():
        assert cls in ours, f"no rule for .{cls}"
        if cls.endswith("-bg") or "inverse" in cls:  # inverse: white on black, as stock
            assert ours[cls].lower() == colour.lower(), cls
            continue
        grey = max(abs(int(colour[i:i + 2], 16) - int(colour[1:3], 16)) for i in (3, 5)) < 40
        assert grey or min(abs(hue(ours[cls]) - hue(colour)), 360 - abs(
            hue(ours[cls]) - hue(colour))) < 20, (cls, ours[cls], colour)
        for background in CODE_BACKGROUNDS:
            assert contrast(ours[cls], background) >= 4.5, (cls, ours[cls], background)
    assert re.search(r"\.ansi-bold\s*\{\s*font-weight:\s*bold", style)
    assert re.search(r"\.ansi-underline\s*\{\s*text-decoration:\s*underline", style)
    soup = BeautifulSoup(html, "html.parser")
    names = [s.get_text() for s in soup.select(".output_error span.ansi-red-fg")]
    assert names.count("KeyError") == 2, names


def fill_colours(pdf: Path) -> set[tuple[float, float, float]]:
    from pypdf import PdfReader

    found = set()
    for page in PdfReader(pdf).pages:
        data = page.get_contents().get_data().decode("latin-1")
        found |= {tuple(round(float(v), 2) for v in m) for m in re.findall(
            r"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|sc|scn)\b", data)}
    return found


def rgb(colour: str) -> tuple[float, float, float]:
    return tuple(round(int(colour[i:i + 2], 16) / 255, 2) for i in (1, 3, 5))


def test_ansi_colours_on_the_pdf_page_and_no_red_boxes(tmp_path):
    """The traceback's red error names and the log's green marker are painted in the PDF in
    the colours the HTML's CSS gives them; pygments' red box (#FF0000) around the lexer's
    error tokens (``!pip``, ``df?``) is not."""
    html = to_html(traceback_notebook())
    style = BeautifulSoup(html, "html.parser").style.string
    red = re.search(r"^\.ansi-red-fg \{ color: (#\w{6})", style, re.M).group(1)
    green = re.search(r"^\.ansi-green-fg \{ color: (#\w{6})", style, re.M).group(1)
    colours = fill_colours(to_pdf(traceback_notebook(), tmp_path / "t.pdf"))
    assert rgb(red) in colours and rgb(green) in colours, colours
    assert (1.0, 0.0, 0.0) not in colours


# --- 4. the title ------------------------------------------------------------------------------

@pytest.mark.parametrize("cells, title", [
    (["**Homework 3: regression** — due Friday.", "## Setup\n\nRun this first."], "homework"),
    (["# Titanic: who survived?\n\nA first look."], "Titanic: who survived?"),
    (["\n\nTrade flows\n===========\n\ntext"], "Trade flows"),
    (["<!-- draft -->\n<h2>From <em>HTML</em></h2>"], "From HTML"),
    (["Some text first.\n\n# A heading later"], "homework"),
    (["```\n# a comment in a fence\n```"], "homework"),
    (["", "## Opens the notebook (the first cell is empty)"],
     "Opens the notebook (the first cell is empty)"),
])
def test_title_is_metadata_else_a_leading_heading_else_the_file_name(cells, title):
    from bilateral.export.title import document_title

    nb = new_notebook(metadata=dict(KERNEL), cells=[new_markdown_cell(c) for c in cells])
    assert document_title(nb, "homework") == title
    nb.metadata["title"] = "From the metadata"
    assert document_title(nb, "homework") == "From the metadata"


def test_a_notebook_opening_with_code_is_titled_by_its_file_name():
    from bilateral.export.title import document_title

    nb = new_notebook(metadata=dict(KERNEL), cells=[code("import numpy as np"),
                                                   new_markdown_cell("# Results")])
    assert document_title(nb, "analysis") == "analysis"


def test_bold_opening_notebook_title_in_both_formats(tmp_path):
    from pypdf import PdfReader

    html = to_html(bold_opening_notebook(), name="homework3")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.string == "homework3"
    assert soup.select_one(".running-header").string == "homework3"
    pdf = to_pdf(bold_opening_notebook(), tmp_path / "h.pdf", name="homework3")
    assert PdfReader(pdf).metadata.get("/Title") == "homework3"
    first_page = [w[5] for w in pdf_words(pdf) if w[2] < 60]  # the running header
    assert "homework3" in first_page and "Setup" not in first_page


# --- 5. prose around inline code ---------------------------------------------------------------

PROSE = "the of data frame we load column rows value model fit first next mean sum".split()
CODES = ["x", "df", "df.head()", "pd.read_csv", "np.linalg.inv(A)", "axis=1",
         'df.groupby("sex")["survived"].mean()', "sklearn.model_selection.train_test_split",
         "tempor_incididunt_ut_labore", "/home/analyst/projects/titanic_raw_train_2024.csv"]


def lines_of(words):
    """Words grouped into lines by their vertical middle (code and prose differ in size)."""
    lines: list[list] = []
    for w in sorted(words, key=lambda w: (w[6], round(w[2] + w[4]), w[1])):
        middle = (w[2] + w[4]) / 2
        if lines and lines[-1][0][6] == w[6] \
                and abs((lines[-1][0][2] + lines[-1][0][4]) / 2 - middle) < 4:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w[1]) for line in lines]


def test_prose_fills_its_lines_around_inline_code(tmp_path):
    """Paragraphs mixing words and inline code, short and long: no line but a paragraph's
    last ends more than a third empty, every piece of code is on the page, and none leaves
    it."""
    rnd = random.Random(11)
    paragraphs = []
    for _ in range(6):
        words = [f"`{rnd.choice(CODES)}`" if rnd.random() < 0.3 else rnd.choice(PROSE)
                 for _ in range(70)]
        paragraphs.append(" ".join(words) + f" end{len(paragraphs)}.")
    for lead in range(4, 20):  # long code at every place of the line
        for c in CODES[-3:]:
            paragraphs.append(" ".join(rnd.choice(PROSE) for _ in range(lead))
                              + f" `{c}` " + " ".join(PROSE) + f" end{len(paragraphs)}.")
    nb = new_notebook(metadata=dict(KERNEL), cells=[new_markdown_cell("\n\n".join(paragraphs))])
    words = pdf_words(to_pdf(nb, tmp_path / "p.pdf"))
    body = [w for w in words if w[2] > 60 and w[4] < 800]  # not the header or the page number
    width = words[0][0] - 2 * SIDE_MARGIN
    early = []
    for line in lines_of(body):
        if re.fullmatch(r"end\d+\.", line[-1][5]):
            continue  # a paragraph's last line
        gap = words[0][0] - SIDE_MARGIN - line[-1][3]
        if gap > width / 3:
            early.append((round(gap), " ".join(w[5] for w in line[-3:])))
    assert not early, early
    text = "".join(w[5] for w in body)
    for c in CODES:
        assert c.replace(" ", "") in text, c
    assert not off_page(words)


def test_text_that_fills_a_line_before_inline_code_is_not_cut_after_its_first_word(tmp_path):
    """WeasyPrint counts the space before the code in the text's width: text that fits the
    line exactly was found one space too wide and broken after its first word
    (``weasy._full_lines`` mends it). Here the words before the code fill the first line
    to within a space, and the first line holds them all."""
    md = ("mean first column rows load sum column model the first column model first load "
          "next next frame `/home/analyst/projects/titanic_raw_train_2024.csv` the of data "
          "frame we load column rows value model fit first next mean sum end.")
    nb = new_notebook(metadata=dict(KERNEL), cells=[new_markdown_cell(md)])
    words = [w for w in pdf_words(to_pdf(nb, tmp_path / "p.pdf")) if 60 < w[2] < 800]
    first = [w[5] for w in lines_of(words)[0]]
    assert first[:16] == md.split()[:16], first


# --- 7. the exporters' labels ------------------------------------------------------------------

def test_the_exporters_carry_readable_labels():
    """What nbconvert's entry points give for ``--to bilateral_html`` and ``bilateral_pdf``
    carries the label a menu shows (``export_from_notebook``)."""
    from nbconvert.exporters.base import get_exporter

    assert get_exporter("bilateral_html").export_from_notebook == "Bilateral report — HTML"
    assert get_exporter("bilateral_pdf").export_from_notebook == "Bilateral report — PDF"
    assert ReportHTMLExporter().export_from_notebook == "Bilateral report — HTML"
    assert WeasyPDFExporter().export_from_notebook == "Bilateral report — PDF"


def test_maths_inside_text_inside_maths_renders():
    """TeX allows ``\\text{for $|q|<1$}`` (maths in text in maths; the notebook docs'
    "Typesetting Equations" has it); it renders as the text, then the maths, in both
    formats, with no fallback warning."""
    from bilateral.export import maths

    markup = maths._mathml(r"\frac{1}{1-q} \quad \text{for $|q|<1$}.", True)
    root = BeautifulSoup(markup, "html.parser")
    assert [t.get_text() for t in root.find_all("mtext")] == ["for\xa0"]  # space kept
    assert [t.get_text() for t in root.find_all("mi")] == ["q", "q"]
    assert "<" in [t.get_text() for t in root.find_all("mo")]
    assert maths.svg(r"\text{if $x > 0$, else}", False) is not None
    # two formulas in one text; escaped dollars stay text (a price, not maths)
    two = BeautifulSoup(maths._mathml(r"\text{if $x$ and $y$}", False), "html.parser")
    assert [t.get_text() for t in two.find_all("mi")] == ["x", "y"]
    assert [t.get_text().strip("\xa0 ") for t in two.find_all("mtext")] == ["if", "and"]
    price = BeautifulSoup(maths._mathml(r"\text{costs \$5 or \$6}", False), "html.parser")
    assert not price.find_all("mi")
    assert "5 or" in price.find("mtext").get_text().replace("\xa0", " ")
    nb = new_notebook(cells=[new_markdown_cell(
        "$$\\sum_{n=0}^\\infty q^n = \\frac{1}{1-q} \\quad \\text{for $|q|<1$}.$$")],
        metadata=KERNEL)
    html = to_html(nb)
    assert "could not be rendered" not in html and "<math" in html


def test_a_block_of_one_column_says_column(tmp_path):
    """A split that leaves one column for a block heads it "Column n of N", never
    "Columns n–n of N". Frames of 8 to 30 equal columns: blocks hold the same number of
    columns k, so the frames of N = jk + 1 columns end with a block of one."""
    import pandas as pd

    cells = []
    for n in range(8, 31):
        frame = pd.DataFrame({f"long_column_name_{i:02d}": [f"value-{i:02d}-xxxxxxxx"] * 2
                              for i in range(n)})
        cells.append(code("frame", table_output(frame)))
    words = " ".join(w[5] for w in pdf_words(to_pdf(new_notebook(cells=cells, metadata=KERNEL),
                                                    tmp_path / "one.pdf")))
    assert not re.search(r"Columns (\d+)–\1 of", words), "a one-column block called Columns"
    singles = re.findall(r"Column (\d+) of (\d+)", words)
    assert singles, "no frame ended with a block of one column"
    assert all(a == n for a, n in singles)  # the last block of its frame


def test_headings_of_the_same_text_get_ids_of_their_own(tmp_path, caplog):
    """Three "## Display" sections and one titled "Display-2": every heading id is
    unique, each ¶ link points at its own heading, the first keeps the id a link in the
    notebook names, and the PDF has no anchor defined twice."""
    nb = new_notebook(cells=[new_markdown_cell(s) for s in (
        "# Notes", "## Display\n\none", "## Display-2\n\ntwo", "## Display\n\nthree",
        "## Display\n\nfour", "[the first](#Display)")], metadata=KERNEL)
    soup = BeautifulSoup(to_html(nb), "html.parser")
    heads = [(h.get_text().rstrip("¶"), h["id"], h.find("a", class_="anchor-link")["href"])
             for h in soup.find_all("h2")]
    assert heads == [("Display", "Display", "#Display"),
                     ("Display-2", "Display-2", "#Display-2"),
                     ("Display", "Display-3", "#Display-3"),
                     ("Display", "Display-4", "#Display-4")]
    assert soup.find("a", string="the first")["href"] == "#Display"
    with caplog.at_level("WARNING"):
        to_pdf(nb, tmp_path / "h.pdf")
    assert not [r for r in caplog.records if "defined twice" in r.getMessage()]
