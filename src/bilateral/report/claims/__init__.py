"""The article's claims, each judged against the figures.

The claims are data: each row of the data folder's ``claims.csv``
(:mod:`bilateral.report.data.claim_rows`) names a *kind* of claim, the figures it rests on
and its settings. What a kind states, how it is checked and what verdict it gets is code
written once per kind (:mod:`bilateral.report.claims.kinds`); nothing here names a claim of
a particular article.

A :class:`Claim` holds the claim in our words, the article's phrase, the figure ids it
rests on, the computed check as a sentence, and a verdict from :data:`VERDICTS`. Every
verdict is a total function of the numbers.

:func:`evaluate` returns them all; :func:`for_topic` one topic's.
"""

from __future__ import annotations

from bilateral.report.claims.verdicts import (
    CONTRADICTED,
    HOLDS,
    NOT_CHECKABLE,
    NOT_SUPPORTED,
    VERDICTS,
    WITHIN_ROUNDING,
    Claim,
    above,
    of_difference,
)

__all__ = ["CONTRADICTED", "HOLDS", "NOT_CHECKABLE", "NOT_SUPPORTED", "VERDICTS",
           "WITHIN_ROUNDING", "Claim", "above", "evaluate", "for_topic",
           "of_difference", "validate"]


def validate(ds, topics=None) -> None:
    """Check every claim row against its kind (roles, settings, the figures' units and
    periods) and, given ``topics``, that its topic is one of them; raise DataError naming
    the row and column. The build does this when it loads the data, before any kernel."""
    from bilateral.report.claims.kinds import check_figures, check_row

    for row in ds.claims:
        if topics is not None and row.topic not in topics:
            raise row.error(f"unknown topic {row.topic!r} (the reports are: "
                            f"{', '.join(sorted(topics))})", "topic")
        check_row(row)
        check_figures(ds, row)


def evaluate(ds, **params) -> list[Claim]:
    """Every claim of the data folder's ``claims.csv``, judged, in its order.

    ``params`` are the notebook's parameters: a claim whose settings name a ``parameter``
    takes that parameter's value in place of its own setting (``threshold_multiple`` for
    "more than tripled", ``horizon_year`` for the scenarios' end).
    """
    from bilateral.report import parameters
    from bilateral.report.claims.kinds import judge

    params = parameters.check(**params)  # the build's rules, the build's one-line error
    return [judge(ds, row, params) for row in ds.claims]


def for_topic(ds, topic: str, **params) -> list[Claim]:
    """The claims of one topic (``"trade"``, ``"tourism"``, …); ``params`` as
    :func:`evaluate`. A topic that is neither a report's nor one of the data's claims'
    is refused, naming the known ones."""
    from bilateral.core.errors import ParameterError
    from bilateral.report.parameters import REPORTS

    known = sorted(set(REPORTS) | set(ds.topics()))
    if topic not in known:
        raise ParameterError("topic", f"unknown topic {topic!r} (known: {', '.join(known)})")
    return [c for c in evaluate(ds, **params) if c.topic == topic]
