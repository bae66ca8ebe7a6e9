"""Papermill's notebooks and parameters, unchanged, through ``bilateral``.

The notebooks are the ones papermill ships in its package (``papermill/tests/notebooks``):
``bilateral params`` lists what ``papermill --help-notebook`` lists, or refuses in one line
what papermill only skips; ``bilateral build`` gives each the outcome papermill gives it
(the same executed cells where papermill succeeds; exit code 1 and the same exception
where papermill fails at run time; exit code 2 before any kernel starts where papermill
fails on the notebook itself). papermill's ``-y``, ``-r`` and ``-b`` are checked with
values worked out by hand.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from bilateral.core.errors import BilateralError, NotebookSourceError, ParameterError
from bilateral.core.text import printable
from bilateral.engine.options import Options
from bilateral.engine.plan import plan
from bilateral.engine.workspace import Workspace
from bilateral.params import (
    convert,
    convert_raw,
    declared,
    load_base64_option,
    load_yaml_option,
    notebook_parameters,
)
from bilateral.params.cell import _infer
from tests.support import BILATERAL, DATA, ROOT, run_cli


def papermill_notebooks() -> Path:
    import papermill

    folder = Path(papermill.__file__).parent / "tests" / "notebooks"
    if not folder.is_dir():
        pytest.skip("papermill's test notebooks are not installed (its wheel ships them in "
                    "papermill/tests/notebooks; its sdist has them too)")
    return folder


def _nb(source: str, **metadata):
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[cell, new_code_cell("print(1)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata.update(metadata)
    return nb


def _one(line: str):
    (p,) = declared(_nb(line), "nb.ipynb").values()
    return p


# ---------------------------------------------------------------------------- the cell

@pytest.mark.parametrize("line, type_, default", [
    ("x = 1", "int", 1),
    ("x = -2.5", "float", -2.5),
    ("x = 'a'", "str", "a"),
    ("x = True", "bool", True),
    ("x = None", "any", None),
    ("x = [1, 2]", "list[int]", [1, 2]),
    ("x = [1, 2.5]", "list[float]", [1, 2.5]),
    ("x = ['a', 'b']", "list[str]", ["a", "b"]),
    ("x = [True]", "list[bool]", [True]),
    ("x = []", "list[any]", []),
    ("x = [1, 'a']", "list[any]", [1, "a"]),
    ("x = {'a': 1}", "dict", {"a": 1}),
    ("x = (1, 2)", "any", (1, 2)),     # a literal papermill cannot write back
])
def test_an_untyped_parameter_takes_the_type_of_its_default(line, type_, default):
    p = _one(line + "  # the help [is not a range]")
    assert (p.type, p.default, p.typed) == (type_, default, False)
    assert p.help == "the help [is not a range]"  # an untyped help is taken whole
    assert p.shown_type == f"{type_} (untyped)"


def test_a_default_that_is_not_a_literal_accepts_any_value():
    p = _one("when = datetime.date.today()  # run date")
    assert (p.type, p.default, p.default_text) == ("any", None, "datetime.date.today()")
    assert p.shown_default == "datetime.date.today()"
    assert convert(p, "2024-05-16") == "2024-05-16"


def test_type_comments_and_string_annotations_read_as_papermill_reads_them():
    ps = declared(_nb(
        "b = [\n    'Hello', # First element\n# Dummy comment\n    'World'\n"
        "] # type: List[str] Nice list\n"
        'c: "NoneType" = None\n'
        "a: float = 2.25 # Variable a\n"
        "n = 3  # type: int how many [>= 1]\n"
        "s = 'x'  # type: ignore\n"), "nb")
    assert [(p.name, p.shown_type, p.type, p.help) for p in ps.values()] == [
        ("b", "List[str]", "list[str]", "Nice list"),
        ("c", "NoneType", "any", ""),
        ("a", "float", "float", "Variable a"),
        ("n", "int", "int", "how many"),       # typed: its range is read
        ("s", "str (untyped)", "str", ""),
    ]
    assert ps["n"].bounds == "≥ 1"
    with pytest.raises(NotebookSourceError, match=r"parameter 'n' has type 'dict'"):
        declared(_nb("n = {}  # type: dict"), "nb")


def test_statements_that_are_not_assignments_are_not_parameters():
    ps = declared(_nb("%matplotlib inline\nimport os\n!echo hi\nx, y = 1, 2\nz += 1\n"
                      "a = b = 3\nif True:\n    w = 1\nmsg = None  # the message\n"), "nb")
    assert list(ps) == ["msg"] and ps["msg"].help == "the message"


def test_assignments_papermills_listing_skips_are_parameters():
    """papermill's reader skips a line with two '=' and cuts a value at its first '#'."""
    ps = declared(_nb('url = "https://x.org/?a=b"  # where\nn = 10  # n=10 by default\n'
                      's = "a#b"  # the s\nd = a == 3\n'), "nb")
    assert [(p.name, p.default, p.help) for p in ps.values()] == [
        ("url", "https://x.org/?a=b", "where"), ("n", 10, "n=10 by default"),
        ("s", "a#b", "the s"), ("d", None, "")]
    assert ps["d"].shown_default == "a == 3" and ps["d"].type == "any"


