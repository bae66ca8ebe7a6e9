"""The evidence a report's PDF carries, as PDF/A-3 associated files, and reading it back.

A report embeds: ``results.json`` (its results record), ``parameters.json`` (every
parameter's value), ``notebook.ipynb`` (the *executed* notebook, exactly as it was
rendered into the PDF's pages), ``rendering.json`` (the exporter's settings), and each
data file it read, named ``data__<path>`` (``data__figures.csv``,
``data__context__tourism.csv``: a flat name that ``pdfdetach -saveall`` can write).
``bilateral verify`` recomputes the record from the data and parameters, and renders the
notebook again with the same settings and the same embedded files: the pages must come
out the same (:mod:`bilateral.review.pages`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bilateral.core.errors import InputError
from bilateral.export.weasy import Evidence

RESULTS, PARAMETERS, NOTEBOOK, RENDERING, DATA_PREFIX = (
    "results.json", "parameters.json", "notebook.ipynb", "rendering.json", "data__")


def data_name(rel: str) -> str:
    """``context/tourism.csv`` → ``data__context__tourism.csv``."""
    return DATA_PREFIX + rel.replace("/", "__")


def data_path(name: str) -> str:
    """The inverse of :func:`data_name`."""
    return name[len(DATA_PREFIX):].replace("__", "/")


def parameters_json(parameters: dict[str, Any]) -> bytes:
    """``parameters.json``: every parameter but ``data_dir`` (a path of the machine)."""
    return (json.dumps({k: v for k, v in sorted(parameters.items()) if k != "data_dir"},
                       ensure_ascii=False, indent=1) + "\n").encode()


def rendering_json(name: str, settings: dict[str, Any]) -> bytes:
    """``rendering.json``: the document's name and the exporter's settings, what the
    notebook alone does not say about how its pages were made."""
    return (json.dumps({"name": name, "settings": dict(sorted(settings.items()))},
                       ensure_ascii=False, indent=1) + "\n").encode()


def evidence(results: bytes, parameters: bytes, notebook: bytes, rendering: bytes,
             data: dict[str, bytes]) -> tuple[Evidence, ...]:
    """The files a report's PDF embeds, in the order it embeds them; ``data`` maps each
    data file's path (relative to the data folder) to its bytes."""
    out = [Evidence(RESULTS, results, "Every figure, computed value and verdict of this "
                    "report, with its parameters, data fingerprint and versions", "Data"),
           Evidence(PARAMETERS, parameters, "The parameters this report was built with",
                    "Data"),
           Evidence(NOTEBOOK, notebook, "The executed notebook these pages were rendered "
                    "from", "Source"),
           Evidence(RENDERING, rendering, "The settings these pages were rendered with",
                    "Data")]
    out += [Evidence(data_name(rel), blob, f"Data file {rel} this report read", "Source")
            for rel, blob in data.items()]
    return tuple(out)


def date_of(as_of: str | None) -> datetime | None:
    """The date the embedded files carry: the data's own date, never the clock."""
    if not as_of:
        return None
    return datetime.fromisoformat(as_of).replace(tzinfo=timezone.utc)


class NoEvidenceError(InputError):
    """The file is not a PDF, or carries no evidence. Exit code 2."""


class EvidenceError(InputError):
    """A file whose evidence cannot be read within bounds: not a regular file, larger than
    :data:`MAX_PDF`, too many attachments, an attachment that inflates beyond
    :data:`MAX_ATTACHMENT` (or all of them beyond :data:`MAX_ATTACHMENTS_TOTAL`), one
    compressed in a way this reader does not decode, or one that is malformed. Exit
    code 2."""


MAX_PDF = 256 * 1024 * 1024
"""The largest PDF read: a report's is a few hundred KB."""

MAX_ATTACHMENT = 64 * 1024 * 1024
"""The most bytes one attachment may inflate to (the build embeds no larger notebook)."""

MAX_ATTACHMENTS_TOTAL = 256 * 1024 * 1024
"""The most bytes all of a PDF's attachments may inflate to together."""

MAX_ATTACHMENTS = 2000
"""The most attachments a PDF may carry: a report embeds four files and its data files."""


