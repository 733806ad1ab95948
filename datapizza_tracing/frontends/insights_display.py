"""Showing a report or an analysis view where the user is: notebook output or terminal.

In a Jupyter kernel the output is a static ``text/html`` + ``text/plain``
bundle, which stays visible in saved notebooks, nbconvert and GitHub; anywhere
else rich prints to the terminal.
"""

from __future__ import annotations

import sys

from rich.console import Console, RenderableType

from ..analysis.snapshot import TraceSnapshot
from ..render.insights import static_bundle


def in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _display_bundle(bundle: dict[str, str]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def show_renderable(renderable: RenderableType) -> None:
    if in_notebook():
        _display_bundle(static_bundle(renderable))
    else:
        Console().print(renderable)


def show_snapshot(snapshot: TraceSnapshot) -> None:
    """The full report of a snapshot (the notebook's static HTML view when in a kernel)."""
    if in_notebook():
        try:
            from ..render.html import static_bundle as report_bundle
        except ImportError:  # the HTML renderer is optional: fall back to rich's HTML
            pass
        else:
            _display_bundle(report_bundle(snapshot))
            return
    from ..render.report import trace_report

    show_renderable(trace_report(snapshot))
