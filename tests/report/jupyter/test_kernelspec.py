"""The named kernel: ``make setup`` (scripts/notebook-setup.sh) installs a kernelspec
"bilateral" into the project's environment, never into the user's home, and a notebook
started under a kernel without ``bilateral`` says in one line what to run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.support import NOTEBOOKS, ROOT

SETUP = ROOT / "scripts" / "notebook-setup.sh"


@pytest.fixture
def venv(tmp_path) -> Path:
    """A fresh environment (its own sys.prefix) that sees this one's packages through a
    .pth file, as a second clone's .venv would have them installed."""
    where = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # a line of a .pth that imports is run: this one reads the project's .pth files too
    Path(purelib, "project.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    return where


def run_setup(python: Path, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    return subprocess.run(["bash", str(SETUP), str(python)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_setup_installs_the_kernel_into_the_environment(venv, tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()  # not a git checkout: the script stops after the environment's part
    python = venv / "bin" / "python"
    done = run_setup(python, work, home)
    assert done.returncode == 0, done.stderr
    spec_file = venv / "share" / "jupyter" / "kernels" / "bilateral" / "kernel.json"
    spec = json.loads(spec_file.read_text())
    assert spec["argv"][0] == str(python)
    assert spec["argv"][-4:] == ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert spec["display_name"] == "bilateral (.venv)" and spec["language"] == "python"
    # no kernelspec in the user's home (IPython may leave its profile folder there)
    assert not list(home.rglob("kernel.json")) and not (home / ".local").exists()
    stamp = spec_file.stat().st_mtime_ns
    again = run_setup(python, work, home)
    assert again.returncode == 0, again.stderr
    assert spec_file.stat().st_mtime_ns == stamp  # installed once, then left alone

    # the kernel runs the environment's python, which has the project
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, bilateral.report\nprint(sys.prefix)")])
    monkeypatch.setenv("JUPYTER_PATH", str(venv / "share" / "jupyter"))
    NotebookClient(nb, timeout=120, kernel_name="bilateral").execute()
    assert nb.cells[0].outputs[0].text.strip() == str(venv)


@pytest.mark.parametrize("name", ["trade", "tourism", "explore"])
def test_the_notebooks_name_the_project_kernel(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert nb.metadata.kernelspec == {"name": "bilateral", "display_name": "bilateral (.venv)",
                                      "language": "python"}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["trade", "tourism", "explore"])
def test_without_bilateral_the_first_cell_that_needs_it_fails_in_one_line(name):
    """Run All under a kernel whose Python has no bilateral: the cells before the first
    that imports it (the parameters) run, and that one fails with one line saying what
    to run; nothing else is shown."""
    source = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in source.cells if c.cell_type == "code"]
    first = next(i for i, c in enumerate(code) if "bilateral" in c.source)
    nb = nbformat.v4.new_notebook(cells=[
        # the project's src/ off the kernel's path: as a Python without the project
        nbformat.v4.new_code_cell(f"import sys\nsys.path[:] = [p for p in sys.path if p "
                                  f"!= {str(ROOT / 'src')!r}]"),
        *[nbformat.v4.new_code_cell(c.source) for c in code[:first + 1]]])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [(i, o) for i, c in enumerate(nb.cells) for o in c.outputs
              if o.output_type == "error"]
    assert [i for i, _ in errors] == [first + 1]
    (_, error), = errors
    assert error.ename == "ModuleNotFoundError"
    assert error.traceback == [
        "ModuleNotFoundError: no module 'bilateral' in this kernel: run `make setup`, then "
        "Kernel › Change Kernel… › bilateral (.venv)"]


@pytest.mark.slow
def test_a_missing_module_other_than_bilateral_keeps_its_own_traceback():
    """On the right kernel, a module bilateral itself cannot import (here one of its own,
    as if deleted) is not dressed as "wrong kernel": the usual traceback names it."""
    source = nbformat.read(NOTEBOOKS / "trade.ipynb", as_version=4)
    code = [c for c in source.cells if c.cell_type == "code"]
    first = next(i for i, c in enumerate(code) if "bilateral" in c.source)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(
            "import sys\nsys.modules['bilateral.report.data.figures'] = None"),
        *[nbformat.v4.new_code_cell(c.source) for c in code[:first + 1]]])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    (error,) = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert error.ename in ("ModuleNotFoundError", "ImportError")
    assert "bilateral.report.data.figures" in error.evalue
    # IPython's own traceback (the cells' code and frames), ending with the error itself
    assert len(error.traceback) > 1
    assert "bilateral.report.data.figures" in error.traceback[-1]
    assert "in this kernel" not in error.traceback[-1]
