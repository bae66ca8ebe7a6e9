"""Notebook parameters: read them from the ``parameters`` cell, convert and validate values.

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

Values from ``-p NAME VALUE`` and from YAML files are text, and every scalar is converted
from its text by one function, :func:`from_text`, whatever its origin (a ``-p`` value, an
element of a ``-p`` list, a value in a file), so the same text always means the same
value. Then the declared range is checked, all before any kernel starts; papermill
writes the values into the notebook as Python literals (data, never code).
"""

from __future__ import annotations

import ast
import functools
import io
import json
import math
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bilateral.core import files
from bilateral.core.errors import NotebookSourceError, ParameterError
from bilateral.core.text import excerpt, printable

SCALARS = {"str": str, "int": int, "float": float, "bool": bool}
TYPES = set(SCALARS) | {"list", "list[float]", "list[int]", "list[str]"}
"""The types a notebook may declare."""
ANY = "any"
"""An untyped parameter whose default is None or not a literal: it accepts any value."""
MAPPING = "dict"
"""An untyped parameter whose default is a mapping: names to values of any kind."""
LIST_TYPES = (TYPES - set(SCALARS)) | {"list[bool]", "list[any]"}
NUMERIC = {"int", "float", "list[int]", "list[float]"}
_PYTHON = {"python", "python3", "ipython", "ipython3"}
_NONE = {"none", "null", "~"}
_TYPING_LIST = re.compile(r"(?:typing\.)?List\[\s*(str|int|float)\s*\]\Z")
_ANY_WRITTEN = {"Any", "typing.Any", "NoneType", "None", "object"}
"""Written types that say nothing of the value: read as an untyped None default is."""
_TYPE_COMMENT = re.compile(r"type:\s*(\S*)\s*(.*)\Z", re.S)

# The data loader's rule for numbers (figures._NUMBER): plain decimals, nothing else.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_WHOLE = re.compile(r"[+-]?\d+", re.ASCII)
_LEADING_ZERO = re.compile(r"([+-]?)0+(\d)", re.ASCII)
_NOT_FINITE = {"nan", "inf", "infinity", ".nan", ".inf", "snan"}
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}
_EXPECTED = {"str": "text", "int": "a whole number", "float": "a number",
             "bool": "true or false", ANY: "a value"}
_LIST_EXAMPLE = "expected a list such as [0, 5.2, 10]"
_MAPPING_EXAMPLE = "expected a mapping such as {a: 1, b: text}"

_SYMBOL = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}
_BOUND = re.compile(r"(>=|<=|>|<)\s*(\S+)")
_ITEMS = re.compile(r"(\d+)\s*\.\.\s*(\d+)\s+items?", re.ASCII)
_TRAILING_RANGE = re.compile(r"\[([^\[\]]*)\]\s*\Z")
_RANGE_SYNTAX = "expected > N, >= N, < N, <= N or A..B items"
MAX_PARAMETER_FILE = 64 * 1024
"""Largest parameter file accepted, in bytes."""
MAX_NOTEBOOK_FILE = 64 * files.MiB
"""Largest notebook accepted, in bytes."""
MAX_YAML_DEPTH = 3
"""Deepest nesting of a parameter file: a mapping of names to values or lists of values."""


@dataclass(frozen=True)
class Bound:
    """One side of an allowed range: ``op`` is ``>``, ``>=``, ``<`` or ``<=``."""

    op: str
    limit: int | float
    text: str  # the limit as written in the notebook

    def admits(self, value: int | float) -> bool:
        return {">": value > self.limit, ">=": value >= self.limit,
                "<": value < self.limit, "<=": value <= self.limit}[self.op]

    def __str__(self) -> str:
        return f"{_SYMBOL[self.op]} {self.text}"


