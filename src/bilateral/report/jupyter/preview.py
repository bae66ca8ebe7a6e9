"""A report's PDF, built from a notebook with the parameter values its kernel holds.

``preview.show()`` in a cell of ``trade.ipynb`` (or of any notebook whose metadata names
the same checks, ``{"bilateral": {"checks": "trade"}}``) builds the trade report with the
values the kernel holds for the parameters the report declares (after editing the
``parameters`` cell and running it: no need to save the notebook first) and shows the
PDF's pages inline as PNG images. ``preview.show("tourism", threshold_multiple=3.3)``
names the report and the values.

The build is ``bilateral build NAME -p … --out <a folder of this kernel's> --formats pdf
--quiet``, run as a separate process (``python -m bilateral.cli``), so the preview is the
PDF the build gives for those values, checked as the build checks them; a value it
refuses shows the build's one-line message. The folder is kept while the kernel runs, so
asking again with the same values answers from the build's stamp at once.
"""

from __future__ import annotations

import atexit
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bilateral.core import paths

__all__ = ["Preview", "build", "report_of", "show"]

SCALE = 1.25
"""Pixels per PDF point of the page images: an A4 page is 744 × 1053 pixels."""

_OUT: Path | None = None


def _out() -> Path:
    """The folder this process's previews are built into, removed when it exits."""
    global _OUT
    if _OUT is None:
        _OUT = Path(tempfile.mkdtemp(prefix="bilateral-preview-"))
        atexit.register(shutil.rmtree, _OUT, True)
    return _OUT


@dataclass
class Preview:
    """A report built for a preview: its PDF's pages as images, or the build's error."""

    name: str
    values: dict[str, Any]
    pdf: Path | None = None
    pages: list = field(default_factory=list)
    """The pages as PIL images."""
    error: str | None = None
    """The build's one-line message when it refused the values or failed."""
    seconds: float = 0.0

    def png(self, i: int) -> bytes:
        """Page ``i`` as PNG bytes."""
        buf = io.BytesIO()
        self.pages[i].save(buf, format="PNG")
        return buf.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """One line: the pages and how long the build took, or the build's error."""
        import html

        bundle = {"text/plain": repr(self)}
        if self.error:
            bundle["text/html"] = (f'<p class="bilateral-error" role="alert" style="color:'
                                   f'#b00020;font-family:monospace">{html.escape(self.error)}'
                                   "</p>")
        return bundle

    def __repr__(self) -> str:
        if self.error:
            return self.error
        given = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return (f"{self.name}.pdf: {len(self.pages)} page{'s' if len(self.pages) != 1 else ''}"
                f" ({given}), built in {self.seconds:.1f} s")


# ---------------------------------------------------------------------------- which report

