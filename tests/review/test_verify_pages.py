"""``verify`` proves the pages, and ``approve`` signs them: each thing ``verify`` claims to
prove, tampered with, with the exit code and the line it gives.

The tampering is done with tools other than the ones under test: pikepdf rewrites a PDF,
pyHanko's incremental writer appends a revision, poppler's ``pdftotext`` finds the page
a test then changes.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from tests.support import ROOT, run_cli

pytestmark = pytest.mark.slow


def _page_with(pdf: Path, words: str) -> int:
    """The 1-based number of the first page whose text (poppler) has ``words``."""
    n = len(pikepdf.open(pdf).pages)
    for i in range(1, n + 1):
        text = subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        if words in " ".join(text.split()):
            return i
    raise AssertionError(f"{words!r} is on no page of {pdf}")


def _verify(pdf: Path) -> tuple[int, list[str]]:
    r = run_cli("verify", str(pdf))
    assert "Traceback" not in r.stderr and "unexpected" not in r.stderr, r.stderr
    return r.returncode, [line.removeprefix(f"bilateral: {pdf}: ")
                          for line in (r.stdout + r.stderr).splitlines()]


@pytest.fixture(scope="module")
def reviewer(tmp_path_factory) -> tuple[Path, Path]:
    """A throwaway key and self-signed certificate for "Test Reviewer"."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("reviewer")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Reviewer"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fact desk")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .sign(key, hashes.SHA256()))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return folder / "key.pem", folder / "cert.pem"


@pytest.fixture(scope="module")
def approved(built_reports, reviewer, tmp_path_factory) -> Path:
    """trade.pdf approved by Test Reviewer, in a folder of its own."""
    folder = tmp_path_factory.mktemp("approval")
    shutil.copy(built_reports / "trade.pdf", folder / "trade.pdf")
    shutil.copy(built_reports / "trade.results.json", folder / "trade.results.json")
    key, cert = reviewer
    r = run_cli("approve", str(folder / "trade.pdf"), "--key", str(key), "--cert", str(cert))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"bilateral: {folder / 'approved' / 'trade.pdf'}: approved by "
                               "Test Reviewer (Fact desk) on ")
    return folder


def test_a_region_painted_over_is_found_on_its_page(built_reports, tmp_path):
    page = _page_with(built_reports / "trade.pdf", "Claim Check Verdict")
    tampered = tmp_path / "trade.pdf"
    with pikepdf.open(built_reports / "trade.pdf") as pdf:
        p = pdf.pages[page - 1]
        p.obj.Resources.Font = p.obj.Resources.get("/Font", pikepdf.Dictionary())
        p.obj.Resources.Font["/Fx"] = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        p.contents_add(pdf.make_stream(b"q 1 1 1 rg 400 400 80 14 re f 1 0 0 rg BT /Fx 9 Tf "
                                       b"402 403 Td (contradicted) Tj ET Q"))
        pdf.save(tampered)
    code, lines = _verify(tampered)
    assert code == 1
    assert lines[0].startswith("verified: ")  # the record itself is intact
    assert any(line.startswith(f"page {page} differs from page {page} of the rendering: "
                               "text added: 'contradicted'; pixels differ") for line in lines)
    assert lines[-1].startswith("does not verify: 1 difference")


def test_a_deleted_page_is_named_missing(built_reports, tmp_path):
    tampered = tmp_path / "trade.pdf"
    with pikepdf.open(built_reports / "trade.pdf") as pdf:
        del pdf.pages[3]
        pdf.save(tampered)
    code, lines = _verify(tampered)
    assert code == 1
    # Only page 4 is named: the pages after it are matched, not reported as changed.
    named = [x for x in lines if x.startswith("page")]
    assert len(named) == 1 and named[0].startswith(
        "page 4 of the rendering is missing from the file (it begins '")
    begins = named[0].split("(it begins '")[1].rstrip("')")
    assert _page_with(built_reports / "trade.pdf", begins) == 4


def test_another_reports_evidence_is_refused(built_reports, tmp_path):
    tampered = tmp_path / "trade.pdf"
    with pikepdf.open(built_reports / "trade.pdf") as pdf, \
            pikepdf.open(built_reports / "tourism.pdf") as other:
        for name in list(pdf.attachments):
            del pdf.attachments[name]
        for name, spec in other.attachments.items():
            pdf.attachments[name] = pikepdf.AttachedFileSpec(
                pdf, spec.get_file().read_bytes(), filename=name)
        pdf.save(tampered)
    code, lines = _verify(tampered)
    assert code == 1
    # The tourism record recomputes from the tourism data: that much is true ...
    assert lines[0].startswith("verified: 6 values, 2 verdicts")
    # ... but it is not this document's.
    assert ("the evidence belongs to another document: its record is titled \"Foreign "
            "visitors to Russia in CGTN's article of 16 May 2024\", this file \"China–Russia "
            "trade in CGTN's article of 16 May 2024\"") in lines
    assert "page 1 differs from page 1 of the rendering: text 'Foreign visitors to Russia' " \
           "→ 'China–Russia trade'" in " ".join(lines)


