"""A reviewer's approval: a PAdES signature on a report's PDF, and reading signatures back.

``bilateral approve`` signs with pyHanko as an *incremental update*: the bytes of the PDF
as built stay the first bytes of the approved file, unchanged, so the evidence inside and
its PDF/A-3 conformance stay what they were, and ``verify`` can still show that the pages
are what the evidence renders to. The signature is invisible (no stamp on a page): the
pages a reviewer approved are the pages they read.

Signatures are validated offline: the signer's certificate is reported by name; whether
it is trusted is a matter for the reader's own certificate authorities, which this tool
does not fetch or judge.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from bilateral.core.errors import InputError

FIELD = "Approval"
"""The signature field's name."""

PASSPHRASE_ENV = "BILATERAL_KEY_PASSPHRASE"
"""The environment variable an encrypted key's passphrase is read from."""


LATER = {"NONE": "a later revision that changes nothing",
         "LTA_UPDATES": "validation data added", "FORM_FILLING": "form fields filled in",
         "ANNOTATIONS": "annotations added", "OTHER": "content changed"}
"""What pyHanko's difference analysis found after a signature, in words."""


class ApprovalError(InputError):
    """The key, certificate or PDF cannot be used to approve. Exit code 2."""


@dataclass(frozen=True)
class Signature:
    """One signature of a PDF, as ``verify`` reports it."""

    field: str
    signer: str
    time: str
    """When the signer says they signed (UTC), as ``2026-12-04 10:00 UTC``."""
    intact: bool
    """The signed bytes are unchanged and the signature is the certificate's."""
    covers_whole_file: bool
    later: str
    """What was added after it: "" (nothing), or pyHanko's word for the change."""

    @property
    def problem(self) -> str:
        """Why this signature does not approve the file as it is now, or ""."""
        if not self.intact:
            return ("the signature does not match the signed bytes: the document changed "
                    "after it was signed")
        if not self.covers_whole_file and self.later:
            return f"the document changed after it was signed: {self.later}"
        return ""


MAX_KEY_FILE = 1024 * 1024
"""The largest key or certificate file read: a PEM certificate chain is a few KB."""


def _signer(key: Path, cert: Path):
    """pyHanko's signer from a key file and a certificate file, each read as a file from
    outside (a regular file of at most :data:`MAX_KEY_FILE` bytes). Raises ApprovalError."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from bilateral.core.files import UnreadableError, read_regular

    blobs = {}
    for path, what in ((key, "key"), (cert, "certificate")):
        try:
            blobs[what] = read_regular(path, MAX_KEY_FILE)
        except UnreadableError as exc:
            raise ApprovalError(f"{path}: no such {what} file" if exc.missing
                                else f"{path}: the {what} file {exc.why}") from None
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        signing_key = load_private_key_from_pemder_data(
            blobs["key"], passphrase=passphrase.encode() if passphrase else None)
        certs = list(load_certs_from_pemder_data(blobs["certificate"]))
        if len(certs) != 1:
            raise ValueError(f"the certificate file holds {len(certs)} certificates, not one")
        _subject(certs[0])  # parsed now: a malformed certificate is refused here
        signer = signers.SimpleSigner(signing_cert=certs[0], signing_key=signing_key,
                                      cert_registry=SimpleCertificateStore())
    except (ValueError, TypeError, OSError, UnsupportedAlgorithm) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = ("" if passphrase else
                f" (an encrypted key's passphrase is read from {PASSPHRASE_ENV})")
        raise ApprovalError(f"{key}, {cert}: cannot be loaded as a signing key and "
                            f"certificate: {why}{hint}") from None
    return signer


def _writer(data: bytes):
    """pyHanko's incremental writer, keeping the document's metadata as built.

    pyHanko rewrites the XMP metadata stream on every update (a new modification date,
    its own producer), and in doing so drops the form of the PDF/A extension schema that
    declares ``pdfuaid:part``: the signed file then fails PDF/A-3. Signing changes no
    metadata the PDF declares, so the update is skipped (the signature carries its own
    time); ``_update_meta`` is pyHanko's one hook for it (checked by the conformance test
    of approved PDFs)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class KeepMetadata(IncrementalPdfFileWriter):
        def _update_meta(self):
            pass

    return KeepMetadata(io.BytesIO(data), strict=False)


