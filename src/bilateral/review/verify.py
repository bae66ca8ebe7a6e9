"""``bilateral verify``: does a report's PDF show what the evidence inside it says?

Four checks, each against something the file carries (:mod:`bilateral.review.evidence`):

1. **The record.** The embedded data files are written to a temporary folder and loaded
   through the same validated door as any build (the loader of the analysis the record
   names, see :mod:`bilateral.core.analyses`); that analysis recomputes every value,
   claim and verdict with the embedded parameters, in-process, and every field of the
   embedded ``results.json`` is compared with the fresh one.
2. **The pages.** The embedded *executed* notebook is rendered again with the embedded
   settings by the installed exporter, and the file is compared with that rendering:
   byte for byte, else page by page in text and pixels (:mod:`bilateral.review.pages`).
   The notebook is never executed: a PDF is not a reason to run the code it carries.
3. **The link between them.** Every claim the record holds is on the pages with its check
   and verdict, and the pages show no other (the analysis's ``claims_shown``); the file's
   title is the record's, and the rendering settings name the record's report.
4. **Approvals.** Every signature is reported, with whether the file changed after it
   (:mod:`bilateral.review.approve`).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bilateral.core import analyses
from bilateral.core.errors import DataError
from bilateral.review import diff, evidence, pages, results


@dataclass
class Verification:
    """What ``verify`` found for one file."""

    record: dict
    """The embedded results record."""
    changes: list[diff.Change] = field(default_factory=list)
    """Where the embedded record differs from the recomputed one."""
    notes: list[str] = field(default_factory=list)
    """What the reader should know and is not a failure: another version of the code."""
    pages: pages.PageCheck | None = None
    problems: list[str] = field(default_factory=list)
    """Everything else that is wrong: pages, identity, approvals; one line each."""
    approvals: list = field(default_factory=list)
    """The file's signatures (:class:`bilateral.review.approve.Signature`)."""
    data: bytes = b""
    """The bytes of the file that were verified: what ``approve`` signs."""

    @property
    def failures(self) -> int:
        """How many things do not match: changes, problems and broken approvals."""
        return (len(self.changes) + len(self.problems)
                + sum(1 for s in self.approvals if s.problem))

    @property
    def ok(self) -> bool:
        return not self.failures


MAX_NAME = 1024
"""The longest path an embedded data file's name may stand for."""


def _data_path(name: str, pdf: Path) -> Path:
    """The path in the data folder the attachment ``name`` stands for; EvidenceError when
    it is not a plain relative path."""
    rel = evidence.data_path(name)
    parts = rel.split("/")
    if (not rel or len(rel.encode("utf-8", "surrogatepass")) > MAX_NAME
            or any(p in ("", ".", "..") or "\0" in p or "\\" in p or len(p) > 255
                   for p in parts)):
        raise evidence.EvidenceError(f"{pdf}: an embedded data file has an unsafe name: "
                                     f"{name!r}")
    return Path(*parts)


def _json_object(files: dict[str, bytes], name: str, pdf: Path) -> dict | None:
    """The embedded JSON object ``name``, None when the PDF carries no such file;
    EvidenceError when it is not UTF-8 JSON holding an object."""
    if name not in files:
        return None
    try:
        value = json.loads(files[name].decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise evidence.EvidenceError(f"{pdf}: embedded {name}: not JSON ({why})") from None
    if not isinstance(value, dict):
        raise evidence.EvidenceError(f"{pdf}: embedded {name}: not a JSON object")
    return value


def _notebook(files: dict[str, bytes], pdf: Path):
    """The embedded executed notebook, None when the PDF carries none; EvidenceError when
    it is too large, or not a notebook nbformat reads and finds valid."""
    import nbformat

    if evidence.NOTEBOOK not in files:
        return None
    where = f"{pdf}: embedded {evidence.NOTEBOOK}"
    if len(files[evidence.NOTEBOOK]) > pages.MAX_NOTEBOOK:
        raise evidence.EvidenceError(f"{where}: larger than {pages.MAX_NOTEBOOK:,} bytes")
    invalid: dict = {}
    try:
        nb = nbformat.reads(files[evidence.NOTEBOOK].decode("utf-8"), as_version=4,
                            capture_validation_error=invalid)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError,
            nbformat.ValidationError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise evidence.EvidenceError(f"{where}: not a notebook ({why})") from None
    if invalid:
        why = str(invalid.get("ValidationError", "")).splitlines()
        raise evidence.EvidenceError(f"{where}: not a valid notebook"
                                     + (f" ({why[0]})" if why and why[0] else ""))
    return nb


def _check_evidence(files: dict[str, bytes], pdf: Path) -> tuple[dict, object]:
    """The embedded record and notebook, once every attachment verify reads is found well
    formed: the record (``results.parse``), ``parameters.json`` and ``rendering.json``
    (JSON objects; the rendering settings those the exporter takes), the notebook, and
    the data files' names. Raises EvidenceError (exit 2) naming the file and the
    attachment."""
    try:
        record = results.parse(files[evidence.RESULTS], f"{pdf}: embedded {evidence.RESULTS}")
    except ValueError as exc:
        raise evidence.EvidenceError(str(exc)) from None
    _json_object(files, evidence.PARAMETERS, pdf)
    rendering = _json_object(files, evidence.RENDERING, pdf)
    if rendering is not None:
        name, settings = rendering.get("name"), rendering.get("settings")
        bad = ([k for k, v in settings.items() if k not in pages.SETTINGS
                or not isinstance(v, pages.SETTINGS[k])]
               if isinstance(settings, dict) else ["settings"])
        if bad or not isinstance(name, str):
            raise evidence.EvidenceError(
                f"{pdf}: embedded {evidence.RENDERING}: unknown or mistyped settings: "
                f"{', '.join(bad) or 'name'}")
    folders, names = set(), set()
    for name in files:
        if name.startswith(evidence.DATA_PREFIX):
            rel = _data_path(name, pdf)
            names.add(rel)
            folders.update(rel.parents)
    if names & folders:
        raise evidence.EvidenceError(f"{pdf}: an embedded data file's name is also a "
                                     f"folder of another: {sorted(names & folders)[0]}")
    return record, _notebook(files, pdf)


RECOMPUTE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError,
                    ArithmeticError, RecursionError)
