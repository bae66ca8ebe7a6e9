"""``diff``, ``verify``, ``approve`` and the index against hostile input: records and PDFs
crafted to rewrite the terminal, to crash the comparison, to hang a read or to fill the
memory. Each case asserts the exit code (0 no differences, 1 differences, 2 bad input),
that an error is one line ``bilateral: <file>: ...`` on stderr, and that no traceback is
printed.

The PDFs are made here with pikepdf (a blank page and the attachments a case needs), so
that no build is needed but for the last test.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bilateral.report import record
from bilateral.report.data.figures import data_files, load
from bilateral.review import evidence, results
from tests.support import BILATERAL, DATA, run_cli

TRADE = {"scenario_growth_pct": [0.0, 5.2, 10.0], "scenario_base_year": 2024,
         "horizon_year": 2030, "milestone_busd": 300.0}
VERSIONS = {"bilateral": "0.1.0"}

UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What a terminal acts on: every control character but the line break, the C1 controls
(``\\x9b`` opens a CSI sequence on some terminals), and the direction overrides."""

HOSTILE_VERDICT = "holds\x1b[2K\rcontradicted"
"""Shown raw, it would print "holds", erase the line and print "contradicted" instead."""


@functools.cache
def _trade() -> str:
    return json.dumps(record.record("trade", load(DATA), {**TRADE, "data_dir": "x"},
                                    report="trade", versions_=VERSIONS))


def _record() -> dict:
    """A record of the trade report, a new copy each time."""
    return json.loads(_trade())


def _write(path: Path, rec: dict | bytes) -> Path:
    path.write_bytes(rec if isinstance(rec, bytes) else json.dumps(rec).encode())
    return path


def _refused(r: subprocess.CompletedProcess, *names: str) -> str:
    """The one line an input refused with exit 2 gives; it names each of ``names``."""
    assert r.returncode == 2, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bilateral: "), r.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert r.stdout == ""
    return lines[0]


def _pdf(path: Path, files: dict[str, bytes], raw: dict | None = None) -> Path:
    """A one-page PDF attaching ``files``; ``raw`` maps a name to (stream bytes as
    stored, their filter), written without being decoded or encoded again."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    for name, data in files.items():
        pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, data, filename=name)
    for name, (data, filters) in (raw or {}).items():
        pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, b"", filename=name)
        pdf.attachments[name].get_file().obj.write(data, filter=filters)
    pdf.save(path, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return path


def _evidence(rec: dict | bytes, **more: bytes) -> dict[str, bytes]:
    """What a report's PDF embeds for ``--record-only``: the record, its parameters and
    the data files (no notebook, so no page is rendered)."""
    files = {evidence.RESULTS: rec if isinstance(rec, bytes) else results.dumps(rec),
             evidence.PARAMETERS: evidence.parameters_json(TRADE)}
    for f in data_files(DATA):
        files[evidence.data_name(f.relative_to(DATA).as_posix())] = f.read_bytes()
    files.update(more)
    return files


def _peak(args: list[str], timeout: int = 120) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``bilateral args`` from a fresh process and return its result and the peak
    resident memory of the command, in MB (the fresh process has no other child)."""
    code = ("import json, resource, subprocess, sys\n"
            f"r = subprocess.run(sys.argv[1:], capture_output=True, text=True, "
            f"timeout={timeout}, stdin=subprocess.DEVNULL)\n"
            "print(json.dumps([r.returncode, r.stdout, r.stderr, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    p = subprocess.run([sys.executable, "-c", code, *BILATERAL, *args], capture_output=True,
                       text=True, timeout=timeout + 30)
    assert p.returncode == 0, p.stderr
    returncode, stdout, stderr, kb = json.loads(p.stdout)
    return subprocess.CompletedProcess(args, returncode, stdout, stderr), kb // 1024


# ------------------------------------------------------------ 1. nothing rewrites the screen

