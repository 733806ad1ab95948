"""The summary panel as a rich ``Panel``, with the token table inside."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from ...views.panel import SummaryPanel
from .parts import text_of
from .table import rich_table


def summary_panel(view: SummaryPanel) -> Panel:
    parts: list[RenderableType] = [text_of(line.parts, line.link) for line in view.lines]
    if view.tokens is not None:
        parts.append(rich_table(view.tokens))
    # rich cuts a title at its end, with "…": the running mark goes first so no cut can hide it.
    title = Text.assemble(("(running) ", "italic") if view.running else "", view.title, overflow="ellipsis")
    return Panel(Group(*parts), title=title, title_align="left", expand=False)
