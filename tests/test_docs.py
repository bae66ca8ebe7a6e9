"""The reference site: MkDocs builds it with --strict (every link to a page or an anchor
resolves), and the built pages fetch nothing from the network."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "-f", str(config), "-d", str(site)],
                          capture_output=True, text=True, timeout=120)


def test_the_site_builds_with_every_link_resolved(tmp_path):
    result = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    pages = sorted(p.relative_to(tmp_path / "site").as_posix()
                   for p in (tmp_path / "site").glob("*/index.html"))
    assert pages == [f"{n}/index.html" for n in ("architecture", "benchmark", "claims", "exporters",
                                                   "notebooks", "parameters", "reports",
                                                   "review")]
    for page in (tmp_path / "site").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//', html)
        assert not remote, f"{page.name} fetches from the network: {remote}"


def test_a_broken_link_fails_the_build(tmp_path):
    """The check above can fail: a link to an anchor that no page has stops the build."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs", symlinks=False)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with (tmp_path / "docs" / "review.md").open("a", encoding="utf-8") as f:
        f.write("\nSee [the options](parameters.md#no-such-section).\n")
    result = mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-section" in result.stderr
