"""The analyses that plug into the build engine and the review tools.

The engine builds any notebook; what a data folder holds, how it is validated, what a
notebook's parameters must satisfy with it, and what a report's results record holds are
an analysis's business. Analyses are found through the entry point group
``bilateral.analyses``, as papermill finds its engines, so the engine imports none of
them by name. The project's own report registers :data:`bilateral.report.plugin.ANALYSIS`.

An analysis is any object with:

``checks``
    the names (a set) a notebook may give in its metadata as ``bilateral.checks``;
``data_files(folder) -> list[Path]``
    the files a data folder is made of, in the order they are read (cheap: no parsing);
``load(folder)``
    the validated data: an object with ``fingerprint`` (text), ``as_of`` (a date) and a
    writable ``folder``; raises :class:`~bilateral.core.errors.DataError`;
``preflight(checks, data, values, notebook)``
    the parameters checked with the data before any kernel starts; raises
    :class:`~bilateral.core.errors.InputError`, ``ValueError`` or ``ArithmeticError``;
``record(checks, data, values, *, report, scenario, title, versions_) -> dict``
    the report's results record (see :mod:`bilateral.review.results`);
``title(checks, data) -> str | None`` (optional)
    the report's title made from the data (the article it checks), which the rendered
    documents, the index and the record then carry in place of the notebook's;
``leaves_out(checks, data) -> str | None`` (optional)
    why a notebook has nothing to report on this data (its topic is one the data's
    article never touches), or None; the build then leaves it out with that one line.
``claims_shown(notebook) -> list[tuple[str, str, str]]`` (optional)
    (statement, check, verdict) of every claim an executed notebook's outputs show:
    ``bilateral verify`` holds them against the results record.

Without an installed analysis, a data folder is taken as it is (:class:`PlainFolder`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

GROUP = "bilateral.analyses"


@cache
def installed() -> tuple[Any, ...]:
    """Every analysis registered under :data:`GROUP`, in the order of their names."""
    from importlib.metadata import entry_points

    return tuple(ep.load() for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name))


def for_checks(checks: str | None) -> Any | None:
    """The analysis that knows the notebook metadata's ``checks`` name, or None."""
    if not checks:
        return None
    return next((a for a in installed() if checks in a.checks), None)


def for_data() -> Any:
    """What reads the build's data folder: the first installed analysis, else
    :class:`PlainFolder`."""
    found = installed()
    return found[0] if found else PlainFolder()


def known_checks() -> list[str]:
    return sorted(c for a in installed() for c in a.checks)


MAX_PLAIN_FILES = 1000
"""Files of a plain data folder that are read (in name order); the rest are not."""


@dataclass
class PlainData:
    """A data folder that no analysis validates: its bytes' fingerprint, and no date."""

    folder: Path
    fingerprint: str
    as_of: date | None = None


class PlainFolder:
    """A data folder taken as it is: every regular file in it, none parsed."""

    checks: frozenset[str] = frozenset()

    def data_files(self, folder: Path) -> list[Path]:
        folder = Path(folder)
        found: list[Path] = []
        for base, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [Path(base) / n for n in sorted(names) if not n.startswith(".")]
            if len(found) >= MAX_PLAIN_FILES:
                break
        return found[:MAX_PLAIN_FILES]

    def load(self, folder: Path) -> PlainData:
        h = hashlib.sha256()
        folder = Path(folder)
        for p in self.data_files(folder):
            h.update(p.relative_to(folder).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
        return PlainData(folder, h.hexdigest())