@dataclass(frozen=True)
class Parameter:
    """One declared parameter, with its allowed range when the notebook declares one.

    ``lower`` and ``upper`` bound a number, or each element of a list of numbers;
    ``items`` is the (least, most) number of elements of a list.
    """

    name: str
    type: str
    default: Any
    help: str
    lower: Bound | None = None
    upper: Bound | None = None
    items: tuple[int, int] | None = None
    written: str | None = None
    """The type as the notebook writes it (annotation or type comment); None when untyped
    (``type`` is then inferred from the default)."""
    default_text: str = ""
    """The default's source, when it is not a literal (its value is then unknown)."""

    @property
    def typed(self) -> bool:
        return self.written is not None

    @property
    def shown_type(self) -> str:
        """The type as ``bilateral params`` lists it: as written, or inferred and marked."""
        return self.written if self.typed else f"{self.type} (untyped)"

    @property
    def shown_default(self) -> str:
        return self.default_text or excerpt(self.default)

    @property
    def bounds(self) -> str:
        """The bounds in words, e.g. ``≥ 1991 and ≤ 2100``; empty when there are none."""
        return " and ".join(str(b) for b in (self.lower, self.upper) if b)

    @property
    def allowed(self) -> str:
        """The whole declared range in words; empty when there is none."""
        parts = []
        if self.items:
            parts.append(_items_text(*self.items) + (" item" if self.items[1] == 1
                                                      else " items"))
        if self.bounds:
            parts.append(("each " if self.type in LIST_TYPES else "") + self.bounds)
        return ", ".join(parts)


def _items_text(least: int, most: int) -> str:
    return f"exactly {least}" if least == most else f"{least} to {most}"


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
    if not isinstance(raw, dict) or "cells" not in raw:
        raise NotebookSourceError(shown, "is JSON but not a notebook (no 'cells')")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except (Exception, RecursionError) as exc:  # nbformat raises several kinds
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookSourceError(shown, f"is not a valid notebook ({why[:200]})") from None
    return nb


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
    spec, info = meta.get("kernelspec") or {}, meta.get("language_info") or {}
    return str(spec.get("language") or info.get("name") or "python")


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

    Returns the keyword arguments of :class:`Parameter` it defines: ``help`` and, when
    the range says so, ``lower``, ``upper`` and ``items``. A malformed range, or one that
    does not suit the type, raises NotebookSourceError naming the notebook and parameter.
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


def _read_cell(source: str, shown: str) -> dict[str, Parameter]:
    """The parameters of a parameters cell's source: ``name = value`` and
    ``name: type = value`` assignments, each with the comment ending its last line."""
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


def _elem_type(type_: str) -> str | None:
    if type_ == "list":
        return "str"
    return type_[5:-1] if type_.startswith("list[") else None


# ---------------------------------------------------------------------------- typed defaults

def _check_scalar(name: str, type_: str, value: Any, notebook: str | None) -> Any:
    if type_ == "str":
        if not isinstance(value, str):
            raise ParameterError(name, f"expected text, got {excerpt(value)}", notebook)
        return value
    if type_ == "bool":
        if not isinstance(value, bool):
            raise ParameterError(name, f"expected true or false, got {excerpt(value)}", notebook)
        return value
    if type_ == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(name, f"expected a whole number, got {excerpt(value)}", notebook)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(name, f"expected a number, got {excerpt(value)}", notebook)
    if not math.isfinite(value):
        raise ParameterError(name, f"expected a finite number, got {excerpt(value)}", notebook)
    return float(value)


def check(p: Parameter, value: Any, notebook: str | None = None) -> Any:
    """Check that an already-typed value (a notebook's default) fits the declared type."""
    if p.type == ANY:
        return value
    if p.type in LIST_TYPES:
        if not isinstance(value, list):
            raise ParameterError(p.name, f"expected a list ({p.type}), got {excerpt(value)}",
                                 notebook)
        elem = _elem_type(p.type)
        return [_check_scalar(f"{p.name}[{i}]", elem, v, notebook)
                for i, v in enumerate(value)]
    return _check_scalar(p.name, p.type, value, notebook)