@pytest.mark.parametrize("source, message", [
    ("msg = None\n= 2", "its parameters cell is not valid Python (line 2, '= 2': invalid "
                        "syntax); the kernel would stop there"),
    ("x = (", "its parameters cell is not valid Python (line 1, 'x = (':"),
    ("print 'py2'", "its parameters cell is not valid Python (line 1, \"print 'py2'\":"),
])
def test_a_cell_that_is_not_python_is_refused_in_one_line(source, message):
    with pytest.raises(NotebookSourceError) as err:
        declared(_nb(source), "nb.ipynb")
    assert str(err.value).startswith(f"nb.ipynb: {message}"), str(err.value)
    assert "\n" not in str(err.value)


def test_a_notebook_without_parameters_cell_takes_none_unless_it_is_the_projects():
    nb = _nb("x = 1")
    nb.cells[0].metadata["tags"] = []
    assert notebook_parameters(nb, "nb") == ({}, "has no cell tagged 'parameters'")
    nb.metadata["bilateral"] = {}
    with pytest.raises(NotebookSourceError, match="has no cell tagged 'parameters'"):
        notebook_parameters(nb, "nb")


def test_the_parameters_of_another_language_are_not_read():
    nb = _nb("msg <- NULL", kernelspec={"name": "ir", "language": "R", "display_name": "R"})
    assert notebook_parameters(nb, "nb") == (
        None, "is an R notebook: bilateral reads parameters cells written in Python only")


# ---------------------------------------------------------------------------- values

# An untyped parameter whose default is None takes any value; the rule is from_text's,
# worked out here by hand for each text.
ANY_VALUES = {
    "hello": "hello",
    "3": 3,
    "-2.5": -2.5,
    "1e3": 1000.0,
    "True": True,
    "no": False,                   # the project's boolean words, as for a bool parameter
    "None": None,
    "null": None,
    "[1, 2]": "[1, 2]",            # text: only a parameter whose default is a list reads lists
    "": "",
    " 7 ": 7,
    "0x10": "is ambiguous: papermill or YAML read it as a number, this rule does not; "
            "write it in decimal",
    "1_000": "is ambiguous: papermill or YAML read it as a number, this rule does not; "
             "write it without separators",
    "nan": "is ambiguous: papermill or YAML read it as a number, this rule does not; give "
           "it as text with -r NAME VALUE",
    "1:20": "write a plain decimal",   # YAML 1.1 reads 80 (base 60)
    "012": "a leading zero is ambiguous (YAML 1.1 reads it as octal); write 12",
}


