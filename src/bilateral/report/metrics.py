"""Pure arithmetic on figures: growth, implied prior value, multiple, share, CAGR.

Every function takes plain numbers. The ``*_interval`` twins take
:class:`Interval` inputs (for example the bounds that a value's printed precision
allows, see :func:`printed`) and return the interval of possible results. All
functions here are monotone in each argument over their domain, so the result's
bounds are found among the results at the corners of the inputs.

A zero or negative base raises ``ValueError``: never a silent ``inf`` or ``NaN``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """A closed interval ``[lo, hi]`` around a point value."""

    lo: float
    hi: float
    point: float

    def __post_init__(self):
        if not (self.lo <= self.point <= self.hi):
            raise ValueError(f"interval [{self.lo}, {self.hi}] does not hold {self.point}")

    def __contains__(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    @property
    def width(self) -> float:
        return self.hi - self.lo


def exact(value: float) -> Interval:
    """An interval of width zero."""
    return Interval(value, value, value)


def printed(value: float, decimals: int) -> Interval:
    """The true values that round to ``value`` printed with ``decimals`` decimals.

    ``printed(56.68, 2)`` spans 56.675 to 56.685; ``printed(187000, -3)`` 186,500 to
    187,500. Of its two ends only the one towards zero prints as ``value`` (see
    :func:`prints_as`): an interval's bounds are used as limits ("at least ...", "below
    ..."), never as values that print as the figure.
    """
    half = 0.5 * 10.0 ** (-decimals)
    return Interval(value - half, value + half, value)


def _positive(name: str, x: float) -> None:
    if not x > 0 or not math.isfinite(x):
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")


def growth_pct(current: float, prior: float) -> float:
    """Growth in percent: ``(current / prior - 1) * 100``.

    Raises ``ValueError`` when ``prior`` is zero or negative.
    """
    _positive("prior value", prior)
    return (current / prior - 1.0) * 100.0


def implied_prior(current: float, growth: float) -> float:
    """The prior value that ``growth`` percent turns into ``current``.

    ``prior = current / (1 + growth / 100)``. Raises ``ValueError`` when the
    growth is -100 % or less (no positive prior value exists).
    """
    _positive("1 + growth/100", 1.0 + growth / 100.0)
    return current / (1.0 + growth / 100.0)


def multiple(current: float, prior: float) -> float:
    """How many times ``prior`` fits in ``current``: ``current / prior``."""
    _positive("prior value", prior)
    return current / prior


def share_pct(part: float, whole: float) -> float:
    """``part`` as a percentage of ``whole``: ``part / whole * 100``."""
    _positive("whole", whole)
    return part / whole * 100.0


def cagr_pct(first: float, last: float, years: float) -> float:
    """Compound annual growth rate in percent.

    ``((last / first) ** (1 / years) - 1) * 100``; ``years`` is the number of
    yearly steps (2013 to 2023 is 10).
    """
    _positive("first value", first)
    _positive("last value", last)
    _positive("years", years)
    return ((last / first) ** (1.0 / years) - 1.0) * 100.0


def annualised(value: float, periods_per_year: int = 4) -> float:
    """A period's value at a yearly rate: ``value * periods_per_year``."""
    return value * periods_per_year


def full_year_from_share(part: float, share: float) -> float:
    """The whole that ``part`` would be ``share`` percent of: ``part / share * 100``."""
    _positive("share", share)
    return part / share * 100.0


def project(base: float, growth: float, years: int) -> list[float]:
    """``base`` grown by ``growth`` percent a year: ``base * (1 + g/100) ** k``, k = 0..years."""
    _positive("1 + growth/100", 1.0 + growth / 100.0)
    return [base * (1.0 + growth / 100.0) ** k for k in range(years + 1)]


def first_year_reaching(base: float, base_year: int, growth: float, milestone: float,
                        last_year: int) -> int | None:
    """The first year from ``base_year`` to ``last_year`` in which the path reaches ``milestone``.

    Returns ``None`` when the path stays below it.
    """
    for k, v in enumerate(project(base, growth, last_year - base_year)):
        if v >= milestone:
            return base_year + k
    return None


def _corners(func: Callable[..., float], args: Iterable[Interval]) -> Interval:
    args = list(args)
    values = [func(*combo) for combo in itertools.product(*[(a.lo, a.hi) for a in args])]
    return Interval(min(values), max(values), func(*[a.point for a in args]))


def growth_pct_interval(current: Interval, prior: Interval) -> Interval:
    """:func:`growth_pct` over intervals."""
    _positive("prior value's lower bound", prior.lo)
    return _corners(growth_pct, (current, prior))


def implied_prior_interval(current: Interval, growth: Interval) -> Interval:
    """:func:`implied_prior` over intervals."""
    _positive("1 + growth/100 at its lower bound", 1.0 + growth.lo / 100.0)
    return _corners(implied_prior, (current, growth))


def multiple_interval(current: Interval, prior: Interval) -> Interval:
    """:func:`multiple` over intervals."""
    _positive("prior value's lower bound", prior.lo)
    return _corners(multiple, (current, prior))


def share_pct_interval(part: Interval, whole: Interval) -> Interval:
    """:func:`share_pct` over intervals."""
    _positive("whole's lower bound", whole.lo)
    return _corners(share_pct, (part, whole))


def cagr_pct_interval(first: Interval, last: Interval, years: float) -> Interval:
    """:func:`cagr_pct` over intervals of the first and last values."""
    _positive("first value's lower bound", first.lo)
    return _corners(lambda a, b: cagr_pct(a, b, years), (first, last))


_WIDE = None


def _context():
    """A decimal context wide enough for any float at any printed precision: quantizing
    1e308 to 100 decimals needs some 410 digits, more than the default 28."""
    global _WIDE
    if _WIDE is None:
        from decimal import ROUND_HALF_UP, Context

        _WIDE = Context(prec=800, rounding=ROUND_HALF_UP, Emax=10**6, Emin=-10**6)
    return _WIDE


def _rounded(x: float, decimals: int):
    from decimal import Decimal

    return _context().quantize(Decimal(repr(float(x))), Decimal(1).scaleb(-decimals))


def round_half_up(x: float, decimals: int) -> float:
    """Round as a newspaper does (halves away from zero), not banker's rounding.

    The value is read as its shortest decimal repr (``2.675`` is 2.675, not the binary
    2.67499…), so a value that is written as a half rounds as a half.
    """
    return float(_rounded(x, decimals))


def exact_printed(value: float, decimals: int):
    """The values that print as ``value`` at ``decimals``, exactly, as ``Decimal``s
    ``(lo, value, hi)``: ``[lo, hi)`` for a positive value (``(lo, hi]`` for a negative
    one, halves rounding away from zero). Exact where :func:`printed`'s floats would let
    the last bit decide a comparison at an end."""
    from decimal import Decimal

    v = Decimal(repr(float(value)))
    half = Decimal(5).scaleb(-decimals - 1)
    return v - half, v, v + half


def prints_as(value: float, printed: float, decimals: int) -> bool:
    """The one rule for "prints as": ``value`` printed to ``decimals`` decimals reads
    ``printed`` iff ``value`` rounded half away from zero to ``decimals`` equals ``printed``.

    So the values a printed figure stands for form a half-open interval: 240.1 printed to
    one decimal stands for [240.05, 240.15); 240.15 prints as 240.2. Verdicts, robustness
    sentences, table cells and the quote checker all ask this question here.
    """
    return _rounded(value, decimals) == _rounded(printed, decimals)