"""What recomputing a record from embedded parameters of the wrong kind can raise."""


def _fresh_record(files: dict[str, bytes], embedded: dict, pdf: Path) -> dict | str:
    """The record recomputed from the embedded data and parameters, or why it cannot be.
    Raises EvidenceError when the embedded data does not load."""
    checks = embedded.get("checks")
    analysis = analyses.for_checks(checks) if isinstance(checks, str) else None
    if analysis is None:
        raise evidence.NoEvidenceError(f"{pdf}: its results record names no analyses this "
                                       "version of bilateral can recompute")
    params = _json_object(files, evidence.PARAMETERS, pdf) or {}
    with tempfile.TemporaryDirectory(prefix="bilateral-verify-") as tmp:
        folder = Path(tmp) / "data"
        for name, data in files.items():
            if not name.startswith(evidence.DATA_PREFIX):
                continue
            rel = _data_path(name, pdf)
            try:
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_bytes(data)
            except (OSError, ValueError) as exc:
                raise evidence.EvidenceError(
                    f"{pdf}: embedded {name}: cannot be written to a temporary folder "
                    f"({getattr(exc, 'strerror', None) or exc})") from None
        try:
            ds = analysis.load(folder)
        except DataError as exc:
            where = _attachment(exc.file, folder)
            if exc.row is not None:
                where += f", row {exc.row}"
            if exc.column is not None:
                where += f", column {exc.column!r}"
            raise evidence.EvidenceError(f"{pdf}: embedded {where}: {exc.why}") from None
        try:
            # The title too is the data's, where the analysis makes one.
            title_of = getattr(analysis, "title", None)
            title = (title_of(checks, ds) if title_of else None) or embedded.get("title")
            return analysis.record(checks, ds, params, report=embedded.get("report", "?"),
                                   scenario=embedded.get("scenario"), title=title)
        except DataError as exc:
            return f"the embedded data cannot be used: {exc.why}"
        except RECOMPUTE_ERRORS as exc:
            return f"the embedded evidence cannot be recomputed: {type(exc).__name__}: {exc}"


def _attachment(file: str, folder: Path) -> str:
    """The attachment a data file written to ``folder`` came from (``data__figures.csv``),
    or the folder's data as a whole."""
    path = Path(file)
    try:
        rel = (path.resolve().relative_to(folder.resolve()).as_posix() if path.is_absolute()
               else path.as_posix())
    except (ValueError, OSError):
        return "data"
    return evidence.data_name(rel) if rel not in (".", "") else "data"


def _check_record(v: Verification, files: dict[str, bytes], pdf: Path) -> None:
    embedded = v.record
    fresh = _fresh_record(files, embedded, pdf)
    if isinstance(fresh, str):
        v.changes.append(diff.Change(embedded.get("report", "?"), "evidence", "", None, fresh))
        return
    found = diff.changes(embedded, fresh)
    v.changes += [c for c in found if c.section != "version"]
    code = [c for c in found if c.section == "version" and c.key == "bilateral code"]
    # The code that checks is not the code that built: said whether or not it matters.
    v.notes += [f"the installed code differs from the code that built this report "
                f"({_built_by(embedded)}; installed: bilateral code {c.new})" for c in code]
    if v.changes:
        v.notes += [f"built with {c.key} {c.old}, verified with {c.new}" for c in found
                    if c.section == "version" and c not in code]


