"""The DataFrames of bilateral.report.jupyter.frames, with values worked out by hand from
the data."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pandas as pd
import pytest

from bilateral.core.errors import DataError
from bilateral.report import claims
from bilateral.report.analysis import tourism, trade
from bilateral.report.data import figures
from bilateral.report.jupyter import frames
from tests.support import DATA, ROOT, run_cli, set_figure


@pytest.fixture(scope="module")
def ds():
    return figures.load(DATA)


def test_dataset_frame(ds):
    df = frames.figures(ds)
    assert df.index.name == "id" and df.index.is_unique
    assert len(df) == len(ds.figures) + len(ds.context)
    assert list(df.index[:len(ds.figures)]) == list(ds.figures)  # the article's rows first
    row = df.loc["trade_2023"]
    assert row["value"] == 240.1 and row["unit"] == "usd_bn" and row["decimals"] == 1
    # printed to one decimal: anything from 240.05 to 240.15
    assert row["lo"] == pytest.approx(240.05) and row["hi"] == pytest.approx(240.15)
    assert row["period"] == "2023" and row["period_kind"] == "year" and row["year"] == 2023
    assert row["start"] == pd.Timestamp("2023-01-01")
    assert row["end"] == pd.Timestamp("2023-12-31")
    assert bool(row["in_article"]) and row["file"] == "data/figures.csv" and row["row"] == 2
    assert row["source_id"] == "cgtn_2024_05_16"
    q1 = df.loc["trade_2024q1"]
    assert (q1["period_kind"], q1["start"], q1["end"]) == (
        "quarter", pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    assert not bool(df.loc["gacc_trade_2013", "in_article"])
    assert df["value"].dtype == "float64" and df["decimals"].dtype == "int64"
    assert df["row"].dtype == "int64" and df["year"].dtype == "int64"
    assert pd.api.types.is_datetime64_any_dtype(df["end"])
    assert not df[["value", "lo", "hi"]].isna().any().any()


def test_dataset_frame_sorts_and_filters_by_period(ds):
    df = frames.figures(ds)
    annual = df[(df.period_kind == "year") & df.index.str.startswith("gacc_trade_")]
    by_end = annual.sort_values("end")
    assert list(by_end.year) == sorted(by_end.year)
    assert by_end.loc[by_end.year == 2022, "value"].item() == 190.27
    assert set(df[df.end <= pd.Timestamp("2013-12-31")].index) >= {"gacc_trade_2013"}


def test_annual_frame_by_hand(ds):
    df = frames.annual(ds)
    assert df.index.name == "year" and df.index.dtype == "int64"
    assert df.loc[2023, "total_busd"] == 240.1
    # (240.1 / 190.27 − 1) × 100 = 26.1891…; reported 26.3; gap 26.3 − 26.1891 = 0.1109
    assert df.loc[2023, "recomputed_yoy_pct"] == pytest.approx(26.1891, abs=1e-4)
    assert df.loc[2023, "reported_yoy_pct"] == 26.3
    assert df.loc[2023, "gap_pts"] == pytest.approx(0.1109, abs=1e-4)
    assert df.loc[2023, "figure_id"] == "gacc_trade_2023"
    first = df.index.min()
    # the first year has no year before it: missing by design, <NA> and not NaN
    assert df.loc[first, "recomputed_yoy_pct"] is pd.NA
    assert str(df["recomputed_yoy_pct"].dtype) == "Float64"
    assert frames.annual(trade.annual(ds)).equals(df)


def test_quarter_frame_by_hand(ds):
    df = frames.quarter(trade.quarter(ds))
    assert df.index.name == "quantity" and list(df.columns) == ["point", "lo", "hi", "unit"]
    implied = df.loc["implied_q1_2023"]
    # 56.68 / 1.052 = 53.8783; 56.675 / 1.0525 = 53.8480; 56.685 / 1.0515 = 53.9087
    assert implied["point"] == pytest.approx(53.8783, abs=1e-4)
    assert implied["lo"] == pytest.approx(53.8480, abs=1e-4)
    assert implied["hi"] == pytest.approx(53.9087, abs=1e-4)
    assert implied["unit"] == "usd_bn"
    g = df.loc["growth_reported"]
    assert (g["point"], g["lo"], g["hi"], g["unit"]) == (5.2, pytest.approx(5.15),
                                                          pytest.approx(5.25), "percent")
    # a value read as it is: its interval is the point itself
    first = df.loc["first_reported_q1_2023"]
    assert first["point"] == first["lo"] == first["hi"] == ds.value("gacc_trade_2023q1")
    assert frames.quarter(ds).equals(df)


def test_growth_and_majority_frames_by_hand(ds):
    g = frames.growth(tourism.growth(ds))
    # 600,000 / 187,000 = 3.208556; 599,500 / 187,500 = 3.197333; 600,500 / 186,500 = 3.219839
    assert g.loc["multiple", "point"] == pytest.approx(3.208556, abs=1e-6)
    assert g.loc["multiple", "lo"] == pytest.approx(3.197333, abs=1e-6)
    assert g.loc["multiple", "hi"] == pytest.approx(3.219839, abs=1e-6)
    assert g.loc["growth_pct", "point"] == pytest.approx(220.8556, abs=1e-4)
    m = frames.majority(tourism.majority(ds))
    assert m.loc["needed_for_majority", "point"] == 300_000  # half of 600,000
    assert m.loc["needed_for_majority", "unit"] == "people"


def test_scenarios_frame_ready_for_plot(ds):
    paths = trade.scenarios(ds, [0.0, 10.0], 2024, 2026, 300.0)
    df = frames.scenarios(paths)
    assert list(df.index) == [2024, 2025, 2026] and df.index.name == "year"
    assert list(df.columns) == [0.0, 10.0] and df.columns.name == "growth_pct"
    base = ds.value("gacc_trade_2024")
    assert list(df[0.0]) == [base] * 3
    # base × 1.1 and base × 1.21
    assert df.loc[2025, 10.0] == pytest.approx(base * 1.1)
    assert df.loc[2026, 10.0] == pytest.approx(base * 1.21)
    import matplotlib

    matplotlib.use("Agg", force=False)
    ax = df.plot()
    try:
        assert len(ax.get_lines()) == 2
    finally:
        import matplotlib.pyplot as plt

        plt.close(ax.figure)


def test_claims_frame(ds):
    df = frames.claims(ds)
    assert df.index.name == "id"
    assert list(df.index) == [c.id for c in claims.evaluate(ds)]
    assert list(df.columns) == ["topic", "statement", "verdict", "check", "quote",
                                "figure_ids"]
    assert df["verdict"].cat.ordered and list(df["verdict"].cat.categories) == list(
        claims.VERDICTS)
    assert (df.verdict >= claims.HOLDS).all()  # ordered: every verdict compares
    tourism_only = frames.claims(ds, "tourism", threshold_multiple=3.0)
    assert set(tourism_only.topic) == {"tourism"}
    # 3.1973 > 3 at every rounding: holds; against 3.25 none of 3.1973 … 3.2198 is above
    assert tourism_only.loc["tripled", "verdict"] == claims.HOLDS
    stricter = frames.claims(ds, "tourism", threshold_multiple=3.25)
    assert stricter.loc["tripled", "verdict"] == claims.CONTRADICTED
    assert "visitors_2023" in tourism_only.loc["tripled", "figure_ids"]


def test_frame_dispatch(ds):
    assert frames.frame(ds).equals(frames.figures(ds))
    assert frames.frame(trade.annual(ds)).equals(frames.annual(ds))
    series = ds.series("gacc_trade_")
    assert list(frames.frame(series).index) == [f.id for f in series]
    assert frames.frame(claims.evaluate(ds)).equals(frames.claims(ds))
    with pytest.raises(TypeError, match="no DataFrame for str"):
        frames.frame("trade_2023")


def test_a_non_finite_number_is_refused_not_shown():
    @dataclasses.dataclass
    class Result:
        ratio: float

    with pytest.raises(ValueError, match="not finite"):
        frames.quantities(Result(float("inf")))
    with pytest.raises(ValueError, match="not finite"):
        frames.quantities(Result(float("nan")))


@pytest.mark.parametrize("text", ["nan", "inf", "1,5", ""])
def test_bad_values_never_reach_a_frame(data_copy, text):
    """The loader is the only door: what pandas would read as NaN or inf is refused there."""
    set_figure(data_copy, "trade_2023", value=text)
    with pytest.raises(DataError, match="column 'value'"):
        figures.load(data_copy)


def test_the_command_line_does_not_import_pandas(tmp_path):
    """A no-op build (everything up to date) imports neither pandas nor the frames."""
    out = tmp_path / "out"
    first = run_cli("build", "--out", str(out), "--formats", "html", "--quiet")
    assert first.returncode == 0, first.stderr
    code = (
        "import sys\n"
        "from bilateral import cli\n"
        "code = cli.main(['build', '--out', sys.argv[1], '--formats', 'html'])\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] == 'pandas' "
        "or m == 'bilateral.report.jupyter.frames'))\n")
    result = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                            text=True, cwd=ROOT, timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "0 built, 2 up to date" in result.stderr, result.stderr
    assert result.stdout.split("\n")[-2] == "0 []", result.stdout
