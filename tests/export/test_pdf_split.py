"""A long notebook's PDF laid out in two halves at once (``bilateral.export.pdf_split``):
where the page is cut, and that the joined PDF is the document a single layout gives,
page numbers, bookmarks, links and tags included. Oracles: the same notebook laid out
whole (``BILATERAL_PDF_SPLIT=0``), poppler's ``pdftotext``, pikepdf's reading of the
file, and page-validation for PDF/A-3a and PDF/UA-1."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap

import pikepdf
import pytest

from bilateral.export import pdf_split

HEAD = ('<!DOCTYPE html><html lang="en"><head><title>t</title><style>p {}</style></head>'
        '<body><div class="running-header">t</div><main class="report">')
TAIL = "</main></body></html>"


def cell(text: str, heading: str | None = None, anchor: str | None = None) -> str:
    """A markdown cell as the template writes it."""
    inner = f'<h2 id="{anchor or heading}">{heading}</h2>' if heading else ""
    return f'<div class="cell text_cell rendered">\n{inner}<p>{text}</p>\n</div>\n'


def page(cells: list[str]) -> str:
    return HEAD + "".join(cells) + TAIL


WORDS = "word " * 2000  # 10,000 characters of markup


def body(html: str) -> str:
    return html[html.index('<main class="report">') + 21:html.rindex("</main>")]


def test_a_long_page_is_cut_before_the_heading_cell_nearest_the_middle():
    cells = [cell(WORDS, f"Part {k}" if k in (0, 5, 9, 16) else None) for k in range(20)]
    html = page(cells)
    first, second = pdf_split.halves(html)
    # 20 cells of nearly equal work, headings in cells 0, 5, 9 and 16: the middle is the
    # start of cell 10, the nearest heading cell is cell 9.
    assert body(first) == "".join(cells[:9]) and body(second) == "".join(cells[9:])
    for half in (first, second):
        assert half.startswith(HEAD[:HEAD.index("</head>")])
        assert pdf_split.NO_FOOTER in half and half.endswith(TAIL)
        assert '<div class="running-header">t</div>' in half


def test_raster_images_do_not_count_as_work():
    png = "data:image/png;base64," + "A" * 400_000
    cells = [cell(f'<img alt="x" src="{png}">', "Plot")] + [
        cell(WORDS, f"Part {k}") for k in range(12)]
    first, second = pdf_split.halves(page(cells))
    # 120,000 characters of words in 12 cells: cut before the 7th of them (the 8th cell)
    # or the 6th, not before the plot's 400,000 characters are "half" the work.
    assert body(first) in ("".join(cells[:7]), "".join(cells[:6]))
    assert pdf_split.halves(page([cells[0]] + cells[1:5])) is None  # 40,000: too short


def test_formulas_count_in_the_balance_not_in_the_length():
    """A formula's SVG is drawn when the PDF is written: it weighs in where the page is
    cut, but a short page with many formulas is not worth cutting."""
    svg = "data:image/svg+xml;base64," + "B" * 30_000
    formulas = [cell(f'<img alt="f" src="{svg}">') for _ in range(10)]
    short = [cell(WORDS, f"Part {k}") for k in range(9)]
    assert pdf_split.halves(page(formulas + short)) is None  # 90,000 of markup
    # 10 cells of words (10,000 each), then 10 of a formula (30,000 each), each cell
    # opening with a heading: 400,000 of work, whose middle is 200,000. The formula cells
    # start at 100,000 + 30,000 k: the nearest is the 4th (190,000). Were the formulas
    # not counted, the middle would be at the 5th cell of words.
    words = [cell(WORDS, f"Part {k}") for k in range(10)]
    drawn = [cell(f'<img alt="f" src="{svg}">', f"Formula {k}") for k in range(10)]
    first, second = pdf_split.halves(page(words + drawn))
    assert body(second) == "".join(drawn[3:])


@pytest.mark.parametrize("case", ["short", "no heading near the middle", "link across",
                                  "link back", "page rule", "unbalanced", "nested heading"])
def test_a_page_that_is_not_cut(case):
    cells = [cell(WORDS, f"Part {k}" if k % 4 == 0 else None) for k in range(20)]
    if case == "short":
        cells = cells[:8]  # 80,000 characters
    elif case == "no heading near the middle":
        cells = [cell(WORDS, "Start")] + [cell(WORDS) for _ in range(19)]
    elif case == "link across":
        cells[1] = cell(WORDS + '<a href="#Part 16">see part 16</a>')
    elif case == "link back":
        cells[17] = cell(WORDS + '<a href="#Part 0">see part 0</a>')
    elif case == "page rule":
        cells[3] = cell(WORDS + "<style>@page { size: A3 }</style>")
    elif case == "unbalanced":
        cells[3] = cell(WORDS + '<span title="<div a">x</span>')
    elif case == "nested heading":
        cells = [cell(WORDS, "Start")] + [cell(WORDS) for _ in range(18)] + [cell(WORDS)]
        cells[10] = ('<div class="output">' + cell(WORDS, "Inside an output") + "</div>\n")
    assert pdf_split.halves(page(cells)) is None


def test_a_link_within_its_half_does_not_stop_the_cut():
    cells = [cell(WORDS, f"Part {k}" if k % 4 == 0 else None) for k in range(20)]
    cells[1] = cell(WORDS + '<a href="#Part 4">see part 4</a> <a href="#Part 0">top</a>')
    cells[17] = cell(WORDS + '<a href="#Part 12">see part 12</a>')
    assert pdf_split.halves(page(cells)) is not None


def test_the_numbers_page_has_as_many_blank_pages_and_no_running_header():
    numbers = pdf_split.numbers_page(page([cell("x")]), 3)
    assert numbers.count("break-after: page") == 2 and pdf_split.NO_HEADER in numbers
    assert "<main" not in numbers and "running-header" not in numbers


def test_a_stream_ending_with_a_carriage_return_is_written_unambiguously():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    ends_cr = pikepdf.Stream(pdf, b"0 0 m 1 1 l S\r")
    pdf.pages[0].obj.Contents = pdf.make_indirect(ends_cr)
    pdf.Root.Extra = pdf.make_indirect(pikepdf.Dictionary(Kind=pikepdf.Name.Test, N=7))
    data = pdf_split.written(pdf)
    assert b"S\r\r\nendstream" in data  # CR LF after the data's own CR
    with pikepdf.open(io.BytesIO(data)) as again:
        assert again.pages[0].obj.Contents.read_bytes() == b"0 0 m 1 1 l S\r"
        assert again.Root.Extra.N == 7 and again.Root.Extra.Kind == "/Test"
        assert not again.get_warnings()  # nothing repaired: the xref stream is right


SCRIPT = textwrap.dedent("""
    import json, os, sys
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    from bilateral.export import pdf_split
    from bilateral.export.pdf import WeasyPDFExporter

    case, out = sys.argv[1], sys.argv[2]
    if case == "fork-dies":
        pdf_split._serve = lambda *args: os._exit(3)
    cells = [new_markdown_cell("# A long notebook\\n\\n[to part 3](#Part-3)", id="top")]
    for k in range(1, 25):
        words = " ".join(f"w{k}x{j}" for j in range(500))
        cells.append(new_markdown_cell(f"## Part {k}\\n\\n{words}\\n\\n[this part]"
                                       f"(#Part-{k})", id=f"m{k}"))
        table = "<table><tr><th>k</th><th>square</th></tr>" + "".join(
            f"<tr><td>{k}.{i}</td><td>{(k + i) ** 2}</td></tr>" for i in range(6)) + "</table>"
        cells.append(new_code_cell(f"print({k})", id=f"c{k}", outputs=[
            new_output("stream", name="stdout", text=f"{k}\\n" * 3),
            new_output("display_data", data={"text/html": table})]))
    nb = new_notebook(cells=cells)
    pdf, resources = WeasyPDFExporter().from_notebook_node(
        nb, {"metadata": {"name": "long", "path": ""}})
    with open(out, "wb") as f:
        f.write(pdf)
    print(json.dumps({"pages": resources["bilateral"]["pages"]}))