def _hostile_pair(tmp_path: Path) -> tuple[Path, Path]:
    old = _record()
    new = json.loads(json.dumps(old))
    new["claims"]["record_2023"]["verdict"] = HOSTILE_VERDICT
    new["claims"]["record_2023"]["statement"] = "A | B\u202eevil\x9b31m"
    new["figures"]["trade_2023"]["label"] = "trade\x1b]0;owned\x07 | 2023"
    new["figures"]["trade_2023"]["value"] = 250.3
    new["parameters"]["milestone\x1b[31m"] = "red\x1b[0m"
    new["note\x08\x08\x08"] = "\u2028line\udc80"
    return _write(tmp_path / "old.json", old), _write(tmp_path / "new.json", new)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_prints_nothing_a_terminal_acts_on(tmp_path, fmt):
    old, new = _hostile_pair(tmp_path)
    r = run_cli("diff", str(old), str(new), "--format", fmt)
    assert r.returncode == 1 and r.stderr == "", r.stderr
    assert not UNSAFE.findall(r.stdout), UNSAFE.findall(r.stdout)
    verdict = next((line for line in r.stdout.splitlines() if "record_2023" in line
                    and "verdict" in line), None)
    if fmt == "text":
        # ESC [ 2 K is removed and the carriage return made a space: both words show.
        assert re.search(r"\(record_2023\)\s+holds\s+holds contradicted$", verdict), verdict
        assert "trade 2023 | 2023 (trade_2023)" not in r.stdout  # OSC string removed ...
        assert "trade | 2023 (trade_2023)" in r.stdout  # ... the rest of the label kept
    elif fmt == "markdown":
        # Six cell borders; the statement's own "|" escaped.
        assert verdict == ("| trade | verdict | A \\| Bevil `record_2023` | holds | "
                           "holds contradicted |")
        assert all(len(re.findall(r"(?<!\\)\|", row)) == 6
                   for row in r.stdout.splitlines()[2:])
    else:
        # Valid JSON that gives back the record's own text, escapes and all.
        found = {(c["section"], c["key"]): c for c in json.loads(r.stdout)}
        assert found[("verdict", "record_2023")]["new"] == HOSTILE_VERDICT
        assert found[("record", "note\x08\x08\x08")]["new"] == "\u2028line\udc80"
        assert "\\u009b" in r.stdout and "\\u202e" in r.stdout and "\\udc80" in r.stdout


def test_verify_prints_nothing_a_terminal_acts_on(tmp_path):
    rec = _record()
    rec["claims"]["record_2023"]["verdict"] = HOSTILE_VERDICT
    rec["title"] = "Trade\x1b]0;owned\x07\x1b[2K"
    pdf = _pdf(tmp_path / "trade.pdf", _evidence(rec))
    r = run_cli("verify", str(pdf), "--record-only")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert not UNSAFE.findall(r.stdout + r.stderr)
    rows = [line for line in r.stdout.splitlines() if "(record_2023)" in line]
    # The embedded (old) verdict as the terminal shows it, then the recomputed one.
    assert len(rows) == 1 and re.search(r"holds contradicted\s+holds$", rows[0]), rows
    assert r.stderr.splitlines()[-1].startswith(f"bilateral: {pdf}: does not verify: ")


# -------------------------------------------------------- 2. a malformed record is bad input

def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


