"""The nbconvert preprocessors both exporters run on a notebook before its template.

* :class:`ForeignNotebook` (with ``sanitize``): a notebook that is not the project's own
  loses what only a browser would run, and keeps only plain tags, sizes and metadata;
* :class:`HidingTags`: the remove-* and hide-* tags, and JupyterLab's collapsed cells;
* :class:`SectionAnchors`: an anchor for each ``##`` heading, and the contents list.

Before any of them, :func:`well_formed` sets aside metadata that nbconvert or the template
reads but that is not of the shape they read (a ``language_info`` that is a list, a raw
cell's ``raw_mimetype`` that is a number): the notebook is rendered without it.
"""

from __future__ import annotations

import copy
import re

from nbconvert.preprocessors import Preprocessor

REMOVE = {"remove-cell": "cell", "remove_cell": "cell",
          "remove-input": "input", "remove_input": "input",
          "remove-output": "output", "remove_output": "output"}
"""Tags that take a cell, its source or its outputs off the page (nbconvert's
TagRemovePreprocessor examples and Jupyter Book spell them both ways)."""

HIDE = {"hide-input": ("input",), "hide_input": ("input",),
        "hide-output": ("output",), "hide_output": ("output",),
        "hide-cell": ("input", "output"), "hide_cell": ("input", "output")}
"""Tags that fold a code cell's source or outputs away: behind a "Show" toggle in the
HTML (as Jupyter Book does), off the page in the PDF."""


class HidingTags(Preprocessor):
    """Apply the remove-* and hide-* tags, and JupyterLab's collapsed source and outputs
    (``metadata.jupyter.source_hidden``, ``outputs_hidden``; papermill's report mode sets
    the first on every cell)."""

    def preprocess(self, nb, resources):
        kept = []
        for cell in nb.cells:
            cell.metadata.pop("bilateral_hide", None)  # ours to set, never the notebook's
            tags = cell.metadata.get("tags", [])
            tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
            removed = {REMOVE[t] for t in tags if t in REMOVE}
            if "cell" in removed:
                continue
            if "input" in removed:
                cell.metadata["transient"] = {"remove_source": True}
            if "output" in removed and cell.cell_type == "code":
                cell.outputs = []
            if cell.cell_type == "code":
                hidden = {part for t in tags for part in HIDE.get(t, ())}
                jupyter = cell.metadata.get("jupyter")
                if isinstance(jupyter, dict):
                    if jupyter.get("source_hidden") is True:
                        hidden.add("input")
                    if jupyter.get("outputs_hidden") is True:
                        hidden.add("output")
                if hidden:
                    cell.metadata["bilateral_hide"] = sorted(hidden)
            kept.append(cell)
        nb.cells = kept
        return nb, resources


class SectionAnchors(Preprocessor):
    """Give each ``##`` heading of a markdown cell an anchor and list them for the contents
    (which a report shows after its title block)."""

    def preprocess(self, nb, resources):
        toc = []
        title_block = False
        for cell in nb.cells:
            # The anchor is ours to set: one the notebook brings is not written into the page.
            cell.metadata.pop("bilateral_anchor", None)
            tags = cell.metadata.get("tags", [])
            if cell.cell_type == "code" and isinstance(tags, list) and "title-block" in tags:
                title_block = True
            if cell.cell_type != "markdown":
                continue
            m = re.match(r"^##\s+(.+)$", cell.source.strip().splitlines()[0] if cell.source
                         else "")
            if m:
                anchor = f"section-{len(toc) + 1}"
                cell.metadata["bilateral_anchor"] = anchor
                toc.append((anchor, m.group(1).strip()))
        info = resources.setdefault("bilateral", {})
        info["sections"] = toc
        info["toc"] = toc if info.get("toc_wanted") and title_block else []
        return nb, resources


_SAFE_TAG = re.compile(r"[A-Za-z0-9_.:-]{1,100}\Z")
_DROPPED_OUTPUTS = ("application/javascript", "text/javascript",
                    "application/vnd.jupyter.widget-view+json")


