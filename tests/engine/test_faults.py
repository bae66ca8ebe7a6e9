"""Fault injection: the build under interrupts, full disks, concurrent builds and hostile
input (issue 10). Each case checks what a user would: the exit code, one clean line on
stderr without a traceback, the last good reports byte-identical, nothing touched outside
the output folder, no staging folder or lock left, and that the next build works.

The notebooks are written here, small and to the point, and passed by path. Builds run
with a private ``TMPDIR`` (the build's private folder must be gone afterwards) and, when
they need one, a kernel (seconds each: those tests are marked slow).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_raw_cell

from tests.support import (
    BILATERAL,
    GATED_CELL,
    LAST_GOOD,
    NOTEBOOKS,
    ROOT,
    alive,
    leftovers,
    snapshot,
    tmpfs,
    wait_for,
    write_files,
    write_notebook,
)

DATA_DIR_CELL = 'data_dir: str = "x"  # data'
PNG = base64.b64decode(  # a 1×1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


# ---------------------------------------------------------------------------- helpers

class World:
    """A test's folders: ``nbs`` (notebooks), ``out`` (the output), ``tmp`` (the build's
    TMPDIR), ``cwd`` (where it runs) and ``home``; all under ``root``."""

    def __init__(self, root: Path):
        self.root = root
        self.nbs, self.out, self.cwd = root / "nbs", root / "out", root / "cwd"
        # A short private TMPDIR: the build keeps its kernels' sockets there, and a socket's
        # path is short (a long TMPDIR would send the build to /tmp instead).
        self.tmp = Path(tempfile.mkdtemp(prefix="bt-", dir="/tmp"))
        for p in (self.nbs, self.cwd):
            p.mkdir(parents=True, exist_ok=True)
        self.started: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ, PYTHONUNBUFFERED="1", TMPDIR=str(self.tmp))
        env.pop("TERM", None)
        return env

    def run(self, *args, timeout: float = 180, command=BILATERAL) -> subprocess.CompletedProcess:
        return subprocess.run([*command, "build", *args], capture_output=True, text=True,
                              cwd=self.cwd, env=self.env(), stdin=subprocess.DEVNULL,
                              timeout=timeout)

    def start(self, *args, new_session: bool = False) -> subprocess.Popen:
        proc = subprocess.Popen([*BILATERAL, "build", *args], cwd=self.cwd, env=self.env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                start_new_session=new_session)
        self.started.append(proc)
        return proc

    def outside(self) -> dict:
        """Everything under ``root`` but the output folder, the notebooks' own folder
        (where their cells write) and the private TMPDIR."""
        found: dict = {}
        for folder, dirs, names in os.walk(self.root):
            base = Path(folder)
            if base == self.root:
                dirs[:] = [d for d in dirs if d not in ("out", "nbs", "tmp")]
            for name in dirs + names:
                p = base / name
                rel = p.relative_to(self.root).as_posix()
                if p.is_symlink():
                    found[rel] = ("link", os.readlink(p))
                elif p.is_dir():
                    found[rel + "/"] = None
                elif p.is_file():
                    found[rel] = p.read_bytes()
                else:
                    found[rel] = ("special", p.lstat().st_mode)
        return found

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        for pid_file in self.nbs.rglob("kernel.pid"):
            pid = int(pid_file.read_text() or 0)
            if pid and alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.cleanup()


def clean_line(stderr: str) -> str:
    """The one line of ``stderr``: no traceback, no control characters, ``bilateral: ``."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr[:3000]}"
    line = lines[0]
    assert line.startswith("bilateral: "), line
    assert all(c.isprintable() for c in line), f"unprintable characters in {line!r}"
    assert len(line) < 2100, f"a line of {len(line)} characters"
    return line


def assert_intact(before: dict, out: Path, allowed_new: set[str] = frozenset()) -> None:
    after = snapshot(out)
    missing = sorted(set(before) - set(after))
    assert not missing, f"removed: {missing}"
    changed = sorted(p for p in before if before[p] != after[p])
    assert not changed, f"changed: {changed}"
    extra = sorted(set(after) - set(before) - set(allowed_new) - {".bilateral-state.json"})
    assert not extra, f"unexpected new paths: {extra}"


def assert_clean(w: World, outside_before: dict) -> None:
    """Nothing left behind: no staging or lock, the private folder gone, nothing else
    touched."""
    assert leftovers(w.out) == [], leftovers(w.out)
    assert list(w.tmp.iterdir()) == [], f"left in TMPDIR: {list(w.tmp.iterdir())}"
    assert w.outside() == outside_before, "files outside the output folder changed"


def quick(w: World, name: str = "quick", *extra_cells) -> Path:
    return write_notebook(w.nbs / f"{name}.ipynb", ("parameters", DATA_DIR_CELL),
                          "x = 1", *extra_cells)


def gated(w: World, name: str = "gated", params: str = DATA_DIR_CELL) -> Path:
    """A notebook whose second cell waits for ``<nbs>/<name>/go`` (its own folder)."""
    return write_notebook(w.nbs / name / f"{name}.ipynb", ("parameters", params), GATED_CELL)


def next_build_works(w: World, nb: Path) -> None:
    result = w.run(str(nb), "--formats", "html", "--out", str(w.out), "-q")
    assert result.returncode == 0, result.stderr
    assert (w.out / f"{nb.stem}.html").is_file()
    assert leftovers(w.out) == []


# ---------------------------------------------------------------------------- 1

