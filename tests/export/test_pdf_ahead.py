"""The PDF engine imported ahead in a child process (``bilateral.export.pdf_ahead``).

Each case runs in a fresh interpreter, as ``jupyter nbconvert`` does: the child is
started only where WeasyPrint is not imported yet, which is not so in this test process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, os, sys, threading
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    from bilateral.export import pdf_ahead
    from bilateral.export.weasy import PDFError
    from bilateral.export.html import ReportHTMLExporter
    from bilateral.export.pdf import WeasyPDFExporter

    case, out = sys.argv[1], sys.argv[2]
    # Eleven distinct formulas (one twice), each sent to the child as the template meets it.
    formulas = " ".join(f"${{x_{{{k}}}^2 + {k}}}$" for k in range(1, 11))
    nb = new_notebook(cells=[
        new_markdown_cell("# Ahead\\n\\nSome text.", id="words"),
        new_markdown_cell(formulas + " $$\\\\begin{bmatrix} a & b \\\\\\\\ c & d "
                          "\\\\end{bmatrix}$$ "
                          "and ${x_{1}^2 + 1}$ again.", id="maths"),
        new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text="1\\n")],
                      id="code"),
    ])  # fixed cell ids: they are anchors in the PDF
    resources = {"metadata": {"name": "nb", "path": ""}}
    children = []
    real_start = pdf_ahead.Ahead.start.__func__

    def start(cls):
        ahead = real_start(cls)
        children.append(ahead.pid if ahead else None)
        if ahead and case == "child-killed":
            os.kill(ahead.pid, 9)  # not reaped here: the exporter must find it dead
        return ahead

    pdf_ahead.Ahead.start = classmethod(start)
    drawn_by_child = []
    real_start_maths = pdf_ahead.Ahead.draw_maths_start
    real_result = pdf_ahead.Ahead.draw_maths_result

    def draw_maths_start(self):
        sent = real_start_maths(self)
        if case == "child-killed-drawing":
            os.kill(self.pid, 9)  # asked, then dead before it answers
        return sent

    def draw_maths_result(self):
        if case == "maths-unread":  # the answer left in the pipe
            drawn_by_child.append(None)
            return []
        drawn = real_result(self)
        drawn_by_child.append(sum(d is not None and d is not False for d in drawn))
        return drawn

    pdf_ahead.Ahead.draw_maths_start = draw_maths_start
    if case in ("steal-all", "steal-none"):  # the child seen at its start / done
        pdf_ahead._Progress.child_at = lambda self: 0 if case == "steal-all" else 1 << 40
    from bilateral.export import maths
    parent, drawn_here, real_svg = os.getpid(), set(), maths.svg

    def svg(tex, display=False):
        if os.getpid() == parent:
            drawn_here.add((tex, display))
        return real_svg(tex, display)

    maths.svg = svg
    pdf_ahead.Ahead.draw_maths_result = draw_maths_result
    if case == "child-fails":
        def fails(*args, **kw):
            raise PDFError("ValueError: laid out by nobody")
        pdf_ahead.html_to_pdf = fails  # the child is a fork: it has this too
    if case == "html-fails":
        def broken(self, nb, resources=None, **kw):
            raise RuntimeError("the HTML could not be made")
        ReportHTMLExporter.from_notebook_node = broken
    if case == "threaded":
        stop = threading.Event()
        threading.Thread(target=stop.wait, daemon=True).start()
    result = {}
    try:
        pdf, _ = WeasyPDFExporter().from_notebook_node(nb, resources)
        if case == "twice":  # a second notebook in the same process
            again, _ = WeasyPDFExporter().from_notebook_node(nb, resources)
            result["same_twice"] = again == pdf
        with open(out, "wb") as f:
            f.write(pdf)
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    if case == "threaded":
        stop.set()
    try:
        os.waitpid(-1, os.WNOHANG)
        result["children_left"] = True
    except ChildProcessError:
        result["children_left"] = False
    result["children"] = children
    result["drawn_by_child"] = drawn_by_child
    result["drawn_here"] = len(drawn_here)
    result["weasyprint_here"] = "weasyprint" in sys.modules
    print(json.dumps(result))
""")


