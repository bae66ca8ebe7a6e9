"""A machine without Pango: the PDF engine's absence is named, and HTML still builds."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

# Run bilateral in a process where importing weasyprint fails the way it does when
# the system's Pango library is missing (WeasyPrint raises OSError from cffi's dlopen).
NO_PANGO = """
import sys
class NoPango:
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': No such file or directory")
sys.meta_path.insert(0, NoPango())
from bilateral.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _run(*args):
    return subprocess.run([sys.executable, "-c", NO_PANGO, *args], capture_output=True,
                          text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=600)


def test_missing_pango_is_named_with_the_package_to_install(tmp_path):
    result = _run("build", "tourism", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "apt-get install libpango-1.0-0" in result.stderr
    assert "--formats html" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_html_still_builds_without_pango(tmp_path):
    result = _run("build", "tourism", "--formats", "html", "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "tourism.html").stat().st_size > 10_000
    assert not (tmp_path / "out" / "tourism.pdf").exists()
