"""The whole terminal report of a block, and its plain-text form."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType

from .. import config
from ..model.snapshot import TraceSnapshot
from ..analysis.summary import summarize
from ..analysis.timing import span_timings
from .insights import timing_table
from .panel import summary_panel
from .span_tree import span_tree


def trace_report(snapshot: TraceSnapshot, tree_limit: int | None = None) -> RenderableType:
    """Summary panel, the span tree (capped at ``tree_limit`` spans, critical path marked ◆),
    then the time per span name."""
    parts: list[RenderableType] = [summary_panel(summarize(snapshot))]
    tree = span_tree(snapshot, tree_limit if tree_limit is not None else config.tree_limit())
    if tree is not None:
        parts.append(tree)
    timings = span_timings(snapshot)
    if len(snapshot.spans) > 1:  # a lone root span's row repeats the panel's Duration
        parts.append(timing_table(timings))
    return Group(*parts)


def render_text(renderable: RenderableType, width: int = 100) -> str:
    """Plain text (no colour codes) of a rich renderable."""
    # force_jupyter=False: in a kernel rich would otherwise display() the output
    # instead of writing it to the StringIO, and return an empty string.
    console = Console(
        file=io.StringIO(), width=width, color_system=None, force_terminal=False, force_jupyter=False
    )
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]
