#!/usr/bin/env python3
"""Time ``bilateral build`` against the plain papermill + nbconvert chain, side by side.

Measures, in one run:

(a) ``bilateral build --force --out TMP`` of every default report (HTML and PDF);
(b) the chain a user would type instead, one process per step and notebook:
    ``papermill`` → ``jupyter nbconvert --to html`` → ``jupyter nbconvert --to webpdf``
    (Debian's Chromium), or ``--to pdf`` (LaTeX), or no PDF, whichever is available;
(a') the same with pandas imported in every kernel at its start (an IPython startup file),
    beside (a): what the reports would cost if the notebooks used the DataFrames;
(c) a no-op rebuild (``bilateral build --out TMP`` right after (a));
(d) ``bilateral build --force --all-scenarios`` with ``--jobs 1`` against ``--jobs 2``;
(e) the exporters alone on (b)'s executed notebooks, one process per notebook and format
    as typed: ``jupyter nbconvert --to bilateral_html`` and ``--to bilateral_pdf`` beside
    (b)'s ``--to html`` and ``--to webpdf`` of the same notebooks.

Wall time is ``time.perf_counter`` around each command; peak memory is the peak RSS
of the largest single process in the command's tree (GNU ``/usr/bin/time -f %M``,
else psutil sampling, else n/a). Every measurement is repeated ``--repeat`` times,
(a) and (b) interleaved; min, median, p90 and max of each are printed, a measurement whose
max is over 1.3 × its median is flagged, and the ratios of the medians are printed with
each target marked "met" or "NOT met". Everything is built into a temporary folder; reports/
is never touched. Exit status: 0 when every command ran (targets met or not),
1 when a command failed, 2 on bad usage, 130 when interrupted.

Run it with the project's virtualenv: ``.venv/bin/python benchmarks/bench_build.py``
(or ``make benchmark``). See benchmarks/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DATA = ROOT / "data"
PARAMS = ROOT / "params"
# The folder of the running interpreter, not resolved: .venv/bin/python is a symlink to
# the base Python, and the venv's executables live next to the link.
BIN = Path(sys.executable).absolute().parent
CHROMIUM = Path("/usr/bin/chromium")
GNU_TIME = Path("/usr/bin/time")

TARGET_RATIO = 0.20  # (a)/(b) wall time, median, at most (tagged PDFs with their evidence)
TARGET_SPREAD = 1.3  # (a) max / median, at most: the slow rounds are what a user feels
TARGET_NOOP = 0.20  # (c) seconds, at most
# (d) is reported without a target: a parallel build's target is its efficiency, measured
# by benchmarks/bench_sweep.py on a sweep of 24 reports (CPU time / (workers × wall time)
# >= 0.85 for --jobs 2 and for two Dask workers); the old ">= 1.8x --jobs 1" assumed a
# serial --jobs 1, which the warm pool and the early index no longer are.
TARGET_PDF_EXPORTER = 1.0  # (e) bilateral_pdf / webpdf wall time, under ("faster than webpdf")
COMMAND_TIMEOUT = 1800  # seconds; a command that runs longer counts as failed

# Scenarios written to a temporary params folder when params/ holds fewer than two.
BENCH_SCENARIOS = {
    "bench-slow": "# benchmark scenario (temporary)\nscenario_growth_pct: [0.0, 2.0, 4.0]\n"
                  "milestone_busd: 280.0\n",
    "bench-fast": "# benchmark scenario (temporary)\nscenario_growth_pct: [3.0, 8.0, 12.0]\n"
                  "milestone_busd: 350.0\nthreshold_multiple: 2.5\n",
}

# Where Playwright looks for its own Chromium builds inside PLAYWRIGHT_BROWSERS_PATH,
# per browser, for the layouts of recent and older Playwright releases (x64 and arm64).
PLAYWRIGHT_LAYOUTS = {
    "chromium": ["chrome-linux64/chrome", "chrome-linux/chrome"],
    "chromium-headless-shell": ["chrome-headless-shell-linux64/chrome-headless-shell",
                                "chrome-headless-shell-linux-arm64/chrome-headless-shell",
                                "chrome-linux/headless_shell"],
}

PLAYWRIGHT_PROBE = """
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    browser = p.chromium.launch()
    page = browser.new_page()
    page.set_content("<p>probe</p>")
    assert page.pdf()[:4] == b"%PDF"
    print(browser.version)
    browser.close()
