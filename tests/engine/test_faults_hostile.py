"""A hostile user's second round: outputs that collide with what the build writes,
inputs edited while they are read, stale files of an earlier build, a build's private
folders among other builds', writes outside the output folder, and children that outlive
their parent. Each with the fault suite's assertions: exit code, one line, the last
good reports untouched, nothing outside ``--out``, nothing left behind."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.support import ROOT, leftovers, run_cli, set_figure, snapshot, write_notebook

pytestmark = pytest.mark.slow

TRIPLED = "more than tripled in 2023, from 187,000 to 560,000"


def test_data_edited_and_edited_back_while_it_was_copied_is_not_recorded_as_built(
        tmp_path, data_copy, monkeypatch):
    """The data read A, B while the build copied it, then A again: the report is B's,
    so the next build must not call it up to date for A."""
    from bilateral.engine.build import build
    from bilateral.engine.options import Options
    from bilateral.engine.workspace import Workspace

    copy = Workspace.data_copy

    def copied_while_it_held_b(self, folder, parent, data_files):
        dest = copy(self, folder, parent, data_files)
        set_figure(dest, "visitors_2022", quote=TRIPLED)
        set_figure(dest, "visitors_2023", value="560000", quote=TRIPLED)
        return dest

    monkeypatch.setattr(Workspace, "data_copy", copied_while_it_held_b)
    out = tmp_path / "out"
    outcomes = build(Options(notebooks=["tourism"], data_dir=data_copy, out_dir=out,
                                    formats=("html",)))
    assert all(o.ok for o in outcomes)
    rec = json.loads((out / "tourism.results.json").read_bytes())
    assert rec["figures"]["visitors_2023"]["value"] == 560000  # what the kernel read: B
    monkeypatch.undo()
    r = run_cli("build", "tourism", "--formats", "html", "--data", str(data_copy), "--out",
                str(out), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "tourism: would build (data changed)" in r.stderr, r.stderr
