"""Execute one notebook with papermill, in a kernel that talks over IPC, within a deadline.

The kernel runs the private copy of the notebook (see ``workspace``) in the notebook's own
folder, with the parameters papermill injects. It is started by a kernel manager whose
transport is IPC: Unix sockets in the build's private folder, so its five channels open
no TCP port, and ipykernel has no "running over TCP without encryption" warning to give.
(ipykernel itself still binds one loopback port, the IOPub pipe that carries the output
of processes a cell forks: ``kernelapp.init_iopub`` creates it unconditionally, its
messages authenticated by a random key, and no option turns it off.) Its standard
error (and standard output) go to a file, read when the kernel dies and reported when it
has something to say; nothing the kernel says is dropped.

Each cell may run for what is left of the target's time (``--timeout`` bounds the whole
target), and a cell's outputs are bounded as they arrive (:data:`MAX_OUTPUT_CHARS`,
:data:`MAX_NOTEBOOK_OUTPUT`): what is cut is replaced by a visible note.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from pathlib import Path

from bilateral.core.errors import NotebookError
from bilateral.core.text import printable, recorded

# papermill hands its logger to nbclient, whose errors would otherwise reach stderr through
# logging's last-resort handler as a second line; ours is the one line that reports them.
logging.getLogger("papermill").addHandler(logging.NullHandler())

ENGINE = "bilateral"
INJECTED_TAG = "injected-parameters"
TIMINGS = ("start_time", "end_time", "duration")
"""papermill's clock readings, left out of the published record."""
# papermill's tag on the error-message and anchor cells it inserts into the notebook it
# writes after a failure (papermill.execute.ERROR_MARKER_TAG).
ERROR_CELL_TAG = "papermill-error-cell-tag"
TRUNCATED_TAG = "bilateral-truncated"

MAX_OUTPUT_CHARS = 100_000
"""Longest text of one output (a stream, text, HTML, SVG), in characters: about 30 pages."""
MAX_TEXT_CHARS = 500_000
"""Longest text of all of a notebook's outputs together, in characters."""
MAX_IMAGE_CHARS = 4_000_000
"""Largest image of one output, in characters of base64 (about 3 MB)."""
MAX_NOTEBOOK_OUTPUT = 16_000_000
"""Largest sum of a notebook's outputs, images included, in characters."""


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def executed_cells(nb) -> list:
    """The cells as papermill ran them: the written notebook without the error-message and
    anchor cells papermill inserts after a failure. Its failing cell index counts here."""
    return [c for c in nb.cells if ERROR_CELL_TAG not in tags(c)]


def cell_number(cells: list, index: int | None, source=None) -> int | None:
    """1-based position in the source notebook of the executed cell ``cells[index]``.

    Found by cell id: papermill keeps the source's ids, and its injected-parameters cell
    is not in the source. When the id is not found once in ``source`` (a notebook older
    than nbformat 4.5 has no ids, and papermill makes up new ones), by position, with
    the injected cell skipped, and the error cells of an earlier papermill run that the
    source still holds (papermill removes them before it runs) counted where they are.
    None when unknown, or when the injected cell itself failed.
    """
    if index is None or not 0 <= index < len(cells):
        return None
    cell = cells[index]
    if INJECTED_TAG in tags(cell):
        return None
    ids = [c.get("id") for c in source.cells] if source is not None else []
    if cell.get("id") and ids.count(cell.get("id")) == 1:
        return ids.index(cell.get("id")) + 1
    position = index - sum(1 for c in cells[:index] if INJECTED_TAG in tags(c))
    if source is not None:
        ran = [i for i, c in enumerate(source.cells) if ERROR_CELL_TAG not in tags(c)]
        if position < len(ran):
            return ran[position] + 1
    return position + 1