def _edit_attachment(src: Path, dest: Path, name: str, edit) -> None:
    with pikepdf.open(src) as pdf:
        data = pdf.attachments[name].get_file().read_bytes()
        pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, edit(data), filename=name)
        pdf.save(dest)


@pytest.mark.parametrize(("path", "value", "shown"), [
    (("claims", "record_2023", "check"), "It is a record.", "statement record_2023 (check)"),
    (("figures", "trade_2023", "period"), "2022",
     "figure China–Russia trade, 2023: period (trade_2023 (period)) 2022 2023"),
    (("data", "as_of"), "2030-01-01", "data as_of 2030-01-01 2025-08-29"),
    (("title",), "Another title", "record title Another title China–Russia trade"),
    (("values", "quarter_implied_base", "hi"), 99.0,
     "value quarter_implied_base (interval) [53.8479809976, 99.0] [53.8479809976, 53.908"),
])
def test_every_field_of_the_record_is_checked(built_reports, tmp_path, path, value, shown):
    def edit(data: bytes) -> bytes:
        rec = json.loads(data)
        node = rec
        for key in path[:-1]:
            node = node[key]
        assert node[path[-1]] != value
        node[path[-1]] = value
        return json.dumps(rec, ensure_ascii=False, indent=1, sort_keys=True).encode()

    tampered = tmp_path / "trade.pdf"
    _edit_attachment(built_reports / "trade.pdf", tampered, "results.json", edit)
    code, lines = _verify(tampered)
    assert code == 1
    # A row of the table of differences: report, section, name, embedded, recomputed.
    assert any(" ".join(line.split()).startswith(f"trade {shown}") for line in lines), lines


def test_pages_rendered_from_an_edited_notebook_do_not_match_the_record(built_reports,
                                                                        tmp_path):
    """A forger who edits the embedded notebook's verdict and renders pages to match: the
    pages are what that notebook renders to, but the claims on them are not the record's."""
    from bilateral.review import evidence, pages

    files = evidence.read(built_reports / "trade.pdf")
    nb = files[evidence.NOTEBOOK].decode()
    marker = '<span class=\\"verdict v-holds\\">holds</span>'
    assert nb.count(marker) == 4
    files[evidence.NOTEBOOK] = nb.replace(
        marker, '<span class=\\"verdict v-contradicted\\">contradicted</span>', 1).encode()
    record = json.loads(files[evidence.RESULTS])
    forged = tmp_path / "trade.pdf"
    forged.write_bytes(pages.rerender(files, record))
    code, lines = _verify(forged)
    assert code == 1
    assert any("byte for byte" in x for x in lines)  # the pages are the notebook's ...
    assert "the pages show claim record_2023 as 'contradicted'; the record has 'holds'" \
        in lines  # ... and the notebook is not the record's


