"""The PDF engine made ready ahead of time, in a child process.

In a ``jupyter nbconvert --to bilateral_pdf`` process, importing WeasyPrint takes about
0.8 s (cffi's declarations of Pango, fontTools' subsetter, its CSS machinery), and making
the notebook's HTML about as long. Both are Python, so a thread could not overlap them;
a forked child can: it imports WeasyPrint on the other core while this process makes the
HTML, then lays the HTML out when it arrives and sends the PDF back. Between the two, it
draws every other formula of a page with many (``draw_maths_start``), while this process
draws the rest.

Used only where it helps and cannot hurt: for the first conversion of a process, when
WeasyPrint is not imported yet (a build's workers have it from their parent already),
this process runs one thread (forking a threaded process can leave the child holding a
lock nobody releases), ``os.fork`` exists, and ``BILATERAL_PDF_AHEAD`` is not ``0``.
Only the first: a process that converts several notebooks (``jupyter nbconvert --to
bilateral_pdf *.ipynb``) imports WeasyPrint once, with the second, and keeps it; a
child for each would import it each time (measured, five notebooks in one process:
13.7 s with a child for each against 10.6 s with none). If the child dies or its answer is cut
short, the layout is done here instead, so the PDF is the same either way; the child
dies with this process and never outlives :meth:`Ahead.close`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading

from bilateral.core.errors import PrerequisiteError
from bilateral.core.process import read_frame, write_frame
from bilateral.export import pdf_split
from bilateral.export.weasy import PDFError, html_to_pdf


def _serve(requests: int, answers: int, parent: int) -> None:
    """The child's life: import the engine, then lay out each HTML page it is sent."""
    from bilateral.core.process import die_with_parent

    die_with_parent(parent=parent)
    # Ctrl-C reaches the whole process group: the parent stops this child itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        import weasyprint  # noqa: F401  (an import error is raised again by html_to_pdf)
    with contextlib.suppress(Exception):
        import pikepdf  # noqa: F401  (for a page laid out in halves: pdf_split.join)
    with contextlib.suppress(Exception):
        html_to_pdf(WARM_UP)
    while (request := read_frame(requests)) is not None:
        kind, payload = pickle.loads(request)
        try:
            if kind == "maths":
                from bilateral.export.maths import svg

                answer = ("ok", [svg(tex, display) for tex, display in payload])
            else:
                html, evidence, when, variant, split = payload
                laid_out = pdf_split.layout(html, evidence, when, variant) if split else None
                answer = ("ok", laid_out or html_to_pdf(html, evidence, when, variant))
        except PDFError as exc:
            answer = ("PDFError", str(exc))
        except PrerequisiteError as exc:
            answer = ("PrerequisiteError", str(exc))
        except Exception as exc:  # noqa: BLE001 - maths the parent then draws itself
            answer = ("failed", f"{type(exc).__name__}: {exc}")
        write_frame(answers, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


WARM_UP = ("<!DOCTYPE html><html lang='en'><head><title>warm</title><style>"
           "body { font-family: 'DejaVu Serif' } h1, table { font-family: 'DejaVu Sans' } "
           "pre, code { font-family: 'DejaVu Sans Mono' }</style></head><body><h1>Warm</h1>"
           "<p>A <b>page</b> <i>laid</i> out <code>once</code>.</p><pre>x = 1</pre>"
           "<table><tr><th>a</th><td>1</td></tr></table></body></html>")
"""Laid out (and thrown away) by the child once WeasyPrint is imported, while it waits
for the page: the first layout of a process also loads the fonts and starts Pango
(0.05 s of the Titanic chapter's layout, saved for each half of a page laid out in two
halves too, which are forks of this child)."""

MATHS_SHARED_FROM = 8
"""A page with at least this many distinct formulas has them drawn half by the child."""
MATHS_REQUEST_BYTES = 48 << 10
"""A request for maths fits in a pipe's buffer (64 KiB on Linux): sent without waiting."""

_started = False
"""Whether this process started a child already (see the module's docstring)."""


def wanted() -> bool:
    return (not _started and "weasyprint" not in sys.modules and hasattr(os, "fork")
            and threading.active_count() == 1
            and os.environ.get("BILATERAL_PDF_AHEAD", "1") != "0")


class Ahead:
    """A child process importing WeasyPrint now, to lay out HTML sent to it later.

    ``Ahead.start()`` returns None where a child is not wanted (see the module's
    docstring); :func:`layout` then lays out in this process.
    """

    def __init__(self, pid: int, requests: int, answers: int):
        self.pid, self._requests, self._answers = pid, requests, answers
        self._maths_asked = 0  # formulas sent whose drawings are not read yet

    @classmethod
    def start(cls) -> Ahead | None:
        global _started
        if not wanted():
            return None
        _started = True
        fds: list[int] = []
        try:
            fds = [*os.pipe(), *os.pipe()]
            parent = os.getpid()
            pid = os.fork()
        except OSError:
            for fd in fds:
                os.close(fd)
            return None
        requests_r, requests_w, answers_r, answers_w = fds
        if pid == 0:  # the child: never returns
            code = 0
            try:
                os.close(requests_w)
                os.close(answers_r)
                _serve(requests_r, answers_w, parent)
            except BaseException:  # noqa: BLE001 - the parent lays out itself
                code = 1
            finally:
                os._exit(code)
        os.close(requests_r)
        os.close(answers_w)
        return cls(pid, requests_w, answers_r)

    def _ask(self, kind: str, payload) -> bool:
        """Send a request; False if the child is gone (it is then closed), or if the
        answer to a request for maths was never read (the next answer would be that one:
        the child is closed rather than read out of step)."""
        if self._maths_asked:
            self._maths_asked = 0
            self.close()
        if self.pid:
            try:
                write_frame(self._requests, pickle.dumps((kind, payload),
                                                          protocol=pickle.HIGHEST_PROTOCOL))
                return True
            except OSError:  # the child is gone (EPIPE)
                pass
        self.close()
        return False

    def _answer(self):
        """The child's (kind, value) answer to the last request; None if it died."""
        answer = None
        if self.pid:
            with contextlib.suppress(OSError):
                answer = read_frame(self._answers)
        if answer is None:
            self.close()
            return None
        return pickle.loads(answer)

    def layout(self, html: str, evidence=(), when=None, variant=None, split=False
               ) -> tuple[bytes, int]:
        """``pdf.html_to_pdf`` done by the child, in two halves at once where ``split``
        and the page is worth it (:mod:`bilateral.export.pdf_split`); here, whole, if the
        child cannot answer."""
        answer = None
        if self._ask("layout", (html, tuple(evidence), when, variant, split)):
            answer = self._answer()
        kind, value = answer or ("gone", None)
        if kind == "PDFError":
            raise PDFError(value)
        if kind == "PrerequisiteError":
            raise PrerequisiteError(value)
        if kind == "ok":
            return value
        return html_to_pdf(html, evidence, when, variant)  # the child is gone, or failed

    def draw_maths_start(self, formulas: list[tuple[str, bool]]) -> int:
        """Ask the child to draw the first formulas of ``formulas`` (``maths.svg``) while
        this process goes on; how many were sent (0 if none could be): as many as fit in
        the pipe's buffer, so that sending never waits for a child still importing.
        Read the drawings with :meth:`draw_maths_result`."""
        sent, size = 0, 0
        for tex, _display in formulas:
            size += len(tex.encode("utf-8", "surrogatepass")) + 16
            if size > MATHS_REQUEST_BYTES:
                break
            sent += 1
        if sent and self._ask("maths", formulas[:sent]):
            self._maths_asked = sent
            return sent
        return 0

    def draw_maths_result(self) -> list:
        """What the child drew for the formulas :meth:`draw_maths_start` sent, in order;
        an empty list if it could not draw them (this process draws them then)."""
        asked, self._maths_asked = self._maths_asked, 0
        if not asked:
            return []
        answer = self._answer()
        if answer is None or answer[0] != "ok" or len(answer[1]) != asked:
            return []
        return answer[1]

    def close(self) -> None:
        """Stop the child (idle or still importing) and reap it."""
        if not self.pid:
            return
        pid, self.pid = self.pid, 0
        for fd in (self._requests, self._answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def layout(ahead: Ahead | None, html: str, evidence=(), when=None, variant=None,
           split=False) -> tuple[bytes, int]:
    """Lay ``html`` out by ``ahead``'s child when there is one (in two halves at once
    where ``split``), else in this process, whole: only the child knows that this
    process waits for it, so that the second core is free."""
    if ahead is None:
        return html_to_pdf(html, evidence, when, variant)
    return ahead.layout(html, evidence, when, variant, split)
