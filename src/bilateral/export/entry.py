"""The ``nbconvert.exporters`` entry points, ``bilateral_pdf`` and ``bilateral_html``
(``pyproject.toml``): the two exporters, and their names in ``nbconvert.exporters``.

Importing this module writes into nbconvert's; it is the only module of
:mod:`bilateral.export` that does, so that importing the exporters themselves
(:mod:`bilateral.export.html`, :mod:`bilateral.export.pdf`) registers nothing.
"""

from __future__ import annotations

from bilateral.export.html import ReportHTMLExporter
from bilateral.export.pdf import WeasyPDFExporter

__all__ = ["ReportHTMLExporter", "WeasyPDFExporter"]


def _list_in_nbconvert_help() -> None:
    """Name the exporters in ``nbconvert.exporters``, where ``jupyter nbconvert --help-all``
    looks for configurable classes (it loads this module through the entry point while
    listing the export formats), so that their options are listed with nbconvert's."""
    import nbconvert.exporters

    for cls in (ReportHTMLExporter, WeasyPDFExporter):
        if not hasattr(nbconvert.exporters, cls.__name__):
            setattr(nbconvert.exporters, cls.__name__, cls)


# Why here, on import: nbconvert's NbConvertApp builds its configurable classes (what
# --help-all lists) from the attributes of the nbconvert.exporters module, and it loads
# this module through the nbconvert.exporters entry point while listing the formats.
# Only this module does it: importing bilateral.export.html or .pdf registers nothing.
_list_in_nbconvert_help()
