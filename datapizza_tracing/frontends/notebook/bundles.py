"""The MIME bundles a notebook keeps: ``text/html`` plus a real ``text/plain``, no widget state.

They render on GitHub, in nbviewer and in ``nbconvert`` without a kernel. The
plain text is the terminal rendering of the same view model, what a reader
without HTML sees (and what nbval compares).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...analysis.compare import TraceComparison
from ...model.snapshot import TraceSnapshot
from ...render.html.comparison import html_comparison
from ...render.html.report import html_report
from ...render.html.style import STYLE
from ...render.html.table import html_table
from ...render.rich.report import rich_comparison, rich_report
from ...render.rich.table import rich_table
from ...render.rich.text import render_text
from ...session.history import HistoryEntry
from ...views.comparison import comparison_view
from ...views.history import history_table
from ...views.report import trace_report

NOTEBOOK_TEXT_WIDTH = 99  # under the width where the terminal draws bars: the text stays stable


def _bundle(html: str, text: str) -> dict[str, str]:
    return {"text/html": html, "text/plain": text.rstrip("\n")}


def report_bundle(snapshot: TraceSnapshot, *, tree_limit: int | None = None) -> dict[str, str]:
    report = trace_report(snapshot, tree_limit)
    return _bundle(html_report(report), render_text(rich_report(report), NOTEBOOK_TEXT_WIDTH))


def history_bundle(entries: Sequence[HistoryEntry], limit: int | None = None) -> dict[str, str]:
    view = history_table(entries, limit)
    html = f'<div class="dpt dpt-history">{STYLE}{html_table(view)}</div>'
    return _bundle(html, render_text(rich_table(view), NOTEBOOK_TEXT_WIDTH))


def comparison_bundle(comparison: TraceComparison) -> dict[str, str]:
    view = comparison_view(comparison)
    return _bundle(html_comparison(view), render_text(rich_comparison(view), NOTEBOOK_TEXT_WIDTH))
