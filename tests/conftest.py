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
