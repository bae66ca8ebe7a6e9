"""The data's own consistency: rows that state the same fact twice must agree.

Two rules, each within the rounding of every value involved:

* a reported growth rate (``X_yoy_P``) against the two values it joins: ``X_trade_P``
  and the same series one year earlier;
* exports plus imports (``X_exports_P`` + ``X_imports_P``) against the total
  (``X_trade_P``), which must share their unit.

A row that breaks a rule is refused, naming both rows, unless the row says why in
its ``discrepancy`` column: then the mismatch is a known one, returned as a
:class:`Discrepancy` that the report shows beside the figures. Run by
:func:`bilateral.report.data.figures.load`, so every build checks it before any kernel starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bilateral.core.errors import DataError

_YEAR = re.compile(r"(\d{4})(?!.*\d{4})")


@dataclass(frozen=True)
class Discrepancy:
    """A known mismatch between rows: what the rule expected, what the data has, and why."""

    figure_ids: tuple[str, ...]
    rule: str
    expected: tuple[float, float]
    """The interval the other rows allow for the checked value."""
    found: float
    why: str
    unit: str = ""
    decimals: int = 1


def _interval_overlaps(lo: float, hi: float, f) -> bool:
    a, b = f.bounds
    return lo <= b and a <= hi


def _where(f) -> str:
    return f"{f.id} = {f.value:g} ({f.file} row {f.row})"


def _prior_id(figure_id: str) -> str | None:
    m = _YEAR.search(figure_id)
    if not m:
        return None
    return figure_id[: m.start()] + str(int(m.group(1)) - 1) + figure_id[m.end():]


def _fail_or_record(checked, others, rule: str, lo: float, hi: float,
                    found: list[Discrepancy]) -> None:
    if checked.discrepancy:
        found.append(Discrepancy((checked.id, *[o.id for o in others]), rule, (lo, hi),
                                 checked.value, checked.discrepancy, checked.unit,
                                 checked.decimals))
        return
    raise DataError(checked.file, f"{checked.id} = {checked.value:g} does not agree with "
                    + " and ".join(_where(o) for o in others)
                    + f": {rule} them gives {lo:.4g} to {hi:.4g}; if the sources really differ, "
                    "say why in the row's discrepancy column", row=checked.row,
                    column="value")


def _growth(ds, found: list[Discrepancy]) -> None:
    for g in [*ds.figures.values(), *ds.context.values()]:
        if g.unit != "percent" or "_yoy_" not in g.id:
            continue
        cur_id = g.id.replace("_yoy_", "_trade_", 1)
        prior_id = _prior_id(cur_id)
        if prior_id is None:
            continue
        try:
            cur, prior = ds[cur_id], ds[prior_id]
        except KeyError:
            continue
        (c_lo, c_hi), (p_lo, p_hi) = cur.bounds, prior.bounds
        if p_lo <= 0:
            continue  # the loader's base checks name a non-positive base
        lo, hi = (c_lo / p_hi - 1) * 100, (c_hi / p_lo - 1) * 100
        if not _interval_overlaps(lo, hi, g):
            _fail_or_record(g, (cur, prior), "growth recomputed from", lo, hi, found)


def _parts(ds, found: list[Discrepancy]) -> None:
    for e in [*ds.figures.values(), *ds.context.values()]:
        if "_exports_" not in e.id:
            continue
        try:
            i = ds[e.id.replace("_exports_", "_imports_", 1)]
            total = ds[e.id.replace("_exports_", "_trade_", 1)]
        except KeyError:
            continue
        if not e.unit == i.unit == total.unit:
            raise DataError(total.file, f"{total.id} is in {total.unit} but "
                            f"{e.id} in {e.unit} and {i.id} in {i.unit}: counts of different "
                            "units are not added", row=total.row, column="unit")
        lo, hi = e.bounds[0] + i.bounds[0], e.bounds[1] + i.bounds[1]
        if not _interval_overlaps(lo, hi, total):
            _fail_or_record(total, (e, i), "the sum of", lo, hi, found)


def check(ds) -> list[Discrepancy]:
    """Check every rule; return the known discrepancies, raise DataError on another."""
    found: list[Discrepancy] = []
    _growth(ds, found)
    _parts(ds, found)
    return found
