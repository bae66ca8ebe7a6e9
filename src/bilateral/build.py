"""Build reports: plan → execute → render → publish, each step a small function.

``plan`` validates everything a build depends on (notebooks, parameters, data,
the PDF engine) before any kernel starts and before anything is written.
``execute`` runs one notebook with papermill, ``render`` turns the executed
notebook into HTML and PDF, and ``publish`` moves the finished files into place
with atomic renames. Work happens in a staging folder inside the output folder,
which is removed whatever happens; a second build on the same folder is refused
while the first holds its lock.

Targets whose inputs have not changed since their last build are skipped: the
hashes of everything a target depends on are kept in ``<out>/.bilateral-state.json``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from . import figures, paths, sense
from .errors import (
    BuildLockedError,
    NotebookError,
    UsageError,
)
from .params import declared, load_file, read_notebook, resolve

log = logging.getLogger(__name__)
# papermill hands its logger to nbclient, whose errors would otherwise reach stderr through
# logging's last-resort handler as a second line; ours is the one line that reports them.
logging.getLogger("papermill").addHandler(logging.NullHandler())

FORMATS = ("html", "pdf")
STATE_FILE = ".bilateral-state.json"
LOCK_FILE = ".bilateral.lock"
STAGING_PREFIX = ".staging-"
FAILED_DIR = "_failed"
RENDER_PACKAGES = ("papermill", "nbconvert", "nbformat", "nbclient", "ipykernel",
                   "weasyprint", "pydyf", "matplotlib", "jinja2", "mistune", "pygments")


@dataclass
class Options:
    """Everything a build is asked to do, as parsed from the command line."""

    notebooks: list[str] = field(default_factory=list)
    parameters: list[tuple[str, str]] = field(default_factory=list)
    parameter_files: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    all_scenarios: bool = False
    data_dir: Path = paths.DATA
    out_dir: Path = paths.REPORTS
    formats: tuple[str, ...] = FORMATS
    timeout: int = 600
    jobs: int = 1
    force: bool = False
    dry_run: bool = False
    show_code: bool = False
    paper: str = "a4"
    notebooks_dir: Path = paths.NOTEBOOKS
    params_dir: Path = paths.PARAMS


@dataclass
class Target:
    """One notebook built with one parameter set into one folder."""

    name: str
    source: Path
    scenario: str | None
    parameters: dict[str, Any]
    out_dir: Path
    formats: tuple[str, ...]
    digests: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The target's name in logs and in the state file: ``trade`` or ``low-growth/trade``."""
        return f"{self.scenario}/{self.name}" if self.scenario else self.name

    @property
    def outputs(self) -> list[str]:
        return [f"{self.name}.ipynb"] + [f"{self.name}.{f}" for f in self.formats]

    @property
    def digest(self) -> str:
        return _sha(json.dumps(self.digests, sort_keys=True).encode())


@dataclass
class Plan:
    targets: list[Target]
    dataset: figures.Dataset
    options: Options

    def stale(self, state: dict) -> list[tuple[Target, str]]:
        """Targets to build, each with the reason, given the recorded ``state``."""
        out = []
        for t in self.targets:
            reason = _why_stale(t, state.get(t.key), self.options)
            if reason:
                out.append((t, reason))
        return out


@dataclass
class Outcome:
    target: Target
    ok: bool
    skipped: bool = False
    error: NotebookError | None = None
    pages: int | None = None
    seconds: float = 0.0


