"""scripts/system-deps.sh: what it finds installed it does not ask for, however long the
listings it reads, and what is missing it names (as a user who is not root sees it)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support import ROOT

SCRIPT = ROOT / "scripts" / "system-deps.sh"


def fake_bin(folder: Path, libs: list[str], fonts: list[str], cjk: list[str]) -> Path:
    """ldconfig, fc-list and id that print what a machine with these would print: the
    wanted line first, then 200,000 more, so that a reader stopping early is noticed."""
    folder.mkdir()
    filler = 'for i in $(seq 200000); do echo "/usr/share/fonts/x$i.ttf: Filler"; done'
    scripts = {
        "ldconfig": "printf '%s\\n' " + " ".join(f"'{x}'" for x in libs) + f"\n{filler}",
        "fc-list": ('if [ "${1:-}" = ":lang=zh" ]; then printf "%s\\n" '
                    + " ".join(f"'{x}'" for x in cjk) + " ''; exit 0; fi\n"
                    "printf '%s\\n' " + " ".join(f"'{x}'" for x in fonts) + f"\n{filler}"),
        "id": "echo 1000",   # not root: the script only reports
    }
    for name, body in scripts.items():
        (folder / name).write_text(f"#!/bin/bash\n{body}\n")
        (folder / name).chmod(0o755)
    return folder


def run(bin_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin")
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env,
                          timeout=120)


LIBS = ["libpango-1.0.so.0 (libc6,x86-64) => /lib/libpango-1.0.so.0",
        "libharfbuzz-subset.so.0 (libc6,x86-64) => /lib/libharfbuzz-subset.so.0"]
FONTS = ["/usr/share/fonts/DejaVuSans.ttf: DejaVu Sans:style=Book"]
CJK = ["Noto Sans CJK SC"]


def test_everything_installed_asks_for_nothing(tmp_path):
    r = run(fake_bin(tmp_path / "bin", LIBS, FONTS, CJK))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_a_missing_harfbuzz_subset_is_named(tmp_path):
    r = run(fake_bin(tmp_path / "bin", LIBS[:1], FONTS, CJK))
    assert r.returncode == 1
    assert "Missing system packages: libharfbuzz-subset0" in r.stderr
    assert "DejaVu" not in r.stderr and "pango" not in r.stderr
