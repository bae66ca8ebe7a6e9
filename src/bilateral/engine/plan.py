"""Plan: validate everything a build depends on and list its targets; write nothing.

Before any kernel starts and before anything is written: the options, the names, the
output folder against the inputs, each notebook (read once, bounded), the parameters and
parameter files, the data (copied into the build's private folder and validated there),
and, for a notebook that names its analysis (``bilateral.checks`` in its metadata), every
analysis and sentence of its report (the analysis's ``preflight``, see
:mod:`bilateral.core.analyses`). The data folder is read only when a notebook takes it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bilateral.core import analyses, files, paths
from bilateral.core.code import package_digest
from bilateral.core.errors import (
    AnalysisInputError,
    DataError,
    NotebookSourceError,
    ParameterError,
    UsageError,
)
from bilateral.core.text import excerpt, path_text, printable, recorded, shown
from bilateral.engine import options as opt
from bilateral.engine.kernels import NATIVE_KERNELS
from bilateral.engine.state import STATE_FILE, sha, versions, why_stale
from bilateral.engine.workspace import MAX_NOTEBOOK, Workspace
from bilateral.params import (
    load_base64_option,
    load_file,
    load_yaml_option,
    notebook_parameters,
    option_name,
    read_notebook,
    resolve,
)
from bilateral.review import results
from bilateral.review.diff import RESULTS_SUFFIX


@dataclass
class Target:
    """One notebook built with one parameter set into one folder.

    ``parameters`` are the values as the user gave them (``data_dir`` is the user's data
    folder): they are hashed and recorded. ``run_parameters`` are what the kernel gets
    (``data_dir`` is the private copy), and ``run_source`` is the private copy of the
    notebook, as it was read and hashed.
    """

    name: str
    source: Path
    scenario: str | None
    parameters: dict[str, Any]
    out_dir: Path
    formats: tuple[str, ...]
    digests: dict[str, str] = field(default_factory=dict)
    run_source: Path | None = None
    run_parameters: dict[str, Any] = field(default_factory=dict)
    trusted: bool = False
    index: int = 0
    title: str = ""
    titled_by_data: bool = False
    """The title comes from the data (the analysis's ``title``), not the notebook's
    metadata: the rendered documents carry it."""
    results: bytes | None = None
    """The report's results record (``<name>.results.json``), for the project's own
    notebooks: computed here, in the parent, by the functions behind every sentence."""
    notebook_bytes: bytes = b""
    """The source notebook as read and hashed (its size orders the work)."""
    kernel: str = "python3"
    """The kernelspec the notebook names, checked to be installed."""

    @property
    def key(self) -> str:
        """The target's name in logs and in the state file: ``trade`` or ``slowdown/trade``."""
        return f"{self.scenario}/{self.name}" if self.scenario else self.name

    @property
    def outputs(self) -> list[str]:
        out = [f"{self.name}.ipynb"] + [f"{self.name}.{f}" for f in self.formats]
        return out + ([f"{self.name}{RESULTS_SUFFIX}"] if self.results is not None else [])

    @property
    def digest(self) -> str:
        return sha(json.dumps(self.digests, sort_keys=True).encode())


@dataclass
class Plan:
    targets: list[Target]
    dataset: Any
    """The validated data (see :mod:`bilateral.core.analyses`), or None when no notebook
    takes the data folder."""
    options: opt.Options
    out_dir: Path = Path(".")
    folders: list[Path] = field(default_factory=list)
    """Every folder the build writes into: the output folder, its scenario folders and
    ``_failed``; each is locked while the build runs."""
    left_out: list[tuple[str, str]] = field(default_factory=list)
    """Notebooks the analysis leaves out for this data (name, why): a report on a topic
    the data's article never touches."""
    data_copy: Path | None = None
    """The private copy of the data folder the kernels read (None without data)."""
    notebook_copies: dict[str, Path] = field(default_factory=dict)
    """The private copy of each notebook the kernels run, by name."""

    def stale(self, state: dict) -> list[tuple[Target, str]]:
        """Targets to build, each with the reason, given the recorded ``state``."""
        out = []
        for t in self.targets:
            reason = why_stale(t, state.get(t.key), self.options.force)
            if reason:
                out.append((t, reason))
        return out


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def _notebooks(opts: opt.Options, ws: Workspace):
    names = opts.notebooks or opt.notebook_names(opts.notebooks_dir)
    if not names:
        raise UsageError(f"no notebooks in {shown(opts.notebooks_dir)}")
    found = {}
    own = Path(os.path.abspath(paths.NOTEBOOKS))
    for n in names:
        name, path = opt.resolve_notebook(n, opts.notebooks_dir)
        opt.check_name(name, "notebook")
        if name in found:
            raise UsageError(f"notebook {excerpt(name)} is named twice")
        try:
            data = files.read_regular(path, MAX_NOTEBOOK)
        except files.UnreadableError as exc:
            why = "notebook not found" if exc.missing else exc.why
            raise NotebookSourceError(shown(path), why) from None
        copy = ws.notebook_copy(data)
        nb = read_notebook(copy, shown(path))
        trusted = Path(os.path.abspath(path)).parent == own
        found[name] = (path, copy, data, nb, trusted)
    return found


_KERNEL_NAME = re.compile(r"[A-Za-z0-9._-]{1,200}\Z")


def kernel(nb, where: str) -> str:
    """The kernelspec the notebook names, refused when it names none or one that is not
    installed (as papermill would fail, but before anything runs)."""
    spec = nb.metadata.get("kernelspec") or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(name, str) or not name:
        raise NotebookSourceError(where, "names no kernel (its metadata has no kernelspec); "
                                  "open it in JupyterLab, choose a kernel and save it")
    if name in NATIVE_KERNELS:  # no lookup needed (engine/kernels.py)
        return name
    display = spec.get("display_name")
    named = f"the kernelspec {excerpt(name)}" + (
        f" ({printable(str(display), 80)})" if display and display != name else "")
    if not _KERNEL_NAME.match(name):
        raise NotebookSourceError(where, f"names {named}, which is not a kernel name")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel:
        installed = sorted(set(manager.find_kernel_specs()) | {"python3", "bilateral"})
        raise NotebookSourceError(where, f"needs {named}, which is not installed here "
                                  f"(installed: {', '.join(installed)})") from None
    except Exception as exc:  # noqa: BLE001 - a kernel.json that cannot be read
        raise NotebookSourceError(where, f"needs {named}, which cannot be read "
                                  f"({excerpt(str(exc))})") from None
    return name


def _data(opts: opt.Options, ws: Workspace) -> tuple[Any, Path, str]:
    """Copy, validate and fingerprint the data folder; return the dataset (its ``folder``
    the user's), the private copy, and the user's folder as text for the notebooks."""
    given = Path(opts.data_dir)
    try:
        folder = Path(os.path.abspath(given)).resolve(strict=False)
    except (OSError, RuntimeError) as exc:
        raise DataError(str(given), f"the data folder cannot be resolved ({exc})") from None
    if not folder.is_dir():
        raise DataError(str(folder), "data folder not found")
    if path_text(folder) != str(folder):
        raise DataError(str(folder), "the data folder's path is not UTF-8 text (it is "
                        "written into the executed notebooks); rename the folder")
    reader = analyses.for_data()
    copy = ws.data_copy(folder, folder.parent, reader.data_files(folder))
    try:
        dataset = reader.load(copy)
    except DataError as exc:
        if str(copy) not in exc.file:
            raise
        # The loader names files relative to the folder's parent, so the copy's names are
        # the user's; a message naming the copy's folder itself is given the user's.
        raise type(exc)(exc.file.replace(str(copy), str(folder)), exc.why, exc.row,
                        exc.column) from None
    dataset.folder = folder
    return dataset, copy, recorded(folder)


def _check_cli_text(pairs: list[tuple[str, str]]) -> None:
    for name, value in pairs:
        if _has_surrogates(name) or _has_surrogates(value):
            raise ParameterError(printable(name, 100), f"{excerpt(value)} is not UTF-8 text "
                                 "(bytes that are not UTF-8 cannot be written into a notebook)")


def _takes_data(declared: dict) -> bool:
    """Whether a notebook reads the build's data folder: it declares ``data_dir: str``, as
    the project's notebooks do. An untyped ``data_dir = ...`` (a papermill notebook's own
    folder, most likely) is an ordinary parameter."""
    p = declared.get("data_dir")
    return p is not None and p.typed and p.type == "str"


def _analysis(checks, where: str):
    """The analysis a notebook's ``bilateral.checks`` names (None for none); an unknown
    name is refused."""
    if checks is None:
        return None
    found = analyses.for_checks(checks) if isinstance(checks, str) else None
    if found is None:
        raise ParameterError("checks", f"unknown checks {excerpt(str(checks))} in the "
                             f"notebook's metadata (known: {', '.join(analyses.known_checks())})",
                             where)
    return found


def _ask(analysis, hook: str, checks: str, dataset) -> str | None:
    """What the analysis's optional ``hook`` (``leaves_out``, ``title``) answers for this
    notebook and data, or None when it has no such hook (or there is no data)."""
    ask = getattr(analysis, hook, None) if analysis is not None else None
    return ask(checks, dataset) if ask is not None and dataset is not None else None


def _preflight(analysis, checks: str, dataset, values: dict, name: str,
               data_shown: str) -> None:
    try:
        analysis.preflight(checks, dataset, values, name)
    except (ValueError, ArithmeticError) as exc:
        raise AnalysisInputError(name, data_shown, excerpt(str(exc)).strip("'\"")) from None


BUILD_FILES = {"index.html": "the folder's index", "index.pdf": "the folder's index",
               STATE_FILE: "the build's state file"}
"""Files a build writes into the output folder beside the reports."""


def _no_collisions(out: Path, targets: list[Target]) -> None:
    """No two files the build writes have the same path: a notebook named ``index`` would
    publish ``index.html`` and then lose it to the folder's index. Refused before
    anything runs."""
    taken = {out / name: why for name, why in BUILD_FILES.items()}
    for t in targets:
        for name in t.outputs:
            path = t.out_dir / name
            if path in taken:
                raise UsageError(f"notebook {excerpt(t.name)}: its output {shown(path)} "
                                 f"would be overwritten by {taken[path]}; rename the "
                                 "notebook")
            taken[path] = f"{t.key}'s own {name}"


def plan(opts: opt.Options, ws: Workspace) -> Plan:
    """Validate everything and list the targets; reads inputs, writes only into ``ws``."""
    opt.check(opts)
    _check_cli_text(opts.parameters + opts.parameters_raw)
    notebooks = _notebooks(opts, ws)
    scenarios = opt.scenario_list(opts, list(notebooks))
    runs = opt.sweep_runs(opts, scenarios)
    swept = {name for name, _ in opts.sweeps}
    for name, _ in opts.parameters + opts.parameters_raw:
        if name in swept:
            raise UsageError(f"{name} is given both with -p/-r and with --sweep; give it "
                             "once")
    inputs = [("data folder", Path(opts.data_dir)), ("notebooks folder", opts.notebooks_dir),
              ("parameter sets folder", opts.params_dir), ("package", paths.PACKAGE)]
    inputs += [("notebook", path) for path, *_ in notebooks.values()]
    inputs += [("parameter file", Path(f)) for f in opts.parameter_files]
    out = opt.check_output(Path(opts.out_dir), inputs)

    declared_params, without = {}, {}
    for n, (path, _, _, nb, _) in notebooks.items():
        ps, why = notebook_parameters(nb, shown(path))
        if ps is None and (opts.parameters or opts.parameters_raw or opts.parameter_files
                           or opts.parameters_yaml or opts.parameters_base64
                           or runs != [opt.Run(None)]):
            raise NotebookSourceError(shown(path), f"{why}, so it cannot take parameters; "
                                      "build it without -p, -r, -f, -y, -b or --scenario")
        declared_params[n] = ps or {}
        if why:
            without[shown(path)] = why
    kernels = {n: kernel(nb, shown(path)) for n, (path, _, _, nb, _) in notebooks.items()}
    # papermill's order: -b, then -f, then -y (then -p, then -r); a scenario's file first.
    user_files = ([(option_name("-b", b), load_base64_option(b))
                   for b in opts.parameters_base64]
                  + [(f, load_file(f)) for f in opts.parameter_files]
                  + [(option_name("-y", y), load_yaml_option(y))
                     for y in opts.parameters_yaml])
    checks_of = {n: nb.metadata.get("bilateral", {}).get("checks")
                 for n, (_, _, _, nb, _) in notebooks.items()}
    analysis_of = {n: _analysis(checks_of[n], shown(notebooks[n][0])) for n in notebooks}
    dataset = data_copy = data_text = data_shown = None
    if any(_takes_data(declared_params[n]) or analysis_of[n] for n in notebooks):
        dataset, data_copy, data_text = _data(opts, ws)
        data_shown = shown(dataset.folder)
    code_digest = package_digest()
    versions_digest = sha(versions().encode())
    versions_ = results.versions()
    targets = []
    left_out = {n: why for n in notebooks if analysis_of[n] is not None
                and (why := _ask(analysis_of[n], "leaves_out", checks_of[n], dataset))}
    if opts.notebooks and len(left_out) == len(notebooks):
        # Every notebook asked for by name has nothing to report: an error, not a
        # successful build of nothing.
        name, why = next(iter(left_out.items()))
        raise UsageError(f"{name}: nothing to build on this data: {why}")
    for run in runs:
        scenario = run.name
        mappings = list(user_files)
        if run.scenario:
            sf = Path(opts.params_dir) / f"{run.scenario}.yaml"
            mappings.insert(0, (shown(sf), load_file(sf)))
        if run.sweep:  # after -b, -f and -y, before -p and -r (which may not name it)
            mappings.append(("--sweep", dict(run.sweep)))
        overrides = resolve(declared_params, opts.parameters, mappings,
                            raw=opts.parameters_raw, without=without)
        if any("data_dir" in overrides[n] for n in notebooks if _takes_data(declared_params[n])):
            raise UsageError("set the data folder with --data DIR, not as the parameter "
                             "data_dir: --data is validated before the build and hashed")
        for name, (path, copy, data, nb, trusted) in notebooks.items():
            if name in left_out:
                continue
            params = dict(overrides[name])
            defaults = {k: p.default for k, p in declared_params[name].items()}
            # Parameters that depend on each other or on the data, and every analysis and
            # sentence of the report, before any kernel starts.
            analysis, checks = analysis_of[name], checks_of[name]
            if analysis is not None:
                _preflight(analysis, checks, dataset, {**defaults, **params}, name,
                           data_shown)
            run_params = dict(params)
            if _takes_data(declared_params[name]):
                params["data_dir"] = data_text
                run_params["data_dir"] = str(data_copy)
            from_data = _ask(analysis, "title", checks, dataset)
            t = Target(name, path, scenario, params, out / scenario if scenario else out,
                       tuple(opts.formats), run_source=copy, run_parameters=run_params,
                       trusted=trusted, index=len(targets) + 1,
                       title=from_data or str(nb.metadata.get("title", name)),
                       titled_by_data=from_data is not None, notebook_bytes=data,
                       kernel=kernels[name])
            if trusted and analysis is not None:
                t.results = results.dumps(analysis.record(
                    checks, dataset, {**defaults, **params}, report=name, scenario=scenario,
                    title=t.title, versions_=versions_))
            t.digests = {
                "notebook": sha(data),
                "parameters": sha(json.dumps(params, sort_keys=True).encode()),
                "data": dataset.fingerprint if dataset is not None else "",
                "code": code_digest,
                "versions": versions_digest,
                "options": sha(f"{opts.show_code}|{opts.paper.lower()}".encode()),
            }
            targets.append(t)
    _no_collisions(out, targets)
    subfolders = [r.name for r in runs if r.name] + [opt.FAILED_DIR]
    opt.check_subfolders(out, subfolders, [t.out_dir / o for t in targets for o in t.outputs]
                         + [out / STATE_FILE])
    return Plan(targets, dataset, opts, out, [out] + [out / s for s in subfolders],
                list(left_out.items()), data_copy,
                {n: copy for n, (_, copy, _, _, _) in notebooks.items()})
