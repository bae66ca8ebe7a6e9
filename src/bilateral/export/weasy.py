"""HTML to PDF with WeasyPrint, offline: the PDF engine alone, without nbconvert.

Kept apart from the exporters (:mod:`bilateral.export.pdf`) so that checking the engine is
present (``build.plan``) costs the import of WeasyPrint only.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import os
import re
import sys
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from bilateral.core.errors import PrerequisiteError


def weasyprint_module():
    """Import WeasyPrint, or say which system package it lacks."""
    try:
        import weasyprint
    except ImportError:
        raise PrerequisiteError("the PDF engine WeasyPrint is not installed (pip install "
                                "weasyprint), or build with --formats html") from None
    except OSError as exc:  # Pango or its friends cannot be loaded
        raise PrerequisiteError(
            f"the PDF engine WeasyPrint cannot load its system libraries ({exc}); install "
            "Pango ≥ 1.44 (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0), "
            "or build with --formats html") from None
    _full_lines()
    _svg_paths_drawn_once()
    _flate_level()
    return weasyprint


def _full_lines() -> None:
    """Mend WeasyPrint's line breaking where text that fits ends with a space before an
    inline element (code, a link, bold): its ``split_first_line`` counts the trailing
    space, finds the text one space too wide and breaks it after its first word, so that
    a paragraph's line holds one word and the rest moves down. Such text is laid out whole
    instead, as Pango lays it out, and the line breaks before the element as usual (the
    caller discounts trailing spaces). Done once; nothing when WeasyPrint's layout has no
    such function."""
    import math

    try:
        from weasyprint.layout import inline
    except ImportError:  # pragma: no cover - the import error is reported by the caller
        return
    split = getattr(inline, "split_first_line", None)
    if split is None or getattr(split, "bilateral_full_lines", False):
        return

    def split_first_line(text, style, context, max_width, justification_spacing,
                         is_line_start=True, minimum=False):
        result = split(text, style, context, max_width, justification_spacing,
                       is_line_start=is_line_start, minimum=minimum)
        if (result[2] is None or minimum or max_width is None or max_width == math.inf
                or not text.endswith(" ") or style["white_space"] not in ("normal", "pre-line")):
            return result
        stripped = text.rstrip(" ")
        if stripped and split(stripped, style, context, max_width, justification_spacing,
                              is_line_start=is_line_start)[2] is None:
            return split(text, style, context, math.inf, justification_spacing,
                         is_line_start=is_line_start)
        return result

    split_first_line.bilateral_full_lines = True
    inline.split_first_line = split_first_line


CHECKED_WEASYPRINT = "70."
"""The WeasyPrint (and its pydyf, 0.13) whose SVG path drawing ``_svg_paths_drawn_once``
was checked against: the same PDF, byte for byte (tests/export/test_pdf_speed.py)."""

PATHS_KEPT = 4096
"""At most this many drawn SVG paths are kept (see ``_svg_paths_drawn_once``)…"""
PATH_BYTES_KEPT = 16 << 20
"""…holding about this many bytes between them (operators and vertices, counted with
the size of Python's objects)…"""
PATH_DATA_KEPT = 4096
"""…each drawn from at most this many characters of path data: a glyph's outline (those
of the test corpus's formulas are under 2,000), not a plot's line of a thousand points,
which rarely recurs."""

_PATH_DATA = re.compile(r"[0-9.,+\-eE \t\r\nachlmqstvzACHLMQSTVZ]*\Z")
"""SVG path data and nothing else: numbers, separators and path commands. Drawn from
such data, a path's PDF operators depend on the data alone: no unit, no percentage."""


def _svg_paths_drawn_once() -> None:
    """Each distinct SVG path parsed once per process, its PDF operators replayed after.

    WeasyPrint parses an SVG path's data every time the image is drawn, number by number
    in Python. A formula is SVG (:mod:`bilateral.export.maths`) whose glyphs are paths,
    and the same glyphs recur in every formula: on the linear algebra notes of the test
    corpus, 2,740 paths drawn hold 217 distinct ones, and parsing them was a third of
    writing the PDF (3.7 s → 2.6 s with this). WeasyPrint's ``path`` appends operators to
    ``svg.stream.stream`` and marker vertices to ``node.vertices``, nothing else; both
    are recorded and replayed, so the PDF is the same byte for byte. Only for the
    WeasyPrint it was checked on; bounded by ``PATHS_KEPT``, ``PATH_BYTES_KEPT`` and
    ``PATH_DATA_KEPT``."""
    try:
        import weasyprint
        from weasyprint import svg as weasy_svg
    except ImportError:  # pragma: no cover - the import error is reported by the caller
        return
    draw = getattr(weasy_svg, "TAGS", {}).get("path")
    if (draw is None or getattr(draw, "bilateral_once", False)
            or not weasyprint.__version__.startswith(CHECKED_WEASYPRINT)):
        return
    kept: dict[str, tuple[list, list]] = {}
    size = 0

    def path(svg, node, font_size):
        nonlocal size
        data = node.get("d", "")
        known = kept.get(data)
        if known is not None:
            svg.stream.stream.extend(known[0])
            node.vertices.extend(known[1])
            return
        operators, vertices = svg.stream.stream, node.vertices
        first_operator, first_vertex = len(operators), len(vertices)
        draw(svg, node, font_size)
        if (len(data) <= PATH_DATA_KEPT and len(kept) < PATHS_KEPT
                and svg.stream.stream is operators and node.vertices is vertices
                and _PATH_DATA.match(data)):
            drawn = operators[first_operator:]
            added = list(itertools.islice(vertices, first_vertex, None))
            cost = (sys.getsizeof(data) + sum(sys.getsizeof(op) for op in drawn)
                    + 8 * len(drawn) + 112 * len(added))  # a slot; a slot, tuple, 2 floats
            if size + cost <= PATH_BYTES_KEPT:
                kept[data] = (drawn, added)
                size += cost

    path.bilateral_once = True
    weasy_svg.TAGS["path"] = path


FLATE_LEVEL = 6
"""zlib's level for the PDF's streams (see ``_flate_level``)."""


def _flate_level() -> None:
    """Compress the PDF's streams at zlib's default level, not its highest.

    pydyf, which writes WeasyPrint's PDF, compresses every content and font stream at
    level 9. Level 6 gave files 1.3 % larger (the Titanic chapter of the test corpus:
    795 KB → 806 KB) and took 0.19 s less of its 1.25 s of writing. Set on pydyf's own
    reference to zlib (for this process: WeasyPrint is pydyf's only user here); pydyf's
    other use, ``zlib.compress``, is at the default level already."""
    try:
        import pydyf
    except ImportError:  # pragma: no cover - WeasyPrint's own dependency
        return
    if isinstance(getattr(pydyf, "zlib", None), _Zlib):
        return
    pydyf.zlib = _Zlib()


class _Zlib:
    """zlib, its ``compressobj`` at ``FLATE_LEVEL`` whatever level it is asked for."""

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level=FLATE_LEVEL, *args, **kw):
        return zlib.compressobj(FLATE_LEVEL, *args, **kw)


