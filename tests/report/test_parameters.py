"""Functions called directly check their parameters as a build does: the ranges the
notebooks' parameters cells declare, the same one-line error."""

from __future__ import annotations

import pytest

from bilateral.core.errors import ParameterError
from bilateral.report import claims, figures, trade
from tests.support import DATA


@pytest.fixture(scope="module")
def ds():
    return figures.load(DATA)


@pytest.mark.parametrize(("call", "message"), [
    (lambda ds: claims.evaluate(ds, horizon_year=1990),
     "parameter 'horizon_year': 1990 is outside the allowed range (≥ 1991 and ≤ 2100)"),
    (lambda ds: claims.for_topic(ds, "tourism", threshold_multiple=-1),
     "parameter 'threshold_multiple': -1.0 is outside the allowed range (> 0 and ≤ 1000)"),
    (lambda ds: claims.for_topic(ds, "tourism", threshold_multiple=0),
     "parameter 'threshold_multiple': 0.0 is outside the allowed range (> 0 and ≤ 1000)"),
    (lambda ds: claims.for_topic(ds, "weather"),
     "parameter 'topic': unknown topic 'weather' (known: tourism, trade)"),
    (lambda ds: claims.evaluate(ds, horizon=2030),
     "parameter 'horizon': unknown parameter (known: horizon_year, milestone_busd, "
     "scenario_base_year, scenario_growth_pct, threshold_multiple)"),
    (lambda ds: trade.scenarios(ds, [5.0], 2024, 2030, 0),
     "parameter 'milestone_busd': 0.0 is outside the allowed range (> 0 and ≤ 100000)"),
    (lambda ds: trade.scenarios(ds, [], 2024, 2030, 300),
     "parameter 'scenario_growth_pct': 0 items; allowed 1 to 8"),
    (lambda ds: claims.evaluate(ds, horizon_year="2030"),
     None),
])
def test_a_value_the_build_refuses_is_refused_here_too(ds, call, message):
    with pytest.raises(ParameterError) as err:
        call(ds)
    if message is not None:
        assert str(err.value) == message
    assert "\n" not in str(err.value)


def test_the_edges_of_the_range_are_accepted(ds):
    assert claims.evaluate(ds, horizon_year=1991) and claims.evaluate(ds, horizon_year=2100)
    assert claims.for_topic(ds, "tourism", threshold_multiple=1000)
    assert len(trade.scenarios(ds, [0.0] * 8, 2024, 2030, 100000)) == 8
