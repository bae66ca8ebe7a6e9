"""The article's claims as data: ``claims.csv`` of a data folder, read and checked.

Each row is one claim the article makes::

    id,topic,kind,figures,settings,source_id,quote,note
    tripled,tourism,multiple,before=visitors_2022 after=visitors_2023,threshold=3; \
        parameter=threshold_multiple; word=tripled,cgtn_2024_05_16,"more than tripled",

``kind`` names one of the claim kinds of :mod:`bilateral.report.claims.kinds`, which say
what roles (``figures``, ``role=figure_id`` separated by spaces) and settings (``key=value``
separated by ``;``) each needs; that is checked there, with this row's file, row and column.
Here: the columns, ids, that every figure named exists, and that the quote, when it holds
numbers, agrees with one of the claim's figures of the same source (the same rule as a
figure's quote, :mod:`bilateral.report.data.quotes`).

The article whose claims these are is the source the rows name (one for the whole file):
its publisher, date, title and address make the reports' titles and running headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bilateral.core.errors import DataError
from bilateral.report.data import quotes

COLUMNS = ("id", "topic", "kind", "figures", "settings", "source_id", "quote", "note")
REQUIRED = ("id", "topic", "kind", "figures", "source_id", "quote")
_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_SETTING = re.compile(r"([a-z][a-z0-9_]*)=(.*)\Z", re.S)


@dataclass(frozen=True)
class ClaimRow:
    """One row of ``claims.csv``: what the article claims, about which figures."""

    id: str
    topic: str
    kind: str
    roles: dict[str, str]
    """Role (``before``, ``after``, ``official``, …) → figure id."""
    settings: dict[str, str]
    source_id: str
    quote: str
    note: str
    file: str
    row: int

    def error(self, why: str, column: str = "figures") -> DataError:
        """A DataError naming this row and ``column``."""
        return DataError(self.file, f"claim {self.id!r}: {why}", row=self.row, column=column)


def _pairs(text: str, sep: str, shown: str, line: int, column: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(sep)):
        if not part:
            continue
        m = _SETTING.match(part)
        if not m:
            raise DataError(shown, f"{part!r} is not name=value", row=line, column=column)
        key, value = m.group(1), m.group(2).strip()
        if key in out:
            raise DataError(shown, f"{key!r} is given twice", row=line, column=column)
        out[key] = value
    return out


ORDINAL_WORDS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                 "ninth", "tenth"}
"""Words read as numbers that name a position ("the first quarter"), not a quantity."""


def _quote_mismatch(quote: str, figures: list, language: str) -> str | None:
    """Why a claim's quote does not agree with its figures, or None. The quote agrees when
    one of the figures prints as a number it states (in digits or in words); a quote that
    states no number other than the years of the figures' periods and ordinal words
    ("the first quarter") is not checked."""
    if any(quotes.agrees(f.value, f.unit, quote, language) for f in figures):
        return None
    years = {str(y) for f in figures for y in (f.period.start.year, f.period.end.year)}
    stated = [n for n in quotes.read_numbers(quote, language)
              if n.text.lower() not in ORDINAL_WORDS and n.text not in years]
    if not stated:
        return None
    return (f"its quote states {', '.join(n.text for n in stated)}, which none of its figures "
            f"({', '.join(f'{f.id} = {f.value:g}' for f in figures)}) prints as")


def parse(rows: list[tuple[int, dict[str, str]]], shown: str, figures: dict,
          sources: dict) -> list[ClaimRow]:
    """The rows of ``claims.csv`` (as ``figures._read_rows`` returns them), checked."""
    out: list[ClaimRow] = []
    seen: dict[str, int] = {}
    for line, r in rows:
        cid = r["id"]
        if not _ID.match(cid):
            raise DataError(shown, f"{cid!r} is not an id (lower-case letters, digits and _, "
                            "starting with a letter)", row=line, column="id")
        if cid in seen:
            raise DataError(shown, f"duplicate id {cid!r} (first in row {seen[cid]})",
                            row=line, column="id")
        seen[cid] = line
        for col in ("topic", "kind"):
            if not _ID.match(r[col]):
                raise DataError(shown, f"{r[col]!r} is not a name", row=line, column=col)
        roles = _pairs(r["figures"].replace(" ", ";"), ";", shown, line, "figures")
        if not roles:
            raise DataError(shown, "names no figure", row=line, column="figures")
        for role, fid in roles.items():
            if fid not in figures:
                raise DataError(shown, f"{role}={fid}: no figure with id {fid!r}", row=line,
                                column="figures")
        settings = _pairs(r.get("settings", ""), ";", shown, line, "settings")
        if r["source_id"] not in sources:
            raise DataError(shown, f"unknown source {r['source_id']!r}", row=line,
                            column="source_id")
        if not r["quote"]:
            raise DataError(shown, "is empty: give the article's words", row=line,
                            column="quote")
        why = _quote_mismatch(r["quote"], [figures[f] for f in dict.fromkeys(roles.values())],
                              sources[r["source_id"]].language or "en")
        if why:
            raise DataError(shown, f"claim {cid!r}: {why}", row=line, column="quote")
        out.append(ClaimRow(cid, r["topic"], r["kind"], roles, settings, r["source_id"],
                            r["quote"], r.get("note", ""), shown, line))
    articles = {c.source_id for c in out}
    if len(articles) > 1:
        raise DataError(shown, f"claims of {len(articles)} sources ({', '.join(sorted(articles))})"
                        ": a data folder checks one article", row=out[-1].row,
                        column="source_id")
    return out
