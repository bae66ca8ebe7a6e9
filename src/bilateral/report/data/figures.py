"""Load and validate the figures and their sources: the only module that reads data.

Layout of a data folder (see ``data/README.md``)::

    figures.csv        every number the article prints
    sources.csv        every source a figure names
    claims.csv         what the article claims, each of a kind, about which figures
                       (optional; see :mod:`bilateral.report.data.claim_rows`)
    context/*.csv      figures from other sources, same columns as figures.csv

Every problem raises :class:`bilateral.core.errors.DataError` naming the file, the
row (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bilateral.core import files
from bilateral.core.errors import DataError, MissingFigureError
from bilateral.report.data import quotes

UNITS = {
    "usd_bn": "billion US dollars",
    "percent": "percent",
    "people": "people",
    "entries": "border crossings (one person entering twice counts twice)",
    "count": "count",
    "years": "years",
}
"""Allowed values of the ``unit`` column, with their meaning."""

WHOLE_UNITS = {"people", "entries", "count", "years"}
"""Units whose values are whole, non-negative numbers."""

LIMITS = {"usd_bn": 1e5, "percent": 1e4, "people": 1e10, "entries": 1e10, "count": 1e9,
          "years": 1e4}
"""Largest magnitude accepted per unit: beyond it a value is a typo, not a figure."""

RELATIONS = {"eq": "", "gt": "more than", "approx": "about"}
"""How the source states the number: exactly, as a lower bound, or approximately."""

VINTAGES = {"": "not stated", "first": "as first reported", "revised": "as revised later"}
"""Which release of an official value a row holds. Growth is recomputed only between
values of the same vintage."""

FIGURE_COLUMNS = ("id", "label", "value", "unit", "period", "decimals", "relation",
                  "vintage", "source_id", "quote", "note", "discrepancy")
FIGURE_REQUIRED = ("id", "label", "value", "unit", "period", "decimals", "source_id", "quote")
SOURCE_COLUMNS = ("id", "publisher", "title", "date", "url", "language", "confidence", "note")
SOURCE_REQUIRED = ("id", "publisher", "title", "date")
MAX_QUOTE_WORDS = 15

_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_PERIOD_PATTERNS = (
    (re.compile(r"(\d{4})\Z", re.ASCII), "year"),
    (re.compile(r"(\d{4})-Q([1-4])\Z", re.ASCII), "quarter"),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII), "day"),
    (re.compile(r"(\d{4})-(\d{4})\Z", re.ASCII), "years"),
    (re.compile(r"(\d{4})-(\d{2})/(\d{4})-(\d{2})\Z", re.ASCII), "months"),
)


@dataclass(frozen=True)
class Period:
    """A reporting period: a year, a quarter, a day, a span of years or of months."""

    text: str
    kind: str
    start: date
    end: date

    @property
    def year(self) -> int:
        """The year the period ends in."""
        return self.end.year


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date.fromordinal(date(year, month + 1, 1).toordinal() - 1)


def parse_period(text: str) -> Period:
    """Parse ``2023``, ``2024-Q1``, ``2024-05-16``, ``2024-2030`` or ``2024-01/2024-02``.

    Raises
    ------
    ValueError
        When the text matches none of these forms or names an impossible date.
    """
    try:
        return _parse_period(text)
    except ValueError as exc:
        if repr(text) in str(exc):
            raise
        raise ValueError(f"{text!r} is not a real date ({exc})") from None


def _parse_period(text: str) -> Period:
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        if kind == "year":
            return Period(text, kind, date(g[0], 1, 1), date(g[0], 12, 31))
        if kind == "quarter":
            first = 3 * (g[1] - 1) + 1
            return Period(text, kind, date(g[0], first, 1), _month_end(g[0], first + 2))
        if kind == "day":
            d = date(*g)
            return Period(text, kind, d, d)
        if kind == "years":
            if g[1] <= g[0]:
                raise ValueError(f"span {text!r} does not end after it starts")
            return Period(text, kind, date(g[0], 1, 1), date(g[1], 12, 31))
        start, end = date(g[0], g[1], 1), _month_end(g[2], g[3])
        if end <= start:
            raise ValueError(f"span {text!r} does not end after it starts")
        return Period(text, kind, start, end)
    raise ValueError(
        f"{text!r} is not a period (expected YYYY, YYYY-Qn, YYYY-MM-DD, YYYY-YYYY or "
        "YYYY-MM/YYYY-MM)")


@dataclass(frozen=True)
class Source:
    """One publication a figure is taken from."""

    id: str
    publisher: str
    title: str
    date: date
    url: str = ""
    language: str = ""
    confidence: str = ""
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """One number with its unit, period, printed precision and source."""

    id: str
    label: str
    value: float
    unit: str
    period: Period
    decimals: int
    relation: str
    source_id: str
    quote: str
    note: str
    file: str
    row: int
    vintage: str = ""
    """``first`` (as first reported), ``revised``, or empty (not stated): see VINTAGES."""
    discrepancy: str = ""
    """Why this row is known not to agree with the rows it joins (see ``consistency``)."""

    @property
    def half_step(self) -> float:
        """Half of the last printed digit: 0.05 for a value printed to one decimal."""
        return 0.5 * 10.0 ** (-self.decimals)

    @property
    def bounds(self) -> tuple[float, float]:
        """The interval of true values that round to the printed value."""
        return (self.value - self.half_step, self.value + self.half_step)

    def require_positive(self, role: str) -> None:
        """Raise DataError (naming this figure's file, row and column) unless every value
        that rounds to it is positive, as a base of growth, multiples and shares must be."""
        if self.bounds[0] <= 0:
            raise DataError(self.file, f"{self.id} = {self.value:g} cannot serve as {role}: "
                            f"printed to {self.decimals} decimals it may stand for "
                            f"{self.bounds[0]:g}, and a base must be positive",
                            row=self.row, column="value")


@dataclass
class Dataset:
    """Validated figures and sources of one data folder.

    Attributes
    ----------
    figures : dict
        The article's figures (``figures.csv``), by id.
    context : dict
        Figures from other sources (``context/*.csv``), by id.
    sources : dict
        Every source, by id.
    fingerprint : str
        First 12 hex digits of the SHA-256 of every data file, in name order.
    """

    figures: dict[str, Figure]
    context: dict[str, Figure]
    sources: dict[str, Source]
    fingerprint: str
    folder: Path
    files: list[str] = field(default_factory=list)
    discrepancies: list = field(default_factory=list)
    """Known mismatches between rows (:class:`bilateral.report.data.consistency.Discrepancy`)."""
    claims: list = field(default_factory=list)
    """The rows of ``claims.csv`` (:class:`bilateral.report.data.claim_rows.ClaimRow`)."""

    @property
    def article(self) -> Source | None:
        """The article the claims are from (the source ``claims.csv`` names); without
        claims, the source of the first figure of ``figures.csv`` (None without figures)."""
        if self.claims:
            return self.sources[self.claims[0].source_id]
        return self.source_of(next(iter(self.figures))) if self.figures else None

    def topic_figures(self, topic: str) -> list[str]:
        """The ids of the article's figures (``figures.csv``) that belong to ``topic``: those
        its claims name, and, for the first topic of ``claims.csv``, those no claim names."""
        named: dict[str, set[str]] = {}
        for c in self.claims:
            for fid in c.roles.values():
                named.setdefault(fid, set()).add(c.topic)
        first = (self.topics() or [topic])[0]
        return [fid for fid in self.figures if topic in named.get(fid, {first})]

    def topics(self) -> list[str]:
        """The topics the article's claims are about, in the order of ``claims.csv``."""
        return list(dict.fromkeys(c.topic for c in self.claims))

    def __getitem__(self, figure_id: str) -> Figure:
        if figure_id in self.figures:
            return self.figures[figure_id]
        if figure_id in self.context:
            return self.context[figure_id]
        raise MissingFigureError(str(self.folder), f"no figure with id {figure_id!r}, which the "
                                 "analyses need (see data/README.md for the rows)")

    def value(self, figure_id: str) -> float:
        """The value of the figure ``figure_id``."""
        return self[figure_id].value

    def source_of(self, figure_id: str) -> Source:
        """The source of the figure ``figure_id``."""
        return self.sources[self[figure_id].source_id]

    def series(self, prefix: str) -> list[Figure]:
        """Every figure whose id starts with ``prefix``, in period order."""
        found = [f for f in (*self.figures.values(), *self.context.values())
                 if f.id.startswith(prefix)]
        return sorted(found, key=lambda f: (f.period.end, f.period.start))

    @property
    def as_of(self) -> date:
        """The newest source date: the date the data speaks for, not the clock's."""
        return max(s.date for s in self.sources.values())



def _display(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base.parent))
    except ValueError:
        return str(path)


def _read_rows(path: Path, shown: str, columns: tuple[str, ...],
               required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV file strictly: UTF-8 without BOM, known columns, full rows.

    The file must be a regular file of at most 8 MiB, checked before it is opened (a FIFO
    would block, a link to ``/dev/zero`` would never end)."""
    try:
        raw = files.read_regular(path, 8 * files.MiB)
    except files.UnreadableError as exc:
        raise DataError(shown, exc.why) from None
    if not raw.strip():
        raise DataError(shown, "the file is empty (expected a header row and data rows)")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DataError(shown, "starts with a byte-order mark; save it as UTF-8 without BOM",
                        row=1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(shown, f"is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                        row=line) from None
    if "\x00" in text:
        raise DataError(shown, "contains a NUL byte: not a text CSV file",
                        row=text[: text.index("\x00")].count("\n") + 1)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise DataError(shown, f"is not valid CSV ({exc})", row=1) from None
    header = [h.strip() for h in header]
    for name in header:
        if name not in columns:
            raise DataError(shown, f"unknown column (expected some of: {', '.join(columns)})",
                            row=1, column=name)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(shown, "the column appears twice", row=1, column=name)
        seen.add(name)
    for name in required:
        if name not in header:
            raise DataError(shown, "missing column", row=1, column=name)
    rows = []
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                raise DataError(shown, f"has {len(fields)} fields where the header has "
                                f"{len(header)}", row=line)
            rows.append((line, {h: f.strip() for h, f in zip(header, fields)}))
    except csv.Error as exc:
        raise DataError(shown, f"is not valid CSV ({exc})", row=reader.line_num) from None
    if not rows:
        raise DataError(shown, "has a header but no data rows")
    return rows


def _parse_sources(path: Path, shown: str) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for line, r in _read_rows(path, shown, SOURCE_COLUMNS, SOURCE_REQUIRED):
        for name in SOURCE_REQUIRED:
            if not r[name]:
                raise DataError(shown, "is empty", row=line, column=name)
        if not _ID.match(r["id"]):
            raise DataError(shown, f"{r['id']!r} is not an id (lower-case letters, digits, _)",
                            row=line, column="id")
        if r["id"] in sources:
            raise DataError(shown, f"duplicate id {r['id']!r}", row=line, column="id")
        try:
            when = date.fromisoformat(r["date"])
        except ValueError:
            raise DataError(shown, f"{r['date']!r} is not a date (YYYY-MM-DD)", row=line,
                            column="date") from None
        url = r.get("url", "")
        if url and not url.startswith(("https://", "http://")):
            raise DataError(shown, f"{url!r} is not an http(s) address", row=line, column="url")
        sources[r["id"]] = Source(r["id"], r["publisher"], r["title"], when, url,
                                  r.get("language", ""), r.get("confidence", ""),
                                  r.get("note", ""))
    return sources


# ASCII digits only, and \Z rather than $ (which admits a trailing newline).
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z", re.ASCII)


def _parse_value(text: str, shown: str, line: int) -> tuple[float, Decimal]:
    if not text:
        raise DataError(shown, "is empty (expected a number)", row=line, column="value")
    if not _NUMBER.match(text):
        try:
            special = not Decimal(text).is_finite()
        except InvalidOperation:
            special = False
        if special:
            raise DataError(shown, f"{text!r} is not a finite number", row=line,
                            column="value")
        hint = "; write numbers without thousands separators" if any(
            c in text for c in ",_ ") else ""
        raise DataError(shown, f"{text!r} is not a number{hint}", row=line, column="value")
    exact = Decimal(text)
    value = float(exact)
    if not math.isfinite(value):
        raise DataError(shown, f"{text!r} is not a finite number", row=line, column="value")
    return value, exact


def _parse_figures(path: Path, shown: str, sources: dict[str, Source],
                   seen: dict[str, str], quote_required: bool) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for line, r in _read_rows(path, shown, FIGURE_COLUMNS, FIGURE_REQUIRED):
        for name in ("id", "label", "unit", "period", "decimals", "source_id"):
            if not r[name]:
                raise DataError(shown, "is empty", row=line, column=name)
        fid = r["id"]
        if not _ID.match(fid):
            raise DataError(shown, f"{fid!r} is not an id (lower-case letters, digits, _)",
                            row=line, column="id")
        if fid in seen:
            raise DataError(shown, f"duplicate id {fid!r} (first in {seen[fid]})", row=line,
                            column="id")
        unit = r["unit"]
        if unit not in UNITS:
            raise DataError(shown, f"unknown unit {unit!r} (expected one of: "
                            f"{', '.join(UNITS)})", row=line, column="unit")
        value, exact = _parse_value(r["value"], shown, line)
        if abs(value) > LIMITS[unit]:
            raise DataError(shown, f"{r['value']} is implausibly large for unit {unit!r} "
                            f"(limit {LIMITS[unit]:g})", row=line, column="value")
        if unit in WHOLE_UNITS or unit == "usd_bn":
            if value < 0:
                raise DataError(shown, f"{r['value']} is negative; a {unit} value cannot be",
                                row=line, column="value")
        if unit in WHOLE_UNITS and exact != exact.to_integral_value():
            raise DataError(shown, f"{r['value']} is not a whole number of {unit}", row=line,
                            column="value")
        try:
            decimals = int(r["decimals"])
        except ValueError:
            raise DataError(shown, f"{r['decimals']!r} is not a whole number of decimals",
                            row=line, column="decimals") from None
        if not -9 <= decimals <= 6:
            raise DataError(shown, f"{decimals} is outside -9..6", row=line, column="decimals")
        if exact != exact.quantize(Decimal(1).scaleb(-decimals)):
            raise DataError(shown, f"{r['value']} has more precision than decimals={decimals} "
                            "says was printed", row=line, column="decimals")
        try:
            period = parse_period(r["period"])
        except ValueError as exc:
            raise DataError(shown, str(exc), row=line, column="period") from None
        relation = r.get("relation", "") or "eq"
        if relation not in RELATIONS:
            raise DataError(shown, f"unknown relation {relation!r} (expected one of: "
                            f"{', '.join(RELATIONS)})", row=line, column="relation")
        if r["source_id"] not in sources:
            raise DataError(shown, f"unknown source {r['source_id']!r} (not in sources.csv)",
                            row=line, column="source_id")
        quote = r["quote"]
        if quote_required and not quote:
            raise DataError(shown, "is empty (the phrase of the source that states the number)",
                            row=line, column="quote")
        if len(quote.split()) > MAX_QUOTE_WORDS:
            raise DataError(shown, f"has {len(quote.split())} words; quote at most "
                            f"{MAX_QUOTE_WORDS}", row=line, column="quote")
        why = quotes.mismatch(fid, r["value"], unit, quote, sources[r["source_id"]].language)
        if why:
            raise DataError(shown, why, row=line, column="quote")
        vintage = r.get("vintage", "")
        if vintage not in VINTAGES:
            raise DataError(shown, f"unknown vintage {vintage!r} (expected empty or one of: "
                            f"{', '.join(v for v in VINTAGES if v)})", row=line, column="vintage")
        seen[fid] = f"{shown} row {line}"
        out[fid] = Figure(fid, r["label"], value, unit, period, decimals, relation,
                          r["source_id"], quote, r.get("note", ""), shown, line, vintage,
                          r.get("discrepancy", ""))
    return out


def fingerprint(paths: list[Path], base: Path) -> str:
    """First 12 hex digits of SHA-256 over each file's relative name and bytes."""
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda q: q.relative_to(base).as_posix()):
        h.update(p.relative_to(base).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


CLAIMS = "claims.csv"


def data_files(folder: Path) -> list[Path]:
    """The files a data folder is made of, in the order they are read."""
    folder = Path(folder)
    claims = folder / CLAIMS
    return [folder / "sources.csv", folder / "figures.csv",
            *sorted((folder / "context").glob("*.csv")),
            *([claims] if claims.exists() or claims.is_symlink() else [])]


def load(folder: str | Path) -> Dataset:
    """Load and validate a data folder.

    Parameters
    ----------
    folder : str or Path
        A folder holding ``figures.csv``, ``sources.csv`` and optionally ``context/``.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        The first problem found, naming the file, row and column.
    """
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise DataError(str(folder), "data folder not found")
    files = data_files(folder)
    shown = {p: _display(p, folder) for p in files}
    sources = _parse_sources(files[0], shown[files[0]])
    seen: dict[str, str] = {}
    figures = _parse_figures(files[1], shown[files[1]], sources, seen, quote_required=True)
    context: dict[str, Figure] = {}
    claims_file = files[-1] if files[-1] == folder / CLAIMS else None
    for p in files[2:]:
        if p is not claims_file:
            context.update(_parse_figures(p, shown[p], sources, seen, quote_required=False))
    from bilateral.report.data import claim_rows
    from bilateral.report.data.consistency import check

    ds = Dataset(figures, context, sources, fingerprint(files, folder), folder,
                 [shown[p] for p in files])
    if claims_file is not None:
        rows = _read_rows(claims_file, shown[claims_file], claim_rows.COLUMNS,
                          claim_rows.REQUIRED)
        ds.claims = claim_rows.parse(rows, shown[claims_file], {**figures, **context}, sources)
    ds.discrepancies = check(ds)
    return ds