def convert(tmp_path, case: str, ahead: str = "1") -> tuple[dict, bytes | None]:
    out = tmp_path / f"{case}-{ahead}.pdf"
    env = {**__import__("os").environ, "BILATERAL_PDF_AHEAD": ahead}
    run = subprocess.run([sys.executable, "-c", SCRIPT, case, str(out)], capture_output=True,
                         text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    return result, out.read_bytes() if out.exists() else None


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    """The PDF laid out in the converting process itself (the child turned off)."""
    result, pdf = convert(tmp_path_factory.mktemp("plain"), "plain", ahead="0")
    assert result["children"] == [None] and result["weasyprint_here"]
    assert result["drawn_here"] == 11
    assert pdf and pdf.startswith(b"%PDF-")
    return pdf


def test_the_child_lays_out_the_same_pdf(tmp_path, in_process):
    result, pdf = convert(tmp_path, "plain")
    assert isinstance(result["children"][0], int)  # a child was started...
    assert result["weasyprint_here"] is False  # ...and this process never imported it
    assert result["children_left"] is False
    # Each of the 11 distinct formulas drawn by one side or both: how many by which depends
    # on when the child is ready (the cases below fix it).
    (by_child,) = result["drawn_by_child"]
    assert by_child + result["drawn_here"] >= 11
    assert pdf == in_process


@pytest.mark.parametrize("case, here", [("steal-none", 0), ("steal-all", 11)])
def test_formulas_are_drawn_here_too_until_the_child_is_met(tmp_path, in_process, case,
                                                            here):
    """Once the page is complete, this process draws the formulas sent, from the last,
    until it meets the child: none when the child is done already, all when the child
    seems not to have begun (it skips what this process took, or drew it before it
    saw; the page is the same either way)."""
    result, pdf = convert(tmp_path, case)
    assert result["drawn_here"] == here
    if case == "steal-none":
        assert result["drawn_by_child"] == [11]
    assert pdf == in_process


def test_formulas_the_child_did_not_draw_are_drawn_here(tmp_path, in_process):
    result, pdf = convert(tmp_path, "child-killed-drawing")
    assert isinstance(result["children"][0], int)
    assert result["drawn_by_child"] == [0]
    assert result["drawn_here"] == 11
    assert result["weasyprint_here"] is True and result["children_left"] is False
    assert pdf == in_process


def test_a_child_that_died_is_replaced_by_a_layout_here(tmp_path, in_process):
    result, pdf = convert(tmp_path, "child-killed")
    assert isinstance(result["children"][0], int)
    assert result["weasyprint_here"] is True
    assert result["children_left"] is False
    assert pdf == in_process


def test_an_unread_answer_is_never_taken_for_the_layout(tmp_path, in_process):
    """A request for maths whose answer was not read: the child is closed before the
    next request, and the page laid out here (not read from the maths' answer)."""
    result, pdf = convert(tmp_path, "maths-unread")
    assert isinstance(result["children"][0], int) and result["drawn_by_child"] == [None]
    assert result["weasyprint_here"] is True and result["children_left"] is False
    assert pdf == in_process


def test_the_childs_error_is_the_exporters_error(tmp_path):
    result, pdf = convert(tmp_path, "child-fails")
    assert isinstance(result["children"][0], int)
    assert result["error"] == "PDFError: ValueError: laid out by nobody"
    assert pdf is None and result["children_left"] is False


def test_no_child_outlives_a_failed_conversion(tmp_path):
    result, pdf = convert(tmp_path, "html-fails")
    assert isinstance(result["children"][0], int)
    assert result["error"] == "RuntimeError: the HTML could not be made"
    assert pdf is None and result["children_left"] is False


def test_no_child_from_a_threaded_process(tmp_path, in_process):
    result, pdf = convert(tmp_path, "threaded")
    assert result["children"] == [None] and result["weasyprint_here"] is True
    assert pdf == in_process


def test_only_the_first_conversion_of_a_process_has_a_child(tmp_path, in_process):
    """A second conversion in the same process lays out here (WeasyPrint then imported
    once and kept) rather than in a new child that would import it again."""
    result, pdf = convert(tmp_path, "twice")
    assert isinstance(result["children"][0], int) and result["children"][1:] == [None]
    assert result["weasyprint_here"] is True and result["same_twice"] is True
    assert pdf == in_process and result["children_left"] is False
