"""A long notebook's PDF laid out in two halves at once, one on each core.

WeasyPrint lays a document out on one core, page after page. The PDF exporter's child
(:mod:`bilateral.export.pdf_ahead`) receives the page while the converting process only
waits for it, so the machine's second core is idle for the whole layout. Here the child
forks once more: the fork lays out the second half of the notebook while the child lays
out the first, and the two PDFs are joined with pikepdf into one.

The page is cut only where a reader would not mind a new page: before a cell that opens
with a heading (``h1``–``h3``), the one nearest the middle of the work, and only when
(see :func:`halves`):

- the page is long enough for the fork and the join to pay (``SPLIT_FROM``);
- each half has at least ``BALANCE`` of the work;
- no internal link leads from one half into the other (WeasyPrint resolves a link only
  within the document it lays out);
- the notebook sets no ``@page`` rule of its own (both halves and the page numbers are
  laid out with the template's).

So the second half starts on a new page, where a single layout may have gone on on the
same page. The page numbers ("Page 3 of 34") count the whole document: the halves are laid
out without them and a third, blank document of as many pages carries them, each page
drawn over its page of the joined PDF as an artifact (not content, for screen readers).
Joining keeps the first half's catalog (metadata, language, attachments, output intent)
and adds the second half's pages, structure elements (under the first half's Document
element, their parent-tree keys moved past the first half's), bookmarks, named
destinations and element IDs (prefixed, so that they stay unique). Checked by
page-validation (PDF/A-3a, PDF/UA-1) in tests/export/test_pdf_split.py.

Anything unexpected (a fork that fails or dies, a structure the join does not know) gives
the layout of the whole page in the child itself: slower, the same PDF as without this.
``BILATERAL_PDF_SPLIT=0`` turns it off.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import os
import re
import signal
import zlib

from bilateral.core.process import fork_child, read_message, stop_child, write_message
from bilateral.export.weasy import PDFError, html_to_pdf

SPLIT_FROM = 100_000
"""A page is split when its markup, images' data left out, is at least this many
characters long: the Python lecture notes of the test corpus (126,000 characters) laid
out in 1.6 s, Jupyter's "Typesetting Equations" (27,000, and 197,000 of its formulas'
SVG) in 0.44 s; the fork, the page numbers and the join cost about 0.35 s."""
BALANCE = 0.3
"""Each half has at least this share of the work: the markup and SVG images' data (the
formulas' drawing is a good part of writing the PDF), raster images' left out."""

_MAIN = '<main class="report">'
_HEADING_CELL = re.compile(r'<div class="cell text_cell[^"]*"[^>]*>\s*<h[1-3][\s>]')
_DIV = re.compile(r"<(/?)div[\s>]")
_DATA = re.compile(r"data:image/(?:(png|jpeg|gif|webp)|svg\+xml);base64,[A-Za-z0-9+/=]*")
_HREF = re.compile(r'\shref="#([^"]*)"')
_ANCHOR = re.compile(r'\s(?:id|name)="([^"]*)"')
NO_FOOTER = "<style>@page { @bottom-center { content: none } }</style>"
"""Added to each half: its page numbers would count the half only."""
NO_HEADER = "<style>@page { @top-center { content: none } }</style>"
PAGE_NUMBER = "/NumBilateral"
"""The name of the page numbers' drawings among the pages' XObjects, followed by the
page's number (fixed, not random as pikepdf's own names are: equal notebooks give equal
bytes)."""


def wanted() -> bool:
    return hasattr(os, "fork") and os.environ.get("BILATERAL_PDF_SPLIT", "1") != "0"


def halves(html: str) -> tuple[str, str] | None:
    """The page as two pages, its cells cut before a heading cell near the middle; None
    when it is not worth cutting or cannot be cut safely (see the module's docstring)."""
    start = html.find(_MAIN)
    end = html.rfind("</main>")
    if start < 0 or end < start or html.count(_MAIN) != 1:
        return None
    start += len(_MAIN)
    body = html[start:end]
    if "@page" in body:
        return None
    images = [(m.start(), m.end(), bool(m.group(1))) for m in _DATA.finditer(body)]
    if len(body) - sum(e - s for s, e, _ in images) < SPLIT_FROM:
        return None
    image_ends = [e for _, e, _ in images]
    rasters = [0]
    for start_, end_, raster in images:
        rasters.append(rasters[-1] + (end_ - start_ if raster else 0))

    def work(pos: int) -> int:  # markup and SVG before pos, raster data left out
        return pos - rasters[bisect.bisect_right(image_ends, pos)]

    total = work(len(body))
    divs = [(m.start(), -1 if m.group(1) else 1) for m in _DIV.finditer(body)]
    if sum(step for _, step in divs) != 0:
        return None  # unbalanced (a "<div" inside an attribute?): not cut
    starts = [pos for pos, _ in divs]
    depth_before = [0]
    for _, step in divs:
        depth_before.append(depth_before[-1] + step)
    best = None
    for m in _HEADING_CELL.finditer(body):
        pos = m.start()
        if depth_before[bisect.bisect_left(starts, pos)] != 0:
            continue  # not a cell of the page itself
        share = work(pos) / total
        if BALANCE <= share <= 1 - BALANCE and (
                best is None or abs(share - 0.5) < abs(best[1] - 0.5)):
            best = (pos, share)
    if best is None:
        return None
    first, second = body[:best[0]], body[best[0]:]
    if _crosses(first, second):
        return None
    head, tail = html[:start], html[end:]
    head = head.replace("</head>", NO_FOOTER + "</head>", 1)
    return head + first + tail, head + second + tail


def _crosses(first: str, second: str) -> bool:
    """Whether a link in one half leads to an anchor found only in the other (each half
    read once)."""
    anchors = [set(_ANCHOR.findall(half)) for half in (first, second)]
    links = [set(_HREF.findall(half)) for half in (first, second)]
    return bool((links[0] - anchors[0]) & anchors[1] or (links[1] - anchors[1]) & anchors[0])


def numbers_page(html: str, pages: int) -> str:
    """A document of ``pages`` blank pages laid out with ``html``'s stylesheet: only its
    page numbers show."""
    head = html[:html.find("<body")] if "<body" in html else html[:html.find("</head>")]
    head = head.replace("</head>", NO_HEADER + "</head>", 1)
    return (head + "<body>" + '<div style="break-after: page"></div>' * (pages - 1)
            + "<div></div></body></html>")


class JoinError(Exception):
    """The two halves' PDFs are not of the form :func:`join` knows."""


def layout(html: str, evidence=(), when=None, variant=None) -> tuple[bytes, int] | None:
    """The PDF of ``html`` and its page count, laid out in two halves at once; None where
    the page is not split (the caller lays it out whole).

    The fork lays out the second half, then the page numbers, as soon as it learns how
    many pages the first half has (this process tells it once its own pages are laid
    out, before it draws them), then sends both: the numbers are laid out while this
    process still draws its half."""
    parts = halves(html) if wanted() else None
    if parts is None:
        return None
    first, second = parts
    fork = _Fork.start(html, second, when, variant)
    try:
        first_pdf, first_pages = html_to_pdf(first, evidence, when, variant,
                                             laid_out=fork.tell)
        kind, value = fork.answer()
        if kind == "PDFError":
            raise PDFError(value)
        if kind != "ok":  # the fork failed or died: that half is laid out here
            value = html_to_pdf(second, (), when, variant)
        second_pdf, second_pages = value
        pages = first_pages + second_pages
        kind, numbers = fork.answer() if kind == "ok" else ("gone", None)
        if kind != "ok" or numbers[1] != pages:
            numbers = html_to_pdf(numbers_page(html, pages), (), when, None)
    finally:
        fork.stop()
    try:
        return join(first_pdf, second_pdf, numbers[0], tagged=bool(variant)), pages
    except Exception:  # noqa: BLE001 - JoinError, or a PDF pikepdf reads otherwise
        return None  # laid out whole by the caller


class _Fork:
    """The fork laying out the second half, then the page numbers."""

    def __init__(self, pid: int = 0, answers: int = -1, counts: int = -1):
        self.pid, self._answers, self._counts = pid, answers, counts

    @classmethod
    def start(cls, html: str, second: str, when, variant) -> _Fork:
        """The fork started; a fork that is not there (it could not be made) answers
        "gone" to everything."""
        parent = os.getpid()
        child = fork_child(lambda counts, answers: _serve(html, second, when, variant,
                                                          parent, answers, counts))
        if child is None:
            return cls()
        pid, counts, answers = child
        return cls(pid, answers, counts)

    def tell(self, pages: int) -> None:
        """Tell the fork how many pages the first half has."""
        if self.pid:
            with contextlib.suppress(OSError):
                write_message(self._counts, pages)

    def answer(self):
        """The fork's next (kind, value); ("gone", None) if it died or is not there."""
        answer = read_message(self._answers) if self.pid else None
        return ("gone", None) if answer is None else answer

    def stop(self) -> None:
        pid, fds = self.pid, (self._answers, self._counts)
        self.pid, self._answers, self._counts = 0, -1, -1
        stop_child(pid, fds)


def _serve(html: str, second: str, when, variant, parent: int, answers: int,
           counts: int) -> None:
    """The fork's life: the second half, then the page numbers of the whole."""
    from bilateral.core.process import die_with_parent

    die_with_parent(parent=parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        laid_out = html_to_pdf(second, (), when, variant)
    except PDFError as exc:
        write_message(answers, ("PDFError", str(exc)))
        return
    # The page numbers before the half is sent: the parent reads only when its own half is
    # done, and a PDF larger than the pipe's buffer would keep this process waiting.
    count = read_message(counts)
    numbers = None
    if isinstance(count, int):
        pages = count + laid_out[1]
        numbers = html_to_pdf(numbers_page(html, pages), (), when, None)
    write_message(answers, ("ok", laid_out))
    if numbers is not None:
        write_message(answers, ("ok", numbers))


def join(first: bytes, second: bytes, numbers: bytes, tagged: bool) -> bytes:
    """One PDF of ``first``'s pages then ``second``'s, each page numbered by the page of
    ``numbers`` at its place (see the module's docstring). Raises JoinError."""
    import pikepdf

    try:
        out = pikepdf.open(io.BytesIO(first))
        other = pikepdf.open(io.BytesIO(second))
        digits = pikepdf.open(io.BytesIO(numbers))
    except pikepdf.PdfError as exc:
        raise JoinError(str(exc)) from None
    if len(digits.pages) != len(out.pages) + len(other.pages):
        raise JoinError("the page numbers do not match the pages")
    offset = _parent_tree_end(out) if tagged else 0
    if tagged:
        _prefix_ids(other, "2-")
    kept = len(out.pages)
    out.pages.extend(other.pages)
    if tagged:
        for page in out.pages[kept:]:
            _shift(page.obj, "/StructParents", offset)
            for annotation in page.obj.get("/Annots", ()):
                _shift(annotation, "/StructParent", offset)
        _join_structure(out, other, offset)
    _join_outlines(out, other)
    _join_names(out, other)
    for number, (page, numbered) in enumerate(zip(out.pages, digits.pages), start=1):
        _draw_over(out, page, numbered, f"{PAGE_NUMBER}{number}")
    return written(out)


def _copy(out, other, obj):
    """``other``'s object copied into ``out`` (references to pages copied already lead to
    their copies)."""
    return out.copy_foreign(obj if obj.is_indirect else other.make_indirect(obj))


def _shift(obj, key: str, offset: int) -> None:
    if key in obj:
        obj[key] = int(obj[key]) + offset


def _numbers(tree) -> list:
    if "/Kids" in tree or "/Nums" not in tree:
        raise JoinError("a number tree with kids")
    return list(tree.Nums)


def _parent_tree_end(pdf) -> int:
    root = pdf.Root.get("/StructTreeRoot")
    if root is None or "/ParentTree" not in root:
        raise JoinError("no structure tree")
    nums = _numbers(root.ParentTree)
    return max([int(k) for k in nums[::2]] + [int(root.get("/ParentTreeNextKey", 0)) - 1]) + 1


def _document(root):
    """The one Document element under a structure tree root."""
    import pikepdf

    kids = root.K
    if isinstance(kids, pikepdf.Array):
        if len(kids) != 1:
            raise JoinError("not one element at the structure tree's root")
        kids = kids[0]
    if not isinstance(kids, pikepdf.Dictionary) or kids.get("/S") != "/Document":
        raise JoinError("no Document element")
    return kids


def _prefix_ids(pdf, prefix: str) -> None:
    """Every structure element ID of ``pdf``, every table cell's /Headers naming one and
    every name of the IDTree, prefixed: WeasyPrint makes IDs from object numbers, which
    both halves share."""
    import pikepdf

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/StructElem":
            continue
        if "/ID" in obj:
            obj.ID = pikepdf.String(prefix + str(obj.ID))
        attributes = obj.get("/A")
        for attribute in (attributes if isinstance(attributes, pikepdf.Array)
                          else [attributes]):
            if isinstance(attribute, pikepdf.Dictionary) and "/Headers" in attribute:
                attribute.Headers = pikepdf.Array(
                    pikepdf.String(prefix + str(h)) for h in attribute.Headers)
    tree = pdf.Root.StructTreeRoot.get("/IDTree")
    if tree is not None:
        if "/Kids" in tree:
            raise JoinError("a name tree with kids")
        names = list(tree.get("/Names", ()))
        tree.Names = pikepdf.Array(pikepdf.String(prefix + str(x)) if i % 2 == 0 else x
                                   for i, x in enumerate(names))


def _join_structure(out, other, offset: int) -> None:
    import pikepdf

    root, theirs = out.Root.StructTreeRoot, _copy(out, other, other.Root.StructTreeRoot)
    document = _document(root)
    nums = _numbers(root.ParentTree)
    their_nums = _numbers(theirs.ParentTree)
    for k, v in zip(their_nums[::2], their_nums[1::2]):
        nums += [int(k) + offset, v]
    root.ParentTree.Nums = nums
    if "/ParentTreeNextKey" in root or "/ParentTreeNextKey" in theirs:
        root.ParentTreeNextKey = max(int(k) for k in nums[::2]) + 1
    kids = _listed(document.get("/K"))
    for kid in _listed(_document(theirs).get("/K")):
        if isinstance(kid, pikepdf.Dictionary):
            kid.P = document
        kids.append(kid)
    document.K = pikepdf.Array(kids)
    if "/IDTree" in theirs:
        root.IDTree = _joined_names(out, root.get("/IDTree"), theirs.IDTree)


def _listed(value) -> list:
    import pikepdf

    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _joined_names(out, mine, theirs):
    """A name tree of both trees' flat /Names, sorted by name."""
    import pikepdf

    pairs = []
    for tree in (mine, theirs):
        if tree is None:
            continue
        if "/Kids" in tree:
            raise JoinError("a name tree with kids")
        names = list(tree.get("/Names", ()))
        pairs += [(bytes(names[i]), names[i], names[i + 1]) for i in range(0, len(names), 2)]
    pairs.sort(key=lambda pair: pair[0])
    return out.make_indirect(pikepdf.Dictionary(
        Names=pikepdf.Array(x for _, key, value in pairs for x in (key, value))))


def _join_names(out, other) -> None:
    """Named destinations (internal links' targets) of both halves."""
    import pikepdf

    theirs = other.Root.get("/Names")
    if theirs is None or "/Dests" not in theirs:
        return
    copied = _copy(out, other, theirs.Dests)
    if "/Names" not in out.Root:
        out.Root.Names = pikepdf.Dictionary()
    out.Root.Names.Dests = _joined_names(out, out.Root.Names.get("/Dests"), copied)


def _join_outlines(out, other) -> None:
    """The second half's bookmarks after the first half's, at the same levels."""
    import pikepdf

    theirs = other.Root.get("/Outlines")
    if theirs is None or "/First" not in theirs:
        return
    copied = _copy(out, other, theirs)
    if "/Outlines" not in out.Root:
        out.Root.Outlines = out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    mine = out.Root.Outlines
    item, seen = copied.First, 0
    while True:
        item.Parent = mine
        seen += 1
        if "/Next" not in item or seen > 100_000:
            break
        item = item.Next
    if "/First" in mine:
        mine.Last.Next = copied.First
        copied.First.Prev = mine.Last
    else:
        mine.First = copied.First
    mine.Last = copied.Last
    mine.Count = int(mine.get("/Count", 0)) + int(copied.get("/Count", 0))


def _draw_over(out, page, numbered, name: str) -> None:
    """``numbered`` (a page of the numbers' document) drawn over ``page`` as an artifact,
    under ``name`` among its XObjects (which WeasyPrint's pages share), the page's own
    drawing kept in a saved graphics state."""
    import pikepdf

    form = out.copy_foreign(numbered.as_form_xobject())
    name = pikepdf.Name(name)
    if name in page.obj.get("/Resources", {}).get("/XObject", {}):
        raise JoinError(f"a page has an XObject named {name} already")
    page.add_resource(form, pikepdf.Name.XObject, name=name)
    page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(out, b"\nQ\n/Artifact BMC q " + bytes(str(name), "ascii")
                                     + b" Do Q EMC\n"))


def _stream_end(data: bytes) -> bytes:
    """What follows a stream's data: CR LF before ``endstream`` where the data ends with
    CR, so that the end-of-line marker cannot be read as CR LF taken from the data
    (PDF/A: /Length counts the bytes up to that marker; see weasy._unambiguous_streams)."""
    return b"\r\nendstream\nendobj\n" if data.endswith(b"\r") else b"\nendstream\nendobj\n"


def written(pdf) -> bytes:
    """``pdf`` (pikepdf's) as the bytes of a PDF: its streams as they are, every other
    object in one compressed object stream, and a cross-reference stream, as WeasyPrint
    writes a PDF.

    Not ``pdf.save``: QPDF writes ``data LF endstream`` whatever the data's last byte, and
    packs objects a hundred to an object stream; a stream whose compressed data ends with
    CR (one in 256) then fails PDF/A's stream length check (page-validation), and a
    joined notebook of 9,000 objects has about 95 object streams: a third of joined PDFs
    failed. Also faster than saving (0.09 s against 0.1 s for the saving alone, the
    Titanic chapter of the test corpus). Object numbers are kept: the object and
    cross-reference streams take the next two."""
    import pikepdf

    head = b"%PDF-" + pdf.pdf_version.encode("ascii") + b"\n%\xf0\x9f\x96\xa4\n"
    chunks, position = [head], len(head)
    rows: dict[int, tuple[int, int, int]] = {}
    packed, index, offset = [], [], 0
    for obj in pdf.objects:
        number, generation = obj.objgen
        if number == 0:
            continue
        if isinstance(obj, pikepdf.Stream):
            if obj.stream_dict.get("/Type") in ("/ObjStm", "/XRef"):
                continue  # the objects they held are written anew
            data = obj.read_raw_bytes()
            description = pikepdf.Dictionary(obj.stream_dict)
            description.Length = len(data)
            chunk = (b"%d %d obj\n" % (number, generation) + description.unparse()
                     + b"\nstream\n" + data + _stream_end(data))
        elif generation == 0:
            text = obj.unparse(resolved=True)
            rows[number] = (2, 0, len(index))
            index.append(b"%d %d" % (number, offset))
            packed.append(text)
            offset += len(text) + 1
            continue
        else:
            chunk = (b"%d %d obj\n" % (number, generation) + obj.unparse(resolved=True)
                     + b"\nendobj\n")
        rows[number] = (1, position, generation)
        chunks.append(chunk)
        position += len(chunk)
    objects, xref = max(rows) + 1, max(rows) + 2
    first = b" ".join(index) + b"\n"
    data = zlib.compress(first + b"\n".join(packed) + b"\n", 6)
    chunk = (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
             b"\nstream\n" % (objects, len(index), len(first), len(data)) + data
             + _stream_end(data))
    rows[objects] = (1, position, 0)
    chunks.append(chunk)
    position += len(chunk)
    rows[xref] = (1, position, 0)
    width = max(1, (position.bit_length() + 7) // 8)
    last_width = max(2, (max(last for _, _, last in rows.values()).bit_length() + 7) // 8)
    table = b"".join(
        bytes([kind]) + (objects if kind == 2 else where).to_bytes(width, "big")
        + last.to_bytes(last_width, "big")
        for kind, where, last in (rows.get(n, (0, 0, 65535 if n == 0 else 0))
                                  for n in range(xref + 1)))
    data = zlib.compress(table, 6)
    trailer = pdf.trailer
    extra = b"/Root " + trailer.Root.unparse()
    if "/Info" in trailer:
        extra += b" /Info " + trailer.Info.unparse()
    if "/ID" in trailer:
        extra += b" /ID " + trailer.ID.unparse(resolved=True)
    chunks.append(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 %d %d] /Filter /FlateDecode "
                  b"/Length %d " % (xref, xref + 1, width, last_width, len(data)) + extra
                  + b" >>\nstream\n" + data + _stream_end(data))
    chunks.append(b"startxref\n%d\n%%%%EOF\n" % position)
    return b"".join(chunks)