MALFORMED = {
    "not JSON": b"{\"schema\": ",
    "not UTF-8": b"{\"schema\": \"bilateral-results/1\", \"title\": \"\xff\"}",
    "a list": b"[\"bilateral-results/1\"]",
    "another schema": b"{\"schema\": \"bilateral-results/2\"}",
    "figures entry a list": ("figures", "trade_2023", [1, 2]),
    "a figure's value as text": ("figures", "trade_2023", "value", "240.1"),
    "a figure's decimals huge": ("figures", "trade_2023", "decimals", 10 ** 9),
    "a figure's label a number": ("figures", "trade_2023", "label", 7),
    "figures a list": ("figures", []),
    "a value's bound as text": ("values", "quarter_implied_base", "lo", "53"),
    "a value's unit a list": ("values", "quarter_implied_base", "unit", ["usd_bn"]),
    "a claim without verdict": ("claims", "record_2023", None),
    "a verdict a list": ("claims", "record_2023", "verdict", ["holds"]),
    "a version a number": ("versions", "bilateral", 1),
    "the data's date not a date": ("data", "as_of", "yesterday"),
    "the data's files a text": ("data", "files", "figures.csv"),
    "the report a number": ("report", 3),
    "the scenario an object": ("scenario", {"a": 1}),
    "NaN": b"{\"schema\": \"bilateral-results/1\", \"figures\": {\"x\": {\"value\": NaN}}}",
    "a number beyond a float": b"{\"schema\": \"bilateral-results/1\", \"values\": "
                               b"{\"x\": {\"value\": 1e400}}}",
    "an integer of 5000 digits": b"{\"schema\": \"bilateral-results/1\", \"n\": "
                                 + b"9" * 5000 + b"}",
    "nested 100 deep": ("{\"schema\": \"bilateral-results/1\", \"extra\": "
                        + _nested(100) + "}").encode(),
    "nested 100000 deep": ("{\"schema\": \"bilateral-results/1\", \"extra\": "
                           + _nested(100_000) + "}").encode(),
}


def _set(rec: dict, path: tuple, value) -> dict:
    node = rec
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return rec


def _bad_bytes(case) -> bytes:
    if isinstance(case, bytes):
        return case
    *path, value = case
    if path == ["claims", "record_2023"] and value is None:
        path, value = [*path, "verdict"], None
    return results.dumps(_set(_record(), tuple(path), value))


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_diff_refuses_a_malformed_record(tmp_path, case):
    good = _write(tmp_path / "good.json", _record())
    bad = _write(tmp_path / "bad.json", _bad_bytes(MALFORMED[case]))
    for args in ((good, bad), (bad, good)):
        _refused(run_cli("diff", *map(str, args)), str(bad))
    # In a folder, the same record is refused, named by its path.
    (tmp_path / "out").mkdir()
    _write(tmp_path / "out" / "trade.results.json", _bad_bytes(MALFORMED[case]))
    _refused(run_cli("diff", str(tmp_path / "out"), str(good)),
             str(tmp_path / "out" / "trade.results.json"))


def test_the_message_names_the_field(tmp_path):
    good = _write(tmp_path / "good.json", _record())
    bad = _write(tmp_path / "bad.json", _bad_bytes(MALFORMED["figures entry a list"]))
    line = _refused(run_cli("diff", str(good), str(bad)))
    assert line == (f"bilateral: {bad}: not a results record: figures.trade_2023 is a list, "
                    "not an object")


@pytest.mark.parametrize("case", ["not JSON", "not UTF-8", "a list", "another schema",
                                  "figures entry a list", "a figure's value as text",
                                  "a verdict a list", "NaN", "nested 100 deep"])
def test_verify_refuses_a_malformed_embedded_record(tmp_path, case):
    pdf = _pdf(tmp_path / "trade.pdf", _evidence(_bad_bytes(MALFORMED[case])))
    _refused(run_cli("verify", str(pdf), "--record-only"), str(pdf), "results.json")
    _refused(run_cli("diff", str(pdf), str(pdf)), str(pdf), "results.json")


@pytest.mark.parametrize(("name", "data", "said"), [
    (evidence.PARAMETERS, b"{\"milestone_busd\": ", "not JSON"),
    (evidence.PARAMETERS, b"\xff\xfe", "not JSON"),
    (evidence.PARAMETERS, b"[300]", "not a JSON object"),
    (evidence.RENDERING, b"{\"name\": \"trade\", \"settings\": {\"paper\": 4}}",
     "mistyped settings: paper"),
    (evidence.NOTEBOOK, b"{\"cells\": 5, \"nbformat\": 4, \"nbformat_minor\": 5}",
     "not a notebook"),
    (evidence.NOTEBOOK, b"{\"cells\": [{\"cell_type\": \"code\", \"source\": 5}], "
                        b"\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}}",
     "not a notebook"),
    ("data__figures.csv", b"id,label\n\xff\n", "data__figures.csv"),
    ("data__..__x.csv", b"x", "unsafe name"),
    ("data__", b"x", "unsafe name"),
    ("data__sources.csv__x", b"x", "also a folder"),
])
def test_verify_refuses_a_malformed_attachment(tmp_path, name, data, said):
    pdf = _pdf(tmp_path / "trade.pdf", _evidence(_record(), **{name: data}))
    _refused(run_cli("verify", str(pdf), "--record-only"), str(pdf), said)