def _metadata(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return {}


def report_of(notebook: str | Path) -> str | None:
    """The report a notebook builds: the notebook in ``notebooks/`` whose metadata names
    the same checks (``bilateral.checks``) as ``notebook``'s, that notebook's own name
    first; None when ``notebook`` names none."""
    path = Path(notebook)
    checks = (_metadata(path).get("bilateral") or {}).get("checks")
    if not checks:
        return None
    names = [path.stem] + sorted(p.stem for p in paths.NOTEBOOKS.glob("*.ipynb"))
    for name in names:
        candidate = paths.NOTEBOOKS / f"{name}.ipynb"
        if candidate.is_file() and (_metadata(candidate).get("bilateral") or {}).get(
                "checks") == checks:
            return name
    return None


def _current_notebook(namespace: dict[str, Any]) -> Path | None:
    """The notebook the kernel runs, as JupyterLab tells the kernel (``__session__``)."""
    import os

    session = namespace.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if not session:
        return None
    path = Path(session)
    if not path.is_absolute():
        for base in (Path.cwd(), paths.ROOT):
            if (base / path).is_file():
                return base / path
        return paths.NOTEBOOKS / path.name
    return path


def _namespace() -> dict[str, Any]:
    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


# ---------------------------------------------------------------------------- the build

def _arguments(name: str, values: dict[str, Any], default_data: str | None) -> list[str]:
    """``-p NAME VALUE`` (``-r`` for text) for each value; ``data_dir`` as ``--data``,
    resolved from the kernel's working folder (the notebook's), when it is not the
    notebook's default."""
    args: list[str] = []
    for key, value in values.items():
        if key == "data_dir":
            if value != default_data:
                args += ["--data", str((Path.cwd() / str(value)).resolve())]
        elif isinstance(value, str):
            args += ["-r", key, value]
        else:
            args += ["-p", key, json.dumps(value, default=_plain)]
    return args


def _plain(value: Any) -> Any:
    """A kernel's value as JSON takes it: a NumPy scalar or array as its Python value
    (``df.year.max()`` is a ``numpy.int64``); anything else as its text, which the build
    then refuses in its one line if it is not a value of the parameter's type."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def build(name: str | None = None, namespace: dict[str, Any] | None = None,
          timeout: float = 600, **values: Any) -> Preview:
    """Build the report ``name`` as a PDF with the parameter values of ``namespace`` (the
    running kernel's globals by default) and ``values``, and read its pages.

    ``name`` defaults to the report of the notebook the kernel runs (see
    :func:`report_of`). Of ``namespace``, only the parameters the report's notebook
    declares are taken; ``values`` win over it.
    """
    from bilateral.core.errors import InputError
    from bilateral.report.jupyter.notebook import declarations

    namespace = _namespace() if namespace is None else namespace
    if name is None:
        current = _current_notebook(namespace)
        name = report_of(current) if current is not None else None
        if name is None:
            where = (f"{current.name} is no report (its metadata names no bilateral.checks)"
                     if current else "the kernel does not say which notebook it runs")
            return Preview("?", values, error=f"ParameterError: {where}; name the report: "
                           "preview.show('trade')")
    try:
        declared, _checks = declarations(name)
    except InputError as exc:
        return Preview(name, values, error=f"{type(exc).__name__}: {exc}")
    chosen = {k: namespace[k] for k in declared if k in namespace}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        return Preview(name, values, error=f"ParameterError: parameter {unknown[0]!r} of "
                       f"{name}: unknown parameter (known: {', '.join(sorted(declared))})")
    chosen.update(values)
    default_data = declared["data_dir"].default if "data_dir" in declared else None
    out = _out() / name
    command = [sys.executable, "-m", "bilateral.cli", "build", name,
               *_arguments(name, chosen, default_data), "--out", str(out),
               "--formats", "pdf", "--quiet"]
    start = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=paths.ROOT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Preview(name, chosen, error=f"bilateral: the build of {name} took more than "
                       f"{timeout:g} s")
    seconds = time.monotonic() - start
    shown = {k: v for k, v in chosen.items() if k != "data_dir"}
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        return Preview(name, shown, error=lines[-1] if lines else
                       f"bilateral build {name} failed (exit {done.returncode})",
                       seconds=seconds)
    pdf = out / f"{name}.pdf"
    return Preview(name, shown, pdf, _pages(pdf), seconds=seconds)


def _pages(pdf: Path) -> list:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return [doc[i].render(scale=SCALE).to_pil() for i in range(len(doc))]
    finally:
        doc.close()


def show(name: str | None = None, namespace: dict[str, Any] | None = None,
         **values: Any) -> Preview:
    """Build the report of this notebook (or ``name``) with the values the kernel holds
    (and ``values``) and show its pages as PNG images; a refused value shows the build's
    one-line message. Returns the :class:`Preview` (shown as one line of text)."""
    preview = build(name, namespace, **values)
    if _namespace():
        from IPython.display import Image, display

        for i in range(len(preview.pages)):
            display(Image(data=preview.png(i), format="png",
                          metadata={"alt": f"Page {i + 1} of {preview.name}.pdf"}))
    return preview
