"""Reading files that come from outside: regular files only, of bounded size.

A path named by the user (a data file, a notebook, a parameter file, the state file) may
be a FIFO that blocks forever, a symbolic link to ``/dev/zero`` that never ends, or a
folder. Each is checked before it is opened for reading, and once more on the open file
(it may have been swapped in between), and never more than ``limit`` bytes are read.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

MiB = 1 << 20


class UnreadableError(Exception):
    """A file that cannot be used; ``why`` says why, in words, without the path."""

    def __init__(self, why: str, missing: bool = False):
        super().__init__(why)
        self.why, self.missing = why, missing


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} bytes"


def _open_regular(path: Path | str, limit: int) -> int:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UnreadableError("file not found", missing=True) from None
    except OSError as exc:
        raise UnreadableError(f"cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableError(f"is {_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise UnreadableError(f"is larger than {_size(limit)} ({_size(st.st_size)})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UnreadableError("file not found", missing=True) from None
    except OSError as exc:
        raise UnreadableError(f"cannot be read ({exc.strerror or exc})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnreadableError(f"is {_kind(st.st_mode)}, not a regular file")
    return fd


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises
    ------
    UnreadableError
        Missing, not a regular file (checked before and after opening), larger than
        ``limit``, or unreadable.
    """
    fd = _open_regular(path, limit)
    try:
        chunks, total = [], 0
        while True:
            try:
                chunk = os.read(fd, min(MiB, limit + 1 - total))
            except OSError as exc:
                raise UnreadableError(f"cannot be read ({exc.strerror or exc})") from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnreadableError(f"is larger than {_size(limit)}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def sha256_regular(path: Path | str, limit: int = 4096 * MiB) -> str | None:
    """SHA-256 of the regular file ``path``, or None when it is missing, not a regular
    file or larger than ``limit``. Reads in chunks: never the whole file at once."""
    try:
        fd = _open_regular(path, limit)
    except UnreadableError:
        return None
    h = hashlib.sha256()
    try:
        while chunk := os.read(fd, MiB):
            h.update(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return h.hexdigest()