def _stream_bytes(stream, name: str, shown: str, budget: int) -> bytes:
    """The decoded bytes of an attachment's stream, at most ``budget`` of them.

    Only what the build writes is decoded: no filter, or ``/FlateDecode`` without a
    predictor, inflated with a bound on its output (a few MB of deflated zeros inflate to
    GBs). Any other filter, or a stream that inflates beyond ``budget``, is refused."""
    import zlib

    import pikepdf

    where = f"{shown}: attachment {name!r}"
    filters = stream.get("/Filter")
    parms = stream.get("/DecodeParms")
    if isinstance(filters, pikepdf.Array):
        filters = list(filters)
        if len(filters) > 1:
            raise EvidenceError(f"{where} is encoded with several filters, which verify "
                                "does not decode")
        filters = filters[0] if filters else None
    if isinstance(parms, pikepdf.Array):
        parms = parms[0] if len(parms) == 1 else (None if not len(parms) else parms)
    raw = stream.read_raw_bytes()
    if filters is None:
        data = raw
    elif filters == pikepdf.Name.FlateDecode:
        if parms is not None and not (isinstance(parms, pikepdf.Dictionary)
                                      and parms.get("/Predictor", 1) == 1):
            raise EvidenceError(f"{where} is compressed with a predictor, which verify does "
                                "not decode")
        inflate = zlib.decompressobj()
        try:
            data = inflate.decompress(raw, budget + 1)
            if inflate.unconsumed_tail:  # the output stopped at the bound
                data += b"\0"
            elif len(data) <= budget:
                data += inflate.flush()
        except zlib.error as exc:
            raise EvidenceError(f"{where} is not valid deflated data ({exc})") from None
        if len(data) <= budget and not inflate.eof:
            raise EvidenceError(f"{where} is truncated deflated data")
    else:
        raise EvidenceError(f"{where} is encoded with {filters}, which verify does not "
                            "decode (the build writes /FlateDecode)")
    if len(data) > budget:
        if budget < MAX_ATTACHMENT:
            raise EvidenceError(f"{shown}: its attachments inflate to more than "
                                f"{MAX_ATTACHMENTS_TOTAL // (1024 * 1024)} MiB together")
        raise EvidenceError(f"{where} is larger than {MAX_ATTACHMENT // (1024 * 1024)} MiB"
                            + (" inflated" if filters is not None else ""))
    return data


_IN_MEMORY = re.compile(r"(?:stream )?<_io\.BytesIO object at 0x[0-9a-fA-F]+>:? ?")
"""How qpdf names a PDF read from memory in its messages, which name the file already."""


def read_pdf(pdf: Path) -> bytes:
    """The bytes of the PDF ``pdf``, read as a file from outside: a regular file of at most
    :data:`MAX_PDF` bytes. Raises EvidenceError (NoEvidenceError when it is missing)."""
    from bilateral.core.files import UnreadableError, read_regular

    try:
        return read_regular(pdf, MAX_PDF)
    except UnreadableError as exc:
        if exc.missing:
            raise NoEvidenceError(f"{pdf}: no such file") from None
        raise EvidenceError(f"{pdf}: {exc.why}") from None


def read(pdf: Path, data: bytes | None = None) -> dict[str, bytes]:
    """Every associated file of ``pdf`` (whose bytes are ``data`` when given), by name.

    The file is read with bounds (:func:`read_pdf`), and so is each attachment
    (:func:`_stream_bytes`): at most :data:`MAX_ATTACHMENTS` of them, each inflating to
    at most :data:`MAX_ATTACHMENT` bytes and all together to :data:`MAX_ATTACHMENTS_TOTAL`.
    Raises NoEvidenceError when it is not a PDF or holds no ``results.json``,
    EvidenceError when it cannot be read within those bounds."""
    import io

    import pikepdf

    if data is None:
        data = read_pdf(pdf)
    files: dict[str, bytes] = {}
    left = MAX_ATTACHMENTS_TOTAL
    try:
        with pikepdf.open(io.BytesIO(data)) as doc:
            attachments = doc.attachments
            if len(attachments) > MAX_ATTACHMENTS:
                raise EvidenceError(f"{pdf}: has more than {MAX_ATTACHMENTS} attachments")
            for name, spec in attachments.items():
                blob = _stream_bytes(spec.get_file().obj, name, str(pdf),
                                     min(MAX_ATTACHMENT, left))
                left -= len(blob)
                files[name] = blob
    except (pikepdf.PdfError, OSError, ValueError, KeyError, TypeError, AttributeError
            ) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        first = _IN_MEMORY.sub("", first) or type(exc).__name__
        raise NoEvidenceError(f"{pdf}: not a readable PDF ({first})") from None
    if RESULTS not in files:
        raise NoEvidenceError(f"{pdf}: carries no evidence (no embedded {RESULTS}); only PDFs "
                         "built by bilateral build do")
    return files
