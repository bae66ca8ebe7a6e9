"""The report's parameters as the build declares them, for functions called directly.

The notebooks' parameters cells (``horizon_year: int = 2030  # … [>= 1991, <= 2100]``)
are the one statement of each parameter's type and range: ``bilateral build``, papermill
and ``bilateral params`` read them. A function a notebook or an analyst calls with a
parameter (``claims.evaluate(ds, horizon_year=1800)``, ``trade.scenarios(…)``) checks the
value here, against the same declaration, and raises the same one-line
:class:`~bilateral.core.errors.ParameterError` a build gives.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from bilateral.core import paths
from bilateral.core.errors import ParameterError

REPORTS = ("trade", "tourism")
"""The notebooks whose parameters cells declare the report's parameters."""


@cache
def declared() -> dict[str, Any]:
    """Every parameter the reports' notebooks declare, by name (empty when the notebooks
    are not installed beside the package, as in a wheel: then nothing is checked)."""
    from bilateral.params import declared as read_declared
    from bilateral.params import read_notebook

    found: dict[str, Any] = {}
    for name in REPORTS:
        path = paths.NOTEBOOKS / f"{name}.ipynb"
        if not path.is_file():
            continue
        ps = read_declared(read_notebook(path, str(path)), name)
        for key, p in ps.items():
            found.setdefault(key, p)
    return found


def check(**values: Any) -> dict[str, Any]:
    """``values`` checked against their declarations (type, then range); returned as
    checked. A name no report declares is refused, naming the known ones."""
    from bilateral.params import check as check_type
    from bilateral.params import check_range

    known = declared()
    if not known:
        return values
    out = {}
    for name, value in values.items():
        p = known.get(name)
        if p is None:
            raise ParameterError(name, "unknown parameter (known: "
                                 f"{', '.join(sorted(k for k in known if k != 'data_dir'))})")
        if isinstance(value, int) and not isinstance(value, bool) and p.type == "float":
            value = float(value)
        typed = check_type(p, value)
        check_range(p, typed)
        out[name] = typed
    return out
