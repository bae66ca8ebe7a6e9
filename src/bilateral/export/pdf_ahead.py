"""The PDF engine made ready ahead of time, in a child process.

In a ``jupyter nbconvert --to bilateral_pdf`` process, importing WeasyPrint takes about
0.8 s (cffi's declarations of Pango, fontTools' subsetter, its CSS machinery), and making
the notebook's HTML about as long. Both are Python, so a thread could not overlap them;
a forked child can: it imports WeasyPrint on the other core while this process makes the
HTML, then lays the HTML out when it arrives and sends the PDF back. Between the two, it
draws the page's formulas, each sent as soon as the template meets it
(``draw_maths_ahead``), while this process goes on with the template.

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
import signal
import struct
import sys
import threading

from bilateral.core.errors import PrerequisiteError
from bilateral.core.process import fork_child, read_message, stop_child, write_message
from bilateral.export import pdf_split
from bilateral.export.weasy import PDFError, html_to_pdf


def _serve(requests: int, answers: int, parent: int, progress: _Progress) -> None:
    """The child's life: import the engine, then lay out each HTML page it is sent."""
    from bilateral.core.process import die_with_parent

    die_with_parent(parent=parent)
    # Ctrl-C reaches the whole process group: the parent stops this child itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        import weasyprint  # noqa: F401  (an import error is raised again by html_to_pdf)
    with contextlib.suppress(Exception):
        import pikepdf  # noqa: F401  (for a page laid out in halves: pdf_split.join)
    if not _pending(requests):  # formulas to draw first, if any are waiting
        with contextlib.suppress(Exception):
            html_to_pdf(WARM_UP)
    ahead: list = []  # the drawings of the formulas sent ahead, in order, not asked for yet
    done = 0  # formulas sent ahead so far, drawn or skipped
    while (request := read_message(requests)) is not None:
        kind, payload = request
        try:
            if kind == "maths-ahead":  # no answer: kept for the "maths" request
                from bilateral.export.maths import svg

                drawing = False  # drawn by the parent (see Ahead.draw_maths_here)
                if progress.taken_from() > done:
                    try:
                        drawing = svg(*payload)
                    except Exception:  # noqa: BLE001 - the parent draws it itself
                        pass
                ahead.append(drawing)
                done += 1
                progress.reached(done)
                continue
            if kind == "maths":  # the drawings of the first ``payload`` formulas sent ahead
                answer = ("ok", ahead[:payload] if len(ahead) >= payload else None)
                del ahead[:payload]
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
        write_message(answers, answer)


WARM_UP = ("<!DOCTYPE html><html lang='en'><head><title>warm</title><style>"
           "body { font-family: 'DejaVu Serif' } h1, table { font-family: 'DejaVu Sans' } "
           "pre, code { font-family: 'DejaVu Sans Mono' }</style></head><body><h1>Warm</h1>"
           "<p>A <b>page</b> <i>laid</i> out <code>once</code>.</p><pre>x = 1</pre>"
           "<table><tr><th>a</th><td>1</td></tr></table></body></html>")
"""Laid out (and thrown away) by the child once WeasyPrint is imported, while it waits
for the page: the first layout of a process also loads the fonts and starts Pango
(0.05 s of the Titanic chapter's layout, saved for each half of a page laid out in two
halves too, which are forks of this child)."""

NOTHING_TAKEN = 1 << 62


class _Progress:
    """How far the child and this process got in drawing the formulas sent ahead, in a page
    of memory both share after the fork: how many the child went through (it writes it)
    and the lowest index, among all sent, that this process took (it writes it). A value
    read while it is written is at worst a formula drawn twice, or drawn when it is put
    in place; never a wrong one."""

    def __init__(self):
        import mmap

        self._memory = mmap.mmap(-1, 16)  # anonymous and shared: the child sees it
        self.reached(0)
        self.take_from(NOTHING_TAKEN)

    def reached(self, index: int) -> None:  # the child
        struct.pack_into("<q", self._memory, 0, index)

    def child_at(self) -> int:
        return struct.unpack_from("<q", self._memory, 0)[0]

    def take_from(self, index: int) -> None:  # this process
        struct.pack_into("<q", self._memory, 8, index)

    def taken_from(self) -> int:
        return struct.unpack_from("<q", self._memory, 8)[0]


def _pending(fd: int) -> bool:
    import select

    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return False


