"""bilateral: parameterized notebooks built into HTML and PDF reports.

Three products, one package (see ARCHITECTURE.md):

* :mod:`bilateral.report`: the report on the trade and tourism figures of CGTN's article
  of 16 May 2024 (data, analysis, claims, words, and its Jupyter helpers);
* :mod:`bilateral.engine`: builds any papermill notebook into reports (``bilateral build``);
* :mod:`bilateral.export`: nbconvert exporters for any notebook (``bilateral_html``,
  ``bilateral_pdf``), with :mod:`bilateral.review` (results, verify, diff, index).

Importing it has no side effects. The report's modules were once top-level
(``from bilateral import figures``); that spelling still works, through
:data:`bilateral.report.MODULES`.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    from bilateral.report import MODULES

    if name in MODULES:
        import importlib

        return importlib.import_module(MODULES[name])
    raise AttributeError(f"module 'bilateral' has no attribute {name!r}")
