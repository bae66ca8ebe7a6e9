"""``bilateral_html`` and ``bilateral_pdf`` on any notebook (issue 12).

The quick tests build notebooks in memory (``nbformat.v4.new_*``, no kernel) and convert
them in-process. The corpus test converts notebooks nobody here wrote — nbconvert's own
test notebooks (from its source distribution, fetched with pip) and papermill's — and an
analyst's notebook executed here, with stock ``jupyter nbconvert --to html`` and with both
exporters, one process each, and compares what they show.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
from html import unescape
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)

from bilateral.export.html import ReportHTMLExporter
from bilateral.export.pdf import WeasyPDFExporter
from tests.export.analyst_notebook import (
    CHINESE,
    LONG_LINE,
    RUSSIAN,
    analyst_notebook,
    execute,
    png,
)
from tests.support import no_space, our_html_text

BIN = Path(sys.executable).parent
SIDE_MARGIN = 18 / 25.4 * 72  # the CSS @page margin, 18 mm, in points
PNG = png()
PASTED = png(30, 10, (230, 159, 0))


# --- helpers --------------------------------------------------------------------------------

def notebook(*cells, **metadata):
    return new_notebook(cells=list(cells), metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}, **metadata})


def code(source, *outputs, tags=(), **metadata):
    cell = new_code_cell(source, execution_count=1, metadata=dict(metadata))
    if tags:
        cell.metadata["tags"] = list(tags)
    cell.outputs = list(outputs)
    return cell


def stream(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def display(data, **metadata):
    return new_output("display_data", data=data, metadata=metadata)


def error(ename, evalue, *lines):
    return new_output("error", ename=ename, evalue=evalue, traceback=list(lines))


def to_html(nb, folder: Path | None = None, log=None, **settings) -> str:
    resources = {"metadata": {"name": "nb", "path": str(folder) if folder else ""}}
    if log is not None:
        settings["log"] = log
    html, _ = ReportHTMLExporter(**settings).from_notebook_node(nb, resources)
    return html


def to_pdf(nb, out: Path, folder: Path | None = None, **settings) -> Path:
    resources = {"metadata": {"name": "nb", "path": str(folder) if folder else ""}}
    pdf, _ = WeasyPDFExporter(**settings).from_notebook_node(nb, resources)
    out.write_bytes(pdf)
    return out


def visible(html: str) -> str:
    """The text a reader sees: no style, script or maths markup."""
    soup = BeautifulSoup(html, "html.parser")
    for el in soup.find_all(["style", "script", "math", "title"]):
        el.decompose()
    return soup.get_text("")


def squash(text: str) -> str:
    return " ".join(text.split())


def words(pdf: Path) -> list[tuple[float, list[tuple[float, float, float, float, str]]]]:
    """Per page, its width and every word's box (x0, y0, x1, y1, text), from pdftotext."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    pages = []
    for chunk in out.split("<page ")[1:]:
        width = float(re.match(r'width="([\d.]+)"', chunk).group(1))
        found = [(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in
                 re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" '
                            r'yMax="([-\d.]+)">([^<]*)<', chunk)]
        pages.append((width, found))
    return pages


def outside(pdf: Path) -> list[tuple[int, str]]:
    """Words that run into the side margins or off the page (3 pt of slack)."""
    return [(i, w[4]) for i, (width, ws) in enumerate(words(pdf), start=1) for w in ws
            if w[0] < SIDE_MARGIN - 3 or w[2] > width - SIDE_MARGIN + 3]


def pdf_body(pdf: Path) -> str:
    """The PDF's text in the order it was laid out (``pdftotext -raw``: a line of aligned
    columns stays one line), without each page's running header and page number."""
    from pypdf import PdfReader

    title = (PdfReader(pdf).metadata or {}).get("/Title", "")
    out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    pages = []
    for page in out.split("\f"):
        lines = page.rstrip("\n").split("\n")
        # The margin boxes come last on each page: the header (the title), then the number.
        if lines and re.fullmatch(r"Page \d+ of \d+", lines[-1].strip()):
            lines.pop()
        if lines and lines[-1].strip() == title:
            lines.pop()
        pages.append("\n".join(lines))
    return "\n".join(pages)


# --- modes ------------------------------------------------------------------------------------

CODE = "import sys\nprint('rows kept', 3)\nprint('3 rows dropped', file=sys.stderr)\n1 / 0"
OUTPUTS = (stream("rows kept 3\n"), stream("3 rows dropped\n", "stderr"),
           error("ZeroDivisionError", "division by zero",
                 "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"))