class PDFError(Exception):
    """WeasyPrint could not lay the report out."""


class _PrintOnlyCSS(logging.Filter):
    """Drops WeasyPrint's notes on CSS it does not apply in print: the stylesheet is shared
    with the screen (scrolling, media queries), and a notebook's inline styles are its own.
    Other warnings pass."""

    NOTES = ("Ignored ", "Expected a media type", "Invalid media type", "Unknown pseudo")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.NOTES)


@contextlib.contextmanager
def _quiet_css():
    logger = logging.getLogger("weasyprint")
    note_filter = _PrintOnlyCSS()
    logger.addFilter(note_filter)
    try:
        yield
    finally:
        logger.removeFilter(note_filter)


def _offline_fetcher(weasyprint):
    """A URL fetcher that serves ``data:`` URLs and refuses everything else.

    A refused resource is left out of the page (WeasyPrint logs it and goes on), never
    fetched and never fatal: a report does not depend on anything outside itself.
    """
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint < 68
        def fetch(url, *args, **kw):
            if not url.startswith("data:"):
                raise ValueError(f"offline build: refusing to fetch {url}")
            return weasyprint.default_url_fetcher(url, *args, **kw)
        return fetch
    return URLFetcher(allowed_protocols=["data"], fail_on_errors=False)


