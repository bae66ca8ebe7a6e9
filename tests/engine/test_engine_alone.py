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


@pytest.mark.parametrize("cold", ["0", "1"], ids=["warm", "cold"])
def test_the_project_kernel_is_the_interpreter_that_builds(tmp_path, cold):
    """A notebook that names the kernel "bilateral" runs under the Python that runs the
    build (the one that can import it), warm-forked or started cold, even where the
    first kernelspec of that name Jupyter would find starts something else."""
    import json
    import os
    import subprocess

    from tests.support import BILATERAL, ROOT

    nb = new_notebook(cells=[new_code_cell("import sys\nprint(sys.executable)")])
    nb.metadata["kernelspec"] = {"name": "bilateral", "display_name": "bilateral (.venv)",
                                 "language": "python"}
    nbformat.write(nb, str(tmp_path / "which.ipynb"))
    elsewhere = tmp_path / "jupyter" / "kernels" / "bilateral"
    elsewhere.mkdir(parents=True)
    (elsewhere / "kernel.json").write_text(json.dumps({
        "argv": ["/bin/false", "{connection_file}"], "display_name": "another clone",
        "language": "python"}))
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "jupyter"),
               BILATERAL_COLD_KERNELS=cold)
    result = subprocess.run([*BILATERAL, "build", str(tmp_path / "which.ipynb"), "--out",
                             str(tmp_path / "out"), "--formats", "html", "-q"],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    out = nbformat.read(tmp_path / "out" / "which.ipynb", as_version=4)
    assert os.path.samefile(out.cells[0].outputs[0].text.strip(), BILATERAL[0])
    assert out.metadata.kernelspec.name == "bilateral"
