"""Reading a notebook and its ``parameters`` cell: the parameters it declares.

The ``parameters`` cell follows papermill's convention, one per line::

    name: type = value  # help [constraints]
    name = value  # help

A typed parameter's ``type`` is one of ``str``, ``int``, ``float``, ``bool``,
``list[float]``, ``list[int]``, ``list[str]`` and ``list`` (a list of text, as
``list[str]``), written as an annotation or as a type comment (``# type: List[str] help``,
as papermill reads it). Its help comment may end with the allowed range in square
brackets: comma-separated constraints, each ``> N``, ``>= N``, ``< N``, ``<= N`` (a
number, or each element of a list of numbers) or ``A..B items`` (a list's length), e.g.
``[> -100, <= 1000, 1..8 items]``.

An untyped parameter (``name = value``, papermill's most common form) takes the type of
its default, as papermill's users expect: ``1`` an ``int``, ``2.5`` a ``float``, ``"a"``
text, ``['a', 'b']`` a list of text, ``{...}`` a mapping; a default of ``None`` (or one
that is not a literal) accepts any value: text that reads as a boolean, ``None``/``null``
or a plain decimal becomes one, anything else stays text. Its help is taken whole.

Statements of the cell that are not ``name = value`` assignments (imports, magics) are
not parameters, as for papermill; a cell that is not valid Python (IPython's ``%magic``
and ``!shell`` lines are translated first) is refused, where papermill skips the line and
the kernel then stops at it.
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import sys
import tokenize
from pathlib import Path
from typing import Any

from bilateral.core import files
from bilateral.core.errors import NotebookSourceError, ParameterError
from bilateral.core.text import excerpt, printable
from bilateral.params.values import (
    _LEADING_ZERO,
    _NUMBER,
    _WHOLE,
    ANY,
    LIST_TYPES,
    MAPPING,
    NUMERIC,
    TYPES,
    Bound,
    Parameter,
    check,
    check_range,
)

_PYTHON = {"python", "python3", "ipython", "ipython3"}
_TYPING_LIST = re.compile(r"(?:typing\.)?List\[\s*(str|int|float)\s*\]\Z")
_ANY_WRITTEN = {"Any", "typing.Any", "NoneType", "None", "object"}
"""Written types that say nothing of the value: read as an untyped None default is."""
_TYPE_COMMENT = re.compile(r"type:\s*(\S*)\s*(.*)\Z", re.S)
_BOUND = re.compile(r"(>=|<=|>|<)\s*(\S+)")
_ITEMS = re.compile(r"(\d+)\s*\.\.\s*(\d+)\s+items?", re.ASCII)
_TRAILING_RANGE = re.compile(r"\[([^\[\]]*)\]\s*\Z")
_RANGE_SYNTAX = "expected > N, >= N, < N, <= N or A..B items"
MAX_NOTEBOOK_FILE = 64 * files.MiB
"""Largest notebook accepted, in bytes."""


def read_notebook(path: Path, shown: str | None = None):
    """Read a notebook file, turning every way it can be broken into one clear error."""
    import nbformat

    shown = shown or str(path)
    try:
        text = files.read_regular(path, MAX_NOTEBOOK_FILE).decode("utf-8")
    except files.UnreadableError as exc:
        raise NotebookSourceError(shown, "notebook not found" if exc.missing else exc.why
                                  ) from None
    except UnicodeDecodeError:
        raise NotebookSourceError(shown, "is not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookSourceError(shown, f"is not valid JSON (line {exc.lineno}, column "
                                  f"{exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise NotebookSourceError(shown, "is not valid JSON (nested too deeply)") from None
    except ValueError:  # a whole number longer than Python converts (sys.int_info)
        raise NotebookSourceError(shown, _long_number(text)) from None
    if not isinstance(raw, dict) or "cells" not in raw:
        raise NotebookSourceError(shown, "is JSON but not a notebook (no 'cells')")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except (Exception, RecursionError) as exc:  # nbformat raises several kinds
        raise NotebookSourceError(shown, f"is not a valid notebook ({_invalid(exc)})"
                                  ) from None
    _check_metadata(nb, shown)
    return nb


def _max_digits() -> int:
    get = getattr(sys, "get_int_max_str_digits", None)
    return get() if get is not None else 4300


def _long_number(text: str) -> str:
    """Why a notebook's JSON that parses but for a number cannot be read: where the first
    whole number too long for Python is, and the field that holds it."""
    limit = _max_digits()
    for m in re.finditer(r"-?\d{" + str(limit + 1) + ",}", text):
        near = text[max(0, m.start() - 200):m.start()]  # not the whole prefix: linear
        key = re.search(r'"([^"\\]{1,60})"\s*:\s*\Z', near)
        after = text[m.end():m.end() + 1]
        if after in (".", "e", "E") or (
                key is None and not re.search(r"[\[,:]\s*\Z", near)):
            continue  # a float, or digits inside a string: not what Python refused
        line = text.count("\n", 0, m.start()) + 1
        column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        field = f"its {excerpt(key.group(1))} " if key else "a "
        return (f"{field}at line {line}, column {column} is a whole number of "
                f"{len(m.group(0).lstrip('-'))} digits; Python reads at most {limit}")
    return f"holds a whole number of more than {limit} digits, more than Python reads"


def _where(path) -> str:
    """A JSON path of the notebook as a reader names it: ``cell 3: metadata.tags[1]``."""
    parts = list(path)
    head = ""
    if len(parts) >= 2 and parts[0] == "cells" and isinstance(parts[1], int):
        head, parts = f"cell {parts[1] + 1}", parts[2:]
    tail = ""
    for p in parts:
        tail += f"[{p}]" if isinstance(p, int) else (f".{p}" if tail else str(p))
    tail = printable(tail, 120)
    return f"{head}: {tail}" if head and tail else head or tail


def _invalid(exc: BaseException) -> str:
    """nbformat's complaint, with the field it concerns."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = _where(getattr(exc, "absolute_path", None) or ())
    return printable(f"{where}: {why}" if where else why, 200)