def check_range(p: Parameter, value: Any, notebook: str | None = None) -> None:
    """Refuse a typed value outside the declared range (list length, then each element)."""
    if p.type in LIST_TYPES:
        if p.items:
            least, most = p.items
            if not least <= len(value) <= most:
                n = len(value)
                raise ParameterError(p.name, f"{n} item{'' if n == 1 else 's'}; allowed "
                                     f"{_items_text(least, most)}", notebook)
        named = [(f"{p.name}[{i}]", v) for i, v in enumerate(value)]
    else:
        named = [(p.name, value)]
    for name, v in named:
        if any(b and not b.admits(v) for b in (p.lower, p.upper)):
            raise ParameterError(name, f"{excerpt(v)} is outside the allowed range ({p.bounds})",
                                 notebook)


# ---------------------------------------------------------------------------- values as text

def _what(value: Any) -> str:
    if value is None:
        return "no value"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return excerpt(value)


def _number_hint(word: str) -> str:
    if word.lower().lstrip("+-")[:2] in ("0x", "0o", "0b"):
        return " (write numbers in decimal)"
    if any(c in word for c in "_, "):
        return " (write numbers without separators)"
    return ""


def from_text(name: str, type_: str, text: Any, notebook: str | None = None) -> Any:
    """Convert one scalar written as text to ``type_`` (``str``, ``int``, ``float``, ``bool``).

    The one rule for every value from outside, whether it comes from ``-p``, is an
    element of a ``-p`` list or a value in a parameter file:

    * ``str``: the text as it is;
    * ``float``: a plain decimal, ``[+-]digits[.digits][e[+-]digits]`` (``.5`` and ``5.``
      too), finite; no hexadecimal, octal, digit separators, ``inf`` or ``nan``;
    * ``int``: whole digits with an optional sign, no fraction or exponent;
    * ``bool``: ``true``/``false``, ``yes``/``no``, ``on``/``off`` in any case; ``1`` and
      ``0`` are numbers, not booleans;
    * numbers may not have a leading zero (``012``): YAML 1.1 reads it as octal, so its
      meaning depends on who reads it.

    Space around a number or a boolean is ignored (and left out of messages).
    * ``any`` (an untyped parameter whose default is None): a boolean word is a boolean,
      ``None``/``null``/``~`` is None, a plain decimal is a number (an ``int`` when whole);
      text that papermill or YAML reads as a number but this rule does not (``0x10``,
      ``1_000``, ``nan``) is refused; anything else is the text as it is.

    """
    expected = _EXPECTED[type_]
    if not isinstance(text, str):
        raise ParameterError(name, f"expected {expected}, got {_what(text)}", notebook)
    if type_ == "str":
        return text
    word = text.strip()
    if type_ == ANY:
        return _any_from_text(name, text, word, notebook)
    if type_ == "bool":
        low = word.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        hint = (" (1 and 0 are numbers; write true or false, yes or no, on or off)"
                if word in ("1", "0") else "")
        raise ParameterError(name, f"expected true or false, got {excerpt(word)}{hint}", notebook)
    if not _NUMBER.fullmatch(word):
        if type_ == "float" and word.lower().lstrip("+-") in _NOT_FINITE:
            raise ParameterError(name, f"expected a finite number, got {excerpt(word)}", notebook)
        raise ParameterError(name, f"expected {expected}, got {excerpt(word)}{_number_hint(word)}",
                             notebook)
    zero = _LEADING_ZERO.match(word)
    if zero:
        plain = zero.group(1) + zero.group(2) + word[zero.end():]
        raise ParameterError(name, f"expected {expected}, got {excerpt(word)}: a leading zero is "
                             f"ambiguous (YAML 1.1 reads it as octal); write {plain}", notebook)
    if type_ == "int":
        if not _WHOLE.fullmatch(word):
            raise ParameterError(name, f"expected a whole number, got {excerpt(word)} (no decimal "
                                 "point or exponent)", notebook)
        try:
            return int(word)
        except ValueError:  # more digits than Python converts
            raise ParameterError(name, f"expected a whole number, got {excerpt(word)}",
                                 notebook) from None
    value = float(word)
    if not math.isfinite(value):
        raise ParameterError(name, f"expected a finite number, got {excerpt(word)}", notebook)
    return value