def _tag_field(writer, name: str, text: str) -> None:
    """PDF/UA: the signature's widget (on the first page, of no size) is nested in a
    ``Form`` structure element with an alternative description, under the document's
    root element, and found through the parent tree (ISO 14289-1, 7.18.4)."""
    from pyhanko.pdf_utils import generic

    root = writer.root
    tree = root.get("/StructTreeRoot")
    if tree is None:
        return
    tree = tree.get_object()
    fields = root["/AcroForm"]["/Fields"]
    widget_ref = next(f for f in fields if f.get_object().get("/T") == name)
    widget = widget_ref.get_object()
    page_ref = widget.get("/P") or writer.find_page_for_modification(0)[0]
    kids = tree.raw_get("/K")
    kids = kids.get_object() if isinstance(kids, generic.IndirectObject) else kids
    doc_ref = kids.raw_get(0) if isinstance(kids, generic.ArrayObject) else tree.raw_get("/K")
    doc = doc_ref.get_object()
    parents = tree["/ParentTree"].get_object()
    nums = parents["/Nums"]
    key = max([int(nums[i]) for i in range(0, len(nums), 2)], default=-1) + 1
    key = max(key, int(tree.get("/ParentTreeNextKey", 0)))
    element = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/StructElem"),
        generic.pdf_name("/S"): generic.pdf_name("/Form"),
        generic.pdf_name("/Alt"): generic.TextStringObject(text),
        generic.pdf_name("/Pg"): page_ref,
        generic.pdf_name("/K"): generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/OBJR"),
            generic.pdf_name("/Obj"): widget_ref,
            generic.pdf_name("/Pg"): page_ref})})
    if isinstance(doc_ref, generic.IndirectObject):
        element[generic.pdf_name("/P")] = doc_ref
    element_ref = writer.add_object(element)
    kids = doc.get("/K")
    if isinstance(kids, generic.ArrayObject):
        kids.append(element_ref)
    else:
        doc[generic.pdf_name("/K")] = generic.ArrayObject(
            ([kids] if kids is not None else []) + [element_ref])
    nums.extend([generic.NumberObject(key), element_ref])
    tree[generic.pdf_name("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    widget[generic.pdf_name("/StructParent")] = generic.NumberObject(key)
    for obj in (doc, parents, tree, widget):
        writer.update_container(obj)


def sign(data: bytes, key: Path, cert: Path, *, reason: str, location: str | None = None,
         shown: str = "the PDF") -> bytes:
    """``data`` (named ``shown`` in messages) with an approval signature appended as an
    incremental update. Raises ApprovalError."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    signer = _signer(key, cert)
    earlier = signatures(data)
    if earlier:
        # PDF/A-3 asks a signature to cover the whole file (ISO 19005-3, 6.4.3): a second
        # signature in a later revision leaves the first covering part of it only.
        first = earlier[0]
        raise ApprovalError(f"{shown}: already approved by {first.signer} on {first.time}; "
                            "approve the PDF as built (each approval is its own copy)")
    name = FIELD
    who = _subject(signer.signing_cert)
    try:
        writer = _writer(data)
        fields.append_signature_field(writer, fields.SigFieldSpec(
            sig_field_name=name, readable_field_name=f"Approval by {who}"))
        _tag_field(writer, name, f"Signature: approval of this report by {who}")
        meta = signers.PdfSignatureMetadata(
            field_name=name, reason=reason, location=location,
            subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
        out = io.BytesIO()
        signers.sign_pdf(writer, meta, signer=signer, output=out)
    except (PdfError, ValueError, KeyError, StopIteration) as exc:
        raise ApprovalError(f"{shown}: cannot be signed: {str(exc).splitlines()[0]}") from None
    return out.getvalue()


def _subject(cert) -> str:
    """``Ada Reviewer (Desk)``: the certificate's common name, and its organisation."""
    if cert is None:
        return "unknown signer"
    names = cert.subject.native
    common, org = names.get("common_name"), names.get("organization_name")
    if not common:
        return cert.subject.human_friendly
    return f"{common} ({org})" if org else common


def signatures_raw(data: bytes) -> list:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return list(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError):
        return []


def _when(status) -> str:
    when = getattr(status, "signer_reported_dt", None)
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "no time given"


def signatures(data: bytes) -> list[Signature]:
    """Every signature of the PDF ``data``, oldest first, checked offline: are the signed
    bytes intact, does it cover the whole file, and if not, what came after it."""
    import logging

    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    out = []
    # pyHanko logs an untrusted certificate's path-building failure with its traceback;
    # trust is not what this check reports.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    for sig in signatures_raw(data):
        name = sig.field_name or "?"
        try:
            status = validate_pdf_signature(sig, ValidationContext(allow_fetching=False))
        except Exception as exc:  # noqa: BLE001 - pyHanko raises many kinds on bad input
            out.append(Signature(name, "unknown signer", "no time given", False, False,
                                 f"cannot be read ({type(exc).__name__})"))
            continue
        signer = _subject(status.signing_cert)
        coverage = getattr(status.coverage, "name", str(status.coverage))
        level = getattr(status, "modification_level", None)
        later = "" if coverage == "ENTIRE_FILE" else LATER.get(
            getattr(level, "name", ""), "a later revision whose changes pyHanko cannot tell")
        out.append(Signature(name, signer, _when(status), bool(status.intact and status.valid),
                             coverage == "ENTIRE_FILE", later))
    return out


def approved_copy(path: Path) -> Path:
    """Where ``approve`` keeps a report's approved PDF: ``approved/`` beside it, which no
    build writes to, so a rebuild leaves the approval in place for ``diff
    --since-approved``. For an output folder, its ``approved/`` folder."""
    path = Path(path)
    return path / "approved" if path.is_dir() else path.parent / "approved" / path.name


def write(dest: Path, data: bytes) -> None:
    """Write the approved PDF whole or not at all: a temporary file beside ``dest``,
    renamed over it (an interrupted approval leaves the previous approved copy)."""
    import tempfile

    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as exc:
        raise ApprovalError(f"{dest}: cannot be written ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