# ---------------------------------------------------------------------------- plan

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_digest(root: Path, patterns: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for pattern in patterns:
        for p in sorted(root.rglob(pattern)):
            if "__pycache__" in p.parts:
                continue
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _versions() -> str:
    parts = [f"python={sys.version_info[0]}.{sys.version_info[1]}"]
    for name in RENDER_PACKAGES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=-")
    return ",".join(parts)


def notebook_names(folder: Path) -> list[str]:
    """The notebooks a build makes by default: every ``*.ipynb`` in ``folder``, by name."""
    return sorted(p.stem for p in Path(folder).glob("*.ipynb"))


def scenario_names(folder: Path) -> list[str]:
    """Every scenario: the ``*.yaml`` files of ``folder``, by name."""
    return sorted(p.stem for p in Path(folder).glob("*.yaml"))


def _resolve_notebook(name: str, folder: Path) -> tuple[str, Path]:
    p = Path(name)
    if p.suffix == ".ipynb" and (p.exists() or p.parent != Path(".")):
        return p.stem, p
    candidate = folder / f"{p.stem}.ipynb"
    if not candidate.exists():
        known = ", ".join(notebook_names(folder)) or "none"
        raise UsageError(f"unknown notebook {name!r} (known: {known})")
    return p.stem, candidate


def _check_formats(formats: tuple[str, ...]) -> None:
    for f in formats:
        if f not in FORMATS:
            raise UsageError(f"unknown format {f!r} in --formats (expected html, pdf or both)")


def preflight(targets: list[Target]) -> None:
    """Check the machine can render what is about to be built (the PDF engine's libraries).

    Called once something is out of date, so that a no-op build does not load WeasyPrint.
    """
    if any("pdf" in t.formats for t in targets):
        from .pdf import weasyprint_module

        weasyprint_module()


def plan(opts: Options) -> Plan:
    """Validate everything and list the targets; reads inputs, writes nothing."""
    if opts.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {opts.jobs}")
    if opts.timeout < 1:
        raise UsageError(f"--timeout must be at least 1 second, got {opts.timeout}")
    if opts.paper.lower() not in ("a4", "letter"):
        raise UsageError(f"--paper must be a4 or letter, got {opts.paper!r}")
    if not opts.formats:
        raise UsageError("--formats is empty (expected html, pdf or both)")
    _check_formats(opts.formats)
    if opts.out_dir.exists() and not opts.out_dir.is_dir():
        raise UsageError(f"--out {opts.out_dir} exists and is not a folder")

    names = opts.notebooks or notebook_names(opts.notebooks_dir)
    if not names:
        raise UsageError(f"no notebooks in {opts.notebooks_dir}")
    sources: dict[str, Path] = {}
    declared_params = {}
    sense_checks: dict[str, str | None] = {}
    for n in names:
        name, path = _resolve_notebook(n, opts.notebooks_dir)
        if name in sources:
            raise UsageError(f"notebook {name!r} is named twice")
        sources[name] = path
        nb = read_notebook(path, _shown(path))
        declared_params[name] = declared(nb, _shown(path))
        sense_checks[name] = nb.metadata.get("bilateral", {}).get("checks")

    scenarios: list[str | None]
    if opts.all_scenarios:
        scenarios = list(scenario_names(opts.params_dir))
        if not scenarios:
            raise UsageError(f"--all-scenarios: no scenario files in {opts.params_dir}")
    elif opts.scenarios:
        scenarios = []
        for s in opts.scenarios:
            if not (opts.params_dir / f"{s}.yaml").is_file():
                known = ", ".join(scenario_names(opts.params_dir)) or "none"
                raise UsageError(f"unknown scenario {s!r} (known: {known})")
            if s in scenarios:
                raise UsageError(f"scenario {s!r} is named twice")
            if s in sources or s == FAILED_DIR:
                raise UsageError(f"scenario {s!r} would collide with an output name")
            scenarios.append(s)
    else:
        scenarios = [None]

    user_files = [(f, load_file(f)) for f in opts.parameter_files]
    dataset = figures.load(opts.data_dir)
    data_dir = Path(opts.data_dir).resolve()
    code_digest = _tree_digest(paths.PACKAGE, ("*.py", "*.j2", "*.css", "*.json"))
    versions = _versions()
    targets = []
    for scenario in scenarios:
        files = list(user_files)
        if scenario:
            sf = opts.params_dir / f"{scenario}.yaml"
            files.insert(0, (_shown(sf), load_file(sf)))
        overrides = resolve(declared_params, opts.parameters, files)
        if any("data_dir" in o for o in overrides.values()):
            raise UsageError("set the data folder with --data DIR, not as the parameter "
                             "data_dir: --data is validated before the build and hashed")
        for name, path in sources.items():
            params = dict(overrides[name])
            # Parameters that depend on each other or on the data, and every analysis and
            # sentence of the report, before any kernel starts.
            sense.check(sense_checks[name], dataset,
                        {**{k: p.default for k, p in declared_params[name].items()}, **params},
                        name)
            if "data_dir" in declared_params[name]:
                params.setdefault("data_dir", str(data_dir))
            out = opts.out_dir / scenario if scenario else opts.out_dir
            t = Target(name, path, scenario, params, out, tuple(opts.formats))
            t.digests = {
                "notebook": _sha(path.read_bytes()),
                "parameters": _sha(json.dumps(params, sort_keys=True).encode()),
                "data": dataset.fingerprint, "code": code_digest,
                "versions": _sha(versions.encode()),
                "options": _sha(f"{opts.show_code}|{opts.paper.lower()}".encode()),
            }
            targets.append(t)
    return Plan(targets, dataset, opts)


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _why_stale(t: Target, recorded: dict | None, opts: Options) -> str | None:
    if opts.force:
        return "--force"
    if not recorded:
        return "never built here"
    missing = [o for o in t.outputs if not (t.out_dir / o).exists()]
    if missing:
        return f"{missing[0]} is missing"
    changed = [k for k, v in t.digests.items() if recorded.get("digests", {}).get(k) != v]
    if changed:
        return ", ".join(changed) + " changed"
    for o in t.outputs:
        if _sha((t.out_dir / o).read_bytes()) != recorded.get("outputs", {}).get(o):
            return f"{o} was changed by hand"
    return None


# ---------------------------------------------------------------------------- execute

INJECTED_TAG = "injected-parameters"
# papermill's tag on the error-message and anchor cells it inserts into the notebook it
# writes after a failure (papermill.execute.ERROR_MARKER_TAG).
ERROR_CELL_TAG = "papermill-error-cell-tag"


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _executed_cells(nb) -> list:
    """The cells as papermill ran them: the written notebook without the error-message and
    anchor cells papermill inserts after a failure. Its failing cell index counts here."""
    return [c for c in nb.cells if ERROR_CELL_TAG not in _tags(c)]


def _cell_number(cells: list, index: int | None, source=None) -> int | None:
    """1-based position in the source notebook of the executed cell ``cells[index]``.

    Found by cell id: papermill keeps the source's ids, and its injected-parameters cell
    is not in the source. When the id is not found once in ``source`` (a notebook older
    than nbformat 4.5 has no ids, and papermill makes up new ones), by position, with
    the injected cell skipped. None when unknown, or when the injected cell itself failed.
    """
    if index is None or not 0 <= index < len(cells):
        return None
    cell = cells[index]
    if INJECTED_TAG in _tags(cell):
        return None
    ids = [c.get("id") for c in source.cells] if source is not None else []
    if cell.get("id") and ids.count(cell.get("id")) == 1:
        return ids.index(cell.get("id")) + 1
    return index + 1 - sum(1 for c in cells[:index] if INJECTED_TAG in _tags(c))


def _failure_cell(out: Path, source_path: Path, index: int | None = None) -> int | None:
    """The source notebook's number of the cell that failed, read from the written notebook
    ``out``: the cell at ``index`` (papermill's count) or, without one, the last that
    started (a timeout, a dead kernel)."""
    import nbformat

    # Naming the cell is a courtesy: a notebook that cannot be read leaves it unnamed.
    try:
        cells = _executed_cells(nbformat.read(out, as_version=4))
    except Exception:
        return None
    try:
        source = nbformat.read(source_path, as_version=4)
    except Exception:
        source = None
    if index is None:
        index = _running_index(cells)
    return _cell_number(cells, index, source)


def _quiet_kernel_manager():
    """A kernel manager whose kernel's own stderr chatter (transport warnings) is dropped.

    Errors still reach us as messages from the kernel, so nothing of use is lost.
    """
    import subprocess

    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["stderr"] = subprocess.DEVNULL
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def execute(t: Target, staging: Path, timeout: int):
    """Run the notebook with papermill into ``staging``; raise NotebookError when it fails."""
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    staging.mkdir(parents=True, exist_ok=True)
    out = staging / f"{t.name}.ipynb"
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    try:
        nb = pm.execute_notebook(
            str(t.source), str(out), parameters=t.parameters, cwd=str(t.source.parent),
            kernel_name="python3", progress_bar=False, log_output=False,
            execution_timeout=timeout, report_mode=False,
            kernel_manager_class=_quiet_kernel_manager())
    except pm.PapermillExecutionError as exc:
        cell = _failure_cell(out, t.source, exc.cell_index)
        raise NotebookError(t.key, cell, exc.ename, exc.evalue) from None
    except CellTimeoutError:
        cell = _failure_cell(out, t.source)
        raise NotebookError(t.key, cell, "Timeout",
                            f"a cell ran longer than {timeout} s (--timeout)") from None
    except DeadKernelError:
        cell = _failure_cell(out, t.source)
        raise NotebookError(t.key, cell, "DeadKernel",
                            "the kernel died while the cell ran") from None
    # papermill gives the injected cell a random id; a fixed one keeps rebuilds identical.
    for cell in nb.cells:
        if INJECTED_TAG in _tags(cell):
            cell.id = INJECTED_TAG
    nbformat.write(nb, out)
    return nb


def _running_index(cells: list) -> int | None:
    """The cell that was running when execution stopped: the last one that started."""
    started = [i for i, c in enumerate(cells)
               if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    return started[-1] if started else None


# ---------------------------------------------------------------------------- render

def render(nb, t: Target, staging: Path, opts: Options, report_date: str) -> int | None:
    """Write the HTML and PDF of an executed notebook into ``staging``; return the page count."""
    from .render import ReportHTMLExporter, WeasyPDFExporter

    settings = dict(show_code=opts.show_code, paper=opts.paper.lower(), report_date=report_date)
    pages = None
    resources = {"metadata": {"name": t.name}}
    if "html" in t.formats:
        html, _ = ReportHTMLExporter(**settings).from_notebook_node(nb, resources)
        (staging / f"{t.name}.html").write_text(html, encoding="utf-8")
    if "pdf" in t.formats:
        pdf, res = WeasyPDFExporter(**settings).from_notebook_node(nb, resources)
        (staging / f"{t.name}.pdf").write_bytes(pdf)
        pages = res["bilateral"]["pages"]
    return pages


def run_target(t: Target, staging_root: Path, opts: Options, report_date: str) -> Outcome:
    """Execute and render one target into its own staging folder (a worker's whole job)."""
    start = time.perf_counter()
    staging = staging_root / (t.key.replace("/", "__"))
    try:
        nb = execute(t, staging, opts.timeout)
    except NotebookError as err:
        return Outcome(t, False, error=err, seconds=time.perf_counter() - start)
    pages = render(nb, t, staging, opts, report_date)
    return Outcome(t, True, pages=pages, seconds=time.perf_counter() - start)


# ---------------------------------------------------------------------------- publish

def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def publish(t: Target, staging: Path) -> dict[str, str]:
    """Move a target's finished files into its output folder, one atomic rename each."""
    t.out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name in t.outputs:
        src = staging / name
        hashes[name] = _sha(src.read_bytes())
        os.replace(src, t.out_dir / name)
    return hashes


def keep_failed(t: Target, staging: Path, out_root: Path) -> str | None:
    """Move the failed executed notebook to ``<out>/_failed/``; return where it went."""
    src = staging / f"{t.name}.ipynb"
    if not src.exists():
        return None
    dest = out_root / FAILED_DIR / (f"{t.scenario}__{t.name}.ipynb" if t.scenario
                                    else f"{t.name}.ipynb")
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)
    return _shown(dest)


# ---------------------------------------------------------------------------- orchestration

def read_state(out_dir: Path) -> dict:
    try:
        return json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_state(out_dir: Path, state: dict) -> None:
    _atomic_write(out_dir / STATE_FILE,
                  (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold ``<out>/.bilateral.lock`` for the build; refuse when another build holds it."""
    import fcntl

    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise BuildLockedError(
                f"{_shown(out_dir)} is being built by another bilateral build (pid {other}); "
                "run again when it has finished") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def staging_area(out_dir: Path) -> Iterator[Path]:
    """A fresh staging folder inside ``out_dir``, removed on exit, interrupted or not.

    Folders left by a build that was killed outright are removed first.
    """
    for old in out_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(old, ignore_errors=True)
    for old in out_dir.rglob(".*.tmp-*"):
        old.unlink(missing_ok=True)
    staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}"
    staging.mkdir()
    previous = signal.getsignal(signal.SIGTERM)

    def _terminate(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    if _main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if _main_thread():
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


Reporter = Callable[[str, str, str], None]
"""``report(target_key, state, detail)``: called at each step of each target."""


def _quiet(key: str, state: str, detail: str) -> None:
    pass


def build(opts: Options, report: Reporter = _quiet) -> list[Outcome]:
    """Plan, then execute, render and publish every stale target.

    Returns one Outcome per target; raises InputError subclasses for bad input
    before anything is written.
    """
    p = plan(opts)
    state = read_state(opts.out_dir)
    stale = p.stale(state.get("targets", {}))
    stale_keys = {t.key for t, _ in stale}
    if opts.dry_run:
        preflight([t for t, _ in stale])
        for t in p.targets:
            reason = dict((x.key, r) for x, r in stale).get(t.key)
            report(t.key, "would build" if reason else "up to date", reason or "")
        return [Outcome(t, True, skipped=t.key not in stale_keys) for t in p.targets]
    outcomes: list[Outcome] = [Outcome(t, True, skipped=True) for t in p.targets
                               if t.key not in stale_keys]
    for o in outcomes:
        report(o.target.key, "up to date", "")
    if not stale:
        return outcomes
    preflight([t for t, _ in stale])
    report_date = p.dataset.as_of.isoformat()
    with locked(opts.out_dir), staging_area(opts.out_dir) as staging:
        state = read_state(opts.out_dir)
        recorded = state.setdefault("targets", {})
        # Longest first (by the last build's time), so no worker idles at the end.
        queue = sorted((t for t, _ in stale),
                       key=lambda t: -recorded.get(t.key, {}).get("seconds", 0.0))
        for o in _run_all(queue, staging, opts, report_date, report):
            sub = staging / o.target.key.replace("/", "__")
            if o.ok:
                hashes = publish(o.target, sub)
                recorded[o.target.key] = {"digests": o.target.digests, "outputs": hashes,
                                          "seconds": round(o.seconds, 1)}
                write_state(opts.out_dir, state)
                pages = f", {o.pages} pages" if o.pages else ""
                report(o.target.key, "published",
                       f"{_shown(o.target.out_dir)}/{o.target.name}."
                       f"{{{','.join(['ipynb', *o.target.formats])}}}{pages}, "
                       f"{o.seconds:.1f} s")
            else:
                kept = keep_failed(o.target, sub, opts.out_dir)
                o.error.kept = kept
                o.error.args = (str(NotebookError(o.error.notebook, o.error.cell,
                                                  o.error.ename, o.error.evalue, kept)),)
                recorded.pop(o.target.key, None)
                write_state(opts.out_dir, state)
                report(o.target.key, "failed", str(o.error))
            outcomes.append(o)
    order = {t.key: i for i, t in enumerate(p.targets)}
    return sorted(outcomes, key=lambda o: order[o.target.key])


def _run_all(targets: list[Target], staging: Path, opts: Options, report_date: str,
             report: Reporter) -> Iterator[Outcome]:
    for t in targets:
        report(t.key, "queued", "")
    if opts.jobs == 1 or len(targets) == 1:
        for t in targets:
            report(t.key, "running", "executing and rendering")
            yield run_target(t, staging, opts, report_date)
        return
    import concurrent.futures as cf
    import multiprocessing

    # Import the heavy modules once, before the workers fork, so each starts warm.
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from . import render as _render  # noqa: F401

    ctx = multiprocessing.get_context("fork")
    workers = min(opts.jobs, len(targets))
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    try:
        futures = {pool.submit(run_target, t, staging, opts, report_date): t for t in targets}
        # The pool takes work in submission order: the first `workers` targets start now,
        # and each finished one lets the next start.
        waiting = list(targets)
        for t in waiting[:workers]:
            report(t.key, "running", "executing and rendering")
        del waiting[:workers]
        for fut in cf.as_completed(futures):
            if waiting:
                report(waiting.pop(0).key, "running", "executing and rendering")
            yield fut.result()
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)


__all__ = ["Options", "Plan", "Target", "Outcome", "plan", "build", "execute", "render",
           "publish"]
