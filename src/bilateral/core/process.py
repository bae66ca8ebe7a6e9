"""Process helpers shared by the engine's workers, its warm kernels and the PDF exporter's
child: a child that dies with its parent; a deadline for work done in the main thread;
messages through a pipe."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import struct
import sys
import time
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL, *, parent: int | None = None,
                    exit_if_orphaned: bool = False) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies
    (``PR_SET_PDEATHSIG``); elsewhere do nothing.

    The request covers only a parent alive when it is made: a parent killed between the
    child's start and the request leaves the child adopted (by PID 1, or by a subreaper
    in a container). So a child that knows its parent's pid (``parent``, taken before
    the fork or passed to it) exits at once when its parent is no longer that process;
    with ``exit_if_orphaned`` alone, when its parent is PID 1."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
    now = os.getppid()
    if (parent is not None and now != parent) or (exit_if_orphaned and now == 1):
        os._exit(1)


class OutOfTime(BaseException):
    """The time ran out. A BaseException, like KeyboardInterrupt, so that no library's
    ``except Exception`` swallows it."""


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Raise OutOfTime in the body when the clock passes ``at`` (SIGALRM; main thread)."""
    left = at - time.monotonic()
    if left <= 0:
        raise OutOfTime()

    def _expired(signum, frame):
        raise OutOfTime()

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, left)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_HEADER = struct.Struct(">Q")


def write_frame(fd: int, payload: bytes) -> None:
    """One message through a pipe: its length, then its bytes."""
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> bytes | None:
    """One message (see ``write_frame``), or None at the end of the stream (the other side
    closed or died)."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(header)[0])


def write_message(fd: int, message) -> None:
    """A Python object through a pipe (pickled, see ``write_frame``)."""
    import pickle

    write_frame(fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def read_message(fd: int):
    """The next object ``write_message`` sent; None at the end of the stream, on an error
    of the pipe, or for a message cut short (the other side died while writing)."""
    import pickle

    try:
        frame = read_frame(fd)
        return None if frame is None else pickle.loads(frame)
    except Exception:  # noqa: BLE001 - OSError, or a message cut short
        return None


def fork_child(serve) -> tuple[int, int, int] | None:
    """A forked child running ``serve(from_parent, to_parent)`` (two pipes' ends) and
    exiting with 0 when it returns, 1 when it raises; in this process, its (pid, the end
    to write to it, the end to read from it), or None where it could not be made."""
    fds: list[int] = []
    try:
        fds = [*os.pipe(), *os.pipe()]
        pid = os.fork()
    except OSError:
        for fd in fds:
            os.close(fd)
        return None
    down_r, down_w, up_r, up_w = fds
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(down_w)
            os.close(up_r)
            serve(down_r, up_w)
            code = 0
        except BaseException:  # noqa: BLE001 - the exit code says it
            code = 1
        finally:
            os._exit(code)
    os.close(down_r)
    os.close(up_w)
    return pid, down_w, up_r


def stop_child(pid: int, fds=()) -> None:
    """A child made by ``fork_child`` stopped at once (SIGKILL: it holds nothing to save)
    and reaped, after its pipes' ends ``fds`` here are closed; a pid of 0 or an fd below
    0 is not there."""
    for fd in fds:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
