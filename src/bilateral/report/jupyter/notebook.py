"""A notebook's parameters checked inside its kernel, as ``bilateral build`` checks them.

``bilateral build`` checks every parameter before any kernel starts: its type and the
range its ``parameters`` cell declares (:mod:`bilateral.params.cell`), then what depends on
other parameters or on the data (:mod:`bilateral.report.preflight`). An analyst who edits the
parameters cell in JupyterLab and runs all skips the build; the cell after the
parameters cell calls :func:`parameters`, which runs the same code on the values the
kernel holds, so a value out of range stops the notebook with the message the command
line prints, and the values shown in the report are converted as the build converts
them (``350`` for a ``float`` parameter is ``350.0``, as ``-p milestone_busd 350`` gives).

The declarations are read from the notebook file (``<name>.ipynb`` in the kernel's
working folder, which is the notebook's folder in JupyterLab and in a build; else in
``notebooks/``) with :mod:`json`, not nbformat, whose import costs seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bilateral.core import paths
from bilateral.core.errors import NotebookSourceError, ParameterError
from bilateral.params import Parameter, check, check_range, declared
from bilateral.report import preflight
from bilateral.report.data.figures import Dataset


class _Node(dict):
    """A notebook's JSON with attribute access, as :mod:`bilateral.params.cell` reads it."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _node(value: Any) -> Any:
    if isinstance(value, dict):
        node = _Node({k: _node(v) for k, v in value.items()})
        if isinstance(node.get("source"), list):
            node["source"] = "".join(node["source"])
        return node
    if isinstance(value, list):
        return [_node(v) for v in value]
    return value


def notebook_path(name: str) -> Path:
    """The file of the notebook ``name``: in the working folder, else in ``notebooks/``."""
    here = Path.cwd() / f"{name}.ipynb"
    return here if here.is_file() else paths.NOTEBOOKS / f"{name}.ipynb"


def declarations(name: str) -> tuple[dict[str, Parameter], str | None]:
    """The parameters the notebook ``name`` declares, and the sense checks its metadata
    names (``bilateral.checks``)."""
    path = notebook_path(name)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotebookSourceError(str(path), "notebook not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookSourceError(str(path), f"is not a readable notebook ({exc})") from None
    nb = _node(raw)
    return declared(nb, path.name), nb.get("metadata", {}).get("bilateral", {}).get("checks")


def parameters(name: str, ds: Dataset, **values: Any) -> dict[str, Any]:
    """Check the values of the notebook ``name``'s parameters as ``bilateral build`` does.

    Each value must be declared, fit its type and its declared range; then the
    notebook's sense checks run with every parameter (defaults for those not given).

    Returns
    -------
    dict
        The values given, converted to their declared types, in the order given: the
        parameters the report's title block lists.

    Raises
    ------
    ParameterError
        With the message ``bilateral build -p`` gives for the same value.
    """
    declared_params, checks = declarations(name)
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in declared_params:
            raise ParameterError(key, f"unknown parameter (known: "
                                 f"{', '.join(sorted(declared_params))})", name)
        p = declared_params[key]
        converted = check(p, value, name)
        check_range(p, converted, name)
        out[key] = converted
    everything = {k: p.default for k, p in declared_params.items()}
    everything.update(out)
    preflight.check(checks, ds, everything, name)
    return out
