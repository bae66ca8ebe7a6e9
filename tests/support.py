"""What the tests share: the project's folders, running the command line, snapshots of
folders, editing data files, notebooks written in a test, Chromium and JupyterLab.

Tests import from here (``from tests.support import ...``); ``conftest.py`` holds only fixtures.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from html import unescape
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"
BILATERAL = [sys.executable, "-m", "bilateral.cli"]


def write_files(root: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (relative path → bytes) under ``root``: a "last good" report set."""
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root``, hidden ones included: folders map to None, files to bytes."""
    found: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        for d in dirs:
            found[(base / d).relative_to(root).as_posix() + "/"] = None
        for f in files:
            found[(base / f).relative_to(root).as_posix()] = (base / f).read_bytes()
    return found


def edit_line(path: Path, line_no: int, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once) on line ``line_no`` (1-based)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    line = lines[line_no - 1]
    assert line.count(old) == 1, f"{path.name} line {line_no} changed: {line!r}"
    lines[line_no - 1] = line.replace(old, new)
    path.write_text("\n".join(lines), encoding="utf-8")


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``bilateral`` through the real command line, as an automated job would."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("TERM", None)
    return subprocess.run([*BILATERAL, *args], capture_output=True, text=True, cwd=cwd or ROOT,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def set_figure(folder: Path, figure_id: str, **fields: str) -> None:
    """Change the columns ``fields`` of the row ``figure_id`` in a data folder, wherever it is
    (``figures.csv`` or ``context/*.csv``). Other rows keep their bytes. A new quote
    replaces the old one in ``claims.csv`` too, as a fact-checker correcting the article's
    words would."""
    import csv
    import io

    for path in [folder / "figures.csv", *sorted((folder / "context").glob("*.csv"))]:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = next(csv.reader([lines[0]]))
        for i, line in enumerate(lines[1:], start=1):
            row = next(csv.reader([line]))
            if row and row[0] == figure_id:
                record = dict(zip(header, row))
                unknown = set(fields) - set(header)
                assert not unknown, f"no columns {unknown} in {path.name}"
                if "quote" in fields and record["quote"]:
                    _requote(folder, record["quote"], str(fields["quote"]))
                record.update({k: str(v) for k, v in fields.items()})
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerow([record[h] for h in header])
                lines[i] = buf.getvalue()
                path.write_text("".join(lines), encoding="utf-8")
                return
    raise AssertionError(f"no row {figure_id!r} in {folder}")


def _requote(folder: Path, old: str, new: str) -> None:
    import csv
    import io

    path = folder / "claims.csv"
    if not path.exists():
        return
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    k = rows[0].index("quote")
    for r in rows[1:]:
        if r and r[k] == old:
            r[k] = new
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


# --------------------------------------------------------------------------- builds

def leftovers(out: Path) -> list[str]:
    """Staging folders, temporary files and lock files a build must never leave behind."""
    if not out.exists():
        return []
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.name.startswith(".staging-") or ".tmp-" in p.name
                  or p.name == ".bilateral.lock")


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the build ended (exit {proc.returncode}) before {what}:\n{err}")
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def wait_in_page(page, js: str, what: str, timeout_s: float = 60):
    """Evaluate ``js`` in a browser page (Playwright) until it gives a truthy value; that
    value, or an AssertionError naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = page.evaluate(js)
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def offline(page, base: str) -> list[str]:
    """Let a browser page reach only ``base`` (the test's server) and ``data:``/``blob:``
    URLs; every other request is aborted and listed in the returned list."""
    foreign: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith((base, "data:", "blob:")):
            r.continue_()
        else:
            foreign.append(url)
            r.abort()

    page.route("**/*", route)
    return foreign


@contextlib.contextmanager
def browser_page(browser, base: str, **context_options):
    """A page in a new context of ``browser`` (Playwright) that reaches only ``base``
    (:func:`offline`), 1400×1000 unless ``context_options`` say otherwise: yields the
    page, the foreign requests it made and the script errors it raised; the context is
    closed after the block."""
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1000},
                                     **context_options})
    page = context.new_page()
    foreign = offline(page, base)
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try:
        yield page, foreign, page_errors
    finally:
        context.close()


@contextlib.contextmanager
def tmpfs(mount: Path, size: str, *, required: bool):
    """A tmpfs of ``size`` mounted at ``mount`` (an existing folder) for the block; a test
    that cannot mount one (not root) fails when ``required``, else is skipped."""
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        why = f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}"
        pytest.fail(why) if required else pytest.skip(why)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path, leave_blocks: int = 0) -> Path:
    """Take every block of ``disk`` with one file, then give ``leave_blocks`` of 4 KiB
    back; the file's path."""
    filler = disk / "fill"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    if leave_blocks:
        os.truncate(filler, os.path.getsize(filler) - leave_blocks * 4096)
    return filler


def has_number(text: str, number: str) -> bool:
    """``number`` appears in ``text`` on its own, not as a piece of a longer number."""
    return re.search(r"(?<![\d.,])" + re.escape(number) + r"(?![\d]|[.,]\d)", text) is not None


# ------------------------------------------------------- notebooks, Chromium, JupyterLab