_KINDS = {dict: "a mapping", list: "a list", str: "text", bool: "a boolean",
          int: "a number", float: "a number", type(None): "null"}


def _kind(value: object) -> str:
    return _KINDS.get(type(value), type(value).__name__)


def _check_metadata(nb, shown: str) -> None:
    """Refuse notebook metadata that bilateral or papermill reads but that the notebook
    format leaves free, when it is not of the shape they read: ``metadata.bilateral``
    (the project's settings) and ``metadata.papermill`` (papermill's record, which it
    writes into) are mappings, and ``metadata.bilateral.checks`` is a name."""
    meta = nb.get("metadata") or {}
    for key in ("bilateral", "papermill"):
        if key in meta and not isinstance(meta[key], dict):
            raise NotebookSourceError(shown, f"its metadata.{key} is {_kind(meta[key])}, "
                                      "not a mapping")
    checks = (meta.get("bilateral") or {}).get("checks")
    if checks is not None and not isinstance(checks, str):
        raise NotebookSourceError(shown, f"its metadata.bilateral.checks is {_kind(checks)}, "
                                  "not the name of an analysis")


def _tagged(nb) -> list:
    return [c for c in nb.cells if "parameters" in (c.get("metadata", {}).get("tags") or [])]


def parameters_cell(nb, shown: str):
    """The one code cell tagged ``parameters``."""
    tagged = _tagged(nb)
    if not tagged:
        raise NotebookSourceError(shown, "has no cell tagged 'parameters'")
    if len(tagged) > 1:
        raise NotebookSourceError(shown, f"has {len(tagged)} cells tagged 'parameters'; "
                                  "exactly one is allowed")
    if tagged[0].cell_type != "code":
        raise NotebookSourceError(shown, "its 'parameters' cell is not a code cell")
    return tagged[0]


def language(nb) -> str:
    """The notebook's language, as papermill finds it: the kernelspec's, else the
    language_info's; Python when the notebook records neither."""
    meta = nb.get("metadata") or {}
    spec, info = meta.get("kernelspec"), meta.get("language_info")
    for found in (spec.get("language") if isinstance(spec, dict) else None,
                  info.get("name") if isinstance(info, dict) else None):
        if isinstance(found, str) and found:
            return found
    return "python"


def is_project_notebook(nb) -> bool:
    """A notebook of this project: its metadata has a ``bilateral`` section."""
    return isinstance((nb.get("metadata") or {}).get("bilateral"), dict)


def _other_language(nb) -> str:
    lang = printable(language(nb), 40)
    # 'an R notebook', 'an SAS notebook', 'an Octave notebook', 'a Julia notebook'
    spelt = len(lang) == 1 or lang.isupper()
    article = "an" if lang[:1].lower() in ("aefhilmnorsx" if spelt else "aeiou") else "a"
    return (f"is {article} {lang} notebook: bilateral reads parameters cells written in "
            "Python only")


