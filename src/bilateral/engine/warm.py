"""Warm kernels: each target's kernel forked from a process that has already imported
what every kernel imports, instead of a new interpreter that imports it all again.

A fresh ``python -m ipykernel_launcher`` spends about 0.5 s of CPU starting (the
interpreter, ipykernel, IPython, zmq, tornado) and a project notebook's first cell
another 0.6 s importing matplotlib; on two cores, with two targets, that is time on the
critical path of every build. So when a build has targets to run, it starts one
*warm pool* process right after the plan, beside the parent's own imports: it imports
ipykernel (and, for a build of the project's own notebooks only, numpy and matplotlib's
figure machinery), then waits on a Unix socket in the build's private folder.

A worker asks it for its target's kernel, with the kernel command, working folder,
environment and log that jupyter_client would have used. The pool forks; the child
makes its own session (as jupyter_client's launcher does), takes the worker's log as
stdout and stderr, moves to the notebook's folder, takes exactly the kernel's
environment, reseeds ``random`` (and numpy's global generator) so that no two kernels
share a sequence, and runs ipykernel's app on the connection file. Every target gets its
own kernel process; nothing of one kernel is ever seen by another. The pool never runs
a cell itself.

What is safe to import early: modules whose import does not depend on an IPython shell
or on the notebook's folder. ipykernel and IPython are imported by every kernel anyway.
numpy and ``matplotlib.figure`` read their configuration at import (``MPLBACKEND``,
``matplotlibrc`` in the working folder), so they are imported only when every target is
one of the project's notebooks, in the notebooks' folder and environment. No ``bilateral``
module is imported early: a foreign notebook's kernel should hold none, and
``bilateral.report`` registers displays when it is imported in a kernel. ``matplotlib_inline`` and
``pyplot`` are not imported early either: their import hooks into the shell.

The worker's side is a kernel provisioner (jupyter_client's public extension point) that
launches through the pool and falls back to an ordinary launch when the command is not
this interpreter's ipykernel, or the pool is gone. The pool watches each kernel's worker
and kills the kernel's session when the worker is gone (timeouts kill workers); it ends
with the build (``PR_SET_PDEATHSIG``), taking its kernels with it. ``BILATERAL_COLD_KERNELS=1``
turns it off.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

# The pool is run by path and imports no bilateral module (a foreign notebook's kernel is
# forked from it and holds none): the one helper it shares is run from its file.
die_with_parent = runpy.run_path(
    str(Path(__file__).resolve().parents[1] / "core" / "process.py"))["die_with_parent"]

SOCKET_NAME = "warm.sock"
KERNEL_IMPORTS = ("ipykernel.kernelapp",)
PROJECT_IMPORTS = ("numpy", "matplotlib", "matplotlib.figure", "matplotlib.ticker",
                   "matplotlib.backends.backend_svg")
"""Imported early only for a build of the project's own notebooks (see the module's
docstring)."""
ANSWER_WITHIN = 30.0
"""Seconds a worker waits for the pool's answer (it is still importing at first)."""
COLD = "BILATERAL_COLD_KERNELS"
_RUN = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='bilateral_warm_pool')"


def wanted() -> bool:
    return os.environ.get(COLD, "") in ("", "0")


# ---------------------------------------------------------------------- the build's side

class Pool:
    """The warm pool process of one build, listening in ``folder``."""

    def __init__(self, folder: Path, project_only: bool, cwd: Path, env: dict[str, str],
                 log: Path):
        self.path = Path(folder) / SOCKET_NAME
        # Bound and listening before the pool process exists: a worker's request waits in
        # the backlog until the pool has finished importing.
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(self.path))
            listener.listen(64)
            imports = KERNEL_IMPORTS + (PROJECT_IMPORTS if project_only else ())
            with open(log, "ab") as err:
                # Run by path, not as bilateral.engine.warm: no bilateral module is
                # imported into the kernels forked from it (see above).
                self.process = subprocess.Popen(
                    [sys.executable, "-c", _RUN, __file__, str(os.getpid()),
                     str(listener.fileno()), *imports],
                    stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                    cwd=str(cwd), env=env, pass_fds=[listener.fileno()])
        finally:
            listener.close()

    def stop(self) -> None:
        """End the pool and every kernel it still has (SIGTERM, then SIGKILL)."""
        p = self.process
        if p.poll() is None:
            with contextlib.suppress(OSError):
                p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    p.kill()
                p.wait()
        with contextlib.suppress(OSError):
            self.path.unlink()


