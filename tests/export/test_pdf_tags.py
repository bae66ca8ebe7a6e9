"""The PDF's structure where WeasyPrint's own tagging falls short: a table that breaks
across pages is one table, text in another language says so, and no stream's length is
ambiguous. Read back with pikepdf and checked with page-validation."""

from __future__ import annotations

import zlib

import pandas as pd
import pikepdf
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from bilateral.export.pdf import WeasyPDFExporter
from bilateral.export.weasy import Evidence, html_to_pdf
from tests.support import structure_elements, structure_kids


def _valid(path, profile):
    import page

    report = page.validate_pdf(path, profile=profile)
    return [f"{f.rule_id}: {f.message}" for f in report.failures]


@pytest.fixture(scope="module")
def long_table(tmp_path_factory):
    """A DataFrame of 80 rows and 3 columns, as pandas renders it, in a PDF."""
    df = pd.DataFrame({"year": range(1950, 2030), "value": [i * 1.5 for i in range(80)],
                       "note": ["x"] * 80})
    nb = new_notebook(cells=[
        new_markdown_cell("# A long table"),
        new_code_cell("df", execution_count=1, outputs=[new_output(
            "execute_result", execution_count=1,
            data={"text/html": df.to_html(), "text/plain": "df"})])],
        metadata={"language_info": {"name": "python"}})
    pdf, _ = WeasyPDFExporter().from_notebook_node(nb, {"metadata": {"name": "t", "path": ""}})
    path = tmp_path_factory.mktemp("long") / "t.pdf"
    path.write_bytes(pdf)
    return path


def test_a_table_across_pages_is_one_table_with_one_header(long_table):
    with pikepdf.open(long_table) as pdf:
        assert len(pdf.pages) >= 2  # 80 rows do not fit on one A4 page
        tags = [str(e.S) for e in structure_elements(pdf)]
        assert tags.count("/Table") == 1
        assert tags.count("/THead") == 1
        # pandas writes one header row (the index's empty corner, year, value, note) and
        # an index cell per row: 4 + 80 header cells, none repeated.
        assert tags.count("/TH") == 4 + 80
        assert tags.count("/TD") == 80 * 3
        # Every cell's headers resolve, through the /IDTree, to a header cell of the tree.
        names = pdf.Root.StructTreeRoot.IDTree.Names
        ids = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        reachable = {e.objgen for e in structure_elements(pdf) if str(e.S) == "/TH"}
        for e in structure_elements(pdf):
            if str(e.S) == "/TD":
                headers = [str(h) for h in e.A.Headers]
                # Its column's header (pandas gives the index cells no scope="row"), the
                # one in the table's only THead, on page 1.
                assert len(headers) == 1 and ids[headers[0]].objgen in reachable
                row = ids[headers[0]].P
                assert str(row.S) == "/TR" and str(row.P.S) == "/THead"
        # The header row repeated on page 2 is there to see, as an artifact.
        # (the marked content /TH <</MCID n>> BDC became /Artifact BMC).
        assert b"/Artifact\n\nBMC" in pdf.pages[1].Contents.read_bytes()
        assert b"/Artifact\n\nBMC" not in pdf.pages[0].Contents.read_bytes()


@pytest.mark.parametrize("profile", ["3a", "ua1"])
def test_a_table_across_pages_is_conformant(long_table, profile):
    assert _valid(long_table, profile) == []