def test_generic_by_default_shows_code_streams_and_errors():
    html = to_html(notebook(new_markdown_cell("# Trial"), code(CODE, *OUTPUTS)))
    text = squash(visible(html))
    assert "print('rows kept', 3)" in text
    assert "rows kept 3" in text
    assert "3 rows dropped" in text
    assert "ZeroDivisionError: division by zero" in text
    assert "Built by bilateral" not in text, "the project's colophon on a foreign notebook"
    assert "<script" not in html.lower()
    style = BeautifulSoup(html, "html.parser").style.string
    assert ".output_stderr { display: block; }" in style


def test_report_mode_by_metadata_hides_code_and_stderr():
    nb = notebook(code(CODE, *OUTPUTS), bilateral={"subtitle": "s", "keywords": ["k"]},
                  title="A report")
    html = to_html(nb)
    text = squash(visible(html))
    assert "print('rows kept'" not in text
    assert "rows kept 3" in text
    assert "Built by bilateral" in text
    style = BeautifulSoup(html, "html.parser").style.string
    assert ".output_stderr { display: block; }" not in style
    assert ".output_stderr { display: none; }" in style


@pytest.mark.parametrize("settings, shown", [
    ({"mode": "report"}, False), ({"show_code": False}, False),
    ({"mode": "report", "show_code": True}, True), ({"exclude_input": True}, False)])
def test_mode_and_show_code_options(settings, shown):
    text = squash(visible(to_html(notebook(code(CODE, *OUTPUTS)), **settings)))
    assert ("print('rows kept', 3)" in text) is shown
    assert "rows kept 3" in text


