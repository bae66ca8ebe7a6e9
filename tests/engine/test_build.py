"""End to end through the real command line: reports, incremental rebuilds, reproducibility."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from pypdf import PdfReader

from tests.support import NOTEBOOKS, run_cli

pytestmark = pytest.mark.slow


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_default_build_writes_every_report(built_reports):
    names = sorted(p.name for p in built_reports.iterdir() if not p.name.startswith("."))
    # Each report as HTML, PDF and executed notebook, with its results record; and the
    # reviewers' index of the folder.
    assert names == ["index.html", "index.pdf",
                     "tourism.html", "tourism.ipynb", "tourism.pdf", "tourism.results.json",
                     "trade.html", "trade.ipynb", "trade.pdf", "trade.results.json"]
    executed = json.loads((built_reports / "trade.ipynb").read_text(encoding="utf-8"))
    # papermill records the parameters it injected; the build always passes the data folder
    assert executed["metadata"]["papermill"]["parameters"]["data_dir"].endswith("data")


def test_trade_pdf_holds_the_key_figures(built_reports):
    text = "\n".join(page.extract_text() for page in PdfReader(built_reports / "trade.pdf").pages)
    # 56.68 / (1 + 5.2/100) = 56.68 / 1.052 = 53.8783; bounds 56.675/1.0525 = 53.8480 and
    # 56.685/1.0515 = 53.9087; first-reported base 53.845 → (56.68/53.845 − 1)·100 = 5.27 %
    for needle in ("240.1", "56.68", "53.878", "53.848", "53.909", "53.845", "5.27 %",
                   "244.819"):
        assert needle in text, needle


def test_tourism_pdf_holds_the_growth(built_reports):
    text = "\n".join(page.extract_text() for page in PdfReader(built_reports / "tourism.pdf").pages)
    # 600,000 / 187,000 = 3.2086 → "3.209×"; growth (3.2086 − 1)·100 = 220.9 %
    for needle in ("187,000", "600,000", "3.209", "220.9 %", "more than tripled"):
        assert needle in text, needle


def test_noop_rebuild_builds_nothing_and_dry_run_says_why(tmp_path):
    out = tmp_path / "out"
    first = run_cli("build", "tourism", "--formats", "html", "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    again = run_cli("build", "tourism", "--formats", "html", "--out", str(out))
    assert again.returncode == 0
    assert "0 built, 1 up to date" in again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before

    changed = run_cli("build", "tourism", "--formats", "html", "--out", str(out),
                      "-p", "threshold_multiple", "2.5", "--dry-run")
    assert changed.returncode == 0
    assert "tourism: would build (parameters changed)" in changed.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_a_changed_data_file_rebuilds(tmp_path, data_copy):
    out = tmp_path / "out"
    assert run_cli("build", "tourism", "--formats", "html", "--data", str(data_copy),
                   "--out", str(out)).returncode == 0
    with open(data_copy / "sources.csv", "a", encoding="utf-8") as f:
        f.write('extra_2026,Nobody,"An extra source",2026-01-01,,en,,\n')
    dry = run_cli("build", "tourism", "--formats", "html", "--data", str(data_copy),
                  "--out", str(out), "--dry-run")
    assert "tourism: would build (data changed)" in dry.stderr


def test_forced_rebuilds_are_byte_identical(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--out", str(out), "--jobs", "2", "-q").returncode == 0
    first = {p.name: _digest(p) for p in out.glob("[!.]*.*")
             if p.suffix in (".html", ".pdf", ".json")}
    # Two reports and the index, as HTML and PDF, and the two results records.
    assert len(first) == 8
    assert run_cli("build", "--out", str(out), "--jobs", "1", "--force", "-q").returncode == 0
    second = {p.name: _digest(p) for p in out.glob("[!.]*.*")
              if p.suffix in (".html", ".pdf", ".json")}
    assert second == first


def test_scenarios_land_in_their_own_folders(tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", "trade", "--scenario", "slowdown", "--scenario", "high-growth",
                     "--formats", "html", "--out", str(out))
    assert result.returncode == 0, result.stderr
    slow = (out / "slowdown" / "trade.html").read_text(encoding="utf-8")
    high = (out / "high-growth" / "trade.html").read_text(encoding="utf-8")
    # params/slowdown.yaml: growth paths -5, 0 and +1.9 % a year (printed as set);
    # milestone 250
    assert "\u22125 % a year" in slow and "+1.9 % a year" in slow
    assert "First year ≥ 250" in slow
    # params/high-growth.yaml: +10, +15, +20 % a year; milestone 400
    assert "+20 % a year" in high and "First year ≥ 400" in high
    assert not (out / "trade.html").exists()


def test_a_notebook_given_by_path_builds(tmp_path):
    nb = tmp_path / "copy.ipynb"
    shutil.copy(NOTEBOOKS / "tourism.ipynb", nb)
    result = run_cli("build", str(nb), "--formats", "html", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "copy.html").exists()


def test_nbconvert_entry_points_use_the_project_template(tmp_path, built_reports):
    import subprocess
    import sys
    from pathlib import Path

    nb = tmp_path / "tourism.ipynb"
    shutil.copy(built_reports / "tourism.ipynb", nb)
    jupyter = Path(sys.executable).parent / "jupyter"
    for exporter in ("bilateral_html", "bilateral_pdf"):
        result = subprocess.run([str(jupyter), "nbconvert", "--to", exporter, str(nb)],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    html = (tmp_path / "tourism.html").read_text(encoding="utf-8")
    assert "<script" not in html and 'class="title-block"' in html
    assert (tmp_path / "tourism.pdf").read_bytes().startswith(b"%PDF-")


def test_longest_first_by_last_time_then_by_notebook_size(tmp_path):
    """The queue order: the last build's time of the target, else that of the same
    notebook under another scenario, else (nothing recorded) the larger notebook first."""
    from bilateral.engine.build import _longest_first
    from bilateral.engine.plan import Target
    from bilateral.engine.state import STATE_FILE, read_state

    def target(name, scenario, size):
        return Target(name, tmp_path / f"{name}.ipynb", scenario, {}, tmp_path, ("html",),
                      notebook_bytes=b"x" * size)

    fresh = [target("small", "a", 10), target("big", "a", 900), target("mid", "a", 50)]
    _longest_first(fresh, {})
    assert [t.name for t in fresh] == ["big", "mid", "small"]

    queue = [target("small", "b", 10), target("big", "b", 900), target("small", "a", 10),
             target("new", "a", 5000)]
    entry = {"digests": {}, "outputs": {}}
    (tmp_path / STATE_FILE).write_text(json.dumps({"targets": {
        "a/small": {**entry, "seconds": 4.0}, "a/big": {**entry, "seconds": 1.5},
        "b/big": {**entry, "seconds": "hand-edited"}, "x/new": ["not a record"]}}))
    state, warning = read_state(tmp_path)  # what the build passes: entries checked
    assert "b/big" in warning and "x/new" in warning
    _longest_first(queue, state["targets"])
    # a/small 4.0 and b/small 4.0 (its notebook's time under "a"), b/big 1.5 (under "a"),
    # then a/new, never timed; equal times keep their order (the sort is stable).
    assert [t.key for t in queue] == ["b/small", "a/small", "b/big", "a/new"]
