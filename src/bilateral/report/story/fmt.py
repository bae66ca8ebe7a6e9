"""Number formatting for tables and narrative: one place decides how a number reads."""

from __future__ import annotations

from bilateral.report.metrics import Interval, round_half_up

MINUS = "\u2212"
"""The typographic minus sign, used for negative numbers in reports."""


def num(x: float, decimals: int = 1) -> str:
    """``1234.5`` → ``'1,234.5'``; negative decimals round to tens, hundreds, …

    Halves round away from zero, as printed figures do (``num(0.125, 2)`` is ``'0.13'``).
    """
    x = round_half_up(x, decimals)
    if x == 0:
        x = 0.0  # -0.004 rounds to zero: no sign on a zero
    return f"{x:,.{max(decimals, 0)}f}".replace("-", MINUS)


def busd(x: float, decimals: int = 2) -> str:
    """Billions of US dollars: ``busd(56.68)`` → ``'USD 56.68 bn'``."""
    return f"USD {num(x, decimals)} bn"


def pct(x: float, decimals: int = 1, signed: bool = False) -> str:
    """Percent: ``pct(5.265, 2)`` → ``'5.27 %'``; ``signed`` adds a ``+``."""
    s = num(x, decimals)
    if signed and x > 0:
        s = "+" + s
    return f"{s} %"


def times(x: float, decimals: int = 2) -> str:
    """A multiple: ``times(3.2086)`` → ``'3.21×'``."""
    return f"{num(x, decimals)}×"


def people(x: float) -> str:
    """A head count: ``people(187000)`` → ``'187,000'``."""
    return num(x, 0)


def span(iv: Interval, formatter=num, **kw) -> str:
    """An interval as ``'lo – hi'`` with the same formatter for both ends."""
    return f"{formatter(iv.lo, **kw)} – {formatter(iv.hi, **kw)}"


def value(x: float, unit: str, decimals: int) -> str:
    """A figure as printed: its value to its printed precision, with its unit."""
    if unit == "usd_bn":
        return busd(x, max(decimals, 0))
    if unit == "percent":
        return pct(x, max(decimals, 0))
    if unit == "years":
        return f"{num(x, 0)} years"
    return num(x, max(decimals, 0))
