"""The report of one block, built once for every output: panel, insights, waterfall, time per span name."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass

from ..analysis.errors import span_errors
from ..analysis.summary import summarize
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
    with _gc_paused():
        return TraceReport(
            snapshot=snapshot,
            panel=summary_panel(summarize(snapshot), errors=len(span_errors(snapshot))),
            insights=insights(snapshot),
            waterfall=waterfall(snapshot, tree_limit),
            timing=timing_table(snapshot),
        )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a report is worked out.

    A report makes several objects per span, and most of them live on in the
    snapshot's derived figures, so the collector would walk the growing heap again
    and again: a third of the time of a 100,000-span report (benchmarks/bench_render.py).
    They form no cycles, so reference counting frees what is dropped; the collector
    takes up whatever else it finds once it is back on. A program that turned the
    collector off keeps it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
