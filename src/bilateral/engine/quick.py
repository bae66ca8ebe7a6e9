"""The answer to a build with nothing to do, without planning it.

Planning validates every input, which means importing nbformat (and jsonschema), reading
the data and computing every report's sentences: about half a second. When the inputs
have not changed at all since the last build that ended well, that work can only
conclude "up to date". So a build that ends with every target published or up to date
records a *stamp* in the state file: a digest of the options and of the raw bytes of
every input (data files, notebooks, scenario and parameter files, the package's code,
the installed distributions), with the digest of each target's recorded inputs.

The next build with the same options first computes the same digest (a few milliseconds
of hashing). When it matches, and every target's entry and every output on disk is still
what was recorded, the build is up to date and nothing else is read or imported.
Anything else (a byte changed, a file missing or odd, a state file that cannot be read,
``--force``) returns None, and the full plan decides, with its own messages.

The stamp is recorded only when the inputs hashed before the plan read them are the
inputs hashed after: an input edited while the build read it leaves no stamp.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

from bilateral.core import files, paths
from bilateral.core.code import CODE_PATTERNS
from bilateral.engine import options as opt
from bilateral.engine.state import STATE_FILE, read_state, sha

SCHEME = "bilateral-stamp-1"
MAX_STAMPS = 8
"""Stamps kept per output folder (one per set of options), the oldest dropped first."""
MAX_INPUT_BYTES = 256 * files.MiB
"""More input than this is not hashed here; the full plan reads it (and bounds it)."""


class _OddInputError(Exception):
    """An input the fast answer does not handle: the full plan decides."""


def _real(p) -> str:
    return os.path.realpath(os.path.abspath(p))


def options_key(opts: opt.Options) -> str:
    """The options that decide what is built and how, as one digest. Paths are resolved
    (a link pointed elsewhere is another build); ``--jobs``, ``--timeout``, ``--force``,
    ``--dry-run``, ``--quiet`` and ``--debug`` do not change a report."""
    fields = {
        "cwd": _real("."), "notebooks": list(opts.notebooks),
        "parameters": [list(p) for p in opts.parameters],
        "parameters_raw": [list(p) for p in opts.parameters_raw],
        "parameter_files": [_real(f) for f in opts.parameter_files],
        "parameters_yaml": list(opts.parameters_yaml),
        "parameters_base64": list(opts.parameters_base64),
        "scenarios": list(opts.scenarios), "all_scenarios": opts.all_scenarios,
        "sweeps": [list(x) for x in opts.sweeps],
        "data_dir": _real(opts.data_dir), "out_dir": _real(opts.out_dir),
        "formats": list(opts.formats), "show_code": opts.show_code,
        "paper": opts.paper.lower(), "notebooks_dir": _real(opts.notebooks_dir),
        "params_dir": _real(opts.params_dir),
    }
    return sha(json.dumps(fields, sort_keys=True, ensure_ascii=True,
                          default=str).encode("utf-8", "surrogateescape"))


class _Hasher:
    def __init__(self):
        self.h = hashlib.sha256(SCHEME.encode())
        self.total = 0

    def text(self, label: str, value: str) -> None:
        self.h.update(f"{label}\0{value}\0".encode("utf-8", "surrogateescape"))

    def file(self, label: str, path: Path, missing_ok: bool = False,
             read_from: Path | None = None) -> None:
        """A regular file's bytes (bounded), read from ``read_from`` when given (a copy of
        ``path``); a missing one when ``missing_ok``."""
        try:
            data = files.read_regular(read_from or path, MAX_INPUT_BYTES - self.total)
        except files.UnreadableError as exc:
            if exc.missing and missing_ok:
                self.text(label, f"missing {path}")
                return
            raise _OddInputError() from None
        self.total += len(data)
        self.text(label, str(path))
        self.h.update(hashlib.sha256(data).digest())

    def folder(self, label: str, root: Path, patterns: tuple[str, ...]) -> None:
        for pattern in patterns:
            for p in sorted(root.rglob(pattern)):
                if "__pycache__" not in p.parts:
                    self.file(label, p)


def _installed() -> str:
    """The interpreter and every distribution on its path, by name and version (from the
    ``*.dist-info`` folders' names): an upgrade anywhere is a change."""
    names = [sys.version, sys.executable]
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as it:
                names += sorted(e.name for e in it if e.name.endswith((".dist-info",
                                                                       ".egg-info")))
        except OSError:
            continue
    return "\n".join(names)


def inputs_digest(opts: opt.Options, data_copy: Path | None = None,
                  notebook_copies: dict[str, Path] | None = None) -> str | None:
    """One digest of the raw bytes of everything the build reads; None when an input is
    missing, unreadable, not a regular file or too large (the plan says what is wrong).

    With ``data_copy`` and ``notebook_copies`` (the build's private copies, by notebook
    name), the data files and notebooks are read from those copies: the same digest then
    says that what the kernels read is what the inputs hold."""
    from bilateral.core.analyses import for_data

    h = _Hasher()
    try:
        h.text("installed", _installed())
        data_dir = Path(opts.data_dir)
        for p in for_data().data_files(data_dir):
            h.file("data", p, missing_ok=True, read_from=None if data_copy is None
                   else data_copy / p.relative_to(data_dir))
        for n in opts.notebooks or opt.notebook_names(opts.notebooks_dir):
            name, path = opt.resolve_notebook(n, opts.notebooks_dir)
            h.text("notebook", name)
            h.file("notebook", path, read_from=None if notebook_copies is None
                   else notebook_copies[name])
        if opts.scenarios or opts.all_scenarios:
            for s in opt.scenario_names(opts.params_dir):
                h.file("scenario", Path(opts.params_dir) / f"{s}.yaml")
        for f in opts.parameter_files:
            h.file("parameter file", Path(f))
        h.folder("package", paths.PACKAGE, CODE_PATTERNS)
    except Exception:  # noqa: BLE001 - an odd input or a bad name: the plan says what
        return None
    return h.h.hexdigest()


def _output_intact(path: Path, recorded: str | None) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISREG(st.st_mode) and recorded is not None
            and files.sha256_regular(path) == recorded)