def test_a_table_without_a_thead_across_pages_names_its_headers(tmp_path):
    """Header cells in the table's first row, no <thead>: on later pages the rows have no
    header above them, and their cells name their column's header on page 1."""
    rows = "".join(f"<tr><td>{k}</td><td>{k * k}</td></tr>" for k in range(90))
    html = ('<!DOCTYPE html><html lang="en"><head><title>Squares</title></head><body>'
            "<h1>Squares</h1><table><tr><th>number</th><th>square</th></tr>"
            f"{rows}</table></body></html>")
    data, pages = html_to_pdf(html)
    assert pages >= 2
    (tmp_path / "s.pdf").write_bytes(data)
    with pikepdf.open(tmp_path / "s.pdf") as pdf:
        names = pdf.Root.StructTreeRoot.IDTree.Names
        ids = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        cells = [e for e in structure_elements(pdf) if str(e.S) == "/TD"]
        assert len(cells) == 180
        for e in cells:
            (header,) = [ids[str(h)] for h in e.A.Headers]
            assert str(header.S) == "/TH"
            # its column's header: the number's cell is the first of its row
            first = structure_kids(e.P)[0].objgen == e.objgen
            column = [k.objgen for k in structure_kids(header.P)].index(header.objgen)
            assert column == (0 if first else 1)
    assert _valid(tmp_path / "s.pdf", "ua1") == []


def test_text_in_another_language_carries_its_language(tmp_path):
    html = ('<!DOCTYPE html><html lang="en"><head><title>Languages</title></head><body>'
            '<h1>Sources</h1><p>The title <span lang="ru">Товарооборот России и Китая'
            '</span> and <span lang="zh">中俄贸易</span>, in English around them.</p>'
            "</body></html>")
    data, _ = html_to_pdf(html)
    (tmp_path / "l.pdf").write_bytes(data)
    with pikepdf.open(tmp_path / "l.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en"
        spans = [(str(e.S), str(e.Lang)) for e in structure_elements(pdf) if "/Lang" in e]
    assert spans == [("/Span", "ru"), ("/Span", "zh")]
    assert _valid(tmp_path / "l.pdf", "ua1") == []


def _ends_with_cr() -> bytes:
    """A payload whose deflated form ends with a carriage return: the last byte of zlib's
    output is the low byte of the data's Adler-32 checksum, so one payload in 256."""
    for i in range(100_000):
        data = f"payload {i}\n".encode()
        if zlib.compress(data, 9).endswith(b"\r"):
            return data
    raise AssertionError("no payload found")


def test_a_stream_whose_data_ends_with_cr_is_unambiguous(tmp_path):
    payload = _ends_with_cr()
    data, _ = html_to_pdf('<html lang="en"><head><title>t</title></head><body><p>x</p>'
                          "</body></html>", (Evidence("p.txt", payload, "a payload"),))
    # Data, then CR LF, then endstream: /Length bytes however the EOL is read.
    assert b"\r\r\nendstream" in data
    (tmp_path / "p.pdf").write_bytes(data)
    with pikepdf.open(tmp_path / "p.pdf") as pdf:
        assert pdf.attachments["p.txt"].get_file().read_bytes() == payload
    assert _valid(tmp_path / "p.pdf", "3a") == []


def test_the_sources_list_marks_titles_in_their_language():
    from bilateral.report.jupyter.present import lang_attr

    assert lang_attr("Товарооборот России и Китая", "ru") == ' lang="ru"'
    assert lang_attr("中俄贸易", "zh-CN") == ' lang="zh-CN"'
    # A Russian source's title given in English is English.
    assert lang_attr("Interview with a Chinese diplomat", "ru") == ""
    assert lang_attr("Товарооборот", "en") == ""
    assert lang_attr("Товарооборот", "") == ""



LINKS = ('<a href="https://x.org/a"><span>in a span</span></a>, '
         '<a href="https://x.org/b"><code>in code</code></a>, '
         '<a href="https://x.org/c"><strong>bold <em>and italic</em></strong></a>, '
         '<a href="https://x.org/d">plain</a>')


def test_a_link_around_inline_markup_is_one_link_element(tmp_path):
    """``<a><code>x</code></a>``: WeasyPrint makes an annotation for the inner box too and
    files it under the inner element. Every link annotation must belong to a Link
    element (PDF/UA-1, 7.18.5); page-validation agrees."""
    html = ('<html lang="en"><head><title>Links</title></head><body><h1>Links</h1>'
            f"<p>{LINKS}</p></body></html>")
    pdf_bytes, _ = html_to_pdf(html)
    path = tmp_path / "links.pdf"
    path.write_bytes(pdf_bytes)
    with pikepdf.open(path) as pdf:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        annots = [a for a in pdf.pages[0].obj.Annots if a.Subtype == "/Link"]
        uris = set()
        for a in annots:
            element = parents[int(a.StructParent)]
            assert element.S == "/Link", (str(a.A.URI), str(element.S))
            kids = structure_kids(element)
            assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                       and k.Obj.objgen == a.objgen for k in kids)
            uris.add(str(a.A.URI))
    assert uris == {"https://x.org/a", "https://x.org/b", "https://x.org/c", "https://x.org/d"}
    assert _valid(path, "ua1") == [] and _valid(path, "3a") == []


