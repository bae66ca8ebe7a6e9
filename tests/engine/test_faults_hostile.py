"""A hostile user's second round: outputs that collide with what the build writes,
inputs edited while they are read, stale files of an earlier build, a build's private
folders among other builds', writes outside the output folder, and children that outlive
their parent. Each with the fault suite's assertions: exit code, one line, the last
good reports untouched, nothing outside ``--out``, nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import (
    BILATERAL,
    LAST_GOOD,
    ROOT,
    fill,
    leftovers,
    run_cli,
    set_figure,
    snapshot,
    tmpfs,
    write_files,
    write_notebook,
)

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


def test_a_notebook_named_index_is_refused_before_anything_runs(tmp_path):
    nb = write_notebook(tmp_path / "nbs" / "index.ipynb", "print(1)")
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_bytes(b"last good index\n")
    before = snapshot(out)
    r = run_cli("build", str(nb), "--out", str(out))
    assert r.returncode == 2
    assert r.stderr == (f"bilateral: notebook 'index': its output {out / 'index.html'} would "
                        "be overwritten by the folder's index; rename the notebook\n")
    assert snapshot(out) == before and leftovers(out) == []


def test_a_narrower_build_removes_what_it_no_longer_makes(tmp_path):
    """HTML and PDF, then HTML only with another parameter: the old PDFs (the report's
    and the index's) show the old parameter; they are the build's own and unchanged, so
    they go. A PDF changed by hand since stays, and the build says so. (With the same
    inputs the PDF is still current: the report is up to date and nothing is removed.)"""
    out = tmp_path / "out"
    r = run_cli("build", "tourism", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert (out / "tourism.pdf").exists() and (out / "index.pdf").exists()
    r = run_cli("build", "tourism", "--formats", "html", "--out", str(out), "--quiet")
    assert r.returncode == 0 and (out / "tourism.pdf").exists()  # up to date: kept
    r = run_cli("build", "tourism", "--formats", "html", "--out", str(out),
                "-p", "threshold_multiple", "2.5")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "index.html", "tourism.html", "tourism.ipynb", "tourism.results.json"]
    # Again with PDFs, then the report's PDF changed by hand before an HTML-only build.
    r = run_cli("build", "tourism", "--out", str(out), "--quiet", "--force")
    assert r.returncode == 0, r.stderr
    with open(out / "tourism.pdf", "ab") as f:
        f.write(b"% a reviewer's note\n")
    r = run_cli("build", "tourism", "--formats", "html", "--out", str(out),
                "-p", "threshold_multiple", "2.5")
    assert r.returncode == 0, r.stderr
    assert (out / "tourism.pdf").exists() and not (out / "index.pdf").exists()
    assert (f"bilateral: warning: {out / 'tourism.pdf'} is left from an earlier build of "
            "tourism and was changed since; it is not part of this build") in r.stderr


def test_a_foreign_notebook_of_a_reports_name_leaves_no_record_of_the_report(tmp_path):
    """The project's tourism report, then someone's own tourism.ipynb into the same
    folder: the report's record goes with the report, so neither the index nor diff shows
    the old verdicts beside the new files."""
    out = tmp_path / "out"
    r = run_cli("build", "tourism", "--formats", "html", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    own = write_notebook(tmp_path / "mine" / "tourism.ipynb", ("md", "# Mine"), "print(2)")
    r = run_cli("build", str(own), "--formats", "html", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert not (out / "tourism.results.json").exists()
    assert "Mine" in (out / "tourism.html").read_text(encoding="utf-8")
    assert leftovers(out) == []


def test_nothing_is_written_into_a_fresh_home(tmp_path):
    """IPython's profile, matplotlib's font cache and config, Jupyter's runtime files: all
    in the build's private folder, which is gone afterwards."""
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp)}
    for key in ("IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_RUNTIME_DIR", "XDG_CACHE_HOME",
                "XDG_CONFIG_HOME", "XDG_DATA_HOME", "JUPYTER_DATA_DIR"):
        env.pop(key, None)
    r = subprocess.run([*BILATERAL, "build", "tourism", "--out", str(tmp_path / "out"),
                        "--quiet"], capture_output=True, text=True, env=env, cwd=ROOT,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert list(home.rglob("*")) == [] and list(tmp.iterdir()) == []


def test_a_warm_pool_whose_parent_died_before_it_could_ask_exits(tmp_path):
    """The build killed in its first milliseconds, before its pool asked to die with it:
    the pool, adopted by another process, sees that its parent is not the build that
    started it, and exits rather than serve on (about 80 MB) forever."""
    import socket
    import sys as _sys

    from bilateral.engine import warm

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "s"))
    listener.listen(1)
    gone = subprocess.Popen([_sys.executable, "-c", "pass"])
    gone.wait()  # a pid that was the build's and is no more
    pool = subprocess.Popen([_sys.executable, "-c", warm._RUN, warm.__file__, str(gone.pid),
                             str(listener.fileno())], pass_fds=[listener.fileno()],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert pool.wait(timeout=30) == 1
    finally:
        pool.kill()
        listener.close()


def test_the_data_folder_under_another_path_is_refused_as_the_output(tmp_path, data_copy):
    """A bind mount of the data folder has a path of its own and the same folder behind
    it: refused as --out like the folder itself, before anything is written."""
    alias = tmp_path / "alias"
    alias.mkdir()
    r = subprocess.run(["mount", "--bind", str(data_copy), str(alias)], capture_output=True,
                       text=True)
    assert r.returncode == 0, f"this test needs to bind-mount (as root): {r.stderr}"
    try:
        before = snapshot(data_copy)
        r = run_cli("build", "--data", str(data_copy), "--out", str(alias))
        assert r.returncode == 2
        assert r.stderr == (f"bilateral: --out {alias} is the data folder {data_copy} under "
                            "another path (a bind mount); choose an output folder apart from "
                            "the inputs\n")
        # ... and a folder inside it, through the alias.
        r = run_cli("build", "--data", str(data_copy), "--out", str(alias / "context"))
        assert r.returncode == 2 and "is inside the data folder" in r.stderr
        # ... and a bind mount of a folder inside the data folder.
        inner = tmp_path / "inner"
        inner.mkdir()
        subprocess.run(["mount", "--bind", str(data_copy / "context"), str(inner)],
                       check=True)
        try:
            r = run_cli("build", "--data", str(data_copy), "--out", str(inner))
            assert r.returncode == 2 and "is inside the data folder" in r.stderr, r.stderr
        finally:
            subprocess.run(["umount", str(inner)], check=True)
        assert snapshot(data_copy) == before
    finally:
        subprocess.run(["umount", str(alias)], check=True)


def test_a_disk_with_no_room_left_at_all(tmp_path):
    """Not one byte free where the output goes: one line naming the folder and the
    reason, exit 1 (the table's "the disk is full"), the last good reports as they were,
    no lock file left."""
    disk = tmp_path / "disk"
    disk.mkdir()
    with tmpfs(disk, "1m", required=True):
        out = disk / "out"
        write_files(out, LAST_GOOD)
        fill(disk)  # every block taken
        before = snapshot(out)
        r = run_cli("build", "tourism", "--formats", "html", "--out", str(out))
        assert r.returncode == 1, r.stderr  # a report that could not be made: disk full
        assert r.stderr == (f"bilateral: build: no room left in the output folder {out} (No "
                            "space left on device)\n")
        assert snapshot(out) == before and leftovers(out) == []


KILLED_WHILE_PUBLISHING = """
import os, sys
real = os.replace
def replace(src, dst, *a, **kw):
    if str(dst).endswith("tourism.html"):
        os._exit(137)  # killed outright: the .ipynb moved, the rest not
    return real(src, dst, *a, **kw)
os.replace = replace
from bilateral.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_build_killed_between_two_renames_is_finished_by_the_next(tmp_path):
    """A report's files are moved into place one by one. Killed between two moves, the
    folder would hold a new notebook beside an old page; the next build (of another
    report, into the same folder) finishes the moves from the journal the killed build
    left, so the report's files are one generation again."""
    out = tmp_path / "out"
    r = run_cli("build", "tourism", "--formats", "html", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_PUBLISHING, "build",
                             "tourism", "--formats", "html", "--out", str(out), "--quiet",
                             "-p", "threshold_multiple", "2.5"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == 137
    staged = [p for p in out.iterdir() if p.name.startswith(".staging-")]
    assert staged  # what the killed build left

    def threshold(name: str) -> float:
        text = (out / name).read_text(encoding="utf-8")
        return json.loads(text)["parameters"]["threshold_multiple"] if name.endswith(
            ".json") else (2.5 if "threshold_multiple = 2.5" in text else 3.0)

    # Mixed now: the notebook is new, the page and the record are old.
    assert [threshold(n) for n in ("tourism.ipynb", "tourism.results.json")] == [2.5, 3.0]
    r = run_cli("build", "trade", "--formats", "html", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert [threshold(n) for n in ("tourism.ipynb", "tourism.results.json")] == [2.5, 2.5]
    assert leftovers(out) == []


def test_a_private_folder_with_no_room(tmp_path):
    """TMPDIR with a few blocks left: the private folder is made, the notebook's copy does
    not fit. One line naming the folder, exit 1, nothing published. (The mount point's
    path is short: a TMPDIR too long for a socket's name is passed over for /tmp.)"""
    import tempfile

    disk = Path(tempfile.mkdtemp(prefix="b-", dir="/tmp"))
    try:
        with tmpfs(disk, "1m", required=True):
            fill(disk, leave_blocks=3)
            out = tmp_path / "out"
            r = subprocess.run([*BILATERAL, "build", "tourism", "--formats", "html", "--out",
                                str(out)], capture_output=True, text=True, cwd=ROOT,
                               timeout=300, env={**os.environ, "TMPDIR": str(disk)})
            assert r.returncode == 1, r.stderr
            assert r.stderr == (f"bilateral: build: cannot write the build's private folder "
                                f"in {disk} (No space left on device); set TMPDIR to a folder "
                                "with room\n")
            assert not out.exists() and sorted(p.name for p in disk.iterdir()) == ["fill"]
    finally:
        disk.rmdir()


def test_a_malformed_record_in_the_folder_is_left_out_of_the_index_and_said(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stray.results.json").write_text("{not json", encoding="utf-8")
    r = run_cli("build", "tourism", "--formats", "html", "--out", str(out))
    assert r.returncode == 0, r.stderr
    warnings = [x for x in r.stderr.splitlines() if "the index leaves out" in x]
    assert len(warnings) == 1 and "stray.results.json" in warnings[0], r.stderr
    assert "tourism.html" in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "stray.results.json").read_text(encoding="utf-8") == "{not json"


def test_a_sweep_too_large_is_refused_before_it_is_made(tmp_path):
    """1500 × 1500 × 1500 combinations: refused by their count, at once, not after
    building 3.4 billion of them."""
    values = "[" + ", ".join(str(2031 + i % 60) for i in range(1500)) + "]"
    r = run_cli("build", "trade", "--out", str(tmp_path / "out"), "--sweep", "horizon_year",
                values, "--sweep", "milestone_busd", values, "--sweep",
                "scenario_base_year", values, timeout=60)
    assert r.returncode == 2
    assert r.stderr == ("bilateral: --sweep makes 3375000000 report folders; at most "
                        "1000\n")