# --------------------------------- a property: any record gives 0, 1 or 2, never a crash

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (st.lists(inner, max_size=4)
                   | st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=10)
FIELDS = ["value", "lo", "hi", "unit", "label", "decimals", "period", "source_id", "vintage",
          "statement", "verdict", "check", "figures", "fingerprint", "as_of", "files"]
ENTRY = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=3),
                        JSON | st.integers(-200, 200) | st.sampled_from(
                            ["2024-05-16", "usd_bn", "holds", HOSTILE_VERDICT]), max_size=6)
PART = st.dictionaries(st.text(max_size=8), ENTRY | JSON, max_size=3) | ENTRY | JSON
ANY_RECORD = st.fixed_dictionaries(
    {"schema": st.just(results.SCHEMA)},
    optional={**{k: PART for k in results.TOP}, "extra": JSON})

REAL = _record()


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            if len(prefix) < 2:
                yield from _paths(v, (*prefix, k))


PATHS = sorted(_paths(REAL))


@st.composite
def _altered(draw):
    rec = json.loads(json.dumps(REAL))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        try:
            _set(rec, path, draw(st.none() | JSON | PART))
        except (KeyError, TypeError):  # an earlier change removed or replaced the parent
            pass
    return rec


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(old=ANY_RECORD | _altered(), new=ANY_RECORD | _altered(),
       fmt=st.sampled_from(["text", "markdown", "json"]))
def test_any_record_gives_0_1_or_2_and_never_a_traceback(old, new, fmt):
    from bilateral.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.json", Path(tmp) / "b.json"
        a.write_text(json.dumps(old))  # NaN and Infinity written as such: refused
        b.write_text(json.dumps(new))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["diff", str(a), str(b), "--format", fmt])
    out, err = out.getvalue(), err.getvalue()
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err and not UNSAFE.findall(out)
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("bilateral: "), err
        assert str(a) in lines[0] or str(b) in lines[0], err
        return
    assert err == "", err  # an unexpected error would say so here, with exit 1
    empty = {"text": "no differences\n", "markdown": "No differences.\n", "json": "[]\n"}
    assert (out == empty[fmt]) == (code == 0), (code, out)
    if fmt == "json":
        assert isinstance(json.loads(out), list)


# --------------------------------------- 3 and 5. no read of what is not a bounded file

@pytest.fixture
def traps(tmp_path) -> dict[str, Path]:
    """A FIFO (opening it for reading blocks until a writer comes), a link to
    /dev/zero (never ends), and a sparse file of 3 GiB."""
    made = {"fifo": tmp_path / "fifo.results.json", "zero": tmp_path / "zero.results.json",
            "sparse": tmp_path / "sparse.results.json"}
    os.mkfifo(made["fifo"])
    made["zero"].symlink_to("/dev/zero")
    with open(made["sparse"], "wb") as f:
        f.truncate(3 << 30)
    return made


@pytest.mark.parametrize("trap", ["fifo", "zero", "sparse"])
def test_diff_refuses_a_trap_under_a_folder(tmp_path, traps, trap):
    folder = tmp_path / "out"
    folder.mkdir()
    _write(folder / "trade.results.json", _record())
    os.rename(traps[trap], folder / "tourism.results.json")
    r, mb = _peak(["diff", str(folder), str(folder)], timeout=60)
    line = _refused(r, str(folder / "tourism.results.json"))
    assert line.endswith({"fifo": "is a named pipe (FIFO), not a regular file",
                          "zero": "is a device, not a regular file",
                          "sparse": "is larger than 16 MiB (3072 MiB)"}[trap])
    assert mb < 300, mb


