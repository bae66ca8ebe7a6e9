"""Targets as Dask tasks (``--scheduler``): the same files as the local pool's, the same
state, and the same guarantees when a worker dies or the build is interrupted. A
``LocalCluster`` of two worker processes stands in for a cluster."""

from __future__ import annotations

import signal
import subprocess

import pytest

from tests.support import (
    BILATERAL,
    GATED_CELL,
    leftovers,
    run_cli,
    wait_for,
    write_notebook,
)

pytestmark = pytest.mark.slow

SWEEP = ["--sweep", "horizon_year", "[2030, 2035]", "--sweep", "milestone_busd", "[300, 400]"]


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_a_sweep_through_dask_gives_the_local_pools_files(tmp_path):
    local, dask = tmp_path / "local", tmp_path / "dask"
    r = run_cli("build", "trade", "--out", str(local), "--quiet", *SWEEP)
    assert r.returncode == 0, r.stderr
    r = run_cli("build", "trade", "--out", str(dask), *SWEEP, "--scheduler", "local:2")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[-1] == "bilateral: 4 built, 0 up to date"
    mine, theirs = _files(local), _files(dask)
    # 2 × 2 folders, each with the four files of a report, and the index.
    assert len(mine) == 4 * 4 + 2
    assert sorted(mine) == sorted(theirs)
    assert [n for n in mine if mine[n] != theirs[n]] == []
    assert leftovers(dask) == []
    # A second run has nothing to do, without starting a cluster.
    again = run_cli("build", "trade", "--out", str(dask), *SWEEP, "--scheduler", "local:2")
    assert again.returncode == 0 and again.stderr.splitlines()[-1] == \
        "bilateral: 0 built, 4 up to date"


KILLS_ITS_WORKER_ONCE = """\
import os, signal
from pathlib import Path
marker = Path({marker!r})
if not marker.exists():
    marker.touch()
    def parent(pid):
        return int(open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[1])
    # kernel → the task's process → the worker's server → the Dask worker itself
    os.kill(parent(parent(os.getppid())), signal.SIGKILL)
    import time; time.sleep(30)
print("done")"""


def test_a_worker_killed_mid_task_is_retried(tmp_path):
    nb = write_notebook(tmp_path / "nbs" / "dies.ipynb",
                        KILLS_ITS_WORKER_ONCE.format(marker=str(tmp_path / "killed-once")))
    out = tmp_path / "out"
    r = run_cli("build", str(nb), "--formats", "html", "--out", str(out), "--scheduler",
                "local:1", timeout=300)
    assert (tmp_path / "killed-once").exists()  # the first attempt's worker was killed
    assert r.returncode == 0, r.stderr
    assert "done" in (out / "dies.ipynb").read_text(encoding="utf-8")
    assert leftovers(out) == []


def test_an_interrupted_dask_build_publishes_nothing(tmp_path):
    nb = write_notebook(tmp_path / "nbs" / "gated.ipynb", GATED_CELL)
    out = tmp_path / "out"
    proc = subprocess.Popen([*BILATERAL, "build", str(nb), "--formats", "html", "--out",
                             str(out), "--scheduler", "local:1"], cwd=tmp_path / "nbs",
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (tmp_path / "nbs" / "started").exists(), 180, "the cell to start",
                 proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        (tmp_path / "nbs" / "go").touch()
        proc.kill()
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "bilateral: interrupted; no partial file was published"
    published = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert published == []


def test_workers_with_other_packages_are_refused():
    from bilateral.core.errors import UsageError
    from bilateral.engine import remote

    class Cluster:
        def run(self, fn):
            found = fn()
            return {"tcp://10.0.0.2:4000": {**found, "weasyprint": "61.0"},
                    "tcp://10.0.0.1:4000": found}

    with pytest.raises(UsageError) as err:
        remote.check_workers(Cluster())
    here = remote._versions()["weasyprint"]
    assert str(err.value) == (f"Dask worker tcp://10.0.0.2:4000 does not have this build's "
                              f"packages: weasyprint 61.0 (here {here})")


@pytest.mark.parametrize(("address", "said"), [
    ("local:x", "bilateral: --scheduler local:x: expected local:N with N from 1 to 256"),
    ("tcp://127.0.0.1:1", "bilateral: --scheduler tcp://127.0.0.1:1: cannot reach the "
     "scheduler"),
])
def test_a_scheduler_that_cannot_be_used_is_one_line(tmp_path, address, said):
    out = tmp_path / "out"
    out.mkdir()
    r = run_cli("build", "tourism", "--formats", "html", "--out", str(out), "--scheduler",
                address)
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith(said), r.stderr
    assert list(out.iterdir()) == []
