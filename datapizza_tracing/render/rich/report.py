"""A block's whole report for the terminal: panel, tree, time per span name."""

from __future__ import annotations

from rich.console import Group, RenderableType

from ...views.comparison import ComparisonView
from ...views.report import TraceReport
from .panel import summary_panel
from .parts import text_of
from .table import rich_table
from .tree import rich_tree


def rich_report(report: TraceReport) -> RenderableType:
    parts: list[RenderableType] = [summary_panel(report.panel)]
    tree = rich_tree(report.tree)
    if tree is not None:
        parts.append(tree)
    if report.timing is not None:
        parts.append(rich_table(report.timing))
    return Group(*parts)


def rich_comparison(view: ComparisonView) -> RenderableType:
    parts: list[RenderableType] = [text_of(view.header)]
    parts.extend(rich_table(table) for table in view.tables)
    if view.note is not None:
        parts.append(text_of((view.note,)))
    return Group(*parts)
