"""The report of one block, built once for every output: panel, insights, waterfall, time per span name."""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.errors import span_errors
from ..analysis.summary import summarize
from ..model.gc_pause import gc_paused
from ..model.snapshot import TraceSnapshot
from .insights import Insights, insights
from .panel import SummaryPanel, summary_panel
from .table import TableView
from .timing import timing_table
from .waterfall import Waterfall, waterfall


@dataclass(frozen=True)
class TraceReport:
    snapshot: TraceSnapshot
    panel: SummaryPanel
    insights: Insights
    waterfall: Waterfall
    timing: TableView | None


def trace_report(snapshot: TraceSnapshot, tree_limit: int | None = None) -> TraceReport:
    with gc_paused():  # several objects per span, most kept in the snapshot: see model.gc_pause
        return TraceReport(
            snapshot=snapshot,
            panel=summary_panel(summarize(snapshot), errors=len(span_errors(snapshot))),
            insights=insights(snapshot),
            waterfall=waterfall(snapshot, tree_limit),
            timing=timing_table(snapshot),
        )
