"""The build: plan, then for each stale target execute, render and publish."""


from __future__ import annotations

import contextlib
import datetime
import os
import time
from collections.abc import Callable
from pathlib import Path

from bilateral.core import paths
from bilateral.core.errors import NotebookError, TargetError
from bilateral.core.text import shown
from bilateral.engine import lock, pool, publish, quick, signals
from bilateral.engine.kernels import NATIVE_KERNELS
from bilateral.engine.options import FORMATS, Options
from bilateral.engine.plan import Plan, Target, plan
from bilateral.engine.state import read_state
from bilateral.engine.target import Outcome, run_target, warm_imports
from bilateral.engine.workspace import workspace

Reporter = Callable[[str, str, str], None]
"""``report(target_key, state, detail)``: called at each step of each target; a warning
comes as ``report("", "warning", text)``."""


def _quiet(key: str, state: str, detail: str) -> None:
    pass


def preflight(targets: list[Target]) -> None:
    """Check the machine can render what is about to be built (the PDF engine's libraries).

    Called once something is out of date, so that a no-op build does not load WeasyPrint.
    """
    if any("pdf" in t.formats for t in targets):
        from bilateral.export.weasy import weasyprint_module

        weasyprint_module()


def _warm() -> None:
    """Import the tool chain once, before the workers fork, so each starts warm (the warm
    pool's imports run meanwhile on the other core). Converting a small notebook here as
    well, so that the workers would not pay for their first conversion, was measured:
    it costs the parent more than it saves the workers running beside each other."""
    warm_imports()


def _report_date(dataset) -> str:
    """The date a report shows: the data's own date; without one, ``SOURCE_DATE_EPOCH``
    (the reproducible-builds convention), else today's date in UTC."""
    as_of = getattr(dataset, "as_of", None)
    if as_of is not None:
        return as_of.isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    stamp = int(epoch) if epoch.isdigit() else time.time()
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).date().isoformat()


def _outcome(t: Target, r: pool.Result, opts: Options) -> Outcome:
    if r.kind == "ok":
        return r.value
    if r.kind == "error":
        return Outcome(t, False, error=r.error, seconds=r.seconds)
    if r.kind == "timeout":
        err = TargetError(t.key, f"Timeout: stopped after {opts.timeout} s (--timeout bounds "
                          "each report, rendering included)")
        return Outcome(t, False, error=err, seconds=r.seconds)
    why = r.text + ("" if opts.debug else " (run again with --debug for the traceback)")
    if opts.debug and r.trace:
        why += "\n" + r.trace
    return Outcome(t, False, error=TargetError(t.key, f"unexpected error: {why}"),
                   seconds=r.seconds)


def _record(o: Outcome, staging: Path, p: Plan, state: dict, report: Reporter) -> None:
    """Publish a finished target, or keep its failed notebook; update the state."""
    t = o.target
    recorded = state["targets"]
    sub = staging / t.key.replace("/", "__")
    if o.ok:
        hashes, kept = publish.publish(t, sub, recorded.get(t.key))
        recorded[t.key] = {"digests": t.digests, "outputs": hashes,
                           "seconds": round(o.seconds, 1), "pages": o.pages}
        publish.write_state(p.out_dir, staging, state)
        for old in kept:
            report("", "warning", f"{old} is left from an earlier build of {t.key} and was "
                   "changed since; it is not part of this build")
        pages = f", {o.pages} pages" if o.pages else ""
        report(t.key, "published", f"{shown(t.out_dir)}/{t.name}."
               f"{{{','.join(['ipynb', *t.formats])}}}{pages}, {o.seconds:.1f} s")
        if o.kernel_said:
            report("", "warning", f"{t.key}: the kernel wrote to its terminal: {o.kernel_said}")
        return
    kept = publish.keep_failed(t, sub, p.out_dir)
    if isinstance(o.error, NotebookError):
        e = o.error
        o.error = NotebookError(e.notebook, e.cell, e.ename, e.evalue, kept)
    elif isinstance(o.error, TargetError):
        o.error = TargetError(o.error.target, o.error.why, kept)
    recorded.pop(t.key, None)
    publish.write_state(p.out_dir, staging, state)
    report(t.key, "failed", str(o.error))