PDF_VARIANT = "pdf/a-3a"
"""PDF/A-3 level A: archival, tagged (headings, tables with header cells, figures with
their alt text), and able to carry the report's evidence as associated files. The PDF
is also identified as PDF/UA-1 (:data:`PDFUA_XMP`), which the tagging serves."""

PDFUA_XMP = (
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
    b"<pdfuaid:part>1</pdfuaid:part></rdf:Description>"
    # PDF/A allows XMP properties outside its predefined schemas only when an extension
    # schema declares them (ISO 19005-3, 6.6.2.3): pdfuaid:part is declared here.
    b'<rdf:Description rdf:about="" '
    b'xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
    b'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" '
    b'xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    b"<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">"
    b"<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>"
    b"<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    b"<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType=\"Resource\">"
    b"<pdfaProperty:name>part</pdfaProperty:name>"
    b"<pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    b"<pdfaProperty:category>internal</pdfaProperty:category>"
    b"<pdfaProperty:description>The part of ISO 14289 the document conforms to"
    b"</pdfaProperty:description>"
    b"</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>"
    b"</rdf:Description>")
"""PDF/UA-1 identification and the PDF/A extension schema that declares it, added to the
one ``rdf:RDF`` of the XMP metadata."""


@dataclass(frozen=True)
class Evidence:
    """A file embedded in the PDF as an associated file (PDF/A-3).

    ``relationship`` is PDF/A-3's AFRelationship: ``Source`` for what the report was
    made from (data, notebook), ``Data`` for what it computed (results, parameters).
    """

    name: str
    data: bytes
    description: str
    relationship: str = "Data"


def link_targets(html: str) -> dict[str, str]:
    """What each link target of ``html`` is, by its id: a heading's text (for a cell whose
    id is the anchor, the first heading in it), a figure's or table's caption. A contents
    link to ``#section-1`` is then described as the section it leads to."""
    import re

    found = {}
    for m in re.finditer(r'\bid="([^"]+)"[^>]*>', html):
        near = html[m.end():m.end() + 4000]
        h = re.search(r"<(h[1-6]|figcaption|caption)\b[^>]*>(.*?)</\1>", near, re.S | re.I)
        if h is None:
            continue
        text = " ".join(re.sub(r"<[^>]+>", " ", h.group(2)).replace("¶", " ").split())
        if text:
            found.setdefault(m.group(1), text[:200])
    return found


def _describe_links(pdf, targets: dict[str, str]) -> None:
    """PDF/UA: a link annotation's /Contents says where it leads. WeasyPrint writes the
    anchor's name ("section-1"); this writes "Go to section: The claims", or the address
    of a link out of the document."""
    import pydyf

    for obj in pdf.objects:
        if not isinstance(obj, dict) or obj.get("Subtype") != "/Link":
            continue
        dest = obj.get("Dest")
        if isinstance(dest, pydyf.String):
            name = dest.string
            obj["Contents"] = pydyf.String(
                f"Go to: {targets[name]}" if name in targets else f"Go to {name}")
        elif isinstance(obj.get("A"), dict) and isinstance(obj["A"].get("URI"), pydyf.String):
            obj["Contents"] = pydyf.String(f"Link to {obj['A']['URI'].string}")


