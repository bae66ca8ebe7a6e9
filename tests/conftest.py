"""Fixtures shared by every test folder; the helpers they use are in ``support.py``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import DATA, run_cli


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ in the test's temporary folder."""
    dest = tmp_path / "data"
    shutil.copytree(DATA, dest)
    return dest


@pytest.fixture(scope="session")
def built_reports(tmp_path_factory) -> Path:
    """Every default report, built once per test session into a temporary folder."""
    out = tmp_path_factory.mktemp("reports")
    result = run_cli("build", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out
