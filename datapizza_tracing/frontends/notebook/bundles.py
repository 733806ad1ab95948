"""The MIME bundles a notebook keeps: ``text/html`` plus a real ``text/plain``, no widget state.

They render on GitHub, in nbviewer and in ``nbconvert`` without a kernel. The
plain text is the terminal report, what a reader without HTML sees (and what
nbval compares).
"""

from __future__ import annotations

from rich.console import RenderableType

from ...model.snapshot import TraceSnapshot
from ...render.html.report import html_report
from ...render.rich.report import rich_report
from ...render.rich.text import html_and_text, render_text
from ...views.report import trace_report


def report_bundle(snapshot: TraceSnapshot, *, tree_limit: int | None = None) -> dict[str, str]:
    report = trace_report(snapshot, tree_limit)
    return {
        "text/html": html_report(report),
        "text/plain": render_text(rich_report(report)).rstrip("\n"),
    }


def rich_bundle(renderable: RenderableType) -> dict[str, str]:
    """A rich renderable (history, comparison) as a static bundle."""
    html, text = html_and_text(renderable)
    return {"text/html": html, "text/plain": text}
