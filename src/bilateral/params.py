"""Notebook parameters: read them from the ``parameters`` cell, convert and validate values.

The ``parameters`` cell follows papermill's convention, one per line::

    name: type = value  # help

``type`` is one of ``str``, ``int``, ``float``, ``bool``, ``list``, ``list[float]``,
``list[int]``, ``list[str]``. Values from ``-p NAME VALUE`` and from YAML files are
converted to the declared type here, before any kernel starts; papermill then
writes them into the notebook as Python literals (data, never code).
"""

from __future__ import annotations

import ast
import io
import json
import math
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import NotebookSourceError, ParameterError

SCALARS = {"str": str, "int": int, "float": float, "bool": bool}
LIST_TYPES = {"list", "list[float]", "list[int]", "list[str]"}
TYPES = set(SCALARS) | LIST_TYPES
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Parameter:
    """One declared parameter."""

    name: str
    type: str
    default: Any
    help: str


def read_notebook(path: Path, shown: str | None = None):
    """Read a notebook file, turning every way it can be broken into one clear error."""
    import nbformat

    shown = shown or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookSourceError(shown, "notebook not found") from None
    except UnicodeDecodeError:
        raise NotebookSourceError(shown, "is not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookSourceError(shown, f"is not valid JSON (line {exc.lineno}, column "
                                  f"{exc.colno}: {exc.msg})") from None
    if not isinstance(raw, dict) or "cells" not in raw:
        raise NotebookSourceError(shown, "is JSON but not a notebook (no 'cells')")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookSourceError(shown, f"is not a valid notebook ({why})") from None
    return nb


def parameters_cell(nb, shown: str):
    """The one code cell tagged ``parameters``."""
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        raise NotebookSourceError(shown, "has no cell tagged 'parameters'")
    if len(tagged) > 1:
        raise NotebookSourceError(shown, f"has {len(tagged)} cells tagged 'parameters'; "
                                  "exactly one is allowed")
    if tagged[0].cell_type != "code":
        raise NotebookSourceError(shown, "its 'parameters' cell is not a code cell")
    return tagged[0]


def _comments(source: str) -> dict[int, str]:
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string.lstrip("#").strip()
    return out


def declared(nb, shown: str) -> dict[str, Parameter]:
    """Every parameter the notebook declares, in order."""
    source = parameters_cell(nb, shown).source
    try:
        tree = ast.parse(source)
        comments = _comments(source)
    except (SyntaxError, tokenize.TokenError) as exc:
        raise NotebookSourceError(shown, f"its parameters cell is not valid Python ({exc})"
                                  ) from None
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and node.value is not None):
            raise NotebookSourceError(
                shown, f"parameters cell line {node.lineno}: expected 'name: type = value  # "
                "help'")
        name, type_ = node.target.id, ast.unparse(node.annotation)
        if type_ not in TYPES:
            raise NotebookSourceError(shown, f"parameter {name!r} has type {type_!r}; use one "
                                      f"of {', '.join(sorted(TYPES))}")
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise NotebookSourceError(shown, f"parameter {name!r}: the default is not a "
                                      "literal") from None
        p = Parameter(name, type_, default, comments.get(node.lineno, ""))
        try:
            check(p, default)
        except ParameterError as exc:
            raise NotebookSourceError(shown, f"parameter {name!r}: the default does not fit "
                                      f"its type ({exc.why})") from None
        params[name] = p
    return params


def _elem_type(type_: str) -> str | None:
    return type_[5:-1] if type_.startswith("list[") else None


def _check_scalar(name: str, type_: str, value: Any, notebook: str | None) -> Any:
    if type_ == "str":
        if not isinstance(value, str):
            raise ParameterError(name, f"expected text, got {value!r}", notebook)
        return value
    if type_ == "bool":
        if not isinstance(value, bool):
            raise ParameterError(name, f"expected true or false, got {value!r}", notebook)
        return value
    if type_ == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(name, f"expected a whole number, got {value!r}", notebook)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(name, f"expected a number, got {value!r}", notebook)
    if not math.isfinite(value):
        raise ParameterError(name, f"expected a finite number, got {value!r}", notebook)
    return float(value)


