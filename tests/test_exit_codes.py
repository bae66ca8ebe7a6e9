"""One exit-code table for every command: 0 ok, 1 a failure or differences, 2 bad input,
130 interrupted (the fault suite holds 130 for builds). Each command says the table in its
--help, and keeps it: good input, differing input and bad input each give their code,
with one line on stderr for an error and never a traceback."""

from __future__ import annotations

import json

import pikepdf
import pytest

from bilateral.cli import EPILOG
from tests.support import run_cli, write_notebook

pytestmark = pytest.mark.slow

COMMANDS = ("build", "params", "diff", "verify", "approve")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_states_the_table(command):
    r = run_cli(command, "--help")
    assert r.returncode == 0
    assert " ".join(EPILOG.split()) in " ".join(r.stdout.split())


@pytest.mark.parametrize("command", COMMANDS)
def test_a_usage_error_is_2_and_one_line(command):
    r = run_cli(command, "--no-such-option")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith("bilateral: error: ")


def _one_line(r) -> bool:
    return len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr


def test_each_command_keeps_the_table(built_reports, tmp_path):
    pdf, record = built_reports / "trade.pdf", built_reports / "trade.results.json"
    changed = tmp_path / "changed.results.json"
    rec = json.loads(record.read_bytes())
    rec["parameters"]["milestone_busd"] = 999.0
    changed.write_text(json.dumps(rec), encoding="utf-8")
    tampered = tmp_path / "tampered.pdf"
    with pikepdf.open(pdf) as doc:
        del doc.pages[0]
        doc.save(tampered)
    not_pdf = tmp_path / "not.pdf"
    not_pdf.write_text("plain text", encoding="utf-8")
    failing = write_notebook(tmp_path / "nbs" / "fails.ipynb", "raise ValueError('no')")
    cases = [
        # (arguments, exit code, one error line expected)
        (("build", "tourism", "--formats", "html", "--out", str(tmp_path / "ok")), 0, False),
        (("build", str(failing), "--formats", "html", "--out", str(tmp_path / "f"), "-q"), 1,
         True),
        (("build", "--data", str(tmp_path / "no-data"), "--out", str(tmp_path / "x"), "-q"), 2,
         True),
        (("params",), 0, False),
        (("params", "no-such-notebook"), 2, True),
        (("diff", str(record), str(record)), 0, False),
        (("diff", str(record), str(changed)), 1, False),
        (("diff", str(record), str(tmp_path / "missing.json")), 2, True),
        (("verify", str(pdf)), 0, False),
        (("verify", str(tampered)), 1, None),
        (("verify", str(not_pdf)), 2, True),
        (("approve", str(tampered), "--key", str(not_pdf), "--cert", str(not_pdf),
          "--out", str(tmp_path / "a.pdf")), 1, True),
        (("approve", str(not_pdf), "--key", str(not_pdf), "--cert", str(not_pdf),
          "--out", str(tmp_path / "b.pdf")), 2, True),
    ]
    for args, code, one_line in cases:
        r = run_cli(*args)
        assert r.returncode == code, (args, r.stderr)
        assert "Traceback" not in r.stderr and "unexpected" not in r.stderr, args
        if one_line:
            assert _one_line(r), (args, r.stderr)
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()
