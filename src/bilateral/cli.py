"""The ``bilateral`` command: argument parsing, progress and exit codes, nothing else.

Exit codes: 0 ok; 1 a notebook failed; 2 bad input (data, parameters, usage);
130 interrupted. Every error is one line on stderr, without a traceback
(``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path

from bilateral import __version__
from bilateral.core import paths
from bilateral.core.text import printable
from bilateral.engine import signals

EXIT_OK, EXIT_NOTEBOOK, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

EPILOG = """exit codes, the same for every command: 0 ok (built or up to date, no
differences, verified, approved); 1 a notebook failed or a report could not be made
(build), differences found (diff, verify), the PDF does not verify (approve); 2 bad
input (data, parameters, notebook, record, PDF, key, usage); 130 interrupted. Errors
are one line on stderr."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message):
        _say(f"error: {message} (see {self.prog} --help)")
        sys.exit(EXIT_INPUT)


def _formats(text: str) -> tuple[str, ...]:
    return tuple(f.strip().lower() for f in text.split(",") if f.strip())


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="bilateral", description="Build and inspect the bilateral reports: "
                "parameterized notebooks executed with papermill, rendered to HTML and PDF.",
                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"bilateral {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    b = sub.add_parser(
        "build", help="execute notebooks and render their reports",
        description="Execute notebooks with papermill and render each to reports/<name>."
        "{ipynb,html,pdf}. Only targets whose inputs changed are rebuilt.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebook names or paths (default: every notebook in notebooks/)")
    b.add_argument("-p", "--parameters", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUE"), help="set a parameter, as with papermill "
                   "(repeatable; converted to the type the notebook declares, or that of "
                   "its default)")
    b.add_argument("-r", "--parameters-raw", "--parameters_raw", nargs=2, action="append",
                   default=[], metavar=("NAME", "VALUE"), help="set a text parameter to "
                   "VALUE as it is, never converted (repeatable)")
    b.add_argument("-f", "--parameters-file", "--parameters_file", action="append",
                   default=[], metavar="FILE", help="YAML mapping of parameter values "
                   "(repeatable)")
    b.add_argument("-y", "--parameters-yaml", "--parameters_yaml", action="append",
                   default=[], metavar="YAML", help="YAML mapping of parameter values, "
                   "e.g. '{msg: hi, n: 3}' (repeatable)")
    b.add_argument("-b", "--parameters-base64", "--parameters_base64", action="append",
                   default=[], metavar="BASE64", help="base64 of a YAML mapping of parameter "
                   "values (repeatable). Later sources win, in papermill's order: "
                   "--scenario, -b, -f, -y, -p, -r")
    b.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="build the parameter set params/NAME.yaml into reports/NAME/ "
                   "(repeatable)")
    b.add_argument("--all-scenarios", action="store_true",
                   help="build every scenario in params/")
    b.add_argument("--sweep", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUES"),
                   help="build under every value of a YAML list, e.g. --sweep horizon_year "
                   "'[2030, 2035]'; several --sweep make every combination, each into "
                   "OUT/NAME-VALUE_.../ (with --scenario, each scenario crossed with them)")
    b.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run each report as a Dask task: local:N for a local cluster of N "
                   "workers, or a scheduler's address such as tcp://host:8786 (needs "
                   "bilateral[dask]); default: this machine's process pool (--jobs)")
    b.add_argument("--data", type=Path, default=paths.DATA, metavar="DIR",
                   help="data folder (default: data/)")
    b.add_argument("--out", type=Path, default=paths.REPORTS, metavar="DIR",
                   help="output folder (default: reports/)")
    b.add_argument("--formats", type=_formats, default=("html", "pdf"), metavar="LIST",
                   help="comma-separated: html, pdf (default: html,pdf)")
    b.add_argument("--timeout", type=int, default=600, metavar="SECONDS",
                   help="longest a report may take, execution and rendering (default: 600)")
    b.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="notebooks built at once, in separate processes (default: cores)")
    b.add_argument("--force", action="store_true", help="rebuild even what is up to date")
    b.add_argument("--dry-run", action="store_true",
                   help="say what would be built and why; build nothing")
    b.add_argument("--show-code", action="store_true", help="include code cells in the reports")
    b.add_argument("--paper", default="a4", choices=["a4", "letter"],
                   help="PDF page size (default: a4)")
    b.add_argument("--notebooks-dir", type=Path, default=paths.NOTEBOOKS, metavar="DIR",
                   help="where notebook names are looked up (default: notebooks/)")
    b.add_argument("--params-dir", type=Path, default=paths.PARAMS, metavar="DIR",
                   help="where scenarios are looked up (default: params/)")
    b.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    b.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")

    q = sub.add_parser("params", help="list each notebook's parameters",
                       description="List each notebook's parameters: name, type, default, "
                       "allowed range, help.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebook names or paths (default: every notebook in notebooks/)")
    q.add_argument("--notebooks-dir", type=Path, default=paths.NOTEBOOKS, metavar="DIR",
                   help="where notebook names are looked up (default: notebooks/)")
    q.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    d = sub.add_parser(
        "diff", help="what changed between two builds, reports or PDFs",
        description="Compare two builds from their results records: two output folders, "
        "two .results.json files or two report PDFs (their embedded record). Lists each "
        "verdict, figure, parameter and computed value that changed, old → new, verdicts "
        "first.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("old", type=Path, metavar="OLD", help="output folder, .results.json or PDF")
    d.add_argument("new", type=Path, metavar="NEW", nargs="?",
                   help="output folder, .results.json or PDF")
    d.add_argument("--since-approved", action="store_true",
                   help="compare the one path given (NEW: a report's PDF or an output "
                   "folder) with its last approved copy, in approved/ beside it")
    d.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="a table for the terminal (default), Markdown for a review "
                   "comment, or JSON for tools")
    d.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    v = sub.add_parser(
        "verify", help="prove a report's PDF shows what the evidence inside it says",
        description="Check a report's PDF against the evidence it carries: recompute every "
        "value and verdict from the embedded data and parameters; render the embedded "
        "executed notebook again (never executing it) and compare the pages, byte for byte "
        "or in text and pixels; check that the claims on the pages are the record's and "
        "that the evidence is this document's; and report every approval's signature.",
        epilog="Each difference is one line on stdout.\n" + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("pdf", type=Path, metavar="REPORT.pdf", help="a PDF built by bilateral")
    v.add_argument("--record-only", action="store_true",
                   help="recompute the record only; do not render the pages again (faster, "
                   "proves less)")
    v.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    from bilateral.review.approve import PASSPHRASE_ENV

    a = sub.add_parser(
        "approve", help="sign a verified report's PDF as a reviewer's approval",
        description="Verify REPORT.pdf, then sign it with a PAdES signature (pyHanko) added "
        "as an incremental update: the PDF as built stays unchanged inside the approved "
        "file, with its evidence and its PDF/A-3 conformance. The approved copy is written "
        "to approved/REPORT.pdf beside it (a folder no build writes to), or to --out.",
        epilog=f"An encrypted key's passphrase is read from ${PASSPHRASE_ENV}.\n" + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("pdf", type=Path, metavar="REPORT.pdf", help="a PDF built by bilateral")
    a.add_argument("--key", type=Path, required=True, help="the reviewer's private key (PEM "
                   "or DER)")
    a.add_argument("--cert", type=Path, required=True, help="the reviewer's certificate "
                   "(PEM or DER)")
    a.add_argument("--reason", default="Approved after review",
                   help="the reason the signature gives (default: %(default)s)")
    a.add_argument("--out", type=Path, help="where to write the approved PDF (default: "
                   "approved/REPORT.pdf beside it)")
    a.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return p


def _cmd_diff(args) -> int:
    from bilateral.core.errors import InputError
    from bilateral.review import approve, diff

    old, new = args.old, args.new
    if args.since_approved:
        if new is not None:
            raise InputError("diff --since-approved takes one path, the new report or "
                             "output folder; its approved copy is the old one")
        old, new = approve.approved_copy(old), old
        if not old.exists():
            raise InputError(f"{new}: nothing approved yet ({old} does not exist; "
                             "bilateral approve writes it)")
    elif new is None:
        raise InputError("diff takes two paths, OLD and NEW (or one with --since-approved)")
    found = diff.compare(old, new)
    show = {"text": diff.as_text, "markdown": diff.as_markdown, "json": diff.as_json}
    # Every text from a record is made safe for a terminal by the formatter (diff.cell);
    # a reader gone (`bilateral diff ... | head`) or a terminal that cannot show a
    # character changes nothing of the exit code (_write).
    _write(sys.stdout, show[args.format](found))
    return 1 if found else 0


def _cmd_verify(args) -> int:
    from bilateral.review import diff, verify

    v = verify.verify(args.pdf, check_pages=not args.record_only)
    out = sys.stdout
    if v.changes:
        _write(out, diff.as_text(v.changes))
    else:
        _say(f"{args.pdf}: verified: {verify.summary(v.record)} match the embedded evidence",
             out)
    if v.pages is not None and v.pages.ok:
        _say(f"{args.pdf}: verified: {verify.pages_line(v.pages)}", out)
    elif args.record_only:
        _say(f"{args.pdf}: the pages were not checked (--record-only)", out)
    for s in v.approvals:
        state = "not changed since" if not s.problem else s.problem
        _say(f"{args.pdf}: approved by {s.signer} on {s.time}: {state}", out)
    for note in v.notes:
        _say(f"{args.pdf}: note: {note}", out)
    for problem in v.problems:
        _say(f"{args.pdf}: {problem}", out)
    if v.ok:
        return 0
    n = v.failures
    _say(f"{args.pdf}: does not verify: {n} difference{'s' if n != 1 else ''} from what its "
         "evidence says" + ("; the code differs from the one that built it"
                            if any("installed code" in x for x in v.notes) else ""))
    return 1


def _cmd_approve(args) -> int:
    from bilateral.review import approve, verify

    v = verify.verify(args.pdf)
    if not v.ok:
        _say(f"{args.pdf}: not approved: it does not verify ({v.failures} difference"
             f"{'s' if v.failures != 1 else ''}; bilateral verify {args.pdf} lists them)")
        return EXIT_NOTEBOOK
    # The bytes that were verified are the bytes signed (read once, bounded).
    signed = approve.sign(v.data, args.key, args.cert, reason=args.reason,
                          shown=str(args.pdf))
    dest = args.out or approve.approved_copy(args.pdf)
    approve.write(dest, signed)
    s = approve.signatures(signed)[-1]
    _say(f"{dest}: approved by {s.signer} on {s.time}", sys.stdout)
    return 0


def _say(message: str, stream=None) -> None:
    """Write one line ``bilateral: <message>``, as printable text (see ``text.printable``)."""
    _write(stream or sys.stderr, f"bilateral: {printable(message)}\n")


def _write(stream, text: str) -> bool:
    """Write ``text`` to ``stream`` and flush it; False when the stream is gone: closed
    (``2>&-``), a pipe whose reader has left (``2>&1 | head -1``), a full disk. What the
    command does never depends on its messages being read: it goes on, and its exit code
    is its work's. The stream's descriptor then leads to ``/dev/null``, so that nothing
    else writes into the dead pipe either (a library's warning, a process started later)."""
    if stream is None:
        return False
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:  # a terminal that cannot show a character: say it as \u…
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        stream.flush()
        return True
    except (OSError, ValueError):
        _to_devnull(stream)
        return False


def _to_devnull(stream) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != fd:
            os.dup2(devnull, fd)
            os.close(devnull)


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (OSError, ValueError, AttributeError):
        return False


def _standard_streams() -> None:
    """Descriptors 0, 1 and 2 open, and ``sys.stdout`` and ``sys.stderr`` objects, however
    the command was started: a closed descriptor (``2>&-``) leads to ``/dev/null``, so that
    no file the build opens later takes its number and receives what is meant for the
    terminal (a library's or a child process's messages)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_RDWR)
                if devnull != fd:
                    os.dup2(devnull, fd)
                    os.close(devnull)
    for name, fd in (("stdout", 1), ("stderr", 2)):
        if getattr(sys, name) is None:  # Python found the descriptor closed at start
            with contextlib.suppress(OSError, ValueError):
                setattr(sys, name, open(fd, "w", encoding="utf-8", errors="backslashreplace",
                                        buffering=1, closefd=False))


class Progress:
    """Progress of a build on stderr.

    On a terminal: a line per target with its state, updated in place, and a bar of
    finished targets under them. Elsewhere: one plain line per step. Failures are
    printed once, at the end, by :func:`main`, so that they stay the last line.
    """

    MARKS = {"queued": "·", "running": "▶", "published": "✔", "up to date": "=",
             "would build": "?", "failed": "✘", "left out": "–"}
    DONE = {"published", "up to date", "failed", "left out"}

    def __init__(self, quiet: bool, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet or self.stream is None
        self.tty = _isatty(self.stream) and os.environ.get("TERM") != "dumb"
        self.rows: dict[str, tuple[str, str]] = {}
        self.drawn = 0

    def __call__(self, key: str, state: str, detail: str) -> None:
        if self.quiet:
            return
        if state == "warning":
            clear = ""
            if self.tty and self.drawn:
                clear = f"\x1b[{self.drawn}F\x1b[J"
                self.drawn = 0
            self._put(f"{clear}bilateral: {printable(f'warning: {detail}')}\n")
            if self.tty and self.rows:
                self._draw()
            return
        key, detail = printable(key, 200), printable(detail, 300)
        if self.tty:
            self.rows[key] = (state, detail)
            self._draw()
        elif state != "failed":
            line = f"{key}: {state}" + (f" ({detail})" if detail else "")
            self._put(f"bilateral: {printable(line)}\n")

    def _put(self, text: str) -> None:
        """Write to the stream; when it is gone, the build goes on without progress."""
        if not self.quiet and not _write(self.stream, text):
            self.quiet = True

    def _draw(self) -> None:
        width = max(40, _width() - 1)
        lines = [f"{self.MARKS.get(state, ' ')} {key:<26} {state}"
                 + (f"  {detail}" if detail and state != "failed" else "")
                 for key, (state, detail) in self.rows.items()]
        done = sum(1 for state, _ in self.rows.values() if state in self.DONE)
        total = len(self.rows)
        filled = round(24 * done / total) if total else 0
        lines.append(f"[{'#' * filled}{'-' * (24 - filled)}] {done}/{total} done")
        up = f"\x1b[{self.drawn}F" if self.drawn else ""
        self._put(up + "".join(f"\x1b[2K{line[:width]}\n" for line in lines))
        self.drawn = len(lines)


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 20)).columns


def _cmd_params(args) -> int:
    from bilateral.core.errors import NotebookSourceError
    from bilateral.core.text import shown
    from bilateral.engine.options import notebook_names, resolve_notebook
    from bilateral.params import notebook_parameters, read_notebook

    names = args.notebooks or notebook_names(args.notebooks_dir)
    listed = []
    for n in names:  # every notebook read before anything is printed
        name, path = resolve_notebook(n, args.notebooks_dir)
        ps, why = notebook_parameters(read_notebook(path, shown(path)), shown(path))
        if ps is None:
            raise NotebookSourceError(shown(path), why)
        listed.append((name, path, ps, why))
    try:
        _print_params(listed)
        sys.stdout.flush()
    except BrokenPipeError:  # `bilateral params | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_OK


def _print_params(listed) -> None:
    from bilateral.core.text import shown

    for name, path, ps, why in listed:
        print(printable(f"{name} ({shown(path)})"))
        if why:
            print(printable(f"  no parameters: it {why}"))
        elif not ps:
            print("  no parameters: its parameters cell assigns none")
        for p in ps.values():
            allowed = f"  allowed {p.allowed}" if p.allowed else ""
            type_ = p.shown_type.ljust(12) if len(p.shown_type) < 12 else f"{p.shown_type} "
            print(printable(f"  {p.name:<22} {type_} default {p.shown_default}{allowed}"))
            if p.help:
                print(printable(f"  {'':<22} {p.help}"))


def _cmd_build(args) -> int:
    from bilateral.engine import quick
    from bilateral.engine.options import Options

    opts = Options(
        notebooks=args.notebooks, parameters=[tuple(x) for x in args.parameters],
        parameter_files=args.parameters_file, parameters_yaml=args.parameters_yaml,
        parameters_raw=[tuple(x) for x in args.parameters_raw],
        parameters_base64=args.parameters_base64, scenarios=args.scenario,
        all_scenarios=args.all_scenarios, sweeps=[tuple(x) for x in args.sweep],
        scheduler=args.scheduler, data_dir=args.data, out_dir=args.out,
        formats=args.formats, timeout=args.timeout, jobs=args.jobs, force=args.force,
        dry_run=args.dry_run, show_code=args.show_code, paper=args.paper,
        notebooks_dir=args.notebooks_dir, params_dir=args.params_dir, debug=args.debug)
    fresh = quick.up_to_date(opts)
    if fresh is not None:  # nothing changed since the last good build: no plan needed
        report = Progress(args.quiet)
        for key in fresh:
            report(key, "up to date", "")
        if not args.quiet and not args.dry_run:
            _say(f"0 built, {len(fresh)} up to date")
        return EXIT_OK
    from bilateral.engine.build import build

    outcomes = build(opts, Progress(args.quiet))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        text = str(o.error)
        first, _, trace = text.partition("\n")
        _say(first)
        if args.debug and trace:
            _write(sys.stderr, trace.rstrip("\n") + "\n")
    if failed:
        return EXIT_NOTEBOOK
    if not args.quiet and not args.dry_run:
        built = sum(1 for o in outcomes if not o.skipped)
        _say(f"{built} built, {len(outcomes) - built} up to date")
    return EXIT_OK


def skip_iri_grammar() -> None:
    """Spare this process the ~1 s that ``import jsonschema`` spends on an unused grammar.

    jsonschema imports ``rfc3987_syntax`` (installed with jupyterlab, through
    jupyter-events) only to check the ``iri`` string format, and that module builds a
    Lark grammar at import time. No notebook schema of nbformat uses that format, so this
    process marks the module absent; jsonschema then skips the check, as it does when the
    package is not installed. Other processes (JupyterLab, the kernels) are unaffected.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bilateral`` console script.

    Interrupts are handled from the first moment: SIGINT, SIGTERM and SIGHUP before any
    argument is parsed or any module of the tool chain imported. A closed or broken
    stderr (or stdout) changes nothing of what the command does or of its exit code:
    SIGPIPE is ignored (a write to a pipe whose reader has left fails instead, and is
    let go: see :func:`_write`), and closed standard descriptors lead to ``/dev/null``.
    """
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    _standard_streams()
    with signals.handling():
        code = _main(argv)
    if argv is None:
        # The command has said its last line and left nothing running. Exit now, with
        # this status: neither a signal arriving during the interpreter's shutdown nor an
        # interrupt that was handled during an import (CPython then ends the process with
        # SIGINT at exit, whatever the status) can change it.
        for s in signals.SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    return code


def _main(argv: list[str] | None) -> int:
    debug = False
    try:
        skip_iri_grammar()
        args = parser().parse_args(argv)
        debug = args.debug
        from bilateral.core.errors import BilateralError

        try:
            if args.command == "params":
                return _cmd_params(args)
            if args.command == "diff":
                return _cmd_diff(args)
            if args.command == "verify":
                return _cmd_verify(args)
            if args.command == "approve":
                return _cmd_approve(args)
            return _cmd_build(args)
        except BilateralError as exc:
            _say(str(exc).partition("\n")[0])
            return exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted; no partial file was published")
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        _say(f"unexpected {type(exc).__name__}: {first} (run again with --debug for the "
             "traceback)")
        return EXIT_NOTEBOOK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
