"""Rich renderables as plain text, and as the static HTML a notebook keeps."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType

from .styles import READABLE_THEME

NOTEBOOK_WIDTH = 115  # rich's own width for Jupyter
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


def html_and_text(renderable: RenderableType, width: int = NOTEBOOK_WIDTH) -> tuple[str, str]:
    """An embeddable ``<pre>`` (inline styles, readable on light and dark themes) and its plain text.

    rich escapes every piece of text it writes into the HTML, so span names and
    model ids cannot inject markup.
    """
    console = Console(
        record=True, file=io.StringIO(), width=width, color_system="truecolor", force_jupyter=False
    )
    console.print(renderable)
    html = console.export_html(
        theme=READABLE_THEME,
        inline_styles=True,
        code_format=(
            '<pre style="margin:0;white-space:pre;overflow-x:auto;'
            "font-family:Menlo,'DejaVu Sans Mono',consolas,'Courier New',monospace;"
            'line-height:1.3">{code}</pre>'
        ),
        clear=False,
    )
    html = html.rstrip("\n").replace("\n</pre>", "</pre>")  # a trailing newline shows as a blank line
    return html, console.export_text(clear=True).rstrip("\n")
