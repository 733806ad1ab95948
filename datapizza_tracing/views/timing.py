""" "Time by span name": name families ranked by own time; those that failed or called a model shown too."""

from __future__ import annotations

from ..analysis.timing import SpanTiming, span_timings
from ..model.snapshot import TraceSnapshot
from .table import Cell, Column, TableView, cells
from .text import DURATION_WIDTH, format_count, format_duration, more_line, shown_name

TIMING_ROWS = 15
TELLING_ROWS = 10  # more rows for families that failed or called a model, past the top ones
COLUMNS = (
    Column("Span"),
    Column("Count", numeric=True),
    Column("Self", numeric=True, min_width=DURATION_WIDTH),
    Column("Total", numeric=True, min_width=DURATION_WIDTH),
    Column("Mean", numeric=True, min_width=DURATION_WIDTH),
    Column("Max", numeric=True, min_width=DURATION_WIDTH),
    Column("Errors", numeric=True),
)


def _row(row: SpanTiming, indent: str) -> tuple[Cell, ...]:
    return cells(
        Cell(indent + shown_name(row.name), "llm" if row.calls else "plain"),
        format_count(row.count),
        format_duration(row.self_s),
        format_duration(row.total_s) + ("…" if row.running else ""),
        format_duration(row.mean_s),
        format_duration(row.max_s),
        Cell(format_count(row.errors), "error") if row.errors else Cell("0", "muted"),
    )


def _by_service(rows: list[SpanTiming]) -> list[tuple[str | None, list[SpanTiming]]]:
    """The block's own rows first, then one group per other service; ranked order kept inside each."""
    groups: dict[str | None, list[SpanTiming]] = {None: []}
    for row in rows:
        groups.setdefault(row.service, []).append(row)
    return [(service, group) for service, group in groups.items() if group]


def timing_table(snapshot: TraceSnapshot, limit: int = TIMING_ROWS) -> TableView | None:
    """The table, or ``None`` for a lone root span (its one row would repeat the panel's Duration).

    Rows of spans other services made come last, grouped under each service's name.
    """
    if len(snapshot.spans) < 2:
        return None
    timings = span_timings(snapshot)
    # The top rows by own time, plus families that failed or called a model wherever they rank
    # (failures first), up to TELLING_ROWS of them.
    telling = sorted((row for row in timings[limit:] if row.errors or row.calls), key=lambda row: -row.errors)
    chosen = set(map(id, telling[:TELLING_ROWS]))
    shown = [row for index, row in enumerate(timings) if index < limit or id(row) in chosen]
    rows: list[tuple[Cell, ...]] = []
    for service, group in _by_service(shown):
        if service is not None:  # spans another service made: a group of their own, under its name
            rows.append((Cell(f"@{shown_name(service)}", "muted"), *(Cell("") for _ in COLUMNS[1:])))
        rows.extend(_row(row, indent="  " if service is not None else "") for row in group)
    hidden = len(timings) - len(shown)
    title = "Time by span name (own time first)"
    return TableView(title, COLUMNS, tuple(rows), more_line(hidden, "span name") if hidden > 0 else None)
