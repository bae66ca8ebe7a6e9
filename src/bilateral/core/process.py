"""Process helpers shared by the engine's workers, its warm kernels and the PDF exporter's
child: a child that dies with its parent; a deadline for work done in the main thread."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL, *, exit_if_orphaned: bool = False) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies
    (``PR_SET_PDEATHSIG``); elsewhere do nothing. With ``exit_if_orphaned``, a process whose
    parent is already gone (adopted by PID 1 before the request took effect) exits at once.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
        if exit_if_orphaned and os.getppid() == 1:
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