def test_every_option_is_listed_by_help_all():
    """Every option of both exporters is a configurable traitlet with its help, listed by
    ``jupyter nbconvert --help-all``."""
    out = subprocess.run([str(BIN / "jupyter"), "nbconvert", "--help-all"], capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    for cls in (ReportHTMLExporter, WeasyPDFExporter):
        own = {name: trait for name, trait in cls.class_traits(config=True).items()
               if name in cls.__dict__}
        assert own, cls
        for name, trait in own.items():
            assert trait.help and len(trait.help) > 20, f"{cls.__name__}.{name} has no help"
            assert f"--{cls.__name__}.{name}=" in out.stdout, f"{cls.__name__}.{name} not listed"
    for name in ("mode", "show_code", "show_stderr", "render_math", "sanitize", "paper"):
        assert f"--ReportHTMLExporter.{name}=" in out.stdout
    for name in ("tagged", "split_wide_tables"):
        assert f"--WeasyPDFExporter.{name}=" in out.stdout


# --- hiding tags --------------------------------------------------------------------------

def tagged_notebook():
    return notebook(
        code("gone_cell = 1", stream("gone cell output\n"), tags=["remove-cell"]),
        code("gone_input = 2", stream("kept output of removed input\n"), tags=["remove-input"]),
        code("kept_input = 3", stream("gone output\n"), tags=["remove_output"]),
        code("folded_input = 4", stream("output of folded input\n"), tags=["hide-input"]),
        code("folded_by_lab = 5", stream("output of collapsed input\n"),
             jupyter={"source_hidden": True}),
        code("shown_input = 6", stream("folded output\n"), tags=["hide-output"]),
        new_markdown_cell("Removed text", metadata={"tags": ["remove-cell"]}))


def test_hiding_tags_in_html():
    html = to_html(tagged_notebook())
    text = squash(visible(html))
    for gone in ("gone_cell", "gone cell output", "gone_input", "gone output", "Removed text"):
        assert gone not in text
    for kept in ("kept output of removed input", "kept_input = 3", "output of folded input",
                 "shown_input = 6"):
        assert kept in text
    soup = BeautifulSoup(html, "html.parser")
    folded = [squash(d.get_text(" ")) for d in soup.select("details.bilateral-hidden")]
    assert any("folded_input = 4" in f for f in folded)
    assert any("folded_by_lab = 5" in f for f in folded)
    assert any("folded output" in f for f in folded)


def test_hiding_tags_in_pdf(tmp_path):
    text = no_space(pdf_body(to_pdf(tagged_notebook(), tmp_path / "t.pdf")))
    for gone in ("gone_cell", "gone_input", "folded_input", "folded_by_lab", "foldedoutput"):
        assert no_space(gone) not in text
    for kept in ("kept output of removed input", "kept_input = 3", "output of folded input",
                 "shown_input = 6"):
        assert no_space(kept) in text


# --- images --------------------------------------------------------------------------------

def image_notebook():
    md = new_markdown_cell(
        "![Our logo](logo.png) ![secret](../secret.png) ![Partner chart]"
        "(https://example.com/chart.png) ![pasted](attachment:pasted.png) "
        "![lost](attachment:lost.png)")
    md["attachments"] = {"pasted.png": {"image/png": base64.b64encode(PASTED).decode()}}
    return notebook(md, code("show()", display({
        "text/html": '<p>vendor <img src="https://example.com/v.png" alt="Vendor chart"></p>',
        "text/plain": "<HTML>"})))


@pytest.mark.parametrize("sanitize", [True, False])
def test_images_embedded_or_placeholders(tmp_path, caplog, sanitize):
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "logo.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(PNG + b"secret")
    log = logging.getLogger("bilateral-test-images")
    with caplog.at_level(logging.WARNING, logger=log.name):
        html = to_html(image_notebook(), folder, log=log, sanitize=sanitize)
    soup = BeautifulSoup(html, "html.parser")
    srcs = [img.get("src", "") for img in soup.find_all("img")]
    assert srcs and all(s.startswith("data:image/") for s in srcs), srcs
    assert base64.b64encode(PNG).decode() in html  # logo.png
    assert base64.b64encode(PASTED).decode() in html  # the attachment
    assert base64.b64encode(PNG + b"secret").decode() not in html
    holders = [squash(s.get_text(" ")) for s in soup.select("span.image-missing")]
    assert "[image not included: Partner chart] https://example.com/chart.png" in holders
    assert "[image not included: Vendor chart] https://example.com/v.png" in holders
    assert "[image not included: secret] ../secret.png" in holders
    assert "[image not included: lost] attachment:lost.png" in holders
    lines = [r.getMessage() for r in caplog.records if r.name == log.name]
    assert len(lines) == 1, lines
    assert "2 remote, not fetched: https://example.com/chart.png, https://example.com/v.png" \
        in lines[0]


@pytest.mark.parametrize("profile", ["3a", "ua1"])
def test_the_exporters_pdf_is_conformant(tmp_path, profile):
    """bilateral_pdf on a notebook with images, tables and hidden cells: page-validation
    (an independent PDF/A and PDF/UA checker) finds no failure."""
    import page

    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "logo.png").write_bytes(PNG)
    no_alt = new_notebook(cells=[new_markdown_cell(
        "# Images\n\n![](data:image/png;base64," + base64.b64encode(PNG).decode() + ")")])
    for nb, name in ((image_notebook(), "i.pdf"), (tagged_notebook(), "t.pdf"),
                     (no_alt, "n.pdf")):
        report = page.validate_pdf(to_pdf(nb, tmp_path / name, folder), profile=profile)
        assert report.is_compliant, [f"{f.rule_id}: {f.message}" for f in report.failures]


def test_an_image_without_alt_text_says_so():
    from bilateral.export.html import NO_ALT

    md = ("![](data:image/png;base64," + base64.b64encode(PNG).decode() + ") "
          "![a chart](data:image/png;base64," + base64.b64encode(PNG).decode() + ")")
    html = to_html(new_notebook(cells=[new_markdown_cell(md)]))
    assert re.findall(r'<img alt="([^"]*)"', html) == [NO_ALT, "a chart"]


def test_images_in_pdf(tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "logo.png").write_bytes(PNG)
    pdf = to_pdf(image_notebook(), tmp_path / "i.pdf", folder)
    assert pdf.read_bytes().count(b"/Subtype /Image") >= 2
    text = no_space(pdf_body(pdf))
    assert no_space("[image not included: Partner chart] https://example.com/chart.png") in text


# --- maths ---------------------------------------------------------------------------------

MATHS_MD = ("Inline $E = mc^2$ and display $$\\sigma^2 = \\frac{1}{n}\\sum_{i=1}^n x_i^2$$\n\n"
            "\\begin{align}\na &= b + c \\\\\nd &= e\n\\end{align}\n\n"
            "Escaped: \\$5. Broken: $x^{$. Hostile: $\\text{<script>alert(1)</script>}"
            "\\href{javascript:alert(2)}{y}\\style{background:url(x)}{z}$")


