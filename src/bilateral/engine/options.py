"""What a build is asked to do, and the checks on it that need no file's content.

Names that become file or folder names (scenarios, notebooks) are checked here, and so is
the output folder: it may neither hold nor lie inside the build's inputs (notebooks, data,
parameter sets, the package), and the subfolders the build writes into must be real
folders inside it.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from bilateral.core import paths
from bilateral.core.errors import OutputFolderError, UsageError
from bilateral.core.text import excerpt, shown

FORMATS = ("html", "pdf")
FAILED_DIR = "_failed"
MAX_TIMEOUT = 7 * 24 * 3600
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
"""A scenario's name: letters, digits, ``.``, ``_`` and ``-``, not starting with a dot."""


@dataclass
class Options:
    """Everything a build is asked to do, as parsed from the command line."""

    notebooks: list[str] = field(default_factory=list)
    parameters: list[tuple[str, str]] = field(default_factory=list)
    parameter_files: list[str] = field(default_factory=list)
    parameters_yaml: list[str] = field(default_factory=list)
    """``-y`` values: YAML mappings (papermill's ``--parameters_yaml``)."""
    parameters_raw: list[tuple[str, str]] = field(default_factory=list)
    """``-r NAME VALUE`` pairs: text, never converted (papermill's ``--parameters_raw``)."""
    parameters_base64: list[str] = field(default_factory=list)
    """``-b`` values: base64 of YAML mappings (papermill's ``--parameters_base64``)."""
    scenarios: list[str] = field(default_factory=list)
    all_scenarios: bool = False
    sweeps: list[tuple[str, str]] = field(default_factory=list)
    """``--sweep NAME VALUES`` pairs: a parameter and a YAML list of its values; the
    build makes every combination of the lists (see :func:`sweep_runs`)."""
    scheduler: str | None = None
    """``--scheduler``: None for the local process pool; ``local:N`` or a Dask scheduler's
    address (``tcp://host:8786``) to run each target as a Dask task."""
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
    debug: bool = False


def check(opts: Options) -> None:
    """The options' own values: jobs, timeout, paper, formats."""
    if opts.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {opts.jobs}")
    if opts.timeout < 1:
        raise UsageError(f"--timeout must be at least 1 second, got {opts.timeout}")
    if opts.timeout > MAX_TIMEOUT:
        raise UsageError(f"--timeout must be at most {MAX_TIMEOUT} seconds (a week), got "
                         f"{opts.timeout}")
    if opts.paper.lower() not in ("a4", "letter"):
        raise UsageError(f"--paper must be a4 or letter, got {excerpt(opts.paper)}")
    if not opts.formats:
        raise UsageError("--formats is empty (expected html, pdf or both)")
    for f in opts.formats:
        if f not in FORMATS:
            raise UsageError(f"unknown format {excerpt(f)} in --formats (expected html, pdf "
                             "or both)")


def check_name(name: str, what: str) -> None:
    """A notebook's name becomes its output files' names: printable, not hidden."""
    if (not name or name.startswith(".") or any(not c.isprintable() for c in name)
            or any("\udc80" <= c <= "\udcff" for c in name)):
        raise UsageError(f"{what} {excerpt(name)}: its name becomes a file name and must be "
                         "printable text not starting with a dot")


def notebook_names(folder: Path) -> list[str]:
    """The notebooks a build makes by default, by name: in the project's ``notebooks/``,
    the reports (:func:`is_report`); in any other folder, every ``*.ipynb``, as a
    papermill user expects. A notebook named on the command line is built either way."""
    found = sorted(p for p in Path(folder).glob("*.ipynb") if not p.name.startswith("."))
    if _same_path(Path(folder), paths.NOTEBOOKS):
        found = [p for p in found if is_report(p)]
    return [p.stem for p in found]


