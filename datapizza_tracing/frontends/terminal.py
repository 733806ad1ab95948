"""Printing a finished block's report to the terminal."""

from __future__ import annotations

import codecs
import sys
from typing import Any, TextIO

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


# The report's own symbols, for a stream that cannot encode them: one character each, so columns
# stay aligned; units and marks stay readable ("32us", "in>out", "s0 ~ s49", "x50").
_ASCII_STAND_INS = str.maketrans("µ→…×Σ⌀✗├└─│█▏▕␛", "u>~x+~x|`-|#||^")


class _Replacing:
    """stdout for a console on a stream that cannot encode every character (an ASCII or Latin-1
    terminal, ``PYTHONIOENCODING=ascii``): what it cannot encode is written as "?", where a
    strict stream would raise and lose the whole report. rich sees the stream's encoding and
    draws ASCII borders on its own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        encoding = self._stream.encoding
        try:
            return self._stream.write(text)
        except UnicodeEncodeError:
            plain = text.translate(_ASCII_STAND_INS).encode(encoding, "replace").decode(encoding)
            return self._stream.write(plain)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def report_console() -> Console:
    """The console every report, history and comparison is printed on, made when it prints
    (stdout may have been replaced since the program started)."""
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    if stream is not None and not codecs.lookup(encoding).name.startswith("utf"):
        return _ReportConsole(file=_Replacing(stream))  # type: ignore[arg-type]
    return _ReportConsole()


class TerminalView:
    """Prints the summary panel and span tree when the block ends."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console

    def finish(self, snapshot: TraceSnapshot) -> None:
        console = self._console or report_console()
        console.print(rich_report(trace_report(snapshot)))