def _links_in_link_elements(pdf) -> None:
    """PDF/UA: every link annotation belongs to a Link structure element. For a link whose
    text is inside an element (``<a><code>x</code></a>``, ``<a><span>``), WeasyPrint makes
    an annotation for the inner box too and files it under that inner element (a Span);
    it is moved up to the Link around it, in the structure tree and in the parent tree."""
    import pydyf

    root = _catalog_object(pdf, "StructTreeRoot")
    if root is None or not root.get("ParentTree"):
        return
    nums = _object(pdf, root["ParentTree"]).get("Nums", ())
    annotations = {obj["StructParent"]: obj for obj in pdf.objects
                   if isinstance(obj, dict) and obj.get("Subtype") == "/Link"
                   and isinstance(obj.get("StructParent"), int)}
    for k in range(0, len(nums) - 1, 2):
        annotation = annotations.get(nums[k])
        if annotation is None or isinstance(nums[k + 1], pydyf.Array):
            continue
        element = _object(pdf, nums[k + 1])
        if not isinstance(element, dict) or element.get("S") == "/Link":
            continue
        link = _up_to(pdf, element, "/Link")
        if link is None:
            continue
        kids = element.get("K")
        kids = kids if isinstance(kids, list) else [kids]

        def objr(kid):  # an object reference, written inline or as an object of its own
            found = _object(pdf, kid) if isinstance(kid, (bytes, str)) else kid
            return found if isinstance(found, dict) and found.get("Type") == "/OBJR" else None

        mine = [kid for kid in kids if objr(kid) is not None
                and str(objr(kid).get("Obj")) == str(annotation.reference)]
        if not mine:
            continue
        element["K"] = pydyf.Array(kid for kid in kids if all(kid is not m for m in mine))
        if not isinstance(link.get("K"), list):
            link["K"] = pydyf.Array([] if link.get("K") is None else [link["K"]])
        link["K"].extend(mine)
        nums[k + 1] = link.reference


def _list_item_bodies(pdf) -> None:
    """PDF/UA: a list item (LI) holds its label (Lbl) and its body (LBody), nothing else.
    For an item whose content is blocks (a "loose" markdown list: ``<li><p>…</p></li>``),
    WeasyPrint puts the blocks in the LI itself; they are gathered into one LBody, in
    their order (an LBody already there is merged into it)."""
    import pydyf

    def resolve(kid):
        return _object(pdf, kid) if isinstance(kid, (bytes, str)) else kid

    def kind(found):
        return found.get("S") if isinstance(found, dict) and "S" in found else None

    root = _catalog_object(pdf, "StructTreeRoot")
    nums = _object(pdf, root["ParentTree"]).get("Nums", ()) \
        if root is not None and root.get("ParentTree") else ()
    for item in list(pdf.objects):
        if not isinstance(item, dict) or item.get("S") != "/LI":
            continue
        kids = item.get("K")
        kids = list(kids) if isinstance(kids, list) else ([] if kids is None else [kids])
        if all(kind(resolve(k)) in ("/Lbl", "/LBody") for k in kids) and \
                sum(kind(resolve(k)) == "/LBody" for k in kids) <= 1:
            continue
        labels, content = [], []
        for kid in kids:
            found = resolve(kid)
            if kind(found) == "/Lbl":
                labels.append(kid)
            elif kind(found) == "/LBody":
                inner = found.get("K")
                content.extend(inner if isinstance(inner, list) else
                               ([] if inner is None else [inner]))
            else:
                content.append(kid)
        body = pydyf.Dictionary({"Type": "/StructElem", "S": "/LBody", "P": item.reference,
                                 "K": pydyf.Array(content)})
        if item.get("Pg"):
            body["Pg"] = item["Pg"]
        pdf.add_object(body)
        for kid in content:
            found = resolve(kid)
            if isinstance(found, dict) and found.get("Type") == "/StructElem":
                found["P"] = body.reference
        # Marked content directly in the item, or in a merged LBody, now belongs to the body.
        for value in nums:
            if isinstance(value, pydyf.Array):
                for i, ref in enumerate(value):
                    if str(ref) == str(item.reference) or any(
                            str(ref) == str(k) for k in kids if kind(resolve(k)) == "/LBody"):
                        value[i] = body.reference
        item["K"] = pydyf.Array(labels + [body.reference])