@pytest.mark.slow
def test_build_removes_only_what_it_made(world):
    """Bug 1: files named like temporary files, and staging-like folders without the
    build's marker, are someone else's; a build leaves them alone."""
    w = world
    nb = quick(w)
    theirs = {"thesis/.chapter1.odt.tmp-4242": b"work\n", ".notes.tmp-1": b"mine\n",
              ".staging-999/draft.txt": b"not a build's\n",
              ".staging-777/.bilateral-staging": b"forged marker\n"}
    write_files(w.out, {**LAST_GOOD, **theirs})
    before, outside = snapshot(w.out), w.outside()

    result = w.run(str(nb), "--formats", "html", "--out", str(w.out), "-q")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert_intact(before, w.out, {"quick.ipynb", "quick.html"})
    assert not [p for p in w.out.rglob("*") if p.name.startswith(".staging-")
                and p.name not in (".staging-999", ".staging-777")]
    assert list(w.tmp.iterdir()) == [] and w.outside() == outside


def test_a_marked_staging_folder_of_a_killed_build_is_removed(tmp_path):
    """The other side of bug 1 (and of 5): a staging folder a killed build left, with the
    marker, is removed by the next build once it holds the lock; nothing else is."""
    from bilateral.engine import lock

    out = tmp_path / "out"
    left = out / ".staging-123-abcd"
    left.mkdir(parents=True)
    (left / lock.MARKER).write_bytes(lock.MARKER_TEXT)
    (left / "trade").mkdir()
    link = out / ".staging-5-link"
    os.symlink(tmp_path / "elsewhere", link)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / lock.MARKER).write_bytes(lock.MARKER_TEXT)

    with lock.locked([out]), lock.staging_area(out) as staging:
        assert staging.is_dir() and (staging / lock.MARKER).is_file()
        assert not left.exists()
        assert link.is_symlink() and (tmp_path / "elsewhere" / lock.MARKER).exists()
    assert not staging.exists()
    assert sorted(p.name for p in out.iterdir()) == [".staging-5-link"]


# ---------------------------------------------------------------------------- 2, 3

@pytest.mark.parametrize("scenario", ["../evil", "{root}/evil", "evil/../evil", ""])
def test_a_scenario_is_a_name_from_the_params_folder(world, scenario):
    """Bug 2: a scenario is the name of a file in --params-dir; never a path."""
    w = world
    params = w.root / "params"
    params.mkdir()
    (params / "ok.yaml").write_text("n: 2\n")
    (w.root / "evil.yaml").write_text("n: 3\n")
    (params / "evil").mkdir()
    nb = quick(w)
    write_files(w.out, LAST_GOOD)
    before, outside = snapshot(w.out), w.outside()

    result = w.run(str(nb), "--scenario", scenario.format(root=w.root), "--params-dir",
                   str(params), "--formats", "html", "--out", str(w.out))

    line = clean_line(result.stderr)
    assert result.returncode == 2, line
    assert "unknown scenario" in line and "not a path" in line, line
    assert_intact(before, w.out)
    assert_clean(w, outside)


def test_every_scenario_name_must_be_a_plain_name(world):
    """Bug 2, --all-scenarios: a file in params/ whose name is not a plain name (it would
    become a folder name) is refused; nothing is built."""
    w = world
    params = w.root / "params"
    params.mkdir()
    (params / "ok.yaml").write_text("n: 2\n")
    (params / "two words.yaml").write_text("n: 3\n")
    nb = write_notebook(w.nbs / "p.ipynb", ("parameters", DATA_DIR_CELL + "\nn: int = 1  # n"))
    outside = w.outside()

    result = w.run(str(nb), "--all-scenarios", "--params-dir", str(params), "--out",
                   str(w.out))

    line = clean_line(result.stderr)
    assert result.returncode == 2 and "'two words'" in line, line
    assert not w.out.exists()
    assert_clean(w, outside)


@pytest.mark.parametrize("where", ["notebooks", "nb-folder", "parent", "data", "params",
                                   "package", "root"])
def test_output_folder_apart_from_the_inputs(world, where, data_copy):
    """Bug 3: an output folder that is, holds or lies inside the inputs is refused with
    exit 2, before anything is written."""
    w = world
    nb = quick(w)
    params = w.root / "params"
    params.mkdir()
    out = {"notebooks": NOTEBOOKS, "nb-folder": w.nbs, "parent": w.root,
           "data": data_copy / "reports", "params": params / "out",
           "package": ROOT / "src" / "bilateral" / "reports", "root": ROOT}[where]
    args = [str(nb)] if where != "notebooks" else ["tourism"]
    made = ["quick.ipynb", "quick.html", "tourism.ipynb", "tourism.html", ".bilateral.lock",
            ".bilateral-state.json", "_failed"]
    before = {m: (out / m).exists() for m in made}

    result = w.run(*args, "--data", str(data_copy), "--params-dir", str(params),
                   "--formats", "html", "--out", str(out))

    line = clean_line(result.stderr)
    assert result.returncode == 2, line
    assert "--out" in line and ("inside the" in line or "holds the" in line), line
    assert {m: (out / m).exists() for m in made} == before
    assert not out.exists() or not [p for p in out.iterdir() if p.name.startswith(".staging-")]
    assert list(w.tmp.iterdir()) == []


def test_linked_subfolder_of_the_output_is_refused(world):
    """A scenario folder or _failed that is a link would lead the build out of --out."""
    w = world
    nb = quick(w)
    elsewhere = w.root / "elsewhere"
    elsewhere.mkdir()
    w.out.mkdir()
    os.symlink(elsewhere, w.out / "_failed")
    outside = w.outside()

    result = w.run(str(nb), "--formats", "html", "--out", str(w.out))

    line = clean_line(result.stderr)
    assert result.returncode == 2 and "_failed" in line and "link" in line, line
    assert list(elsewhere.iterdir()) == []
    assert_clean(w, outside)


