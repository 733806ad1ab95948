"""The session history as a table: one row per finished block."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..analysis.cost import cost_breakdown
from ..session.history import HistoryEntry
from .panel import total_cost_text
from .table import Cell, Column, TableView, cells
from .text import DURATION_WIDTH, format_count, format_duration, shown_name

EMPTY = "No traced block has finished yet in this session."
KEEPS_NONE = "The history keeps no blocks: its limit is 0 (DATAPIZZA_TRACING_HISTORY or history().set_limit)."
COLUMNS = (
    Column("#", numeric=True),
    Column("Name"),
    Column("When"),
    Column("Spans", numeric=True),
    Column("Duration", numeric=True, min_width=DURATION_WIDTH),
    Column("Tokens", numeric=True),
    Column("Cost", numeric=True),
    Column("Errors", numeric=True),
)


def history_table(entries: Sequence[HistoryEntry], limit: int | None = None) -> TableView:
    """The table of ``entries``; ``limit`` is the history's, which says why a table is empty."""
    rows = []
    for entry in entries:
        summary = entry.summary()
        total = summary.total_usage
        costs = cost_breakdown(summary.usage)
        rows.append(
            cells(
                str(entry.number),
                shown_name(entry.name),
                time.strftime("%H:%M:%S", time.localtime(entry.finished_at)),
                format_count(summary.total_spans),
                format_duration(summary.duration_s),
                format_count(total.prompt_tokens + total.completion_tokens),
                total_cost_text(costs) if costs.per_model else "—",
                Cell(str(len(summary.errors)), "error") if summary.errors else Cell("0", "muted"),
            )
        )
    # With a limit of 0 blocks do finish, and "none has finished yet" would not be true.
    empty = KEEPS_NONE if limit == 0 else EMPTY
    return TableView("Trace history", COLUMNS, tuple(rows), empty=empty)
