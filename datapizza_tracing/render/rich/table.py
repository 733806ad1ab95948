"""A ``TableView`` as a rich ``Table``."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from ...views.table import TableView
from .styles import MORE_STYLE, TONE_STYLES


def rich_table(view: TableView) -> RenderableType:
    if not view.rows and view.empty is not None:
        return Text(view.empty, style="italic")
    if view.framed:
        table = Table(title=view.title, title_justify="left", title_style="bold")
    else:
        table = Table(box=None, padding=(0, 2))
    for column in view.columns:
        table.add_column(column.title, justify="right" if column.numeric else "left")
    for row in view.rows:
        table.add_row(*(Text(cell.text, style=TONE_STYLES[cell.tone]) for cell in row))
    if view.more is not None:
        table.add_row(Text(view.more, style=MORE_STYLE))
    return table
