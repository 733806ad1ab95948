"""Printing a finished block's report to the terminal."""

from __future__ import annotations

from rich.console import Console

from ..model.snapshot import TraceSnapshot
from ..render.rich.report import rich_report
from ..views.report import trace_report


class _ReportConsole(Console):
    """A console that, when the reader of stdout has gone (``| head``), drops the report.

    rich's default ends the whole program with ``SystemExit(1)``: not a library's
    call to make in the middle of the user's program, which meets the closed
    pipe on its own next write and decides there.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True


class TerminalView:
    """Prints the summary panel and span tree when the block ends."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console

    def finish(self, snapshot: TraceSnapshot) -> None:
        console = self._console or _ReportConsole()
        console.print(rich_report(trace_report(snapshot)))
