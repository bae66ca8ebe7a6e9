"""The pages of a report's PDF against what its evidence renders to.

A report's PDF carries the executed notebook it was rendered from and the settings it
was rendered with (:mod:`bilateral.review.evidence`). Builds are byte-reproducible, so
rendering that notebook again with the installed exporter, embedding the same files,
gives the same bytes: :func:`rerender`. :func:`compare` then says how the file relates
to those bytes:

- identical bytes: the file is exactly what the evidence renders to;
- the fresh bytes followed by later revisions (an approval's signature is one): the first
  revision is exactly what the evidence renders to, and every page of the file as it is
  now is compared in text and pixels with the fresh pages, so that a later revision that
  paints over a page is found;
- anything else: each page is compared in text and pixels (PDFium, through pypdfium2,
  draws both files the same way); a page added, missing or changed is named.

Pages are matched in order by their text and pixels (:class:`difflib.SequenceMatcher`),
so a deleted page is reported as missing rather than as every later page changed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from dataclasses import dataclass, field

from bilateral.review import evidence

SCALE = 96 / 72
"""Pages are drawn at 96 dpi: a changed figure's digit or a painted rectangle a few
points wide changes pixels at this scale; a whole report takes about a second."""

MAX_PAGES = 500
"""Pages compared at most; a file with more is refused (a bound on time and memory)."""

MAX_NOTEBOOK = 64 * 1024 * 1024
"""The largest embedded notebook rendered again: the build reads no larger notebook."""

RENDER_SECONDS = 300
"""The longest a re-rendering may take before verify gives up on it."""

SETTINGS = {"show_code": bool, "paper": str, "report_date": str, "sanitize": bool}
"""The exporter settings ``rendering.json`` may name, and their types; anything else in
it is refused: a PDF from elsewhere does not configure the exporter beyond these."""

RENDERERS = ("bilateral renderer", "nbconvert", "nbformat", "weasyprint", "pydyf",
             "markupsafe", "jinja2", "mistune", "pygments", "fonttools", "pango", "harfbuzz",
             "font subsetting")
"""The versions that decide a PDF's bytes once the notebook is executed."""


class UnusableEvidenceError(ValueError):
    """The embedded files cannot be rendered again (missing, malformed, too large)."""


def rerender(files: dict[str, bytes], record: dict) -> bytes:
    """The PDF the embedded notebook renders to with the embedded settings and files,
    laid out by the installed exporter. Raises UnusableEvidenceError."""
    import nbformat

    from bilateral.core.process import OutOfTime, deadline
    from bilateral.export.pdf import WeasyPDFExporter

    for name in (evidence.NOTEBOOK, evidence.RENDERING, evidence.PARAMETERS):
        if name not in files:
            raise UnusableEvidenceError(f"it carries no {name}, so its pages cannot be rendered "
                                   "again (built before bilateral embedded it?)")
    if len(files[evidence.NOTEBOOK]) > MAX_NOTEBOOK:
        raise UnusableEvidenceError(
            f"the embedded notebook is larger than {MAX_NOTEBOOK:,} bytes")
    try:
        info = json.loads(files[evidence.RENDERING].decode("utf-8"))
        name, settings = info["name"], info["settings"]
        bad = [k for k, v in settings.items()
               if k not in SETTINGS or not isinstance(v, SETTINGS[k])]
        if bad or not isinstance(name, str):
            raise ValueError(f"unknown or mistyped settings: {', '.join(bad) or 'name'}")
        invalid: dict = {}
        nb = nbformat.reads(files[evidence.NOTEBOOK].decode("utf-8"), as_version=4,
                            capture_validation_error=invalid)
        if invalid:
            raise ValueError("not a valid notebook")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError,
            RecursionError, nbformat.ValidationError) as exc:
        raise UnusableEvidenceError(f"its embedded notebook or rendering.json cannot be read "
                               f"({str(exc).splitlines()[0] if str(exc) else exc!r})") from None
    listed = [rel for rel in record.get("data", {}).get("files", [])
              if evidence.data_name(rel) in files]
    rest = sorted(evidence.data_path(n) for n in files
                  if n.startswith(evidence.DATA_PREFIX) and evidence.data_path(n) not in listed)
    embedded = evidence.evidence(
        files[evidence.RESULTS], files[evidence.PARAMETERS], files[evidence.NOTEBOOK],
        files[evidence.RENDERING],
        {rel: files[evidence.data_name(rel)] for rel in listed + rest})
    resources = {"metadata": {"name": name, "path": ""},
                 "bilateral_evidence": embedded,
                 "bilateral_evidence_date": evidence.date_of(
                     record.get("data", {}).get("as_of"))}
    import tempfile
    import time

    try:
        # The notebook's folder is an empty one: nothing outside the evidence is read.
        with tempfile.TemporaryDirectory(prefix="bilateral-render-") as empty, \
                deadline(time.monotonic() + RENDER_SECONDS):
            resources["metadata"]["path"] = empty
            pdf, _ = WeasyPDFExporter(**settings).from_notebook_node(nb, resources)
    except OutOfTime:
        raise UnusableEvidenceError(f"rendering its notebook took longer than {RENDER_SECONDS} s"
                               ) from None
    return pdf


