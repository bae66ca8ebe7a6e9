"""``OUT/index.html`` (and ``index.pdf``): one page that lists every report of a build.

One row per report and scenario: its title, parameters, the data's date and
fingerprint, its page count, its verdicts as coloured badges, and links to its HTML,
PDF and notebook. For a batch of scenarios, a table sets the scenarios' computed values
side by side where they differ. Everything comes from the reports' results records;
the page has no script and fetches nothing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bilateral.core.text import printable
from bilateral.review.diff import RESULTS_SUFFIX, records_of

_e = html.escape

INDEX_CSS = """
body { font-family: "DejaVu Sans", sans-serif; color: #1a1a1a; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; font-size: 14px; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3rem 0.4rem; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
th { border-bottom: 1.5px solid #1a1a1a; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.reports td:nth-child(1) { width: 22%; } table.reports td:nth-child(2) { width: 22%; }
table.reports td:nth-child(3) { width: 14%; }
.badge { display: inline-block; border-radius: 0.3rem; padding: 0 0.35rem; margin: 0.1rem 0;
         font-size: 0.78rem; white-space: nowrap; }
.v-holds { background: #d9efe4; color: #064d2f; }
.v-within { background: #e5f0d6; color: #2f4a0b; }
.v-not { background: #f7ecd0; color: #5c4100; }
.v-contradicted { background: #f6d9d2; color: #6e1a08; }
code { font-size: 0.8rem; }
@page { size: A4 landscape; margin: 1.5cm; }
"""


def _badge(verdict: str) -> str:
    cls = {"holds": "v-holds", "holds within rounding": "v-within",
           "contradicted": "v-contradicted"}.get(verdict, "v-not")
    return f'<span class="badge {cls}">{_e(verdict)}</span>'


def _pages(pdf: Path) -> int | None:
    """The page count of the PDF ``pdf``; None when it is missing, not a regular file,
    larger than a PDF the review tools read, or unreadable."""
    from bilateral.core.files import UnreadableError, read_regular
    from bilateral.review.evidence import MAX_PDF

    try:
        data = read_regular(pdf, MAX_PDF)
    except UnreadableError:
        return None
    try:
        import io

        import pikepdf

        with pikepdf.open(io.BytesIO(data)) as doc:
            return len(doc.pages)
    except Exception:  # an unreadable PDF is listed without a page count
        return None


def _href(key: str) -> str:
    """A report's key as a relative link: percent-encoded, so that no key (a file name
    from the output folder) becomes a scheme (``javascript:``) or leaves the attribute."""
    return _e(quote(key, safe="/"))


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.2f}".replace("-", "\u2212")
    return _e(str(v))


@dataclass(frozen=True)
class Pending:
    """A report a running build is about to publish: its results record, the formats it
    writes and the page count its PDF is expected to have."""

    record: dict
    formats: tuple[str, ...]
    pages: int | None


def page(out_dir: Path, titles: dict[str, str] | None = None,
         pending: dict[str, Pending] | None = None, fingerprint: str | None = None,
         problems: list[str] | None = None) -> str:
    """The index page of the build in ``out_dir``, as self-contained HTML: the reports
    found there, with ``pending`` ones as they will be once published. A report built
    from other data than this build's (``fingerprint``; a report this build left out,
    say) is marked as such.

    A record in ``out_dir`` that cannot be used (not a regular file, too large,
    malformed: see ``diff.records_of``) is left out of the page, which says how many
    were; one line naming each is appended to ``problems`` (when it is a list) for the
    caller to report as a warning. Raises InputError when there is no report to list."""
    from bilateral.core.errors import InputError

    titles, pending = titles or {}, pending or {}
    skipped: list[str] = []
    try:
        recs = records_of(out_dir, skipped)
    except InputError:
        if problems is not None:
            problems += skipped
        if not pending:
            raise
        recs = {}
    else:
        if problems is not None:
            problems += skipped
    recs.update({k: p.record for k, p in pending.items()})
    rows = []
    for key, rec in sorted(recs.items(), key=lambda kv: ("/" in kv[0], kv[0])):
        base = out_dir / key
        if key in pending:
            exts = [e for e in ("html", "pdf", "ipynb") if e in (*pending[key].formats, "ipynb")]
        else:
            exts = [e for e in ("html", "pdf", "ipynb")
                    if base.with_suffix(f".{e}").is_file() or Path(f"{base}.{e}").is_file()]
        links = " · ".join(f'<a href="{_href(key)}.{ext}">{ext.upper()}</a>' for ext in exts)
        params = "<br>".join(f"<code>{_e(k)}</code> = <code>{_e(repr(v))}</code>"
                             for k, v in rec.get("parameters", {}).items())
        data = rec.get("data", {})
        verdicts = "<br>".join(f"{_e(c['statement'])} {_badge(c['verdict'])}"
                               for c in rec.get("claims", {}).values())
        pages = pending[key].pages if key in pending else _pages(Path(f"{base}.pdf"))
        other = fingerprint is not None and data.get("fingerprint") not in (None, fingerprint)
        stale = '<br><em class="stale">built earlier, from other data</em>' if other else ""
        rows.append(
            f"<tr><td><strong>{_e(titles.get(key) or rec.get('title') or key)}</strong>{stale}"
            "<br>"
            f"<code>{_e(key)}</code><br>{links}</td><td>{params}</td>"
            f"<td>{_e(data.get('as_of', '—'))}<br><code>{_e(data.get('fingerprint', ''))}"
            f"</code></td><td class=\"num\">{pages if pages is not None else '—'}</td>"
            f"<td>{verdicts}</td></tr>")
    left_out = (f' <strong class="left-out">{len(skipped)} record'
                f"{'s' if len(skipped) != 1 else ''} in this folder could not be read and "
                f"{'are' if len(skipped) != 1 else 'is'} not listed: "
                + "; ".join(_e(printable(x.replace(f"{out_dir}/", ""), 300))
                            for x in skipped[:10])
                + ("; …" if len(skipped) > 10 else "") + ".</strong>") if skipped else ""
    parts = [f"<h1>Reports in this build</h1><p>{len(recs)} report"
             f"{'s' if len(recs) != 1 else ''}; each row's records are in "
             f"<code>&lt;report&gt;{RESULTS_SUFFIX}</code>.{left_out}</p>",
             '<table class="reports"><thead><tr><th scope="col">Report</th>'
             '<th scope="col">Parameters</th>'
             '<th scope="col">Data: as of, fingerprint</th><th scope="col" class="num">'
             'Pages</th><th scope="col">Verdicts</th></tr></thead><tbody>'
             + "".join(rows) + "</tbody></table>"]
    parts += _side_by_side(recs)
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Reports in this build</title><style>{INDEX_CSS}</style></head>"
            f"<body><main>{''.join(parts)}</main></body></html>\n")


def _side_by_side(recs: dict[str, dict]) -> list[str]:
    """For each report built under several scenarios or a sweep's combinations: one
    column per run; first the claims whose verdict changes across the runs, then the
    values that differ, then the claims whose verdict is the same in every run."""
    by_report: dict[str, dict[str, dict]] = {}
    for key, rec in recs.items():
        by_report.setdefault(rec.get("report", key), {})[rec.get("scenario") or "default"] = rec
    out = []
    for report, runs in sorted(by_report.items()):
        if len(runs) < 2:
            continue
        names = sorted(runs)
        keys = sorted({k for r in runs.values() for k in r.get("values", {})})
        varying = [k for k in keys if len({repr(runs[n].get("values", {}).get(k, {})
                                                  .get("value")) for n in names}) > 1]
        claims = sorted({k for r in runs.values() for k in r.get("claims", {})})

        def verdict(n: str, k: str, runs: dict = runs):
            return runs[n].get("claims", {}).get(k, {}).get("verdict")

        changing = [k for k in claims if len({verdict(n, k) for n in names}) > 1]
        steady = [k for k in claims if k not in changing]
        head = "".join(f'<th scope="col" class="num">{_e(n)}</th>' for n in names)

        def claim_rows(ks: list[str], names: list[str] = names) -> str:
            return "".join(
                f"<tr><td>{_e(k)}</td>" + "".join(
                    f'<td class="num">{_badge(verdict(n, k)) if verdict(n, k) else "—"}'
                    "</td>" for n in names) + "</tr>" for k in ks)

        body = claim_rows(changing) + "".join(
            f"<tr><td><code>{_e(k)}</code></td>" + "".join(
                f'<td class="num">{_fmt(runs[n].get("values", {}).get(k, {}).get("value"))}'
                "</td>" for n in names) + "</tr>" for k in varying) + claim_rows(steady)
        said = (f"{len(changing)} verdict{'s' if len(changing) != 1 else ''} change"
                f"{'' if len(changing) != 1 else 's'} across the {len(names)} runs"
                if changing else f"no verdict changes across the {len(names)} runs")
        out.append(f"<h2>{_e(report)}: the scenarios side by side</h2><p>{said}; first the "
                   "claims whose verdict changes, then the values that differ.</p>"
                   f'<table><thead><tr><th scope="col">Value or claim</th>{head}</tr>'
                   f"</thead><tbody>{body}</tbody></table>")
    return out
