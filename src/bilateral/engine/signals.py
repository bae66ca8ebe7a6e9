"""Interrupts: Ctrl-C, SIGTERM and SIGHUP stop a build cleanly, from its first moment.

The command installs the handler before it does anything else (:func:`handling`). The
first signal raises ``KeyboardInterrupt`` in the main thread; the build unwinds, stops
its workers, removes its staging folder and releases its locks, and the command exits
130. Later signals are ignored while that cleanup runs, so a second Ctrl-C cannot cut it
short. Steps that must not be cut in half (publishing a report's files, writing the
state, removing the staging folder) run :func:`deferred`: a signal that arrives during
one is acted on when it ends.

Worker processes take no part: they run in their own process group, so Ctrl-C at the
terminal reaches the build only, and the build stops them (see ``pool``).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _State:
    installed = 0
    previous: dict = {}
    stopping = False
    deferring = 0
    pending: int | None = None


_state = _State()


def _handler(signum, frame):
    if _state.stopping:
        return
    if _state.deferring:
        _state.pending = signum
        return
    _state.stopping = True
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def handling() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into one ``KeyboardInterrupt`` while inside.

    Nested uses share the outer one's handlers; outside the main thread this does nothing.
    """
    if not _main_thread():
        yield
        return
    if not _state.installed:
        _state.stopping, _state.deferring, _state.pending = False, 0, None
        _state.previous = {s: signal.getsignal(s) for s in SIGNALS}
        for s in SIGNALS:
            signal.signal(s, _handler)
    _state.installed += 1
    try:
        yield
    finally:
        _state.installed -= 1
        if not _state.installed:
            for s, h in _state.previous.items():
                signal.signal(s, h if h is not None else signal.SIG_DFL)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Run the body whole: a signal that arrives meanwhile interrupts when it ends."""
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1
        if not _state.deferring and _state.pending is not None and not _state.stopping:
            signum, _state.pending = _state.pending, None
            _state.stopping = True
            raise KeyboardInterrupt(signal.Signals(signum).name)


def stopping() -> bool:
    """True once an interrupt has been acted on."""
    return _state.stopping


@contextlib.contextmanager
def blocked() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back (they stay pending) while inside: around a fork,
    so that a child never runs the parent's handler before it has set up its own."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def in_child() -> None:
    """Called first thing in a forked worker, with the signals still blocked: the terminal's
    Ctrl-C is not for it (the build stops it), SIGTERM ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _state.installed, _state.stopping, _state.deferring, _state.pending = 0, False, 0, None
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