@pytest.mark.parametrize("trap", ["fifo", "zero", "/dev/zero", "sparse"])
def test_diff_and_verify_refuse_a_trap_on_the_command_line(tmp_path, traps, trap):
    good = _write(tmp_path / "good.json", _record())
    path = traps[trap] if trap in traps else Path(trap)
    r, mb = _peak(["diff", str(good), str(path)], timeout=60)
    _refused(r, str(path))
    assert mb < 300, mb
    # The same file as a PDF: verify and diff read no byte of it.
    pdf = tmp_path / f"{trap.strip('/').replace('/', '_')}.pdf"
    if trap in traps:
        os.rename(path, pdf)
    else:
        pdf.symlink_to(trap)
    for args in (["verify", str(pdf)], ["diff", str(pdf), str(good)]):
        r, mb = _peak(args, timeout=60)
        _refused(r, str(pdf))
        assert mb < 300, mb


def test_the_index_lists_the_good_records_and_names_the_others(tmp_path, traps):
    out = tmp_path / "out"
    (out / "slowdown").mkdir(parents=True)
    _write(out / "trade.results.json", _record())
    _write(out / "slowdown" / "trade.results.json", _record())
    _write(out / "bad.results.json", _bad_bytes(MALFORMED["figures entry a list"]))
    for name, path in traps.items():
        os.rename(path, out / f"{name}.results.json")
    code = ("import json, sys\nfrom pathlib import Path\nfrom bilateral.review import index\n"
            "problems = []\npage = index.page(Path(sys.argv[1]), problems=problems)\n"
            "print(json.dumps([page, problems]))")
    p = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    page, problems = json.loads(p.stdout)
    # Both good records are listed; the four others are not, and each is named once.
    assert page.count("<tr><td><strong>") == 2
    assert '<code>trade</code>' in page and '<code>slowdown/trade</code>' in page
    assert sorted(x.split(": ")[0] for x in problems) == sorted(
        str(out / f"{n}.results.json") for n in ("bad", "fifo", "sparse", "zero"))
    assert "4 records in this folder could not be read and are not listed" in page
    assert str(tmp_path) not in page  # named relative to the folder, as the page is


def test_the_index_links_no_key_as_a_scheme(tmp_path):
    from bilateral.review import index

    out = tmp_path / "out"
    out.mkdir()
    _write(out / "javascript:alert(1).results.json", _record())
    (out / "javascript:alert(1).html").write_text("<!doctype html>")
    page = index.page(out)
    # A relative link, whose colon cannot start a scheme.
    assert '<a href="javascript%3Aalert%281%29.html">HTML</a>' in page
    assert 'href="javascript:' not in page


# ------------------------------------------------------- 4. attachments inflate bounded

@functools.cache
def _bomb(size: int) -> bytes:
    """``size`` zero bytes deflated: about a thousandth of that."""
    z = zlib.compressobj(9)
    out, left = [], size
    while left:
        n = min(left, 64 << 20)
        out.append(z.compress(bytes(n)))
        left -= n
    return b"".join(out) + z.flush()


@pytest.mark.parametrize("name", [evidence.RESULTS, "data__figures.csv"])
def test_verify_refuses_a_deflate_bomb_within_bounded_memory(tmp_path, name):
    bomb = _bomb(1 << 30)  # 1 GiB of zeros in about 1 MB
    assert len(bomb) < 2 << 20
    files = _evidence(_record())
    del files[name]
    pdf = _pdf(tmp_path / "bomb.pdf", files, {name: (bomb, pikepdf.Name.FlateDecode)})
    r, mb = _peak(["verify", str(pdf)], timeout=120)
    _refused(r, str(pdf), repr(name), "larger than 64 MiB inflated")
    assert mb < 600, f"verify took {mb} MB"
    r, mb = _peak(["diff", str(pdf), str(pdf)], timeout=120)
    _refused(r, str(pdf), repr(name))
    assert mb < 600, f"diff took {mb} MB"


