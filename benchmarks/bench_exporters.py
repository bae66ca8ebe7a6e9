#!/usr/bin/env python3
"""The exporters against stock nbconvert on real notebooks, side by side in one run.

For every notebook of a corpus (``tests/corpus``: tutorial notebooks with their committed
outputs, nobody's here; or any folder given with ``--corpus``), one process per notebook
and format, as a user types it:

    jupyter nbconvert --to html            NB     stock HTML
    jupyter nbconvert --to bilateral_html  NB
    jupyter nbconvert --to webpdf          NB     stock PDF, Debian's Chromium
    jupyter nbconvert --to bilateral_pdf   NB

The four commands of a notebook run back to back, their order rotated every round, so
machine noise falls on each alike. Every measurement is repeated ``--repeat`` times; min,
median, p90 and max are printed per notebook, and the ratio of the medians per notebook.

Targets (issue 25): ``bilateral_html`` no slower than ``--to html`` on the median
notebook (the median over notebooks of the per-notebook ratio ≤ 1.0); ``bilateral_pdf``
no slower than ``webpdf`` on the median notebook, and within 1.3× on its slowest
(the largest per-notebook ratio ≤ 1.3: WeasyPrint lays out on one core, Chromium on
several). It is a measurement, not a test: it exits 0 when every command ran, met or not;
1 when a command failed; 2 on bad usage; 130 when interrupted.

Usage: ``.venv/bin/python benchmarks/bench_exporters.py [--repeat N] [--corpus DIR]
[--json FILE]``. Everything is written into a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import (  # noqa: E402 - the benchmarks' shared runner, beside this file
    ROOT,
    Contention,
    Runner,
    choose_pdf_route,
    executable,
    exit_status,
    say,
    spread_of,
    venv_env,
)

CORPUS = ROOT / "tests" / "corpus"
FORMATS = ("html", "bilateral_html", "webpdf", "bilateral_pdf")
PAIRS = (("bilateral_html", "html", 1.0, None), ("bilateral_pdf", "webpdf", 1.0, 1.3))
"""(ours, stock, the median notebook's ratio at most, the slowest notebook's at most)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench_exporters.py",
        description="Time --to bilateral_html and --to bilateral_pdf against stock --to html "
        "and --to webpdf on a corpus of real notebooks, one process per notebook and format.",
        epilog="Exit status 0 whether or not the targets are met; 1 if a command failed; "
        "2 bad usage; 130 interrupted.")
    p.add_argument("--repeat", type=int, default=5, metavar="N",
                   help="rounds; min, median, p90 and max are reported (default: 5)")
    p.add_argument("--corpus", type=Path, default=CORPUS, metavar="DIR",
                   help="folder of executed notebooks (default: tests/corpus)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results to FILE")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if not args.corpus.is_dir() or not sorted(args.corpus.glob("*.ipynb")):
        p.error(f"{args.corpus}: no notebooks (*.ipynb) in that folder")
    return args