def running_index(cells: list) -> int | None:
    """The cell that was running when execution stopped: the last one that started."""
    started = [i for i, c in enumerate(cells)
               if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    return started[-1] if started else None


# ---------------------------------------------------------------------------- output bounds

def _chars(output) -> int:
    n = len(output.get("text", "") or "")
    for v in (output.get("data") or {}).values():
        n += len(v) if isinstance(v, str) else len(str(v))
    return n


def _note(text: str):
    from nbformat.v4 import new_output

    out = new_output("stream", name="stdout", text=f"[bilateral: {text}]\n")
    return out


def _is_image(key: str) -> bool:
    return key.startswith("image/") and key != "image/svg+xml"


def _text_chars(output) -> int:
    n = len(output.get("text", "") or "")
    for k, v in (output.get("data") or {}).items():
        if not _is_image(k):
            n += len(v) if isinstance(v, str) else len(str(v))
    return n


def _bound_output(output) -> tuple[object | None, str | None]:
    """One output within the per-output bounds, and a note when something was cut."""
    if output.get("output_type") == "stream":
        text = output.get("text", "") or ""
        if len(text) > MAX_OUTPUT_CHARS:
            output["text"] = text[:MAX_OUTPUT_CHARS]
            return output, (f"{len(text) - MAX_OUTPUT_CHARS:,} more characters of this output "
                            f"are not shown (the limit is {MAX_OUTPUT_CHARS:,})")
        return output, None
    data = output.get("data")
    if not isinstance(data, dict):
        return output, None
    cut = []
    for key in list(data):
        value = data[key]
        size = len(value) if isinstance(value, str) else len(str(value))
        if size > (MAX_IMAGE_CHARS if _is_image(key) else MAX_OUTPUT_CHARS):
            if key == "text/plain" and isinstance(value, str):
                data[key] = value[:MAX_OUTPUT_CHARS]
            else:
                del data[key]
            cut.append(key)
    if not cut:
        return output, None
    return (output if data else None), (
        f"an output too large to show ({', '.join(cut)}) was cut: the limit is "
        f"{MAX_OUTPUT_CHARS:,} characters of text, {MAX_IMAGE_CHARS:,} for an image")


def _merged_streams(outputs: list) -> list:
    """Consecutive outputs of the same stream as one (as a notebook front end shows them)."""
    merged: list = []
    for o in outputs:
        if (o.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == o.get("name")):
            merged[-1]["text"] = (merged[-1].get("text", "") or "") + (o.get("text", "") or "")
        else:
            merged.append(o)
    return merged


def bound_outputs(nb) -> int:
    """Cut each output to its bound and leave out what is past the notebook's; put a note
    where something was cut. Returns the number of notes."""
    total, text, notes = 0, 0, 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not cell.get("outputs"):
            continue
        kept, cell_notes = [], []
        for output in _merged_streams(cell.outputs):
            if total > MAX_NOTEBOOK_OUTPUT or text > MAX_TEXT_CHARS:
                cell_notes.append("outputs past the report's limit (" + (
                    f"{MAX_TEXT_CHARS:,} characters of text" if text > MAX_TEXT_CHARS else
                    f"{MAX_NOTEBOOK_OUTPUT:,} characters in all") + ") are left out")
                break
            bounded, note = _bound_output(output)
            if note:
                cell_notes.append(note)
            if bounded is not None:
                total += _chars(bounded)
                text += _text_chars(bounded)
                kept.append(bounded)
        if cell.metadata.get(TRUNCATED_TAG):
            cell_notes.append("outputs past the report's limit were left out while the cell "
                              "ran")
            del cell.metadata[TRUNCATED_TAG]
        for note in dict.fromkeys(cell_notes):
            kept.append(_note(note))
            notes += 1
        cell.outputs = kept
    return notes


# ---------------------------------------------------------------------------- kernel, engine

class _Run:
    """What the engine needs to run one target, and what it leaves for the caller."""

    def __init__(self, deadline: float, connection_file: Path, stderr_path: Path,
                 warm_socket: Path | None = None):
        self.deadline, self.connection_file, self.stderr_path = (
            deadline, connection_file, stderr_path)
        self.warm_socket = warm_socket
        self.nb = None
        self.ran_bytes: int | None = None
        """How much the kernel had written to its log when the last cell ended: what it
        says after that is its shutdown, not news."""

    def cell_timeout(self, cell) -> int:
        """A cell may run for what is left of the target's time (at least a second)."""
        return max(1, int(self.deadline - time.monotonic() + 0.999))


MPLBACKEND = "module://matplotlib_inline.backend_inline"


def kernel_environment(base: dict[str, str]) -> dict[str, str]:
    """The environment the kernels start from: this interpreter's folder first on PATH,
    and matplotlib's inline backend unless one is chosen."""
    env = dict(base)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", MPLBACKEND)
    return env


def _kernel_manager_class(connection_file: Path, warm_socket: Path | None):
    """A kernel manager on the IPC transport, its connection file (and so its sockets,
    named after it) in the build's private folder; its kernel forked warm by the build's
    pool when there is one (``warm``)."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    from bilateral.engine.kernels import PROJECT_KERNEL, project_spec

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _transport_default(self):
            return "ipc"

        @default("connection_file")
        def _connection_file_default(self):
            return str(connection_file)

        @property
        def kernel_spec(self):
            if self._kernel_spec is None and self.kernel_name == PROJECT_KERNEL:
                self._kernel_spec = project_spec()  # never looked up (engine/kernels.py)
            return super().kernel_spec

        async def start_kernel(self, **kw):
            if warm_socket is not None and self.provisioner is None:
                from bilateral.engine.warm import provisioner_class

                self.kernel_id = self.kernel_id or str(uuid.uuid4())
                self.provisioner = provisioner_class(warm_socket)(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            return await super().start_kernel(**kw)

    return IPCKernelManager


def _engine():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.log import logger

    class BoundedClient(PapermillNotebookClient):
        """papermill's client, with the notebook's outputs bounded as they arrive."""

        total = 0
        bilateral_run: _Run | None = None

        def papermill_execute_cells(self):
            super().papermill_execute_cells()
            run = self.bilateral_run
            if run is not None:
                with contextlib.suppress(OSError):
                    run.ran_bytes = os.path.getsize(run.stderr_path)

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is not None:
                BoundedClient.total += _chars(out)
                if BoundedClient.total > MAX_NOTEBOOK_OUTPUT and outs and outs[-1] is out:
                    outs.pop()
                    self.nb.cells[cell_index].metadata[TRUNCATED_TAG] = True
                    return None
                if _chars(out) > 2 * MAX_IMAGE_CHARS:
                    bounded, _ = _bound_output(out)
                    if bounded is None and outs and outs[-1] is out:
                        outs.pop()
                        self.nb.cells[cell_index].metadata[TRUNCATED_TAG] = True
            return out

    class BilateralEngine(NBClientEngine):
        """papermill's nbclient engine with an IPC kernel, bounded outputs, a deadline for
        the whole notebook and the kernel's stderr kept (papermill's engine API)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, bilateral_run=None, **kwargs):
            run: _Run = bilateral_run
            run.nb = nb_man.nb
            kwargs.pop("input_path", None)
            BoundedClient.total = 0
            client = BoundedClient(
                nb_man, timeout_func=run.cell_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logger, log_output=False,
                kernel_manager_class=_kernel_manager_class(run.connection_file,
                                                           run.warm_socket), **kwargs)
            client.bilateral_run = run
            with open(run.stderr_path, "ab") as err:
                # start_kernel's keyword arguments reach the kernel's Popen: what the
                # kernel process itself writes (not its cells' output, which comes as
                # messages) is kept in the target's log instead of the build's terminal.
                return client.execute(stdout=err, stderr=err)

    return BilateralEngine


