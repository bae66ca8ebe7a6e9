"""The kernels a build starts without looking them up.

``python3`` (and ``python``, jupyter_client's alias of it) is ipykernel's own kernel,
installed with bilateral. ``bilateral`` is the project's kernel, "bilateral (.venv)": the
kernelspec ``make setup`` installs into the project's environment so that JupyterLab
offers it (``scripts/notebook-setup.sh``). A build runs a notebook that names it with
the interpreter that runs the build, whether or not that kernelspec is installed, and
whichever clone's environment installed the one Jupyter would find first: the kernel
that can import the ``bilateral`` running the build is the one it means.
"""

from __future__ import annotations

import sys

PROJECT_KERNEL = "bilateral"
PROJECT_KERNEL_DISPLAY = "bilateral (.venv)"
NATIVE_KERNELS = ("python3", "python", PROJECT_KERNEL)
"""Kernel names a build starts as this interpreter's ipykernel (and may fork warm)."""


def project_spec():
    """The kernelspec of ``bilateral``, for this interpreter (what ``ipykernel install``
    writes, without the frozen-modules flag a warm fork does not need)."""
    from jupyter_client.kernelspec import KernelSpec

    return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                            "{connection_file}"],
                      display_name=PROJECT_KERNEL_DISPLAY, language="python",
                      metadata={"debugger": True})