def _any_from_text(name: str, text: str, word: str, notebook: str | None) -> Any:
    low = word.lower()
    if low in _TRUE or low in _FALSE:
        return from_text(name, "bool", word, notebook)
    if low in _NONE:
        return None
    if _NUMBER.fullmatch(word):
        return from_text(name, "int" if _WHOLE.fullmatch(word) else "float", word, notebook)
    if _read_as_number(word):
        if low.lstrip("+-") in _NOT_FINITE:
            fix = "give it as text with -r NAME VALUE"
        else:
            hint = _number_hint(word)
            fix = ("write it without separators" if "separators" in hint else
                   "write it in decimal" if "decimal" in hint else "write a plain decimal")
            fix += ", or give it as text with -r NAME VALUE"
        raise ParameterError(name, f"{excerpt(word)} is ambiguous: papermill or YAML read it "
                             f"as a number, this rule does not; {fix}", notebook)
    return text


def _read_as_number(word: str) -> bool:
    """Whether papermill's ``-p`` (Python's ``float``) or YAML 1.1 (its ``-y`` and ``-f``)
    reads ``word`` as a number."""
    import yaml

    try:
        float(word)
        return True
    except ValueError:
        pass
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, word, (True, False))
    return tag.endswith((":int", ":float"))


class _YAMLRefused(Exception):  # noqa: N818 - a reason, caught here
    pass


@functools.cache
def _text_loader():
    """A YAML loader that keeps every scalar as text (an empty plain value as None), and
    refuses aliases (``*name``: a few bytes can expand to gigabytes) and nesting deeper
    than :data:`MAX_YAML_DEPTH`."""
    import yaml

    class TextLoader(yaml.BaseLoader):
        _depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                raise _YAMLRefused("it uses an alias (*name); write each value out")
            if self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent):
                self._depth += 1
                if self._depth > MAX_YAML_DEPTH:
                    raise _YAMLRefused("it is nested too deeply (a parameter file maps names "
                                       "to values or lists of values)")
                try:
                    return super().compose_node(parent, index)
                finally:
                    self._depth -= 1
            return super().compose_node(parent, index)

        def construct_scalar(self, node):
            if node.style is None and node.value == "":
                return None
            return super().construct_scalar(node)

    return TextLoader


def _flow_collection(name: str, value: Any, notebook: str | None, kind: type,
                     brackets: str, example: str):
    """A ``kind`` (list or dict) from a file, or from text written as a YAML flow
    collection between ``brackets`` (``[a, b]``, ``{a: 1}``); scalars stay text."""
    import yaml

    if isinstance(value, kind):
        return value
    if not isinstance(value, str):
        raise ParameterError(name, f"{example}, got {_what(value)}", notebook)
    text = value.strip()
    parsed = None
    if text.startswith(brackets[0]) and text.endswith(brackets[1]):
        try:
            parsed = yaml.load(text, Loader=_text_loader())
        except (yaml.YAMLError, _YAMLRefused, RecursionError):
            parsed = None
    if not isinstance(parsed, kind):
        raise ParameterError(name, f"{example}, got {excerpt(value)}", notebook)
    return parsed


def _as_list(name: str, value: Any, notebook: str | None) -> list:
    """A list from a file, or from text written as a YAML flow sequence ``[a, b, c]``."""
    return _flow_collection(name, value, notebook, list, "[]", _LIST_EXAMPLE)


def _as_mapping(name: str, value: Any, notebook: str | None) -> dict:
    """A mapping from a file, or from text written as a YAML flow mapping ``{a: 1}``."""
    return _flow_collection(name, value, notebook, dict, "{}", _MAPPING_EXAMPLE)