# ---------------------------------------------------------------------------- 4

@pytest.mark.slow
@pytest.mark.parametrize("first", ["scenario-into-parent", "into-subfolder"])
def test_nested_output_folders_lock_each_other(world, first):
    """Bug 4: --scenario s --out X and --out X/s write the same folder; whichever starts
    second is refused while the first runs. Builds into X/a and X/b do not meet."""
    w = world
    params = w.root / "params"
    params.mkdir()
    (params / "s.yaml").write_text("n: 2\n")
    nb = gated(w, params=DATA_DIR_CELL + "\nn: int = 1  # n")
    as_scenario = [str(nb), "--scenario", "s", "--params-dir", str(params), "--formats",
                   "html", "--out", str(w.out), "-q"]
    into_sub = [str(nb), "--formats", "html", "--out", str(w.out / "s"), "-q"]
    a_args, b_args = ((as_scenario, into_sub) if first == "scenario-into-parent"
                      else (into_sub, as_scenario))
    a = w.start(*a_args)
    wait_for(lambda: (nb.parent / "started").exists(), 120, "the first build's cell", a)

    b = w.run(*b_args, timeout=120)
    c = w.run(quick(w).as_posix(), "--formats", "html", "--out", str(w.out / "other"), "-q",
              timeout=120)

    assert a.poll() is None, "the first build ended before the second was refused"
    line = clean_line(b.stderr)
    assert b.returncode == 2 and "another bilateral build" in line, line
    assert f"pid {a.pid}" in line, line
    assert c.returncode == 0, c.stderr
    (nb.parent / "go").touch()
    _, err = a.communicate(timeout=120)
    assert a.returncode == 0, err
    assert (w.out / "s" / "gated.html").is_file()
    assert leftovers(w.out) == []


# ---------------------------------------------------------------------------- 5, 6

def _group_interrupt(w: World, nbs: list[Path], jobs: int, sig: int, delay: float | None):
    write_files(w.out, LAST_GOOD)
    before, outside = snapshot(w.out), w.outside()
    proc = w.start(*map(str, nbs), "--jobs", str(jobs), "--formats", "html", "--out",
                   str(w.out), "-q", new_session=True)
    if delay is None:
        for nb in nbs[:jobs]:
            wait_for(lambda nb=nb: (nb.parent / "started").exists(), 120,
                     f"{nb.stem} to start", proc)
    else:
        time.sleep(delay)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    return proc, err, before, outside


def _kernels_gone(nbs: list[Path]) -> None:
    for nb in nbs:
        f = nb.parent / "kernel.pid"
        if f.exists():
            pid = int(f.read_text())
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not alive(pid), f"kernel {pid} outlived the interrupted build"


@pytest.mark.slow
@pytest.mark.parametrize("jobs, sig", [(2, signal.SIGINT), (2, signal.SIGTERM),
                                       (1, signal.SIGINT), (2, signal.SIGHUP)])
def test_interrupt_to_the_process_group_while_cells_run(world, jobs, sig):
    """Bug 5: Ctrl-C (or SIGTERM, SIGHUP) to the whole process group while kernels run:
    exit 130, one line, no worker traceback, nothing published, nothing left, kernels
    gone, and the next build works."""
    w = world
    nbs = [gated(w, "one"), gated(w, "two")]
    proc, err, before, outside = _group_interrupt(w, nbs, jobs, sig, None)

    line = clean_line(err)
    assert proc.returncode == 130 and "interrupted" in line, line
    assert_intact(before, w.out)
    assert_clean(w, outside)
    _kernels_gone(nbs)
    next_build_works(w, quick(w))


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2, 2])
def test_interrupt_at_a_random_moment(world, jobs):
    """Bug 5: Ctrl-C at a random moment of a build: it either finished (0) or stopped
    (130); either way one clean line, every target's files all old or all new (as the
    state records them), nothing left behind."""
    w = world
    nbs = [quick(w, "a", "import time; time.sleep(0.3)"), quick(w, "b")]
    delay = random.uniform(0.0, 5.0)
    proc, err, before, outside = _group_interrupt(w, nbs, jobs, signal.SIGINT, delay)

    assert "Traceback" not in err, err
    assert proc.returncode in (0, 130), f"exit {proc.returncode} after {delay:.2f} s: {err}"
    if proc.returncode == 130:
        assert clean_line(err).endswith("interrupted; no partial file was published")
    else:
        assert err == "", err
    state = json.loads((w.out / ".bilateral-state.json").read_text()) \
        if (w.out / ".bilateral-state.json").exists() else {"targets": {}}
    for nb in nbs:
        outputs = [f"{nb.stem}.ipynb", f"{nb.stem}.html"]
        recorded = state["targets"].get(nb.stem)
        if recorded:
            for o in outputs:
                digest = hashlib.sha256((w.out / o).read_bytes()).hexdigest()
                assert recorded["outputs"][o] == digest, f"{o} is not what the state records"
        else:
            assert not any((w.out / o).exists() for o in outputs)
    for rel, data in LAST_GOOD.items():
        assert (w.out / rel).read_bytes() == data
    assert_clean(w, outside)


