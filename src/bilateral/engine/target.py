"""One target's whole job, where it runs (a forked worker, or a Dask task's interpreter):
execute its notebook and render its reports into its staging folder."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bilateral.core.errors import BilateralError, TargetError
from bilateral.engine.options import Options
from bilateral.engine.plan import Target


@dataclass
class Outcome:
    """How a target ended: published (``ok``), up to date (``skipped``) or failed."""

    target: Target
    ok: bool
    skipped: bool = False
    error: BilateralError | None = None
    pages: int | None = None
    seconds: float = 0.0
    kernel_said: str = ""


def run_target(t: Target, staging_root: Path, opts: Options, report_date: str,
               kernel_dir: Path) -> Outcome:
    """Execute and render one target into its own staging folder (a worker's whole job)."""
    from bilateral.engine.execute import execute
    from bilateral.engine.render import OutOfTime, deadline, render
    from bilateral.export.weasy import PDFError

    start = time.perf_counter()
    ends = time.monotonic() + opts.timeout
    staging = staging_root / t.key.replace("/", "__")
    nb, said = execute(t, staging, ends, opts.timeout, kernel_dir)
    try:
        with deadline(ends):
            pages = render(nb, t, staging, opts, report_date)
    except OutOfTime:
        raise TargetError(t.key, f"Timeout: stopped after {opts.timeout} s while rendering "
                          "(--timeout bounds each report, rendering included)") from None
    except PDFError as exc:
        raise TargetError(t.key, f"the PDF cannot be laid out ({exc})") from None
    except OSError as exc:
        raise TargetError(t.key, f"cannot write the report ({exc.strerror or exc})") from None
    return Outcome(t, True, pages=pages, seconds=time.perf_counter() - start, kernel_said=said)




def warm_imports() -> None:
    """Import the tool chain a target needs, once, in a process that forks a child per
    target (the build before its workers start, a Dask worker's server)."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from bilateral.engine import execute  # noqa: F401
    from bilateral.export import html, pdf  # noqa: F401