def _catalog_object(pdf, key: str):
    """The object the catalog's ``key`` refers to ("12 0 R", as text or bytes), or None."""
    ref = pdf.catalog.get(key)
    return _object(pdf, ref) if ref else None


def _id_tree(pdf) -> None:
    """PDF/UA: table cells name their header cells by ID (/Headers); the structure tree's
    /IDTree is what resolves an ID to its element (ISO 32000-1, 14.7.2). WeasyPrint writes
    the IDs but not the tree."""
    import pydyf

    root = _catalog_object(pdf, "StructTreeRoot")
    if root is None:
        return
    named = {}
    for obj in pdf.objects:
        if isinstance(obj, dict) and "S" in obj and isinstance(obj.get("ID"), pydyf.String):
            named.setdefault(obj["ID"].string, obj.reference)
    if not named:
        return
    tree = pydyf.Dictionary({"Names": pydyf.Array(
        [x for key in sorted(named, key=lambda k: k.encode("utf-8"))
         for x in (pydyf.String(key), named[key])])})
    pdf.add_object(tree)
    root["IDTree"] = tree.reference


@contextlib.contextmanager
def _languages():
    """PDF/UA: text in another language than the document's carries its own /Lang
    (ISO 14289-1, 7.2). WeasyPrint takes the document's language from ``<html lang>`` but
    writes none on structure elements; its tagger builds one element per box in
    ``weasyprint.pdf.tags._build_box_tree``, which calls itself through the module, so a
    wrapper sees every box and the element(s) it made. An element whose HTML element
    has a ``lang`` gets it as /Lang. Without that function (another WeasyPrint) nothing
    is added: the conformance tests then fail on the Russian titles."""
    try:
        from weasyprint.pdf import tags
    except ImportError:  # pragma: no cover - WeasyPrint without tagging
        yield
        return
    original = getattr(tags, "_build_box_tree", None)
    if original is None:  # pragma: no cover
        yield
        return
    import pydyf

    def build(box, *args, **kw):
        element = getattr(box, "element", None)
        lang = None
        if element is not None and getattr(box, "element_tag", None) not in ("html", "body"):
            lang = element.get("lang")
        for made in original(box, *args, **kw):
            if lang and "Lang" not in made:
                made["Lang"] = pydyf.String(lang)
            yield made

    tags._build_box_tree = build
    try:
        yield
    finally:
        tags._build_box_tree = original


@contextlib.contextmanager
def _unambiguous_streams():
    """No stream whose end reads as a carriage return and line feed.

    pydyf writes ``data`` LF ``endstream``. When a stream's data ends with CR (deflated
    data does once in 256 streams: its last four bytes are a checksum of the content),
    the bytes before ``endstream`` read CR LF, itself an end-of-line marker: PDF/A's
    rule that /Length counts the bytes up to the EOL before ``endstream`` (ISO 19005-3,
    6.1.7.1) is then ambiguous, and validators that take CR LF as the marker
    (page-validation does) fail the file. Such a stream ends with CR LF after its data
    instead: read either way, the data is /Length bytes long. Patched on pydyf's class for
    the call, since WeasyPrint and pydyf make and write every stream (content, fonts,
    images, attachments, object and cross-reference streams)."""
    import pydyf

    original = pydyf.Stream.data
    tail = b"\nendstream"

    def data(self):
        out = original.fget(self)
        if out.endswith(b"\r" + tail):
            return out[: -len(tail)] + b"\r" + tail
        return out

    pydyf.Stream.data = property(data)
    try:
        yield
    finally:
        pydyf.Stream.data = original


def _object(pdf, ref):
    """The pydyf object a reference (``b"12 0 R"``) names."""
    text = ref.decode() if isinstance(ref, bytes) else str(ref)
    return pdf.objects[int(text.split()[0])]