@pytest.mark.parametrize("text", list(ANY_VALUES))
def test_any_value(text):
    expected = ANY_VALUES[text]
    p = _one("msg = None")
    if isinstance(expected, str) and " " in expected and expected != text:
        with pytest.raises(ParameterError) as err:
            convert(p, text, "nb")
        assert expected in str(err.value), str(err.value)
    else:
        value = convert(p, text, "nb")
        assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("line, text, expected", [
    ("var = 1", "2", 2),
    ("var = 1", "2.5", "expected a whole number, got '2.5'"),
    ("bar = 'hello'", "5", "5"),                # text, as its default is (papermill: 5)
    ("rate = 2.5", "3", 3.0),
    ("flag = False", "on", True),
    ("names = ['a']", "[x, 5]", ["x", "5"]),
    ("years = [2020]", "[2021, 2022]", [2021, 2022]),
    ("mixed = []", "[1, a, true, ~]", [1, "a", True, None]),
    ("cfg = {'a': 1}", "{a: 2, b: x}", {"a": 2, "b": "x"}),
    ("cfg = {'a': 1}", "a=2", "expected a mapping such as {a: 1, b: text}, got 'a=2'"),
])
def test_untyped_values_follow_the_type_of_the_default(line, text, expected):
    p = _one(line)
    if isinstance(expected, str) and expected.startswith("expected"):
        with pytest.raises(ParameterError, match=re.escape(expected)):
            convert(p, text, "nb")
    else:
        value = convert(p, text, "nb")
        assert value == expected and type(value) is type(expected)


def test_raw_values_are_text_for_text_parameters_only():
    assert convert_raw(_one("msg = None"), "012") == "012"
    assert convert_raw(_one("bar = 'x'"), " yes ") == " yes "
    with pytest.raises(ParameterError) as err:
        convert_raw(_one("var = 1"), "2", "nb")
    assert str(err.value) == ("parameter 'var' of nb: -r gives the text '2' as it is, but the "
                              "parameter is int (from its default 1); give it with -p to have "
                              "it converted")
    with pytest.raises(ParameterError, match="but the parameter is list"):
        convert_raw(_one("xs: list = ['a']  # xs"), "[a]")


def test_yaml_and_base64_options_are_read_as_a_parameter_file_is():
    # Scalars stay text, converted later by the parameter's type: '012' is not octal here.
    assert load_yaml_option("{n: 3, label: '012', on: yes}") == {
        "n": "3", "label": "012", "on": "yes"}
    # "n: 1" is the bytes 6E 3A 20 31: 011011 100011 101000 100000 | 001100 010000 →
    # b j o g | M Q, padded: bjogMQ==. Line breaks in base64 (as `base64` wraps) are allowed.
    assert load_base64_option("bjog\nMQ==") == {"n": "1"}
    for option, text, message in [
        (load_yaml_option, "[1, 2]", "-y '[1, 2]': is a YAML list, expected a mapping"),
        (load_yaml_option, "{a: [1,", "-y '{a: [1,': is not valid YAML (line 1)"),
        (load_yaml_option, "", "-y '': is empty"),
        (load_yaml_option, "a: &x 1\nb: *x", "is refused: it uses an alias"),
        (load_yaml_option, "1: 2", "has a key '1' that is not a name"),
        (load_yaml_option, "{b:40}", "-y '{b:40}': has a key 'b:40' that is not a name (YAML "
                                     "needs a space after the colon: 'b: 40')"),
        (load_base64_option, "bjogMQ", "-b 'bjogMQ': is not base64"),
        (load_base64_option, "bjog MQ==!", "is not base64"),
        # FF FE: 111111 111111 111000 → / / 4, padded: //4=
        (load_base64_option, "//4=", "-b '//4=': decodes to bytes that are not UTF-8"),
        (load_base64_option, "héllo", "is not base64"),
    ]:
        with pytest.raises(ParameterError) as err:
            option(text)
        assert message in str(err.value), str(err.value)
    with pytest.raises(ParameterError, match="is larger than 64 KB"):
        load_yaml_option("a: " + "x" * 70_000)


PRECEDENCE_CELL = 'n = 0  # a number\nlabel = "x"  # a label\nmsg = None  # anything\n'


