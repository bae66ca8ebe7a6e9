"""Parameters: parsing the parameters cell, converting values, refusing what does not fit."""

from __future__ import annotations

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from bilateral.errors import NotebookSourceError, ParameterError
from bilateral.params import convert, declared, load_file, resolve


def _nb(source: str, tag: bool = True):
    cell = new_code_cell(source)
    if tag:
        cell.metadata["tags"] = ["parameters"]
    other = new_code_cell("x = 1")
    other.metadata["tags"] = []
    nb = new_notebook(cells=[cell, other])
    nb.metadata["papermill"] = {}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


PARAMS_CELL = '''name: str = "a"  # a name
count: int = 3  # how many
rate: float = 5.2  # percent
flag: bool = False  # on or off
rates: list[float] = [0.0, 5.2]  # several rates
'''


def test_declared_reads_type_default_and_help():
    ps = declared(_nb(PARAMS_CELL), "nb")
    assert list(ps) == ["name", "count", "rate", "flag", "rates"]
    assert (ps["rate"].type, ps["rate"].default, ps["rate"].help) == ("float", 5.2, "percent")
    assert ps["rates"].type == "list[float]" and ps["rates"].default == [0.0, 5.2]
    assert ps["flag"].default is False


@pytest.mark.parametrize("source, message", [
    ("x = 1", "expected 'name: type = value"),
    ("x: dict = {}", "has type 'dict'"),
    ("x: int = 'a'", "the default does not fit its type"),
    ("x: float = 1 + 2", "not a literal"),
    ("x: int = (", "not valid Python"),
])
def test_bad_parameters_cell(source, message):
    with pytest.raises(NotebookSourceError, match=message):
        declared(_nb(source), "nb.ipynb")


def test_no_parameters_cell():
    with pytest.raises(NotebookSourceError, match="has no cell tagged 'parameters'"):
        declared(_nb("x: int = 1", tag=False), "nb.ipynb")


@pytest.mark.parametrize("name, text, expected", [
    ("rate", "350", 350.0),
    ("rate", " -2.5 ", -2.5),
    ("count", "2030", 2030),
    ("flag", "yes", True),
    ("flag", "False", False),
    ("rates", "[0, 3, 6.5]", [0.0, 3.0, 6.5]),
    ("name", "[1, 2]", "[1, 2]"),
])
def test_convert(name, text, expected):
    p = declared(_nb(PARAMS_CELL), "nb")[name]
    value = convert(p, text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("name, text, message", [
    ("rate", "abc", "parameter 'rate' of nb: expected a number, got 'abc'"),
    ("rate", "nan", "expected a finite number"),
    ("count", "2030.5", "expected a whole number"),
    ("flag", "maybe", "expected true or false"),
    ("rates", "5", "expected a list"),
    ("rates", "[1, x]", r"parameter 'rates\[1\]' of nb: expected a number"),
    ("rates", "[1, true]", r"rates\[1\]"),
])
def test_convert_refuses(name, text, message):
    p = declared(_nb(PARAMS_CELL), "nb")[name]
    with pytest.raises(ParameterError, match=message):
        convert(p, text, "nb")


def test_python_in_a_string_parameter_stays_a_string():
    from papermill.parameterize import parameterize_notebook

    payload = '"); pwned = True; ("'
    p = declared(_nb(PARAMS_CELL), "nb")["name"]
    value = convert(p, payload)
    assert value == payload
    nb = parameterize_notebook(_nb(PARAMS_CELL), {"name": value})
    injected = next(c for c in nb.cells
                    if "injected-parameters" in c.metadata.get("tags", []))
    namespace: dict = {}
    exec(compile(injected.source, "injected", "exec"), namespace)  # what the kernel runs
    assert namespace["name"] == payload
    assert "pwned" not in namespace


def test_resolve_applies_a_name_where_declared_and_refuses_unknown():
    a = declared(_nb(PARAMS_CELL), "a")
    b = declared(_nb('data_dir: str = "x"  # data\nname: str = "b"  # n'), "b")
    out = resolve({"a": a, "b": b}, [("rate", "7"), ("name", "z")],
                  [("f.yaml", {"rate": 6, "count": 4})])
    assert out == {"a": {"rate": 7.0, "count": 4, "name": "z"}, "b": {"name": "z"}}
    with pytest.raises(ParameterError, match="parameter 'nope': unknown parameter"):
        resolve({"a": a}, [("nope", "1")], [])
    with pytest.raises(ParameterError, match="parameter 'rates'"):
        resolve({"a": a}, [], [("f.yaml", {"rates": 5})])


@pytest.mark.parametrize("text, message", [
    ("- 1\n- 2\n", "is a YAML list, expected a mapping"),
    ("", "is empty"),
    ("a: [1,\n", "is not valid YAML"),
    ("1: 2\n", "has a key 1 that is not a name"),
])
def test_load_file_refuses(tmp_path, text, message):
    f = tmp_path / "p.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message) as err:
        load_file(f)
    assert str(err.value).startswith(str(f))


def test_load_file_missing(tmp_path):
    with pytest.raises(ParameterError, match="parameter file not found"):
        load_file(tmp_path / "none.yaml")
