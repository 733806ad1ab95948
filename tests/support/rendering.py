"""The three outputs of a snapshot as users meet them: terminal text, notebook HTML, the notebook bundle."""

from __future__ import annotations

from typing import Any

from datapizza_tracing.frontends.notebook.bundles import comparison_bundle as _comparison_bundle
from datapizza_tracing.frontends.notebook.bundles import history_bundle as _history_bundle
from datapizza_tracing.frontends.notebook.bundles import report_bundle
from datapizza_tracing.model.snapshot import TraceSnapshot
from datapizza_tracing.render.html.report import html_report
from datapizza_tracing.render.rich.report import rich_comparison, rich_report
from datapizza_tracing.render.rich.table import rich_table
from datapizza_tracing.render.rich.text import render_text
from datapizza_tracing.views.comparison import comparison_view
from datapizza_tracing.views.history import history_table
from datapizza_tracing.views.report import trace_report


def terminal_text(snapshot: TraceSnapshot, width: int = 100, tree_limit: int | None = None) -> str:
    """The terminal report as plain text at ``width`` columns."""
    return render_text(rich_report(trace_report(snapshot, tree_limit)), width)


def report_html(snapshot: TraceSnapshot, tree_limit: int | None = None) -> str:
    """The static snapshot's HTML."""
    return html_report(trace_report(snapshot, tree_limit))


def notebook_bundle(snapshot: TraceSnapshot, tree_limit: int | None = None) -> dict[str, str]:
    """What a notebook keeps for a finished block."""
    return report_bundle(snapshot, tree_limit=tree_limit)


def comparison_text(comparison: Any, width: int = 120) -> str:
    return render_text(rich_comparison(comparison_view(comparison)), width)


def comparison_bundle(comparison: Any) -> dict[str, str]:
    return _comparison_bundle(comparison)


def history_text(entries: Any, width: int = 120) -> str:
    return render_text(rich_table(history_table(entries)), width)


def history_bundle(entries: Any) -> dict[str, str]:
    return _history_bundle(entries)