@pytest.fixture
def planned(tmp_path):
    """``plan`` of one untyped notebook with the given options: its parameters."""
    nb = tmp_path / "p.ipynb"
    nbformat.write(_nb(PRECEDENCE_CELL), str(nb))
    (tmp_path / "f.yaml").write_text("n: 2\nlabel: f\n", encoding="utf-8")
    count = iter(range(100))

    def run(**options):
        root = tmp_path / f"ws{next(count)}"
        root.mkdir()
        opts = Options(notebooks=[str(nb)], data_dir=DATA, out_dir=tmp_path / "out",
                       **options)
        (t,) = plan(opts, Workspace(root)).targets
        return t.parameters
    return run


def test_papermill_precedence_b_then_f_then_y_then_p_then_r(planned, tmp_path):
    f = str(tmp_path / "f.yaml")
    b = "bjogMQ=="  # n: 1 (worked out above)
    everything = dict(parameters_base64=[b], parameter_files=[f],
                      parameters_yaml=["{n: 3, label: y}"], parameters=[("n", "4")],
                      parameters_raw=[("label", "012")])
    assert planned(**everything) == {"n": 4, "label": "012"}
    assert planned(parameters_base64=[b], parameter_files=[f],
                   parameters_yaml=["{n: 3, label: y}"]) == {"n": 3, "label": "y"}
    assert planned(parameters_base64=[b], parameter_files=[f]) == {"n": 2, "label": "f"}
    assert planned(parameters_base64=[b]) == {"n": 1}
    # Repeated options apply in order, the last winning, as papermill's do.
    assert planned(parameters_yaml=["{n: 5}", "{n: 6}"]) == {"n": 6}
    # A value reads the same from every source, quoted or not: "2" in YAML is 2 for msg,
    # where papermill's YAML would keep the string; -r gives text.
    assert planned(parameters_yaml=['{msg: [1, "2", on, two]}']) == {
        "msg": [1, 2, True, "two"]}
    assert planned(parameters_yaml=["{msg: 1}"], parameters_raw=[("msg", "1")]) == {
        "msg": "1"}


def test_an_untyped_data_dir_is_the_notebooks_own(tmp_path):
    """Only a typed 'data_dir: str' (the project's notebooks) is the build's --data."""
    for cell, given, expected in [
        ('data_dir = "input"  # its folder', [], {}),
        ('data_dir = "input"  # its folder', [("data_dir", "other")], {"data_dir": "other"}),
        ('data_dir: str = "x"  # data', [], {"data_dir": "data"}),
    ]:
        nb = tmp_path / "d.ipynb"
        nbformat.write(_nb(cell), str(nb))
        root = tmp_path / f"ws{len(list(tmp_path.iterdir()))}"
        root.mkdir()
        opts = Options(notebooks=[str(nb)], data_dir=DATA, out_dir=tmp_path / "out",
                       parameters=given)
        (t,) = plan(opts, Workspace(root)).targets
        assert t.parameters == expected, cell
    opts.parameters = [("data_dir", "other")]
    root = tmp_path / "last"
    root.mkdir()
    with pytest.raises(BilateralError, match="set the data folder with --data DIR"):
        plan(opts, Workspace(root))


@pytest.mark.parametrize("options, message", [
    (dict(parameters_yaml=["{nope: 1}"]),
     "parameter 'nope': unknown parameter in -y '{nope: 1}' (known: label, msg, n)"),
    (dict(parameters_raw=[("nope", "1")]), "parameter 'nope': unknown parameter (known:"),
    (dict(parameters_raw=[("n", "1")]), "parameter 'n' of p: -r gives the text '1' as it "
                                        "is, but the parameter is int (from its default 0)"),
    (dict(parameters_base64=["bjogMQ"]), "-b 'bjogMQ': is not base64"),
    (dict(parameters_yaml=["{n: 0x10}"]), "parameter 'n' of p: expected a whole number, "
                                          "got '0x10' (write numbers in decimal)"),
    (dict(parameters_raw=[("msg", "\udcff")]), "is not UTF-8 text"),
])
def test_papermill_options_are_validated_as_p_and_f_are(planned, options, message):
    with pytest.raises(BilateralError) as err:
        planned(**options)
    assert message in str(err.value), str(err.value)


