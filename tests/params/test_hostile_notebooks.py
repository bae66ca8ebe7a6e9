"""Hostile notebooks: metadata of the wrong shape, numbers too long for Python, and a
parameters cell too deep for its parser.

Each is bad input: ``bilateral build`` and ``bilateral params`` exit 2 with one line on
stderr that names the notebook and what in it is wrong, no traceback, and the last good
reports in ``--out`` are left as they were; or, where it does no harm, the notebook is
read as it is. These notebooks are refused while the build is planned, before any kernel
starts: no test here needs one.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from bilateral.core.errors import NotebookSourceError
from bilateral.params import declared, notebook_parameters, read_notebook
from tests.support import LAST_GOOD, run_cli, snapshot, write_files

# A papermill notebook, as JSON, so that a test can break any part of it.
GOOD = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "id": "params",
         "metadata": {"tags": ["parameters"]}, "outputs": [],
         "source": "n: int = 3  # how many\nlabel = 'x'"},
        {"cell_type": "code", "execution_count": None, "id": "body", "metadata": {},
         "outputs": [], "source": "print(n, label)"},
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def write(path: Path, nb: dict | str) -> Path:
    path.write_text(nb if isinstance(nb, str) else json.dumps(nb), encoding="utf-8")
    return path


def broken(**changes) -> dict:
    """GOOD with ``changes``: ``{"metadata.kernelspec": "python3"}`` sets that field,
    ``{"cells.1.metadata.tags": "x"}`` one of a cell."""
    nb = copy.deepcopy(GOOD)
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        holder = nb
        for key in path:
            holder = holder[int(key)] if key.isdigit() else holder[key]
        holder[last] = value
    return nb


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr[:3000]}"
    assert lines[0].startswith("bilateral: "), lines[0]
    assert all(c.isprintable() for c in lines[0]), lines[0]
    return lines[0]


def refused_by_build(tmp_path: Path, nb: Path, *names: str) -> str:
    """``bilateral build`` on ``nb`` exits 2 with one line naming the notebook and each of
    ``names``; a last good report in --out is byte-identical afterwards."""
    out = tmp_path / "out"
    write_files(out, LAST_GOOD)
    before = snapshot(out)
    result = run_cli("build", str(nb), "--out", str(out), "--formats", "html,pdf")
    line = one_line(result.stderr)
    assert result.returncode == 2, line
    assert str(nb) in line, line
    for name in names:
        assert name in line, line
    assert snapshot(out) == before
    return line


def refused_by_params(nb: Path, *names: str) -> str:
    result = run_cli("params", str(nb))
    line = one_line(result.stderr)
    assert result.returncode == 2, line
    assert result.stdout == ""
    assert str(nb) in line, line
    for name in names:
        assert name in line, line
    return line


# ---------------------------------------------------------------- metadata of the wrong shape

MISSHAPEN = [
    # (what is changed, the words the line must hold)
    ({"metadata.kernelspec": "python3"}, ["metadata.kernelspec", "'python3'", "object"]),
    ({"metadata.kernelspec": ["python3"]}, ["metadata.kernelspec", "object"]),
    ({"metadata.bilateral": ["trade"]}, ["metadata.bilateral is a list, not a mapping"]),
    ({"metadata.bilateral": "trade"}, ["metadata.bilateral is text, not a mapping"]),
    ({"metadata.bilateral": None}, ["metadata.bilateral is null, not a mapping"]),
    ({"metadata.bilateral": {"checks": 3}},
     ["metadata.bilateral.checks is a number, not the name of an analysis"]),
    ({"metadata.papermill": "run"}, ["metadata.papermill is text, not a mapping"]),
    ({"metadata.title": {"text": "A title"}}, ["metadata.title", "string"]),
    ({"metadata.language_info": ["python"]}, ["metadata.language_info", "object"]),
    ({"cells.1.metadata.tags": "parameters"}, ["cell 2: metadata.tags", "array"]),
    ({"cells.1.metadata.tags": [1, {"a": 2}]}, ["cell 2: metadata.tags[0]", "string"]),
    ({"cells.0.metadata.tags": ["parameters", 3]}, ["cell 1: metadata.tags[1]", "string"]),
]


def case_id(case) -> str:
    (field, value), = case[0].items()
    return f"{field}={type(value).__name__}"


@pytest.mark.parametrize("changes, words", MISSHAPEN, ids=[case_id(c) for c in MISSHAPEN])
def test_metadata_of_the_wrong_shape_is_bad_input(tmp_path, changes, words):
    nb = write(tmp_path / "odd.ipynb", broken(**changes))
    refused_by_build(tmp_path, nb, *words)


@pytest.mark.parametrize("changes, words", MISSHAPEN[2:7],
                         ids=[case_id(c) for c in MISSHAPEN[2:7]])
def test_metadata_the_format_leaves_free_is_checked_when_read(tmp_path, changes, words):
    """The fields nbformat's schema leaves free but the build reads (the project's
    settings, papermill's record) are checked by read_notebook itself: every reader of
    notebooks (build, params, the notebooks' own helpers) refuses them alike."""
    nb = write(tmp_path / "odd.ipynb", broken(**changes))
    with pytest.raises(NotebookSourceError) as caught:
        read_notebook(nb, "odd.ipynb")
    assert caught.value.notebook == "odd.ipynb"
    for word in words:
        assert word in caught.value.why


def test_bilateral_params_names_the_field_too(tmp_path):
    nb = write(tmp_path / "odd.ipynb", broken(**{"metadata.papermill": ["x"]}))
    refused_by_params(nb, "metadata.papermill is a list, not a mapping")


def test_a_kernelspec_language_that_is_not_text_is_ignored(tmp_path):
    """Harmless, so tolerated: the language is then the language_info's (Python), and the
    parameters cell is read, where it was taken for a notebook in a language named
    "{'a': 1}" that takes no parameters."""
    nb = write(tmp_path / "lang.ipynb",
               broken(**{"metadata.kernelspec.language": {"a": 1}}))
    result = run_cli("params", str(nb))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["n", "int", "default", "3"]
    assert lines[2].split() == ["how", "many"]
    assert lines[3].split() == ["label", "str", "(untyped)", "default", "'x'"]


def test_cell_papermill_metadata_of_the_wrong_shape_is_harmless(tmp_path):
    """papermill writes each cell's ``metadata.papermill`` afresh: text there is no
    reason to refuse the notebook."""
    nb = write(tmp_path / "cell.ipynb", broken(**{"cells.1.metadata.papermill": "x"}))
    ps, why = notebook_parameters(read_notebook(nb, "cell.ipynb"), "cell.ipynb")
    assert why == ""
    assert list(ps) == ["n", "label"]


# ---------------------------------------------------------------- numbers too long for Python

DIGITS = 5000
LIMIT = sys.get_int_max_str_digits()


def long_count_notebook(path: Path) -> tuple[Path, int, int]:
    """GOOD with a 5000-digit execution_count on its second cell; the line and column of
    that number in the file."""
    text = json.dumps(broken(**{"cells.1.execution_count": 123456789}), indent=1)
    assert text.count("123456789") == 1
    text = text.replace("123456789", "7" * DIGITS)
    write(path, text)
    before = text[:text.index("7" * DIGITS)]
    return path, before.count("\n") + 1, len(before) - before.rfind("\n")


@pytest.mark.skipif(LIMIT == 0 or LIMIT >= DIGITS, reason="no limit on int conversions")
def test_a_5000_digit_execution_count_is_bad_input(tmp_path):
    """Python refuses int-string conversions of more than 4300 digits (a ValueError that
    is not a JSON error): the line names the field, where it is, and why."""
    nb, line_no, column = long_count_notebook(tmp_path / "count.ipynb")
    words = ["'execution_count'", f"line {line_no}, column {column}", f"{DIGITS} digits",
             f"at most {LIMIT}"]
    refused_by_build(tmp_path, nb, *words)
    refused_by_params(nb, *words)


@pytest.mark.skipif(LIMIT == 0 or LIMIT >= DIGITS, reason="no limit on int conversions")
def test_long_digits_inside_text_are_not_taken_for_the_number(tmp_path):
    """A cell's source may hold any digits: the number named is the one Python refused."""
    nb = broken(**{"cells.1.source": "x = '" + "1" * DIGITS + "'",
                   "cells.1.execution_count": 123456789})
    text = json.dumps(nb).replace("123456789", "-" + "8" * (LIMIT + 1))
    path = write(tmp_path / "text.ipynb", text)
    with pytest.raises(NotebookSourceError) as caught:
        read_notebook(path, "text.ipynb")
    assert "'execution_count'" in caught.value.why
    assert f"a whole number of {LIMIT + 1} digits" in caught.value.why


# ---------------------------------------------------------------- a parameters cell too deep

def deep_cell(terms: int) -> str:
    return "x = " + " + ".join(["1"] * terms)


@pytest.mark.parametrize("source", [
    deep_cell(200_000),
    "x: int = " + " + ".join(["1"] * 200_000) + "  # help [>= 0]",
    "import os\ny = 2\nz = print(" + " + ".join(["1"] * 200_000) + ")",
], ids=["untyped", "typed", "not-a-parameter"])
def test_a_parameters_cell_too_deep_to_parse_is_bad_input(tmp_path, source):
    """ast.parse raises RecursionError on 200 000 terms (so would the kernel's compiler):
    the line names the notebook's parameters cell, for build and params alike."""
    nb = write(tmp_path / "deep.ipynb", broken(**{"cells.0.source": source}))
    words = ["its parameters cell is too deeply nested"]
    refused_by_build(tmp_path, nb, *words)
    refused_by_params(nb, *words)


def test_every_reader_of_the_cell_refuses_it_alike(tmp_path):
    nb_path = write(tmp_path / "deep.ipynb", broken(**{"cells.0.source": deep_cell(200_000)}))
    nb = read_notebook(nb_path, "deep.ipynb")
    for read in (declared, notebook_parameters):
        with pytest.raises(NotebookSourceError) as caught:
            read(nb, "deep.ipynb")
        assert caught.value.notebook == "deep.ipynb"
        assert caught.value.why.startswith("its parameters cell is too deeply nested")


def test_a_long_but_shallow_cell_is_read(tmp_path):
    """Length alone is no reason: 20 000 short assignments are 20 000 parameters."""
    source = "\n".join(f"p{i} = {i}" for i in range(20_000))
    nb_path = write(tmp_path / "long.ipynb", broken(**{"cells.0.source": source}))
    ps = declared(read_notebook(nb_path, "long.ipynb"), "long.ipynb")
    assert len(ps) == 20_000
    assert ps["p19999"].default == 19999
