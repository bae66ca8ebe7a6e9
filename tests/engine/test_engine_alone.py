"""The engine without the report: a foreign notebook builds where there is no data folder
at all, and the report's analysis is used only for notebooks that name it."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.support import run_cli

pytestmark = pytest.mark.slow


def _notebook(path, *cells):
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_a_foreign_notebook_builds_with_no_data_folder_anywhere(tmp_path):
    nb = _notebook(tmp_path / "answer.ipynb", "print(6 * 7)")
    nowhere = tmp_path / "no-such-data-folder"
    result = run_cli("build", str(nb), "--data", str(nowhere), "--out", str(tmp_path / "out"),
                     "--formats", "html", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "42" in (tmp_path / "out" / "answer.html").read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "answer.results.json").exists()
    assert not nowhere.exists()


def test_a_notebook_that_takes_the_data_folder_still_needs_one(tmp_path):
    """``data_dir: str`` in the parameters cell asks for the build's data folder: a missing
    one is bad input (exit 2) naming it, before any kernel starts."""
    nb = new_notebook(cells=[new_code_cell('data_dir: str = "data"  # the data')])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(tmp_path / "reader.ipynb"))
    nowhere = tmp_path / "no-such-data-folder"
    result = run_cli("build", str(tmp_path / "reader.ipynb"), "--data", str(nowhere),
                     "--out", str(tmp_path / "out"), "--formats", "html", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "data folder not found" in result.stderr and str(nowhere) in result.stderr
    assert not (tmp_path / "out").exists()
