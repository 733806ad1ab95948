"""A block's whole report for the terminal: panel, insights, waterfall, time per span name."""

from __future__ import annotations

from rich.console import Group, RenderableType

from ...views.comparison import ComparisonView
from ...views.report import TraceReport
from .insights import rich_insights
from .panel import summary_panel
from .parts import text_of
from .table import rich_table
from .waterfall import RichWaterfall


def rich_report(report: TraceReport) -> RenderableType:
    parts: list[RenderableType] = [summary_panel(report.panel), *rich_insights(report.insights)]
    parts.append(RichWaterfall(report.waterfall))
    if report.timing is not None:
        parts.append(rich_table(report.timing))
    return Group(*parts)


def rich_comparison(view: ComparisonView) -> RenderableType:
    parts: list[RenderableType] = [text_of(view.header)]
    parts.extend(rich_table(table) for table in view.tables)
    parts.extend(text_of(note) for note in view.notes)
    return Group(*parts)