LAST_GOOD = {
    "trade.html": b"<!doctype html><title>trade, last good</title>\n",
    "trade.pdf": b"%PDF-1.7\n% last good\n%%EOF\n",
    "sub/x.txt": b"\x00kept\xff\n",
    ".hidden": b"hidden, kept\n",
}
# A cell that says it has started, then waits for the test to say "go" (at most 60 s):
# deterministic where a fixed sleep would race with a loaded machine.
GATED_CELL = """\
import os, time
from pathlib import Path
Path("kernel.pid").write_text(str(os.getpid()))
Path("started").touch()
t0 = time.monotonic()
while not Path("go").exists() and time.monotonic() - t0 < 60:
    time.sleep(0.1)"""


def write_notebook(path: Path, *cells) -> Path:
    """Write a notebook of ``cells``: text is a code cell, ("md", text) a markdown cell,
    ("parameters", text) the tagged parameters cell."""
    made = []
    for c in cells:
        if isinstance(c, tuple) and c[0] == "parameters":
            made.append(new_code_cell(c[1], metadata={"tags": ["parameters"]}))
        elif isinstance(c, tuple) and c[0] == "md":
            made.append(new_markdown_cell(c[1]))
        else:
            made.append(new_code_cell(c))
    nb = new_notebook(cells=made, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]


def require_chromium() -> None:
    """Debian's Chromium must be installed: a failure in CI (which installs it), a skip
    elsewhere."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium package"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, launched by Playwright with the tests' arguments; closed on exit."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Visit:
    """A report opened in a fresh context, with what it asked for and what it complained of."""

    def __init__(self, browser, path: Path, viewport: dict | None = None):
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(
            f"{m.text} ({m.location})"))
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if url == self.url or url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    def foreign_requests(self) -> list[str]:
        return list(dict.fromkeys(
            u for u in self.requests if u != self.url and not u.startswith("data:")))

    def close(self):
        self.context.close()


BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=bilateral tests", "-c",
                           "user.email=tests@bilateral.invalid", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


def project_copy(dest: Path) -> Path:
    """The notebooks and the data in a new git repository with the notebook filter."""
    dest.mkdir(parents=True)
    shutil.copytree(NOTEBOOKS, dest / "notebooks", ignore=shutil.ignore_patterns(
        ".ipynb_checkpoints"))
    shutil.copytree(DATA, dest / "data")
    (dest / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "notebook-setup.sh", dest / "scripts")
    shutil.copy2(ROOT / ".gitattributes", dest)
    shutil.copy2(ROOT / ".gitignore", dest)
    git(dest, "init", "-q")
    subprocess.run(["scripts/notebook-setup.sh", sys.executable], cwd=dest, check=True)
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "copy")
    assert git(dest, "status", "--porcelain") == ""
    return dest


def isolated_env(home: Path) -> dict[str, str]:
    """Jupyter's and IPython's folders in ``home``: no settings of the machine's user."""
    env = dict(os.environ)
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        env[var] = str(home / sub)
        (home / sub).mkdir(parents=True, exist_ok=True)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env.pop("JUPYTER_PATH", None)
    # No announcements or update checks: nothing to fetch, nothing in the way.
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    return env


class LabServer:
    """``jupyter lab`` from the venv on a loopback port, serving ``root``."""

    def __init__(self, root: Path, home: Path, **env_extra: str):
        self.port = free_port()
        self.token = secrets.token_hex(16)
        env = {**isolated_env(home), **env_extra}
        self.log = (home / "server.log").open("w")
        cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
               "--ServerApp.disable_check_xsrf=False"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}",
                                            timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("JupyterLab did not start: "
                                     + (home / "server.log").read_text()[-3000:])
            time.sleep(0.5)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the server and its kernels
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def pdf_words(pdf: Path) -> list[tuple[float, float, float, float, float, str, int]]:
    """Every word's box on every page: (page width, x0, y0, x1, y1, text, page index),
    from ``pdftotext -bbox``."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    found = []
    for page, chunk in enumerate(out.split("<page ")[1:]):
        width = float(re.match(r'width="([\d.]+)"', chunk).group(1))
        found += [(width, float(a), float(b), float(c), float(d), unescape(t), page)
                  for a, b, c, d, t in re.findall(
                      r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" '
                      r'yMax="([-\d.]+)">([^<]*)<', chunk)]
    return found


def no_space(text: str) -> str:
    """``text`` NFKC-normalized, without white space (which wrapping moves)."""
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def our_html_text(path: Path) -> str:
    """The words of an exporter's HTML file as a reader sees them, without white space:
    no styles, scripts, MathML, title, image placeholders, running header or maths source."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for el in soup.find_all(["style", "script", "math", "title"]):
        el.decompose()
    for el in soup.select(".image-missing, .running-header, code.math-source"):
        el.decompose()
    return no_space(soup.get_text(""))


def structure_elements(pdf) -> list:
    """Every structure element of a pikepdf ``Pdf`` reachable from its tree's root, depth
    first, in order."""
    import pikepdf

    out = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary) and "/S" in node:
            out.append(node)
            for kid in structure_kids(node):
                walk(kid)

    for top in pdf.Root.StructTreeRoot.K:
        walk(top)
    return out


def structure_kids(element) -> list:
    """A structure element's ``/K`` as a list: none, one, or the array's items (elements,
    marked-content ids, object references)."""
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]