def _register() -> None:
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE, _engine())


# jupyter_client interrupts a kernel before asking it to shut down, and ipykernel logs
# that interrupt: the one line a kernel always says on a clean shutdown, not news.
_SHUTDOWN_ECHO = "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel."


def last_line(path: Path, upto: int | None = None) -> str:
    """The last line of a text file that says something (the kernel's shutdown echo
    aside), or ''; only in its first ``upto`` bytes when given."""
    try:
        with open(path, "rb") as fh:
            end = os.fstat(fh.fileno()).st_size if upto is None else upto
            fh.seek(max(0, end - 4096))
            lines = fh.read(end - max(0, end - 4096)).decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    said = [ln.strip() for ln in lines if ln.strip() and ln.strip() != _SHUTDOWN_ECHO]
    return printable(said[-1], 200) if said else ""


def _finish(nb, t) -> None:
    """Make the executed record show what the user asked for, the same on every rebuild."""
    from papermill.translators import PythonTranslator

    for cell in nb.cells:
        if INJECTED_TAG in tags(cell):
            # papermill gives the injected cell a random id; a fixed one keeps rebuilds
            # identical.
            cell.id = INJECTED_TAG
            run_dir, user_dir = t.run_parameters.get("data_dir"), t.parameters.get("data_dir")
            if run_dir and user_dir and run_dir != user_dir:
                cell.source = cell.source.replace(PythonTranslator.translate_str(run_dir),
                                                  PythonTranslator.translate_str(user_dir))
    pm_meta = nb.metadata.get("papermill", {})
    pm_meta["parameters"] = dict(t.parameters)
    # Paths relative to the project (or a bare name), and no clock times: the record says
    # nothing of the machine, and two builds anywhere write the same bytes.
    pm_meta["input_path"] = recorded(t.source)
    pm_meta["output_path"] = recorded(t.out_dir / f"{t.name}.ipynb")
    for key in TIMINGS:
        pm_meta.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in TIMINGS:
            cell.metadata.get("papermill", {}).pop(key, None)