# --------------------------------------------------------------------- the worker's side

def _send(sock: socket.socket, obj, fds: list[int] | None = None) -> None:
    data = json.dumps(obj).encode()
    payload = struct.pack("!I", len(data)) + data
    if fds:
        socket.send_fds(sock, [payload], fds)
    else:
        sock.sendall(payload)


def _recv(sock: socket.socket, with_fds: bool = False):
    fds: list[int] = []
    buf = b""
    while len(buf) < 4 or len(buf) < 4 + struct.unpack("!I", buf[:4])[0]:
        if with_fds and not fds:
            chunk, got, _, _ = socket.recv_fds(sock, 1 << 16, 4)
            fds = list(got)
        else:
            chunk = sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    (n,) = struct.unpack("!I", buf[:4])
    return json.loads(buf[4:4 + n]), fds


def native(cmd: list[str], env: dict[str, str]) -> bool:
    """Whether ``cmd`` starts this interpreter's ipykernel, as the python3 kernelspec does."""
    import shutil

    if len(cmd) < 5 or cmd[1:4] != ["-m", "ipykernel_launcher", "-f"]:
        return False
    if not all(a.startswith("--") for a in cmd[5:]):  # options for the kernel app only
        return False
    exe = cmd[0] if os.sep in cmd[0] else shutil.which(cmd[0], path=env.get("PATH"))
    return exe is not None and os.path.abspath(exe) == sys.executable


def ask(socket_path: Path, argv: list[str], cwd: str, env: dict[str, str],
        stdout: int, stderr: int) -> int | None:
    """The pid of a kernel the pool forked for this worker, or None (no pool, or it did
    not answer in time: the caller launches the kernel the ordinary way)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(ANSWER_WITHIN)
            s.connect(str(socket_path))
            _send(s, {"argv": argv, "cwd": cwd, "env": env,
                      "worker": os.getpid()}, [stdout, stderr])
            answer, _ = _recv(s)
    except (OSError, ValueError, ConnectionError):
        return None
    pid = answer.get("pid") if isinstance(answer, dict) else None
    return pid if isinstance(pid, int) and pid > 0 else None


class Forked:
    """What ``subprocess.Popen`` offers jupyter_client, for a kernel that is the pool's
    child, not ours: followed through a pidfd, which cannot name another process."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._fd: int | None = os.pidfd_open(pid)

    def poll(self) -> int | None:
        if self.returncode is None and self._fd is not None:
            if select.select([self._fd], [], [], 0)[0]:
                self.returncode = 0  # the pool reaps it; its status is not ours to read
                os.close(self._fd)
                self._fd = None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        ends = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if ends is None else ends - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(["kernel"], timeout)
            select.select([self._fd], [], [], 1.0 if left is None else min(left, 1.0))
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, sig: int) -> None:
        if self.poll() is None and self._fd is not None:
            signal.pidfd_send_signal(self._fd, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def provisioner_class(socket_path: Path):
    """A LocalProvisioner that launches through the pool at ``socket_path``."""
    from jupyter_client.provisioning import LocalProvisioner

    class WarmProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd, **kwargs):
            env = dict(kwargs.get("env") or os.environ)
            pid = None
            if native(cmd, env) and hasattr(os, "pidfd_open"):
                pid = ask(socket_path, cmd[3:], str(kwargs.get("cwd") or os.getcwd()), env,
                          _fd(kwargs.get("stdout"), 1), _fd(kwargs.get("stderr"), 2))
            if pid is None:
                return await super().launch_kernel(cmd, **kwargs)
            try:
                self.process = Forked(pid)
            except OSError:  # gone already: jupyter_client reports a kernel that died
                return await super().launch_kernel(cmd, **kwargs)
            self.pid = self.pgid = pid  # the child made its own session before the answer
            self.cwd = kwargs.get("cwd") or os.getcwd()
            return self.connection_info

    return WarmProvisioner


