"""What-ifs in a notebook: controls over a report's parameters that redraw its results.

``whatif.scenarios(ds)`` shows the trade report's scenario parameters as controls (the
growth rates as a list, as ``-p`` takes it, the base year and the horizon as sliders, the
milestone as a number) with the scenario table, the chart and the verdicts those
parameters change, redrawn each time a value changes. ``whatif.tourism(ds)`` does the
same for the tourism report's threshold ("more than tripled"): the growth table, the
chart and the verdict.

The controls hold the ranges the notebooks' parameters cells declare
(:func:`bilateral.report.parameters.declared`): a slider runs from the lowest to the
highest value allowed; a value typed in is checked as ``bilateral build -p`` checks it
(:func:`bilateral.report.parameters.check`, then the report's preflight checks), and a
value the build would refuse shows the build's one-line message in place of the results,
never a traceback.

Where no widget can show (a static render of the notebook, ``bilateral build``, GitHub),
the same output carries the static table and chart as HTML: the display holds the live
widget and, beside it, the HTML of the current values, which every renderer without a
widget manager shows (the project's exporters never write widget JavaScript: they rank
``text/html`` above ``application/vnd.jupyter.widget-view+json``).

Use it in a scratch notebook (``notebooks/explore.ipynb``), not in a report: a report's
results come from its parameters cell.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from bilateral.core.errors import InputError
from bilateral.report import parameters as declared_parameters
from bilateral.report.data.figures import Dataset

__all__ = ["WhatIf", "scenarios", "tourism", "trade"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def one_line(exc: BaseException) -> str:
    """An error as the build reports bad input: one line, ``ParameterError: …``."""
    return f"{type(exc).__name__}: {exc}"


def _unnumbered(caption: str) -> str:
    """A report's caption without its number ("Figure 3. …"): a what-if is no report."""
    import re

    return re.sub(r"^(Figure|Table) \d+\. ", "", caption)


def _error_html(message: str) -> str:
    return (f'<p class="bilateral-error" role="alert" style="color:#b00020;'
            f'font-family:monospace">{html.escape(message)}</p>')


class WhatIf:
    """Controls over some of a report's parameters and the results they give.

    ``controls`` maps each parameter's name to its widget; setting a widget's ``value``
    (by hand or in code) redraws :attr:`html`, or sets :attr:`error` to the one-line
    message when the build would refuse the values. ``values`` are the current values,
    as checked. Displayed last in a cell, it shows the live controls in JupyterLab and the
    static HTML elsewhere.
    """

    def __init__(self, report: str, controls: dict[str, Any],
                 read: dict[str, Callable[[Any], Any]],
                 render: Callable[[dict[str, Any]], str]):
        import ipywidgets as w

        self.report = report
        self.controls = controls
        self._read = read
        self._render = render
        self.values: dict[str, Any] = {}
        self.error: str | None = None
        self.html = ""
        self.view = w.HTML()
        self.widget = w.VBox([w.HBox(list(controls.values()),
                                     layout=w.Layout(flex_flow="row wrap")), self.view])
        for control in controls.values():
            control.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def current(self) -> dict[str, Any]:
        """The controls' values, read as the build reads them (a list from its text)."""
        return {name: self._read.get(name, lambda v: v)(c.value)
                for name, c in self.controls.items()}

    def update(self) -> None:
        """Check the controls' values and redraw; a value the build refuses shows its
        one-line message instead of the results."""
        try:
            values = declared_parameters.check(**self.current())
            body = self._render(values)
        except (InputError, ValueError) as exc:
            self.error = one_line(exc)
            self.view.value = _error_html(self.error)
            return
        self.values, self.error = values, None
        self.html = body
        self.view.value = f'<div class="jp-RenderedHTMLCommon">{body}</div>'

    def static_html(self) -> str:
        """What a renderer without widgets shows: the results of the current values (or
        the error), as the report's blocks."""
        return _error_html(self.error) if self.error else self.html

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle = dict(bundle)
        bundle["text/html"] = self.static_html()
        bundle.setdefault("text/plain", f"What-if over {', '.join(self.controls)} "
                          f"({self.report}); the results show as HTML.")
        return bundle

    def __repr__(self) -> str:
        state = self.error or ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"<WhatIf {self.report}: {state}>"


# ---------------------------------------------------------------------------- controls

def _limits(name: str) -> tuple[int, int]:
    """The lowest and highest integer the declaration of ``name`` allows."""
    p = declared_parameters.declared()[name]
    lo = int(p.lower.limit) + (1 if p.lower.op == ">" else 0)
    hi = int(p.upper.limit) - (1 if p.upper.op == "<" else 0)
    return lo, hi


def _year(name: str, value: int, description: str):
    import ipywidgets as w

    lo, hi = _limits(name)
    return w.IntSlider(value=value, min=lo, max=hi, step=1, description=description,
                       continuous_update=False, style={"description_width": "initial"},
                       tooltip=declared_parameters.declared()[name].help)


def _number(name: str, value: float, description: str):
    import ipywidgets as w

    return w.FloatText(value=value, description=description, continuous_update=False,
                       style={"description_width": "initial"},
                       tooltip=declared_parameters.declared()[name].help,
                       layout=w.Layout(width="16em"))


def _list_text(values: list[float]) -> str:
    from bilateral.report.story.words import plain

    return "[" + ", ".join(plain(v).replace("\u2212", "-").replace(",", "")
                           for v in values) + "]"


def _read_list(name: str) -> Callable[[str], list[float]]:
    """A list typed as ``-p`` takes it (``[0, 5.2, 10]``), converted as the build does."""
    from bilateral.params import convert

    def read(text: str) -> list[float]:
        return convert(declared_parameters.declared()[name], text)

    return read