def maths_notebook():
    return notebook(new_markdown_cell(MATHS_MD), code("Math(...)", display({
        "text/latex": "$\\displaystyle \\int_0^1 x\\,dx$", "text/plain": "<Math>"})))


def test_maths_as_mathml_in_html(caplog):
    log = logging.getLogger("bilateral-test-maths")
    with caplog.at_level(logging.WARNING, logger=log.name):
        html = to_html(maths_notebook(), log=log)
    soup = BeautifulSoup(html, "html.parser")
    maths = soup.find_all("math")
    alts = [m.get("alttext") for m in maths]
    assert "E = mc^2" in alts
    assert any("\\frac{1}{n}" in a for a in alts)
    assert any(a.startswith("\\begin{align}") for a in alts)
    assert any("\\int_0^1" in a for a in alts), "text/latex output not rendered"
    assert [m.get("display") for m in maths].count("block") >= 3
    assert soup.find("mfrac") and soup.find("mtable") and soup.find("msup")
    assert "$x^{$" in visible(html), "unconvertible TeX is shown as its source"
    assert "$5" in visible(html)
    assert not soup.find("script")
    for m in maths:
        for el in [m, *m.find_all(True)]:
            assert not ({"href", "style", "class", "id"} & set(el.attrs)), el
    assert [r.getMessage() for r in caplog.records if r.name == log.name] == [
        "1 formula(s) could not be rendered and are shown as TeX"]


def test_maths_as_svg_in_pdf(tmp_path):
    pdf = to_pdf(maths_notebook(), tmp_path / "m.pdf")
    exporter = WeasyPDFExporter()
    html, _ = ReportHTMLExporter.from_notebook_node(exporter, maths_notebook(),
                                                    {"metadata": {"name": "m"}})
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find("math")
    svgs = soup.select("img.math-svg")
    assert len(svgs) >= 5
    assert all(i["src"].startswith("data:image/svg+xml;base64,") for i in svgs)
    assert "E = mc^2" in [i["alt"] for i in svgs]
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert not outside(pdf)


def test_maths_in_a_heading_gives_the_same_page_twice():
    """The same notebook gives the same bytes, and a heading's anchor names its TeX."""
    nb = notebook(new_markdown_cell("## Energy $E=mc^2$ here\n\nand $x$"))
    first, second = to_html(nb), to_html(nb)
    assert first == second
    assert 'id="Energy-$E=mc%5E2$-here"' in first
    assert "\ue000" not in first and "%EE%80%80" not in first


def test_render_math_false_shows_tex():
    html = to_html(maths_notebook(), render_math=False)
    assert "<math" not in html
    assert "$E = mc^2$" in visible(html)


# --- raw cells, title, widgets, sanitizing -----------------------------------------------

def raw_notebook():
    return notebook(
        new_markdown_cell("Some text first.\n\n## The *real* title\n\nMore."),
        new_raw_cell("<b>raw html</b>", metadata={"raw_mimetype": "text/html"}),
        new_raw_cell("raw without a format"),
        new_raw_cell("\\LaTeX only", metadata={"raw_mimetype": "text/latex"}),
        new_raw_cell("rst only", metadata={"raw_mimetype": "text/restructuredtext"}),
        new_raw_cell("markdown only", metadata={"raw_mimetype": "text/markdown"}))


def test_raw_cells_and_title_in_html():
    html = to_html(raw_notebook())
    soup = BeautifulSoup(html, "html.parser")
    text = squash(visible(html))
    assert soup.find("b", string="raw html")
    assert "raw without a format" in text
    for gone in ("LaTeX only", "rst only", "markdown only"):
        assert gone not in text
    # It opens with a paragraph: titled by its file name, not by the heading further down.
    assert soup.title.string == "nb"
    assert soup.select_one(".running-header").string == "nb"


def test_raw_cells_and_title_in_pdf(tmp_path):
    from pypdf import PdfReader

    pdf = to_pdf(raw_notebook(), tmp_path / "r.pdf")
    text = squash(pdf_body(pdf))
    assert "raw html" in text and "raw without a format" in text
    assert "LaTeX only" not in text and "rst only" not in text
    assert PdfReader(pdf).metadata.get("/Title") == "nb"


def test_title_from_metadata_first():
    nb = raw_notebook()
    nb.metadata["title"] = "Set in metadata"
    assert BeautifulSoup(to_html(nb), "html.parser").title.string == "Set in metadata"
    nb = notebook(code("x = 1"))
    assert BeautifulSoup(to_html(nb), "html.parser").title.string == "nb"


