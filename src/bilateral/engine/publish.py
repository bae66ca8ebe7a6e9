"""Publish: move a target's finished files into place, and keep what a failure leaves.

Every file is complete in the staging folder before it is moved, one atomic rename each,
and a target's renames (and the state written after them) are not cut by an interrupt.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from bilateral.core import files
from bilateral.core.errors import TargetError
from bilateral.core.text import shown
from bilateral.engine import signals
from bilateral.engine.options import FAILED_DIR
from bilateral.engine.state import STATE_FILE, state_bytes


def publish(t, staging: Path, previous: dict | None = None) -> tuple[dict[str, str], list[str]]:
    """Move a target's files from ``staging`` into its output folder; return their hashes,
    and the files of its previous build it left because they were changed since.

    The files the previous build of this target published (``previous``, its state
    entry) that this build does not make (another format, a record a notebook of the same
    name no longer has) are removed when they are still exactly what that build wrote:
    nothing of an older generation stays beside the new one looking current."""
    hashes, kept = {}, []
    with signals.deferred():
        try:
            t.out_dir.mkdir(parents=True, exist_ok=True)
            for name in t.outputs:
                hashes[name] = files.sha256_regular(staging / name) or ""
            # A journal first: a build killed outright between two renames leaves it
            # beside the files not yet moved, and the next build moves them (roll
            # forward), so a report's files are never left half old, half new.
            journal = staging / JOURNAL
            journal.write_text(json.dumps({"folder": str(t.out_dir), "names": t.outputs}),
                               encoding="utf-8")
            for name in t.outputs:
                os.replace(staging / name, t.out_dir / name)
            journal.unlink()
            for name, digest in _previous_outputs(previous).items():
                if name in hashes:
                    continue
                old = t.out_dir / name
                if files.sha256_regular(old) == digest:
                    old.unlink()
                elif os.path.lexists(old):
                    kept.append(shown(old))
        except OSError as exc:
            raise TargetError(t.key, f"cannot publish into {shown(t.out_dir)} "
                              f"({exc.strerror or exc})") from None
    return hashes, kept


JOURNAL = "publishing.json"
"""In a target's staging folder while its files are being moved into place."""


def roll_forward(old_staging: Path, out_dir: Path) -> None:
    """Finish the publishing a build killed outright left half done in ``old_staging``
    (one of its staging folders, found by the next build under the same lock): move the
    files its journals still list into their folder, inside ``out_dir`` only."""
    for journal in old_staging.glob(f"*/{JOURNAL}"):
        try:
            entry = json.loads(files.read_regular(journal, files.MiB).decode("utf-8"))
            folder = Path(entry["folder"])
            names = [n for n in entry["names"] if isinstance(n, str)]
        except (OSError, ValueError, KeyError, TypeError, files.UnreadableError):
            continue
        try:
            folder = folder.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if not folder.is_relative_to(out_dir.resolve()):
            continue  # a journal names folders inside the output folder only
        for name in names:
            src = journal.parent / name
            if "/" in name or name.startswith(".") or not src.is_file() or src.is_symlink():
                continue
            with contextlib.suppress(OSError):
                os.replace(src, folder / name)


def _previous_outputs(entry: dict | None) -> dict[str, str]:
    """The files a state entry says its build published: plain names only (a state file
    edited by hand names nothing outside the folder)."""
    outputs = (entry or {}).get("outputs")
    if not isinstance(outputs, dict):
        return {}
    return {n: d for n, d in outputs.items() if isinstance(n, str) and isinstance(d, str)
            and n and "/" not in n and "\\" not in n and not n.startswith(".")
            and n not in (".", "..")}


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


def _render_index(p, folder: Path, pending=None, problems=None) -> list[str] | None:
    """``index.html`` (and ``index.pdf``) into ``folder``; the names written, or None when
    there is no record to list."""
    from bilateral.core.errors import InputError
    from bilateral.review import index

    try:
        page = index.page(p.out_dir, {t.key: t.title for t in p.targets}, pending,
                          p.dataset.fingerprint if p.dataset is not None else None,
                          problems)
    except InputError:
        return None
    names = ["index.html"]
    (folder / "index.html").write_text(page, encoding="utf-8")
    if "pdf" in p.options.formats:
        from bilateral.export.weasy import html_to_pdf

        pdf, _ = html_to_pdf(page)
        (folder / "index.pdf").write_bytes(pdf)
        names.append("index.pdf")
    return names


class EarlyIndex:
    """The index laid out while the last reports are still being built, on a core their
    workers leave idle, from what they will publish: their results records (computed at
    plan time), their formats, and the page counts their PDFs had in the last build. Used
    only when every report then ends well with those page counts; otherwise the index is
    laid out again at the end, as without it."""

    def __init__(self, p, staging: Path, pending: dict):
        import threading

        self.pending = pending
        self.folder = staging / "early-index"
        self.names: list[str] | None = None
        self.problems: list[str] = []
        self.failed = False

        def work():
            try:
                self.folder.mkdir()
                self.names = _render_index(p, self.folder, pending, self.problems)
            except Exception:  # noqa: BLE001 - the index is then laid out at the end
                self.failed = True

        self.thread = threading.Thread(target=work, name="early-index", daemon=True)
        self.thread.start()

    def matches(self, pages: dict[str, int | None]) -> bool:
        """Whether it shows what was published: rendered, and every PDF's page count as
        predicted."""
        self.thread.join()
        return (not self.failed and self.names is not None
                and all(pages.get(k) == v.pages for k, v in self.pending.items()
                        if "pdf" in v.formats))


def write_index(p, staging: Path, state: dict, early: EarlyIndex | None = None,
                pages: dict[str, int | None] | None = None,
                problems: list[str] | None = None) -> bool:
    """Write ``index.html`` (and ``index.pdf`` when PDFs are built) into the output folder:
    every report found there, from their results records (the early one when it shows
    exactly that). Complete in the staging folder first, then renamed into place; their
    hashes recorded in ``state`` (written again). Records it had to leave out (malformed,
    not regular files) are added to ``problems``. False when there is no record to
    list."""
    if early is not None and early.matches(pages or {}):
        folder, names = early.folder, early.names
        if problems is not None:
            problems += early.problems
    else:
        folder, names = staging, _render_index(p, staging, problems=problems)
    if names is None:
        return False
    with signals.deferred():
        hashes = {}
        for name in names:
            hashes[name] = files.sha256_regular(folder / name) or ""
            os.replace(folder / name, p.out_dir / name)
        # index.pdf of an earlier build with PDFs, when this one writes none: removed
        # while it is still what that build wrote (it would list that build's reports).
        for name, digest in _previous_outputs({"outputs": state.get("index")}).items():
            if name not in hashes and name in ("index.html", "index.pdf") \
                    and files.sha256_regular(p.out_dir / name) == digest:
                (p.out_dir / name).unlink()
        state["index"] = hashes
        write_state(p.out_dir, staging, state)
    return True
