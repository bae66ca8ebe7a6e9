"""nbconvert exporters for any notebook: ``bilateral_html`` and ``bilateral_pdf``.

One template and one stylesheet for both formats; the PDF is the HTML laid out by
WeasyPrint (no LaTeX, no browser). Knows no report: it imports only :mod:`bilateral.core`.
"""
