"""Verdicts, the judged claim, and the two comparisons every kind's verdict is made of."""

from __future__ import annotations

from dataclasses import dataclass

from bilateral.report.metrics import Interval

HOLDS = "holds"
WITHIN_ROUNDING = "holds within rounding"
NOT_SUPPORTED = "not supported by the cited figures"
CONTRADICTED = "contradicted"
NOT_CHECKABLE = "not checkable here"
VERDICTS = (HOLDS, WITHIN_ROUNDING, NOT_SUPPORTED, CONTRADICTED, NOT_CHECKABLE)


@dataclass(frozen=True)
class Claim:
    id: str
    topic: str
    statement: str
    quote: str
    figure_ids: tuple[str, ...]
    check: str
    verdict: str
    kind: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"claim {self.id}: unknown verdict {self.verdict!r}")


def above(iv: Interval, threshold: float) -> str:
    """The verdict for "more than ``threshold``" when the value may be anywhere in ``iv``:
    holds when all of it is above, within rounding when its point is, not supported when
    only part of it is, contradicted when none of it is."""
    if iv.lo > threshold:
        return HOLDS
    if iv.point > threshold:
        return WITHIN_ROUNDING
    return NOT_SUPPORTED if iv.hi > threshold else CONTRADICTED



def of_difference(lo, point, hi, more: bool) -> str:
    """The verdict for "a difference is more (``more``) or less than zero" when it may be
    anywhere strictly between ``lo`` and ``hi``: the difference of two printed values, each
    standing for a half-open interval, never reaches either end. Give exact numbers
    (``Decimal``): at an end, a float's last bit would decide the verdict."""
    if not more:
        lo, point, hi = -hi, -point, -lo
    if lo >= 0:
        return HOLDS
    if point > 0:
        return WITHIN_ROUNDING
    return NOT_SUPPORTED if hi > 0 else CONTRADICTED
