"""Every value inside a parameter's declared range is one the report computes correctly:
the notebook's own check (what ``bilateral build -p`` runs before any kernel) accepts it,
or refuses it with a message naming the parameters that clash; what it accepts, every
table, sentence, record and claim of the report can be computed from.

Ranges are the ones the notebooks declare (``[> -100, <= 1000, 1..8 items]``, ...),
written out here by hand.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bilateral.core.errors import ParameterError
from bilateral.report import claims, record
from bilateral.report.analysis import tourism, trade
from bilateral.report.data.figures import load
from bilateral.report.jupyter import narrative, notebook
from bilateral.report.story import trade as trade_words
from tests.support import DATA

DS = load(DATA)
TRADE_YEARS = set(trade.years_with_totals(DS))

growth = st.one_of(st.floats(-99.9999, 1000, allow_nan=False),
                   st.sampled_from([-99.9999, 1000.0, 0.0, -50.0]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rates=st.lists(growth, min_size=1, max_size=8),
       base=st.one_of(st.sampled_from(sorted(TRADE_YEARS)), st.integers(1990, 2100)),
       horizon=st.integers(1991, 2100),
       milestone=st.one_of(st.floats(1e-9, 100000, allow_nan=False),
                           st.sampled_from([100000.0, 244.819, 300.0])))
# The milestone equal to the base year's total: reached in the base year itself.
@example(rates=[0.0], base=2024, horizon=2030, milestone=244.819)
def test_trade_parameters_across_their_declared_ranges(rates, base, horizon, milestone):
    values = dict(scenario_growth_pct=rates, scenario_base_year=base, horizon_year=horizon,
                  milestone_busd=milestone)
    try:
        notebook.parameters("trade", DS, **values)
    except ParameterError as exc:
        # Refused only for what the data or another parameter rules out, and named.
        message = str(exc)
        if base not in TRADE_YEARS:
            assert "scenario_base_year" in message and str(base) in message, message
        else:
            assert horizon <= base or horizon - base > 100, message
            assert "horizon_year" in message and "scenario_base_year" in message, message
        return
    assert base in TRADE_YEARS and base < horizon
    paths = trade.scenarios(DS, rates, base, horizon, milestone)
    for s in paths:
        assert all(math.isfinite(v) and v >= 0 for v in s.values)
        first = s.first_year_at_milestone
        # The first year at or above the milestone, worked out here from the path itself.
        expected = next((y for y, v in zip(s.years, s.values) if v >= milestone), None)
        assert first == expected
    narrative.scenario_table(paths, milestone, "t")
    trade_words.scenarios_alt(paths, base, horizon)
    rec = record.record("trade", DS, {"data_dir": "x", **values}, report="trade")
    assert set(rec["claims"]) == {c.id for c in claims.for_topic(DS, "trade")}


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.floats(1e-9, 1000, allow_nan=False, exclude_min=False),
                 st.sampled_from([1000.0, 3.0, 600000 / 187000])))
def test_tourism_threshold_across_its_declared_range(threshold):
    notebook.parameters("tourism", DS, threshold_multiple=threshold)
    g = tourism.growth(DS, threshold=threshold)
    rec = record.record("tourism", DS, {"data_dir": "x", "threshold_multiple": threshold},
                        report="tourism")
    assert rec["claims"]["tripled"]["verdict"] in claims.VERDICTS
    assert g.multiple.lo <= g.multiple.point <= g.multiple.hi
