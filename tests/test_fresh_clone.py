"""A fresh clone: set up by make, notebooks run and saved as JupyterLab does, still clean.

The clone is set up with ``make setup`` (the git filter in its .git/config, the Jupyter
server extension), using this checkout's venv for the packages (``-o`` keeps make from
reinstalling them; the clone's own ``src/`` comes first on the path). Each notebook is
executed in place by a kernel and saved through a Jupyter server's contents API, which is
how JupyterLab saves, with the metadata JupyterLab writes. Then ``git status`` shows
nothing in ``notebooks/``, nothing staged has outputs, and the tests that read the
committed notebooks pass in the clone through ``make check`` (the rest of the suite is
this run's own: running it twice would only double its time).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from tests.support import ROOT, LabServer, git

pytestmark = pytest.mark.slow

INSIDE = "BILATERAL_IN_FRESH_CLONE"
VENV = Path(sys.prefix)


def _make(clone: Path, env: dict, *args: str, timeout: int = 900):
    cmd = ["make", "--no-print-directory", "-C", str(clone), f"VENV={VENV}",
           "-o", f"{VENV}/.installed", "-o", f"{VENV}/.installed-test", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def save_as_jupyterlab(server: LabServer, rel: str, nb) -> None:
    """PUT the notebook to the server's contents API, as JupyterLab's Ctrl+S does."""
    body = json.dumps({"type": "notebook", "format": "json", "content": nb}).encode()
    req = urllib.request.Request(f"{server.base}/api/contents/{rel}", data=body, method="PUT",
                                 headers={"Authorization": f"token {server.token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status in (200, 201), r.status


@pytest.mark.skipif(os.environ.get(INSIDE) == "1", reason="already inside a fresh clone")
@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None,
                    reason="needs git and make")
def test_fresh_clone_run_all_save_then_clean_and_make_test_passes(tmp_path, monkeypatch):
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout with a commit")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = dict(os.environ, PYTHONPATH=str(clone / "src"), **{INSIDE: "1"})
    env.pop("PYTEST_ADDOPTS", None)
    setup = _make(clone, env, "setup")
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "nbstripout" in git(clone, "config", "--get", "filter.nbstripout.clean")

    spec = KernelSpecManager().get_kernel_spec("bilateral")  # the notebooks' kernel
    monkeypatch.setenv("PYTHONPATH", str(clone / "src"))  # the kernels import the clone's
    server = LabServer(clone, tmp_path / "home", PYTHONPATH=str(clone / "src"))
    try:
        for path in sorted((clone / "notebooks").glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=300, kernel_name="bilateral",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            # What JupyterLab writes: the running kernel's spec, the kernel's language_info.
            nb.metadata["kernelspec"] = {"display_name": spec.display_name,
                                         "language": spec.language, "name": "bilateral"}
            save_as_jupyterlab(server, f"notebooks/{path.name}", nb)
            saved = json.loads(path.read_text(encoding="utf-8"))
            assert any(c.get("outputs") for c in saved["cells"]), f"{path.name}: no outputs"
            assert saved["metadata"]["language_info"].get("version"), "not as a kernel ran it"
    finally:
        server.stop()

    assert git(clone, "status", "--porcelain", "notebooks/") == ""
    assert git(clone, "diff", "--stat") == ""
    git(clone, "add", "-A")  # what an analyst's `git add` / `git commit -a` would take
    assert git(clone, "diff", "--cached", "--stat") == ""

    tests = _make(clone, env, "check",
                  "ARGS=-q -p no:cacheprovider tests/report/test_notebooks.py "
                  "tests/test_environment.py",
                  timeout=900)
    tail = (tests.stdout + tests.stderr)[-4000:]
    assert tests.returncode == 0, tail
    assert " passed" in tail and " failed" not in tail, tail