def test_a_changed_package_file_is_named(built_reports, tmp_path):
    """A copy of the code with one file changed verifies the same numbers, and says it is
    not the code that built the report."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    with open(src / "bilateral" / "report" / "metrics.py", "a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    r = subprocess.run([sys.executable, "-m", "bilateral.cli", "verify",
                        str(built_reports / "trade.pdf")], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(src)}, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    built = json.loads((built_reports / "trade.results.json").read_bytes())
    code = built["versions"]["bilateral code"]
    assert f"note: the installed code differs from the code that built this report (built " \
           f"by bilateral code {code}" in r.stdout
    assert "byte for byte" in r.stdout  # the pages still render the same


def test_an_approval_keeps_the_pdf_as_built_and_conformant(built_reports, approved):
    import page

    signed = (approved / "approved" / "trade.pdf").read_bytes()
    assert signed.startswith((built_reports / "trade.pdf").read_bytes())
    assert (approved / "trade.pdf").read_bytes() == (built_reports / "trade.pdf").read_bytes()
    for profile in ("3a", "ua1"):
        report = page.validate_pdf(approved / "approved" / "trade.pdf", profile=profile)
        assert report.is_compliant, [f"{f.rule_id}: {f.message}" for f in report.failures]
    with pikepdf.open(approved / "approved" / "trade.pdf") as pdf:
        assert len(pdf.attachments) == len(pikepdf.open(built_reports / "trade.pdf").attachments)
    code, lines = _verify(approved / "approved" / "trade.pdf")
    assert code == 0, lines
    assert any(x.startswith("verified: its first revision is byte for byte") for x in lines)
    assert any(x.startswith("approved by Test Reviewer (Fact desk) on ")
               and x.endswith(": not changed since") for x in lines)


def test_a_byte_changed_after_signing_fails(approved, tmp_path):
    data = bytearray((approved / "approved" / "trade.pdf").read_bytes())
    # Inside the signed range: the version in the XMP metadata (an uncompressed stream);
    # the pages are untouched.
    i = data.index(b"xmp:CreatorTool>bilateral 0.1.0") + len(b"xmp:CreatorTool>bilateral 0.1.")
    data[i:i + 1] = b"9"
    tampered = tmp_path / "trade.pdf"
    tampered.write_bytes(bytes(data))
    code, lines = _verify(tampered)
    assert code == 1
    assert any(x.startswith("approved by Test Reviewer (Fact desk) on ") and x.endswith(
        ": the signature does not match the signed bytes: the document changed after it was "
        "signed") for x in lines), lines


def test_a_revision_added_after_signing_fails(approved, tmp_path):
    """An annotation painted over page 1 in a later revision: the signature still matches
    what it signed, but the file changed after it, and the page no longer matches."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    data = (approved / "approved" / "trade.pdf").read_bytes()
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref, _ = w.find_page_for_modification(0)
    n = generic.NameObject
    box = generic.ArrayObject([generic.FloatObject(x) for x in (0, 0, 300, 40)])
    look = w.add_object(generic.StreamObject(
        {n("/Type"): n("/XObject"), n("/Subtype"): n("/Form"), n("/BBox"): box},
        stream_data=b"0 0 1 rg 0 0 300 40 re f"))
    annot = w.add_object(generic.DictionaryObject({
        n("/Type"): n("/Annot"), n("/Subtype"): n("/Square"), n("/F"): generic.NumberObject(4),
        n("/Rect"): generic.ArrayObject([generic.FloatObject(x) for x in (100, 500, 400, 540)]),
        n("/AP"): generic.DictionaryObject({n("/N"): look})}))
    page = page_ref.get_object()
    annots = page.get("/Annots")
    if annots is None:
        page[n("/Annots")] = generic.ArrayObject([annot])
    else:
        annots.append(annot)
        if isinstance(page.raw_get("/Annots"), generic.IndirectObject):
            w.update_container(annots)
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    tampered = tmp_path / "trade.pdf"
    tampered.write_bytes(out.getvalue())
    code, lines = _verify(tampered)
    assert code == 1
    assert any(x.startswith("approved by Test Reviewer") and
               ": the document changed after it was signed: " in x for x in lines), lines
    assert any(x.startswith("page 1 differs from page 1 of the rendering: pixels differ")
               for x in lines), lines


