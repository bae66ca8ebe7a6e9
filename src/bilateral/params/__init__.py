"""Notebook parameters: read them from the ``parameters`` cell, convert and validate values.

=============  ============================================================================
``yaml_text``  the YAML loader that keeps scalars as text, with its safety bounds (no
               aliases, no deep nesting)
``values``     the types, :class:`Parameter` and its :class:`Bound`; a default checked, a
               value from outside converted (one rule for all text) and its range checked
``cell``       a notebook read; its ``parameters`` cell (papermill's ``name: type = value
               # help [range]``) read into the parameters it declares
``sources``    parameter files (``-f``), ``-y`` YAML text and ``-b`` base64, read into
               mappings of names to text; how ``-y`` and ``-b`` values are named
``overrides``  :func:`resolve`: every source applied in order, the values per notebook
=============  ============================================================================

Each module imports only :mod:`bilateral.core` and the modules above it in this table.
"""

from bilateral.params.cell import declared, notebook_parameters, parameters_cell, read_notebook
from bilateral.params.overrides import resolve
from bilateral.params.sources import load_base64_option, load_file, load_yaml_option, option_name
from bilateral.params.values import Bound, Parameter, check, check_range, convert, convert_raw

__all__ = [
    "Bound",
    "Parameter",
    "check",
    "check_range",
    "convert",
    "convert_raw",
    "declared",
    "load_base64_option",
    "load_file",
    "load_yaml_option",
    "notebook_parameters",
    "option_name",
    "parameters_cell",
    "read_notebook",
    "resolve",
]
