"""The seed's summary panel: title, Total Spans, Duration, the token table."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .. import config
from ..analysis.summary import TraceSummary
from .formatting import format_count, format_duration

TOKEN_COLUMNS = ("Model", "Prompt Tokens", "Completion Tokens", "Cached Tokens", "Thinking Tokens")


def token_table(summary: TraceSummary) -> Table:
    table = Table(*TOKEN_COLUMNS, show_lines=False)
    for model, usage in summary.usage.items():
        table.add_row(
            Text(model),
            format_count(usage.prompt_tokens),
            format_count(usage.completion_tokens),
            format_count(usage.cached_tokens),
            format_count(usage.thinking_tokens),
        )
    return table


def summary_lines(summary: TraceSummary) -> list[Text]:
    spans = Text.assemble("Total Spans: ", (format_count(summary.total_spans), "bold"))
    if summary.dropped_spans:
        spans.append(f"  ({format_count(summary.dropped_spans)} dropped over the span cap)", "yellow")
    if summary.running_spans and summary.finished:
        spans.append(f"  ({format_count(summary.running_spans)} still running at the end)", "yellow")
    lines = [spans, Text.assemble("Duration: ", (format_duration(summary.duration_s), "bold"))]
    if summary.errors:
        lines.append(Text(f"Errors: {len(summary.errors)}", style="bold red"))
    url = trace_url(summary.trace_id)
    if url:
        lines.append(Text.assemble("Trace: ", (url, f"link {url}")))
    lines.extend(Text(note, style="yellow") for note in summary.notes)
    return lines


def trace_url(trace_id: str) -> str | None:
    """The backend's page for this trace, from ``DATAPIZZA_TRACING_TRACE_URL``."""
    template = config.trace_url_template()
    return template.replace("{trace_id}", trace_id) if template else None


def summary_panel(summary: TraceSummary) -> Panel:
    parts: list[RenderableType] = list(summary_lines(summary))
    if summary.usage:
        parts.append(token_table(summary))
    title = Text(f"Trace Summary of {summary.name}")
    if not summary.finished:
        title.append(" (running)", style="italic")
    return Panel(Group(*parts), title=title, title_align="left", expand=False)