def test_approve_refuses_what_does_not_verify_and_a_second_signature(approved, reviewer,
                                                                     tmp_path):
    key, cert = reviewer
    again = run_cli("approve", str(approved / "approved" / "trade.pdf"), "--key", str(key),
                    "--cert", str(cert), "--out", str(tmp_path / "twice.pdf"))
    assert again.returncode == 2
    assert again.stderr.startswith(f"bilateral: {approved / 'approved' / 'trade.pdf'}: "
                                   "already approved by Test Reviewer (Fact desk) on ")
    tampered = tmp_path / "trade.pdf"
    with pikepdf.open(approved / "trade.pdf") as pdf:
        del pdf.pages[0]
        pdf.save(tampered)
    r = run_cli("approve", str(tampered), "--key", str(key), "--cert", str(cert))
    assert r.returncode == 1
    assert r.stderr == (f"bilateral: {tampered}: not approved: it does not verify (1 "
                        f"difference; bilateral verify {tampered} lists them)\n")
    assert not (tmp_path / "approved").exists() and not (tmp_path / "twice.pdf").exists()
    bad = run_cli("approve", str(approved / "trade.pdf"), "--key", str(cert), "--cert",
                  str(cert), "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
    assert "cannot be loaded as a signing key and certificate" in bad.stderr


def test_diff_since_the_last_approval(reviewer, tmp_path):
    out = tmp_path / "out"
    r = run_cli("build", "trade", "--formats", "pdf", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    key, cert = reviewer
    r = run_cli("approve", str(out / "trade.pdf"), "--key", str(key), "--cert", str(cert))
    assert r.returncode == 0, r.stderr
    r = run_cli("diff", "--since-approved", str(out / "trade.pdf"))
    assert (r.returncode, r.stdout) == (0, "no differences\n")
    # A rebuild with another parameter: the build leaves the approved copy alone.
    r = run_cli("build", "trade", "--formats", "pdf", "--out", str(out), "--quiet",
                "-p", "milestone_busd", "350")
    assert r.returncode == 0, r.stderr
    assert (out / "approved" / "trade.pdf").exists()
    for new in (out / "trade.pdf", out):  # a report, or the whole output folder
        r = run_cli("diff", "--since-approved", str(new))
        assert r.returncode == 1
        # 10 %: 244.819 * 1.1^3 = 325.9 < 350 <= 1.1^4 * 244.819 = 358.4: 2028, was 2027;
        # 5.2 %: 244.819 * 1.052^8 = 367.2 only in 2032, after 2030: none, was 2029.
        assert r.stdout.splitlines()[0] == "1 parameter changed, 2 values changed"
    none = run_cli("diff", "--since-approved", str(tmp_path / "trade.pdf"))
    assert none.returncode == 2 and "nothing approved yet" in none.stderr


def test_a_change_outside_the_pages_is_found(built_reports, tmp_path):
    """A script to run when the file opens: every page is the same, but the same renderer
    makes other bytes of this evidence, so something else changed."""
    tampered = tmp_path / "trade.pdf"
    with pikepdf.open(built_reports / "trade.pdf") as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                 JS=pikepdf.String("app.alert(1)"))
        pdf.save(tampered)
    code, lines = _verify(tampered)
    assert code == 1
    assert "its bytes are not what the same renderer makes of its evidence, though every " \
           "page matches in text and pixels: something outside the pages was changed " \
           "(metadata, attachments, actions or tags)" in lines


def test_another_renderer_compares_text_and_pixels_and_says_so(built_reports, tmp_path,
                                                                 monkeypatch, capsys):
    """With another WeasyPrint installed the bytes cannot be expected to match: the pages
    are compared in text and pixels, and the output says that is all it compared."""
    from bilateral.cli import main
    from bilateral.review import results

    rewritten = tmp_path / "trade.pdf"
    with pikepdf.open(built_reports / "trade.pdf") as pdf:
        pdf.save(rewritten)  # the same pages, other bytes
    installed = results.versions()
    monkeypatch.setattr(results, "versions", lambda: {**installed, "weasyprint": "99.0"})
    assert main(["verify", str(rewritten)]) == 0
    out = capsys.readouterr().out
    built = json.loads((built_reports / "trade.results.json").read_bytes())
    assert "match what the embedded notebook renders to in text and pixels (the file's " \
           "bytes differ)" in out
    note = next(x for x in out.splitlines() if "the installed renderer differs" in x)
    assert f"weasyprint {built['versions']['weasyprint']} → 99.0" in note
    assert note.endswith("): pages were compared in text and pixels, not bytes")


def test_a_revision_appended_without_an_approval_fails(built_reports, tmp_path):
    """The rendering's bytes followed by a revision that adds a script to run when the file
    opens, and no signature: the pages still match, but nobody vouches for what was
    appended."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    data = (built_reports / "trade.pdf").read_bytes()
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    n = generic.NameObject
    w.root[n("/OpenAction")] = w.add_object(generic.DictionaryObject({
        n("/S"): n("/JavaScript"), n("/JS"): generic.TextStringObject("app.alert(1)")}))
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    tampered = tmp_path / "trade.pdf"
    tampered.write_bytes(out.getvalue())
    assert tampered.read_bytes().startswith(data)
    code, lines = _verify(tampered)
    assert code == 1
    assert "revisions were added after the rendering and no approval's signature covers " \
           "them" in lines


def test_a_page_too_large_to_draw_is_refused_not_drawn(built_reports, tmp_path):
    """A page 0.01 pt wide and 10^9 pt high: under the pixel bound by its area, but a
    pixel wide once drawn, 1.3 billion pixels high. Refused before drawing."""
    tampered = tmp_path / "trade.pdf"
    with pikepdf.open(built_reports / "trade.pdf") as pdf:
        pdf.pages[0].MediaBox = pikepdf.Array([0, 0, 0.01, 1e9])
        pdf.save(tampered)
    code, lines = _verify(tampered)
    assert code == 1
    assert any("too large to draw" in x for x in lines), lines
