"""Rich renderables as plain text: what a log, a pipe or a notebook's text/plain shows."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType

PLAIN_WIDTH = 100


def render_text(renderable: RenderableType, width: int = PLAIN_WIDTH) -> str:
    """Plain text (no colour codes) of a rich renderable."""
    # force_jupyter=False: in a kernel rich would otherwise display() the output
    # instead of writing it to the StringIO, and return an empty string.
    console = Console(
        file=io.StringIO(), width=width, color_system=None, force_terminal=False, force_jupyter=False
    )
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]
