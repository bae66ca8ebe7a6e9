"""``bilateral.report.metrics`` against values worked out by hand.

Each expected value is written as the arithmetic that gives it (or a comment with the
steps), never as a call of the function under test. Tolerances follow the precision of
the hand calculation.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bilateral.report import metrics as m
from bilateral.report.metrics import Interval, prints_as, round_half_up

# --------------------------------------------------------------------------- Interval


def test_interval_basics():
    iv = Interval(1.0, 3.0, 2.0)
    assert iv.width == 2.0
    assert 1.0 in iv and 3.0 in iv and 2.5 in iv
    assert 0.999 not in iv and 3.001 not in iv
    z = m.exact(4.5)
    assert (z.lo, z.hi, z.point, z.width) == (4.5, 4.5, 4.5, 0.0)


def test_interval_refuses_point_outside():
    with pytest.raises(ValueError, match="does not hold"):
        Interval(1.0, 2.0, 2.5)


def test_printed():
    # 56.68 printed to 2 decimals: half of 0.01 is 0.005 -> [56.675, 56.685].
    iv = m.printed(56.68, 2)
    assert (iv.lo, iv.point, iv.hi) == pytest.approx((56.675, 56.68, 56.685), abs=1e-12)
    # 187000 printed to the thousand (decimals -3): half of 1000 is 500.
    iv = m.printed(187000, -3)
    assert (iv.lo, iv.hi, iv.point) == (186500, 187500, 187000)
    # 5.2 to one decimal: [5.15, 5.25].
    iv = m.printed(5.2, 1)
    assert (iv.lo, iv.hi) == pytest.approx((5.15, 5.25), abs=1e-12)
    # decimals 0: +-0.5.
    assert (m.printed(75, 0).lo, m.printed(75, 0).hi) == (74.5, 75.5)


# --------------------------------------------------------------------------- point functions


def test_growth_pct():
    # (56.68 - 53.845) / 53.845 = 2.835 / 53.845 = 0.0526511...  -> 5.2651 %
    assert m.growth_pct(56.68, 53.845) == pytest.approx(5.2651, abs=1e-4)
    # 110 / 100 - 1 = 0.1 -> 10 %; a fall: 90 / 100 - 1 = -10 %; nothing left: -100 %.
    assert m.growth_pct(110, 100) == pytest.approx(10.0)
    assert m.growth_pct(90, 100) == pytest.approx(-10.0)
    assert m.growth_pct(0, 100) == pytest.approx(-100.0)
    # 146.88 / 107.76 = 1.363029... -> 36.3029 %
    assert m.growth_pct(146.88, 107.76) == pytest.approx(36.3029, abs=1e-4)


def test_implied_prior():
    # 56.68 / 1.052 = 53.8783...: 1.052 * 53.878 = 56.679656, rest 0.000344 / 1.052 = 0.000327
    assert m.implied_prior(56.68, 5.2) == pytest.approx(53.878327, abs=1e-6)
    # A fall: 90 after -10 % was 90 / 0.9 = 100.
    assert m.implied_prior(90, -10) == pytest.approx(100.0)
    # No growth: the prior is the current value.
    assert m.implied_prior(42.0, 0) == 42.0


def test_implied_prior_interval():
    iv = m.implied_prior_interval(m.printed(56.68, 2), m.printed(5.2, 1))
    # Smallest prior: smallest current over largest growth, 56.675 / 1.0525 = 53.84798...
    # (1.0525 * 53.848 = 56.67502, 0.00002 too much -> 53.848 - 0.000019 = 53.847981).
    assert iv.lo == pytest.approx(56.675 / 1.0525, rel=1e-12)
    assert iv.lo == pytest.approx(53.84798, abs=1e-5)
    # Largest prior: 56.685 / 1.0515 = 53.9087... (1.0515 * 53.9 = 56.67585, rest 0.00915 /
    # 1.0515 = 0.008702).
    assert iv.hi == pytest.approx(56.685 / 1.0515, rel=1e-12)
    assert iv.hi == pytest.approx(53.908702, abs=1e-6)
    assert iv.point == pytest.approx(53.878327, abs=1e-6)
    # The first-reported Q1 2023 (53.845) lies below the lower bound.
    assert 53.845 not in iv


def test_multiple():
    # 600 / 187: 187 * 3.2 = 598.4, rest 1.6 / 187 = 0.0085561 -> 3.2085561
    assert m.multiple(600000, 187000) == pytest.approx(3.2085561, abs=1e-7)
    assert m.multiple(10, 4) == 2.5


def test_multiple_interval_of_printed_values():
    iv = m.multiple_interval(m.printed(600000, -3), m.printed(187000, -3))
    # Lowest: 599500 / 187500 = 3.2 - 500 / 187500 = 3.2 - 0.0026667 = 3.1973333
    assert iv.lo == pytest.approx(599500 / 187500, rel=1e-12)
    assert iv.lo == pytest.approx(3.1973333, abs=1e-7)
    # Highest: 600500 / 186500 = 3.2 + 3700 / 186500 = 3.2 + 0.0198391 = 3.2198391
    assert iv.hi == pytest.approx(600500 / 186500, rel=1e-12)
    assert iv.hi == pytest.approx(3.2198391, abs=1e-7)
    assert iv.point == pytest.approx(3.2085561, abs=1e-7)
    assert iv.lo > 3  # more than tripled for every value that rounds to the printed ones


def test_growth_pct_interval():
    iv = m.growth_pct_interval(m.printed(56.68, 2), m.printed(53.845, 3))
    # Prior in [53.8445, 53.8455]; lowest 56.675 / 53.8455 - 1 = 2.8295 / 53.8455 = 5.25485 %
    # highest 56.685 / 53.8445 - 1 = 2.8405 / 53.8445 = 5.27538 %.
    assert iv.lo == pytest.approx(5.25485, abs=1e-5)
    assert iv.hi == pytest.approx(5.27538, abs=1e-5)
    assert iv.point == pytest.approx(5.26511, abs=1e-5)


def test_share_pct():
    # 56.68 / 240.1: 240.1 * 0.236 = 56.6636, rest 0.0164 / 240.1 = 0.0000683 -> 23.6068 %
    assert m.share_pct(56.68, 240.1) == pytest.approx(23.6068, abs=1e-4)
    # 199800 / 600000 = 0.333 -> 33.3 %
    assert m.share_pct(199800, 600000) == pytest.approx(33.3)
    assert m.share_pct(0, 5) == 0


def test_share_pct_interval():
    iv = m.share_pct_interval(m.printed(199800, -2), m.printed(600000, -3))
    # Part in [199750, 199850], whole in [599500, 600500]:
    # lowest 199750 / 600500 = 0.3326395 -> 33.26395 %; highest 199850 / 599500 = 33.33611 %.
    assert iv.lo == pytest.approx(33.26395, abs=1e-5)
    assert iv.hi == pytest.approx(33.33611, abs=1e-5)
    assert iv.point == pytest.approx(33.3)


def test_cagr_pct():
    # 240.1 / 89.21: 89.21 * 2.69 = 239.9749, rest 0.1251 / 89.21 = 0.0014023 -> 2.6914023.
    # ln 2.6914023 = ln 2.69 + ln(1.000521) = 0.989541 + 0.000521 = 0.990062
    # (ln 2.69 = 1 + ln(2.69 / 2.718282) = 1 + ln 0.989596 = 1 - 0.010459).
    # One tenth: 0.0990062; exp(0.0990062) = 1 + 0.0990062 + 0.0049011 + 0.0001617
    # + 0.0000040 + 0.0000001 = 1.1040731  -> 10.4073 % a year.
    assert m.cagr_pct(89.21, 240.1, 10) == pytest.approx(10.4073, abs=2e-4)
    # Simple cases: doubling in one year is 100 %; 100 -> 121 in two years is 10 %.
    assert m.cagr_pct(50, 100, 1) == pytest.approx(100.0)
    assert m.cagr_pct(100, 121, 2) == pytest.approx(10.0)
    # A fall: 100 -> 81 in two years is sqrt(0.81) - 1 = -10 %.
    assert m.cagr_pct(100, 81, 2) == pytest.approx(-10.0)


def test_cagr_pct_interval():
    iv = m.cagr_pct_interval(m.printed(100, 0), m.printed(121, 0), 2)
    # Lowest: sqrt(120.5 / 100.5) = sqrt(1.1990050) = 1.0949909 -> 9.49909 %
    # Highest: sqrt(121.5 / 99.5) = sqrt(1.2211055) = 1.1050364 -> 10.50364 %
    assert iv.lo == pytest.approx(9.49909, abs=1e-4)
    assert iv.hi == pytest.approx(10.50364, abs=1e-4)
    assert iv.point == pytest.approx(10.0)


def test_annualised_and_full_year_from_share():
    # A quarter at a yearly rate: 56.68 * 4 = 226.72; a month: 10 * 12 = 120.
    assert m.annualised(56.68) == pytest.approx(226.72)
    assert m.annualised(10, 12) == 120
    # 25 is 20 % of 125 (25 / 20 * 100).
    assert m.full_year_from_share(25, 20) == pytest.approx(125.0)


def test_project():
    # 100 growing 10 %: 100, 110, 121, 133.1.
    assert m.project(100, 10, 3) == pytest.approx([100, 110, 121, 133.1])
    # No growth: a flat path of years + 1 values.
    assert m.project(7.5, 0, 2) == [7.5, 7.5, 7.5]
    # 244.819 (2024) growing 5.2 % a year, each step * 1.052:
    # 2025: 244.819 + 12.730588 = 257.549588
    # 2026: 257.549588 + 13.392579 = 270.942167
    # 2027: 270.942167 + 14.088993 = 285.031160
    # 2028: 285.031160 + 14.821620 = 299.852780   (still below 300)
    # 2029: 299.852780 + 15.592345 = 315.445125   (first above 300)
    path = m.project(244.819, 5.2, 5)
    assert path == pytest.approx(
        [244.819, 257.549588, 270.942167, 285.031160, 299.852780, 315.445125], abs=2e-6)


def test_first_year_reaching():
    # From the compounding above: 2028 is 299.85 (< 300), 2029 is 315.45 (>= 300).
    assert m.first_year_reaching(244.819, 2024, 5.2, 300, 2030) == 2029
    # The path stops in 2028, still below 300: never reached.
    assert m.first_year_reaching(244.819, 2024, 5.2, 300, 2028) is None
    # 299.85 is reached in 2028 (299.852780 >= 299.85).
    assert m.first_year_reaching(244.819, 2024, 5.2, 299.85, 2030) == 2028
    # A milestone the base already meets is reached in the base year.
    assert m.first_year_reaching(244.819, 2024, 5.2, 244.819, 2030) == 2024
    # 240.1 growing 10 %: 264.11 (2024), 290.521 (2025), 319.5731 (2026).
    assert m.first_year_reaching(240.1, 2023, 10, 300, 2030) == 2026
    # No growth never reaches a higher milestone.
    assert m.first_year_reaching(240.1, 2023, 0, 300, 2030) is None


@pytest.mark.parametrize(("x", "decimals", "expected"), [
    (5.265, 1, 5.3),     # 5.265 -> 5.3 (the 0.065 rounds up)
    (2.5, 0, 3.0),       # a half goes up, not to the even 2 as round() does
    (3.5, 0, 4.0),
    (-2.5, 0, -3.0),     # halves go away from zero
    (5.25, 1, 5.3),      # round(5.25, 1) would give 5.2
    (0.125, 2, 0.13),    # round(0.125, 2) would give 0.12
    (2.675, 2, 2.68),    # the float is 2.67499999..., but 2.675 is what was written
    (5.2651, 1, 5.3),
    (5.2449, 1, 5.2),
    (187500, -3, 188000),
    (186499, -3, 186000),
])
def test_round_half_up(x, decimals, expected):
    assert m.round_half_up(x, decimals) == expected


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("prior", [0, 0.0, -53.845, -1e-9, math.nan, math.inf])
def test_growth_pct_refuses_bad_base(prior):
    with pytest.raises(ValueError, match="prior value must be a positive finite number"):
        m.growth_pct(56.68, prior)


@pytest.mark.parametrize("prior", [0, -187000, math.nan])
def test_multiple_refuses_bad_base(prior):
    with pytest.raises(ValueError, match="prior value must be a positive finite number"):
        m.multiple(600000, prior)


@pytest.mark.parametrize("whole", [0, -240.1, math.nan])
def test_share_pct_refuses_bad_whole(whole):
    with pytest.raises(ValueError, match="whole must be a positive finite number"):
        m.share_pct(56.68, whole)


@pytest.mark.parametrize(("first", "last", "years", "what"), [
    (0, 240.1, 10, "first value"),
    (-89.21, 240.1, 10, "first value"),
    (89.21, 0, 10, "last value"),
    (89.21, -240.1, 10, "last value"),
    (89.21, 240.1, 0, "years"),
    (89.21, 240.1, -10, "years"),
])
def test_cagr_pct_refuses_bad_input(first, last, years, what):
    with pytest.raises(ValueError, match=f"{what} must be a positive finite number"):
        m.cagr_pct(first, last, years)


@pytest.mark.parametrize("growth", [-100, -100.0, -150, -1000])
def test_implied_prior_refuses_growth_of_minus_100_or_less(growth):
    with pytest.raises(ValueError, match=r"1 \+ growth/100 must be a positive finite number"):
        m.implied_prior(56.68, growth)


def test_implied_prior_just_above_minus_100_is_finite():
    # -99 %: 1 + g/100 = 0.01, so the prior is 100 times the current value.
    assert m.implied_prior(1.0, -99) == pytest.approx(100.0)


def test_full_year_from_share_refuses_zero_share():
    with pytest.raises(ValueError, match="share must be a positive finite number"):
        m.full_year_from_share(56.68, 0)


def test_project_refuses_growth_of_minus_100():
    with pytest.raises(ValueError, match=r"1 \+ growth/100"):
        m.project(100, -100, 3)


def test_interval_functions_refuse_non_positive_lower_bounds():
    # A prior that could be zero (printed 0 to the unit: [-0.5, 0.5]).
    with pytest.raises(ValueError, match="prior value's lower bound"):
        m.growth_pct_interval(m.printed(10, 0), m.printed(0, 0))
    with pytest.raises(ValueError, match="prior value's lower bound"):
        m.multiple_interval(m.printed(10, 0), m.printed(0, 0))
    with pytest.raises(ValueError, match="whole's lower bound"):
        m.share_pct_interval(m.printed(10, 0), m.printed(0, 0))
    with pytest.raises(ValueError, match="first value's lower bound"):
        m.cagr_pct_interval(m.printed(0, 0), m.printed(10, 0), 5)
    # Growth printed as -100 % to the unit could be as low as -100.5 %.
    with pytest.raises(ValueError, match="at its lower bound"):
        m.implied_prior_interval(m.printed(10, 0), m.printed(-100, 0))


# --------------------------------------------------------------------------- prints as

def _oracle(v: float, p: float, d: int) -> bool:
    """Worked out apart from the code: both read from their str(), quantized half up."""
    q = Decimal(1).scaleb(-d)
    with localcontext(Context(prec=1000)):
        return (Decimal(str(v)).quantize(q, rounding=ROUND_HALF_UP)
                == Decimal(str(p)).quantize(q, rounding=ROUND_HALF_UP))


@given(k=st.integers(-10**7, 10**7), d=st.integers(-6, 4),
       edge=st.sampled_from(["lower", "upper", "inside", "outside"]),
       frac=st.integers(1, 99))
def test_prints_as_agrees_with_decimal_half_up_on_every_edge(k, d, edge, frac):
    step = Decimal(1).scaleb(-d)
    p = Decimal(k) * step
    half = step / 2
    v = {"lower": p - half, "upper": p + half, "inside": p - half + half * 2 * frac / 100,
         "outside": p + half + half * frac / 100}[edge]
    assert prints_as(float(v), float(p), d) == _oracle(float(v), float(p), d)


@pytest.mark.parametrize(("value", "printed", "decimals", "expected"), [
    (240.05, 240.1, 1, True),     # the lower edge prints as the figure
    (240.15, 240.1, 1, False),    # the upper edge prints as the next tenth: 240.2
    (240.15, 240.2, 1, True),
    (240.149, 240.1, 1, True),
    (-5.25, -5.3, 1, True),       # halves away from zero, below zero too
    (-5.25, -5.2, 1, False),
    (187500, 187000, -3, False),  # 187,500 prints as 188,000
    (186500, 187000, -3, True),
    (0.125, 0.13, 2, True),       # as written, not its binary 0.12499…
    (1e300, 1e300, 2, True),      # wider than the default decimal context
])
def test_prints_as_at_its_edges(value, printed, decimals, expected):
    assert prints_as(value, printed, decimals) is expected


def test_round_half_up_of_a_huge_value_at_many_decimals():
    # Decimal's default 28 digits cannot hold 1e30 to 2 decimals: InvalidOperation before.
    assert round_half_up(1e30, 2) == 1e30