def _marked(pdf, element, out: dict) -> None:
    """Every marked-content id under ``element``, by page object number."""
    page = element.get("Pg")
    for kid in element.get("K", ()):
        if isinstance(kid, int):
            out.setdefault(page, set()).add(kid)
        else:
            child = _object(pdf, kid)
            if isinstance(child, dict) and child.get("Type") == "/StructElem":
                _marked(pdf, child, out)


def _as_artifacts(pdf, marked: dict) -> None:
    """Turn marked content into artifacts in the page's content stream: ``/TH <</MCID
    n>> BDC`` becomes ``/Artifact BMC`` (ISO 32000-1, 14.8.2.2)."""
    import pydyf

    for page_ref, mcids in marked.items():
        page = _object(pdf, page_ref)
        contents = page.get("Contents")
        streams = contents if isinstance(contents, list) else [contents]
        for ref in streams:
            stream = _object(pdf, ref).stream
            for i, item in enumerate(stream):
                if (isinstance(item, pydyf.Dictionary) and item.get("MCID") in mcids
                        and i + 1 < len(stream) and stream[i + 1] == b"BDC"):
                    stream[i - 1], stream[i], stream[i + 1] = "/Artifact", b"", b"BMC"
        # The parent tree no longer maps those ids to an element.
        root = _catalog_object(pdf, "StructTreeRoot")
        nums = _object(pdf, root["ParentTree"])["Nums"]
        index = pdf.page_references.index(page_ref)
        parents = nums[nums.index(index) + 1] if index in nums[::2] else None
        if parents is not None:
            for mcid in mcids:
                if mcid < len(parents):
                    parents[mcid] = "null"


def _join_split_tables(document, pdf) -> None:
    """PDF/UA: a table that breaks across pages is one table. WeasyPrint tags each page's
    part as a Table of its own, the header row it repeats on the next page included.
    Here the later parts' bodies move into the first Table; their repeated header rows
    become artifacts, and their cells name the first part's header cells instead.

    The parts of one table are found through its cells: WeasyPrint keeps each cell's
    structure element on the cell's box (``box.mark``), and every part's boxes point at
    the same HTML element."""
    from weasyprint.formatting_structure import boxes

    parts: dict[int, list] = {}
    for page in document.pages:
        todo = [page._page_box]
        while todo:
            box = todo.pop()
            if isinstance(box, boxes.TableBox):
                cell = _first_cell(box)
                if cell is not None:
                    table = _up_to(pdf, cell.mark, "/Table")
                    found = parts.setdefault(id(box.element), [])
                    if table is not None and all(t is not table for t in found):
                        found.append(table)
                continue
            todo.extend(reversed(getattr(box, "children", [])))
    for tables in parts.values():
        first = tables[0]
        for later in tables[1:]:
            _join(pdf, first, later)


def _first_cell(box):
    todo = [box]
    while todo:
        b = todo.pop(0)
        if getattr(b, "mark", None) is not None:
            return b
        todo.extend(getattr(b, "children", []))
    return None


def _up_to(pdf, element, kind: str):
    while element is not None and element.get("S") != kind:
        parent = element.get("P")
        element = _object(pdf, parent) if parent else None
        if not isinstance(element, dict) or element.get("Type") != "/StructElem":
            return None
    return element


