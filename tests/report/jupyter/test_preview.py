"""preview.show(): a report's PDF built with the values a kernel holds, its pages as
images. The page count and the values printed in the PDF are read back with pypdf,
independently of the preview's own rendering."""

from __future__ import annotations

import math
import shutil

import nbformat
import pytest
from nbclient import NotebookClient
from pypdf import PdfReader

from bilateral.report.jupyter import preview
from tests.support import NOTEBOOKS


def test_which_report_a_notebook_builds(tmp_path):
    mine = tmp_path / "my-trade-copy.ipynb"
    shutil.copy(NOTEBOOKS / "trade.ipynb", mine)  # same checks: the trade report
    assert preview.report_of(mine) == "trade"
    assert preview.report_of(NOTEBOOKS / "tourism.ipynb") == "tourism"
    assert preview.report_of(NOTEBOOKS / "explore.ipynb") is None


def test_a_value_the_build_refuses_shows_its_one_line():
    p = preview.build("trade", namespace={}, horizon_year=2200)
    assert p.error == ("bilateral: parameter 'horizon_year' of trade: 2200 is outside the "
                       "allowed range (≥ 1991 and ≤ 2100)")
    assert p.pages == [] and p.pdf is None
    assert "2200 is outside the allowed range" in p._repr_mimebundle_()["text/html"]
    unknown = preview.build("trade", namespace={}, threshold_multiple=3.3)
    assert unknown.error.startswith("ParameterError: parameter 'threshold_multiple' of trade: "
                                    "unknown parameter")
    nowhere = preview.build(namespace={})
    assert nowhere.error.endswith("name the report: preview.show('trade')")
    other = preview.build(namespace={"__session__": str(NOTEBOOKS / "explore.ipynb")})
    assert other.error.startswith("ParameterError: explore.ipynb is no report")


@pytest.mark.slow
def test_pages_of_the_report_built_with_the_kernels_values():
    kernel = {"horizon_year": 2033, "milestone_busd": 300.0, "data_dir": "../data",
              "ds": object(), "unrelated": 5}
    p = preview.build("trade", namespace=kernel, milestone_busd=350)
    assert p.error is None, p.error
    assert p.values == {"horizon_year": 2033, "milestone_busd": 350}
    reader = PdfReader(p.pdf)
    assert len(p.pages) == len(reader.pages) >= 2
    for image, page in zip(p.pages, reader.pages):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(image.size[0] - w * preview.SCALE) <= 1
        assert abs(image.size[1] - h * preview.SCALE) <= 1
    assert p.png(0).startswith(b"\x89PNG\r\n\x1a\n")
    first = reader.pages[0].extract_text()
    # the title block lists the parameters given: the kernel's horizon, milestone as given
    assert "horizon_year" in first and "2033" in first and "350.0" in first
    text = " ".join(pg.extract_text() for pg in reader.pages)
    assert "2033" in text.split("Scenarios to the horizon", 1)[-1]
    n = len(p.pages)
    assert repr(p).startswith(f"trade.pdf: {n} pages (horizon_year=2033, milestone_busd=350)")
    assert not math.isnan(p.seconds)


@pytest.mark.slow
def test_show_in_a_kernel_takes_its_values_and_shows_png_pages(monkeypatch):
    """In a kernel JupyterLab started for trade.ipynb (it tells the kernel the notebook's
    path), a cell that sets a parameter, then preview.show() with no arguments."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(NOTEBOOKS / "trade.ipynb"))
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("horizon_year = 2031\nmilestone_busd = 320.0"),
        nbformat.v4.new_code_cell("from bilateral.report.jupyter import preview\n"
                                  "p = preview.show()\np"),
        nbformat.v4.new_code_cell("from pypdf import PdfReader\n"
                                  "print(len(PdfReader(p.pdf).pages), "
                                  "'horizon_year' in PdfReader(p.pdf).pages[0].extract_text())"),
    ])
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    shown = nb.cells[1].outputs
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    images = [o for o in shown if o.output_type == "display_data" and "image/png" in o.data]
    counted, has_params = nb.cells[2].outputs[0].text.split()
    assert len(images) == int(counted) >= 2 and has_params == "True"
    line = shown[-1].data["text/plain"]
    assert line.startswith(f"trade.pdf: {counted} pages")
    assert "horizon_year=2031" in line and "milestone_busd=320.0" in line


def test_a_numpy_value_in_the_kernel_is_passed_as_its_python_value():
    """``horizon_year = df.year.max()`` holds a numpy.int64: passed as 2031, not a
    traceback; a value of no JSON type is passed as text for the build to refuse."""
    import datetime

    import numpy as np

    from bilateral.report.jupyter.preview import _arguments

    args = _arguments("trade", {"horizon_year": np.int64(2031),
                                "scenario_growth_pct": np.array([1.0, 2.5]),
                                "milestone_busd": datetime.date(2020, 1, 1)}, None)
    assert args == ["-p", "horizon_year", "2031", "-p", "scenario_growth_pct", "[1.0, 2.5]",
                    "-p", "milestone_busd", '"2020-01-01"']
