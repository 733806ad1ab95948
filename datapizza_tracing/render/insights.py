"""Rich renderables of the analysis views: the time table, a run comparison, the history.

Each function takes plain analysis data and returns a renderable, so the
terminal prints it and ``static_bundle`` turns it into a notebook output.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..analysis.timing import SpanTiming
from .formatting import format_cost, format_count, format_duration

if TYPE_CHECKING:
    from ..analysis.compare import TraceComparison
    from ..analysis.history import HistoryEntry

DEFAULT_TIMING_ROWS = 15
NOTEBOOK_WIDTH = 115  # rich's own width for Jupyter


def timing_table(rows: Sequence[SpanTiming], limit: int = DEFAULT_TIMING_ROWS) -> Table:
    """Per span name: count, total, mean, max, errors; ``rows`` already sorted by total."""
    table = Table(title="Time by span name", title_justify="left", title_style="bold")
    table.add_column("Span")
    for header in ("Count", "Total", "Mean", "Max", "Errors"):
        table.add_column(header, justify="right")
    for row in rows[:limit]:
        table.add_row(
            Text(row.name),
            format_count(row.count),
            format_duration(row.total_s) + ("…" if row.running else ""),
            format_duration(row.mean_s),
            format_duration(row.max_s),
            Text(format_count(row.errors), style="bold red") if row.errors else Text("0", style="dim"),
        )
    hidden = len(rows) - limit
    if hidden > 0:
        table.add_row(Text(f"… {hidden:,} more span name{'s' if hidden != 1 else ''}", style="italic yellow"))
    return table


def static_bundle(renderable: RenderableType, width: int = NOTEBOOK_WIDTH) -> dict[str, str]:
    """A ``text/html`` + ``text/plain`` output bundle that renders without a widget or a server.

    rich escapes every piece of text it writes into the HTML, so span names and
    model ids cannot inject markup.
    """
    console = Console(record=True, file=io.StringIO(), width=width, color_system="truecolor", force_jupyter=False)
    console.print(renderable)
    html = console.export_html(
        inline_styles=True,
        code_format=(
            '<pre style="margin:0;white-space:pre;overflow-x:auto;'
            "font-family:Menlo,'DejaVu Sans Mono',consolas,'Courier New',monospace;"
            'line-height:1.3">{code}</pre>'
        ),
        clear=False,
    ).rstrip("\n")
    text = console.export_text(clear=True).rstrip("\n")
    return {"text/html": html, "text/plain": text}
