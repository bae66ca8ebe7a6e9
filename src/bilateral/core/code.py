"""The code a report was built with: a digest of the package's files, and the git commit
of the checkout it was installed from, when there is one.

The version number ("bilateral 0.1.0") names a release; a modified copy of the code keeps
it. The digest names the bytes: any change to a file that decides what a report says or
looks like changes it.
"""

from __future__ import annotations

import hashlib
import subprocess
from functools import cache
from pathlib import Path

from bilateral.core import paths

CODE_PATTERNS = ("*.py", "*.j2", "*.css", "*.json")
"""The package's files whose bytes decide whether reports are stale."""


def tree_digest(root: Path, patterns: tuple[str, ...]) -> str:
    """One digest of every file under ``root`` matching ``patterns`` (names and bytes)."""
    h = hashlib.sha256()
    for pattern in patterns:
        for p in sorted(root.rglob(pattern)):
            if "__pycache__" in p.parts or not p.is_file():
                continue
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


@cache
def package_digest() -> str:
    """The digest of the installed package's code (read once a process): what decides
    whether reports are stale."""
    return tree_digest(paths.PACKAGE, CODE_PATTERNS)


RENDERER_PARTS = ("core", "export")
"""The subpackages that turn an executed notebook into HTML and PDF."""


@cache
def renderer_digest() -> str:
    """The first 16 hex digits of a digest of the code that renders (:data:`RENDERER_PARTS`):
    a change elsewhere in the package (an analysis, the engine) leaves a PDF's bytes as
    they were, and ``verify`` can still expect the same bytes."""
    import hashlib as _h

    parts = "".join(tree_digest(paths.PACKAGE / p, CODE_PATTERNS) for p in RENDERER_PARTS)
    return _h.sha256(parts.encode()).hexdigest()[:16]


def code_digest() -> str:
    """The first 16 hex digits of :func:`package_digest`: the code a record names."""
    return package_digest()[:16]


@cache
def git_commit() -> str | None:
    """The commit of the git checkout the package was installed from, or None (installed
    from a wheel, git missing, not a checkout). What is uncommitted is not named here:
    the digest says whether the code is the same."""
    root = paths.PACKAGE.parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=10,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and len(commit) == 40 else None
