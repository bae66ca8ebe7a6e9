"""Warm kernels (``engine.warm``): a kernel forked from the build's pool is, to the
notebook, the kernel a fresh ``python -m ipykernel_launcher`` would have been; each target
has its own; none outlives its build."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.support import BILATERAL, ROOT, run_cli

pytestmark = pytest.mark.slow

PROBE = """\
import os, random, sys
print(repr({
    "cwd": os.getcwd(), "path": sys.path, "argv": sys.argv[1:2],
    "modules": sorted(sys.modules), "pgid_is_pid": os.getpgid(0) == os.getpid(),
    "parent_pid_set": bool(os.environ.get("JPY_PARENT_PID")),
    "mplbackend": os.environ.get("MPLBACKEND"), "marker": os.environ.get("PROBE_MARKER"),
    "random": [random.random() for _ in range(3)],
}))
"""


def _probe(folder: Path, name: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(PROBE)], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _seen(out: Path, name: str) -> dict:
    nb = json.loads((out / f"{name}.ipynb").read_text(encoding="utf-8"))
    text = "".join(nb["cells"][-1]["outputs"][0]["text"])
    return ast.literal_eval(text.strip())


def _build(*args: str, cold: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "BILATERAL_COLD_KERNELS": "1" if cold else "0",
           "PROBE_MARKER": "from the build's environment"}
    return subprocess.run([*BILATERAL, "build", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL, timeout=600)


def test_a_warm_kernel_is_what_a_fresh_one_would_be(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    a, b = _probe(nbs, "a"), _probe(nbs, "b")
    seen = {}
    for cold in (True, False):
        out = tmp_path / ("cold" if cold else "warm")
        done = _build(str(a), str(b), "--formats", "html", "--out", str(out), "--jobs", "2",
                      cold=cold)
        assert done.returncode == 0, done.stderr
        # nothing said on the build's terminal by either kind of kernel
        assert "warning" not in done.stderr, done.stderr
        seen[cold] = (_seen(out, "a"), _seen(out, "b"))
    fresh, warm = seen[True][0], seen[False][0]
    for key in ("cwd", "path", "argv", "pgid_is_pid", "parent_pid_set", "mplbackend",
                "marker"):
        assert warm[key] == fresh[key], key
    assert fresh["cwd"] == str(nbs) and fresh["marker"] == "from the build's environment"
    assert fresh["argv"] == ["-f"]
    # No module a fresh kernel does not have, but the garbage collector's interface (the
    # pool freezes what it imported); for a notebook not of the project, neither numpy
    # nor matplotlib nor bilateral were imported early.
    assert set(warm["modules"]) - set(fresh["modules"]) <= {"gc"}
    assert "bilateral" not in warm["modules"] and "matplotlib" not in warm["modules"]
    # two kernels of one build, forked from one pool, do not share random numbers
    assert seen[False][0]["random"] != seen[False][1]["random"]


def test_the_project_reports_are_the_same_from_warm_and_cold_kernels(tmp_path):
    for cold in (True, False):
        done = _build("tourism", "--formats", "html", "--out", str(tmp_path / str(cold)),
                      cold=cold)
        assert done.returncode == 0, done.stderr
    for name in ("tourism.ipynb", "tourism.html"):
        assert (tmp_path / "True" / name).read_bytes() == \
            (tmp_path / "False" / name).read_bytes(), name


def _gone(pid: int, within: float) -> bool:
    ends = time.monotonic() + within
    while time.monotonic() < ends:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("how", ["timeout", "killed"])
def test_no_kernel_outlives_its_build(tmp_path, how):
    pid_file = tmp_path / "kernel.pid"
    nb = new_notebook(cells=[new_code_cell(
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(600)")], metadata={"kernelspec": {"name": "python3",
                                                      "display_name": "Python 3"}})
    path = tmp_path / "hangs.ipynb"
    nbformat.write(nb, path)
    args = [str(path), "--formats", "html", "--out", str(tmp_path / "out")]
    if how == "timeout":
        done = run_cli("build", *args, "--timeout", "5")
        assert done.returncode == 1 and "Timeout" in done.stderr, done.stderr
    else:
        build = subprocess.Popen([*BILATERAL, "build", *args], cwd=ROOT,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        ends = time.monotonic() + 120
        while not pid_file.exists() and time.monotonic() < ends:
            time.sleep(0.1)
        time.sleep(0.2)
        build.send_signal(signal.SIGKILL)  # no cleanup of its own at all
        build.wait()
    pid = int(pid_file.read_text())
    assert _gone(pid, 5.0), f"kernel {pid} still runs after its build ({how})"


def test_the_pool_is_not_used_for_another_kernel(tmp_path):
    """A kernelspec that is not this interpreter's ipykernel starts the ordinary way."""
    from bilateral.engine.warm import native

    env = {"PATH": os.path.dirname(sys.executable)}
    assert native([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"], env)
    assert native(["python", "-m", "ipykernel_launcher", "-f", "k.json",
                   "--HistoryManager.hist_file=:memory:"], env)
    assert not native(["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "k.json"], env)
    assert not native([sys.executable, "-m", "other_kernel", "-f", "k.json"], env)
    assert not native([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json", "x"], env)
