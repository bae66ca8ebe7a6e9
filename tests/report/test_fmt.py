"""Number formatting: how every number in the reports reads."""

from __future__ import annotations

import pytest

from bilateral.report.metrics import printed
from bilateral.report.story import fmt


@pytest.mark.parametrize("x, decimals, expected", [
    (0.125, 2, "0.13"),            # halves away from zero, as printed figures do
    (5.265, 1, "5.3"),             # the article-level case: 5.27 % "rounds to 5.3 %"
    (187000, -3, "187,000"),
    (186499, -3, "186,000"),
    (1234567.891, 2, "1,234,567.89"),
    (-2.5, 0, "\u22123"),          # typographic minus
])
def test_num(x, decimals, expected):
    assert fmt.num(x, decimals) == expected


def test_units():
    assert fmt.busd(56.68) == "USD 56.68 bn"
    assert fmt.pct(26.3, signed=True) == "+26.3 %"
    assert fmt.pct(-2.9, signed=True) == "\u22122.9 %"
    assert fmt.times(3.20856, 3) == "3.209×"
    assert fmt.people(600000) == "600,000"
    assert fmt.value(75, "years", 0) == "75 years"
    # printed(56.68, 2) is 56.675 … 56.685
    assert fmt.span(printed(56.68, 2), fmt.num, decimals=3) == "56.675 – 56.685"


def test_a_negative_number_that_rounds_to_zero_has_no_sign():
    # -0.0042 to two decimals is 0.00, not −0.00; -0.005 rounds away from zero to −0.01.
    assert fmt.num(-0.0042, 2) == "0.00"
    assert fmt.num(-0.005, 2) == "\u22120.01"
    assert fmt.pct(-0.04, 1) == "0.0 %"
