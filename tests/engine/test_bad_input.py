"""Bad input is refused with exit code 2, one line on stderr, and the last good report intact.

Each folder of ``tests/engine/cases/`` is one case. Its ``case.yaml`` holds:

``args``
    Extra arguments of ``bilateral build``; ``{data}`` stands for the case's data folder
    (a fresh copy of ``data/``), ``{case}`` for the case folder itself.
``message``
    A substring the one-line error must contain.
``delete`` (optional)
    Paths, relative to the data folder, removed from the copy.

Files under ``<case>/data/`` are copied over the fresh copy of ``data/``, so a case
holds only the file it breaks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.support import DATA, run_cli, snapshot, write_files

CASES = Path(__file__).resolve().parent / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir()) if CASES.is_dir() else []
CASE_KEYS = {"args", "message", "delete"}

# The "last good report" every case must leave untouched: path → bytes.
LAST_GOOD = {
    "trade.html": b"<!doctype html><title>trade, last good build</title>\n",
    "trade.pdf": b"%PDF-1.7\n% last good trade report\n%%EOF\n",
    "trade.ipynb": b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
    "tourism.html": "<p>187\u202f000 \u2192 600\u202f000</p>\n".encode(),
    "sub/x.txt": b"\x00\x01binary\xffbytes\n",
    ".hidden": b"kept by hand\n",
    "sub/.also-hidden/y": b"y\n",
}


def _load_case(case_dir: Path) -> dict:
    with open(case_dir / "case.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _prepare_data(case_dir: Path, case: dict, dest: Path) -> Path:
    shutil.copytree(DATA, dest)
    for rel in case.get("delete") or []:
        target = dest / rel
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    broken = case_dir / "data"
    if broken.is_dir():
        shutil.copytree(broken, dest, dirs_exist_ok=True)
    return dest






def _expand(arg: str, data: Path, case_dir: Path) -> str:
    return arg.replace("{data}", str(data)).replace("{case}", str(case_dir))


def test_every_case_folder_has_a_case_file():
    """A case whose case.yaml is missing or misspelt would otherwise vanish silently."""
    assert CASES.is_dir(), f"{CASES} is missing"
    assert len(CASE_DIRS) >= 25, f"only {len(CASE_DIRS)} cases in {CASES}"
    stray = [p.name for p in CASES.iterdir() if not p.is_dir()]
    assert not stray, f"files outside a case folder: {stray}"
    for d in CASE_DIRS:
        assert (d / "case.yaml").is_file(), f"{d.name}: no case.yaml"
        case = _load_case(d)
        assert isinstance(case, dict), f"{d.name}: case.yaml is not a mapping"
        assert set(case) <= CASE_KEYS, f"{d.name}: unknown keys {set(case) - CASE_KEYS}"
        assert isinstance(case.get("args"), list), f"{d.name}: 'args' must be a list"
        assert all(isinstance(a, str) for a in case["args"]), f"{d.name}: args must be text"
        assert isinstance(case.get("message"), str) and case["message"].strip(), (
            f"{d.name}: 'message' must be non-empty text")
        assert "--out" not in case["args"], f"{d.name}: the test sets --out itself"
        for rel in case.get("delete") or []:
            assert (DATA / rel).exists(), f"{d.name}: delete names {rel}, not in data/"
        broken = d / "data"
        if broken.is_dir():
            for p in broken.rglob("*"):
                if p.is_file():
                    rel = p.relative_to(broken)
                    assert (DATA / rel).exists(), f"{d.name}: data/{rel} breaks no real file"


def test_bad_input_creates_no_output_folder(tmp_path: Path):
    """Refused before anything is written: not even the output folder or its lock."""
    case_dir = CASES / "value_text"
    case = _load_case(case_dir)
    data = _prepare_data(case_dir, case, tmp_path / "data")
    out = tmp_path / "not" / "yet"
    result = run_cli("build", *[_expand(a, data, case_dir) for a in case["args"]],
                     "--out", str(out), timeout=180)
    assert result.returncode == 2, result.stderr
    assert not (tmp_path / "not").exists()


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[d.name for d in CASE_DIRS])
def test_bad_input_is_refused_and_changes_nothing(case_dir: Path, tmp_path: Path):
    case = _load_case(case_dir)
    data = _prepare_data(case_dir, case, tmp_path / "data")
    out = tmp_path / "out"
    write_files(out, LAST_GOOD)
    before = snapshot(out)
    args = [_expand(a, data, case_dir) for a in case["args"]]

    result = run_cli("build", *args, "--out", str(out), timeout=180)

    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), (
        f"expected one line on stderr, got {len(lines)}:\n{result.stderr}")
    line = lines[0]
    assert line.startswith("bilateral: "), line
    assert case["message"] in line, f"{case['message']!r} not in {line!r}"
    assert result.returncode == 2, f"exit code {result.returncode}: {line}"
    assert result.stdout == "", result.stdout
    after = snapshot(out)
    assert sorted(after) == sorted(before), (
        f"paths changed: added {sorted(set(after) - set(before))}, "
        f"removed {sorted(set(before) - set(after))}")
    changed = [p for p in before if before[p] != after[p]]
    assert not changed, f"files changed: {changed}"
