"""Reviewing built reports: tagged, archival PDFs carrying their evidence; ``verify``;
``diff`` between builds; the index; records that reveal nothing of the machine."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pikepdf
import pytest

from tests.support import ROOT, run_cli, set_figure

pytestmark = pytest.mark.slow

EVIDENCE = {"results.json", "parameters.json", "notebook.ipynb", "rendering.json",
            "data__sources.csv",
            "data__figures.csv", "data__context__tourism.csv",
            "data__context__trade_annual.csv", "data__context__trade_quarters.csv",
            "data__claims.csv"}


def _structure(pdf: pikepdf.Pdf) -> list:
    """Every structure element of the PDF's tag tree, depth first."""
    out, todo = [], [pdf.Root.StructTreeRoot]
    while todo:
        node = todo.pop()
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                out.append(node)
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                todo.extend(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                todo.append(kids)
        elif isinstance(node, pikepdf.Array):
            todo.extend(node)
    return out


@pytest.mark.parametrize("name", ["trade", "tourism", "index"])
@pytest.mark.parametrize("profile", ["3a", "ua1"])
def test_an_independent_validator_finds_every_pdf_conformant(built_reports, name, profile):
    """page-validation (an independent PDF/A and PDF/UA checker) finds no failure."""
    import page

    report = page.validate_pdf(built_reports / f"{name}.pdf", profile=profile)
    assert report.is_compliant, [f"{f.rule_id}: {f.message}" for f in report.failures]


@pytest.mark.parametrize("name", ["trade", "tourism"])
def test_pdf_is_tagged_archival_and_accessible(built_reports, name):
    with pikepdf.open(built_reports / f"{name}.pdf") as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        xmp = pdf.open_metadata()
        assert xmp["pdfaid:part"] == "3" and xmp["pdfaid:conformance"] == "A"
        assert xmp["{http://www.aiim.org/pdfua/ns/id/}part"] == "1"
        assert xmp["dc:title"]
        kinds = [str(e.S) for e in _structure(pdf)]
        assert "/H1" in kinds and "/H2" in kinds and "/Table" in kinds and "/TH" in kinds
        figures = [e for e in _structure(pdf) if str(e.S) == "/Figure"]
        # trade: three charts; tourism: one. Each carries the alt text of its <img>.
        assert len(figures) == {"trade": 3, "tourism": 1}[name]
        assert all(len(str(f.get("/Alt", ""))) > 40 for f in figures)
        # A source's title in Russian is tagged as Russian (sources.csv: language ru).
        assert "ru" in {str(e.Lang) for e in _structure(pdf) if "/Lang" in e}
        # Evidence: every input and the results, as PDF/A-3 associated files.
        assert set(pdf.attachments) == EVIDENCE
        af = {str(spec.get("/UF", spec.get("/F"))): str(spec.AFRelationship)
              for spec in pdf.Root.AF}
        assert af["results.json"] == "/Data" and af["data__figures.csv"] == "/Source"
        # Every header a cell names resolves, through the structure tree's /IDTree, to a TH.
        names = pdf.Root.StructTreeRoot.IDTree.Names
        ids = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        cited = [str(h) for e in _structure(pdf) if "/A" in e and "/Headers" in e.A
                 for h in e.A.Headers]
        assert cited and all(str(ids[h].S) == "/TH" for h in cited)
        # Every link says where it leads: a section by its heading, an address by itself.
        links = [str(a.Contents) for pg in pdf.pages for a in pg.get("/Annots", [])
                 if a.get("/Subtype") == "/Link"]
        assert links and all(c.startswith(("Go to: ", "Link to http")) for c in links), links
        assert "Go to: The claims" in links
        # Each associated file listed once; the notebook as a notebook, not an octet stream.
        assert len(pdf.Root.AF) == len(EVIDENCE)
        assert str(pdf.attachments["notebook.ipynb"].obj.EF.F.Subtype) == \
            "/application/x-ipynb+json"
        rec = json.loads(pdf.attachments["results.json"].get_file().read_bytes())
        assert rec == json.loads((built_reports / f"{name}.results.json").read_bytes())
        assert pdf.attachments["data__figures.csv"].get_file().read_bytes() == (
            ROOT / "data" / "figures.csv").read_bytes()
        # The notebook embedded is the executed one, as rendered: outputs and all.
        nb = json.loads(pdf.attachments["notebook.ipynb"].get_file().read_bytes())
        assert nb["metadata"]["papermill"]["parameters"]
        assert sum(len(c.get("outputs", [])) for c in nb["cells"]) > 5


def test_pdfdetach_lists_the_evidence(built_reports):
    out = subprocess.run(["pdfdetach", "-list", str(built_reports / "trade.pdf")],
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == "10 embedded files"
    assert {line.split(": ", 1)[1] for line in out.splitlines()[1:]} == EVIDENCE


def test_verify_a_fresh_report(built_reports):
    r = run_cli("verify", str(built_reports / "trade.pdf"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.search(r"verified: \d+ values, 5 verdicts and \d+ figures match", lines[0])
    pages = len(pikepdf.open(built_reports / "trade.pdf").pages)
    assert lines[1].endswith(f"verified: its {pages} pages are byte for byte what the "
                             "embedded notebook renders to")


def test_verify_names_an_edited_attachment(built_reports, tmp_path):
    tampered = tmp_path / "trade.pdf"
    with pikepdf.open(built_reports / "trade.pdf") as pdf:
        spec = pdf.attachments["data__figures.csv"]
        text = spec.get_file().read_bytes().decode()
        # The article's 2023 total, quote and value together: the data still loads.
        text = text.replace(",240.1,usd_bn", ",250.3,usd_bn").replace("$240.1 billion",
                                                                       "$250.3 billion")
        pdf.attachments["data__figures.csv"] = pikepdf.AttachedFileSpec(
            pdf, text.encode(), filename="data__figures.csv")
        # ... and the claim that quotes the same words.
        claims = pdf.attachments["data__claims.csv"].get_file().read_bytes().decode()
        pdf.attachments["data__claims.csv"] = pikepdf.AttachedFileSpec(
            pdf, claims.replace("$240.1 billion", "$250.3 billion").encode(),
            filename="data__claims.csv")
        pdf.save(tampered)
    r = run_cli("verify", str(tampered))
    assert r.returncode == 1, r.stderr
    # customs' 240.1 is no longer the article's 250.3: the record claim is no longer
    # "holds" (250.3 lies outside 240.1's rounding: not supported).
    # Each change named by what a reader calls it, the key after it, values with units.
    assert re.search(r"verdict\s+China–Russia trade reached a record USD 250\.3 bn in 2023\. "
                     r"\(record_2023\)\s+holds\s+not supported", r.stdout)
    assert re.search(r"figure\s+China–Russia trade, 2023 \(trade_2023\)\s+240\.1 USD bn\s+"
                     r"250\.3 USD bn", r.stdout)
    assert r.stdout.splitlines()[0].startswith("1 verdict changed, 1 figure changed")
    assert "difference" in r.stderr.splitlines()[-1]
    assert "Traceback" not in r.stderr


def test_verify_refuses_what_carries_no_evidence(built_reports, tmp_path):
    r = run_cli("verify", str(built_reports / "index.pdf"))
    assert r.returncode == 2 and "carries no evidence" in r.stderr
    (tmp_path / "x.pdf").write_text("not a pdf")
    r = run_cli("verify", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "not a readable PDF" in r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_diff_of_two_builds(built_reports, tmp_path):
    other = tmp_path / "other"
    r = run_cli("build", "trade", "--formats", "html", "--out", str(other), "--quiet",
                "-p", "milestone_busd", "350")
    assert r.returncode == 0, r.stderr
    r = run_cli("diff", str(built_reports / "trade.results.json"),
                str(other / "trade.results.json"), "--format", "json")
    assert r.returncode == 1
    got = [(c["section"], c["key"], c["old"], c["new"]) for c in json.loads(r.stdout)]
    # 10 %: 244.819 * 1.1^3 = 325.9 < 350, * 1.1^4 = 358.4: 2028 (was 2027); 5.2 %:
    # 244.819 * 1.052^8 = 367.2 only in 2032, after 2030 (was 2029).
    assert got == [("parameter", "milestone_busd", 300.0, 350.0),
                   ("value", "scenario_10_first_year_at_milestone", 2027, 2028),
                   ("value", "scenario_5.2_first_year_at_milestone", 2029, None)]
    same = run_cli("diff", str(built_reports / "trade.pdf"),
                   str(built_reports / "trade.results.json"))
    assert (same.returncode, same.stdout) == (0, "no differences\n")
    bad = run_cli("diff", str(tmp_path / "missing"), str(other))
    assert bad.returncode == 2 and "no such file or folder" in bad.stderr


def test_diff_of_a_build_on_altered_data(tmp_path, data_copy, built_reports):
    quote = "more than tripled in 2023, from 187,000 to 560,000"
    set_figure(data_copy, "visitors_2022", quote=quote)
    set_figure(data_copy, "visitors_2023", value="560000", quote=quote)
    out = tmp_path / "out"
    r = run_cli("build", "tourism", "--formats", "html", "--data", str(data_copy), "--out",
                str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    r = run_cli("diff", str(built_reports / "tourism.results.json"),
                str(out / "tourism.results.json"), "--format", "markdown")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    # One verdict, one figure, the data's fingerprint; the multiple, the growth and the
    # coarsest safe rounding move (-4 to 0: 560,000 keeps no rounding safe).
    assert lines[0].startswith("**1 verdict changed, 1 figure changed, 1 data folder changed")
    # 560000 / 187000 = 2.995, at most 560500 / 186500 = 3.005: "not supported".
    assert lines[4] == ("| tourism | verdict | Foreign visitors to Russia more than tripled "
                        "from 2022 to 2023. `tripled` | holds | not supported by the cited "
                        "figures |")
    assert lines[5] == ("| tourism | figure | Foreign visitors to Russia, 2023 "
                        "`visitors_2023` | 600,000 people | 560,000 people |")


def test_index_lists_every_report(built_reports):
    page = (built_reports / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page.replace(
        "http://www.w3.org", "")
    for name in ("trade", "tourism"):
        assert f'href="{name}.pdf"' in page and f'href="{name}.html"' in page
    assert page.count('class="badge v-contradicted"') == 1  # "majority Chinese"
    with pikepdf.open(built_reports / "index.pdf") as pdf:
        assert len(pdf.pages) >= 1


def test_two_builds_in_two_folders_are_byte_identical(tmp_path):
    a, b = tmp_path / "a" / "out", tmp_path / "b" / "deeper" / "out"
    for out in (a, b):
        r = run_cli("build", "tourism", "--out", str(out), "--quiet", "--force")
        assert r.returncode == 0, r.stderr
    for name in ("tourism.ipynb", "tourism.html", "tourism.pdf", "tourism.results.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    nb = (a / "tourism.ipynb").read_text(encoding="utf-8")
    assert str(tmp_path) not in nb and str(ROOT) not in nb
    assert '"input_path": "notebooks/tourism.ipynb"' in nb
    shutil.rmtree(tmp_path / "a")


def test_the_record_names_its_code_and_verify_says_when_the_installed_code_differs(
        built_reports, monkeypatch, capsys):
    import subprocess

    from bilateral.cli import main
    from bilateral.core import code

    rec = json.loads((built_reports / "trade.results.json").read_bytes())
    assert re.fullmatch(r"[0-9a-f]{16}", rec["versions"]["bilateral code"])
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    assert rec["versions"]["bilateral commit"] == head
    # The same code: verified, nothing to note.
    assert main(["verify", str(built_reports / "trade.pdf")]) == 0
    assert "note:" not in capsys.readouterr().out
    # A modified copy of the code (here: its digest) is named as such, though every
    # number still matches.
    monkeypatch.setattr(code, "code_digest", lambda: "0123456789abcdef")
    assert main(["verify", str(built_reports / "trade.pdf")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("match the embedded evidence")
    assert "byte for byte" in out[1]
    assert out[2].endswith(
        f"note: the installed code differs from the code that built this report (built by "
        f"bilateral code {rec['versions']['bilateral code']}, commit {head[:12]}; "
        "installed: bilateral code 0123456789abcdef)")


def test_a_sweeps_index_puts_the_verdicts_that_change_first(tmp_path):
    """600,000 / 187,000 = 3.21 (at least 599,500 / 187,500 = 3.197): above 3.0, "more
    than tripled" holds; below 3.5, contradicted. The majority claim is contradicted in
    both runs, so it comes after the values."""
    out = tmp_path / "out"
    r = run_cli("build", "tourism", "--formats", "html", "--out", str(out), "--quiet",
                "--sweep", "threshold_multiple", "[3.0, 3.5]")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "threshold_multiple-3.0", "threshold_multiple-3.5"]
    page = (out / "index.html").read_text(encoding="utf-8")
    table = page[page.index("the scenarios side by side"):]
    rows = [re.sub(r"<[^>]+>", " ", row).split() for row in
            re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>"):], re.S)]
    assert "1 verdict changes across the 2 runs" in table
    assert rows[0] == ["tripled", "holds", "contradicted"]
    assert rows[-1] == ["majority_chinese", "contradicted", "contradicted"]
