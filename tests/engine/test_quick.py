"""The fast answer of a build with nothing to do (``engine.quick``): right when nothing
changed, never when anything did."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bilateral.engine import build as engine
from bilateral.engine import quick
from bilateral.engine.options import Options
from bilateral.engine.state import STATE_FILE
from tests.support import NOTEBOOKS, ROOT, run_cli

pytestmark = pytest.mark.slow


def _opts(data: Path, nbs: Path, out: Path, **kw) -> Options:
    return Options(notebooks=["tourism"], formats=("html",), data_dir=data,
                   notebooks_dir=nbs, out_dir=out, **kw)


def _args(data: Path, nbs: Path, out: Path) -> list[str]:
    return ["build", "tourism", "--formats", "html", "--data", str(data),
            "--notebooks-dir", str(nbs), "--out", str(out)]


def _changed(path: Path, opts: Options, edit) -> bool:
    """Whether the fast answer stops answering once ``edit`` changed ``path``, and answers
    again once the file is put back."""
    before = path.read_bytes()
    edit(path)
    stopped = quick.up_to_date(opts) is None
    path.write_bytes(before)
    return stopped and quick.up_to_date(opts) == ["tourism"]


def test_a_noop_answers_without_planning_and_any_change_is_seen(tmp_path, data_copy):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    shutil.copy(NOTEBOOKS / "tourism.ipynb", nbs / "tourism.ipynb")
    out = tmp_path / "out"
    first = run_cli(*_args(data_copy, nbs, out))
    assert first.returncode == 0, first.stderr
    opts = _opts(data_copy, nbs, out)
    assert quick.up_to_date(opts) == ["tourism"]

    # Through the command: the same lines as a planned no-op, and no notebook library
    # (nbformat, jsonschema), papermill or pandas imported to say them.
    code = ("import sys\nfrom bilateral import cli\n"
            "code = cli.main(sys.argv[1:])\n"
            "print(code, sorted(m for m in ('nbformat', 'jsonschema', 'papermill', "
            "'pandas', 'bilateral.report.data.figures') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code, *_args(data_copy, nbs, out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["bilateral: tourism: up to date",
                                          "bilateral: 0 built, 1 up to date"]
    # figures is imported for its list of data files, nothing heavier
    assert result.stdout.splitlines()[-1] == "0 ['bilateral.report.data.figures']"

    def append(p: Path) -> None:
        with open(p, "ab") as fh:
            fh.write(b"\n")

    def one_byte(p: Path) -> None:
        data = bytearray(p.read_bytes())
        data[-2] ^= 1
        p.write_bytes(bytes(data))

    assert _changed(data_copy / "figures.csv", opts, append)
    assert _changed(data_copy / "sources.csv", opts, one_byte)
    assert _changed(nbs / "tourism.ipynb", opts, append)
    assert _changed(out / "tourism.html", opts, one_byte)          # an output edited
    assert _changed(out / "tourism.ipynb", opts, lambda p: p.unlink())  # or removed
    assert _changed(out / STATE_FILE, opts, lambda p: p.write_text("{"))
    # another option that changes the report, or --force: the plan decides
    assert quick.up_to_date(_opts(data_copy, nbs, out, paper="letter")) is None
    assert quick.up_to_date(_opts(data_copy, nbs, out, force=True)) is None
    # options that do not change a report
    assert quick.up_to_date(_opts(data_copy, nbs, out, jobs=1, timeout=30)) == ["tourism"]
    # a data file added where the loader reads them
    extra = data_copy / "context" / "zz_extra.csv"
    extra.write_text("a\n1\n", encoding="utf-8")
    assert quick.up_to_date(opts) is None
    extra.unlink()
    assert quick.up_to_date(opts) == ["tourism"]
    # a state file edited by hand: any stamp not of a build's shape is a reason to plan
    state_path = out / STATE_FILE
    good = state_path.read_text(encoding="utf-8")
    key = quick.options_key(opts)
    for stamps in (["x"], {key: "x"}, {key: {"targets": "x"}},
                   {key: {**json.loads(good)["stamps"][key],
                          "targets": [["../tourism", "d"]]}},
                   {key: {**json.loads(good)["stamps"][key],
                          "targets": [["a/b/tourism", "d"]]}}):
        state_path.write_text(json.dumps({**json.loads(good), "stamps": stamps}),
                              encoding="utf-8")
        assert quick.up_to_date(opts) is None, stamps
    state_path.write_text(json.dumps({**json.loads(good), "stamps": ["x"]}), encoding="utf-8")
    planned = run_cli(*_args(data_copy, nbs, out))
    assert planned.returncode == 0, planned.stderr
    assert planned.stderr.splitlines()[-1] == "bilateral: 0 built, 1 up to date"
    assert quick.up_to_date(opts) == ["tourism"]  # the planned no-op wrote the stamp anew
    # a link to the same bytes is the same input, as the plan reads it
    (data_copy / "sources.csv").rename(data_copy / "real.csv")
    (data_copy / "sources.csv").symlink_to(data_copy / "real.csv")
    assert quick.up_to_date(opts) == ["tourism"]
    # a data file that is not a regular file: the plan says what is wrong
    (data_copy / "sources.csv").unlink()
    os.mkfifo(data_copy / "sources.csv")
    assert quick.up_to_date(opts) is None
    failed = run_cli(*_args(data_copy, nbs, out))
    assert failed.returncode == 2 and "sources.csv" in failed.stderr, failed.stderr


def test_an_input_edited_while_the_plan_reads_it_leaves_no_stamp(tmp_path, data_copy,
                                                                  monkeypatch):
    out = tmp_path / "out"
    real_plan = engine.plan

    def plan_then_edit(opts, ws):
        p = real_plan(opts, ws)
        with open(data_copy / "sources.csv", "a", encoding="utf-8") as f:
            f.write('extra_2026,Nobody,"An extra source",2026-01-01,,en,,\n')
        return p

    monkeypatch.setattr(engine, "plan", plan_then_edit)
    opts = _opts(data_copy, NOTEBOOKS, out, jobs=1)
    outcomes = engine.build(opts)
    assert [o.ok for o in outcomes] == [True]
    state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    assert state["stamps"] == {}
    assert quick.up_to_date(opts) is None


def _target(key: str, digest: str):
    class T:
        pass
    t = T()
    t.key, t.digest = key, digest
    return t


def test_stamps_are_kept_per_options_and_the_oldest_goes_first(tmp_path):
    state: dict = {}
    outs = [tmp_path / f"out{i}" for i in range(quick.MAX_STAMPS + 1)]
    for i, out in enumerate(outs):
        quick.remember(state, _opts(tmp_path, tmp_path, out), f"inputs{i}",
                       [_target("tourism", f"d{i}")])
    keys = [quick.options_key(_opts(tmp_path, tmp_path, out)) for out in outs]
    assert len(state["stamps"]) == quick.MAX_STAMPS
    assert keys[0] not in state["stamps"]                      # the first recorded, gone
    assert state["stamps"][keys[-1]] == {"inputs": f"inputs{len(outs) - 1}",
                                         "n": len(outs), "targets": [["tourism",
                                                                      f"d{len(outs) - 1}"]]}
    # after a written and read state (keys sorted), the order still comes from "n"
    state = json.loads(json.dumps(state, sort_keys=True))
    quick.remember(state, _opts(tmp_path, tmp_path, outs[0]), "again", [])
    assert keys[1] not in state["stamps"] and keys[0] in state["stamps"]
    # a build that did not end well forgets the stamp of its options
    quick.remember(state, _opts(tmp_path, tmp_path, outs[0]), None, [])
    assert keys[0] not in state["stamps"]
