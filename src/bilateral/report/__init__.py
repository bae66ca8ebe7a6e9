"""The report on one body of figures: CGTN's trade and tourism figures of 16 May 2024.

=============  ==========================================================================
``data/``      load and validate a data folder (``figures``), quotes, consistency
``analysis/``  arithmetic: ``metrics``, the ``trade`` and ``tourism`` analyses
``story/``     words from numbers: every sentence, title and caption; ``fmt``
``claims``     the article's claims, each judged by the figures
``preflight``  a notebook's parameters checked with the data, before any kernel starts
``record``     a report's results record (``results.json``), computed from the above
``plugin``     what the build engine is given (entry point ``bilateral.reports``)
``jupyter/``   inside a notebook: ``frames``, ``charts``, ``display``, ``present``,
               ``narrative``, ``notebook``, ``whatif``, ``preview``
=============  ==========================================================================

A notebook imports the modules by their short names, wherever they live::

    from bilateral.report import charts, claims, figures, frames, trade

Importing this package registers nothing, except inside a Jupyter kernel: there the
compact HTML displays of its objects are registered with IPython
(:func:`bilateral.report.jupyter.display.register`).
"""

from __future__ import annotations

import importlib
import sys

MODULES = {
    "figures": "bilateral.report.data.figures",
    "quotes": "bilateral.report.data.quotes",
    "consistency": "bilateral.report.data.consistency",
    "metrics": "bilateral.report.metrics",
    "trade": "bilateral.report.analysis.trade",
    "tourism": "bilateral.report.analysis.tourism",
    "fmt": "bilateral.report.story.fmt",
    "story": "bilateral.report.story",
    "claims": "bilateral.report.claims",
    "preflight": "bilateral.report.preflight",
    "record": "bilateral.report.record",
    "frames": "bilateral.report.jupyter.frames",
    "charts": "bilateral.report.jupyter.charts",
    "display": "bilateral.report.jupyter.display",
    "present": "bilateral.report.jupyter.present",
    "narrative": "bilateral.report.jupyter.narrative",
    "notebook": "bilateral.report.jupyter.notebook",
    "whatif": "bilateral.report.jupyter.whatif",
    "preview": "bilateral.report.jupyter.preview",
}
"""Short name → module: what ``from bilateral.report import <name>`` gives."""

__all__ = sorted(MODULES)


def __getattr__(name: str):
    if name in MODULES:
        return importlib.import_module(MODULES[name])
    raise AttributeError(f"module 'bilateral.report' has no attribute {name!r}")


def _in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (an IPython shell with a kernel)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


if _in_kernel():
    from bilateral.report.jupyter.display import register as _register

    _register()
