"""Targets run as Dask tasks (``--scheduler``): the same work as a local worker's, on any
machine a Dask scheduler reaches.

A task carries everything its target reads: the notebook as read and hashed, the data
folder's private copy (its files as bytes), the target's parameters and the options that
decide how it renders. On the worker, a fresh interpreter (``python -m
bilateral.engine.remote``, so that the target runs in a main thread, where its deadline
and papermill's kernel management work as they do locally) makes a private folder,
writes those copies, runs :func:`bilateral.engine.target.run_target` and sends back the
target's files as bytes. The client writes them into its staging folder and publishes
them as the local pool's results are published: same locks, state, index and exit codes.
No shared file system is needed.

Before any task is sent, every worker is asked for the versions of bilateral (the digest
of its code) and of the packages that render; a worker that differs is refused in one
line, since its reports would not be the client's.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from bilateral.core.errors import TargetError, UsageError
from bilateral.engine.pool import Result

MAX_RESULT = 512 * 1024 * 1024
"""The largest answer a task may send back (a report's files as bytes)."""


@dataclass
class Task:
    """One target, with its inputs as bytes: what travels to the worker."""

    target: object
    notebook: bytes
    data: dict[str, bytes]
    """Data files by path relative to the data folder (empty when it reads none)."""
    opts: object
    report_date: str


def _versions() -> dict[str, str]:
    from bilateral.review.results import versions

    found = versions()
    found.pop("bilateral commit", None)  # a worker installed from a wheel has none
    found["python"] = ".".join(map(str, sys.version_info[:2]))
    return found


def connect(address: str):
    """A Dask client on ``local:N`` (a LocalCluster of N single-threaded worker
    processes on this machine) or a scheduler's address. Raises UsageError."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'bilateral[dask]'") from None
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if address.startswith("local:"):
        n = address.removeprefix("local:")
        if not n.isdigit() or not 1 <= int(n) <= 256:
            raise UsageError(f"--scheduler {address}: expected local:N with N from 1 to 256")
        cluster = LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        return Client(cluster), cluster
    try:
        return Client(address, timeout=15), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--scheduler {address}: cannot reach the scheduler ({exc})"
                         ) from None


def check_workers(client) -> None:
    """Refuse workers whose bilateral or rendering packages are not the client's."""
    mine = _versions()
    theirs = client.run(_versions)
    if not theirs:
        raise UsageError("--scheduler: the cluster has no workers")
    for worker, found in sorted(theirs.items()):
        differ = [f"{k} {found.get(k, 'missing')} (here {v})" for k, v in mine.items()
                  if found.get(k) != v]
        if differ:
            raise UsageError(f"Dask worker {worker} does not have this build's packages: "
                             + ", ".join(differ[:4]) + (" …" if len(differ) > 4 else ""))


_server: subprocess.Popen | None = None
_server_lock = threading.Lock()


def _frame(stream, data: bytes) -> None:
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _read_frame(stream) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    (n,) = struct.unpack("!Q", head)
    data = stream.read(n)
    return data if len(data) == n else None


def _started_server() -> subprocess.Popen:
    """This Dask worker's server process, started on its first task: an interpreter that
    has imported the tool chain once and forks a child per task (its main thread: the
    target's deadline and papermill's kernel management work as in a local worker)."""
    global _server
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen(
            [sys.executable, "-m", "bilateral.engine.remote", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return _server


def task(blob: bytes) -> bytes:
    """What a Dask worker runs: the target, in a child of this worker's server process;
    its answer as bytes."""
    with _server_lock:
        server = _started_server()
        try:
            _frame(server.stdin, blob)
            answer = _read_frame(server.stdout)
        except (BrokenPipeError, OSError):
            answer = None
        if answer is None:
            code = server.poll()
            raise RuntimeError("the worker's build process ended"
                               + (f" with code {code}" if code is not None else ""))
        return answer


def _one(blob: bytes) -> bytes:
    """In a child of the server: run one task, return its answer."""
    from bilateral.core.errors import BilateralError
    from bilateral.engine import signals
    from bilateral.engine.target import run_target
    from bilateral.engine.workspace import workspace

    job: Task = pickle.loads(blob)
    t = job.target
    answer: tuple
    with signals.handling(), workspace() as ws:
        source = ws.notebook_copy(job.notebook)
        params = dict(t.run_parameters)
        if job.data:
            params["data_dir"] = str(ws.data_from(job.data))
        t = replace(t, run_source=source, run_parameters=params)
        staging = ws.root / "staging"
        sub = staging / t.key.replace("/", "__")
        try:
            outcome = run_target(t, staging, job.opts, job.report_date, ws.kernels)
            answer = ("ok", outcome, {n: (sub / n).read_bytes() for n in t.outputs})
        except BilateralError as exc:
            kept = sub / f"{t.name}.ipynb"
            answer = ("error", exc, {kept.name: kept.read_bytes()} if kept.is_file() else {})
    return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)


def _serve() -> None:
    """The server: import the tool chain once, then fork a child per task read from
    stdin, and write each answer on the protocol's descriptor (the original stdout; fd 1
    itself is pointed at stderr, so that nothing a library prints can corrupt a frame).
    It dies with its Dask worker (SIGTERM), and each child with it. A child that runs
    past the target's ``--timeout`` and a grace period is killed with its process group,
    as the local pool kills its workers."""
    import select
    import signal

    from bilateral.core.process import die_with_parent
    from bilateral.engine.pool import GRACE
    from bilateral.engine.target import warm_imports

    die_with_parent(signal.SIGTERM, parent=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the client cancels; Ctrl-C is not ours
    proto = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    warm_imports()
    server = os.getpid()
    while (blob := _read_frame(sys.stdin.buffer)) is not None:
        try:
            limit = float(pickle.loads(blob).opts.timeout) + GRACE
        except Exception:  # noqa: BLE001 - the child says what is wrong with the task
            limit = GRACE
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(r)
                proto.close()
                os.setpgid(0, 0)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                die_with_parent(signal.SIGTERM, parent=server)
                data = _one(blob)
                with os.fdopen(w, "wb") as out:
                    out.write(data)
            except BaseException:  # noqa: BLE001 - the server answers for a child that fails
                code = 1
            finally:
                os._exit(code)
        os.close(w)
        chunks, ends, late = [], time.monotonic() + limit, False
        while True:
            left = ends - time.monotonic()
            if left <= 0:
                late = True
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
                break
            ready, _, _ = select.select([r], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(r, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        os.close(r)
        _, status = os.waitpid(pid, 0)
        data = b"".join(chunks) if not late else b""
        if not data:
            why = (f"Timeout: stopped after {limit - GRACE:.0f} s on the Dask worker "
                   "(--timeout bounds each report)" if late
                   else f"the process building it ended with status {status}")
            data = pickle.dumps(("crash", why, {}), protocol=pickle.HIGHEST_PROTOCOL)
        _frame(proto, data)


def run(items: list, client, staging: Path, tasks: Callable, started: Callable
        ) -> Iterator[tuple[object, Result]]:
    """Submit a task per item; yield ``(item, result)`` as each ends, its files written
    into ``staging/<key>/`` (as a local worker leaves them). Ctrl-C cancels what is left:
    nothing a task had not finished is published."""
    from dask.distributed import as_completed

    futures = {}
    try:
        for item in items:
            started(item)
            job: Task = tasks(item)
            future = client.submit(task, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL),
                                   pure=False, key=f"bilateral-{item.key}-{time.time_ns()}",
                                   retries=1)
            futures[future] = (item, time.monotonic())
        for future in as_completed(list(futures)):
            item, began = futures[future]
            yield item, _result(future, item, staging, time.monotonic() - began)
    finally:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))


def _result(future, item, staging: Path, seconds: float) -> Result:
    try:
        blob = future.result()
    except Exception as exc:  # noqa: BLE001 - a worker that died, a task that raised
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if type(exc).__name__ == "KilledWorker":
            why = "the Dask workers running it died"
        return Result("error", error=TargetError(item.key, f"Dask task failed: {why}"),
                      seconds=seconds)
    if len(blob) > MAX_RESULT:
        return Result("error", error=TargetError(item.key, "its files are larger than "
                                                 f"{MAX_RESULT // (1024 * 1024)} MiB"))
    kind, value, files = pickle.loads(blob)
    if kind == "crash":
        return Result("error", error=TargetError(item.key, value), seconds=seconds)
    sub = staging / item.key.replace("/", "__")
    sub.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if "/" in name or name.startswith("."):
            continue
        (sub / name).write_bytes(data)
    if kind == "ok":
        value = replace(value, target=item)  # the client's target: its own paths
        return Result("ok", value=value, seconds=seconds)
    return Result("error", error=value, seconds=seconds)


def data_files(folder: Path | None) -> dict[str, bytes]:
    """The private copy of the data folder as bytes, by relative path."""
    if folder is None:
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


if __name__ == "__main__":
    _serve()