@pytest.mark.slow
def test_a_build_killed_outright_is_cleaned_up_by_the_next(world):
    """Bug 5: SIGKILL leaves a staging folder and a lock file; the workers and kernels die
    with the build, and the next build removes what it left and works."""
    w = world
    nb = gated(w)
    proc = w.start(str(nb), "--formats", "html", "--out", str(w.out), "-q")
    wait_for(lambda: (nb.parent / "started").exists(), 120, "the cell to start", proc)
    proc.kill()
    proc.communicate(timeout=30)
    assert [p for p in w.out.iterdir() if p.name.startswith(".staging-")]
    assert [p for p in w.tmp.iterdir() if p.name.startswith("bilateral-")]
    _kernels_gone([nb])
    (nb.parent / "go").touch()
    # A running build's folder, of a build in another PID namespace sharing TMPDIR: the
    # pid its marker names is none here; its lock on the marker is what says it runs.
    theirs = w.tmp / "bilateral-not-ours"
    theirs.mkdir(mode=0o700)
    (theirs / ".bilateral-private").write_text("4194304\n")
    held = os.open(theirs / ".bilateral-private", os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        next_build_works(w, nb)
        assert sorted(p.name for p in w.tmp.iterdir()) == ["bilateral-not-ours"]
    finally:
        os.close(held)


def _sigcgt(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    return 0


@pytest.mark.parametrize("args", [["--dry-run"], []])
def test_sigterm_in_the_first_moments(world, args):
    """Bug 6: SIGTERM as soon as the process can take it (before any module of the tool
    chain is loaded, while the build plans): 130 and the usual line, nothing written."""
    w = world
    outside = w.outside()
    proc = w.start("tourism", "--formats", "html", "--out", str(w.out), *args)
    term = 1 << (signal.SIGTERM - 1)
    wait_for(lambda: _sigcgt(proc.pid) & term, 20, "the SIGTERM handler", proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)

    line = clean_line(err)
    assert proc.returncode == 130 and "interrupted" in line, line
    assert not w.out.exists()
    assert_clean(w, outside)


# ---------------------------------------------------------------------------- 7

def test_an_analysis_refusing_the_data_is_bad_input(monkeypatch, tmp_path, capsys):
    """Bug 7: data that pass the loader but that an analysis cannot use (a zero base of a
    share) are bad input, exit 2, found before anything is written."""
    from bilateral import cli
    from bilateral.report import preflight

    def refuse(*a, **k):
        raise ValueError("share must be a positive finite number, got 0.0")

    monkeypatch.setattr(preflight, "check", refuse)
    code = cli.main(["build", "trade", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    line = clean_line(err)
    assert "trade: the analyses cannot use the data" in line, line
    assert "share must be a positive finite number" in line, line
    assert not (tmp_path / "out").exists()


def test_data_folder_through_a_symlink_loop(world):
    w = world
    (w.nbs / "loop").symlink_to(w.nbs / "loop")
    outside = w.outside()
    result = w.run("tourism", "--data", str(w.nbs / "loop"), "--out", str(w.out))
    line = clean_line(result.stderr)
    assert result.returncode == 2 and "loop" in line, line
    assert not w.out.exists()
    assert_clean(w, outside)


@pytest.mark.parametrize("where", ["-p", "--data", "--out"])
def test_bytes_that_are_not_utf8(world, data_copy, where):
    """Bug 7: a string parameter or a --data path with a byte that is not UTF-8 is bad
    input (exit 2, nothing written, not even the lock); an --out path with one works."""
    w = world
    nb = write_notebook(w.nbs / "s.ipynb", ("parameters", DATA_DIR_CELL + '\ns: str = "a"  # s'))
    odd = os.fsdecode(b"odd-\xff")
    if where == "-p":
        args = ["-p", "s", odd, "--out", str(w.out)]
    elif where == "--data":
        bad = w.root / odd
        os.rename(data_copy, bad)
        args = ["--data", str(bad), "--out", str(w.out)]
    else:
        args = ["--out", str(w.root / odd)]
    outside = w.outside()
    result = subprocess.run([*BILATERAL, "build", str(nb), "--formats", "html", "-q",
                             *[os.fsencode(a) for a in args]], capture_output=True,
                            cwd=w.cwd, env=w.env(), stdin=subprocess.DEVNULL, timeout=180)
    err = result.stderr.decode("utf-8")
    if where == "--out":
        assert result.returncode == 0, err
        assert (w.root / odd / "s.html").is_file()
        return
    line = clean_line(err)
    assert result.returncode == 2, line
    assert "\\xff" in line, line
    assert not w.out.exists()
    assert_clean(w, outside)


CORRUPT_STATES = {"not-utf8": b"\xff\xfe{", "a-list": b"[]", "null-entry":
                  b'{"targets": {"quick": null}}', "entry-shapes":
                  b'{"targets": {"quick": {"digests": [], "outputs": 1, "seconds": "x"}}}',
                  "truncated": b'{"targets": {"quick": {"dig', "deep": b"[" * 100_000}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CORRUPT_STATES))
def test_a_corrupt_state_file_never_blocks_a_build(world, kind):
    """Bug 7: a state file that cannot be read is ignored with a warning and rebuilt."""
    w = world
    nb = quick(w)
    write_files(w.out, {**LAST_GOOD, ".bilateral-state.json": CORRUPT_STATES[kind]})

    result = w.run(str(nb), "--formats", "html", "--out", str(w.out))

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [ln for ln in result.stderr.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and ".bilateral-state.json was ignored" in warnings[0], (
        result.stderr)
    state = json.loads((w.out / ".bilateral-state.json").read_text())
    assert set(state["targets"]) == {"quick"}
    again = w.run(str(nb), "--formats", "html", "--out", str(w.out), "--dry-run")
    # Up to date; or, while someone edits the package, stale for that reason only.
    assert again.returncode == 0, again.stderr
    assert again.stderr in ("bilateral: quick: up to date\n",
                            "bilateral: quick: would build (code changed)\n"), again.stderr


def test_a_state_file_that_is_a_fifo(world):
    w = world
    w.out.mkdir()
    os.mkfifo(w.out / ".bilateral-state.json")
    nb = quick(w)
    result = w.run(str(nb), "--formats", "html", "--out", str(w.out), "--dry-run", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "named pipe" in result.stderr


# ---------------------------------------------------------------------------- 8, 13

HOSTILE_MD = """# A notebook from elsewhere

<script>window.__pwned = 1</script>
<img src="https://example.com/pixel.png" alt="tracker">
<img src=x onerror="window.__pwned=2">
<iframe src="https://example.com/"></iframe>
<a href="javascript:alert(1)">click</a> and <a href="https://example.org/ok">a link</a>
<div style="background:url(https://example.com/bg.png); color: red">styled</div>
<style>@import url(https://example.com/x.css);</style>
<link rel="stylesheet" href="https://example.com/y.css">

![logo](logo.png) ![outside](../secret.png) ![remote](https://example.com/r.png)
[md link](javascript:alert(3))
"""
HOSTILE_OUTPUT = """\
from IPython.display import HTML, Javascript, SVG, display
display(HTML('<b onclick="x()">bold</b><script>window.__pwned=3</script>'
             '<img src="https://example.com/o.png"><object data="https://example.com/o">'
             '</object>'))
display(Javascript('window.__pwned = 4'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned=5</script>'
            '<image href="https://example.com/s.png"/></svg>'))
display({'text/html': '<p>isolated</p><script>1</script>'}, raw=True,
        metadata={'text/html': {'isolated': True}})
display({'image/png': 'PNG_DATA', 'text/plain': 'img'}, raw=True,
        metadata={'image/png': {'width': '1 onerror=alert(6)'}})
""".replace("PNG_DATA", base64.b64encode(PNG).decode())


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]


def assert_inert(html: str) -> None:
    """No element that runs or fetches; every image a data: URL; links http(s) or #."""
    body = html.split("<body>", 1)[1]
    scan = _Scan()
    scan.feed(body)
    bad_tags = {"script", "iframe", "object", "embed", "link", "style", "svg", "base",
                "form", "meta", "video", "audio", "source"} & set(scan.tags)
    assert not bad_tags, bad_tags
    for tag, name, value in scan.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert name not in ("srcset", "background", "poster", "data", "formaction"), name
        if name == "src":
            assert value.startswith("data:image/"), (tag, value[:80])
        if name == "href":
            assert value.startswith(("#", "https://", "http://", "mailto:")), value
        if name == "style":
            assert "url(" not in value.lower(), value
    assert "window.__pwned" not in body.replace("&lt;", "<") or "<script" not in body


@pytest.mark.slow
def test_a_notebook_given_by_path_is_sanitized(world):
    """Bug 13 (and 8): the markup of a notebook that is not the project's own runs nothing
    and fetches nothing, in the HTML and in the PDF; its image by relative path is read
    from its own folder, and nothing outside that folder is embedded."""
    w = world
    folder = w.nbs / "foreign"
    nb = write_notebook(folder / "foreign.ipynb", ("parameters", DATA_DIR_CELL),
                        ("md", HOSTILE_MD), HOSTILE_OUTPUT)
    raw = nbformat.read(str(nb), 4)
    raw.cells.append(new_raw_cell("<script>window.__pwned=7</script><p>raw</p>",
                                  metadata={"raw_mimetype": "text/html"}))
    raw.cells.append(new_markdown_cell("## Tagged", metadata={
        "tags": ['x" onmouseover="alert(8)'], "bilateral_anchor": 'a" onclick="alert(9)'}))
    raw.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"x": 1}}
    nbformat.write(raw, str(nb))
    (folder / "logo.png").write_bytes(PNG)
    (w.nbs / "secret.png").write_bytes(PNG + b"secret")
    (w.cwd / "logo.png").write_bytes(b"not the notebook's")
    outside = w.outside()

    result = w.run(str(nb), "--out", str(w.out), "-q", timeout=300)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    html = (w.out / "foreign.html").read_text(encoding="utf-8")
    assert_inert(html)
    assert base64.b64encode(PNG).decode() in html, "the notebook's own logo.png is not shown"
    assert base64.b64encode(PNG + b"secret").decode() not in html
    assert "[image not included: remote]" in html and "[image not included: outside]" in html
    assert "a link" in html and 'href="https://example.org/ok"' in html
    assert "<p>isolated</p>" in html
    assert "&lt;script&gt;window.__pwned=7" in html  # a raw cell: shown as text, as nbconvert does
    assert (w.out / "foreign.pdf").read_bytes().startswith(b"%PDF-")
    assert_clean(w, outside)


@pytest.mark.slow
@pytest.mark.browser
def test_a_sanitized_report_in_a_browser(world):
    """Bug 13, as the issue found it: opened in Chromium, the report of a hostile notebook
    runs no script and asks for nothing but itself and data: URLs."""
    from tests.support import CHROMIUM, CHROMIUM_ARGS, Visit

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    w = world
    nb = write_notebook(w.nbs / "web" / "web.ipynb", ("parameters", DATA_DIR_CELL),
                        ("md", HOSTILE_MD), HOSTILE_OUTPUT)
    (w.nbs / "web" / "logo.png").write_bytes(PNG)
    result = w.run(str(nb), "--formats", "html", "--out", str(w.out), "-q", timeout=300)
    assert result.returncode == 0, result.stderr
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            v = Visit(browser, w.out / "web.html")
            try:
                assert not v.foreign_requests(), v.foreign_requests()
                assert v.page.evaluate("typeof window.__pwned") == "undefined"
                v.page.mouse.move(10, 10)
                v.page.click("text=click")
                assert v.page.evaluate("typeof window.__pwned") == "undefined"
                assert not v.page_errors, v.page_errors
            finally:
                v.close()
        finally:
            browser.close()


@pytest.mark.slow
def test_markdown_image_in_a_pdf_of_a_notebook_by_path(world):
    """Bug 8: a Markdown image in a notebook given by path: the PDF builds, with the image
    from the notebook's folder (not the current one), without a traceback."""
    w = world
    folder = w.nbs / "pics"
    nb = write_notebook(folder / "pics.ipynb", ("parameters", DATA_DIR_CELL),
                        ("md", "# Pictures\n\n![logo](logo.png) ![gone](missing.png)"))
    (folder / "logo.png").write_bytes(PNG)
    outside = w.outside()
    result = w.run(str(nb), "--out", str(w.out), "-q", timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    pdf = (w.out / "pics.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/Image" in pdf
    assert_clean(w, outside)


@pytest.mark.slow
def test_escape_codes_in_an_exception_do_not_reach_the_terminal(world):
    """Bug 13: an exception message full of terminal escapes and control characters is
    printed as plain text."""
    w = world
    evil = "\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mred\\x9b31m\\x07\\r\\x08\\u202etext"
    nb = write_notebook(w.nbs / "esc.ipynb", ("parameters", DATA_DIR_CELL),
                        f'raise ValueError("{evil}")')
    result = w.run(str(nb), "--formats", "html", "--out", str(w.out), "-q")
    line = clean_line(result.stderr)
    assert result.returncode == 1, line
    assert "ValueError" in line and "red" in line and "text" in line, line
    assert "\x1b" not in result.stderr and "\x9b" not in result.stderr


# ---------------------------------------------------------------------------- 9

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi")) + "scenario_growth_pct: *i\n"


@pytest.mark.parametrize("content, message", [
    (BOMB, "alias"),
    ("scenario_growth_pct: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("scenario_growth_pct: [" + "1, " * 40_000 + "1]\n", "larger than"),
    ("milestone_busd: '" + "9" * 30_000 + "'\n", "milestone_busd"),
])
def test_parameter_files_are_bounded(world, content, message):
    """Bug 9: a YAML parameter file cannot make the build work for long or write a long
    line: aliases are refused, nesting and size are bounded, values are quoted short."""
    w = world
    f = w.root / "bomb.yaml"
    f.write_text(content)
    outside = w.outside()
    start = time.monotonic()
    result = w.run("trade", "-f", str(f), "--out", str(w.out), timeout=60)
    assert time.monotonic() - start < 30
    line = clean_line(result.stderr)
    assert result.returncode == 2 and message in line, line
    assert len(line) < 400, f"{len(line)} characters"
    assert not w.out.exists()
    assert_clean(w, outside)


def test_a_long_value_on_the_command_line_is_quoted_short(world):
    w = world
    result = w.run("trade", "-p", "scenario_growth_pct", "[" + "x" * 100_000 + "]",
                   "--out", str(w.out))
    line = clean_line(result.stderr)
    assert result.returncode == 2 and len(line) < 400, line


# ---------------------------------------------------------------------------- 10

@pytest.mark.parametrize("kind", ["dev-zero", "fifo-context", "fifo-figures", "folder",
                                  "too-large"])
def test_data_files_are_regular_and_bounded(world, data_copy, kind):
    """Bug 10: a data file that is a link to /dev/zero, a FIFO, a folder or too large is
    refused before it is read (exit 2, at once)."""
    w = world
    if kind == "dev-zero":
        (data_copy / "figures.csv").unlink()
        (data_copy / "figures.csv").symlink_to("/dev/zero")
    elif kind == "fifo-context":
        os.mkfifo(data_copy / "context" / "extra.csv")
    elif kind == "fifo-figures":
        (data_copy / "figures.csv").unlink()
        os.mkfifo(data_copy / "figures.csv")
    elif kind == "folder":
        (data_copy / "context" / "dir.csv").mkdir()
    else:
        with open(data_copy / "sources.csv", "ab") as fh:
            fh.truncate(9 * 2**20)
    outside = w.outside()
    start = time.monotonic()
    result = w.run("tourism", "--data", str(data_copy), "--out", str(w.out), timeout=60)
    assert time.monotonic() - start < 30
    line = clean_line(result.stderr)
    assert result.returncode == 2, line
    assert {"dev-zero": "a device", "fifo-context": "named pipe", "fifo-figures": "named pipe",
            "folder": "a folder", "too-large": "larger than"}[kind] in line, line
    assert not w.out.exists()
    assert_clean(w, outside)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_notebook_and_parameter_file_are_regular(world, kind):
    w = world
    odd = w.root / "odd.yaml"
    if kind == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to("/dev/zero")
    nb = w.root / "odd.ipynb"
    nb.symlink_to(odd)
    for args in (["trade", "-f", str(odd)], [str(nb)]):
        result = w.run(*args, "--out", str(w.out), timeout=60)
        line = clean_line(result.stderr)
        assert result.returncode == 2 and ("named pipe" in line or "a device" in line), line


# ---------------------------------------------------------------------------- 11

@pytest.mark.slow
def test_huge_output_is_cut_with_a_note(world):
    """Bug 11: 10 MB of output renders quickly, cut to its bound with a visible note."""
    w = world
    nb = quick(w, "loud", "print('x' * 99 + '\\n', end='' )\n"
                          "for _ in range(100_000): print('y' * 99)")
    start = time.monotonic()
    result = w.run(str(nb), "--out", str(w.out), "-q", timeout=300)
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    assert elapsed < 120, f"{elapsed:.0f} s"
    html = (w.out / "loud.html").read_text(encoding="utf-8")
    assert len(html) < 1_000_000
    assert "more characters of this output are not shown" in html
    executed = nbformat.read(str(w.out / "loud.ipynb"), 4)
    assert "are not shown" in executed.cells[-1].outputs[-1].text


# The command line with a renderer that renders, then never returns: the fault is forced,
# not hoped for from a slow machine (the workers are forked, so they inherit the patch).
NEVER_ENDING_RENDER = [sys.executable, "-c", """\
import sys, time
import bilateral.engine.render as r
real = r.render
def render(*args, **kwargs):
    real(*args, **kwargs)
    time.sleep(3600)
r.render = render
from bilateral.cli import main
sys.argv[0] = "bilateral"
sys.exit(main())
"""]


@pytest.mark.slow
def test_timeout_bounds_the_whole_target(world):
    """Bug 11: --timeout counts rendering too: cells that end in time followed by a
    rendering that does not end still stop at the timeout, with the rendering named."""
    w = world
    nb = quick(w, "slowrender", "import time; time.sleep(1)")
    write_files(w.out, LAST_GOOD)
    before = snapshot(w.out)
    start = time.monotonic()
    result = w.run(str(nb), "--timeout", "5", "--out", str(w.out), "-q", timeout=120,
                   command=NEVER_ENDING_RENDER)
    elapsed = time.monotonic() - start
    line = clean_line(result.stderr)
    assert result.returncode == 1, line
    assert "Timeout" in line and "5 s" in line and "while rendering" in line, line
    assert elapsed < 40, f"{elapsed:.0f} s"
    assert_intact(before, w.out, {"_failed/", "_failed/slowrender.ipynb"})


# ---------------------------------------------------------------------------- 12

DATA_READER = """\
import hashlib, os
from pathlib import Path
print("figures", hashlib.sha256(Path(data_dir, "figures.csv").read_bytes()).hexdigest())
"""


@pytest.mark.slow
def test_data_edited_during_a_build(world, data_copy):
    """Bug 12: the kernel reads the data as they were validated and fingerprinted, even
    when a file changes (validly or not) while the build runs; the record shows the
    user's data folder."""
    w = world
    nb = write_notebook(w.nbs / "reader" / "reader.ipynb", ("parameters", DATA_DIR_CELL),
                        GATED_CELL, DATA_READER)
    original = hashlib.sha256((data_copy / "figures.csv").read_bytes()).hexdigest()
    proc = w.start(str(nb), "--data", str(data_copy), "--formats", "html", "--out",
                   str(w.out), "-q")
    wait_for(lambda: (nb.parent / "started").exists(), 120, "the cell to start", proc)
    (data_copy / "figures.csv").write_text("id,label\nnot,valid\n")
    (nb.parent / "go").touch()
    _, err = proc.communicate(timeout=120)

    assert proc.returncode == 0, err
    executed = nbformat.read(str(w.out / "reader.ipynb"), 4)
    printed = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    assert printed.strip() == f"figures {original}"
    params = executed.metadata.papermill.parameters
    # The user's folder, or a neutral name for it (a folder outside the project is
    # recorded by its name): never the private copy.
    assert params["data_dir"] in (str(data_copy.resolve()), data_copy.name)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.tags]
    assert repr(params["data_dir"])[1:-1] in injected[0].source
    assert str(w.tmp) not in json.dumps(executed)
    assert list(w.tmp.iterdir()) == []


# ---------------------------------------------------------------------------- 14

def _tcp_inodes() -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            next(fh)
            found |= {line.split()[9] for line in fh}
    return found


@pytest.mark.slow
def test_kernels_talk_over_ipc_and_their_stderr_is_kept(world):
    """Bug 14: the kernel opens no TCP socket; its connection file and sockets live in the
    build's private folder (gone afterwards); what it writes on stderr is reported."""
    w = world
    nb = write_notebook(w.nbs / "ipc" / "ipc.ipynb", ("parameters", DATA_DIR_CELL),
                        "import os; os.write(2, b'kernel says hello\\n')", GATED_CELL)
    runtime = Path(subprocess.run([sys.executable, "-c", "from jupyter_core.paths import "
                                   "jupyter_runtime_dir as d; print(d())"],
                                  capture_output=True, text=True).stdout.strip())
    runtime_before = set(runtime.iterdir()) if runtime.is_dir() else set()
    proc = w.start(str(nb), "--formats", "html", "--out", str(w.out))
    wait_for(lambda: (nb.parent / "started").exists(), 120, "the cell to start", proc)
    kernel = int((nb.parent / "kernel.pid").read_text())
    sockets = {os.readlink(f"/proc/{kernel}/fd/{fd}")[8:-1]
               for fd in os.listdir(f"/proc/{kernel}/fd")
               if os.readlink(f"/proc/{kernel}/fd/{fd}").startswith("socket:")}
    assert sockets, "the kernel has no sockets?"
    # ipykernel always binds one loopback port of its own, the IOPub pipe that carries
    # the output of processes a cell forks (kernelapp.init_iopub: IOPubThread(pipe=True),
    # messages authenticated by a random key); its five channels are on IPC. Over TCP
    # there would be six.
    assert len(sockets & _tcp_inodes()) <= 1, "the kernel's channels are on TCP"
    private = [p for p in w.tmp.iterdir() if p.name.startswith("bilateral-")]
    assert len(private) == 1 and (private[0].stat().st_mode & 0o777) == 0o700
    connection = json.loads(next((private[0] / "k").glob("*.json")).read_text())
    assert connection["transport"] == "ipc"
    assert list((private[0] / "k").glob("*-ipc-*")), "no IPC sockets in the private folder"
    (nb.parent / "go").touch()
    _, err = proc.communicate(timeout=120)

    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "ipc: the kernel wrote to its terminal: kernel says hello" in err, err
    assert "TCP" not in err
    assert list(w.tmp.iterdir()) == []
    assert (set(runtime.iterdir()) if runtime.is_dir() else set()) == runtime_before


@pytest.mark.slow
def test_a_dying_kernel_last_words_are_reported(world):
    w = world
    nb = write_notebook(w.nbs / "dies.ipynb", ("parameters", DATA_DIR_CELL),
                        "import os; os.write(2, b'fatal: out of widgets\\n'); os._exit(3)")
    result = w.run(str(nb), "--formats", "html", "--out", str(w.out), "-q")
    line = clean_line(result.stderr)
    assert result.returncode == 1, line
    assert "kernel died" in line and "fatal: out of widgets" in line, line


# ---------------------------------------------------------------------------- disk full

@pytest.fixture
def small_disk(tmp_path_factory):
    with tmpfs(tmp_path_factory.mktemp("disk"), "2m", required=False) as mount:
        yield mount


@pytest.mark.slow
def test_a_full_disk(world, small_disk):
    """A full disk while the report is written: exit 1, one line naming the problem, the
    last good reports intact, nothing left behind; the next build works once there is
    room."""
    w = world
    out = small_disk / "out"
    nb = quick(w, "big", "print('z' * 150_000)")
    write_files(out, LAST_GOOD)
    filler = small_disk / "filler"
    free = os.statvfs(small_disk)
    filler.write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 120_000))
    before = snapshot(out)
    outside = w.outside()

    result = w.run(str(nb), "--out", str(out), "-q")

    line = clean_line(result.stderr)
    assert result.returncode == 1, line
    assert "No space left on device" in line, line
    assert_intact(before, out, {"_failed/", "_failed/big.ipynb"})
    for rel, data in LAST_GOOD.items():
        assert (out / rel).read_bytes() == data
    assert leftovers(out) == []
    assert list(w.tmp.iterdir()) == [] and w.outside() == outside
    filler.unlink()
    again = w.run(str(nb), "--formats", "html", "--out", str(out), "-q")
    assert again.returncode == 0, again.stderr


# ---------------------------------------------------------------------------- concurrency

@pytest.mark.slow
def test_concurrent_builds_into_different_folders(world):
    w = world
    nb = quick(w)
    a = w.start(str(nb), "--formats", "html", "--out", str(w.out / "a"), "-q")
    b = w.start(str(nb), "--formats", "html", "--out", str(w.out / "b"), "-q")
    for p in (a, b):
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        assert err == ""
    assert (w.out / "a" / "quick.html").read_bytes() == (w.out / "b" / "quick.html").read_bytes()
    assert leftovers(w.out) == []
    assert list(w.tmp.iterdir()) == []



def interrupted_inside(monkeypatch, module, name: str):
    """Patch ``module.name`` to deliver SIGINT while it runs (inside a deferred block, the
    signal is held back as the handler would hold it); returns a function that resets the
    signal state the test changed."""
    from bilateral.engine import signals

    original = getattr(module, name)

    def signal_arrives(*args):
        signals._state.pending = signal.SIGINT
        return original(*args)

    monkeypatch.setattr(module, name, signal_arrives)
    monkeypatch.setattr(signals._state, "stopping", False)

    def reset():
        signals._state.pending, signals._state.stopping = None, False
    return reset


def test_an_interrupt_while_the_staging_folder_is_made_leaves_no_staging_folder(
        tmp_path, monkeypatch):
    """The interrupt held back while the staging folder is made is raised as that block
    ends: the removal must already be armed (a random-moment interrupt once left one)."""
    from bilateral.engine import lock

    out = tmp_path / "out"
    out.mkdir()
    (out / ".staging-somebody-else").mkdir()   # not ours: looked at, left alone
    reset = interrupted_inside(monkeypatch, lock, "_is_ours")
    try:
        with pytest.raises(KeyboardInterrupt), lock.staging_area(out):
            pytest.fail("the body ran though the interrupt came first")
    finally:
        reset()
    assert sorted(p.name for p in out.iterdir()) == [".staging-somebody-else"]


def test_an_interrupt_while_the_private_folder_is_made_leaves_nothing_in_tmpdir(
        tmp_path, monkeypatch):
    """The same for the build's private folder in TMPDIR."""
    from bilateral.engine import workspace as ws_module

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(ws_module.tempfile, "tempdir", None)
    reset = interrupted_inside(monkeypatch, ws_module, "_left_behind")
    try:
        with pytest.raises(KeyboardInterrupt), ws_module.workspace():
            pytest.fail("the body ran though the interrupt came first")
    finally:
        reset()
    assert not any(tmp.rglob("bilateral-*")), list(tmp.rglob("*"))