def _join(pdf, first, later) -> None:
    import pydyf

    ids: dict[str, str] = {}
    prefix_first, prefix_later = f"{first.number}-", f"{later.number}-"
    kept = pydyf.Array()
    for ref in later["K"]:
        kid = _object(pdf, ref)
        if isinstance(kid, dict) and kid.get("S") == "/THead":
            marked: dict = {}
            _marked(pdf, kid, marked)
            _as_artifacts(pdf, marked)
            for e in _elements(pdf, kid):
                if isinstance(e.get("ID"), pydyf.String):
                    old = e["ID"].string
                    ids[old] = prefix_first + old[len(prefix_later):]
                    del e["ID"]
            continue
        kid["P"] = first.reference
        kept.append(ref)
    first["K"].extend(kept)
    columns = None
    for e in (x for ref in kept for x in _elements(pdf, _object(pdf, ref))):
        headers = e.get("A", {}).get("Headers") if isinstance(e.get("A"), dict) else None
        if headers:
            e["A"]["Headers"] = pydyf.Array(
                pydyf.String(ids.get(h.string, h.string)) for h in headers)
        elif e.get("S") == "/TD":
            # A table whose header row is not a THead (``<th>`` cells in its first row) has
            # no header on later pages: their cells name none. They name their column's
            # header cell in the first part instead.
            if columns is None:
                columns = _column_headers(pdf, first)
            column = _column_of(pdf, e)
            if column is not None and column < len(columns) and columns[column]:
                if not isinstance(e.get("A"), dict):
                    e["A"] = pydyf.Dictionary({"O": "/Table"})
                e["A"]["Headers"] = pydyf.Array([pydyf.String(columns[column])])
    parent = _object(pdf, later["P"])
    parent["K"] = pydyf.Array(r for r in parent["K"] if str(r) != str(later.reference))


def _column_headers(pdf, table) -> list:
    """The IDs of the header cells of ``table``'s first row that has any, by column (None
    for a data cell there, or a header cell without an ID)."""
    import pydyf

    for e in _elements(pdf, table):
        if e.get("S") != "/TR":
            continue
        cells = [_object(pdf, k) for k in e.get("K", ()) if not isinstance(k, int)]
        if any(isinstance(c, dict) and c.get("S") == "/TH" for c in cells):
            return [c["ID"].string if isinstance(c, dict) and c.get("S") == "/TH"
                    and isinstance(c.get("ID"), pydyf.String) else None for c in cells]
    return []


def _column_of(pdf, cell) -> int | None:
    """The place of ``cell`` among the cells of its row."""
    row = _object(pdf, cell["P"]) if cell.get("P") else None
    if not isinstance(row, dict) or row.get("S") != "/TR":
        return None
    cells = [str(k) for k in row.get("K", ()) if not isinstance(k, int)]
    return cells.index(str(cell.reference)) if str(cell.reference) in cells else None


def _elements(pdf, element):
    yield element
    for kid in element.get("K", ()):
        if not isinstance(kid, int):
            child = _object(pdf, kid)
            if isinstance(child, dict) and child.get("Type") == "/StructElem":
                yield from _elements(pdf, child)


def _accessible(document, pdf, targets: dict[str, str] | None = None) -> None:
    """PDF/UA: viewers show the document's title, not its file name; and the metadata
    says the PDF is PDF/UA-1 (WeasyPrint writes one variant's identification only), in an
    unfiltered stream with the extension schema PDF/A asks for."""
    import pydyf

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    _describe_links(pdf, targets or {})
    _links_in_link_elements(pdf)
    _list_item_bodies(pdf)
    _join_split_tables(document, pdf)
    _id_tree(pdf)
    stream = _catalog_object(pdf, "Metadata")
    if stream is not None:
        data = b"".join(x if isinstance(x, bytes) else str(x).encode() for x in stream.stream)
        stream.stream = [data.replace(b"</rdf:RDF>", PDFUA_XMP + b"</rdf:RDF>", 1)]
        # PDF/A: the catalog's metadata stream is not filtered, so that any tool can
        # read it without decoding (ISO 19005-3, 6.6.2.1).
        stream.compress = False
        stream.extra.pop("Filter", None)
    # PDF/A-3: the catalog's associated files list each file once (WeasyPrint adds each
    # twice: from the names tree and from the file specifications).
    af = pdf.catalog.get("AF")
    if af:
        seen: list = []
        for ref in af:
            if str(ref) not in map(str, seen):
                seen.append(ref)
        pdf.catalog["AF"] = pydyf.Array(seen)
    # PDF/A: no image asks the viewer to smooth it (ISO 19005-3, 6.2.8); WeasyPrint asks
    # for smoothing unless the CSS says image-rendering: pixelated.
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        if isinstance(extra, dict) and str(extra.get("Subtype")) == "/Image" \
                and "Interpolate" in extra:
            extra["Interpolate"] = "false"


