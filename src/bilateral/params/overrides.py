"""The values per notebook: every parameter source applied in papermill's order, each
value validated against the parameters the notebook declares.
"""

from __future__ import annotations

from typing import Any

from bilateral.core.errors import ParameterError
from bilateral.params.values import Parameter, convert, convert_raw


def resolve(notebooks: dict[str, dict[str, Parameter]], cli: list[tuple[str, str]],
            mappings: list[tuple[str, dict[str, Any]]], raw: list[tuple[str, str]] = (),
            without: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Validated overrides per notebook: mappings (in order), then ``-p``, then ``-r``.

    Later sources win, in papermill's order: a scenario's file, ``-b``, ``-f`` and ``-y``
    (the caller gives them in that order as ``mappings``), then ``-p``, then ``-r``. A name
    no selected notebook declares is refused; a name some notebooks declare applies to
    those. Every value is converted with :func:`bilateral.params.values.convert` (``-r``
    values with :func:`bilateral.params.values.convert_raw`).

    Parameters
    ----------
    notebooks : dict
        Notebook name → its declared parameters.
    cli : list of (name, text)
        The ``-p NAME VALUE`` pairs, as typed.
    mappings : list of (source, mapping)
        Parameter files, ``-b`` and ``-y`` values, already read with
        :func:`bilateral.params.sources.load_file` or
        :func:`bilateral.params.sources.load_text` (values as text).
    raw : list of (name, text)
        The ``-r NAME VALUE`` pairs: text, never converted.
    without : dict, optional
        Notebook name → why it takes no parameters (no parameters cell): named when a
        parameter is unknown.
    """
    out: dict[str, dict[str, Any]] = {nb: {} for nb in notebooks}
    known = sorted({n for ps in notebooks.values() for n in ps})

    def unknown(name: str, where: str) -> ParameterError:
        why = f"unknown parameter{where}"
        if known:
            why += f" (known: {', '.join(known)})"
        for nb, reason in (without or {}).items():
            why += f"{'; ' if known else ': '}{nb} takes no parameters: it {reason}"
            break
        if not known and not without:
            why += ": the notebooks take no parameters"
        return ParameterError(name, why)

    for source, mapping in mappings:
        for name, value in mapping.items():
            if name not in known:
                raise unknown(name, f" in {source}")
            for nb, ps in notebooks.items():
                if name in ps:
                    out[nb][name] = convert(ps[name], value, nb)
    for pairs, conv in ((cli, convert), (raw, convert_raw)):
        for name, text in pairs:
            if name not in known:
                raise unknown(name, "")
            for nb, ps in notebooks.items():
                if name in ps:
                    out[nb][name] = conv(ps[name], text, nb)
    return out