def check(p: Parameter, value: Any, notebook: str | None = None) -> Any:
    """Check that an already-typed value (from YAML or a default) fits the declared type."""
    if p.type in LIST_TYPES:
        if not isinstance(value, list):
            raise ParameterError(p.name, f"expected a list ({p.type}), got {value!r}", notebook)
        elem = _elem_type(p.type)
        if elem:
            return [_check_scalar(f"{p.name}[{i}]", elem, v, notebook)
                    for i, v in enumerate(value)]
        return value
    return _check_scalar(p.name, p.type, value, notebook)


def convert(p: Parameter, text: str, notebook: str | None = None) -> Any:
    """Convert a command-line string to the declared type of ``p``."""
    import yaml

    if p.type == "str":
        return text
    if p.type == "bool":
        low = text.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ParameterError(p.name, f"expected true or false, got {text!r}", notebook)
    if p.type == "int":
        try:
            return int(text.strip())
        except ValueError:
            raise ParameterError(p.name, f"expected a whole number, got {text!r}",
                                 notebook) from None
    if p.type == "float":
        try:
            value = float(text.strip())
        except ValueError:
            raise ParameterError(p.name, f"expected a number, got {text!r}", notebook) from None
        return _check_scalar(p.name, "float", value, notebook)
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ParameterError(p.name, f"expected a list such as [0, 5.2, 10], got {text!r}",
                             notebook) from None
    if not isinstance(value, list):
        raise ParameterError(p.name, f"expected a list such as [0, 5.2, 10], got {text!r}",
                             notebook)
    return check(p, value, notebook)


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML parameter file: a mapping of parameter names to values."""
    import yaml

    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(shown, "parameter file not found", is_file=True) from None
    except UnicodeDecodeError:
        raise ParameterError(shown, "is not UTF-8 text", is_file=True) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ParameterError(shown, f"is not valid YAML{where}", is_file=True) from None
    if data is None:
        raise ParameterError(shown, "is empty; expected a mapping such as "
                             "'milestone_busd: 350'", is_file=True)
    if not isinstance(data, dict):
        raise ParameterError(shown, f"is a YAML {type(data).__name__}, expected a mapping "
                             "such as 'milestone_busd: 350'", is_file=True)
    for key in data:
        if not isinstance(key, str):
            raise ParameterError(shown, f"has a key {key!r} that is not a name", is_file=True)
    return data


def resolve(notebooks: dict[str, dict[str, Parameter]], cli: list[tuple[str, str]],
            mappings: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Validated overrides per notebook, from files (in order) and then ``-p`` pairs.

    A name no selected notebook declares is refused; a name some notebooks declare
    applies to those.

    Parameters
    ----------
    notebooks : dict
        Notebook name → its declared parameters.
    cli : list of (name, text)
        The ``-p NAME VALUE`` pairs, as typed.
    mappings : list of (file, mapping)
        Parameter files, already read with :func:`load_file`.
    """
    out: dict[str, dict[str, Any]] = {nb: {} for nb in notebooks}
    known = sorted({n for ps in notebooks.values() for n in ps})
    for file, mapping in mappings:
        for name, value in mapping.items():
            if name not in known:
                raise ParameterError(name, f"unknown parameter in {file} (known: "
                                     f"{', '.join(known)})")
            for nb, ps in notebooks.items():
                if name in ps:
                    out[nb][name] = check(ps[name], value, nb)
    for name, text in cli:
        if name not in known:
            raise ParameterError(name, f"unknown parameter (known: {', '.join(known)})")
        for nb, ps in notebooks.items():
            if name in ps:
                out[nb][name] = convert(ps[name], text, nb)
    return out
