"""Parameter types and values: :class:`Parameter` with its range (:class:`Bound`), the
check of a notebook's typed default, and the conversion of values from outside.

Values from ``-p NAME VALUE`` and from YAML files are text, and every scalar is converted
from its text by one function, :func:`from_text`, whatever its origin (a ``-p`` value, an
element of a ``-p`` list, a value in a file), so the same text always means the same
value. Then the declared range is checked, all before any kernel starts; papermill
writes the values into the notebook as Python literals (data, never code).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from bilateral.core.errors import ParameterError
from bilateral.core.text import excerpt
from bilateral.params.yaml_text import _text_loader, _YAMLRefused

SCALARS = {"str": str, "int": int, "float": float, "bool": bool}
TYPES = set(SCALARS) | {"list", "list[float]", "list[int]", "list[str]"}
"""The types a notebook may declare."""
ANY = "any"
"""An untyped parameter whose default is None or not a literal: it accepts any value."""
MAPPING = "dict"
"""An untyped parameter whose default is a mapping: names to values of any kind."""
LIST_TYPES = (TYPES - set(SCALARS)) | {"list[bool]", "list[any]"}
NUMERIC = {"int", "float", "list[int]", "list[float]"}
_NONE = {"none", "null", "~"}

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