def _convert(name: str, type_: str, value: Any, notebook: str | None) -> Any:
    if type_ == ANY:
        # From a file: a YAML null, a list or a mapping, each element by the same rule.
        if value is None:
            return None
        if isinstance(value, list):
            return [_convert(f"{name}[{i}]", ANY, v, notebook) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {_key(name, k, notebook): _convert(f"{name}[{k!r}]", ANY, v, notebook)
                    for k, v in value.items()}
        return from_text(name, ANY, value, notebook)
    if type_ == MAPPING:
        return {_key(name, k, notebook): _convert(f"{name}[{k!r}]", ANY, v, notebook)
                for k, v in _as_mapping(name, value, notebook).items()}
    if type_ in LIST_TYPES:
        elem = _elem_type(type_)
        return [_convert(f"{name}[{i}]", elem, v, notebook)
                for i, v in enumerate(_as_list(name, value, notebook))]
    return from_text(name, type_, value, notebook)


def _key(name: str, key: Any, notebook: str | None) -> str:
    if not isinstance(key, str):
        raise ParameterError(name, f"a mapping's key must be text, got {_what(key)}",
                             notebook)
    return key


def convert(p: Parameter, value: Any, notebook: str | None = None) -> Any:
    """Convert a value from outside to the type of ``p`` and check its declared range.

    ``value`` is text (``-p``, or a file's scalar) or, from a file, a list or a mapping of
    text. A list parameter's text is read as a flow sequence ``[a, b, c]``, a mapping's as
    a flow mapping ``{a: 1}``; every scalar goes through :func:`from_text`.
    """
    out = _convert(p.name, p.type, value, notebook)
    check_range(p, out, notebook)
    return out


def convert_raw(p: Parameter, text: str, notebook: str | None = None) -> str:
    """A ``-r NAME VALUE`` value: the text as it is, never converted (papermill's
    ``--parameters_raw``), for a parameter that takes text."""
    value = from_text(p.name, "str", text, notebook)
    if p.type not in ("str", ANY):
        kind = p.written if p.typed else f"{p.type} (from its default {p.shown_default})"
        raise ParameterError(p.name, f"-r gives the text {excerpt(text)} as it is, but the "
                             f"parameter is {kind}; give it with -p to have it converted",
                             notebook)
    check_range(p, value, notebook)
    return value


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML parameter file: a mapping of parameter names to values, kept as text.

    Scalars are not interpreted here (no YAML 1.1 booleans, octal or hexadecimal): each
    is converted later by the declared type, with the same rule as ``-p`` values.
    """
    shown = str(path)
    try:
        text = files.read_regular(path, MAX_PARAMETER_FILE).decode("utf-8")
    except files.UnreadableError as exc:
        raise ParameterError(shown, "parameter file not found" if exc.missing else exc.why,
                             is_file=True) from None
    except UnicodeDecodeError:
        raise ParameterError(shown, "is not UTF-8 text", is_file=True) from None
    return load_text(text, shown)


def option_name(option: str, text: str) -> str:
    """How a ``-y`` or ``-b`` value is named in messages: ``-y '{msg: hi}'``."""
    return f"{option} {excerpt(text)}"


def load_yaml_option(text: str) -> dict[str, Any]:
    """A ``-y`` value: a YAML mapping given on the command line, read as a file is."""
    shown = option_name("-y", text)
    if _has_surrogates(text):
        raise ParameterError(shown, "is not UTF-8 text", is_file=True)
    if len(text.encode("utf-8")) > MAX_PARAMETER_FILE:
        raise ParameterError(shown, f"is larger than {MAX_PARAMETER_FILE // 1024} KB",
                             is_file=True)
    return load_text(text, shown)


def load_base64_option(text: str) -> dict[str, Any]:
    """A ``-b`` value: base64 of a YAML mapping (line breaks allowed), read as a file is."""
    import base64
    import binascii

    shown = option_name("-b", text)
    if _has_surrogates(text) or not text.isascii():
        raise ParameterError(shown, "is not base64 (letters, digits, '+', '/' and '=')",
                             is_file=True)
    packed = "".join(text.split())
    if len(packed) > 2 * MAX_PARAMETER_FILE:
        raise ParameterError(shown, f"is larger than {MAX_PARAMETER_FILE // 1024} KB",
                             is_file=True)
    try:
        data = base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError):
        raise ParameterError(shown, "is not base64 (letters, digits, '+', '/' and '=', "
                             "padded to a multiple of 4)", is_file=True) from None
    if len(data) > MAX_PARAMETER_FILE:
        raise ParameterError(shown, f"is larger than {MAX_PARAMETER_FILE // 1024} KB",
                             is_file=True)
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ParameterError(shown, "decodes to bytes that are not UTF-8 text",
                             is_file=True) from None
    return load_text(decoded, shown)


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def load_text(text: str, shown: str) -> dict[str, Any]:
    """A YAML mapping of parameter names to values, kept as text (see :func:`load_file`);
    ``shown`` names where it came from in messages."""
    import yaml

    try:
        data = yaml.load(text, Loader=_text_loader())  # scalars stay text
    except _YAMLRefused as exc:
        raise ParameterError(shown, f"is refused: {exc}", is_file=True) from None
    except RecursionError:
        raise ParameterError(shown, "is refused: it is nested too deeply", is_file=True
                             ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ParameterError(shown, f"is not valid YAML{where}", is_file=True) from None
    if data is None:
        raise ParameterError(shown, "is empty; expected a mapping such as "
                             "'milestone_busd: 350'", is_file=True)
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else "scalar"
        raise ParameterError(shown, f"is a YAML {kind}, expected a mapping "
                             "such as 'milestone_busd: 350'", is_file=True)
    for key in data:
        if not (isinstance(key, str) and key.isidentifier()):
            name, colon, value = key.partition(":") if isinstance(key, str) else ("", "", "")
            hint = (f" (YAML needs a space after the colon: '{name}: {value}')"
                    if colon and name.isidentifier() and data[key] is None else "")
            raise ParameterError(shown, f"has a key {excerpt(key)} that is not a name{hint}",
                                 is_file=True)
    return data


def resolve(notebooks: dict[str, dict[str, Parameter]], cli: list[tuple[str, str]],
            mappings: list[tuple[str, dict[str, Any]]], raw: list[tuple[str, str]] = (),
            without: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Validated overrides per notebook: mappings (in order), then ``-p``, then ``-r``.

    Later sources win, in papermill's order: a scenario's file, ``-b``, ``-f`` and ``-y``
    (the caller gives them in that order as ``mappings``), then ``-p``, then ``-r``. A name
    no selected notebook declares is refused; a name some notebooks declare applies to
    those. Every value is converted with :func:`convert` (``-r`` values with
    :func:`convert_raw`).

    Parameters
    ----------
    notebooks : dict
        Notebook name → its declared parameters.
    cli : list of (name, text)
        The ``-p NAME VALUE`` pairs, as typed.
    mappings : list of (source, mapping)
        Parameter files, ``-b`` and ``-y`` values, already read with :func:`load_file`
        or :func:`load_text` (values as text).
    raw : list of (name, text)
        The ``-r NAME VALUE`` pairs: text, never converted.
    without : dict, optional
        Notebook name → why it takes no parameters (no parameters cell): named when a
        parameter is unknown.
    """
    out: dict[str, dict[str, Any]] = {nb: {} for nb in notebooks}
    known = sorted({n for ps in notebooks.values() for n in ps})

    def unknown(name: str, where: str) -> ParameterError:
        why = f"unknown parameter{where}"
        if known:
            why += f" (known: {', '.join(known)})"
        for nb, reason in (without or {}).items():
            why += f"{'; ' if known else ': '}{nb} takes no parameters: it {reason}"
            break
        if not known and not without:
            why += ": the notebooks take no parameters"
        return ParameterError(name, why)

    for source, mapping in mappings:
        for name, value in mapping.items():
            if name not in known:
                raise unknown(name, f" in {source}")
            for nb, ps in notebooks.items():
                if name in ps:
                    out[nb][name] = convert(ps[name], value, nb)
    for pairs, conv in ((cli, convert), (raw, convert_raw)):
        for name, text in pairs:
            if name not in known:
                raise unknown(name, "")
            for nb, ps in notebooks.items():
                if name in ps:
                    out[nb][name] = conv(ps[name], text, nb)
    return out
