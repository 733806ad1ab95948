""" "Time by span name": count, total, mean, max and errors per span name, largest total first."""

from __future__ import annotations

from ..analysis.timing import span_timings
from ..model.snapshot import TraceSnapshot
from .table import Cell, Column, TableView, cells
from .text import format_count, format_duration, more_line, one_line

TIMING_ROWS = 15
COLUMNS = (
    Column("Span"),
    Column("Count", numeric=True),
    Column("Total", numeric=True),
    Column("Mean", numeric=True),
    Column("Max", numeric=True),
    Column("Errors", numeric=True),
)


def timing_table(snapshot: TraceSnapshot, limit: int = TIMING_ROWS) -> TableView | None:
    """The table, or ``None`` for a lone root span (its one row would repeat the panel's Duration)."""
    if len(snapshot.spans) < 2:
        return None
    timings = span_timings(snapshot)
    rows = tuple(
        cells(
            one_line(row.name),
            format_count(row.count),
            format_duration(row.total_s) + ("…" if row.running else ""),
            format_duration(row.mean_s),
            format_duration(row.max_s),
            Cell(format_count(row.errors), "error") if row.errors else Cell("0", "muted"),
        )
        for row in timings[:limit]
    )
    hidden = len(timings) - limit
    return TableView(
        "Time by span name", COLUMNS, rows, more_line(hidden, "span name") if hidden > 0 else None
    )
