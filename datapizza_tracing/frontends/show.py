"""Showing a report or an analysis view where the user is: notebook output or terminal.

In a Jupyter kernel the output is a static ``text/html`` + ``text/plain``
bundle, which stays visible in saved notebooks, nbconvert and GitHub; anywhere
else rich prints to the terminal.
"""

from __future__ import annotations

from rich.console import Console, RenderableType

from ..model.snapshot import TraceSnapshot
from ..render.rich.report import rich_report
from ..views.report import trace_report
from .output import in_jupyter_kernel


def _display_bundle(bundle: dict[str, str]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def show_renderable(renderable: RenderableType) -> None:
    if in_jupyter_kernel():
        from .notebook.bundles import rich_bundle

        _display_bundle(rich_bundle(renderable))
    else:
        Console().print(renderable)


def show_snapshot(snapshot: TraceSnapshot) -> None:
    """The full report of a snapshot (the notebook's static HTML view when in a kernel)."""
    if in_jupyter_kernel():
        from .notebook.bundles import report_bundle

        _display_bundle(report_bundle(snapshot))
    else:
        Console().print(rich_report(trace_report(snapshot)))