def _same_path(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def is_report(path: Path) -> bool:
    """Is this notebook of the project's ``notebooks/`` one of its reports? A report says
    so in its metadata: a ``bilateral`` section (``"bilateral": {"checks": "trade"}``).
    Every other notebook there is an analyst's own (File › New › Notebook writes
    ``Untitled.ipynb`` at once): never built, listed, tested or refused by default."""
    import json

    from bilateral.core import files

    try:
        nb = json.loads(files.read_regular(path, 64 * files.MiB).decode("utf-8"))
    except (OSError, ValueError, RecursionError, files.UnreadableError):
        return False
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    return isinstance(meta, dict) and isinstance(meta.get("bilateral"), dict)


def scenario_names(folder: Path) -> list[str]:
    """Every scenario: the ``*.yaml`` files of ``folder``, by name."""
    return sorted(p.stem for p in Path(folder).glob("*.yaml") if not p.name.startswith("."))


def resolve_notebook(name: str, folder: Path) -> tuple[str, Path]:
    """A notebook named on the command line: ``(name, path)``. A path (with ``.ipynb``)
    is taken as it is; a name is looked up in ``folder``."""
    p = Path(name)
    if p.suffix == ".ipynb" and (p.exists() or p.parent != Path(".")):
        return p.stem, p
    known = notebook_names(folder)
    if p.parent != Path(".") or p.stem not in known:
        raise UsageError(f"unknown notebook {excerpt(name)} (known: "
                         f"{', '.join(known) or 'none'})")
    return p.stem, Path(folder) / f"{p.stem}.ipynb"


def scenario_list(opts: Options, notebooks: list[str]) -> list[str | None]:
    """The scenarios to build: names of files in ``--params-dir``, nothing else."""
    if not (opts.all_scenarios or opts.scenarios):
        return [None]
    known = scenario_names(opts.params_dir)
    if opts.all_scenarios:
        if not known:
            raise UsageError(f"--all-scenarios: no scenario files in {shown(opts.params_dir)}")
        wanted = known
    else:
        wanted = []
        for s in opts.scenarios:
            if s not in known:
                raise UsageError(f"unknown scenario {excerpt(s)} (known: "
                                 f"{', '.join(known) or 'none'}; a scenario is the name of "
                                 f"a file in {shown(opts.params_dir)}, not a path)")
            if s in wanted:
                raise UsageError(f"scenario {excerpt(s)} is named twice")
            wanted.append(s)
    for s in wanted:
        if not SAFE_NAME.match(s):
            raise UsageError(f"scenario {excerpt(s)}: a scenario's name becomes a folder name "
                             "(letters, digits, '.', '_' and '-', not starting with a dot)")
        if s in notebooks or s == FAILED_DIR:
            raise UsageError(f"scenario {excerpt(s)} would collide with an output name")
    return list(wanted)


MAX_SWEEP = 1000
"""The most combinations a sweep may make: each is a report folder."""


@dataclass(frozen=True)
class Run:
    """One parameter set a build makes every notebook under: a scenario file, a sweep's
    combination, both, or neither (the default, into ``--out`` itself)."""

    name: str | None
    """The folder under ``--out`` it goes into, or None."""
    scenario: str | None = None
    """The scenario file's name, when there is one."""
    sweep: tuple[tuple[str, object], ...] = ()
    """The sweep's parameter values, as text (as a YAML file gives them)."""


def _slug(value) -> str:
    """A value as part of a folder name: ``2030``, ``0.0-5.2`` for ``[0.0, 5.2]``."""
    import json

    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-") or "empty"


def sweep_runs(opts: Options, scenarios: list[str | None]) -> list[Run]:
    """Every run: each scenario (or none) crossed with every combination of the sweeps'
    values. A combination's folder is named after its values
    (``horizon_year-2035_milestone_busd-400``), so the same sweep makes the same
    folders; a scenario's name comes first (``slowdown_horizon_year-2035``)."""
    import itertools

    from bilateral.params.sources import load_text

    if not opts.sweeps:
        return [Run(s, s) for s in scenarios]
    axes = []
    seen = set()
    for name, text in opts.sweeps:
        if name in seen:
            raise UsageError(f"--sweep {excerpt(name)} is given twice")
        seen.add(name)
        shown = f"--sweep {name} {excerpt(text)}"
        values = load_text(f"{name}: {text}", shown).get(name) if name.isidentifier() \
            else None
        if not name.isidentifier():
            raise UsageError(f"{shown}: {excerpt(name)} is not a parameter name")
        if not isinstance(values, list) or not values:
            raise UsageError(f"{shown}: expected a YAML list of values, such as "
                             f"'[2030, 2035]'")
        axes.append([(name, v) for v in values])
    import math

    count = math.prod(len(axis) for axis in axes) * len(scenarios)
    if count > MAX_SWEEP:  # counted before any combination is made
        raise UsageError(f"--sweep makes {count} report folders; at most {MAX_SWEEP}")
    combos = list(itertools.product(*axes))
    runs = []
    for scenario in scenarios:
        for combo in combos:
            name = "_".join(f"{k}-{_slug(v)}" for k, v in combo)
            name = f"{scenario}_{name}" if scenario else name
            if not SAFE_NAME.match(name):
                import hashlib

                digest = hashlib.sha256(name.encode()).hexdigest()[:12]
                name = f"{(scenario + '_') if scenario else ''}sweep-{digest}"
            runs.append(Run(name, scenario, tuple(combo)))
    names = [r.name for r in runs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"--sweep: two combinations would share the folder {twice[0]}; "
                         "give values that differ as text")
    return runs


def _resolved(path: Path, what: str) -> Path:
    try:
        return Path(os.path.abspath(path)).resolve()
    except (OSError, RuntimeError) as exc:
        raise OutputFolderError(f"{what} {shown(path)} cannot be resolved ({exc})") from None


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _identities(path: Path) -> list[tuple[int, int]]:
    """(device, inode) of ``path`` and of each of its folders up to the root, as far as
    they exist."""
    out = []
    for p in (path, *path.parents):
        try:
            st = os.stat(p)
        except OSError:
            continue
        out.append((st.st_dev, st.st_ino))
    return out[:-1] if len(out) > 1 else out  # the root is everyone's


MAX_INPUT_FOLDERS = 10_000
"""Folders of an input walked for the bind-mount check; an input with more is not
walked past that (inputs are a data folder, notebooks, parameter sets, the package)."""


def _folders_of(folder: Path) -> set[tuple[int, int]]:
    """(device, inode) of every folder inside ``folder`` (not following links): a bind
    mount of one of them is that folder under another path."""
    found: set[tuple[int, int]] = set()
    if not folder.is_dir():
        return found
    for base, dirs, _ in os.walk(folder):
        for d in dirs:
            try:
                st = os.stat(os.path.join(base, d), follow_symlinks=False)
            except OSError:
                continue
            found.add((st.st_dev, st.st_ino))
        if len(found) >= MAX_INPUT_FOLDERS:
            break
    return found


def _same_folder_in(identities: list[tuple[int, int]], folder: Path) -> bool:
    """Is ``folder`` one of the folders ``identities`` name, by what it is rather than by
    its path? A bind mount of a folder (or a hard alias) has another path and the same
    device and inode."""
    try:
        st = os.stat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and (st.st_dev, st.st_ino) in identities


def check_output(out_dir: Path, inputs: list[tuple[str, Path]]) -> Path:
    """Refuse an output folder that is, holds or lies inside one of ``inputs`` (what, path);
    return it resolved."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {shown(out_dir)} exists and is not a folder")
    out = _resolved(out_dir, "--out")
    for p in out.parents:
        if p.exists() and not p.is_dir():
            raise OutputFolderError(f"--out {shown(out_dir)}: {shown(p)} is not a folder")
    for what, path in inputs:
        inp = _resolved(path, what)
        if out.is_dir() and _same_folder_in(_identities(out)[:1], inp) and out != inp:
            raise OutputFolderError(f"--out {shown(out_dir)} is the {what} {shown(inp)} under "
                                    "another path (a bind mount); choose an output folder "
                                    "apart from the inputs")
        if (_inside(out, inp) or _same_folder_in(_identities(out), inp)
                or _folders_of(inp) & set(_identities(out))):
            raise OutputFolderError(f"--out {shown(out_dir)} is inside the {what} {shown(inp)}"
                                    "; choose an output folder apart from the inputs")
        if _inside(inp, out) or _same_folder_in(_identities(inp), out):
            raise OutputFolderError(f"--out {shown(out_dir)} holds the {what} {shown(inp)}, "
                                    "which a build would write over; choose an output folder "
                                    "apart from the inputs")
    return out


def check_subfolders(out: Path, names: list[str], outputs: list[Path]) -> None:
    """The subfolders a build writes into (scenarios, ``_failed``) must be real folders
    inside ``out``, not links leading elsewhere; and no output may be a folder."""
    for name in names:
        p = out / name
        if p.is_symlink() or (p.exists() and not p.is_dir()):
            raise OutputFolderError(f"{shown(p)} is a link or a file; a build writes only "
                                    f"into real folders inside {shown(out)}")
    for p in outputs:
        if p.is_dir() and not p.is_symlink():
            raise OutputFolderError(f"{shown(p)} is a folder where the build writes a file")