"""


class CommandFailedError(Exception):
    """A measured command exited non-zero or timed out."""

    def __init__(self, argv: list[str], why: str, stderr: str = ""):
        super().__init__(f"{' '.join(argv)}: {why}")
        self.stderr = stderr


def say(message: str) -> None:
    """Progress, on stderr, so that stdout holds only the report."""
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------- running

@dataclass
class Run:
    seconds: float
    rss_kib: int | None
    stderr: str = field(default="", repr=False)


class Runner:
    """Runs one command at a time and measures its wall time and peak RSS."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir = workdir
        self.env = env
        self.memory = self._memory_method()

    def _memory_method(self) -> str:
        if GNU_TIME.exists():
            out = self.workdir / ".probe-rss"
            try:
                subprocess.run([str(GNU_TIME), "-f", "%M", "-o", str(out), "true"],
                               check=True, capture_output=True, timeout=30)
                int(out.read_text().split()[-1])
                return "gnu-time"
            except (OSError, subprocess.SubprocessError, ValueError, IndexError):
                pass
        if importlib.util.find_spec("psutil") is not None:
            return "psutil"
        return "n/a"

    def describe_memory(self) -> str:
        return {
            "gnu-time": "GNU /usr/bin/time -f %M: peak RSS of the largest single process "
                        "in the command's tree",
            "psutil": "psutil, sampled every 50 ms: peak RSS of the largest single process "
                      "in the command's tree (short spikes may be missed)",
            "n/a": "not measured (neither GNU /usr/bin/time nor psutil is available)",
        }[self.memory]

    def run(self, argv: list[str], env: dict[str, str] | None = None) -> Run:
        env = env or self.env
        if self.memory == "psutil":
            return self._run_psutil(argv, env)
        rss_file = self.workdir / ".rss"
        full = argv
        if self.memory == "gnu-time":
            rss_file.unlink(missing_ok=True)
            full = [str(GNU_TIME), "-f", "%M", "-o", str(rss_file), *argv]
        start = time.perf_counter()
        try:
            proc = subprocess.run(full, cwd=ROOT, env=env, capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise CommandFailedError(argv, f"timed out after {COMMAND_TIMEOUT} s",
                                _text(exc.stderr)) from None
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise CommandFailedError(argv, f"exit status {proc.returncode}", proc.stderr)
        rss = None
        if self.memory == "gnu-time":
            try:
                rss = int(rss_file.read_text().split()[-1])
            except (OSError, ValueError, IndexError):
                rss = None
        return Run(seconds, rss, proc.stderr)

    def _run_psutil(self, argv: list[str], env: dict[str, str]) -> Run:
        import psutil

        peak = 0
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # stderr is drained by a thread so that a chatty command cannot block on the pipe.
        import threading

        chunks: list[str] = []
        reader = threading.Thread(target=lambda: chunks.append(proc.stderr.read()), daemon=True)
        reader.start()
        try:
            top = psutil.Process(proc.pid)
            while proc.poll() is None:
                if time.perf_counter() - start > COMMAND_TIMEOUT:
                    proc.kill()
                    proc.wait()
                    raise CommandFailedError(argv, f"timed out after {COMMAND_TIMEOUT} s")
                try:
                    for p in [top, *top.children(recursive=True)]:
                        try:
                            peak = max(peak, p.memory_info().rss)
                        except psutil.Error:
                            pass
                except psutil.Error:
                    pass
                time.sleep(0.05)
        except psutil.Error:
            proc.wait()
        seconds = time.perf_counter() - start
        reader.join(timeout=5)
        stderr = "".join(chunks)
        if proc.returncode != 0:
            raise CommandFailedError(argv, f"exit status {proc.returncode}", stderr)
        return Run(seconds, peak // 1024 or None, stderr)


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


# ---------------------------------------------------------------------------- machine noise

def machine_busy_seconds() -> float | None:
    """CPU-seconds the whole machine has been busy since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU-seconds used by this script and every command it ran (and waited for)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Contention:
    """How much CPU other processes took while the benchmark ran: the machine's busy time
    (from /proc/stat) minus this script's and its commands' own."""

    def __init__(self):
        self.cores = os.cpu_count() or 1
        self.idle_check = None
        busy0 = machine_busy_seconds()
        if busy0 is not None:  # one quiet second first: is the machine busy already?
            time.sleep(1.0)
            self.idle_check = (machine_busy_seconds() - busy0) / self.cores
        self.start = (time.perf_counter(), machine_busy_seconds(), own_cpu_seconds())

    def result(self) -> dict:
        wall = time.perf_counter() - self.start[0]
        busy = machine_busy_seconds()
        if busy is None or self.start[1] is None:
            return {"before_busy_fraction": None, "others_cpu_seconds": None,
                    "others_fraction": None, "wall_seconds": wall}
        others = max(0.0, (busy - self.start[1]) - (own_cpu_seconds() - self.start[2]))
        return {"before_busy_fraction": self.idle_check, "others_cpu_seconds": others,
                "others_fraction": others / (wall * self.cores), "wall_seconds": wall}


# ---------------------------------------------------------------------------- set-up

def executable(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise SystemExit(f"bench: {path} not found; run with the project's virtualenv, e.g. "
                         f".venv/bin/python benchmarks/bench_build.py (or make benchmark)")
    return str(path)


def fake_playwright_registry(dest: Path) -> tuple[Path | None, str]:
    """A PLAYWRIGHT_BROWSERS_PATH folder whose Chromium builds are links to Debian's.

    nbconvert's WebPDFExporter calls ``playwright.chromium.launch()`` without an
    executable path and has no option for one, and Playwright reads no environment
    variable for it; the folder Playwright looks in is the one thing that can be set.
    """
    spec = importlib.util.find_spec("playwright")
    if spec is None or not spec.submodule_search_locations:
        return None, "playwright is not installed in the virtualenv"
    browsers_json = Path(list(spec.submodule_search_locations)[0]) / "driver" / "package" / (
        "browsers.json")
    try:
        browsers = json.loads(browsers_json.read_text(encoding="utf-8"))["browsers"]
    except (OSError, ValueError, KeyError) as exc:
        return None, f"cannot read Playwright's browser list ({exc})"
    for b in browsers:
        layouts = PLAYWRIGHT_LAYOUTS.get(b.get("name"))
        if not layouts:
            continue
        folder = dest / f"{b['name'].replace('-', '_')}-{b['revision']}"
        for rel in layouts:
            link = folder / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(CHROMIUM)
        (folder / "INSTALLATION_COMPLETE").touch()
    return dest, ""


def choose_pdf_route(tmp: Path, env: dict[str, str]) -> tuple[str, dict[str, str], str]:
    """Return (route, environment for the PDF step, description) for the plain chain."""
    why_not = []
    if CHROMIUM.exists():
        registry, problem = fake_playwright_registry(tmp / "ms-playwright")
        if registry is not None:
            pdf_env = dict(env, PLAYWRIGHT_BROWSERS_PATH=str(registry))
            try:
                probe = subprocess.run([sys.executable, "-c", PLAYWRIGHT_PROBE], env=pdf_env,
                                       capture_output=True, text=True, timeout=120,
                                       stdin=subprocess.DEVNULL)
                ok = probe.returncode == 0
                detail = probe.stdout.strip() or (probe.stderr.strip().splitlines() or ["?"])[-1]
            except subprocess.TimeoutExpired:
                ok, detail = False, "timed out"
            if ok:
                return "webpdf", pdf_env, (
                    f"jupyter nbconvert --to webpdf, Playwright driving {CHROMIUM} (Chromium "
                    f"{detail}) via PLAYWRIGHT_BROWSERS_PATH={registry} (links to {CHROMIUM}; "
                    "nbconvert has no option for the browser's path)")
            problem = f"Playwright could not drive {CHROMIUM}: {detail}"
        why_not.append(problem)
    else:
        why_not.append(f"{CHROMIUM} not found")
    if shutil.which("xelatex", path=env.get("PATH")):
        return "latex", env, ("jupyter nbconvert --to pdf (LaTeX, xelatex) because "
                              + "; ".join(why_not))
    why_not.append("xelatex not on PATH")
    return "none", env, "no PDF in (b), HTML only, because " + "; ".join(why_not)


def scenario_folder(tmp: Path, runner: Runner, bilateral: str) -> tuple[Path, list[str], str]:
    """The params folder for (d): params/ when it has two scenarios or more, else a temp one."""
    existing = sorted(p.stem for p in PARAMS.glob("*.yaml")) if PARAMS.is_dir() else []
    if len(existing) >= 2:
        return PARAMS, existing, f"{len(existing)} scenarios from params/"
    folder = tmp / "params"
    folder.mkdir()
    for name, text in BENCH_SCENARIOS.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    check = [bilateral, "build", "--all-scenarios", "--params-dir", str(folder), "--dry-run",
             "-q", "--out", str(tmp / "dry-run")]
    how = (f"params/ has {len(existing)} scenario file(s); made {len(BENCH_SCENARIOS)} "
           f"temporary ones in {folder}")
    try:
        runner.run(check)
    except CommandFailedError as exc:
        # The notebooks' parameters may have changed; fall back to scenarios that set only
        # data_dir, which every notebook declares, so that (d) still times the build.
        say(f"temporary scenarios refused ({_last_line(exc.stderr)}); using data_dir only")
        for name in BENCH_SCENARIOS:
            (folder / f"{name}.yaml").write_text(f"data_dir: {json.dumps(str(DATA))}\n",
                                                 encoding="utf-8")
        runner.run(check)
        how += " (setting data_dir only)"
    return folder, sorted(BENCH_SCENARIOS), how


def _last_line(text: str) -> str:
    lines = [x for x in (text or "").strip().splitlines() if x.strip()]
    return lines[-1] if lines else "no message"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("bilateral", "papermill", "nbconvert", "nbclient", "ipykernel", "weasyprint",
                 "playwright"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


# ---------------------------------------------------------------------------- measurements

BUILT = re.compile(r"(\d+) built, (\d+) up to date")


def built_count(stderr: str) -> int | None:
    m = BUILT.search(stderr or "")
    return int(m.group(1)) if m else None


def sizes(folder: Path, names: list[str], exts: tuple[str, ...]) -> dict[str, int]:
    return {ext: sum((folder / f"{n}.{ext}").stat().st_size for n in names
                     if (folder / f"{n}.{ext}").exists()) for ext in exts}


def venv_env() -> dict[str, str]:
    """This process's environment as after ``source .venv/bin/activate``: the venv's
    jupyter, papermill and kernel first on PATH."""
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    return env


class Bench:
    def __init__(self, args, tmp: Path):
        self.args = args
        self.tmp = tmp
        env = venv_env()
        env.pop("TERM", None)
        self.env = env
        self.runner = Runner(tmp, env)
        self.bilateral = executable("bilateral")
        self.papermill = executable("papermill")
        self.jupyter = executable("jupyter")
        self.notebooks = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
        if not self.notebooks:
            raise SystemExit(f"bench: no notebooks in {NOTEBOOKS}")
        self.runs: dict[str, list[dict]] = {k: [] for k in ("a", "a_pandas", "b", "c", "d1",
                                                            "d2", "index", "e")}
        self.notes: list[str] = []

    # (a) and (c) ------------------------------------------------------------------------

    def run_a(self) -> None:
        r = self.runner.run([self.bilateral, "build", "--force", "--out", str(self.tmp / "a")])
        self.runs["a"].append({"seconds": r.seconds, "rss_kib": r.rss_kib,
                               "built": built_count(r.stderr)})
        say(f"(a) bilateral build --force: {r.seconds:.2f} s")

    def run_a_pandas(self) -> None:
        """(a) with ``import pandas`` in each kernel's IPython startup, in its own folders."""
        startup = self.tmp / "ipython-pandas" / "profile_default" / "startup"
        startup.mkdir(parents=True, exist_ok=True)
        (startup / "00-pandas.py").write_text("import pandas  # noqa: F401\n")
        env = dict(self.env, IPYTHONDIR=str(self.tmp / "ipython-pandas"))
        r = self.runner.run([self.bilateral, "build", "--force", "--out",
                             str(self.tmp / "a-pandas")], env)
        self.runs["a_pandas"].append({"seconds": r.seconds, "rss_kib": r.rss_kib,
                                      "built": built_count(r.stderr)})
        say(f"(a') bilateral build --force, pandas in each kernel: {r.seconds:.2f} s")

    def run_index(self) -> None:
        """The index of (a)'s output folder, HTML and PDF, timed alone in a fresh process
        (a build writes it after its reports; it is part of (a)'s time)."""
        code = ("import time, sys; from pathlib import Path; t = time.perf_counter(); "
                "from bilateral.review import index; "
                "from bilateral.export.weasy import html_to_pdf; "
                "page = index.page(Path(sys.argv[1])); html_to_pdf(page); "
                "print(time.perf_counter() - t)")
        out = subprocess.run([sys.executable, "-c", code, str(self.tmp / "a")], env=self.env,
                             cwd=ROOT, capture_output=True, text=True, timeout=300,
                             stdin=subprocess.DEVNULL)
        if out.returncode == 0:
            self.runs["index"].append({"seconds": float(out.stdout.strip())})
            say(f"    index of (a): {float(out.stdout.strip()):.2f} s")

    def run_c(self) -> None:
        argv = [self.bilateral, "build", "--out", str(self.tmp / "a")]
        for attempt in range(3):
            r = self.runner.run(argv)
            built = built_count(r.stderr)
            if built == 0:
                break
            # Something the build depends on changed between (a) and (c), e.g. src/ being
            # edited while the benchmark runs; that run was a rebuild, not a no-op.
            note = (f"(c) attempt {attempt + 1} rebuilt {built} target(s) ({r.seconds:.2f} s): "
                    "an input changed after (a) (src/, notebooks/ or data/ edited?)")
            self.notes.append(note)
            say(note + "; running it again")
        else:
            self.notes.append("(c) never came out as a no-op; its time is a rebuild's")
        self.runs["c"].append({"seconds": r.seconds, "rss_kib": r.rss_kib, "built": built})
        say(f"(c) no-op rebuild: {r.seconds:.2f} s")

    # (b) --------------------------------------------------------------------------------

    def run_b(self) -> None:
        out = self.tmp / "b"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        steps: dict[str, float] = {"papermill": 0.0, "html": 0.0}
        if self.pdf_route != "none":
            steps["pdf"] = 0.0
        per_notebook = {}
        peak = None
        total = 0.0
        for nb in self.notebooks:
            executed = out / f"{nb}.ipynb"
            commands = [
                ("papermill", [self.papermill, f"notebooks/{nb}.ipynb", str(executed),
                               "--cwd", "notebooks", "-p", "data_dir", str(DATA)], None),
                ("html", [self.jupyter, "nbconvert", "--to", "html", str(executed)], None),
            ]
            if self.pdf_route == "webpdf":
                commands.append(("pdf", [self.jupyter, "nbconvert", "--to", "webpdf",
                                         str(executed)], self.pdf_env))
            elif self.pdf_route == "latex":
                commands.append(("pdf", [self.jupyter, "nbconvert", "--to", "pdf",
                                         str(executed)], self.pdf_env))
            per_notebook[nb] = {}
            for step, argv, env in commands:
                r = self.runner.run(argv, env)
                steps[step] += r.seconds
                total += r.seconds
                per_notebook[nb][step] = {"seconds": r.seconds, "rss_kib": r.rss_kib}
                if r.rss_kib is not None:
                    peak = max(peak or 0, r.rss_kib)
            for ext in ("html", "pdf") if self.pdf_route != "none" else ("html",):
                if not (out / f"{nb}.{ext}").exists():
                    raise CommandFailedError(["(b)", nb], f"{nb}.{ext} was not written")
        self.runs["b"].append({"seconds": total, "rss_kib": peak, "steps": steps,
                               "notebooks": per_notebook})
        say(f"(b) papermill + nbconvert chain: {total:.2f} s")

    # (e) --------------------------------------------------------------------------------

    def run_e(self) -> None:
        """bilateral_html and bilateral_pdf through ``jupyter nbconvert`` on the notebooks
        (b) executed, copied aside so that (b)'s outputs stay as they are."""
        src, out = self.tmp / "b", self.tmp / "e"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        steps = {"bilateral_html": 0.0, "bilateral_pdf": 0.0}
        peak, total = None, 0.0
        for nb in self.notebooks:
            shutil.copyfile(src / f"{nb}.ipynb", out / f"{nb}.ipynb")
            for fmt in steps:
                r = self.runner.run([self.jupyter, "nbconvert", "--to", fmt,
                                     str(out / f"{nb}.ipynb")])
                steps[fmt] += r.seconds
                total += r.seconds
                if r.rss_kib is not None:
                    peak = max(peak or 0, r.rss_kib)
            for ext in ("html", "pdf"):
                if not (out / f"{nb}.{ext}").exists():
                    raise CommandFailedError(["(e)", nb], f"{nb}.{ext} was not written")
        self.runs["e"].append({"seconds": total, "rss_kib": peak, "steps": steps})
        say(f"(e) nbconvert --to bilateral_html + bilateral_pdf: {total:.2f} s")

    # (d) --------------------------------------------------------------------------------

    def run_d(self, jobs: int) -> None:
        key = f"d{jobs}"
        argv = [self.bilateral, "build", "--force", "--all-scenarios", "--params-dir",
                str(self.params_dir), "--jobs", str(jobs), "--out", str(self.tmp / key)]
        r = self.runner.run(argv)
        self.runs[key].append({"seconds": r.seconds, "rss_kib": r.rss_kib,
                               "built": built_count(r.stderr)})
        say(f"(d) --all-scenarios --jobs {jobs}: {r.seconds:.2f} s")

    # everything ---------------------------------------------------------------------------

    def prepare(self) -> None:
        self.contention = Contention()
        self.pdf_route, self.pdf_env, self.pdf_how = choose_pdf_route(self.tmp, self.env)
        say(f"PDF route for (b): {self.pdf_route}")
        self.params_dir, self.scenarios, self.params_how = scenario_folder(
            self.tmp, self.runner, self.bilateral)
        # Read the heavy packages once so that the first timed command does not pay for a
        # cold disk cache that later ones do not.
        say("warming the disk cache (imports)")
        subprocess.run([sys.executable, "-c", "import nbconvert, papermill, nbclient, "
                        "weasyprint, matplotlib, ipykernel"], env=self.env, cwd=ROOT,
                       capture_output=True, timeout=300, stdin=subprocess.DEVNULL)

    def measure(self) -> None:
        n = self.args.repeat
        for i in range(n):
            say(f"round {i + 1}/{n}")
            # Interleave (a) and (b), alternating which goes first; (c) always follows (a).
            if i % 2 == 0:
                self.run_a()
                self.run_c()
                self.run_index()
                self.run_a_pandas()
                self.run_b()
                self.run_e()
            else:
                self.run_b()
                self.run_e()
                self.run_a_pandas()
                self.run_a()
                self.run_c()
                self.run_index()
            for jobs in ((1, 2) if i % 2 == 0 else (2, 1)):
                self.run_d(jobs)
        self.noise = self.contention.result()
        exts = ("ipynb", "html", "pdf")
        self.sizes = {"a": sizes(self.tmp / "a", self.notebooks, exts),
                      "b": sizes(self.tmp / "b", self.notebooks, exts),
                      "e": sizes(self.tmp / "e", self.notebooks, ("html", "pdf"))}

    # results ------------------------------------------------------------------------------

    def median(self, key: str, what: str = "seconds") -> float | None:
        values = [r[what] for r in self.runs[key] if r.get(what) is not None]
        return statistics.median(values) if values else None

    def step_median(self, step: str, key: str = "b") -> float | None:
        values = [r["steps"][step] for r in self.runs[key] if step in r["steps"]]
        return statistics.median(values) if values else None

    def spread(self, key: str) -> float | None:
        """max / median of a measurement's wall times."""
        values = [r["seconds"] for r in self.runs[key] if r.get("seconds") is not None]
        return max(values) / statistics.median(values) if values else None

    def results(self) -> dict:
        a, b, c = self.median("a"), self.median("b"), self.median("c")
        a_spread = self.spread("a")
        d1, d2 = self.median("d1"), self.median("d2")
        ratio = a / b if a and b else None
        speedup = d1 / d2 if d1 and d2 else None
        rss_a, rss_b = self.median("a", "rss_kib"), self.median("b", "rss_kib")
        e_html, e_pdf = (self.step_median("bilateral_html", "e"),
                         self.step_median("bilateral_pdf", "e"))
        b_html, b_pdf = self.step_median("html"), self.step_median("pdf")
        pdf_ratio = e_pdf / b_pdf if e_pdf and b_pdf and self.pdf_route == "webpdf" else None
        targets = [
            {"name": "(a)/(b) wall time", "value": ratio, "target": f"<= {TARGET_RATIO:.2f}",
             "met": ratio is not None and ratio <= TARGET_RATIO},
            {"name": "(a) max / median", "value": a_spread,
             "target": f"<= {TARGET_SPREAD:.2f}",
             "met": a_spread is not None and a_spread <= TARGET_SPREAD},
            {"name": "(c) no-op rebuild, seconds", "value": c, "target": f"<= {TARGET_NOOP:.2f} s",
             "met": c is not None and c <= TARGET_NOOP},
            {"name": "(e) bilateral_pdf / webpdf", "value": pdf_ratio,
             "target": f"< {TARGET_PDF_EXPORTER:.2f}",
             "met": pdf_ratio is not None and pdf_ratio < TARGET_PDF_EXPORTER},
        ]
        return {
            "config": {
                "repeat": self.args.repeat, "cores": os.cpu_count(),
                "bilateral_default_jobs": os.cpu_count() or 1,
                "notebooks": self.notebooks, "scenarios": self.scenarios,
                "params": self.params_how, "pdf_route": self.pdf_route,
                "pdf_route_detail": self.pdf_how, "memory": self.runner.memory,
                "memory_detail": self.runner.describe_memory(), "versions": versions(),
                "machine": platform.platform(), "contention": self.noise,
                "workdir": str(self.tmp),
            },
            "runs": self.runs,
            "medians": {
                "a_seconds": a, "b_seconds": b, "c_seconds": c,
                "a_pandas_seconds": self.median("a_pandas"),
                "d_jobs1_seconds": d1, "d_jobs2_seconds": d2,
                "b_step_seconds": {s: self.step_median(s) for s in ("papermill", "html", "pdf")
                                   if self.step_median(s) is not None},
                "a_rss_mib": rss_a / 1024 if rss_a else None,
                "b_rss_mib": rss_b / 1024 if rss_b else None,
                "c_rss_mib": (self.median("c", "rss_kib") or 0) / 1024 or None,
                "e_step_seconds": {"bilateral_html": e_html, "bilateral_pdf": e_pdf},
                "e_rss_mib": (self.median("e", "rss_kib") or 0) / 1024 or None,
            },
            "spread": {k: spread_of(v)
                       for k, v in ((k, [r["seconds"] for r in runs if "seconds" in r])
                                    for k, runs in self.runs.items()) if v},
            "ratios": {"a_over_b": ratio, "c_seconds": c, "d_speedup": speedup,
                       "rss_a_over_b": rss_a / rss_b if rss_a and rss_b else None,
                       "bilateral_html_over_html": e_html / b_html if e_html and b_html
                       else None,
                       "bilateral_pdf_over_stock_pdf": e_pdf / b_pdf if e_pdf and b_pdf
                       else None},
            "output_bytes": self.sizes,
            "targets": targets,
            "notes": self.notes,
        }


# ---------------------------------------------------------------------------- report

def p90(values: list[float]) -> float | None:
    """The 90th percentile (inclusive interpolation): with 7 runs, between the 6th and the
    7th slowest."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def spread_of(values: list[float]) -> dict[str, float]:
    """Min, median, p90 and max of a measurement's runs (at least one)."""
    return {"min": min(values), "median": statistics.median(values), "p90": p90(values),
            "max": max(values)}


def _s(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def _mib(kib: float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


def report(bench: Bench, res: dict) -> str:
    cfg, med, ratios = res["config"], res["medians"], res["ratios"]
    n_nb = len(cfg["notebooks"])
    lines: list[str] = []

    def w(text: str, indent: int = 12) -> None:
        text = text.rstrip()
        if len(text) <= 100:
            lines.append(text)
        else:  # wrap long lines under their value
            lines.extend(textwrap.wrap(text, 100, subsequent_indent=" " * indent,
                                       break_on_hyphens=False))
    w("bilateral build benchmark")
    w("=" * 25)
    w(f"notebooks   {n_nb}: {', '.join(cfg['notebooks'])}   repeat {cfg['repeat']}   "
      f"cores {cfg['cores']}")
    v = cfg["versions"]
    w("versions    " + ", ".join(f"{k} {v[k]}" for k in v))
    noise = cfg["contention"]
    if noise["others_fraction"] is not None:
        w(f"other load  {noise['others_cpu_seconds']:.0f} CPU-s used by other processes during "
          f"the {noise['wall_seconds']:.0f} s run ({100 * noise['others_fraction']:.0f} % of "
          f"{cfg['cores']} cores); {100 * (noise['before_busy_fraction'] or 0):.0f} % busy "
          "just before")
    w(f"(b) PDF     {cfg['pdf_route_detail']}")
    w(f"(d) params  {cfg['params']}: {', '.join(cfg['scenarios'])}")
    w(f"memory      {cfg['memory_detail']}")
    w("")

    def row(label: str, key: str | None, values: list[float] | None = None,
            rss: float | None = None) -> None:
        vals = values if values is not None else [r["seconds"] for r in bench.runs[key]]
        if key is not None and rss is None:
            rss = bench.median(key, "rss_kib")
        med_v = statistics.median(vals) if vals else None
        wide = bool(vals) and med_v > 0 and max(vals) > TARGET_SPREAD * med_v
        w(f"{label:<50} {_s(min(vals) if vals else None):>8} {_s(med_v):>8} "
          f"{_s(p90(vals)):>8} {_s(max(vals) if vals else None):>8}{'!' if wide else ' '}"
          f"{_mib(rss) if key else '':>9}")

    w(f"{'measurement':<50} {'min':>8} {'median':>8} {'p90':>8} {'max':>8} {'peak RSS':>9}")
    w("-" * 94)
    row(f"(a) bilateral build --force (--jobs {cfg['bilateral_default_jobs']}, default)", "a")
    row("(a') the same, pandas imported in each kernel", "a_pandas")
    n_proc = n_nb * (3 if cfg["pdf_route"] != "none" else 2)
    row(f"(b) papermill + nbconvert chain ({n_proc} processes)", "b")
    pdf_label = {"webpdf": "nbconvert --to webpdf", "latex": "nbconvert --to pdf"}.get(
        cfg["pdf_route"])
    for step, label in (("papermill", "papermill"), ("html", "nbconvert --to html"),
                        ("pdf", pdf_label)):
        if step in med["b_step_seconds"]:
            row(f"      {label} (sum over notebooks)", None,
                [r["steps"][step] for r in bench.runs["b"]])
    row("(c) no-op rebuild: bilateral build (after (a))", "c")
    if bench.runs["index"]:
        row("    index.html + index.pdf of (a), alone (in (a))", None,
            [r["seconds"] for r in bench.runs["index"]])
    n_targets = n_nb * len(cfg["scenarios"])
    row(f"(d) --force --all-scenarios --jobs 1 ({n_targets} targets)", "d1")
    row(f"    --force --all-scenarios --jobs 2 ({n_targets} targets)", "d2")
    if bench.runs["e"]:
        row(f"(e) --to bilateral_html + bilateral_pdf ({2 * n_nb} processes)", "e")
        for fmt, stock, label in (("bilateral_html", "html", "nbconvert --to html"),
                                  ("bilateral_pdf", "pdf", pdf_label)):
            row(f"      --to {fmt} (sum over notebooks)", None,
                [r["steps"][fmt] for r in bench.runs["e"]])
            if stock in med["b_step_seconds"]:
                row(f"      against {label} of (b)", None,
                    [r["steps"][stock] for r in bench.runs["b"]])
    w("")
    for side in ("a", "b", "e"):
        if side not in res["output_bytes"]:
            continue
        w(f"output ({side})  " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in
                                         res["output_bytes"][side].items()))
    if ratios["rss_a_over_b"] is not None:
        w(f"peak RSS (a)/(b) {ratios['rss_a_over_b']:.2f} (no target)")
    if ratios["bilateral_html_over_html"] is not None:
        w(f"(e) bilateral_html / nbconvert html {ratios['bilateral_html_over_html']:.2f} "
          "(no target)")
    w("")
    w(f"{'target':<34} {'value':>10} {'wanted':>10}  verdict")
    w("-" * 66)
    shown = {"(a)/(b) wall time": lambda x: f"{x:.3f}",
             "(a) max / median": lambda x: f"{x:.2f}",
             "(c) no-op rebuild, seconds": lambda x: f"{x:.2f} s",
             "(d) speed-up jobs 1 / jobs 2": lambda x: f"{x:.2f}x",
             "(e) bilateral_pdf / webpdf": lambda x: f"{x:.3f}"}
    for t in res["targets"]:
        value = "n/a" if t["value"] is None else shown[t["name"]](t["value"])
        w(f"{t['name']:<34} {value:>10} {t['target']:>10}  {'met' if t['met'] else 'NOT met'}")
    if any(t["name"] == "(a) max / median" for t in res["targets"]):
        w(f"'!' marks a measurement whose max is over {TARGET_SPREAD} x its median", 6)
    for note in res["notes"]:
        w(f"note: {note}", 6)
    if (noise["others_fraction"] or 0) > 0.10 or (noise["before_busy_fraction"] or 0) > 0.25:
        w("note: other processes took a noticeable share of the CPU during the run; the "
          "numbers are noisy, (d) most of all; run again on a quiet machine", 6)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench_build.py",
        description="Time `bilateral build` against the plain papermill + nbconvert chain "
        "(a, b), a no-op rebuild (c), --jobs 1 against --jobs 2 on all scenarios (d) and the "
        "bilateral_html/bilateral_pdf exporters against --to html/webpdf (e). "
        "Builds into a temporary folder; never touches reports/.",
        epilog="Exit status 0 whether or not the targets are met; 1 if a command failed.")
    p.add_argument("--repeat", type=int, default=7, metavar="N",
                   help="runs of each measurement; min, median, p90 and max are reported "
                   "(default: 7)")
    p.add_argument("--quick", action="store_true", help="one run of each (--repeat 1)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results to FILE")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary build folder and print where it is")
    args = p.parse_args(argv)
    if args.quick:
        args.repeat = 1
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def exit_status(work) -> int:
    """Run ``work``; the benchmarks' exit status: 0 when every command ran, 1 when one
    failed (its last lines of stderr shown), 130 when interrupted."""
    try:
        work()
        return 0
    except CommandFailedError as exc:
        say(f"command failed: {exc}")
        for line in (exc.stderr or "").strip().splitlines()[-15:]:
            sys.stderr.write(f"    {line}\n")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bilateral-bench-"))

    def work() -> None:
        bench = Bench(args, tmp)
        bench.prepare()
        bench.measure()
        res = bench.results()
        print(report(bench, res))
        if args.json:
            args.json.write_text(json.dumps(res, indent=1, default=_jsonable) + "\n",
                                 encoding="utf-8")
            say(f"results written to {args.json}")

    try:
        return exit_status(work)
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _jsonable(obj):
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "__dataclass_fields__"):
        return asdict(obj)
    return str(obj)


if __name__ == "__main__":
    sys.exit(main())