# ---------------------------------------------------------------------------- params

def _papermill_help(paths: list[Path]) -> dict[Path, list[str]]:
    """``papermill --help-notebook`` of each notebook, in one process: its lines after the
    heading."""
    script = (
        "import sys\nfrom papermill.cli import papermill\n"
        "for p in sys.argv[1:]:\n"
        "    print('=== ' + p, flush=True)\n"
        "    try:\n"
        "        papermill.main(['--help-notebook', p], standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    sys.stdout.flush()\n")
    out = subprocess.run([sys.executable, "-c", script, *map(str, paths)], capture_output=True,
                         text=True, timeout=300, stdin=subprocess.DEVNULL, check=True).stdout
    found: dict[Path, list[str]] = {}
    for chunk in out.split("=== ")[1:]:
        head, _, body = chunk.partition("\n")
        lines = body.split("\n")
        start = next(i for i, ln in enumerate(lines) if ln.startswith("Parameters inferred"))
        found[Path(head)] = [ln for ln in lines[start + 1:] if ln.strip()]
    return found


def _papermill_params(lines: list[str]) -> list[dict] | str:
    """papermill's listing as [{name, type, default, help}], or its one remark."""
    if len(lines) == 1 and not re.match(r"  \w+: ", lines[0]):
        return lines[0].strip()
    params: list[dict] = []
    for line in lines:
        if line.startswith(" " * 34) and params:
            params[-1]["help"] = line.strip()
            continue
        m = re.match(r"  (\w+): (.+?) \(default (.*)\)(.*)$", line)
        assert m, line
        params.append({"name": m[1], "type": m[2], "default": m[3], "help": m[4].strip()})
    return params


def _bilateral_params(path: Path, capsys) -> list[dict] | str:
    """``bilateral params`` of one notebook: [{name, type, default, help}], its remark, or
    its one-line refusal."""
    from bilateral.cli import _cmd_params, parser

    try:
        assert _cmd_params(parser().parse_args(["params", str(path)])) == 0
    except BilateralError as exc:
        assert capsys.readouterr().out == ""
        return f"refused: {exc}"
    lines = capsys.readouterr().out.splitlines()[1:]
    if len(lines) == 1 and lines[0].startswith("  no parameters"):
        return lines[0].strip()
    params: list[dict] = []
    for line in lines:
        if line.startswith(" " * 25):
            params[-1]["help"] = line.strip()
            continue
        m = re.match(r"  (\S+)\s+(.+?)\s+default (.*?)(?:  allowed .*)?$", line)
        assert m, line
        params.append({"name": m[1], "type": m[2], "default": m[3], "help": ""})
    return params


# What papermill only skips, bilateral refuses (in one line, exit 2).
REFUSED = {
    # '= 2' is not Python: papermill's listing skips the line, and its kernel stops there.
    "complex_parameters.ipynb": "its parameters cell is not valid Python (line 14, '= 2': "
                                "invalid syntax)",
    # papermill cannot read an R cell's parameters: it says it can infer nothing.
    "notimplemented_translator.ipynb": "is an R notebook: bilateral reads parameters cells "
                                       "written in Python only",
}


