"""Printing a finished block's report to the terminal."""

from __future__ import annotations

from rich.console import Console

from ..model.snapshot import TraceSnapshot
from ..render.rich.report import rich_report
from ..views.report import trace_report


class TerminalView:
    """Prints the summary panel and span tree when the block ends."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console

    def finish(self, snapshot: TraceSnapshot) -> None:
        console = self._console or Console()
        console.print(rich_report(trace_report(snapshot)))
