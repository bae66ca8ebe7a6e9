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


def _offline_fetcher(weasyprint):
    """A URL fetcher that serves ``data:`` URLs and refuses everything else."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint < 68
        def fetch(url, *args, **kw):
            if not url.startswith("data:"):
                raise ValueError(f"offline build: refusing to fetch {url}")
            return weasyprint.default_url_fetcher(url, *args, **kw)
        return fetch
    return URLFetcher(allowed_protocols=["data"], fail_on_errors=True)


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """Lay out ``html`` with WeasyPrint; return the PDF bytes and the page count."""
    weasyprint = weasyprint_module()
    doc = weasyprint.HTML(string=html, url_fetcher=_offline_fetcher(weasyprint),
                          base_url=".").render()
    return doc.write_pdf(), len(doc.pages)