def _fd(stream, default: int) -> int:
    if isinstance(stream, int) and stream >= 0:
        return stream
    fileno = getattr(stream, "fileno", None)
    return fileno() if fileno else default


# ------------------------------------------------------------------------ the pool itself

def _close_fds_above_2() -> None:
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 256))
    for fd in fds:
        if fd > 2:
            with contextlib.suppress(OSError):
                os.close(fd)


def _become_kernel(req: dict, fds: list[int], ready_w: int, pool: int) -> None:
    """In the forked child: become the target's kernel; never returns."""
    code = 1
    try:
        os.setsid()
        die_with_parent(signal.SIGKILL, parent=pool)
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD,
                  signal.SIGPIPE):
            signal.signal(s, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        os.write(ready_w, b"1")
        _close_fds_above_2()
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        # ipykernel leaves when this parent (the pool) does, as it would leave a worker.
        # (Its app read JPY_PARENT_PID when the pool imported it, so it is given too.)
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        sys.modules.pop("bilateral_warm_pool", None)  # this file, run by path
        import random

        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        import importlib.util

        launcher = importlib.util.find_spec("ipykernel_launcher")
        argv = [str(a) for a in req["argv"]]
        sys.argv = [launcher.origin if launcher else "ipykernel_launcher", *argv]
        # As ipykernel_launcher does with the '' that `python -m` (here `-c`) put first.
        if sys.path and sys.path[0] == "":
            del sys.path[0]
        from ipykernel import kernelapp

        kernelapp.IPKernelApp.launch_instance(argv=argv, parent_handle=os.getppid())
        code = 0
    except BaseException:  # noqa: BLE001 - the kernel's log says why
        import traceback

        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class _Serve:
    def __init__(self, listener: socket.socket):
        self.listener = listener
        self.kernels: dict[int, int] = {}  # kernel pid -> pidfd of its worker
        self.stopping = False

    def stop(self, *_):
        self.stopping = True

    def _reap(self) -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            fd = self.kernels.pop(pid, None)
            if fd is not None:
                os.close(fd)

    def _orphans(self) -> None:
        """Kill the session of each kernel whose worker is gone."""
        for pid, fd in list(self.kernels.items()):
            if select.select([fd], [], [], 0)[0]:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)

    def _fork(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        req, fds = _recv(conn, with_fds=True)
        if len(fds) != 2 or not isinstance(req, dict):
            raise ValueError("bad request")
        worker = os.pidfd_open(int(req["worker"]))
        ready_r, ready_w = os.pipe()
        pool = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(ready_r)
            # The raw descriptors are closed in the child; no socket object may close a
            # number the kernel has taken since.
            conn.detach()
            self.listener.detach()
            _become_kernel(req, fds, ready_w, pool)
        os.close(ready_w)
        for fd in fds:
            os.close(fd)
        self.kernels[pid] = worker
        with os.fdopen(ready_r, "rb") as ready:
            ready.read(1)  # the child has its own session: its pid names its group
        _send(conn, {"pid": pid})

    def run(self) -> None:
        while not self.stopping:
            try:
                ready, _, _ = select.select([self.listener], [], [], 0.2)
            except InterruptedError:
                continue
            self._reap()
            self._orphans()
            if ready:
                try:
                    conn, _ = self.listener.accept()
                except OSError:
                    continue
                with conn:
                    try:
                        self._fork(conn)
                    except Exception as exc:  # noqa: BLE001 - the worker launches cold
                        print(f"warm pool: {type(exc).__name__}: {exc}", file=sys.stderr)
        for pid in list(self.kernels):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        self._reap()


def main(argv: list[str]) -> None:
    parent, fd, *imports = argv
    serve = _Serve(socket.socket(fileno=int(fd)))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
    signal.signal(signal.SIGTERM, serve.stop)
    signal.signal(signal.SIGHUP, serve.stop)
    die_with_parent(signal.SIGTERM, parent=int(parent))
    import importlib

    for name in imports:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a kernel imports it itself, or says why
            print(f"warm pool: {name} not imported early ({exc})", file=sys.stderr)
    import gc

    gc.freeze()  # what the imports made stays shared with every kernel forked
    serve.run()


if __name__ == "bilateral_warm_pool":
    main(sys.argv[2:])