MATHS_REQUEST_BYTES = 48 << 10
"""The formulas sent ahead fit in a pipe's buffer (64 KiB on Linux): sent without
waiting, even to a child still importing."""

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

    def __init__(self, pid: int, requests: int, answers: int, progress: _Progress):
        self.pid, self._requests, self._answers = pid, requests, answers
        self._progress = progress
        self._maths_asked = 0  # formulas asked for whose drawings are not read yet
        self._ahead_sent = 0  # formulas sent ahead, not asked for yet
        self._ahead_total = 0  # formulas sent ahead, in all
        self._ahead_bytes = 0

    @classmethod
    def start(cls) -> Ahead | None:
        global _started
        if not wanted():
            return None
        _started = True
        try:
            progress = _Progress()
        except OSError:  # no shared memory to be had: no child either
            return None
        parent = os.getpid()
        child = fork_child(lambda requests, answers: _serve(requests, answers, parent,
                                                            progress))
        if child is None:
            return None
        pid, requests, answers = child
        return cls(pid, requests, answers, progress)

    def _ask(self, kind: str, payload) -> bool:
        """Send a request; False if the child is gone (it is then closed), or if the
        answer to a request for maths was never read (the next answer would be that one:
        the child is closed rather than read out of step)."""
        if self._maths_asked:
            self._maths_asked = 0
            self.close()
        if self.pid:
            try:
                write_message(self._requests, (kind, payload))
                return True
            except OSError:  # the child is gone (EPIPE)
                pass
        self.close()
        return False

    def _answer(self):
        """The child's (kind, value) answer to the last request; None if it died."""
        answer = read_message(self._answers) if self.pid else None
        if answer is None:
            self.close()
        return answer

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

    def draw_maths_ahead(self, tex: str, display: bool) -> bool:
        """Ask the child to draw a formula (``maths.svg``) now, while this process goes
        on making the page; False (nothing sent) once the formulas sent ahead reach
        ``MATHS_REQUEST_BYTES`` (the pipe's buffer: sending never waits for a child still
        importing), or when the child is gone. Their drawings are read with
        :meth:`draw_maths_start` and :meth:`draw_maths_result`."""
        size = len(tex.encode("utf-8", "surrogatepass")) + 64
        if not self.pid or self._maths_asked or self._ahead_bytes + size > MATHS_REQUEST_BYTES:
            return False
        try:
            write_message(self._requests, ("maths-ahead", (tex, display)))
        except OSError:
            self.close()
            return False
        self._ahead_bytes += size
        self._ahead_sent += 1
        self._ahead_total += 1
        return True

    def draw_maths_start(self) -> int:
        """Ask for the drawings of every formula sent ahead; how many were asked (0 if
        none, or the child is gone). Meanwhile draw some with :meth:`draw_maths_here`;
        read the child's with :meth:`draw_maths_result`."""
        asked, self._ahead_sent = self._ahead_sent, 0
        if asked and self._ask("maths", asked):
            self._maths_asked = asked
            return asked
        return 0

    def draw_maths_here(self, formulas: list, draw) -> dict:
        """The formulas asked for drawn here with ``draw``, from the last, while the child
        draws them from the first, until the two meet: each side tells the other how far
        it got (a shared page of memory, :class:`_Progress`), and the child skips what
        this process took. A formula both drew is drawn the same; one neither drew is
        drawn when it is put in place."""
        drawn: dict = {}
        first = self._ahead_total - len(formulas)  # the index of formulas[0] in all sent
        low = self._ahead_total
        while self.pid and low > max(first, self._progress.child_at()):
            low -= 1
            self._progress.take_from(low)
            drawn[formulas[low - first]] = draw(*formulas[low - first])
        return drawn

    def draw_maths_result(self) -> list:
        """What the child drew for the formulas sent ahead, in the order they were sent
        (False for one it could not draw); an empty list if it could not answer (this
        process draws them then)."""
        asked, self._maths_asked = self._maths_asked, 0
        if not asked:
            return []
        answer = self._answer()
        self._progress.take_from(NOTHING_TAKEN)
        if answer is None or answer[0] != "ok" or not isinstance(answer[1], list) \
                or len(answer[1]) != asked:
            return []
        return answer[1]

    def close(self) -> None:
        """Stop the child (idle or still importing) and reap it."""
        if not self.pid:
            return
        pid, self.pid = self.pid, 0
        stop_child(pid, (self._requests, self._answers))


def layout(ahead: Ahead | None, html: str, evidence=(), when=None, variant=None,
           split=False) -> tuple[bytes, int]:
    """Lay ``html`` out by ``ahead``'s child when there is one (in two halves at once
    where ``split``), else in this process, whole: only the child knows that this
    process waits for it, so that the second core is free."""
    if ahead is None:
        return html_to_pdf(html, evidence, when, variant)
    return ahead.layout(html, evidence, when, variant, split)
