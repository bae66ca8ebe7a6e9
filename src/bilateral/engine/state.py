"""Hashes and the state file: what each target was last built from, and whether it is stale.

``<out>/.bilateral-state.json`` maps each target's key to the digests of its inputs, the
SHA-256 of each output and how long it took. A state file this build cannot read (not
UTF-8, not JSON, not the expected shape, not a regular file) never blocks a build: it is
ignored with a warning, and what it described is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from bilateral.core import files
from bilateral.core.text import shown

STATE_FILE = ".bilateral-state.json"
MAX_STATE_BYTES = 16 * files.MiB
RENDER_PACKAGES = ("papermill", "nbconvert", "nbformat", "nbclient", "ipykernel",
                   "weasyprint", "pydyf", "matplotlib", "jinja2", "mistune", "pygments",
                   "bleach", "jupyter_client")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def versions() -> str:
    from importlib import metadata

    parts = [f"python={sys.version_info[0]}.{sys.version_info[1]}"]
    for name in RENDER_PACKAGES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=-")
    return ",".join(parts)


def _valid_entry(entry) -> bool:
    if not isinstance(entry, dict):
        return False
    digests, outputs = entry.get("digests"), entry.get("outputs")
    if not (isinstance(digests, dict) and isinstance(outputs, dict)):
        return False
    if not all(isinstance(v, str) for v in (*digests.values(), *outputs.values())):
        return False
    seconds = entry.get("seconds", 0.0)
    return isinstance(seconds, (int, float)) and not isinstance(seconds, bool)


def read_state(out_dir: Path) -> tuple[dict, str | None]:
    """The recorded state of ``out_dir`` (``{"targets": {key: entry}}``) and a warning
    when the file had to be ignored, wholly or in part."""
    path = Path(out_dir) / STATE_FILE
    try:
        raw = files.read_regular(path, MAX_STATE_BYTES)
    except files.UnreadableError as exc:
        if exc.missing:
            return {"targets": {}}, None
        return {"targets": {}}, _ignored(path, exc.why)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return {"targets": {}}, _ignored(path, "it is not UTF-8")
    except (ValueError, RecursionError):
        return {"targets": {}}, _ignored(path, "it is not JSON")
    if not isinstance(data, dict) or not isinstance(data.get("targets", {}), dict):
        return {"targets": {}}, _ignored(path, "it is not a mapping of targets")
    targets = data.get("targets", {})
    good = {k: v for k, v in targets.items() if isinstance(k, str) and _valid_entry(v)}
    warning = None
    if len(good) != len(targets):
        bad = sorted(str(k) for k in targets if k not in good)
        warning = _ignored(path, f"entries it cannot read: {', '.join(bad[:5])}"
                           + (" …" if len(bad) > 5 else ""))
    return {**data, "targets": good}, warning


def _ignored(path: Path, why: str) -> str:
    return (f"{shown(path)} was ignored ({why}); the reports it described are rebuilt "
            "and it is written anew")


def state_bytes(state: dict) -> bytes:
    return (json.dumps(state, indent=1, sort_keys=True) + "\n").encode()


def why_stale(t, recorded: dict | None, force: bool) -> str | None:
    """Why target ``t`` must be built, or None when its outputs are up to date."""
    if force:
        return "--force"
    if not recorded:
        return "never built here"
    for o in t.outputs:
        p = t.out_dir / o
        if not os.path.lexists(p):
            return f"{o} is missing"
    changed = [k for k, v in t.digests.items() if recorded.get("digests", {}).get(k) != v]
    if changed:
        return ", ".join(changed) + " changed"
    for o in t.outputs:
        if files.sha256_regular(t.out_dir / o) != recorded.get("outputs", {}).get(o):
            return f"{o} is not the file the last build recorded (changed since)"
    return None
