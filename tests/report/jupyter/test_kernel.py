"""The notebooks in a kernel, run as JupyterLab runs them (no papermill, no build).

An analyst edits the parameters cell and runs all: the report's outputs are those of
``bilateral build -p`` with the same values, and a value out of range, or one that does
not make sense with the others, stops the notebook with the command line's message, on
one line. Objects typed at the end of a cell show as HTML tables, charts as images.
"""

from __future__ import annotations

import copy
import re

import nbformat
import pytest
from nbclient import NotebookClient

from tests.support import NOTEBOOKS, run_cli

pytestmark = pytest.mark.slow


def read(name: str):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def with_parameters(nb, **values: str):
    """``nb`` with the parameters cell's values replaced by ``values`` (Python source, as
    typed in JupyterLab); the type annotations and help comments stay."""
    nb = copy.deepcopy(nb)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    lines = cell.source.split("\n")
    for name, text in values.items():
        pattern = re.compile(rf"^({name}: [^=]+= )(.+?)(  #.*)$")
        hits = [i for i, line in enumerate(lines) if pattern.match(line)]
        assert len(hits) == 1, f"no line for {name}"
        m = pattern.match(lines[hits[0]])
        lines[hits[0]] = m.group(1) + text + m.group(3)
    cell.source = "\n".join(lines)
    return nb


def execute(nb, extra_cells: list[str] = ()):
    nb = copy.deepcopy(nb)
    nb.cells.extend(nbformat.v4.new_code_cell(src) for src in extra_cells)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


def outputs(cell) -> list:
    """What a cell shows: each output's type and data, without counts or metadata."""
    shown = []
    for o in cell.get("outputs", []):
        if o.output_type in ("display_data", "execute_result"):
            shown.append(("data", dict(o.data)))
        elif o.output_type == "stream":
            shown.append(("stream", o.name, o.text))
        else:
            shown.append(("error", o.ename, o.evalue))
    return shown


def errors(nb) -> list:
    return [(i, o.ename, o.evalue, o.traceback) for i, c in enumerate(nb.cells)
            for o in c.get("outputs", []) if o.output_type == "error"]


# As typed in the parameters cell, and as given to -p: the same values.
EDITS = {"milestone_busd": ("350", "350"), "scenario_growth_pct": ("[0, 3, 6]", "[0, 3, 6]"),
         "horizon_year": ("2035", "2035")}


def test_parameters_edited_in_lab_give_the_build_report(tmp_path):
    lab = execute(with_parameters(read("trade"), **{k: v[0] for k, v in EDITS.items()}))
    assert not errors(lab), errors(lab)
    args = [a for k, (_, v) in EDITS.items() for a in ("-p", k, v)]
    result = run_cli("build", "trade", *args, "--out", str(tmp_path), "--formats", "html",
                     "--quiet")
    assert result.returncode == 0, result.stderr
    built = nbformat.read(tmp_path / "trade.ipynb", as_version=4)
    by_id = {c.get("id"): c for c in built.cells}
    compared = 0
    for cell in lab.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        assert outputs(cell) == outputs(by_id[cell.id]), f"cell {cell.id} differs"
        compared += 1
    assert compared >= 10
    title = "".join(o.data["text/html"] for c in lab.cells if c.id == "c01"
                    for o in c.outputs if "data" in o)
    # 350 typed for a float parameter reads as the build's 350.0; the list as floats
    assert "350.0" in title and "[0.0, 3.0, 6.0]" in title and "2035" in title


CASES = [
    ("trade", {"horizon_year": ("2200", "2200")}),        # outside its declared range
    ("trade", {"horizon_year": ("2020", "2020")}),        # not after the base year
    ("trade", {"scenario_growth_pct": ("[]", "[]")}),     # too few items
    ("trade", {"scenario_base_year": ("1995", "1995")}),  # no customs total that year
    ("tourism", {"threshold_multiple": ("0", "0")}),      # not > 0
]


@pytest.mark.parametrize(("name", "edit"), CASES,
                         ids=[next(iter(e)) + "=" + next(iter(e.values()))[0] for _, e in CASES])
def test_a_bad_parameter_stops_lab_with_the_command_line_message(name, edit):
    args = [a for k, (_, v) in edit.items() for a in ("-p", k, v)]
    cli = run_cli("build", name, *args, "--dry-run")
    assert cli.returncode == 2, cli.stderr
    line = cli.stderr.strip().splitlines()[-1]
    assert line.startswith("bilateral: ")
    message = line.removeprefix("bilateral: ")

    lab = execute(with_parameters(read(name), **{k: v[0] for k, v in edit.items()}))
    found = errors(lab)
    assert found, "the notebook ran with a bad parameter"
    index, ename, evalue, traceback = found[0]
    assert index == 1, "the cell after the parameters cell stops the notebook"
    assert ename == "ParameterError" and evalue == message
    assert len(traceback) == 1 and message in traceback[0]  # one line, no traceback


def test_objects_and_charts_show_as_html_in_a_kernel():
    nb = execute(read("trade"), [
        "ds", "years[:2]", "q", "claims.evaluate(ds)", "paths", "ds['trade_2023']",
        "charts.annual_trade(years, year.year, 'A chart returned from a cell')",
        "[1, 2]",
        "from bilateral.report import frames\nframes.figures(ds).loc['trade_2023', 'value']"])
    assert not errors(nb), errors(nb)
    shown = [c.outputs for c in nb.cells[-9:]]
    html = [next((o.data.get("text/html", "") for o in outs if "data" in o), "")
            for outs in shown]
    ds_html, years_html, q_html, claims_html, paths_html, fig_html, chart, plain, value = html
    assert "frames.figures(ds)" in ds_html and "trade_2023" in ds_html and "USD 240.1 bn" in ds_html
    assert "2 × YearRow" in years_html and "recomputed_yoy" in years_html
    assert "implied_q1_2023" in q_html and "USD 53.878 bn [USD 53.848 bn – USD 53.909 bn]" in q_html
    assert 'class="verdict v-holds"' in claims_html and "frames.claims(ds)" in claims_html
    assert "first year at the milestone" in paths_html
    assert "trade_2023" in fig_html and "USD 240.1 bn" in fig_html
    assert chart.startswith('<figure class="chart">') and "data:image/svg+xml;base64," in chart
    assert 'alt="A chart returned from a cell"' in chart
    assert plain == "" and value == ""  # other objects show as they always did
    assert "240.1" in shown[-1][0].data["text/plain"]
