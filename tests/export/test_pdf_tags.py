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


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element reachable from the tree's root, depth first, in order."""
    out = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary) and "/S" in node:
            out.append(node)
            kids = node.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                walk(kid)

    for top in pdf.Root.StructTreeRoot.K:
        walk(top)
    return out


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
        tags = [str(e.S) for e in _elements(pdf)]
        assert tags.count("/Table") == 1
        assert tags.count("/THead") == 1
        # pandas writes one header row (the index's empty corner, year, value, note) and
        # an index cell per row: 4 + 80 header cells, none repeated.
        assert tags.count("/TH") == 4 + 80
        assert tags.count("/TD") == 80 * 3
        # Every cell's headers resolve, through the /IDTree, to a header cell of the tree.
        names = pdf.Root.StructTreeRoot.IDTree.Names
        ids = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        reachable = {e.objgen for e in _elements(pdf) if str(e.S) == "/TH"}
        for e in _elements(pdf):
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


def test_text_in_another_language_carries_its_language(tmp_path):
    html = ('<!DOCTYPE html><html lang="en"><head><title>Languages</title></head><body>'
            '<h1>Sources</h1><p>The title <span lang="ru">Товарооборот России и Китая'
            '</span> and <span lang="zh">中俄贸易</span>, in English around them.</p>'
            "</body></html>")
    data, _ = html_to_pdf(html)
    (tmp_path / "l.pdf").write_bytes(data)
    with pikepdf.open(tmp_path / "l.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en"
        spans = [(str(e.S), str(e.Lang)) for e in _elements(pdf) if "/Lang" in e]
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

