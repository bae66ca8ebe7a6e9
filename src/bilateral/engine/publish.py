"""Publish: move a target's finished files into place, and keep what a failure leaves.

Every file is complete in the staging folder before it is moved, one atomic rename each,
and a target's renames (and the state written after them) are not cut by an interrupt.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import files
from ..errors import TargetError
from ..text import shown
from . import signals
from .options import FAILED_DIR
from .state import STATE_FILE, state_bytes


def publish(t, staging: Path) -> dict[str, str]:
    """Move a target's files from ``staging`` into its output folder; return their hashes."""
    hashes = {}
    with signals.deferred():
        try:
            t.out_dir.mkdir(parents=True, exist_ok=True)
            for name in t.outputs:
                src = staging / name
                hashes[name] = files.sha256_regular(src) or ""
                os.replace(src, t.out_dir / name)
        except OSError as exc:
            raise TargetError(t.key, f"cannot publish into {shown(t.out_dir)} "
                              f"({exc.strerror or exc})") from None
    return hashes


def keep_failed(t, staging: Path, out_root: Path) -> str | None:
    """Move the failed executed notebook to ``<out>/_failed/``; return where it went."""
    src = staging / f"{t.name}.ipynb"
    if not src.is_file():
        return None
    dest = out_root / FAILED_DIR / (f"{t.scenario}__{t.name}.ipynb" if t.scenario
                                    else f"{t.name}.ipynb")
    with signals.deferred():
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
        except OSError:
            return None
    return shown(dest)


def write_state(out_dir: Path, staging: Path, state: dict) -> None:
    """Write the state file: complete in the staging folder, then renamed into place."""
    tmp = staging / "state.json"
    with signals.deferred():
        try:
            tmp.write_bytes(state_bytes(state))
            os.replace(tmp, out_dir / STATE_FILE)
        except OSError as exc:
            raise TargetError("state", f"cannot write {shown(out_dir / STATE_FILE)} "
                              f"({exc.strerror or exc})") from None


def write_index(p, staging: Path) -> bool:
    """Write ``index.html`` (and ``index.pdf`` when PDFs are built) into the output folder:
    every report found there, from their results records. Complete in the staging
    folder first, then renamed into place. False when there is no record to list."""
    from ..errors import InputError
    from ..review import index

    try:
        page = index.page(p.out_dir, {t.key: t.title for t in p.targets})
    except InputError:
        return False
    names = ["index.html"]
    (staging / "index.html").write_text(page, encoding="utf-8")
    if "pdf" in p.options.formats:
        from ..pdf import html_to_pdf

        pdf, _ = html_to_pdf(page)
        (staging / "index.pdf").write_bytes(pdf)
        names.append("index.pdf")
    with signals.deferred():
        for name in names:
            os.replace(staging / name, p.out_dir / name)
    return True
