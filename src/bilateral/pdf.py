"""HTML to PDF with WeasyPrint, offline: the PDF engine alone, without nbconvert.

Kept apart from ``render`` so that checking the engine is present (``build.plan``)
costs the import of WeasyPrint only.
"""

from __future__ import annotations

from .errors import PrerequisiteError


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


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """Lay out ``html`` with WeasyPrint; return the PDF bytes and the page count.

    Raises PDFError when WeasyPrint fails, whatever it raises (its fatal fetching error
    derives from BaseException).
    """
    weasyprint = weasyprint_module()
    try:
        from weasyprint.urls import FatalURLFetchingError
    except ImportError:  # pragma: no cover - older WeasyPrint
        FatalURLFetchingError = Exception  # noqa: N806
    try:
        # No base URL: a relative reference has nothing to resolve against.
        doc = weasyprint.HTML(string=html, url_fetcher=_offline_fetcher(weasyprint)).render()
        return doc.write_pdf(), len(doc.pages)
    except (Exception, FatalURLFetchingError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise PDFError(f"{type(exc).__name__}: {why}" if why else type(exc).__name__) from None
