"""The build's private folder: what the kernels read, and where they talk.

At plan time the data files are copied, checked and bounded, into a private folder
(mode 0700, under the system's temporary folder), and every notebook is read once into
it. The data are validated and fingerprinted from that copy, and the kernels get that
copy as their ``data_dir`` and run that copy of the notebook: a file edited while a build
runs changes nothing in it, so a report always shows the data its state records. The
kernels' connection files and IPC sockets live there too. The folder is removed when the
build ends, whatever the outcome; one that a build killed outright left behind (a real
folder of ours, with the marker naming a process that is gone) is removed by the next.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bilateral.core import files
from bilateral.core.errors import DataError, TargetError
from bilateral.engine import signals

MAX_DATA_FILE = 8 * files.MiB
"""Largest data file accepted (the loader's own bound, checked again when copying)."""
MAX_DATA_TOTAL = 64 * files.MiB
"""Largest data folder accepted, all files together."""
MAX_NOTEBOOK = 64 * files.MiB
"""Largest notebook accepted."""
MARKER = ".bilateral-private"
_SOCKET_PATH_ROOM = 70  # a Unix socket's path is at most 107 bytes: <base>/bilateral-…/k/1-ipc-5


class Workspace:
    """A private folder with ``data/``, ``notebooks/`` and ``kernels/``."""

    def __init__(self, root: Path):
        self.root = root
        self.kernels = root / "k"
        self.notebooks = root / "nb"
        for p in (self.kernels, self.notebooks):
            p.mkdir(mode=0o700)
        self._n = 0

    def notebook_copy(self, data: bytes) -> Path:
        """Write a notebook's bytes, as read and hashed, where the kernel will run them."""
        self._n += 1
        p = self.notebooks / f"{self._n}.ipynb"
        self._write(p, data)
        return p

    def _write(self, path: Path, data: bytes) -> None:
        """Write into the private folder, or say plainly that it has no room (an error
        while writing names no file, so the caller could not tell it was ours)."""
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise TargetError("build", f"cannot write the build's private folder in "
                              f"{self.root.parent} ({exc.strerror or exc}); set TMPDIR to a "
                              "folder with room") from None

    def data_copy(self, folder: Path, shown_parent: Path, data_files: list[Path]) -> Path:
        """Copy ``data_files`` (of ``folder``) into ``<root>/d/<folder's name>/``, each
        checked (a regular file, bounded) before it is opened. Missing files are left
        missing for the loader to name. Returns the copy's folder."""
        dest = self.root / "d" / (folder.name or "data")
        dest.mkdir(parents=True, mode=0o700)
        total = 0
        for p in data_files:
            rel = p.relative_to(folder)
            try:
                data = files.read_regular(p, MAX_DATA_FILE)
            except files.UnreadableError as exc:
                if exc.missing:
                    continue
                raise DataError(_display(p, shown_parent), exc.why) from None
            total += len(data)
            if total > MAX_DATA_TOTAL:
                raise DataError(_display(folder, shown_parent), "the data files together are "
                                f"larger than {MAX_DATA_TOTAL // files.MiB} MiB")
            self._put(dest / rel, data)
        return dest

    def data_from(self, data: dict[str, bytes], name: str = "data") -> Path:
        """Write a data folder's files given as bytes (by relative path, as a Dask task
        carries them) into ``<root>/d/<name>/``; returns that folder."""
        dest = self.root / "d" / name
        for rel, blob in data.items():
            self._put(dest / rel, blob)
        return dest

    def _put(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._write(target, data)


def _display(path: Path, parent: Path) -> str:
    try:
        return str(path.relative_to(parent))
    except ValueError:
        return str(path)


def _base() -> str | None:
    """Where to make the folder: the system's temporary folder, unless its path leaves too
    little room for a socket's name, then /tmp."""
    base = tempfile.gettempdir()
    return base if len(base) <= _SOCKET_PATH_ROOM else ("/tmp" if os.path.isdir("/tmp")
                                                         else None)


def _left_behind(base: str | None) -> None:
    """Remove private folders of builds that were killed outright: ``bilateral-*`` folders
    (not links) of this user, mode 0700, whose marker file no build holds locked.

    A build holds an exclusive ``flock`` on its marker for as long as it (or a worker it
    forked) lives; the kernel drops it when the last of them dies, however it dies. A
    lock, unlike a process id, means the same thing to builds in other PID namespaces
    that share this folder (containers sharing /tmp): a process id they cannot see once
    made them remove a running build's folder."""
    folder = Path(base or tempfile.gettempdir())
    try:
        candidates = list(folder.glob("bilateral-*"))
    except OSError:
        return
    for p in candidates:
        try:
            st = os.lstat(p)
            if (not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid()
                    or stat.S_IMODE(st.st_mode) != 0o700):
                continue
            fd = os.open(p / MARKER, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # held: a build is using it
            shutil.rmtree(p, ignore_errors=True)
        finally:
            os.close(fd)


PRIVATE_HOMES = {"IPYTHONDIR": "ipython", "MPLCONFIGDIR": "matplotlib",
                 "JUPYTER_RUNTIME_DIR": "jupyter-runtime"}
"""Where IPython, matplotlib and Jupyter would write into the user's home (a profile and
its history database, a font cache, connection files), each a folder of the private
one for the build and every process it starts: a build writes nothing outside its output
folder and its private folder, and a home that cannot be written costs it nothing. A
variable the user has set is left as it is: that folder is theirs to have written."""


@contextlib.contextmanager
def _private_homes(root: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in PRIVATE_HOMES}
    for key, name in PRIVATE_HOMES.items():
        if os.environ.get(key):
            continue  # a folder the user chose: theirs to have written
        (root / name).mkdir(mode=0o700)
        os.environ[key] = str(root / name)
    if os.environ["MPLCONFIGDIR"] == str(root / PRIVATE_HOMES["MPLCONFIGDIR"]):
        _reuse_font_list(root / PRIVATE_HOMES["MPLCONFIGDIR"])
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _reuse_font_list(dest: Path) -> None:
    """matplotlib's list of the system's fonts, copied from the user's cache when there is
    one: made anew it costs each build about 0.2 s. Read, never written."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib"
    try:
        for found in cache.glob("fontlist-v*.json"):
            (dest / found.name).write_bytes(files.read_regular(found, 16 * files.MiB))
    except (OSError, RuntimeError, files.UnreadableError):
        pass


def _hold(root: Path) -> int:
    """Make the marker of ``root`` and hold it locked (see :func:`_left_behind`). It is
    locked under another name first, then renamed: another build never finds the marker
    unlocked in between."""
    tmp = root / f"{MARKER}.new"
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        os.rename(tmp, root / MARKER)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def workspace() -> Iterator[Workspace]:
    """A fresh private folder, removed on exit (and not half removed by an interrupt)."""
    base = _base()
    root: Path | None = None
    held: int | None = None
    # The removal is armed before the folder is made: an interrupt held back while it is
    # made is raised as the deferred block ends (see lock.staging_area).
    try:
        try:
            with signals.deferred():
                _left_behind(base)
                root = Path(tempfile.mkdtemp(prefix="bilateral-", dir=base))
                held = _hold(root)
        except OSError as exc:
            raise TargetError("build", f"cannot make a private folder in {base or 'TMPDIR'} "
                              f"({exc.strerror or exc}); set TMPDIR to a writable folder"
                              ) from None
        try:
            with _private_homes(root):
                yield Workspace(root)
        except OSError as exc:
            if exc.filename is None or not str(exc.filename).startswith(str(root)):
                raise
            raise TargetError("build", f"cannot write the build's private folder in "
                              f"{base or 'TMPDIR'} ({exc.strerror or exc})") from None
    finally:
        if root is not None:
            with signals.deferred():
                shutil.rmtree(root, ignore_errors=True)
                if held is not None:
                    os.close(held)