def test_widget_shows_its_static_fallback():
    nb = notebook(code("w", display({
        "application/vnd.jupyter.widget-view+json": {"model_id": "m1", "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": "IntSlider(value=5)"})),
        widgets={"application/vnd.jupyter.widget-state+json": {"state": {}}})
    for sanitize in (True, False):
        html = to_html(nb, sanitize=sanitize)
        assert "IntSlider(value=5)" in visible(html)
        assert "<script" not in html.lower()
        assert "widget-state" not in html


def test_foreign_markup_is_sanitized_by_default():
    nb = notebook(new_markdown_cell('<script>alert(1)</script><b onclick="x()">bold</b>'
                                    '<iframe src="https://example.com/"></iframe>'),
                  code("HTML()", display({"text/html": '<style>p{}</style><p style="color: red;'
                                          ' background: url(https://x/y.png)">styled</p>',
                                          "application/javascript": "alert(2)"})))
    html = to_html(nb)
    body = html.split("<body>", 1)[1]
    assert "<script" not in body and "<iframe" not in body and "onclick" not in body
    assert "url(" not in body and "<style" not in body
    assert "bold" in visible(html) and "styled" in visible(html)


# --- the page -------------------------------------------------------------------------------

def wide_notebook(columns=24, rows=6):
    head = "".join(f"<th>store_{k:02d}_margin</th>" for k in range(columns))
    body = "".join(f"<tr><th>{r}</th>" + "".join(
        f"<td>{(r * 31 + k * 17) % 997 / 100 - 5:.4f}</td>" for k in range(columns)) + "</tr>"
        for r in range(rows))
    table = (f'<table class="dataframe"><thead><tr><th></th>{head}</tr></thead>'
             f"<tbody>{body}</tbody></table>")
    return notebook(code("wide", new_output("execute_result", execution_count=1, data={
        "text/html": table, "text/plain": "wide"})), code(f"print({LONG_LINE!r})",
                                                         stream(LONG_LINE + "\n")),
        code("raise KeyError", error("KeyError", "x", "\x1b[31mKeyError\x1b[0m " + "y" * 300)))


def test_wide_table_is_split_to_fit_the_page(tmp_path):
    pdf = to_pdf(wide_notebook(), tmp_path / "w.pdf")
    assert not outside(pdf), outside(pdf)[:5]
    text = pdf_body(pdf)
    for k in range(24):
        assert f"store_{k:02d}_margin" in text, k
    assert re.search(r"Columns 1–\d+ of 24", text)
    body = no_space(text)
    assert no_space(LONG_LINE) in body, "the long output line is cut"
    assert "y" * 300 in body, "the long traceback line is cut"
    assert no_space(f"print({LONG_LINE!r})") in body, "the long code line is cut"


def test_wide_table_kept_whole_when_asked(tmp_path):
    pdf = to_pdf(wide_notebook(12), tmp_path / "w.pdf", split_wide_tables=False)
    assert not outside(pdf), outside(pdf)[:5]
    assert "Columns 1" not in pdf_body(pdf)


def test_cjk_and_cyrillic_have_fonts(tmp_path):
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    if "Noto Sans CJK" not in out.stdout:
        reason = "no CJK font: scripts/system-deps.sh installs fonts-noto-cjk"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    nb = notebook(new_markdown_cell(f"{CHINESE}\n\n{RUSSIAN}"),
                  code(f"print({CHINESE!r})", stream(CHINESE + "\n")))
    pdf = to_pdf(nb, tmp_path / "c.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts and "DejaVu" in fonts
    text = no_space(pdf_body(pdf))
    assert no_space(CHINESE) in text and no_space(RUSSIAN) in text


# --- the corpus -----------------------------------------------------------------------------

def _nbconvert_sdist(folder: Path) -> Path | None:
    """nbconvert's source distribution, of the installed version, fetched with pip."""
    import nbconvert

    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
         "--disable-pip-version-check", "-q", "-d", str(folder),
         f"nbconvert=={nbconvert.__version__}"],
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    found = sorted(folder.glob("nbconvert-*.tar.gz"))
    if result.returncode != 0 or not found:
        reason = f"pip download of nbconvert's sdist failed: {result.stderr.strip()[-300:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found[0]


def _extract(tar: tarfile.TarFile, dest: Path, members=None) -> None:
    """Regular files only, inside ``dest`` (the "data" filter where Python has it)."""
    members = [m for m in (members or tar.getmembers()) if m.isfile()
               and not m.name.startswith("/") and ".." not in Path(m.name).parts]
    try:
        tar.extractall(dest, members=members, filter="data")
    except TypeError:  # Python < 3.10.12: no extraction filters
        tar.extractall(dest, members=members)


def _papermill_notebooks(folder: Path) -> Path:
    import papermill

    installed = Path(papermill.__file__).parent / "tests" / "notebooks"
    if installed.is_dir():
        return installed
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "-q",
         "--disable-pip-version-check", "-d", str(folder), f"papermill=={papermill.__version__}"],
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    found = sorted(folder.glob("papermill-*.tar.gz"))
    if result.returncode != 0 or not found:
        pytest.fail(f"papermill's test notebooks are neither installed nor downloadable: "
                    f"{result.stderr.strip()[-300:]}")
    with tarfile.open(found[0]) as tar:
        _extract(tar, folder)
    (notebooks,) = folder.glob("papermill-*/papermill/tests/notebooks")
    return notebooks


