"""Parameter sources besides ``-p`` and ``-r``: a YAML file (``-f``), YAML text (``-y``)
and base64 of YAML (``-b``), each read into a mapping of names to values kept as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bilateral.core import files
from bilateral.core.errors import ParameterError
from bilateral.core.text import excerpt
from bilateral.params.yaml_text import _text_loader, _YAMLRefused

MAX_PARAMETER_FILE = 64 * 1024
"""Largest parameter file accepted, in bytes."""


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