def execute(t, staging: Path, deadline: float, timeout: int, kernel_dir: Path):
    """Run the notebook into ``staging/<name>.ipynb``; raise NotebookError when it fails.

    Whatever happens, the executed notebook (as far as it ran) is written there, with
    outputs bounded, for the failed-notebook folder.
    """
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    _register()
    staging.mkdir(parents=True, exist_ok=True)
    out = staging / f"{t.name}.ipynb"
    from bilateral.engine.warm import SOCKET_NAME, wanted

    warm_socket = kernel_dir / SOCKET_NAME
    run = _Run(deadline, kernel_dir / f"{t.index}.json", staging / "kernel-stderr.txt",
               warm_socket if wanted() and warm_socket.exists() else None)
    os.environ.update(kernel_environment(dict(os.environ)))
    error: NotebookError | None = None
    nb = None
    try:
        nb = pm.execute_notebook(
            str(t.run_source), None, parameters=t.run_parameters,
            cwd=os.path.abspath(t.source.parent), kernel_name=t.kernel, progress_bar=False,
            log_output=False, report_mode=False, engine_name=ENGINE, bilateral_run=run)
    except pm.PapermillExecutionError as exc:
        error = NotebookError(t.key, exc.cell_index, exc.ename, excerpt_evalue(exc.evalue))
    except CellTimeoutError:
        error = NotebookError(t.key, None, "Timeout", f"stopped after {timeout} s (--timeout "
                              "bounds each report, rendering included)")
    except DeadKernelError:
        said = last_line(run.stderr_path)
        error = NotebookError(t.key, None, "DeadKernel", "the kernel died while the cell ran"
                              + (f"; it said: {said}" if said else ""))
    except RuntimeError as exc:  # jupyter_client: the kernel did not start or answer
        said = last_line(run.stderr_path)
        error = NotebookError(t.key, None, "KernelStart", f"{excerpt_evalue(str(exc))}"
                              + (f"; it said: {said}" if said else ""))
    nb = nb if nb is not None else run.nb
    # Numbered before _finish takes papermill's clock readings out of the record: they
    # tell which cell was running when time ran out or the kernel died.
    numbered = _numbered(error, nb, t) if error is not None else None
    if nb is not None:
        _finish(nb, t)
        bound_outputs(nb)
        nbformat.write(nb, out)
    if numbered is not None:
        raise numbered
    return nb, (last_line(run.stderr_path, run.ran_bytes) if run.ran_bytes else "")


def excerpt_evalue(text: str) -> str:
    return printable(text or "", 1000)


def _numbered(error: NotebookError, nb, t) -> NotebookError:
    """The error with the source notebook's number of the failing cell."""
    import nbformat

    if nb is None:
        return NotebookError(error.notebook, None, error.ename, error.evalue)
    cells = executed_cells(nb)
    index = error.cell if error.ename not in ("Timeout", "DeadKernel", "KernelStart") \
        else running_index(cells)
    try:
        source = nbformat.read(str(t.run_source), as_version=4)
    except Exception:  # naming the cell is a courtesy
        source = None
    return NotebookError(error.notebook, cell_number(cells, index, source), error.ename,
                         error.evalue)


__all__ = ["execute", "bound_outputs", "cell_number", "executed_cells", "running_index"]