def _start(report: str, given: dict[str, Any]) -> dict[str, Any]:
    """The parameters' starting values: the notebook's defaults, then ``given``."""
    from bilateral.report.jupyter.notebook import declarations

    params, _checks = declarations(report)
    out = {k: p.default for k, p in params.items() if k != "data_dir"}
    unknown = set(given) - set(out)
    if unknown:
        from bilateral.core.errors import ParameterError

        raise ParameterError(sorted(unknown)[0], f"not a parameter of {report} (known: "
                             f"{', '.join(sorted(out))})", report)
    out.update(given)
    return out


def _affected(ds: Dataset, topic: str, names: set[str], values: dict[str, Any]):
    """The claims of ``topic`` whose verdict takes one of the parameters ``names``."""
    from bilateral.report import claims

    rows = {r.id: r for r in ds.claims}
    return [c for c in claims.for_topic(ds, topic, **values)
            if rows[c.id].settings.get("parameter") in names]


# ---------------------------------------------------------------------------- reports

def trade(ds: Dataset, **start: Any) -> WhatIf:
    """Controls over the trade report's scenarios: ``scenario_growth_pct`` (a list, as
    ``-p`` takes it), ``scenario_base_year``, ``horizon_year`` and ``milestone_busd``,
    starting from the notebook's defaults or ``start``. Each change redraws the scenario
    table, the chart and the claims that take these parameters (the horizon's)."""
    from bilateral.report import preflight
    from bilateral.report.analysis import trade as analysis
    from bilateral.report.jupyter import charts, narrative, present
    from bilateral.report.story import trade as words

    v = _start("trade", start)
    names = ("scenario_growth_pct", "scenario_base_year", "horizon_year", "milestone_busd")
    controls = {
        "scenario_growth_pct": _text_control(_list_text(v["scenario_growth_pct"]),
                                             "growth, % a year"),
        "scenario_base_year": _year("scenario_base_year", v["scenario_base_year"],
                                    "base year"),
        "horizon_year": _year("horizon_year", v["horizon_year"], "horizon"),
        "milestone_busd": _number("milestone_busd", v["milestone_busd"], "milestone, bn USD"),
    }
    history = analysis.annual(ds)

    def render(values: dict[str, Any]) -> str:
        growth, base = values["scenario_growth_pct"], values["scenario_base_year"]
        horizon, milestone = values["horizon_year"], values["milestone_busd"]
        preflight.check("trade", ds, {**v, **values}, "trade")
        paths = analysis.scenarios(ds, growth, base, horizon, milestone)
        figure = analysis.article_horizon_figure(ds)
        table = narrative.scenario_table(
            paths, milestone, f"Trade under constant growth from {base}, billion USD")
        chart = present.figure(
            charts.scenarios(paths, history, milestone,
                             words.scenarios_title(figure, horizon)),
            alt=words.scenarios_alt(paths, base, horizon),
            caption=_unnumbered(words.scenarios_caption(horizon)),
            source_note=present.cite(ds, *[r.total.id for r in history]))
        verdicts = _affected(ds, "trade", set(names), values)
        shown = [table.data, chart.data]
        if verdicts:
            shown.append(present.claims_table(verdicts, "The claims these parameters "
                                                        "change").data)
        return "".join(shown)

    return WhatIf("trade", controls, {"scenario_growth_pct": _read_list(
        "scenario_growth_pct")}, render)


scenarios = trade
"""The trade report's scenarios: :func:`trade`."""


def tourism(ds: Dataset, **start: Any) -> WhatIf:
    """Controls over the tourism report's ``threshold_multiple`` ("more than tripled"
    means a multiple above it), starting from the notebook's default or ``start``. Each
    change redraws the growth paragraph and table, the chart and the claims that take
    the threshold."""
    from bilateral.report import metrics, preflight
    from bilateral.report.analysis import tourism as analysis
    from bilateral.report.jupyter import charts, narrative, present
    from bilateral.report.story import tourism as words

    v = _start("tourism", start)
    controls = {"threshold_multiple": _number("threshold_multiple", v["threshold_multiple"],
                                              "threshold, ×")}

    def render(values: dict[str, Any]) -> str:
        threshold = values["threshold_multiple"]
        preflight.check("tourism", ds, {**v, **values}, "tourism")
        g = analysis.growth(ds, threshold=threshold)
        shown = []
        if g is not None:
            safe = analysis.coarsest_rounding_keeping(
                g.after.value, metrics.printed(g.before.value, g.before.decimals), threshold)
            shown.append(present.paragraph(words.growth_paragraph(g, safe)).data)
            shown.append(narrative.growth_table(g, _unnumbered(words.growth_caption(g))).data)
            c = analysis.majority(ds)
            if c is not None:
                shown.append(present.figure(
                    charts.visitors(g, c), alt=words.visitors_alt(g, c),
                    caption=_unnumbered(words.visitors_caption(g, c)),
                    source_note=present.cite(ds, g.before.id,
                                             *[f.id for f in c.other_totals])).data)
        verdicts = _affected(ds, "tourism", {"threshold_multiple"}, values)
        if verdicts:
            shown.append(present.claims_table(verdicts, "The claims this parameter "
                                                        "changes").data)
        return "".join(shown)

    return WhatIf("tourism", controls, {}, render)


def _text_control(value: str, description: str):
    import ipywidgets as w

    return w.Text(value=value, description=description, continuous_update=False,
                  style={"description_width": "initial"},
                  tooltip="a list as -p takes it: [0, 5.2, 10]")
