"""HTML to PDF with WeasyPrint, offline: the PDF engine alone, without nbconvert.

Kept apart from the exporters (:mod:`bilateral.export.pdf`) so that checking the engine is
present (``build.plan``) costs the import of WeasyPrint only.
"""

from __future__ import annotations

import contextlib
import logging
import os
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
    return weasyprint


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


def _catalog_object(pdf, key: str):
    """The object the catalog's ``key`` refers to ("12 0 R", as text or bytes), or None."""
    ref = pdf.catalog.get(key)
    if not ref:
        return None
    text = ref.decode() if isinstance(ref, bytes) else str(ref)
    return pdf.objects[int(text.split()[0])]


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


def _accessible(document, pdf, targets: dict[str, str] | None = None) -> None:
    """PDF/UA: viewers show the document's title, not its file name; and the metadata
    says the PDF is PDF/UA-1 (WeasyPrint writes one variant's identification only), in an
    unfiltered stream with the extension schema PDF/A asks for."""
    import pydyf

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    _describe_links(pdf, targets or {})
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


def html_to_pdf(html: str, evidence: tuple[Evidence, ...] = (),
                when: datetime | None = None, variant: str | None = PDF_VARIANT
                ) -> tuple[bytes, int]:
    """Lay out ``html`` with WeasyPrint; return the PDF bytes and the page count.

    ``evidence`` is embedded as associated files dated ``when`` (a fixed date, so that
    equal inputs give equal bytes; the epoch when None). ``variant`` None writes a plain,
    untagged PDF.

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
        # No base URL: a relative reference has nothing to resolve against.
        with _quiet_css():
            doc = weasyprint.HTML(string=html, url_fetcher=_offline_fetcher(weasyprint)).render()
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
        with _font_time(when):
            return doc.write_pdf(attachments=attachments, **options), len(doc.pages)
    except (Exception, FatalURLFetchingError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise PDFError(f"{type(exc).__name__}: {why}" if why else type(exc).__name__) from None