def _check_identity(v: Verification, files: dict[str, bytes], data: bytes) -> None:
    """The evidence is this document's: the file's title is the record's, and the
    rendering settings name the record's report."""
    import io

    import pikepdf

    rec = v.record
    try:
        with pikepdf.open(io.BytesIO(data)) as doc:
            title = str(doc.docinfo.get("/Title", "")) or None
    except (pikepdf.PdfError, ValueError, TypeError, AttributeError):
        title = None  # no readable title: not the record's
    if rec.get("title") and title != rec["title"]:
        v.problems.append(f"the evidence belongs to another document: its record is titled "
                          f"{rec['title']!r}, this file {title!r}")
    try:
        named = json.loads(files[evidence.RENDERING].decode("utf-8")).get("name")
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return  # said by the page check
    if named != rec.get("report"):
        v.problems.append(f"the evidence is mixed: its record is report {rec.get('report')!r}, "
                          f"its rendering settings name {named!r}")


def _check_pages(v: Verification, files: dict[str, bytes], data: bytes) -> None:
    try:
        fresh = pages.rerender(files, v.record)
        check = pages.compare(data, fresh)
    except pages.UnusableEvidenceError as exc:
        v.problems.append(f"the pages were not checked: {exc}")
        return
    v.pages = check
    v.problems += check.problems
    if not check.identical and not check.first_revision:
        changed = pages.renderer_changes(v.record.get("versions", {}))
        if changed:
            v.notes.append("the installed renderer differs from the build's ("
                           + ", ".join(changed) + "): pages were compared in text and "
                           "pixels, not bytes")
        elif check.ok:
            # The same renderer gives the same bytes: what differs is outside the pages.
            v.problems.append("its bytes are not what the same renderer makes of its "
                              "evidence, though every page matches in text and pixels: "
                              "something outside the pages was changed (metadata, "
                              "attachments, actions or tags)")


def _check_shown(v: Verification, nb) -> None:
    """The claims on the pages are the record's, with the same checks and verdicts."""
    analysis = analyses.for_checks(v.record.get("checks"))
    shown_by = getattr(analysis, "claims_shown", None)
    if shown_by is None or nb is None:
        return  # no notebook: said by the page check
    shown = list(shown_by(nb))
    for key, c in sorted(v.record.get("claims", {}).items()):
        row = tuple(" ".join(str(c.get(k, "")).split()) for k in ("statement", "check",
                                                                   "verdict"))
        if row in shown:
            shown.remove(row)
            continue
        same = [s for s in shown if s[0] == row[0]]
        if same and same[0][2] != row[2]:
            v.problems.append(f"the pages show claim {key} as {same[0][2]!r}; the record has "
                              f"{row[2]!r}")
            shown.remove(same[0])
        elif same:
            v.problems.append(f"the pages show another check for claim {key} than the "
                              "record's")
            shown.remove(same[0])
        else:
            v.problems.append(f"claim {key} of the record is not on the pages")
    v.problems += [f"the pages show a claim the record does not hold: {s[0]!r}"
                   for s in shown]


def _check_approvals(v: Verification, data: bytes) -> None:
    from bilateral.review import approve

    v.approvals = approve.signatures(data)
    # The rendering followed by later revisions: those revisions are an approval's only
    # when a signature covers the whole file as it is; anything else appended (a script,
    # an annotation, another attachment) was added after the build and vouched by no one.
    if v.pages is not None and v.pages.first_revision and not any(
            s.covers_whole_file and s.intact for s in v.approvals):
        v.problems.append("revisions were added after the rendering and no approval's "
                          "signature covers them")


def verify(pdf: Path, *, check_pages: bool = True) -> Verification:
    """Every check of the module's docstring on ``pdf``. Raises NoEvidenceError (exit 2)
    when it is not a PDF or carries no evidence, EvidenceError (exit 2) when the file or
    its evidence cannot be read within bounds or is malformed (see
    :func:`_check_evidence`)."""
    data = evidence.read_pdf(pdf)
    files = evidence.read(pdf, data)
    embedded, nb = _check_evidence(files, pdf)
    v = Verification(embedded, data=data)
    _check_record(v, files, pdf)
    _check_identity(v, files, data)
    _check_shown(v, nb)
    if check_pages:
        _check_pages(v, files, data)
    _check_approvals(v, data)
    return v


def _built_by(rec: dict) -> str:
    v = rec.get("versions", {})
    commit = v.get("bilateral commit")
    return (f"built by bilateral code {v.get('bilateral code', 'not recorded')}"
            + (f", commit {commit[:12]}" if commit else ""))


def summary(record: dict) -> str:
    """What was checked: ``52 values, 5 verdicts and 46 figures``."""
    return (f"{len(record.get('values', {}))} values, {len(record.get('claims', {}))} "
            f"verdicts and {len(record.get('figures', {}))} figures")


def pages_line(check: pages.PageCheck) -> str:
    """What the page check proved, in one line."""
    n = f"{check.pages} page{'s' if check.pages != 1 else ''}"
    if check.identical:
        return f"its {n} are byte for byte what the embedded notebook renders to"
    if check.first_revision:
        return (f"its first revision is byte for byte what the embedded notebook renders "
                f"to, and its {n} as they are now match that rendering in text and pixels")
    return (f"its {n} match what the embedded notebook renders to in text and pixels "
            "(the file's bytes differ)")