def renderer_changes(built: dict) -> list[str]:
    """How the installed renderer differs from the one the record names: ``weasyprint
    69.0 → 70.0``; empty when it is the same."""
    from bilateral.review.results import versions

    now = versions()
    return [f"{k} {built.get(k, 'not recorded')} → {now.get(k, 'not installed')}"
            for k in RENDERERS if built.get(k) != now.get(k)]


@dataclass
class Page:
    """One page as drawn: its text and a digest of its pixels."""

    text: str
    pixels: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.text, self.pixels)


def _words(text: str) -> list[str]:
    return text.split()


def _open(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnusableEvidenceError(f"its pages cannot be drawn ({exc})") from None


MAX_SIDE = 32_000
"""The longest side a page may be drawn with, in pixels."""

MAX_PIXELS = 64_000_000
"""The most pixels a page may be drawn with (an A4 page has under a million at 96 dpi):
a page of a huge size is refused rather than drawn into gigabytes."""


def _draw(doc, i: int):
    page = doc[i]
    try:
        width, height = page.get_size()
        # As drawn: each side rounded up to whole pixels, and neither side absurd.
        w, h = math.ceil(width * SCALE), math.ceil(height * SCALE)
        if not (0 < w <= MAX_SIDE and 0 < h <= MAX_SIDE and w * h <= MAX_PIXELS):
            raise UnusableEvidenceError(f"page {i + 1} is {width:.0f} × {height:.0f} pt, "
                                        "too large to draw")
        text = page.get_textpage().get_text_range()
        pixels = page.render(scale=SCALE, draw_annots=True).to_numpy()
    finally:
        page.close()
    return text, pixels


def _prints(doc) -> list[Page]:
    out = []
    for i in range(len(doc)):
        text, pixels = _draw(doc, i)
        out.append(Page(" ".join(_words(text)), hashlib.sha256(
            pixels.tobytes() + repr(pixels.shape).encode()).hexdigest()))
    return out


def _text_change(old: str, new: str) -> str:
    """The first words that differ: ``text 'holds' → 'contradicted'``, ``text added:
    'contradicted'``."""
    a, b = _words(old), _words(new)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            was, now = " ".join(a[i1:i2][:8]), " ".join(b[j1:j2][:8])
            if not was:
                return f"text added: {now!r}"
            if not now:
                return f"text missing: {was!r}"
            return f"text {was!r} → {now!r}"
    return "same text"


def _pixel_change(old, new) -> str:
    """Where the pixels differ: ``pixels differ in 1.2 % of the page, 55 % down``."""
    if old.shape != new.shape:
        return f"page size {old.shape[1]}×{old.shape[0]} → {new.shape[1]}×{new.shape[0]} px"
    diff = (old != new)
    if diff.ndim == 3:
        diff = diff.any(axis=2)
    if not diff.any():
        return "same pixels"
    rows = diff.any(axis=1).nonzero()[0]
    share = 100 * diff.sum() / diff.size
    where = 100 * (rows[0] + rows[-1]) / 2 / diff.shape[0]
    return f"pixels differ in {share:.2g} % of the page, about {where:.0f} % down"


@dataclass
class PageCheck:
    """How a file's pages relate to what its evidence renders to."""

    identical: bool
    """The file's bytes are exactly the fresh rendering's."""
    first_revision: bool
    """The file begins with the fresh rendering's bytes, later revisions after them."""
    pages: int
    fresh_pages: int
    problems: list[str] = field(default_factory=list)
    """One line per page that is missing, added or different."""

    @property
    def ok(self) -> bool:
        return not self.problems


def compare(data: bytes, fresh: bytes) -> PageCheck:
    """Compare a file's bytes with a fresh rendering's, page by page where they differ."""
    if data == fresh:
        n = len(_open(fresh))
        return PageCheck(True, False, n, n)
    mine, theirs = _open(data), _open(fresh)
    try:
        if max(len(mine), len(theirs)) > MAX_PAGES:
            raise UnusableEvidenceError(f"it has more than {MAX_PAGES} pages")
        a, b = _prints(theirs), _prints(mine)
        check = PageCheck(False, data.startswith(fresh), len(mine), len(theirs))
        ops = difflib.SequenceMatcher(None, [p.key for p in a], [p.key for p in b],
                                      autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in ops:
            if tag == "equal":
                continue
            for k in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + k, j1 + k
                if i < i2 and j < j2:
                    t_old, px_old = _draw(theirs, i)
                    t_new, px_new = _draw(mine, j)
                    what = "; ".join(x for x in (_text_change(t_old, t_new),
                                                 _pixel_change(px_old, px_new))
                                     if not x.startswith("same"))
                    check.problems.append(f"page {j + 1} differs from page {i + 1} of the "
                                          f"rendering: {what or 'in its drawing'}")
                elif i < i2:
                    check.problems.append(
                        f"page {i + 1} of the rendering is missing from the file "
                        f"(it begins {' '.join(_words(a[i].text)[:8])!r})")
                else:
                    check.problems.append(
                        f"page {j + 1} of the file is not in the rendering (it begins "
                        f"{' '.join(_words(b[j].text)[:8])!r})")
        return check
    finally:
        mine.close()
        theirs.close()
