"""The code passes ruff, as configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT


def test_ruff_passes():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests",
                             "benchmarks", "notebooks"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
