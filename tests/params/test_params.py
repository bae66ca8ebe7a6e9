"""Parameters: parsing the parameters cell, converting values, refusing what does not fit."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from bilateral.core.errors import NotebookSourceError, ParameterError
from bilateral.params import Bound, Parameter, convert, declared, load_file, resolve


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
    # An untyped 'x = 1' is a parameter now (papermill's form, tests/test_papermill.py);
    # a type is still one of the declared set, as an annotation or a type comment.
    ("x = 1  # type: dict", "has type 'dict'"),
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
    # A file's values arrive as text (load_file keeps YAML scalars as strings) and are
    # converted by the declared type, as -p values are.
    out = resolve({"a": a, "b": b}, [("rate", "7"), ("name", "z")],
                  [("f.yaml", {"rate": "6", "count": "4"})])
    assert out == {"a": {"rate": 7.0, "count": 4, "name": "z"}, "b": {"name": "z"}}
    with pytest.raises(ParameterError, match="parameter 'nope': unknown parameter"):
        resolve({"a": a}, [("nope", "1")], [])
    with pytest.raises(ParameterError, match="parameter 'rates'"):
        resolve({"a": a}, [], [("f.yaml", {"rates": "5"})])


@pytest.mark.parametrize("text, message", [
    ("- 1\n- 2\n", "is a YAML list, expected a mapping"),
    ("", "is empty"),
    ("a: [1,\n", "is not valid YAML"),
    # Keys are read as text now, so the key 1 is the string '1', refused as not a name.
    ("1: 2\n", "has a key '1' that is not a name"),
    ("a b: 2\n", "has a key 'a b' that is not a name"),
    ("? [a]\n: 2\n", "is not valid YAML"),
    ("5\n", "is a YAML scalar, expected a mapping"),
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


# ---------------------------------------------------------------------------- declared ranges

def _one(line: str, shown: str = "nb.ipynb"):
    """The single parameter a one-line parameters cell declares."""
    (p,) = declared(_nb(line), shown).values()
    return p


def test_range_is_read_from_the_end_of_the_help():
    p = _one("g: list[float] = [0.0, 5.2]  # yearly growth, percent "
             "[> -100, <= 1000, 1..8 items]")
    assert p.help == "yearly growth, percent"
    assert p.lower == Bound(">", -100, "-100") and type(p.lower.limit) is int
    assert p.upper == Bound("<=", 1000, "1000")
    assert p.items == (1, 8)
    assert p.bounds == "> -100 and ≤ 1000"
    assert p.allowed == "1 to 8 items, each > -100 and ≤ 1000"


@pytest.mark.parametrize("line, lower, upper, items, help_, allowed", [
    ("y: int = 2030  # last year [>= 1991, <= 2100]",
     Bound(">=", 1991, "1991"), Bound("<=", 2100, "2100"), None, "last year",
     "≥ 1991 and ≤ 2100"),
    ("m: float = 3.0  # a multiple [>0]", Bound(">", 0, "0"), None, None, "a multiple", "> 0"),
    ("m: float = 0.5  # share [ < 1 , >= .25 ]",
     Bound(">=", 0.25, ".25"), Bound("<", 1, "1"), None, "share", "≥ .25 and < 1"),
    ("m: float = 5.0  # exactly five [>= 5, <= 5]",
     Bound(">=", 5, "5"), Bound("<=", 5, "5"), None, "exactly five", "≥ 5 and ≤ 5"),
    ("m: float = 1.0  # big [<= 1e3]", None, Bound("<=", 1000.0, "1e3"), None, "big", "≤ 1e3"),
    ("s: list[str] = ['a']  # labels [1..1 item]", None, None, (1, 1), "labels",
     "exactly 1 item"),
    ("s: list[int] = []  # years [0..3 items]", None, None, (0, 3), "years", "0 to 3 items"),
    ("s: str = 'a'  # see [1] and [2] below", None, None, None, "see [1] and [2] below", ""),
    ("s: str = 'a'  # no range", None, None, None, "no range", ""),
])
def test_range_forms(line, lower, upper, items, help_, allowed):
    p = _one(line)
    assert (p.lower, p.upper, p.items, p.help, p.allowed) == (lower, upper, items, help_,
                                                              allowed)


@pytest.mark.parametrize("line, message", [
    ("x: float = 1.0  # h [> abc]", "the range [> abc]: 'abc' in '> abc' is not a plain "
                                    "decimal number"),
    ("x: float = 1.0  # h [> 0x10]", "'0x10' in '> 0x10' is not a plain decimal"),
    ("x: float = 1.0  # h [> 012]", "'012' in '> 012' is not a plain decimal"),
    ("x: float = 1.0  # h [< inf]", "'inf' in '< inf' is not a plain decimal"),
    ("x: float = 1.0  # h [< 1e999]", "'1e999' is not a finite number"),
    ("x: float = 1.0  # h [=> 0]", "cannot read '=> 0' (expected > N, >= N, < N, <= N or "
                                   "A..B items)"),
    ("x: float = 1.0  # h [> 0; < 2]", "cannot read '> 0; < 2'"),
    ("x: float = 1.0  # h [> 0,]", "cannot read an empty constraint"),
    ("x: float = 1.0  # h []", "the range [] is empty"),
    ("x: float = 1.0  # h [ ]", "the range [ ] is empty"),
    ("x: float = 1.0  # h [> 0, >= 1]", "has two lower bounds"),
    ("x: float = 1.0  # h [< 9, <= 8]", "has two upper bounds"),
    ("x: float = 1.0  # h [> 5, < 5]", "admits no value (> 5 and < 5)"),
    ("x: float = 1.0  # h [>= 5, < 5]", "admits no value"),
    ("x: float = 1.0  # h [> 6, <= 2]", "admits no value"),
    ("x: float = 1.0  # h [1..8 items]", "'1..8 items' counts a list's items, but the type "
                                         "is float"),
    ("x: list[float] = [1.0]  # h [8..1 items]", "'8..1 items' allows no length (8 > 1)"),
    ("x: list[float] = [1.0]  # h [1..2 items, 1..3 items]", "counts items twice"),
    ("x: list[float] = [1.0]  # h [-1..2 items]", "cannot read '-1..2 items'"),
    ("x: str = 'a'  # h [> 0]", "'> 0' bounds a number, but the type is str"),
    ("x: bool = True  # h [> 0]", "bounds a number, but the type is bool"),
    ("x: list[str] = ['a']  # h [> 0]", "bounds a number, but the type is list[str]"),
    ("x: float = 1.0  # odd]", "ends with ']' but holds no range"),
    ("x: float = 1.0  # h [[> 0]]", "ends with ']' but holds no range"),
])
def test_malformed_range_is_refused(line, message):
    with pytest.raises(NotebookSourceError) as err:
        declared(_nb(line), "nb.ipynb")
    assert str(err.value).startswith("nb.ipynb: parameter 'x': "), str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize("line, message", [
    ("x: int = 5  # h [> 5]", "nb.ipynb: parameter 'x': the default does not fit its declared "
                              "range: 5 is outside the allowed range (> 5)"),
    ("x: float = 1000.5  # h [> 0, <= 1000]", "parameter 'x': the default does not fit its "
                                              "declared range: 1000.5 is outside"),
    ("x: list[float] = [1.0, -2.0]  # h [> 0]", "parameter 'x[1]': the default does not fit "
                                                "its declared range: -2.0 is outside the "
                                                "allowed range (> 0)"),
    ("x: list[int] = []  # h [1..2 items]", "parameter 'x': the default does not fit its "
                                            "declared range: 0 items; allowed 1 to 2"),
])
def test_default_outside_its_range_is_refused(line, message):
    with pytest.raises(NotebookSourceError) as err:
        declared(_nb(line), "nb.ipynb")
    assert message in str(err.value)


RANGED_CELL = '''year: int = 2030  # last year [>= 1991, <= 2100]
share: float = 0.5  # a share [> 0, < 1]
growth: list[float] = [0.0, 5.2]  # yearly growth [> -100, <= 1000, 1..3 items]
'''


@pytest.mark.parametrize("name, text, expected", [
    ("year", "1991", 1991),   # the lower bound itself: >= admits it
    ("year", "2100", 2100),   # the upper bound itself: <= admits it
    ("share", "0.999", 0.999),
    ("growth", "[-99.9, 1000]", [-99.9, 1000.0]),
    ("growth", "[0]", [0.0]),                 # 1 item: the least allowed
    ("growth", "[1, 2, 3]", [1.0, 2.0, 3.0]),  # 3 items: the most allowed
])
def test_values_inside_the_range(name, text, expected):
    p = declared(_nb(RANGED_CELL), "nb")[name]
    assert convert(p, text, "nb") == expected


@pytest.mark.parametrize("name, text, message", [
    ("year", "2300", "parameter 'year' of nb: 2300 is outside the allowed range "
                     "(≥ 1991 and ≤ 2100)"),
    ("year", "1990", "parameter 'year' of nb: 1990 is outside the allowed range"),
    ("share", "0", "parameter 'share' of nb: 0.0 is outside the allowed range (> 0 and < 1)"),
    ("share", "-0", "parameter 'share' of nb: -0.0 is outside the allowed range"),
    ("share", "1", "parameter 'share' of nb: 1.0 is outside the allowed range (> 0 and < 1)"),
    ("growth", "[5, -100]", "parameter 'growth[1]' of nb: -100.0 is outside the allowed range "
                            "(> -100 and ≤ 1000)"),
    ("growth", "[1000.01]", "parameter 'growth[0]' of nb: 1000.01 is outside"),
    ("growth", "[]", "parameter 'growth' of nb: 0 items; allowed 1 to 3"),
    ("growth", "[1, 2, 3, 4]", "parameter 'growth' of nb: 4 items; allowed 1 to 3"),
])
def test_values_outside_the_range_from_p(name, text, message):
    p = declared(_nb(RANGED_CELL), "nb")[name]
    with pytest.raises(ParameterError) as err:
        convert(p, text, "nb")
    assert str(err.value).startswith(message), str(err.value)


@pytest.mark.parametrize("yaml_text, message", [
    ("year: 2300\n", "parameter 'year' of nb: 2300 is outside the allowed range "
                     "(≥ 1991 and ≤ 2100)"),
    ("share: 1.0\n", "parameter 'share' of nb: 1.0 is outside the allowed range (> 0 and < 1)"),
    ("growth: [5, -100]\n", "parameter 'growth[1]' of nb: -100.0 is outside the allowed "
                            "range (> -100 and ≤ 1000)"),
    ("growth:\n  - 5\n  - -100\n", "parameter 'growth[1]' of nb: -100.0 is outside"),
    ("growth: []\n", "parameter 'growth' of nb: 0 items; allowed 1 to 3"),
    ("growth: [1, 2, 3, 4]\n", "parameter 'growth' of nb: 4 items; allowed 1 to 3"),
])
def test_values_outside_the_range_from_a_file(tmp_path, yaml_text, message):
    f = tmp_path / "p.yaml"
    f.write_text(yaml_text, encoding="utf-8")
    ps = declared(_nb(RANGED_CELL), "nb")
    with pytest.raises(ParameterError) as err:
        resolve({"nb": ps}, [], [(str(f), load_file(f))])
    assert str(err.value).startswith(message), str(err.value)


def _params_command(*args: str) -> int:
    """``bilateral params`` in this process (without main's process-wide import tweak)."""
    from bilateral.cli import _cmd_params, parser

    return _cmd_params(parser().parse_args(["params", *args]))


def test_params_command_shows_the_range(tmp_path, capsys):
    nb = _nb(RANGED_CELL + 'label: str = "a"  # a label\n')
    path = tmp_path / "ranged.ipynb"
    nbformat.write(nb, str(path))
    assert _params_command(str(path)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "  year                   int          default 2030  allowed ≥ 1991 and ≤ 2100",
        "                         last year",
        "  share                  float        default 0.5  allowed > 0 and < 1",
        "                         a share",
        "  growth                 list[float]  default [0.0, 5.2]  allowed 1 to 3 items, each "
        "> -100 and ≤ 1000",
        "                         yearly growth",
        "  label                  str          default 'a'",
        "                         a label",
    ]


def test_params_command_shows_the_committed_ranges(capsys):
    assert _params_command("trade") == 0
    out = capsys.readouterr().out
    assert "  horizon_year           int          default 2030  allowed ≥ 1991 and ≤ 2100\n" in out
    assert ("default [0.0, 5.2, 10.0]  allowed 1 to 8 items, each > -100 and ≤ 1000\n"
            "                         yearly growth of each path, percent\n") in out


# ---------------------------------------------------------------------------- one rule for values

# Each text below as a float, an int and a bool parameter: the value, or a piece of the
# reason it is refused. Worked out from the rule in from_text's docstring.
RULES = {
    #  text      float              int                               bool
    "1e3":   (1000.0,            "expected a whole number, got '1e3' (no decimal point",
              "expected true or false"),
    "0x10":  ("expected a number, got '0x10' (write numbers in decimal)",
              "expected a whole number, got '0x10' (write numbers in decimal)",
              "expected true or false"),
    "012":   ("expected a number, got '012': a leading zero is ambiguous (YAML 1.1 reads it "
              "as octal); write 12",
              "expected a whole number, got '012': a leading zero is ambiguous",
              "expected true or false"),
    "1_000": ("expected a number, got '1_000' (write numbers without separators)",
              "expected a whole number, got '1_000' (write numbers without separators)",
              "expected true or false"),
    "nan":   ("expected a finite number, got 'nan'", "expected a whole number, got 'nan'",
              "expected true or false"),
    "inf":   ("expected a finite number, got 'inf'", "expected a whole number, got 'inf'",
              "expected true or false"),
    "-0":    (-0.0,              0,                                  "expected true or false"),
    ".5":    (0.5,               "expected a whole number, got '.5'", "expected true or false"),
    "5.":    (5.0,               "expected a whole number, got '5.'", "expected true or false"),
    "+3":    (3.0,               3,                                  "expected true or false"),
    " 7 ":   (7.0,               7,                                  "expected true or false"),
    "True":  ("expected a number, got 'True'", "expected a whole number, got 'True'", True),
    "yes":   ("expected a number, got 'yes'", "expected a whole number, got 'yes'", True),
    "1":     (1.0,               1,
              "expected true or false, got '1' (1 and 0 are numbers"),
}
RULE_TYPES = ("float", "int", "bool")


def _outcome(fn):
    """A converted value as (type, repr), or a refusal as ('refused', why)."""
    try:
        value = fn()
    except ParameterError as exc:
        return ("refused", exc.why)
    return (type(value).__name__, repr(value))


def _contexts(type_: str, text: str, tmp_path):
    """The same text reaching a parameter of ``type_`` by every road a value can take."""
    scalar = Parameter("x", type_, None, "")
    listed = Parameter("xs", f"list[{type_}]", None, "")
    quoted = '"' + text + '"'

    def from_file(line: str, param: Parameter):
        f = tmp_path / "p.yaml"
        f.write_text(line, encoding="utf-8")
        value = load_file(f)[param.name]
        return convert(param, value, "nb")

    def element(fn):
        def run():
            (only,) = fn()
            return only
        return run

    roads = {
        "-p scalar": lambda: convert(scalar, text, "nb"),
        "file value": lambda: from_file(f"x: {text}\n", scalar),
        "file value, quoted": lambda: from_file(f"x: {quoted}\n", scalar),
    }
    if type_ != "bool":  # no list[bool] type; the list element rule is the same function
        roads.update({
            "-p list element": element(lambda: convert(listed, f"[{text}]", "nb")),
            "-p list element, quoted": element(lambda: convert(listed, f"[{quoted}]", "nb")),
            "file list element": element(lambda: from_file(f"xs: [{text}]\n", listed)),
            "file list item": element(lambda: from_file(f"xs:\n  - {quoted}\n", listed)),
        })
    return roads


@pytest.mark.parametrize("type_", RULE_TYPES)
@pytest.mark.parametrize("text", list(RULES))
def test_one_rule_for_scalars_list_elements_and_files(text, type_, tmp_path):
    expected = RULES[text][RULE_TYPES.index(type_)]
    outcomes = {road: _outcome(fn) for road, fn in _contexts(type_, text, tmp_path).items()}
    for road, (kind, what) in outcomes.items():
        if isinstance(expected, str):
            assert kind == "refused" and what.startswith(expected), (road, what)
        else:
            assert (kind, what) == (type(expected).__name__, repr(expected)), road
    assert len(set(outcomes.values())) == 1, outcomes


@pytest.mark.parametrize("text, expected", [
    ("0", 0.0), ("0.5", 0.5), ("-0.25", -0.25), ("0e3", 0.0), ("1E-2", 0.01),
    ("00", "write 0"), ("-007.5", "write -7.5"), ("012e3", "write 12e3"),
    ("1e999", "expected a finite number, got '1e999'"),
    (".inf", "expected a finite number"), ("-Infinity", "expected a finite number"),
    ("1,000", "(write numbers without separators)"), ("1 000", "(write numbers without"),
    ("0o17", "(write numbers in decimal)"), ("-0b1", "(write numbers in decimal)"),
    ("٣", "expected a number, got '٣'"),   # an Arabic-Indic digit: not a plain decimal
    ("1\n", 1.0), ("", "expected a number, got ''"), ("1.2.3", "expected a number"),
])
def test_number_rule_edges(text, expected):
    p = Parameter("x", "float", None, "")
    outcome = _outcome(lambda: convert(p, text))
    if isinstance(expected, str):
        assert outcome[0] == "refused" and expected in outcome[1], outcome
    else:
        assert outcome == ("float", repr(expected))


@pytest.mark.parametrize("text, expected", [
    ("ON", True), ("Off", False), ("NO", False), (" true ", True),
    ("0", "(1 and 0 are numbers"), ("y", "expected true or false, got 'y'"),
    ("", "expected true or false, got ''"),
])
def test_bool_rule(text, expected):
    p = Parameter("x", "bool", None, "")
    outcome = _outcome(lambda: convert(p, text))
    if isinstance(expected, str):
        assert outcome[0] == "refused" and expected in outcome[1], outcome
    else:
        assert outcome == ("bool", repr(expected))


@pytest.mark.parametrize("text, expected", [
    ("[1, 2]", [1, 2]), ("[ 1 , +2 ]", [1, 2]), ("[1,]", [1]), ("['5', \"6\"]", [5, 6]),
    (" [3] ", [3]),
    ("[]", []),
    ("1, 2", "expected a list such as [0, 5.2, 10], got '1, 2'"),
    ("- 1\n- 2", "expected a list such as"),        # a block sequence: not the -p syntax
    ("[1, , 2]", "expected a list such as"),
    ("[1, [2]]", "parameter 'xs[1]' of nb: expected a whole number, got a list"),
    ("[a: 1]", "parameter 'xs[0]' of nb: expected a whole number, got a mapping"),
    ("[~]", "expected a whole number, got '~'"),
    ("[null]", "expected a whole number, got 'null'"),
    ("[0o17]", "expected a whole number, got '0o17'"),
])
def test_list_text_is_a_flow_sequence_of_text(text, expected):
    p = Parameter("xs", "list[int]", None, "")
    try:
        value = convert(p, text, "nb")
    except ParameterError as exc:
        assert isinstance(expected, str) and expected in str(exc), str(exc)
    else:
        assert value == expected and all(type(v) is int for v in value)


def test_list_of_text_keeps_text_and_bare_list_is_text():
    for type_ in ("list[str]", "list"):
        p = Parameter("xs", type_, None, "")
        assert convert(p, "[0x10, 012, yes, ' a ', 1.0]") == ["0x10", "012", "yes", " a ", "1.0"]
    with pytest.raises(NotebookSourceError, match=r"expected text, got 1"):
        declared(_nb("xs: list = [1]  # h"), "nb")


@pytest.mark.parametrize("yaml_text, message", [
    ("year:\n", "parameter 'year' of nb: expected a whole number, got no value"),
    ("year: [2030]\n", "parameter 'year' of nb: expected a whole number, got a list"),
    ("year: {a: 1}\n", "parameter 'year' of nb: expected a whole number, got a mapping"),
    ("growth: 5\n", "parameter 'growth' of nb: expected a list such as [0, 5.2, 10], got '5'"),
    ("growth: {a: 1}\n", "parameter 'growth' of nb: expected a list such as [0, 5.2, 10], "
                          "got a mapping"),
    ("label:\n", "parameter 'label' of nb: expected text, got no value"),
])
def test_file_values_of_the_wrong_shape(tmp_path, yaml_text, message):
    f = tmp_path / "p.yaml"
    f.write_text(yaml_text, encoding="utf-8")
    ps = declared(_nb(RANGED_CELL + 'label: str = "a"  # a label\n'), "nb")
    with pytest.raises(ParameterError) as err:
        resolve({"nb": ps}, [], [(str(f), load_file(f))])
    assert str(err.value).startswith(message), str(err.value)


def test_file_text_for_a_list_reads_as_on_the_command_line(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text('growth: "[1, 2]"\nlabel: \'\'\nyear: "2030"\n', encoding="utf-8")
    ps = declared(_nb(RANGED_CELL + 'label: str = "a"  # a label\n'), "nb")
    assert resolve({"nb": ps}, [], [(str(f), load_file(f))]) == {
        "nb": {"growth": [1.0, 2.0], "label": "", "year": 2030}}


def test_shipped_scenarios_still_read():
    from tests.support import NOTEBOOKS, PARAMS

    ps = declared(nbformat.read(str(NOTEBOOKS / "trade.ipynb"), as_version=4), "trade")
    got = {f.stem: resolve({"trade": ps}, [], [(f.name, load_file(f))])["trade"]
           for f in sorted(PARAMS.glob("*.yaml"))}
    assert got == {
        "high-growth": {"scenario_growth_pct": [10.0, 15.0, 20.0], "milestone_busd": 400.0},
        "slowdown": {"scenario_growth_pct": [-5.0, 0.0, 1.9], "milestone_busd": 250.0},
    }
