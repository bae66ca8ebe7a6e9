"""Failures that lose nothing: a notebook that raises, times out, kills its kernel, a second
build on the same folder, an interrupted build. Each test runs a real kernel (seconds each).

The notebooks are written here, small and to the point, and passed by path.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.support import (
    BILATERAL,
    GATED_CELL,
    LAST_GOOD,
    ROOT,
    alive,
    leftovers,
    run_cli,
    snapshot,
    wait_for,
    write_files,
    write_notebook,
)

pytestmark = pytest.mark.slow

DATA_DIR_CELL = 'data_dir: str = "x"  # data'
def assert_kept(before: dict, after: dict, allowed_new: set[str]) -> None:
    """Every path of ``before`` is still there with its bytes; new paths only from
    ``allowed_new``."""
    missing = sorted(set(before) - set(after))
    assert not missing, f"removed: {missing}"
    changed = sorted(p for p in before if before[p] != after[p])
    assert not changed, f"changed: {changed}"
    extra = sorted(set(after) - set(before) - allowed_new)
    assert not extra, f"unexpected new paths: {extra}"


def one_error_line(stderr: str) -> str:
    """The single ``bilateral: `` line of ``stderr`` (asserts there is exactly one)."""
    assert "Traceback" not in stderr, stderr
    ours = [ln for ln in stderr.splitlines() if ln.startswith("bilateral: ")]
    assert len(ours) == 1, f"expected one 'bilateral: ' line:\n{stderr}"
    return ours[0]


def assert_stderr_is_one_line(stderr: str) -> None:
    """Checked last, so that the other checks of a test report first."""
    lines = stderr.splitlines()
    assert len(lines) == 1, (
        f"stderr should be one line, got {len(lines)} (anything else leaking to stderr?):\n"
        f"{stderr}")


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("TERM", None)
    return env


def _is_locked(lock: Path) -> bool:
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return True
        raise
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@pytest.fixture
def popen_build():
    """Start ``bilateral build`` in the background; whatever is left running is ended."""
    started: list[subprocess.Popen] = []
    pids: list[Path] = []

    def start(*args: str, kernel_pid_file: Path | None = None) -> subprocess.Popen:
        proc = subprocess.Popen([*BILATERAL, "build", *args], cwd=ROOT, env=_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        started.append(proc)
        if kernel_pid_file is not None:
            pids.append(kernel_pid_file)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    for f in pids:  # a kernel left running by an interrupted build (see test f)
        if f.exists():
            pid = int(f.read_text())
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------------------- (a)

def test_failing_cell_is_reported_and_loses_nothing(tmp_path):
    nb = write_notebook(tmp_path / "nbs" / "boom.ipynb",
                        ("md", "# A notebook that fails"),
                        ("parameters", DATA_DIR_CELL),
                        "x = 1",
                        'raise ValueError("boom")',
                        "print('never reached')")
    out = tmp_path / "out"
    write_files(out, {**LAST_GOOD, "boom.html": b"<p>last good boom</p>\n",
                      "boom.ipynb": b'{"last": "good"}\n'})
    before = snapshot(out)

    result = run_cli("build", str(nb), "--formats", "html", "--out", str(out), "--quiet")

    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    # The raising cell is the 4th of the source notebook (markdown and parameters counted,
    # papermill's injected cell not).
    assert line.startswith("bilateral: boom, cell 4: ValueError: boom"), line
    assert "_failed/boom.ipynb" in line, line
    kept = out / "_failed" / "boom.ipynb"
    assert kept.is_file()
    executed = nbformat.read(str(kept), as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert [(e["ename"], e["evalue"]) for e in errors] == [("ValueError", "boom")]
    assert leftovers(out) == []
    assert_only_failed_added(before, out, "boom")
    assert result.stdout == ""
    assert_stderr_is_one_line(result.stderr)


@pytest.mark.parametrize("cells, params, number", [
    # papermill writes an error-message cell first, an anchor cell before the failing one
    # and its injected-parameters cell after the parameters cell; the number counts the
    # source notebook's cells: markdown 1, parameters 2, the raising cell 3.
    ([("md", "# title"), ("parameters", DATA_DIR_CELL), 'raise ValueError("first")'],
     [], 3),
    # the same with a -p value (papermill's injected cell then carries it too)
    ([("md", "# title"), ("parameters", DATA_DIR_CELL + "\nn: int = 1  # n"),
      'raise ValueError("first")'], ["-p", "n", "2"], 3),
    # a later cell: parameters 1, markdown 2, code 3, markdown 4, the raising cell 5
    ([("parameters", DATA_DIR_CELL), ("md", "text"), "x = 1", ("md", "more"),
      'raise ValueError("later")', "y = 2"], [], 5),
])
def test_failing_cell_is_numbered_as_in_the_source(tmp_path, cells, params, number):
    nb = write_notebook(tmp_path / "nbs" / "numbered.ipynb", *cells)
    out = tmp_path / "out"

    result = run_cli("build", str(nb), *params, "--formats", "html", "--out", str(out),
                     "--quiet")

    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    assert line.startswith(f"bilateral: numbered, cell {number}: ValueError: "), line
    source = nbformat.read(str(nb), as_version=4)
    assert "raise ValueError" in source.cells[number - 1].source


def test_cell_number_maps_executed_cells_back_to_the_source():
    """No kernel: executed notebooks as papermill writes them after a failure."""
    from bilateral.engine.execute import cell_number as _cell_number
    from bilateral.engine.execute import executed_cells as _executed_cells
    from bilateral.engine.execute import running_index as _running_index

    def code(src, cell_id=None, tags=(), started=False):
        c = new_code_cell(src, metadata={"tags": list(tags)})
        if cell_id:
            c.id = cell_id
        if started:
            c.metadata["papermill"] = {"start_time": "2024-05-16T00:00:00"}
        return c

    def marker(text):
        return new_markdown_cell(text, metadata={"tags": ["papermill-error-cell-tag"]})

    source = new_notebook(cells=[new_markdown_cell("# t", id="a"),
                                 code("p = 1", "b", ["parameters"]),
                                 code("raise X", "c"), code("y", "d")])
    written = new_notebook(cells=[
        marker("error message"), source.cells[0], code("p = 1", "b", ["parameters"], True),
        code("p = 2", "injected-x", ["injected-parameters"], True), marker("anchor"),
        code("raise X", "c", started=True), code("y", "d")])
    cells = _executed_cells(written)
    assert [c.id for c in cells] == ["a", "b", "injected-x", "c", "d"]
    # papermill's index of the failing cell (3) counts the cells without its markers
    assert _cell_number(cells, 3, source) == 3
    assert _running_index(cells) == 3
    # ids papermill made up (a notebook without ids): by position, injected cell skipped
    renamed = [code(c.source, f"new-{i}", c.metadata.get("tags", [])) for i, c in
               enumerate(cells)]
    assert _cell_number(renamed, 3, source) == 3
    assert _cell_number(renamed, 4, None) == 4
    assert _cell_number(renamed, 1, None) == 2
    # the injected cell itself, or no index: no number
    assert _cell_number(cells, 2, source) is None
    assert _cell_number(cells, None, source) is None
    assert _cell_number(cells, 9, source) is None


def assert_only_failed_added(before: dict, out: Path, name: str) -> None:
    """The last good files are as they were; only the failed notebook and the build's own
    lock and state files were added."""
    assert_kept(before, snapshot(out), {"_failed/", f"_failed/{name}.ipynb", ".bilateral.lock",
                                        ".bilateral-state.json"})


# ---------------------------------------------------------------------------- (b)

def test_cell_longer_than_timeout_is_stopped(tmp_path):
    nb = write_notebook(tmp_path / "nbs" / "slow.ipynb",
                        ("parameters", DATA_DIR_CELL),
                        "import time\ntime.sleep(30)")
    out = tmp_path / "out"
    write_files(out, LAST_GOOD)
    before = snapshot(out)

    start = time.monotonic()
    result = run_cli("build", str(nb), "--timeout", "2", "--formats", "html",
                     "--out", str(out), "--quiet", timeout=120)
    elapsed = time.monotonic() - start

    assert result.returncode == 1, result.stderr
    assert elapsed < 28, f"the build took {elapsed:.0f} s: the 30 s cell was not stopped"
    line = one_error_line(result.stderr)
    assert line.startswith("bilateral: slow"), line
    assert "timeout" in line.lower(), line
    assert "2 s" in line, line
    assert leftovers(out) == []
    assert_only_failed_added(before, out, "slow")
    assert line.startswith("bilateral: slow, cell 2: "), f"the cell is not named: {line}"
    assert_stderr_is_one_line(result.stderr)


# ---------------------------------------------------------------------------- (c)

def test_dead_kernel_is_reported(tmp_path):
    nb = write_notebook(tmp_path / "nbs" / "dies.ipynb",
                        ("parameters", DATA_DIR_CELL),
                        "import os\nos._exit(1)")
    out = tmp_path / "out"
    write_files(out, LAST_GOOD)
    before = snapshot(out)

    result = run_cli("build", str(nb), "--formats", "html", "--out", str(out), "--quiet",
                     timeout=180)

    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    assert line.startswith("bilateral: dies"), line
    assert "kernel died" in line, line
    assert leftovers(out) == []
    assert_only_failed_added(before, out, "dies")
    assert line.startswith("bilateral: dies, cell 2: "), f"the cell is not named: {line}"
    assert_stderr_is_one_line(result.stderr)


# ---------------------------------------------------------------------------- (d)

def test_string_parameter_holding_code_stays_a_string(tmp_path):
    marker_s = tmp_path / "pwned_s"
    marker_t = tmp_path / "pwned_t"
    payload_s = f'"); import os; os.system("touch {marker_s}"); ("'
    payload_t = (f"'''\nimport os; os.system('touch {marker_t}')\n'''\\\n"
                 f"\"\"\"; __import__('os').system('touch {marker_t}') #")
    nb = write_notebook(
        tmp_path / "nbs" / "echo.ipynb",
        ("parameters", 's: str = "a"  # text\nt: str = "b"  # more text'),
        "import json\n"
        "from pathlib import Path\n"
        "Path('seen.json').write_text(json.dumps({'s': [repr(s), type(s).__name__],\n"
        "                                        't': [repr(t), type(t).__name__]}))")
    out = tmp_path / "out"

    result = run_cli("build", str(nb), "-p", "s", payload_s, "-p", "t", payload_t,
                     "--formats", "html", "--out", str(out), "--quiet")

    assert result.returncode == 0, result.stderr
    assert not marker_s.exists() and not marker_t.exists(), "a parameter ran as code"
    seen = json.loads((nb.parent / "seen.json").read_text())
    assert seen == {"s": [repr(payload_s), "str"], "t": [repr(payload_t), "str"]}
    executed = nbformat.read(str(out / "echo.ipynb"), as_version=4)
    assert executed.metadata.papermill.parameters["s"] == payload_s
    assert executed.metadata.papermill.parameters["t"] == payload_t


# ---------------------------------------------------------------------------- (e)

def test_second_build_on_the_same_folder_is_refused(tmp_path, popen_build):
    nbs = tmp_path / "nbs"
    nb = write_notebook(nbs / "gated.ipynb", ("parameters", DATA_DIR_CELL), GATED_CELL)
    out = tmp_path / "out"
    lock = out / ".bilateral.lock"
    first = popen_build(str(nb), "--formats", "html", "--out", str(out), "--quiet",
                        kernel_pid_file=nbs / "kernel.pid")
    wait_for(lambda: lock.exists() and lock.read_text().strip() == str(first.pid), 120,
              "the first build to take the lock", first)
    assert _is_locked(lock), "the lock file exists but nobody holds the lock"
    wait_for(lambda: (nbs / "started").exists(), 120, "the first build's cell to start",
              first)

    second = run_cli("build", str(nb), "--formats", "html", "--out", str(out), "--quiet",
                     timeout=120)

    assert first.poll() is None, "the first build ended before the second was refused"
    assert second.returncode == 2, second.stderr
    line = one_error_line(second.stderr)
    assert "another bilateral build" in line, line
    assert f"pid {first.pid}" in line, line
    assert_stderr_is_one_line(second.stderr)

    (nbs / "go").touch()
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert (out / "gated.html").is_file() and (out / "gated.ipynb").is_file()
    assert leftovers(out) == []


# ---------------------------------------------------------------------------- (f)

def test_sigterm_publishes_nothing_and_exits_130(tmp_path, popen_build):
    nbs = tmp_path / "nbs"
    nb = write_notebook(nbs / "gated.ipynb", ("parameters", DATA_DIR_CELL), GATED_CELL)
    out = tmp_path / "out"
    write_files(out, LAST_GOOD)
    before = snapshot(out)
    proc = popen_build(str(nb), "--out", str(out), "--quiet",
                       kernel_pid_file=nbs / "kernel.pid")
    wait_for(lambda: (nbs / "started").exists(), 120, "the cell to start", proc)
    assert any(p.name.startswith(".staging-") for p in out.iterdir()), "no staging folder?"

    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, err
    line = one_error_line(err)
    assert "interrupted" in line, line
    assert leftovers(out) == []
    assert_kept(before, snapshot(out), {".bilateral.lock", ".bilateral-state.json"})
    kernel = int((nbs / "kernel.pid").read_text())
    deadline = time.monotonic() + 10
    while alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(kernel), f"the kernel (pid {kernel}) outlived the interrupted build"