def notebook_parameters(nb, shown: str) -> tuple[dict[str, Parameter] | None, str]:
    """The parameters a notebook takes, and why it takes none.

    ``(parameters, "")`` for a notebook with a parameters cell; ``({}, why)`` for a
    notebook from elsewhere without one (it runs as it is, and takes no parameters);
    ``(None, why)`` when its parameters cell cannot be read (a notebook in another
    language). A notebook of the project must have its parameters cell.
    """
    if not _tagged(nb) and not is_project_notebook(nb):
        return {}, "has no cell tagged 'parameters'"
    cell = parameters_cell(nb, shown)
    if language(nb).lower() not in _PYTHON:
        return None, _other_language(nb)
    return _read_cell(cell.source, shown), ""


def _comments(source: str) -> dict[int, str]:
    """Each line's comment without its ``#`` (one, as papermill reads it)."""
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string[1:].strip()
    return out


def _python(source: str, shown: str) -> str:
    """The cell as Python: as it is, or with IPython's syntax (``%magic``, ``!shell``)
    translated as the kernel translates it. A cell that is neither is refused."""
    try:
        ast.parse(source)
        return source
    except SyntaxError as exc:
        error: SyntaxError | ValueError = exc
    except ValueError as exc:  # a NUL character
        error = exc
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        code = TransformerManager().transform_cell(source)
        ast.parse(code)
        return code
    except Exception:  # noqa: BLE001 - not IPython either: refused below
        pass
    if isinstance(error, SyntaxError) and error.lineno:
        lines = source.splitlines()
        line = lines[error.lineno - 1].strip() if error.lineno <= len(lines) else ""
        where = f"line {error.lineno}" + (f", {excerpt(line)}" if line else "")
        why = f"{where}: {error.msg}"
    else:
        why = str(error)
    raise NotebookSourceError(shown, f"its parameters cell is not valid Python ({why}); "
                              "the kernel would stop there") from None


def parse_range(name: str, type_: str, comment: str, shown: str) -> dict[str, Any]:
    """Split a help comment into its text and its trailing ``[...]`` range.

    Returns the keyword arguments of :class:`bilateral.params.values.Parameter` it
    defines: ``help`` and, when the range says so, ``lower``, ``upper`` and ``items``. A
    malformed range, or one that does not suit the type, raises NotebookSourceError naming
    the notebook and parameter.
    """

    def refuse(why: str) -> NotebookSourceError:
        return NotebookSourceError(shown, f"parameter {name!r}: {why}")

    m = _TRAILING_RANGE.search(comment)
    if not m:
        if comment.rstrip().endswith("]"):
            raise refuse(f"the help {comment!r} ends with ']' but holds no range '[...]'")
        return {"help": comment}
    out: dict[str, Any] = {"help": comment[:m.start()].rstrip()}
    written = f"[{m.group(1)}]"
    parts = [part.strip() for part in m.group(1).split(",")]
    if parts == [""]:
        raise refuse(f"the range {written} is empty ({_RANGE_SYNTAX})")
    for part in parts:
        bound, items = _BOUND.fullmatch(part), _ITEMS.fullmatch(part)
        if bound:
            op, text = bound.groups()
            if not _NUMBER.fullmatch(text) or _LEADING_ZERO.match(text):
                raise refuse(f"the range {written}: {text!r} in {part!r} is not a plain "
                             "decimal number")
            if type_ not in NUMERIC:
                raise refuse(f"the range {written}: {part!r} bounds a number, but the type "
                             f"is {type_}")
            side = "lower" if op.startswith(">") else "upper"
            if side in out:
                raise refuse(f"the range {written} has two {side} bounds")
            limit = int(text) if _WHOLE.fullmatch(text) else float(text)
            if not math.isfinite(limit):
                raise refuse(f"the range {written}: {text!r} is not a finite number")
            out[side] = Bound(op, limit, text)
        elif items:
            least, most = int(items.group(1)), int(items.group(2))
            if type_ not in LIST_TYPES:
                raise refuse(f"the range {written}: {part!r} counts a list's items, but the "
                             f"type is {type_}")
            if "items" in out:
                raise refuse(f"the range {written} counts items twice")
            if least > most:
                raise refuse(f"the range {written}: {part!r} allows no length ({least} > "
                             f"{most})")
            out["items"] = (least, most)
        else:
            shown_part = repr(part) if part else "an empty constraint"
            raise refuse(f"the range {written}: cannot read {shown_part} ({_RANGE_SYNTAX})")
    lower, upper = out.get("lower"), out.get("upper")
    if lower and upper and not (lower.limit < upper.limit or (
            lower.limit == upper.limit and lower.op == ">=" and upper.op == "<=")):
        raise refuse(f"the range {written} admits no value ({lower} and {upper})")
    return out