class ForeignNotebook(Preprocessor):
    """For a notebook that is not the project's own: outputs that only a browser would run
    are removed, output metadata the templates write into attributes is kept only when it
    is a plain size, and tags and metadata that reach the page are plain text."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        meta = nb.metadata.get("bilateral")
        if meta is not None and not isinstance(meta, dict):
            nb.metadata.pop("bilateral")
        elif meta:
            if not isinstance(meta.get("subtitle", ""), str):
                meta.pop("subtitle")
            keywords = meta.get("keywords", [])
            if not (isinstance(keywords, list) and all(isinstance(k, str) for k in keywords)):
                meta.pop("keywords")
        if not isinstance(nb.metadata.get("title", ""), str):
            nb.metadata.pop("title")
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags")
            if tags is not None:
                cell.metadata["tags"] = [t for t in tags if isinstance(t, str)
                                         and _SAFE_TAG.match(t)] if isinstance(tags, list) else []
            for output in cell.get("outputs", []):
                data = output.get("data")
                if isinstance(data, dict):
                    for key in _DROPPED_OUTPUTS:
                        data.pop(key, None)
                metadata = output.get("metadata")
                if isinstance(metadata, dict):
                    output["metadata"] = _plain_sizes(metadata)
        return nb, resources


def _plain_sizes(metadata: dict) -> dict:
    """Only ``width`` and ``height`` that are numbers, per mimetype or for the output."""
    def sizes(d):
        return {k: v for k, v in d.items() if k in ("width", "height")
                and isinstance(v, (int, float)) and not isinstance(v, bool)}

    out = sizes(metadata)
    for key, value in metadata.items():
        if "/" in key and isinstance(value, dict) and sizes(value):
            out[key] = sizes(value)
    return out


def _misshapen(nb) -> list[tuple[tuple, str]]:
    """Metadata nbconvert or the template reads, that is not of the shape they read: each
    as (path, what it should be). The notebook format leaves these free (or nbconvert
    reads them before it validates the notebook)."""
    found: list[tuple[tuple, str]] = []
    meta = nb.get("metadata")
    if not isinstance(meta, dict):
        return found
    if "language_info" in meta and not isinstance(meta["language_info"], dict):
        found.append((("language_info",), "a mapping"))
    bilateral = meta.get("bilateral")
    if "bilateral" in meta and not isinstance(bilateral, dict):
        found.append((("bilateral",), "a mapping"))
    elif isinstance(bilateral, dict):
        for key in ("subtitle", "mode"):
            if key in bilateral and not isinstance(bilateral[key], str):
                found.append((("bilateral", key), "text"))
        keywords = bilateral.get("keywords", [])
        if not (isinstance(keywords, list) and all(isinstance(k, str) for k in keywords)):
            found.append((("bilateral", "keywords"), "a list of text"))
    for i, cell in enumerate(nb.get("cells") or []):
        cell_meta = cell.get("metadata") if isinstance(cell, dict) else None
        if isinstance(cell_meta, dict) and "raw_mimetype" in cell_meta \
                and not isinstance(cell_meta["raw_mimetype"], str):
            found.append(((i, "raw_mimetype"), "text"))
    return found


def well_formed(nb) -> tuple[object, list[str]]:
    """``nb`` without the metadata of the wrong shape that would stop its conversion (see
    :func:`_misshapen`), and what was set aside, as ``metadata.x`` or ``cell N:
    metadata.x``. ``nb`` itself is never changed: a copy is made when something must go."""
    found = _misshapen(nb)
    if not found:
        return nb, []
    nb = copy.deepcopy(nb)
    dropped = []
    for path, _ in found:
        if isinstance(path[0], int):
            del nb.cells[path[0]].metadata[path[1]]
            dropped.append(f"cell {path[0] + 1}: metadata.{path[1]}")
            continue
        holder = nb.metadata
        for key in path[:-1]:
            holder = holder[key]
        del holder[path[-1]]
        dropped.append("metadata." + ".".join(path))
    return nb, dropped