def measure(args: argparse.Namespace, tmp: Path) -> dict:
    env = venv_env()
    route, pdf_env, pdf_how = choose_pdf_route(tmp, env)
    if route != "webpdf":
        raise SystemExit(f"bench: no stock PDF to compare with: {pdf_how}")
    notebooks = sorted(args.corpus.glob("*.ipynb"))
    # The notebooks' folders' other files (images they name) travel with them.
    work = tmp / "corpus"
    shutil.copytree(args.corpus, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    runner = Runner(tmp, env)
    jupyter = executable("jupyter")
    runs: dict[str, dict[str, list[float]]] = {nb.stem: {f: [] for f in FORMATS}
                                              for nb in notebooks}
    rss: dict[str, int] = {f: 0 for f in FORMATS}
    # One untimed conversion of each kind first: no side pays alone for a cold disk cache.
    say("warming up (one untimed conversion of each format)")
    for fmt in FORMATS:
        runner.run([jupyter, "nbconvert", "--to", fmt, str(work / notebooks[0].name),
                    "--output-dir", str(tmp / "warm" / fmt)],
                   env=pdf_env if fmt == "webpdf" else env)
    contention = Contention()
    for r in range(args.repeat):
        order = FORMATS[r % len(FORMATS):] + FORMATS[:r % len(FORMATS)]
        for nb in notebooks:
            for fmt in order:
                say(f"round {r + 1}/{args.repeat}: {nb.name} --to {fmt}")
                run = runner.run([jupyter, "nbconvert", "--to", fmt, str(work / nb.name),
                                  "--output-dir", str(tmp / "out" / fmt)],
                                 env=pdf_env if fmt == "webpdf" else env)
                runs[nb.stem][fmt].append(run.seconds)
                rss[fmt] = max(rss[fmt], run.rss_kib or 0)
    spread = {name: {f: spread_of(v) for f, v in by_fmt.items()}
              for name, by_fmt in runs.items()}
    ratios = {name: {ours: s[ours]["median"] / s[stock]["median"]
                     for ours, stock, _, _ in PAIRS} for name, s in spread.items()}
    targets = []
    for ours, stock, median_at_most, slowest_at_most in PAIRS:
        per_nb = [ratios[name][ours] for name in ratios]
        mid = statistics.median(per_nb)
        targets.append({"what": f"{ours} / {stock}, median notebook", "wanted": median_at_most,
                        "value": mid, "met": mid <= median_at_most})
        if slowest_at_most is not None:
            worst = max(per_nb)
            targets.append({"what": f"{ours} / {stock}, slowest notebook",
                            "wanted": slowest_at_most, "value": worst,
                            "met": worst <= slowest_at_most})
    return {"config": {"corpus": str(args.corpus), "notebooks": [nb.name for nb in notebooks],
                       "repeat": args.repeat, "pdf_route": pdf_how,
                       "memory": runner.describe_memory()},
            "runs": runs, "spread": spread, "ratios": ratios, "peak_rss_kib": rss,
            "targets": targets, "contention": contention.result()}


def report(res: dict) -> str:
    lines = ["bilateral exporters against stock nbconvert, on real notebooks",
             "=" * 62,
             f"corpus: {res['config']['corpus']} ({len(res['runs'])} notebooks), "
             f"{res['config']['repeat']} rounds, one process per notebook and format",
             f"stock PDF: {res['config']['pdf_route']}", ""]
    head = f"{'notebook / format':<46}{'min':>8}{'median':>8}{'p90':>8}{'max':>8}"
    lines.append(head)
    for name, by_fmt in res["spread"].items():
        lines.append(name[:46])
        for fmt, s in by_fmt.items():
            flag = " !" if s["max"] > 1.3 * s["median"] else ""
            lines.append(f"  --to {fmt:<38}{s['min']:8.2f}{s['median']:8.2f}{s['p90']:8.2f}"
                         f"{s['max']:8.2f}{flag}")
        lines.append("  ratio of medians: " + ", ".join(
            f"{ours}/{stock} {res['ratios'][name][ours]:.2f}" for ours, stock, _, _ in PAIRS))
    lines += ["", "peak RSS of the largest process, over all runs: " + ", ".join(
        f"{f} {kib / 1024:.0f} MiB" for f, kib in res["peak_rss_kib"].items() if kib), ""]
    lines.append(f"{'target':<46}{'wanted':>8}{'value':>8}  verdict")
    for t in res["targets"]:
        lines.append(f"{t['what']:<46}{'≤ ' + format(t['wanted'], '.2f'):>8}"
                     f"{t['value']:8.2f}  {'met' if t['met'] else 'NOT met'}")
    c = res["contention"]
    if c.get("others_fraction") is not None:
        lines += ["", f"other load: {100 * c['others_fraction']:.0f} % of the machine's CPU "
                      f"during the run ({c['others_cpu_seconds']:.0f} CPU-s)"]
        if c["others_fraction"] > 0.10:
            lines.append("note: the machine was busy; the ratios are not comparable with a "
                         "quiet run")
    lines.append("(! after max: that measurement's max is over 1.3 × its median)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bilateral-bench-exporters-"))
    def work() -> None:
        res = measure(args, tmp)
        print(report(res))
        if args.json:
            args.json.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
            say(f"results written to {args.json}")

    try:
        return exit_status(work)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