def _early_index(p: Plan, staging: Path, queue: list[Target], done: list[Outcome],
                 previous: dict) -> publish.EarlyIndex | None:
    """Start laying the index out (``publish.EarlyIndex``) when the page count of every
    report still running is known from its last build (``previous``: key → pages); else
    None."""
    from bilateral.review import index, results

    if any("pdf" not in t.formats for t in queue):
        return None
    pages = {o.target.key: o.pages for o in done}
    pending = {}
    for t in queue:
        if t.results is None:
            continue
        if t.key not in pages:
            last = previous.get(t.key)
            if not isinstance(last, int) or isinstance(last, bool):
                return None
            pages[t.key] = last
        pending[t.key] = index.Pending(results.loads(t.results, t.key), t.formats,
                                       pages[t.key])
    if not pending:
        return None
    try:
        return publish.EarlyIndex(p, staging, pending)
    except RuntimeError:  # no thread could be started
        return None


def _longest_first(queue: list[Target], recorded: dict) -> None:
    """Sort ``queue`` longest first, so that no worker idles at the end while another
    runs a long report alone: by the target's time in the last build, else by the
    longest time of the same notebook under another scenario; and, where nothing is
    recorded (a new output folder), by the size of the notebook, the larger first.
    ``recorded`` is ``read_state``'s, whose entries it has checked."""
    by_name: dict[str, float] = {}
    for key, record in recorded.items():
        name = key.rsplit("/", 1)[-1]
        by_name[name] = max(by_name.get(name, 0.0), record.get("seconds", 0.0))
    queue.sort(key=lambda t: (-(recorded.get(t.key, {}).get("seconds", 0.0)
                                or by_name.get(t.name, 0.0)), -len(t.notebook_bytes)))


def _dry_run(p: Plan, stale: dict[str, str], report: Reporter) -> list[Outcome]:
    preflight([t for t in p.targets if t.key in stale])
    for t in p.targets:
        report(t.key, "would build" if t.key in stale else "up to date", stale.get(t.key, ""))
    return [Outcome(t, True, skipped=t.key not in stale) for t in p.targets]


def _execute_all(p: Plan, queue: list[Target], report: Reporter, ws,
                 inputs: str | None, client=None) -> list[Outcome]:
    """Lock, stage, run each stale target in a worker, publish each as it ends, then
    write the reviewers' index of the output folder, and the stamp that lets the next
    build with the same inputs answer at once (``quick``)."""
    from bilateral.export.weasy import PDFError

    opts = p.options
    report_date = _report_date(p.dataset)
    outcomes = []
    with lock.locked(p.folders) as locks, lock.staging_area(p.out_dir) as staging:
        state, warning = read_state(p.out_dir)
        if warning:
            report("", "warning", warning)
        _longest_first(queue, state["targets"])
        for t in queue:
            report(t.key, "queued", "")
        _warm()
        previous = {k: v.get("pages") for k, v in state["targets"].items()}
        started: list[Target] = []

        def start(t: Target) -> None:
            started.append(t)
            report(t.key, "running", "executing and rendering")

        if client is not None:  # each target a Dask task (--scheduler)
            from bilateral.engine import remote

            data = remote.data_files(p.data_copy)
            runs = remote.run(queue, client, staging, started=start, tasks=lambda t: remote.Task(
                t, t.run_source.read_bytes(),
                data if "data_dir" in t.run_parameters else {}, opts, report_date))
        else:
            runs = pool.run(
                queue, key=lambda t: t.key, jobs=opts.jobs, timeout=opts.timeout,
                log_for=lambda t: staging / t.key.replace("/", "__") / "worker.log",
                work=lambda t: run_target(t, staging, opts, report_date, ws.kernels),
                started=start, keep_fds=lock.lock_fds(locks))
        early = None
        with contextlib.closing(runs):
            for t, result in runs:
                o = _outcome(t, result, opts)
                _record(o, staging, p, state, report)
                outcomes.append(o)
                running = len(started) - len(outcomes)
                # Every target has started (so no worker forks from now on) and a core
                # is idle: lay the index out now rather than after the last report.
                if (early is None and all(x.ok for x in outcomes) and running
                        and len(started) == len(queue) and running < (os.cpu_count() or 1)):
                    early = _early_index(p, staging, queue, outcomes, previous)
        quick.remember(state, opts, inputs if all(o.ok for o in outcomes) else None,
                       p.targets)
        publish.write_state(p.out_dir, staging, state)
        if any(o.ok for o in outcomes):
            problems: list[str] = []
            try:
                if publish.write_index(p, staging, state,
                                       early if all(o.ok for o in outcomes) else None,
                                       {o.target.key: o.pages for o in outcomes}, problems):
                    report("index", "published", f"{shown(p.out_dir)}/index.html")
            except (OSError, PDFError) as exc:
                report("", "warning", f"the index could not be written ({exc})")
            for why in problems:
                report("", "warning", f"the index leaves out {why}")
    return outcomes