def test_params_lists_what_papermill_help_notebook_lists(tmp_path, capsys):
    shipped = papermill_notebooks()
    paths = sorted(shipped.rglob("*.ipynb"))
    # complex_parameters without its two broken lines, both can read: typed, untyped, a
    # type comment, a string annotation, a multi-line list with comments inside.
    complex_nb = nbformat.read(str(shipped / "complex_parameters.ipynb"), as_version=4)
    cell = complex_nb.cells[0]
    cell.source = cell.source.split("# Not introspectable line")[0]
    (tmp_path / "complex_valid.ipynb").write_text(nbformat.writes(complex_nb), "utf-8")
    magic = _nb("%matplotlib inline\nn = 3  # how many\n")
    (tmp_path / "magic.ipynb").write_text(nbformat.writes(magic), "utf-8")
    paths += [tmp_path / "complex_valid.ipynb", tmp_path / "magic.ipynb"]
    theirs = _papermill_help(paths)
    compared = 0
    for path in paths:
        pm = _papermill_params(theirs[path])
        ours = _bilateral_params(path, capsys)
        if path.name in REFUSED:
            assert ours == f"refused: {path}: {REFUSED[path.name]}" or (
                isinstance(ours, str) and REFUSED[path.name] in ours), ours
            assert "\n" not in ours
            continue
        if pm == "No cell tagged 'parameters'":
            assert ours == "no parameters: it has no cell tagged 'parameters'", path.name
            continue
        assert isinstance(pm, list) and isinstance(ours, list), (path.name, pm, ours)
        assert [p["name"] for p in ours] == [p["name"] for p in pm], path.name
        for mine, their in zip(ours, pm):
            where = f"{path.name}: {mine['name']}"
            assert mine["help"] == their["help"], where
            default = ast.literal_eval(their["default"])
            assert ast.literal_eval(mine["default"]) == default, where
            if their["type"] == "Unknown type":  # untyped: ours says so, and what it reads
                assert mine["type"] == f"{_infer(default)} (untyped)", where
            else:
                assert mine["type"] == their["type"], where
            compared += 1
    assert compared >= 12, compared


# ---------------------------------------------------------------------------- build

# papermill's shipped notebooks that a build runs; the two that only sleep
# (keyboard_interrupt: 60 s, gcs-simple_notebook: 14 s) are left out.
SLEEPERS = {"keyboard_interrupt.ipynb", "gcs-simple_notebook.ipynb"}
# Those papermill cannot run for a reason in the notebook itself: bilateral refuses them
# before anything runs (exit 2, one line), papermill fails (exit 1, a traceback).
BEFORE_RUN = {
    "complex_parameters.ipynb": "its parameters cell is not valid Python (line 14, '= 2'",
    "blank-vscode.ipynb": "names no kernel (its metadata has no kernelspec)",
    "notimplemented_translator.ipynb": "needs the kernelspec 'r', which is not installed",
}
# The values given, each with what every option means, worked out by hand.
BUILD_ARGS = ["-p", "msg", "hello",         # simple_execute and s3-simple_notebook: text
              "-p", "a", "2", "-y", "{b: 40}",  # report_mode_test prints a + b = 42
              "-y", "{foo: 7}", "-r", "bar", "012",  # result_no_exec: 7 and the text '012'
              # nb_version_4.4: var: 5 is the bytes 76 61 72 3A 20 35: 011101 100110 000101
              # 110010 | 001110 100010 000000 110101 → d m F y | O i A 1
              "-b", "dmFyOiA1"]
# What papermill's command line makes of the same options (-b, -f and -y before -p, then
# -r, in that order in the injected cell too).
PAPERMILL_PARAMETERS = {"simple_execute": {"msg": "hello"},
                        "s3-simple_notebook": {"msg": "hello"},
                        "report_mode_test": {"b": 40, "a": 2},
                        "result_no_exec": {"foo": 7, "bar": "012"},
                        "nb_version_4.4": {"var": 5}}


def _papermill_outcome(src: Path, out: Path) -> tuple[int, object]:
    """papermill's outcome: (0, executed notebook) or (1, its exception), as its command
    line exits 0 or 1 with the exception's traceback."""
    import papermill as pm

    try:
        pm.execute_notebook(str(src), str(out), parameters=PAPERMILL_PARAMETERS.get(src.stem),
                            cwd=str(src.parent), progress_bar=False)
    except Exception as exc:  # noqa: BLE001 - papermill's failures, compared below
        return 1, exc
    return 0, nbformat.read(str(out), as_version=4)


