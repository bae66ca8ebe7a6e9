"""bilateral: checks the trade and tourism figures of CGTN's 16 May 2024 article.

The package is imported by the notebooks (``figures``, ``metrics``, ``claims``,
``charts``, ``present``) and by the command line (``build``, ``cli``). Importing it
has no side effects, except inside IPython (a notebook's kernel), where it registers
compact HTML displays for its objects (:mod:`bilateral.display`).
"""

import sys as _sys

__version__ = "0.1.0"

if "IPython" in _sys.modules:  # never true on the command line: it does not import IPython
    from .display import register as _register

    _register()