def up_to_date(opts: opt.Options) -> list[str] | None:
    """The keys of the targets, in build order, when nothing needs building; else None."""
    if opts.force:
        return None
    try:
        opt.check(opts)
    except Exception:  # noqa: BLE001 - the plan gives the message
        return None
    out = Path(opts.out_dir)
    state, warning = read_state(out)
    stamp = stamp_of(state, opts) if not warning else None
    if stamp is None or not isinstance(stamp.get("targets"), list):
        return None
    if stamp.get("inputs") != inputs_digest(opts):
        return None
    keys = []
    for item in stamp["targets"]:
        if not (isinstance(item, list) and len(item) == 2
                and all(isinstance(x, str) for x in item)):
            return None
        key, digest = item
        *scenario, name = key.split("/")
        if len(scenario) > 1 or not all(opt.SAFE_NAME.match(part) for part in scenario) \
                or not name or name.startswith("."):
            return None  # not a key a build makes: never a path out of the folder
        entry = state["targets"].get(key)
        if entry is None or sha(json.dumps(entry["digests"], sort_keys=True).encode()) != digest:
            return None
        folder = out / key.rpartition("/")[0] if "/" in key else out
        for name, recorded in entry["outputs"].items():
            if "/" in name or name.startswith(".") or not _output_intact(folder / name,
                                                                         recorded):
                return None
        keys.append(key)
    return keys


def stamp_of(state: dict, opts: opt.Options) -> dict | None:
    """The stamp ``state`` holds for these options, or None (none, or not of the shape a
    build writes: a state file edited by hand is only ever a reason to plan)."""
    stamps = state.get("stamps")
    stamp = stamps.get(options_key(opts)) if isinstance(stamps, dict) else None
    return stamp if isinstance(stamp, dict) else None


def remember(state: dict, opts: opt.Options, inputs: str | None, targets) -> None:
    """Record in ``state`` (not yet written) that ``targets`` are up to date for these
    options and inputs; drop the stamp when ``inputs`` is None."""
    stamps = state.get("stamps")
    stamps = dict(stamps) if isinstance(stamps, dict) else {}
    key = options_key(opts)
    stamps.pop(key, None)
    if inputs is not None:
        serial = max(map(_serial, stamps.values()), default=0) + 1
        stamps[key] = {"inputs": inputs, "n": serial,
                       "targets": [[t.key, t.digest] for t in targets]}
    while len(stamps) > MAX_STAMPS:  # the least recently recorded goes first
        stamps.pop(min(stamps, key=lambda k: _serial(stamps[k])))
    state["stamps"] = stamps


def _serial(stamp) -> int:
    n = stamp.get("n", 0) if isinstance(stamp, dict) else 0
    return n if isinstance(n, int) else 0


__all__ = ["STATE_FILE", "inputs_digest", "options_key", "remember", "stamp_of",
           "up_to_date"]