def _cells(nb) -> list:
    """What a run leaves in a notebook: each cell's source, count and outputs (streams
    merged as a front end shows them), without ids, metadata or papermill's error
    banners."""
    found = []
    for c in nb.cells:
        if "papermill-error-cell-tag" in c.metadata.get("tags", []):
            continue
        outs = []
        for o in c.get("outputs", []):
            if o.output_type == "stream" and outs and outs[-1][0] == "stream" \
                    and outs[-1][1] == o.name:
                outs[-1] = ("stream", o.name, outs[-1][2] + o.text)
            elif o.output_type == "stream":
                outs.append(("stream", o.name, o.text))
            elif o.output_type == "error":
                outs.append(("error", o.ename, o.evalue))
            else:
                outs.append((o.output_type, json.dumps(o.get("data", {}), sort_keys=True)))
        found.append((c.cell_type, c.source, c.get("execution_count"), outs))
    return found


@pytest.mark.slow
def test_papermills_notebooks_build_with_papermills_outcome(tmp_path, monkeypatch):
    shipped = papermill_notebooks()
    # The PATH a build gives its kernels (this Python's folder first), for papermill's
    # kernels too: binder.ipynb runs 'python -m papermill' in a shell.
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep
                       + os.environ.get("PATH", ""))
    # Three folders deep, so that binder.ipynb's 'cd ../../../' stays in this test's folder.
    folder = tmp_path / "a" / "b" / "c" / "notebooks"
    shutil.copytree(shipped, folder)
    (folder / "check.txt").write_text("read_check.ipynb looks for me in its own folder\n")
    every = sorted(p for p in folder.rglob("*.ipynb") if p.name not in SLEEPERS)
    runnable = [p for p in every if p.name not in BEFORE_RUN]
    assert len(runnable) >= 16, [p.name for p in runnable]
    out = tmp_path / "out"
    build = subprocess.Popen(
        [*BILATERAL, "build", *map(str, runnable), *BUILD_ARGS, "--jobs", "2", "--out",
         str(out), "-q"], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    (tmp_path / "pm").mkdir()
    theirs = {p.stem: _papermill_outcome(p, tmp_path / "pm" / p.name) for p in every}
    stdout, stderr = build.communicate(timeout=900)

    failed = {p.stem for p in runnable if theirs[p.stem][0] == 1}
    assert build.returncode == (1 if failed else 0), stderr
    assert "Traceback" not in stderr and stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == len(failed), stderr  # one line for each notebook that failed
    said = {}
    for line in lines:
        m = re.match(r"bilateral: (\S+), cell (\d+): (\w+)(?:: (.*?))? \(executed notebook "
                     r"kept at (.+)\)$", line)
        assert m, line
        said[m[1]] = m
    assert set(said) == failed
    for p in runnable:
        code, result = theirs[p.stem]
        if code == 0:
            executed = nbformat.read(str(out / f"{p.stem}.ipynb"), as_version=4)
            assert _cells(executed) == _cells(result), p.name
            assert (out / f"{p.stem}.html").stat().st_size > 0
            assert (out / f"{p.stem}.pdf").read_bytes().startswith(b"%PDF-")
        else:  # the same exception, in the same cell of the notebook
            m = said[p.stem]
            assert (m[3], m[4] or "") == (result.ename, printable(result.evalue).strip()), (
                p.name, m[0])
            source = nbformat.read(str(p), as_version=4)
            assert source.cells[int(m[2]) - 1].source == result.source, m[0]
            assert Path(m[5]) == out / "_failed" / f"{p.stem}.ipynb"
            assert Path(m[5]).is_file() and not (out / f"{p.stem}.html").exists()
    # sys.exit(0), sys.exit() and raise SystemExit succeed, as in papermill; the cells
    # after them do not run. SystemExit(1) fails.
    assert theirs["sysexit0"][0] == 0 and (out / "sysexit0.pdf").is_file()
    assert said["sysexit1"].group(3, 4) == ("SystemExit", "1")
    # The working folder is the notebook's own: read_check finds check.txt there.
    assert (out / "read_check.pdf").is_file()

    for p in every:
        if p.name not in BEFORE_RUN:
            continue
        assert theirs[p.stem][0] == 1, p.name  # papermill fails on it
        result = run_cli("build", str(p), "--out", str(out), "-q", timeout=120)
        assert result.returncode == 2, (p.name, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert f"bilateral: {p}: {BEFORE_RUN[p.name]}" in result.stderr, result.stderr
