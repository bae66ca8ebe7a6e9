"""Arithmetic on the figures: pure metrics, and the trade and tourism analyses built from a
validated :class:`~bilateral.report.data.figures.Dataset`."""
