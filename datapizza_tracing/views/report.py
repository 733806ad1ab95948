"""The report of one block: summary panel, span tree and time per span name, built once for every output."""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.summary import summarize
from ..model.snapshot import TraceSnapshot
from .panel import SummaryPanel, summary_panel
from .span_tree import SpanTree, span_tree
from .table import TableView
from .timing import timing_table


@dataclass(frozen=True)
class TraceReport:
    snapshot: TraceSnapshot
    panel: SummaryPanel
    tree: SpanTree
    timing: TableView | None


def trace_report(snapshot: TraceSnapshot, tree_limit: int | None = None) -> TraceReport:
    return TraceReport(
        snapshot=snapshot,
        panel=summary_panel(summarize(snapshot)),
        tree=span_tree(snapshot, tree_limit),
        timing=timing_table(snapshot),
    )
