"""The committed notebooks: thin, output-free, one parameters cell whose defaults run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from bilateral.engine.options import is_report
from bilateral.params import declared, parameters_cell
from tests.support import NOTEBOOKS, ROOT

NOTEBOOK_FILES = [p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if is_report(p)]
IDS = [p.stem for p in NOTEBOOK_FILES]


def test_the_two_reports_exist():
    assert {"tourism", "trade"} <= set(IDS)


def test_a_scratch_notebook_beside_the_reports_is_not_a_report(tmp_path, monkeypatch):
    """Reports say so in their metadata; File › New › Notebook's empty Untitled.ipynb, a
    notebook without the section, and the committed explore.ipynb are an analyst's own:
    not built, listed or refused."""
    from bilateral.core import paths
    from bilateral.engine import options

    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    (folder / "Untitled.ipynb").write_text("", encoding="utf-8")  # as Lab first writes it
    (folder / "mine.ipynb").write_text(json.dumps({"cells": [], "metadata": {},
                                                   "nbformat": 4, "nbformat_minor": 5}))
    (folder / "odd.ipynb").write_text(json.dumps({"metadata": {"bilateral": "yes"}}))
    # In a folder that is not the project's, every notebook is built (papermill's way).
    assert options.notebook_names(folder) == ["Untitled", "explore", "mine", "odd",
                                              "tourism", "trade"]
    monkeypatch.setattr(paths, "NOTEBOOKS", folder)
    assert options.notebook_names(folder) == ["tourism", "trade"]
    assert not is_report(NOTEBOOKS / "explore.ipynb")


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


IN_GIT = shutil.which("git") is not None and _git("rev-parse", "--git-dir").returncode == 0


def committed_text(path) -> str:
    """The notebook as the next commit takes it: git's index (what is staged), or the
    file itself outside a git checkout. An analyst's saved outputs in the working file
    are theirs; git's filter keeps them out of the index."""
    if IN_GIT:
        rel = path.relative_to(ROOT).as_posix()
        shown = _git("show", f":{rel}")
        if shown.returncode == 0:
            return shown.stdout
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_committed_without_outputs(path):
    raw = json.loads(committed_text(path))
    for i, cell in enumerate(raw["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {i + 1} has outputs"
            assert cell["execution_count"] is None, f"cell {i + 1} has an execution count"


@pytest.mark.skipif(not IN_GIT, reason="not a git checkout")
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_outputs_cannot_be_committed(path):
    """git passes the notebook through nbstripout (set up by make), so Run All + save never
    puts outputs into a commit."""
    rel = path.relative_to(ROOT).as_posix()
    attr = _git("check-attr", "filter", "--", rel).stdout.strip()
    assert attr.endswith(": filter: nbstripout"), attr
    clean = _git("config", "--get", "filter.nbstripout.clean").stdout
    assert "-m nbstripout" in clean and "--keep-id" in clean, (
        "the notebook filter is not set up in .git/config: run make setup")
    assert _git("config", "--get", "filter.nbstripout.required").stdout.strip() == "true"


def test_committed_notebooks_are_what_the_filter_writes():
    """Stripping a committed notebook as git's filter does changes nothing, so a checkout
    is clean as it is, and so is a notebook JupyterLab saved after Run All."""
    for path in NOTEBOOK_FILES:
        text = committed_text(path)
        out = subprocess.run([sys.executable, "-m", "nbstripout", "--keep-id"], input=text,
                             capture_output=True, text=True, check=True, cwd=ROOT).stdout
        assert out == text, f"{path.name} is not in the form the notebook filter writes"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_exactly_one_parameters_cell_first(path):
    nb = nbformat.read(path, as_version=4)
    cell = parameters_cell(nb, path.name)
    assert nb.cells.index(cell) == 0
    params = declared(nb, path.name)
    assert "data_dir" in params
    # every line is `name: type = value  # help`, with a help text
    assert all(p.help for p in params.values()), [p.name for p in params.values() if not p.help]


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_thin_no_definitions(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), (
                f"cell {i + 1} defines a function or class: move it to bilateral")


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_title_metadata_and_title_block(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["title"]
    assert nb.metadata["bilateral"]["subtitle"]
    tagged = [c for c in nb.cells if "title-block" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


# The only numbers a markdown cell may hold: formula constants. Every other number is
# formatted from a computed value in a code cell.
ALLOWED_IN_MARKDOWN = {"1", "100", "2022", "2023"}


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_no_typed_numbers_in_markdown(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        numbers = set(re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", cell.source))
        assert numbers <= ALLOWED_IN_MARKDOWN, f"cell {i + 1} types {numbers - ALLOWED_IN_MARKDOWN}"
