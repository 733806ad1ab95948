"""The seed's summary panel: title, Total Spans, Duration, the token table."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .. import config
from ..analysis.cost import CostBreakdown, cost_breakdown
from ..analysis.summary import TraceSummary
from .formatting import format_cost, format_count, format_duration

TOKEN_COLUMNS = ("Model", "Prompt Tokens", "Completion Tokens", "Cached Tokens", "Thinking Tokens")
COST_COLUMN = "Cost"


def total_cost_text(costs: CostBreakdown) -> str:
    """The total cost; "≥ $x" when some model has no price (the total is a lower bound)."""
    if costs.partial and not costs.total:
        return format_cost(None)
    return ("≥ " if costs.partial else "") + format_cost(costs.total)


def token_table(summary: TraceSummary) -> Table:
    costs = cost_breakdown(summary.usage)
    table = Table(show_lines=False, pad_edge=False)
    # Narrow consoles squeeze columns: let the headers wrap first, and fold a
    # very long model id rather than cut it with "…".
    longest = max((len(model) for model in summary.usage), default=5)
    table.add_column(TOKEN_COLUMNS[0], overflow="fold", min_width=min(longest, 32))
    for header in (*TOKEN_COLUMNS[1:], COST_COLUMN):
        table.add_column(header, justify="right")
    last_model = list(summary.usage)[-1] if summary.usage else None
    for model, usage in summary.usage.items():
        table.add_row(
            Text(model),
            format_count(usage.prompt_tokens),
            format_count(usage.completion_tokens),
            format_count(usage.cached_tokens),
            format_count(usage.thinking_tokens),
            format_cost(costs.per_model.get(model)),
            end_section=model == last_model,
        )
    total = summary.total_usage
    table.add_row(
        Text("Total", style="bold"),
        format_count(total.prompt_tokens),
        format_count(total.completion_tokens),
        format_count(total.cached_tokens),
        format_count(total.thinking_tokens),
        Text(total_cost_text(costs), style="bold"),
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
