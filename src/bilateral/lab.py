"""A Jupyter server extension that keeps ``git status`` true after a notebook is saved.

git passes every notebook through nbstripout when it stages or compares one (the
``nbstripout`` filter, ``scripts/notebook-setup.sh``), so outputs never reach a commit.
But git takes a file whose size changed for modified before it looks at the content: a
notebook saved after Run All shows as modified although, stripped, it is what git has,
and ``git diff`` shows nothing. After each save of a tracked notebook, :func:`post_save`
tells git to look at the content next time (it sets the file's index entry to the same
blob with no recorded size). What is staged never changes; a notebook whose code or text
changed still shows as modified.

It also serves, at ``GET <base_url>bilateral/export-labels`` (authenticated and
authorized as jupyter_server's ``/api/nbconvert``), the label each installed nbconvert
exporter gives itself (``export_from_notebook``: "Bilateral report — HTML"), as JSON
``{name: label}`` (:func:`export_labels`). JupyterLab's own ``/api/nbconvert`` gives only
names, so its "Save and Export Notebook As" menu would show "Bilateral_html"; the
prebuilt JupyterLab extension in ``labextension/`` (``bilateral-labextension``) reads these
labels and shows them instead.

``make setup`` (``scripts/notebook-setup.sh``) enables the extension in the venv's
``etc/jupyter/jupyter_server_config.d/``, so every ``jupyter lab`` started from the venv
uses it, and copies ``labextension/`` into the venv's ``share/jupyter/labextensions/``.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import IOLoop

log = logging.getLogger(__name__)

LABELS_PATH = "bilateral/export-labels"
"""Where :class:`ExportLabelsHandler` answers, under the server's base URL."""


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=30, stdin=subprocess.DEVNULL).stdout


def forget_size(path: str | Path) -> bool:
    """Make git compare ``path`` by content on its next look, if git tracks it through the
    nbstripout filter; True when it did. Never raises: a save must not fail for git."""
    path = Path(path).resolve()
    if path.suffix != ".ipynb" or not path.is_file():
        return False
    try:
        top = Path(_git(path.parent, "rev-parse", "--show-toplevel").strip())
        rel = path.relative_to(top.resolve()).as_posix()
        attr = _git(top, "check-attr", "filter", "--", rel).strip()
        if not attr.endswith(": filter: nbstripout"):
            return False
        entry = _git(top, "ls-files", "--stage", "--", rel).split()
        if len(entry) != 4 or entry[2] != "0":  # untracked, or in a merge conflict
            return False
        mode, blob = entry[0], entry[1]
        _git(top, "update-index", "--cacheinfo", f"{mode},{blob},{rel}")
        return True
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        log.debug("git index not refreshed for %s: %s", path, exc)
        return False


def post_save(model: Any = None, os_path: str | None = None, contents_manager: Any = None,
              **kw: Any) -> None:
    """Jupyter's post-save hook: see :func:`forget_size`."""
    if os_path:
        forget_size(os_path)


def export_labels() -> dict[str, str]:
    """``{name: label}`` for each nbconvert exporter (of those ``/api/nbconvert`` lists)
    that names itself (``export_from_notebook``, a non-empty string). An exporter that
    fails to load is left out; none at all when nbconvert cannot list them."""
    from nbconvert.exporters import get_export_names, get_exporter

    try:
        names = get_export_names()
    except Exception as exc:  # an entry point that fails while nbconvert tries them all
        log.warning("nbconvert exporters not listed: %s", exc)
        return {}
    labels = {}
    for name in names:
        try:
            label = getattr(get_exporter(name), "export_from_notebook", None)
        except Exception as exc:  # an exporter that cannot be imported
            log.debug("nbconvert exporter %s not loaded: %s", name, exc)
            continue
        if isinstance(label, str) and label.strip():
            labels[name] = label.strip()
    return labels


class ExportLabelsHandler(APIHandler):
    """``GET bilateral/export-labels``: :func:`export_labels` as JSON, for the JupyterLab
    extension. Logged in and allowed to read ``nbconvert``, as for ``/api/nbconvert``."""

    auth_resource = "nbconvert"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        # Importing exporters reads files: not on the server's event loop.
        labels = await IOLoop.current().run_in_executor(None, export_labels)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(labels))


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "bilateral.lab"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    serverapp.contents_manager.register_post_save_hook(post_save)
    base_url = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(".*$", [(url_path_join(base_url, LABELS_PATH),
                                            ExportLabelsHandler)])
