"""The trace section attached to a failed test's report."""

from __future__ import annotations

from collections.abc import Iterable

from ...render.rich.text import render_text
from ..handle import TraceHandle

SECTION_TITLE = "datapizza-tracing: trace of this test"
DEFAULT_WIDTH = 100


NARROWEST_WIDTH = 60  # the narrowest terminal the report is laid out for (tables turn into cards)


def section_width(terminal_width: int | None) -> int:
    """The terminal's width, within readable bounds: a CI log often reports none."""
    if not terminal_width:
        return DEFAULT_WIDTH
    return max(NARROWEST_WIDTH, min(terminal_width, 160))


def failure_section(handle: TraceHandle, width: int, notes: Iterable[str] = ()) -> str:
    """The trace's terminal report (summary panel, span tree, time per span name) as plain text."""
    text = render_text(handle.report(), width=width).rstrip("\n")
    notes = list(notes)
    return "\n".join([*notes, text]) if notes else text
