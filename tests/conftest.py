"""Shared fixtures: the project's folders, a copy of the data to break, a built report set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"
BILATERAL = [sys.executable, "-m", "bilateral.cli"]


def write_files(root: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (relative path → bytes) under ``root``: a "last good" report set."""
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root``, hidden ones included: folders map to None, files to bytes."""
    found: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        for d in dirs:
            found[(base / d).relative_to(root).as_posix() + "/"] = None
        for f in files:
            found[(base / f).relative_to(root).as_posix()] = (base / f).read_bytes()
    return found


def edit_line(path: Path, line_no: int, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once) on line ``line_no`` (1-based)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    line = lines[line_no - 1]
    assert line.count(old) == 1, f"{path.name} line {line_no} changed: {line!r}"
    lines[line_no - 1] = line.replace(old, new)
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ in the test's temporary folder."""
    dest = tmp_path / "data"
    shutil.copytree(DATA, dest)
    return dest


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``bilateral`` through the real command line, as an automated job would."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("TERM", None)
    return subprocess.run([*BILATERAL, *args], capture_output=True, text=True, cwd=cwd or ROOT,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def built_reports(tmp_path_factory) -> Path:
    """Every default report, built once per test session into a temporary folder."""
    out = tmp_path_factory.mktemp("reports")
    result = run_cli("build", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def set_figure(folder: Path, figure_id: str, **fields: str) -> None:
    """Change the columns ``fields`` of the row ``figure_id`` in a data folder, wherever it is
    (``figures.csv`` or ``context/*.csv``). Other rows keep their bytes."""
    import csv
    import io

    for path in [folder / "figures.csv", *sorted((folder / "context").glob("*.csv"))]:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = next(csv.reader([lines[0]]))
        for i, line in enumerate(lines[1:], start=1):
            row = next(csv.reader([line]))
            if row and row[0] == figure_id:
                record = dict(zip(header, row))
                unknown = set(fields) - set(header)
                assert not unknown, f"no columns {unknown} in {path.name}"
                record.update({k: str(v) for k, v in fields.items()})
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerow([record[h] for h in header])
                lines[i] = buf.getvalue()
                path.write_text("".join(lines), encoding="utf-8")
                return
    raise AssertionError(f"no row {figure_id!r} in {folder}")