def _flatten(sources: dict[str, Path], dest: Path) -> list[Path]:
    """Every notebook under each source folder, copied into ``dest`` under a unique name,
    with the other files of its folder (the images it names)."""
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for prefix, root in sources.items():
        for nb in sorted(root.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in nb.parts:
                continue
            rel = nb.relative_to(root).with_suffix("")
            name = f"{prefix}-{'-'.join(rel.parts)}.ipynb"
            shutil.copyfile(nb, dest / name)
            copied.append(dest / name)
            for asset in nb.parent.iterdir():
                target = dest / asset.name
                if asset.is_file() and asset.suffix != ".ipynb" and not target.exists():
                    shutil.copyfile(asset, target)
    return copied


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict:
    """The corpus converted three ways: stock ``--to html``, ``bilateral_html`` and
    ``bilateral_pdf``, each in one process for all notebooks."""
    root = tmp_path_factory.mktemp("corpus")
    downloads = root / "downloads"
    downloads.mkdir()
    sdist = _nbconvert_sdist(downloads)
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if "/tests/" in m.name and m.isfile()]
        _extract(tar, downloads, members)
    (nbc_tests,) = downloads.glob("nbconvert-*/tests")
    analyst = root / "analyst"
    analyst.mkdir()
    (analyst / "logo.png").write_bytes(PNG)
    nbformat.write(execute(analyst_notebook(), analyst), str(analyst / "analyst.ipynb"))
    notebooks = _flatten({"nbconvert": nbc_tests, "papermill": _papermill_notebooks(downloads),
                          "own": analyst}, root / "flat")
    assert len(notebooks) >= 40, [n.name for n in notebooks]
    runs = {}
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    for fmt in ("html", "bilateral_html", "bilateral_pdf"):
        out = root / fmt
        runs[fmt] = subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", fmt, "--output-dir", str(out),
             *map(str, notebooks)], capture_output=True, text=True, timeout=900, env=env,
            stdin=subprocess.DEVNULL)
    return {"root": root, "notebooks": notebooks, "runs": runs}


MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|\\begin\{(\w+\*?)\}.*?\\end\{\1\}"
                  r"|\$[^$]+?\$", re.S)