def test_a_table_with_no_rows_is_a_valid_table(tmp_path):
    """An empty DataFrame's HTML (its header, an empty <tbody>) and a table of a header
    row only: no TBody inside a TBody, no THead without a TBody; the column names are
    still on the page."""
    empty = pd.DataFrame(columns=["longitude", "latitude", "ocean_proximity"])
    nb = new_notebook(cells=[
        new_markdown_cell("# Empty"),
        new_code_cell("frame", outputs=[new_output(
            "execute_result", data={"text/html": empty.to_html(), "text/plain": "Empty"},
            execution_count=1)], execution_count=1),
        new_markdown_cell("<table><thead><tr><th>only</th><th>header</th></tr></thead>"
                          "<tbody></tbody><tfoot></tfoot></table>")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})
    assert "<tbody>\n  </tbody>" in empty.to_html()  # the case: pandas writes it so
    out, _ = WeasyPDFExporter().from_notebook_node(nb, {"metadata": {"name": "empty",
                                                                      "path": ""}})
    path = tmp_path / "empty.pdf"
    path.write_bytes(out)
    with pikepdf.open(path) as pdf:
        for e in structure_elements(pdf):
            kids = structure_kids(e)
            kinds = [str(k.S) for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]
            if e.S == "/TBody":
                assert set(kinds) <= {"/TR"} and str(e.P.S) == "/Table", kinds
            if e.S == "/Table":
                assert "/TBody" in kinds or "/TR" in kinds, kinds
        text = "".join(p.extract_text() for p in __import__("pypdf").PdfReader(path).pages)
    for word in ("longitude", "latitude", "ocean_proximity", "only", "header"):
        assert word in text
    assert _valid(path, "ua1") == [] and _valid(path, "3a") == []


def test_list_items_hold_a_label_and_a_body(tmp_path):
    """A loose list (``<li><p>…</p></li>``, as markdown writes a list with blank lines
    between items), an item with a nested list, and a tight one: each LI holds Lbl and
    one LBody only, the reading order is the text's, and page-validation agrees."""
    html = ('<html lang="en"><head><title>Lists</title></head><body><h1>Lists</h1>'
            "<ul><li><p>alpha one</p><p>alpha two</p></li><li><p>beta</p></li></ul>"
            "<ol><li>gamma<ul><li>delta</li></ul></li><li>epsilon</li></ol>"
            "</body></html>")
    pdf_bytes, _ = html_to_pdf(html)
    path = tmp_path / "lists.pdf"
    path.write_bytes(pdf_bytes)
    with pikepdf.open(path) as pdf:
        items = [e for e in structure_elements(pdf) if e.S == "/LI"]
        assert len(items) == 5
        for e in items:
            kids = structure_kids(e)
            kinds = [str(k.S) for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]
            assert kinds in (["/Lbl", "/LBody"], ["/LBody"]), kinds
            assert all(isinstance(k, pikepdf.Dictionary) for k in kids)
            for k in kids:
                assert k.P.objgen == e.objgen
    import subprocess

    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    order = [text.index(w) for w in ("alpha one", "alpha two", "beta", "gamma", "delta",
                                     "epsilon")]
    assert order == sorted(order)
    assert _valid(path, "ua1") == [] and _valid(path, "3a") == []
