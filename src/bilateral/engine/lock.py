"""Locks and the staging folder: one build at a time on any folder it writes into.

A build locks every folder it writes into: the output folder, each scenario folder and
``_failed``, with ``flock`` on ``<folder>/.bilateral.lock``. So a build into ``X/slowdown``
and a build of scenario ``slowdown`` into ``X`` refuse each other, as do two builds into
``X``; builds into ``X`` and ``X/other`` do not meet and run side by side. Lock files are
removed when the build ends, and the folders the build made for nothing are removed too.

The staging folder ``<out>/.staging-<pid>-<random>/`` holds a marker file; a build removes
a staging folder only when it is a real folder at the top of its own locked output folder
and carries the marker, never by a name pattern alone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from bilateral.core.errors import (
    BilateralError,
    BuildLockedError,
    OutputFolderError,
    TargetError,
)
from bilateral.core.text import shown
from bilateral.engine import signals

LOCK_FILE = ".bilateral.lock"
STAGING_PREFIX = ".staging-"
MARKER = ".bilateral-staging"
MARKER_TEXT = b"staging folder of a bilateral build; removed when the build ends\n"


class _Lock:
    def __init__(self, folder: Path, fd: int, created: list[Path]):
        self.folder, self.fd, self.created = folder, fd, created
        self.path = folder / LOCK_FILE


def _cannot(folder: Path, exc: OSError) -> BilateralError:
    """The output folder cannot be used: bad input (exit 2), or a full disk, which is no
    fault of the input (a report that could not be made: exit 1)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return TargetError("build", f"no room left in the output folder {shown(folder)} "
                           f"({exc.strerror})")
    return OutputFolderError(f"cannot use the output folder {shown(folder)} "
                             f"({exc.strerror or exc})")


def _make_folder(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; return those made, deepest last."""
    made = []
    for p in reversed([folder, *folder.parents]):
        if p.is_dir():
            continue
        try:
            p.mkdir()
        except FileExistsError:
            if not p.is_dir():
                raise OutputFolderError(f"{shown(p)} is not a folder") from None
            continue
        except OSError as exc:
            raise _cannot(folder, exc) from None
        made.append(p)
    return made


def _acquire(folder: Path) -> _Lock:
    created = _make_folder(folder)
    path = folder / LOCK_FILE
    try:
        for _ in range(5):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise OutputFolderError(f"{shown(path)} is a symbolic link; remove it") \
                        from None
                raise _cannot(folder, exc) from None
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise OutputFolderError(f"{shown(path)} is not a regular file; remove it")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise _cannot(folder, exc) from None
                other = other if other.isdigit() else "unknown"
                raise BuildLockedError(
                    f"{shown(folder)} is being built by another bilateral build (pid {other}); "
                    "run again when it has finished") from None
            # The build that held it may have removed the file just before we locked it:
            # then the lock is on a file no longer there; start again.
            try:
                on_disk = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                os.close(fd)
                continue
            mine = os.fstat(fd)
            if (on_disk.st_dev, on_disk.st_ino) != (mine.st_dev, mine.st_ino):
                os.close(fd)
                continue
            # The pid is for the message of a build that finds the folder locked; a disk
            # with no room left for it costs that message only.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
            return _Lock(folder, fd, created)
        raise OutputFolderError(f"cannot lock {shown(path)}: it keeps being replaced")
    except BaseException:
        _remove_made(created)
        raise


def _remove_made(created: list[Path]) -> None:
    for p in reversed(created):
        with contextlib.suppress(OSError):
            p.rmdir()


def _release(lock: _Lock) -> None:
    with contextlib.suppress(OSError):
        on_disk = os.stat(lock.path, follow_symlinks=False)
        mine = os.fstat(lock.fd)
        if (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino):
            os.unlink(lock.path)
    os.close(lock.fd)
    _remove_made(lock.created)


def lock_fds(locks: list[_Lock]) -> list[int]:
    return [lk.fd for lk in locks]


@contextlib.contextmanager
def locked(folders: list[Path]) -> Iterator[list[_Lock]]:
    """Lock every folder of ``folders`` (made when missing) for the build, or refuse."""
    locks: list[_Lock] = []
    try:
        with signals.deferred():
            for folder in folders:
                locks.append(_acquire(folder))
        yield locks
    finally:
        with signals.deferred():
            for lk in reversed(locks):
                _release(lk)


def _is_ours(p: Path) -> bool:
    """A staging folder left by a build of ours: a real folder with the marker inside."""
    try:
        if not stat.S_ISDIR(os.lstat(p).st_mode):
            return False
        m = p / MARKER
        st = os.lstat(m)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(MARKER_TEXT):
            return False
        return m.read_bytes() == MARKER_TEXT
    except OSError:
        return False


@contextlib.contextmanager
def staging_area(out_dir: Path) -> Iterator[Path]:
    """A fresh staging folder at the top of ``out_dir`` (which the caller has locked),
    removed on exit, interrupted or not. Staging folders that builds killed outright
    left behind are removed first."""
    staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    # The try starts before the folder is made: an interrupt held back while it is made
    # is raised as the deferred block ends, and must find the removal already armed.
    try:
        with signals.deferred():
            for old in out_dir.glob(f"{STAGING_PREFIX}*"):
                if _is_ours(old):
                    from bilateral.engine.publish import roll_forward

                    roll_forward(old, out_dir)
                    shutil.rmtree(old, ignore_errors=True)
            try:
                staging.mkdir(mode=0o700)
                (staging / MARKER).write_bytes(MARKER_TEXT)
            except OSError as exc:
                raise _cannot(out_dir, exc) from None
        yield staging
    finally:
        with signals.deferred():
            shutil.rmtree(staging, ignore_errors=True)