@contextlib.contextmanager
def _warm_pool(queue: list[Target], ws):
    """The warm pool the workers' kernels are forked from (``warm``), started now so that
    its imports run beside the parent's; stopped, with any kernel left, at the end."""
    from bilateral.engine import warm
    from bilateral.engine.execute import kernel_environment

    pool_ = None
    # Only for ipykernel: a notebook of another language's kernel starts it as it is.
    if warm.wanted() and any(t.kernel in NATIVE_KERNELS for t in queue):
        own = all(t.trusted for t in queue)
        try:
            pool_ = warm.Pool(ws.kernels, own, paths.NOTEBOOKS if own else Path.cwd(),
                              kernel_environment(dict(os.environ)), ws.root / "warm.log")
        except OSError:
            pool_ = None  # the kernels start the ordinary way
    try:
        yield
    finally:
        if pool_ is not None:
            with signals.deferred():
                pool_.stop()


@contextlib.contextmanager
def _dask(address: str):
    """A Dask client on ``address`` (``local:N`` starts a local cluster), its workers
    checked to have this build's packages; closed, with the cluster, at the end."""
    from bilateral.engine import remote

    client, cluster = remote.connect(address)
    try:
        remote.check_workers(client)
        yield client
    finally:
        with signals.deferred():
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()


def _remember(p: Plan, inputs: str | None) -> None:
    """After a build that found everything up to date: record the stamp, when the state
    does not hold it yet, so that the next such build answers at once."""
    if inputs is None:
        return
    with lock.locked(p.folders), lock.staging_area(p.out_dir) as staging:
        state, warning = read_state(p.out_dir)
        if warning or (quick.stamp_of(state, p.options) or {}).get("inputs") == inputs:
            return
        quick.remember(state, p.options, inputs, p.targets)
        publish.write_state(p.out_dir, staging, state)


def build(opts: Options, report: Reporter = _quiet) -> list[Outcome]:
    """Plan, then execute, render and publish every stale target.

    Returns one Outcome per target; raises InputError subclasses for bad input
    before anything is written.
    """
    with signals.handling(), workspace() as ws:
        before = quick.inputs_digest(opts)
        p = plan(opts, ws)
        # A stamp only for inputs that did not change while the plan read them, and
        # whose private copies (what the kernels read) hold the same bytes: an input
        # edited and edited back while it was copied is not recorded as built.
        inputs = before if before is not None and quick.inputs_digest(opts) == before \
            == quick.inputs_digest(opts, p.data_copy, p.notebook_copies) else None
        state, warning = read_state(p.out_dir)
        stale = {t.key: why for t, why in p.stale(state["targets"])}
        for name, why in p.left_out:
            report(name, "left out", why)
        if opts.dry_run:
            if warning:
                report("", "warning", warning)
            return _dry_run(p, stale, report)
        outcomes = [Outcome(t, True, skipped=True) for t in p.targets if t.key not in stale]
        for o in outcomes:
            report(o.target.key, "up to date", "")
        queue = [t for t in p.targets if t.key in stale]
        if queue and opts.scheduler:
            preflight(queue)
            with _dask(opts.scheduler) as client:
                outcomes += _execute_all(p, queue, report, ws, inputs, client)
        elif queue:
            with _warm_pool(queue, ws):
                preflight(queue)
                outcomes += _execute_all(p, queue, report, ws, inputs)
        else:
            _remember(p, inputs)
    order = {t.key: i for i, t in enumerate(p.targets)}
    return sorted(outcomes, key=lambda o: order[o.target.key])


__all__ = ["FORMATS", "Options", "Outcome", "Plan", "Reporter", "Target", "build", "plan",
           "preflight", "run_target"]
