"""Text for a terminal: every message the command prints goes through :func:`printable`.

Messages carry text from outside (exception messages from a notebook, file and parameter
names, values from the command line), which may hold terminal escape codes, control
characters or bytes that are not UTF-8. A message is one line of printable text, of
bounded length; a value quoted in it is a short excerpt.
"""

from __future__ import annotations

import os
import re
import reprlib
from pathlib import Path

MAX_MESSAGE = 2000
"""Longest message printed, in characters; the rest is cut with an ellipsis."""

# ESC sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ESC ] ... BEL or ST),
# and two-character escapes; the same introduced by the 8-bit C1 codes.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[\t\n\r\v\f\u2028\u2029]+")


def _unsurrogate(text: str) -> str:
    """Lone surrogates (bytes that were not UTF-8, kept by ``surrogateescape``) as ``\\xNN``."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if "\udc80" <= c <= "\udcff"
                   else f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in text)


def printable(text: object, limit: int = MAX_MESSAGE) -> str:
    """``text`` as one line a terminal shows as it is: escape sequences and control
    characters removed, line breaks and tabs turned into spaces, at most ``limit`` long."""
    s = _unsurrogate(str(text))
    s = _SPACES.sub(" ", s)
    s = _ESCAPES.sub("", s)
    s = _CONTROLS.sub("", s)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6
_REPR.maxlevel = 3


_SURROGATE_REPR = re.compile(r"\\udc([89a-f][0-9a-f])")


def excerpt(value: object) -> str:
    """A short ``repr`` of a value from outside, for a message: long text and deep or long
    lists are cut (``reprlib``), so the work and the message stay small whatever the value.
    A byte that was not UTF-8 shows as ``\\xNN``."""
    return printable(_SURROGATE_REPR.sub(r"\\x\1", _REPR.repr(value)), 120)


def path_text(path: Path | str) -> str:
    """A path as text that can be written into a notebook or JSON: bytes that are not
    UTF-8 as ``\\xNN``."""
    import os

    return os.fsencode(path).decode("utf-8", "backslashreplace")


def shown(path: Path | str) -> str:
    """A path as the user would write it: relative to the current folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def recorded(path: Path | str, base: Path | str | None = None) -> str:
    """A path as an executed record keeps it: relative to ``base`` (the project's root by
    default) when inside it, else the last component only, so that a record reveals
    nothing of the machine that built it and two builds anywhere write the same bytes."""
    from bilateral.core import paths

    p = Path(path)
    try:
        return Path(os.path.abspath(p)).relative_to(
            Path(os.path.abspath(base or paths.ROOT))).as_posix() or "."
    except ValueError:
        return path_text(p.name)
