"""The summary panel as a rich ``Panel``, with the token table inside."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ...views.panel import SummaryPanel, TokenTable
from .parts import text_of

MODEL_MIN_WIDTH_CAP = 32


def token_table(view: TokenTable) -> Table:
    table = Table(show_lines=False, pad_edge=False)
    # Narrow consoles squeeze columns: let the headers wrap first, and fold a
    # very long model id rather than cut it with "…".
    longest = max((len(row.label) for row in view.rows), default=5)
    table.add_column(view.columns[0], overflow="fold", min_width=min(longest, MODEL_MIN_WIDTH_CAP))
    for header in view.columns[1:]:
        table.add_column(header, justify="right")
    for index, row in enumerate(view.rows):
        last_model = index == len(view.rows) - 2
        if row.total:
            table.add_row(Text(row.label, style="bold"), *row.cells[:-1], Text(row.cells[-1], style="bold"))
        else:
            table.add_row(Text(row.label), *row.cells, end_section=last_model)
    return table


def summary_panel(view: SummaryPanel) -> Panel:
    parts: list[RenderableType] = [text_of(line.parts, line.link) for line in view.lines]
    if view.tokens is not None:
        parts.append(token_table(view.tokens))
    title = Text(view.title)
    if view.running:
        title.append(" (running)", style="italic")
    return Panel(Group(*parts), title=title, title_align="left", expand=False)
