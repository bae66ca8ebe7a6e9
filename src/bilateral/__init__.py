"""bilateral: checks the trade and tourism figures of CGTN's 16 May 2024 article.

The package is imported by the notebooks (``figures``, ``metrics``, ``claims``,
``charts``, ``present``) and by the command line (``build``, ``cli``). Importing it
has no side effects.
"""

__version__ = "0.1.0"
