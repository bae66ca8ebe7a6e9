"""``bilateral verify``: recompute a report from the evidence its PDF carries, and compare.

The embedded data files are written to a temporary folder and loaded through the same
validated door as any build: the loader of the analysis the record names (its
``checks``, see :mod:`bilateral.core.analyses`). That analysis then recomputes every
value, claim and verdict with the embedded parameters, in-process, and the result is
compared with the embedded ``results.json``.
The embedded notebook is not executed: a PDF is not a reason to run the code it
carries, and the record is computed by the same functions the notebook calls.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bilateral.core import analyses
from bilateral.core.errors import DataError
from bilateral.review import diff, evidence, results


def _records(pdf: Path) -> tuple[dict, dict | str]:
    files = evidence.read(pdf)
    try:
        embedded = results.loads(files[evidence.RESULTS], f"{pdf}: embedded results.json")
    except ValueError as exc:
        raise evidence.NoEvidenceError(str(exc)) from None
    checks = embedded.get("checks")
    analysis = analyses.for_checks(checks) if isinstance(checks, str) else None
    if analysis is None:
        raise evidence.NoEvidenceError(f"{pdf}: its results record names no analyses this "
                                       "version of bilateral can recompute")
    try:
        params = json.loads(files.get(evidence.PARAMETERS, b"{}").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return embedded, "the embedded parameters.json is not JSON"
    with tempfile.TemporaryDirectory(prefix="bilateral-verify-") as tmp:
        folder = Path(tmp) / "data"
        for name, data in files.items():
            if not name.startswith(evidence.DATA_PREFIX):
                continue
            rel = Path(evidence.data_path(name))
            if rel.is_absolute() or ".." in rel.parts:
                return embedded, f"an embedded data file has an unsafe name: {name!r}"
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        try:
            ds = analysis.load(folder)
            fresh = analysis.record(checks, ds, params, report=embedded.get("report", "?"),
                                   scenario=embedded.get("scenario"),
                                   title=embedded.get("title"))
        except DataError as exc:
            return embedded, f"the embedded data no longer loads: {exc.why}"
        except (KeyError, TypeError, ValueError) as exc:
            return embedded, f"the embedded evidence cannot be recomputed: {exc}"
    return embedded, fresh


def verify(pdf: Path) -> tuple[list[diff.Change], list[str]]:
    """The differences between the embedded record and a fresh one, and notes that
    explain them (another version of the code). Raises NoEvidenceError (exit 2)."""
    embedded, fresh = _records(pdf)
    if isinstance(fresh, str):
        return [diff.Change(embedded.get("report", "?"), "evidence", "", None, fresh)], []
    found = [c for c in diff.changes(embedded, fresh) if c.section != "version"]
    versions = [c for c in diff.changes(embedded, fresh) if c.section == "version"]
    code = [c for c in versions if c.key.startswith("bilateral code")]
    # The code that checks is not the code that built: said whether or not it matters.
    notes = [f"the installed code differs from the code that built this report "
             f"({_built_by(embedded)}; installed: bilateral code {c.new})" for c in code]
    if found:
        notes += [f"built with {c.key} {c.old}, verified with {c.new}" for c in versions
                  if c not in code]
    return found, notes


def _built_by(rec: dict) -> str:
    v = rec.get("versions", {})
    commit = v.get("bilateral commit")
    return (f"built by bilateral code {v.get('bilateral code', 'not recorded')}"
            + (f", commit {commit[:12]}" if commit else ""))


def summary(record: dict) -> str:
    """What was checked: ``52 values, 5 verdicts and 46 figures``."""
    return (f"{len(record.get('values', {}))} values, {len(record.get('claims', {}))} "
            f"verdicts and {len(record.get('figures', {}))} figures")
