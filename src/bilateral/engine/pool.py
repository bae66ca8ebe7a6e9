"""Run targets in worker processes: one forked process per target, ``--jobs`` at a time.

Each worker runs in its own process group, so Ctrl-C at the terminal reaches the build
only, and the build stops its workers: SIGTERM, then SIGKILL after a grace period. A
worker dies with the build (``PR_SET_PDEATHSIG`` on Linux) and its kernel with it
(ipykernel leaves when its parent does). A worker sends back one result over a pipe and
never prints: its own stderr goes to a log in its staging folder, whose last line tells
what happened if it dies. A worker that runs past the target's deadline (``--timeout``,
plus a grace period for the worker to stop itself and name the cell) is killed.

This replaces ``concurrent.futures.ProcessPoolExecutor``, which has no public way to stop
its workers at once, and let them print tracebacks on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bilateral.core.process import die_with_parent
from bilateral.engine import signals

GRACE = 10.0
"""Seconds a worker has past its deadline to report its own timeout, and to stop when
asked, before it is killed."""


@dataclass
class Result:
    """What a worker sends back: ``kind`` is ``ok``, ``error`` (a BilateralError, in
    ``error``) or ``crash`` (anything else, as text)."""

    kind: str
    value: object = None
    error: object = None
    text: str = ""
    trace: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


@dataclass
class _Worker:
    key: str
    item: object
    pid: int
    fd: int
    log: Path
    started: float
    deadline: float
    buf: bytearray = field(default_factory=bytearray)


def _child(write_fd: int, close_fds: list[int], log: Path, work: Callable, item,
           parent: int) -> None:
    """A worker's whole life; never returns."""
    code = 0
    try:
        signals.in_child()
        os.setpgid(0, 0)
        die_with_parent(parent=parent)
        for fd in close_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        log.parent.mkdir(parents=True, exist_ok=True)
        err = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        os.dup2(err, 2)
        os.close(err)
        start = time.perf_counter()
        try:
            value = work(item)
            result = Result("ok", value=value)
        except Exception as exc:  # noqa: BLE001 - everything goes back to the build
            from bilateral.core.errors import BilateralError

            if isinstance(exc, BilateralError):
                result = Result("error", error=exc)
            else:
                result = Result("crash", text=f"{type(exc).__name__}: {exc}",
                                trace=traceback.format_exc())
        result.seconds = time.perf_counter() - start
        try:
            payload = pickle.dumps(result)
        except Exception as exc:  # noqa: BLE001
            payload = pickle.dumps(Result("crash", text=f"cannot send the result back ({exc})"))
        data = struct.pack("!Q", len(payload)) + payload
        view = memoryview(data)
        while view:
            n = os.write(write_fd, view)
            view = view[n:]
    except BaseException:  # noqa: BLE001 - a worker never prints a traceback
        code = 1
    finally:
        os._exit(code)


def _spawn(key: str, item, log: Path, work: Callable, close_fds: list[int],
           timeout: float) -> _Worker:
    r, w = os.pipe()
    parent = os.getpid()
    with signals.blocked():
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(w, close_fds, log, work, item, parent)
    os.close(w)
    # The child makes its own process group too; doing it here as well closes the window
    # in which the build could signal a group that does not exist yet.
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    now = time.monotonic()
    return _Worker(key, item, pid, r, log, now, now + timeout + GRACE)


def _decode(w: _Worker) -> Result | None:
    if len(w.buf) < 8:
        return None
    (n,) = struct.unpack("!Q", w.buf[:8])
    if len(w.buf) < 8 + n:
        return None
    try:
        return pickle.loads(bytes(w.buf[8:8 + n]))
    except Exception as exc:  # noqa: BLE001
        return Result("crash", text=f"its result could not be read ({exc})")


def _reap(w: _Worker, block: bool = True) -> int | None:
    try:
        pid, status = os.waitpid(w.pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return -1
    if pid == 0:
        return None
    return os.waitstatus_to_exitcode(status)


def _died(w: _Worker, code: int | None) -> Result:
    from bilateral.engine.execute import last_line

    how = (f"was killed by signal {signal.Signals(-code).name}" if code and code < 0
           else f"exited with code {code}")
    said = last_line(w.log)
    return Result("crash", text=f"the process building it {how}"
                  + (f"; it said: {said}" if said else ""))


def _signal(w: _Worker, sig: int) -> None:
    try:
        os.killpg(w.pid, sig)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(w.pid, sig)


def _stop(workers: dict[int, _Worker]) -> None:
    """Stop every worker: SIGTERM, wait, SIGKILL; reap them all."""
    for w in workers.values():
        _signal(w, signal.SIGTERM)
    deadline = time.monotonic() + GRACE / 2
    pending = dict(workers)
    while pending and time.monotonic() < deadline:
        for fd, w in list(pending.items()):
            if _reap(w, block=False) is not None:
                del pending[fd]
        time.sleep(0.02)
    for w in pending.values():
        _signal(w, signal.SIGKILL)
        _reap(w)
    for fd in workers:
        with contextlib.suppress(OSError):
            os.close(fd)
    workers.clear()


def run(items: list, key: Callable, jobs: int, timeout: float, log_for: Callable,
        work: Callable, started: Callable, keep_fds: list[int]) -> Iterator[tuple[object, Result]]:
    """Run ``work(item)`` in a worker per item, ``jobs`` at a time; yield ``(item, result)``
    as each ends. ``started(item)`` is called when an item's worker starts; ``keep_fds``
    are file descriptors the workers must not hold (the build's locks)."""
    queue = list(items)
    workers: dict[int, _Worker] = {}
    try:
        while queue or workers:
            while queue and len(workers) < jobs:
                item = queue.pop(0)
                started(item)
                w = _spawn(key(item), item, log_for(item), work, keep_fds, timeout)
                workers[w.fd] = w
            wait = max(0.0, min(w.deadline for w in workers.values()) - time.monotonic())
            ready, _, _ = select.select(list(workers), [], [], min(wait, 1.0))
            for fd in ready:
                w = workers[fd]
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    w.buf.extend(chunk)
                    continue
                del workers[fd]
                os.close(fd)
                code = _reap(w)
                result = _decode(w) or _died(w, code)
                yield w.item, result
            now = time.monotonic()
            for fd, w in list(workers.items()):
                if now >= w.deadline:
                    del workers[fd]
                    _stop({fd: w})
                    yield w.item, Result("timeout", seconds=now - w.started)
    finally:
        with signals.deferred():
            _stop(workers)
