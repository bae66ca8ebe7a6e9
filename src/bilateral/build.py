"""Build reports: the engine's front door (see :mod:`bilateral.engine` for its modules).

``plan`` validates everything a build depends on before any kernel starts and before
anything is written; each stale target is executed and rendered in a worker process and
published with atomic renames; the output folders are locked while a build runs.
"""

from __future__ import annotations

from .engine.build import FORMATS, Options, Outcome, Plan, Reporter, Target, build, plan, preflight
from .engine.execute import cell_number as _cell_number
from .engine.execute import executed_cells as _executed_cells
from .engine.execute import running_index as _running_index
from .engine.options import notebook_names, resolve_notebook, scenario_names

__all__ = ["FORMATS", "Options", "Outcome", "Plan", "Reporter", "Target", "build", "plan",
           "preflight", "notebook_names", "resolve_notebook", "scenario_names",
           "_cell_number", "_executed_cells", "_running_index"]
