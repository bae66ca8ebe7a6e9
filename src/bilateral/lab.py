"""A Jupyter server extension that keeps ``git status`` true after a notebook is saved.

git passes every notebook through nbstripout when it stages or compares one (the
``nbstripout`` filter, ``scripts/notebook-setup.sh``), so outputs never reach a commit.
But git takes a file whose size changed for modified before it looks at the content: a
notebook saved after Run All shows as modified although, stripped, it is what git has,
and ``git diff`` shows nothing. After each save of a tracked notebook, :func:`post_save`
tells git to look at the content next time (it sets the file's index entry to the same
blob with no recorded size). What is staged never changes; a notebook whose code or text
changed still shows as modified.

``make setup`` (``scripts/notebook-setup.sh``) enables the extension in the venv's
``etc/jupyter/jupyter_server_config.d/``, so every ``jupyter lab`` started from the venv
uses it.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


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


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "bilateral.lab"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    serverapp.contents_manager.register_post_save_hook(post_save)