def test_verify_bounds_the_attachments_together(tmp_path):
    # Five attachments of 60 MiB each: each under its bound, together over 256 MiB.
    files = _evidence(_record())
    raw = {f"data__extra{i}.csv": (_bomb(60 << 20), pikepdf.Name.FlateDecode)
           for i in range(5)}
    pdf = _pdf(tmp_path / "many.pdf", files, raw)
    r, mb = _peak(["verify", str(pdf)], timeout=120)
    _refused(r, str(pdf), "inflate to more than 256 MiB together")
    assert mb < 600, mb


def test_verify_refuses_too_many_attachments_and_unknown_filters(tmp_path):
    files = _evidence(_record())
    files.update({f"data__x{i}.csv": b"" for i in range(evidence.MAX_ATTACHMENTS)})
    pdf = _pdf(tmp_path / "many.pdf", files)
    _refused(run_cli("verify", str(pdf)), str(pdf), f"more than {evidence.MAX_ATTACHMENTS} "
             "attachments")
    files = _evidence(_record())
    del files[evidence.PARAMETERS]
    # Run-length encoding repeats a byte 128 times per two bytes: refused, not decoded.
    pdf = _pdf(tmp_path / "rle.pdf", files, {
        evidence.PARAMETERS: (b"\x81{\x80", pikepdf.Name.RunLengthDecode)})
    _refused(run_cli("verify", str(pdf)), str(pdf), "'parameters.json'", "RunLengthDecode")


# ----------------------------------------------------------------- approve's key files

@pytest.mark.parametrize("trap", ["fifo", "zero", "sparse"])
def test_approve_reads_no_key_that_is_not_a_bounded_file(tmp_path, traps, trap):
    cert = tmp_path / "cert.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    code = ("import sys\nfrom pathlib import Path\nfrom bilateral.review import approve\n"
            "try:\n    approve.sign(b'%PDF-1.7', Path(sys.argv[1]), Path(sys.argv[2]), "
            "reason='r')\nexcept approve.ApprovalError as exc:\n    print(exc)")
    p = subprocess.run([sys.executable, "-c", code, str(traps[trap]), str(cert)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert p.stdout == f"{traps[trap]}: the key file " + {
        "fifo": "is a named pipe (FIFO), not a regular file",
        "zero": "is a device, not a regular file",
        "sparse": "is larger than 1 MiB (3072 MiB)"}[trap] + "\n"


# --------------------------------------------------- the build's index, with a bad record

@pytest.mark.slow
def test_a_malformed_record_in_the_output_folder_leaves_the_index_written(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    _write(out / "old.results.json", _bad_bytes(MALFORMED["a verdict a list"]))
    r = run_cli("build", "trade", "--formats", "html", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<code>trade</code>' in page and 'href="trade.html"' in page
    assert ("1 record in this folder could not be read and is not listed: old.results.json: "
            "not a results record: claims.record_2023.verdict is a list, not text") in page


def test_a_terminal_that_cannot_show_a_character_loses_no_line(tmp_path):
    """A record's text with a dash and a minus sign, on an ASCII-only stdout: each line
    is written with the character escaped, and the exit code is the diff's."""
    import os
    import subprocess

    from tests.support import BILATERAL, ROOT

    a, b = tmp_path / "a.results.json", tmp_path / "b.results.json"
    rec = {"schema": "bilateral-results/1", "report": "trade", "scenario": None,
           "parameters": {}, "versions": {},
           "claims": {"c": {"statement": "Trade — up", "verdict": "holds", "check": "",
                            "figures": []}}}
    a.write_text(json.dumps(rec), encoding="utf-8")
    rec["claims"]["c"]["verdict"] = "contradicted"
    b.write_text(json.dumps(rec), encoding="utf-8")
    r = subprocess.run([*BILATERAL, "diff", str(a), str(b)], capture_output=True, cwd=ROOT,
                       env={**os.environ, "PYTHONIOENCODING": "ascii"}, timeout=120)
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode("ascii")
    assert out.splitlines()[0] == "1 verdict changed"
    assert "Trade \\u2014 up" in out and r.stderr == b""
