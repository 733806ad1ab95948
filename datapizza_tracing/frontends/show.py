"""Showing a report, the history or a comparison where the user is: notebook output or terminal.

In a Jupyter kernel the output is a static ``text/html`` + ``text/plain``
bundle, which stays visible in saved notebooks, nbconvert and GitHub; anywhere
else rich prints to the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.compare import TraceComparison
from ..model.snapshot import TraceSnapshot
from ..render.rich.report import rich_comparison, rich_report
from ..render.rich.table import rich_table
from ..session.history import HistoryEntry
from ..views.comparison import comparison_view
from ..views.history import history_table
from ..views.report import trace_report
from .output import in_jupyter_kernel
from .terminal import report_console


def _display(bundle: dict[str, str]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def show_snapshot(snapshot: TraceSnapshot) -> None:
    """The full report of a snapshot (the static HTML snapshot when in a kernel)."""
    if in_jupyter_kernel():
        from .notebook.bundles import report_bundle

        _display(report_bundle(snapshot))
    else:
        report_console().print(rich_report(trace_report(snapshot)))


def show_history(entries: Sequence[HistoryEntry], limit: int | None = None) -> None:
    if in_jupyter_kernel():
        from .notebook.bundles import history_bundle

        _display(history_bundle(entries, limit))
    else:
        report_console().print(rich_table(history_table(entries, limit)))


def show_comparison(comparison: TraceComparison) -> None:
    if in_jupyter_kernel():
        from .notebook.bundles import comparison_bundle

        _display(comparison_bundle(comparison))
    else:
        report_console().print(rich_comparison(comparison_view(comparison)))