""")


def convert(tmp_path, case: str, split: str = "1"):
    out = tmp_path / f"{case}-{split}.pdf"
    env = {**__import__("os").environ, "BILATERAL_PDF_SPLIT": split,
           "BILATERAL_PDF_AHEAD": "1"}
    run = subprocess.run([sys.executable, "-c", SCRIPT, case, str(out)], capture_output=True,
                         text=True, timeout=600, env=env, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])["pages"], out


def joined(path) -> bool:
    """Whether the PDF was laid out in halves: its pages carry the numbers drawn over."""
    with pikepdf.open(path) as pdf:
        return all(any(str(k).startswith(pdf_split.PAGE_NUMBER) for k in
                       p.obj.Resources.get("/XObject", {}).keys()) for p in pdf.pages)


def page_texts(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=120).stdout
    return text.split("\f")[:-1]


def words_without_furniture(texts: list[str]) -> list[str]:
    """The words of the pages, without their running header and page numbers."""
    out = []
    for text in texts:
        header, rest = text.lstrip("\n").split("\n", 1)
        assert header.strip() == "A long notebook"
        out += re.sub(r"Page \d+ of \d+", " ", rest).split()
    return out


@pytest.fixture(scope="module")
def whole_and_split(tmp_path_factory):
    folder = tmp_path_factory.mktemp("split")
    return convert(folder, "plain", split="0"), convert(folder, "plain"), folder


@pytest.mark.slow
def test_the_halves_join_into_the_document_a_single_layout_gives(whole_and_split):
    (whole_pages, whole), (pages, split), _ = whole_and_split
    assert not joined(whole) and joined(split)
    # The second half starts on a page of its own: at most one page more.
    assert pages in (whole_pages, whole_pages + 1)
    texts = page_texts(split)
    assert len(texts) == pages
    assert words_without_furniture(texts) == words_without_furniture(page_texts(whole))
    for number, text in enumerate(texts, start=1):
        assert re.findall(r"Page \d+ of \d+", text) == [f"Page {number} of {pages}"]


@pytest.mark.slow
def test_the_joined_pdf_keeps_bookmarks_links_and_tags(whole_and_split):
    _, (pages, split), _ = whole_and_split
    texts = page_texts(split)
    with pikepdf.open(split) as pdf:
        with pdf.open_outline() as outline:
            titles = []
            todo = list(outline.root)
            while todo:
                item = todo.pop(0)
                titles.append(item.title)
                target = pdf.pages.index(pikepdf.Page(item.destination[0]))
                assert item.title.split()[-1] in texts[target], item.title
                todo = list(item.children) + todo
        assert titles == ["A long notebook"] + [f"Part {k}" for k in range(1, 25)]
        names = pdf.Root.Names.Dests.Names
        dests = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        links = [a for p in pdf.pages for a in p.obj.get("/Annots", ())
                 if a.get("/Subtype") == "/Link" and "/Dest" in a]
        assert len(links) >= 25  # to part 3, and from every part to itself
        for link in links:
            target = dests[str(link.Dest)]
            assert pdf.pages.index(pikepdf.Page(target[0])) < pages
        root = pdf.Root.StructTreeRoot
        nums = root.ParentTree.Nums
        keys = [int(k) for k in nums[::2]]
        assert keys == sorted(set(keys))
        for p in pdf.pages:
            assert int(p.obj.StructParents) in keys
        ids = [str(x) for x in root.IDTree.Names[::2]] if "/IDTree" in root else []
        assert len(ids) == len(set(ids))


@pytest.mark.slow
def test_the_joined_pdf_is_pdf_a_and_pdf_ua(whole_and_split):
    import page as page_validation

    _, (_, split), _ = whole_and_split
    for profile in ("3a", "ua1"):
        report = page_validation.validate_pdf(str(split), profile=profile)
        assert report.is_compliant, str(report)[:2000]


@pytest.mark.slow
def test_equal_notebooks_give_equal_bytes_and_a_dead_fork_changes_nothing(whole_and_split):
    _, (_, split), folder = whole_and_split
    _, again = convert(folder, "again")
    assert again.read_bytes() == split.read_bytes()
    # The fork dies at once: its half and the numbers are laid out by the child itself.
    _, alone = convert(folder, "fork-dies")
    assert alone.read_bytes() == split.read_bytes()