def declared(nb, shown: str) -> dict[str, Parameter]:
    """Every parameter the notebook's parameters cell declares, in order."""
    cell = parameters_cell(nb, shown)
    if language(nb).lower() not in _PYTHON:
        raise NotebookSourceError(shown, _other_language(nb))
    return _read_cell(cell.source, shown)


def _written_type(annotation: ast.expr) -> str:
    """An annotation as written, without the quotes of a string annotation."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.strip()
    return ast.unparse(annotation)


def _our_type(written: str) -> str | None:
    """The type a written one stands for (``List[str]`` is ``list[str]``), or None."""
    text = written.strip().strip("'\"").strip()
    m = _TYPING_LIST.match(text)
    if m:
        text = f"list[{m.group(1)}]"
    elif text in ("List", "typing.List"):
        text = "list"
    elif text in _ANY_WRITTEN:
        return ANY
    return text if text in TYPES else None


def _infer(value: Any) -> str:
    """The type of an untyped parameter, from its default (papermill's way)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float" if math.isfinite(value) else ANY
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict):
        return MAPPING
    if isinstance(value, list):
        kinds = {_infer(v) for v in value}
        for found, type_ in (({"str"}, "list[str]"), ({"int"}, "list[int]"),
                             ({"float"}, "list[float]"), ({"int", "float"}, "list[float]"),
                             ({"bool"}, "list[bool]")):
            if kinds == found:
                return type_
        return "list[any]"
    return ANY  # None, or a literal papermill cannot write (tuple, set, bytes, complex)


TOO_DEEP = ("its parameters cell is too deeply nested for Python to read (an expression of "
            "too many terms or levels); write it as shorter statements")


def _read_cell(source: str, shown: str) -> dict[str, Parameter]:
    """The parameters of a parameters cell's source: ``name = value`` and
    ``name: type = value`` assignments, each with the comment ending its last line.

    A cell too deep for Python's parser (``x = 1 + 1 + ...`` with 200 000 terms: a
    RecursionError) or too large for memory is refused, naming the cell."""
    try:
        return _parameters_of(source, shown)
    except RecursionError:
        raise NotebookSourceError(shown, TOO_DEEP) from None
    except MemoryError:
        raise NotebookSourceError(shown, "its parameters cell is too large for Python to "
                                  "read") from None


def _parameters_of(source: str, shown: str) -> dict[str, Parameter]:
    code = _python(source, shown)
    try:
        tree = ast.parse(code)
        comments = _comments(code)
    except (SyntaxError, ValueError, tokenize.TokenError) as exc:
        raise NotebookSourceError(shown, f"its parameters cell is not valid Python ({exc})"
                                  ) from None
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.value is not None:
            name, written = node.target.id, _written_type(node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            name, written = node.targets[0].id, None
        else:
            continue  # not a parameter (an import, a magic, a call): papermill skips it too
        comment = comments.get(node.end_lineno or node.lineno, "")
        typed_comment = _TYPE_COMMENT.match(comment)
        if typed_comment:  # papermill's type comment: '# type: List[str] the help'
            comment = typed_comment.group(2).strip()
            kind = typed_comment.group(1)
            if written is None and kind and not kind.startswith("ignore"):
                written = kind
        if written is None:
            params[name] = _untyped(name, node.value, comment, code)
        else:
            params[name] = _typed(name, written, node.value, comment, shown)
    return params


def _untyped(name: str, value: ast.expr, comment: str, code: str) -> Parameter:
    try:
        default = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        text = ast.get_source_segment(code, value) or ast.unparse(value)
        return Parameter(name, ANY, None, comment, default_text=" ".join(text.split()))
    return Parameter(name, _infer(default), default, comment)


def _typed(name: str, written: str, value: ast.expr, comment: str, shown: str) -> Parameter:
    type_ = _our_type(written)
    if type_ is None:
        raise NotebookSourceError(shown, f"parameter {name!r} has type {written!r}; use one "
                                  f"of {', '.join(sorted(TYPES))}, or Any")
    try:
        default = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise NotebookSourceError(shown, f"parameter {name!r}: the default is not a "
                                  "literal") from None
    p = Parameter(name, type_, default, written=written,
                  **parse_range(name, type_, comment, shown))
    try:
        check(p, default)
    except ParameterError as exc:
        raise NotebookSourceError(shown, f"parameter {name!r}: the default does not fit "
                                  f"its type ({exc.why})") from None
    try:
        check_range(p, default)
    except ParameterError as exc:
        raise NotebookSourceError(shown, f"parameter {exc.name!r}: the default does not "
                                  f"fit its declared range: {exc.why}") from None
    return p
