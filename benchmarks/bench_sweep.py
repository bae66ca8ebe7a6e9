"""Parallel efficiency of a sweep: one sweep of 24 reports built with ``--jobs 1``,
``--jobs 2`` and a local Dask cluster of 2 workers (``--scheduler local:2``), side by side
in one run.

For each: wall time, CPU time (this script's children, every process the build started
and waited for included), and efficiency = CPU time / (workers × wall time): 1.0 when
every worker is busy all the time. Targets: at least 0.85 for ``--jobs 2`` and for the
2 Dask workers. Dask's overhead per task is its extra CPU and wall time per report
against the local pool with the same number of workers.

Usage: ``.venv/bin/python benchmarks/bench_sweep.py [--repeat N] [--json FILE]``. Builds
into a temporary folder, removed at the end; it is a measurement, not a test: it exits 0
when every build ran, whether or not the targets are met.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SWEEP = ["--sweep", "horizon_year", "[2030, 2031, 2032, 2033, 2034, 2035]",
         "--sweep", "milestone_busd", "[300, 350, 400, 450]"]
REPORTS = 6 * 4
CONFIGS = [("jobs 1", 1, ["--jobs", "1"]), ("jobs 2", 2, ["--jobs", "2"]),
           ("dask local:2", 2, ["--scheduler", "local:2"])]
TARGET = 0.85


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(name: str, extra: list[str], out: Path) -> dict:
    cmd = [str(BIN / "bilateral"), "build", "trade", "--force", "--quiet", "--out", str(out),
           *SWEEP, *extra]
    cpu, wall = _cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    if proc.returncode != 0:
        print(f"{name}: failed ({proc.returncode}): {proc.stderr.strip()[-500:]}",
              file=sys.stderr)
        sys.exit(1)
    return {"wall": wall, "cpu": cpu}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="rounds (default 1)")
    ap.add_argument("--json", type=Path, help="also write the measurements to this file")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bilateral-bench-sweep-"))
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in CONFIGS}
    try:
        for i in range(args.repeat):
            order = CONFIGS if i % 2 == 0 else list(reversed(CONFIGS))
            for name, _, extra in order:
                print(f"round {i + 1}: {name} …", file=sys.stderr, flush=True)
                runs[name].append(run(name, extra, tmp / f"{i}-{name.replace(' ', '-')}"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = {}
    for name, workers, _ in CONFIGS:
        wall = statistics.median(r["wall"] for r in runs[name])
        cpu = statistics.median(r["cpu"] for r in runs[name])
        rows[name] = {"workers": workers, "wall": wall, "cpu": cpu,
                      "efficiency": cpu / (workers * wall),
                      "wall_spread": [min(r["wall"] for r in runs[name]),
                                      max(r["wall"] for r in runs[name])]}
    local, dask = rows["jobs 2"], rows["dask local:2"]
    overhead = {"cpu_per_task": (dask["cpu"] - local["cpu"]) / REPORTS,
                "wall_per_task": 2 * (dask["wall"] - local["wall"]) / REPORTS}
    print(f"sweep of {REPORTS} reports (trade, HTML and PDF), {args.repeat} round(s), "
          f"{os.cpu_count()} cores; median of the rounds")
    print(f"{'':14} {'workers':>7} {'wall s':>8} {'CPU s':>8} {'efficiency':>10}  target")
    for name, row in rows.items():
        target = "" if name == "jobs 1" else (
            f"≥ {TARGET} {'met' if row['efficiency'] >= TARGET else 'NOT met'}")
        print(f"{name:14} {row['workers']:>7} {row['wall']:>8.1f} {row['cpu']:>8.1f} "
              f"{row['efficiency']:>10.2f}  {target}")
    print(f"speed-up jobs 1 → jobs 2: {rows['jobs 1']['wall'] / local['wall']:.2f}×; "
          f"jobs 1 → dask: {rows['jobs 1']['wall'] / dask['wall']:.2f}×")
    print(f"Dask's overhead per report against the local pool: "
          f"{overhead['cpu_per_task']:+.2f} s CPU, {overhead['wall_per_task']:+.2f} s of "
          "a worker's time")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "medians": rows,
                                         "dask_overhead": overhead}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