def _hidden(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    jupyter = cell.get("metadata", {}).get("jupyter", {})
    return bool({"remove-cell", "remove_cell", "remove-input", "remove_input", "hide-input",
                 "hide_input", "hide-cell", "hide_cell", "remove-output", "remove_output",
                 "hide-output", "hide_output"} & set(tags if isinstance(tags, list) else [])) \
        or (isinstance(jupyter, dict) and (jupyter.get("source_hidden")
                                           or jupyter.get("outputs_hidden")))


def stock_fragments(nb_path: Path, stock_html: Path) -> list[str]:
    """What stock ``--to html`` shows of each cell's markdown, code and text outputs,
    as fragments (lines, split where maths was, which ours renders)."""
    nb = nbformat.read(str(nb_path), 4)
    cells = [c for c in nb.cells if c.cell_type in ("code", "markdown")]
    soup = BeautifulSoup(stock_html.read_text(encoding="utf-8"), "html.parser")
    for el in soup.find_all(["script", "style"]):
        el.decompose()
    for el in soup.select("a.anchor-link"):
        el.decompose()
    rendered = soup.select("div.jp-Cell")
    assert len(rendered) == len(cells), f"{nb_path.name}: cells do not pair up"
    fragments = []
    for cell, div in zip(cells, rendered):
        if _hidden(cell):
            continue
        parts = div.select(".jp-RenderedMarkdown, .jp-InputArea-editor, .jp-RenderedText")
        for part in parts:
            for line in MATH.sub("\n", part.get_text("\n")).splitlines():
                if no_space(line):
                    fragments.append(line)
    return fragments


@pytest.mark.slow
def test_corpus_converts_without_error(corpus):
    for fmt, run in corpus["runs"].items():
        assert run.returncode == 0, f"--to {fmt}: {run.stderr[-3000:]}"
        if fmt != "html":
            assert "Traceback" not in run.stderr, f"--to {fmt}: {run.stderr[-3000:]}"
    for nb in corpus["notebooks"]:
        for fmt, ext in (("html", ".html"), ("bilateral_html", ".html"),
                         ("bilateral_pdf", ".pdf")):
            assert (corpus["root"] / fmt / (nb.stem + ext)).stat().st_size > 0, (fmt, nb.name)


@pytest.mark.slow
def test_corpus_shows_every_word_stock_html_shows(corpus):
    """Every line of markdown, code and text output that stock ``--to html`` shows is in
    our HTML and on our PDF's pages (compared without white space, which wrapping moves)."""
    missing = []
    for nb in corpus["notebooks"]:
        stock = corpus["root"] / "html" / f"{nb.stem}.html"
        ours_html = our_html_text(corpus["root"] / "bilateral_html" / f"{nb.stem}.html")
        ours_pdf = no_space(pdf_body(corpus["root"] / "bilateral_pdf" / f"{nb.stem}.pdf"))
        for fragment in stock_fragments(nb, stock):
            want = no_space(fragment)
            if want not in ours_html:
                missing.append(("html", nb.name, fragment[:100]))
            if want not in ours_pdf:
                missing.append(("pdf", nb.name, fragment[:100]))
    assert not missing, f"{len(missing)} fragments missing, e.g. {missing[:8]}"


@pytest.mark.slow
def test_corpus_pdfs_keep_every_word_on_the_page(corpus):
    bad = {}
    for nb in corpus["notebooks"]:
        pdf = corpus["root"] / "bilateral_pdf" / f"{nb.stem}.pdf"
        out = outside(pdf)
        if out:
            bad[nb.name] = out[:3]
    assert not bad, bad


@pytest.mark.slow
def test_analyst_notebook_on_paper(corpus, tmp_path):
    """The analyst's notebook: its parts where a reader expects them, pages with ink."""
    pdf = corpus["root"] / "bilateral_pdf" / "own-analyst.pdf"
    text = pdf_body(pdf)
    body = no_space(text)
    for expected in ("Quarterly sales review", "3 rows dropped", "UserWarning", "KeyError",
                     "IntSlider(value=5", "Raw HTML cell", "A raw cell without a format",
                     "[image not included: Partner chart]", "store_23_margin", CHINESE,
                     RUSSIAN, LONG_LINE):
        assert no_space(expected) in body, expected
    for absent in ("Raw LaTeX", "secret_setup", "noise_removed", "Built by"):
        assert no_space(absent) not in body, absent
    html = (corpus["root"] / "bilateral_html" / "own-analyst.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.find_all("math")) >= 4
    assert soup.title.string == "Quarterly sales review: regions, prices and returns"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 4
    assert all(p.stat().st_size > 2000 for p in pages), "a blank page"


@pytest.mark.slow
@pytest.mark.browser
def test_analyst_html_in_a_browser(corpus):
    """In Chromium at 1100 px: nothing but the file requested, no horizontal scroll of the
    page (wide tables scroll in their own box), maths laid out as MathML."""
    from tests.support import Visit, chromium

    with chromium() as browser:
        v = Visit(browser, corpus["root"] / "bilateral_html" / "own-analyst.html",
                  viewport={"width": 1100, "height": 900})
        try:
            assert not v.foreign_requests(), v.foreign_requests()
            assert not v.page_errors, v.page_errors
            width = v.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1100, f"the page is {width} px wide in a 1100 px window"
            sizes = v.page.eval_on_selector_all(
                "math", "els => els.map(e => e.getBoundingClientRect().width)")
            assert sizes and all(w > 5 for w in sizes), sizes
        finally:
            v.close()


def test_pdf_code_keeps_only_the_spans_its_colours_need():
    """``pagefit.lean_code`` on the exporter's own HTML: the spans pygments' default style
    leaves unstyled (names, punctuation) and white-space-only spans are unwrapped, the
    coloured tokens stay, and the code reads the same."""
    from bilateral.export.pagefit import lean_code

    nb = notebook(code("x = print(1)  # hi"))
    html = to_html(nb)
    lean = lean_code(html)
    block = BeautifulSoup(lean, "html.parser").find("div", class_="highlight")
    classes = {c for span in block.find_all("span") for c in span.get("class", [])}
    # x: Name, (, ): Punctuation, spaces: Whitespace -> unwrapped; = Operator (#666),
    # print Name.Builtin (green), 1 Number (#666), # hi Comment.Single (italic): kept.
    assert classes == {"o", "nb", "mi", "c1"}
    assert block.get_text() == BeautifulSoup(html, "html.parser").find(
        "div", class_="highlight").get_text()
    assert "x = print(1)  # hi" in block.get_text()


def test_pdfs_are_byte_identical_on_the_fonttools_path(monkeypatch):
    """Without HarfBuzz-Subset WeasyPrint subsets fonts with fontTools, which stamps each
    subset font with the clock's time. Forced onto that path, with the clock moved on by a
    day between the two builds, the PDFs are still the same bytes."""
    import weasyprint.pdf.fonts as fonts
    from fontTools.misc import timeTools  # noqa: N813 (its name)

    from bilateral.export.weasy import html_to_pdf

    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    clock = iter([1_700_000_000.0, 1_700_086_400.0])
    now = {"t": 0.0}

    def tick():
        return now["t"]

    monkeypatch.setattr(timeTools.time, "time", tick)
    html = "<html lang='en'><body><p>Trade, 2023: USD 240.1 bn — реки</p></body></html>"
    built = []
    for t in clock:
        now["t"] = t
        built.append(html_to_pdf(html, variant=None)[0])
    assert built[0] == built[1]
    assert "SOURCE_DATE_EPOCH" not in __import__("os").environ  # set only while writing


def lengths_match(pdf: bytes) -> list[str]:
    """Streams whose /Length is not the number of bytes between ``stream`` + EOL and the
    EOL before ``endstream`` (ISO 32000-1, 7.3.8.1), read from the file's bytes."""
    bad = []
    for m in re.finditer(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream(\r\n|\n)", pdf, re.S):
        length = re.search(rb"/Length (\d+)(?! \d+ R)", m.group(2))
        if length is None:
            continue
        end = m.end() + int(length.group(1))
        if not pdf[end:end + 12].startswith((b"\nendstream", b"\r\nendstream")):
            bad.append(m.group(1).decode())
    return bad


@pytest.mark.slow
def test_corpus_pdfs_pass_an_independent_validator(corpus):
    """nbconvert's own test notebooks and the analyst's notebook, through bilateral_pdf:
    page-validation finds each PDF conformant to PDF/A-3a and PDF/UA-1.

    One finding is checked here instead: page-validation reports a stream's /Length as
    wrong when the compressed data itself ends in a carriage return, which with the line
    feed written after the data reads as one CRLF (one PDF of the corpus). The /Length is
    the standard's authority on where the data ends, and :func:`lengths_match` verifies,
    from the file's bytes, that every stream's length lands on an EOL and ``endstream``."""
    import page

    failing = {}
    for nb in corpus["notebooks"]:
        pdf = corpus["root"] / "bilateral_pdf" / f"{nb.stem}.pdf"
        for profile in ("3a", "ua1"):
            report = page.validate_pdf(pdf, profile=profile)
            rules = {f.rule_id for f in report.failures}
            if rules == {"PDFA3A-STREAM-LENGTH-001"} and not lengths_match(pdf.read_bytes()):
                continue
            if rules:
                failing[f"{nb.name} {profile}"] = sorted(rules)
    assert not failing, failing


@pytest.mark.parametrize("tex", [r"P(A \& B)", r"R \& D"])
def test_an_escaped_ampersand_is_rendered_not_refused(tex):
    """``\\&`` is a character, not an alignment: the formula renders in both formats (the
    structural check once refused any token reading "&")."""
    from bilateral.export.maths import mathml, svg_img

    markup = mathml(tex)
    assert markup is not None and "<mi>&amp;</mi>" in markup
    assert svg_img(tex) is not None
