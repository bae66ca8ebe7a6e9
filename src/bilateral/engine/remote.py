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
import subprocess
import sys
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


def task(blob: bytes) -> bytes:
    """What a Dask worker runs: the target in a fresh interpreter, its answer as bytes."""
    proc = subprocess.run([sys.executable, "-m", "bilateral.engine.remote", str(os.getpid())],
                          input=blob, capture_output=True)
    if proc.returncode != 0 or not proc.stdout:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"the worker's process exited with code {proc.returncode}"
                           + (f": {said[-1]}" if said else ""))
    return proc.stdout


def _serve() -> None:
    """In the worker's interpreter: run the task read from stdin, write the answer."""
    import signal

    from bilateral.core.errors import BilateralError
    from bilateral.core.process import die_with_parent
    from bilateral.engine import signals
    from bilateral.engine.target import run_target
    from bilateral.engine.workspace import workspace

    # A worker killed or restarted takes its task with it: SIGTERM, so that the private
    # folder is removed and the kernel stopped on the way out.
    die_with_parent(signal.SIGTERM, parent=int(sys.argv[1]))
    job: Task = pickle.loads(sys.stdin.buffer.read())
    t = job.target
    answer: tuple
    with signals.handling(), workspace() as ws:
        source = ws.notebook_copy(job.notebook)
        params = dict(t.run_parameters)
        if job.data:
            folder = ws.root / "d" / "data"
            for rel, blob in job.data.items():
                path = folder / rel
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                path.write_bytes(blob)
            params["data_dir"] = str(folder)
        t = replace(t, run_source=source, run_parameters=params)
        staging = ws.root / "staging"
        sub = staging / t.key.replace("/", "__")
        try:
            outcome = run_target(t, staging, job.opts, job.report_date, ws.kernels)
            answer = ("ok", outcome, {n: (sub / n).read_bytes() for n in t.outputs})
        except BilateralError as exc:
            kept = sub / f"{t.name}.ipynb"
            answer = ("error", exc, {kept.name: kept.read_bytes()} if kept.is_file() else {})
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


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
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    _serve()