def _register_types() -> None:
    """Media types WeasyPrint does not know, for the associated files' /Subtype: a
    notebook is ``application/x-ipynb+json`` (Jupyter's own), not an octet stream."""
    from weasyprint.pdf.anchors import MIMETYPES

    MIMETYPES.add_type("application/x-ipynb+json", ".ipynb")


@contextlib.contextmanager
def _font_time(when: datetime):
    """Subset fonts dated ``when``, not now. Without HarfBuzz-Subset, WeasyPrint subsets
    with fontTools, which writes the current time into each font's ``head`` table unless
    ``SOURCE_DATE_EPOCH`` is set (reproducible-builds.org); a value the caller set wins.
    The variable is set for this process while the PDF is written (the engine renders
    in worker processes, one document at a time)."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(int(when.timestamp()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def _render_and_write(weasyprint, html, evidence, when, variant, laid_out
                      ) -> tuple[bytes, int]:
    """The work of :func:`html_to_pdf`, its errors left to it."""
    # No base URL: a relative reference has nothing to resolve against.
    with _quiet_css():
        doc = weasyprint.HTML(string=html, url_fetcher=_offline_fetcher(weasyprint)).render()
    if laid_out is not None:
        laid_out(len(doc.pages))
    options = {}
    if variant:
        targets = link_targets(html)
        options = {"pdf_variant": variant,
                   "finisher": lambda document, pdf: _accessible(document, pdf, targets)}
    _register_types()
    attachments = [weasyprint.Attachment(string=e.data, name=e.name,
                                         description=e.description,
                                         relationship=e.relationship,
                                         created=when, modified=when)
                   for e in evidence]
    with _font_time(when), _languages(), _unambiguous_streams():
        return doc.write_pdf(attachments=attachments, **options), len(doc.pages)


@contextlib.contextmanager
def _no_collection():
    """Python's cyclic garbage collector paused while WeasyPrint lays out and writes.

    A layout makes hundreds of thousands of objects that live until it ends (boxes, text
    layouts), and the collector's full passes went through all of them again and again:
    0.23 s of the 1.7 s of the Titanic chapter's first half, 0.6 s of the 4.6 s of the
    California housing chapter (tests/corpus), for 12 to 15 MiB more at the peak
    (``gc.freeze`` or higher thresholds saved half of it). Garbage with cycles made meanwhile
    is collected once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def html_to_pdf(html: str, evidence: tuple[Evidence, ...] = (),
                when: datetime | None = None, variant: str | None = PDF_VARIANT,
                laid_out=None) -> tuple[bytes, int]:
    """Lay out ``html`` with WeasyPrint; return the PDF bytes and the page count.

    ``evidence`` is embedded as associated files dated ``when`` (a fixed date, so that
    equal inputs give equal bytes; the epoch when None). ``variant`` None writes a plain,
    untagged PDF. ``laid_out``, if given, is called with the page count once the pages
    are laid out, before they are drawn.

    Raises PDFError when WeasyPrint fails, whatever it raises (its fatal fetching error
    derives from BaseException).
    """
    weasyprint = weasyprint_module()
    try:
        from weasyprint.urls import FatalURLFetchingError
    except ImportError:  # pragma: no cover - older WeasyPrint
        FatalURLFetchingError = Exception  # noqa: N806
    when = when or datetime(1970, 1, 1, tzinfo=timezone.utc)
    try:
        with _no_collection():
            return _render_and_write(weasyprint, html, evidence, when, variant, laid_out)
    except RecursionError:
        raise PDFError("RecursionError: the page's markup is nested too deeply to be laid "
                       "out") from None
    except (Exception, FatalURLFetchingError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise PDFError(f"{type(exc).__name__}: {why}" if why else type(exc).__name__) from None
