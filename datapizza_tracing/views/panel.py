"""The summary panel: title, span count, duration, errors, notes and the token table with cost."""

from __future__ import annotations

from dataclasses import dataclass

from .. import config
from ..analysis.cost import CostBreakdown, cost_breakdown
from ..analysis.summary import TokenUsage, TraceSummary
from ..model.record import SpanRecord
from .masking import scrub_text
from .text import elided, format_cost, format_count, format_duration, more_line, one_line
from .tone import Part

TOKEN_COLUMNS = ("Model", "Prompt Tokens", "Completion Tokens", "Cached Tokens", "Thinking Tokens", "Cost")
ERRORS_LISTED = 5  # failed spans named in the panel; the tree marks every one
PANEL_MESSAGE_LIMIT = 300  # characters of an error message in the panel's list


@dataclass(frozen=True)
class TokenRow:
    label: str
    cells: tuple[str, ...]  # prompt, completion, cached, thinking, cost: already formatted
    total: bool = False


@dataclass(frozen=True)
class TokenTable:
    columns: tuple[str, ...]
    rows: tuple[TokenRow, ...]  # one per model, then the Total row


@dataclass(frozen=True)
class PanelLine:
    parts: tuple[Part, ...]
    link: str | None = None  # a URL the whole line points to


@dataclass(frozen=True)
class SummaryPanel:
    title: str
    running: bool
    lines: tuple[PanelLine, ...]
    tokens: TokenTable | None
    trace_id: str


def total_cost_text(costs: CostBreakdown) -> str:
    """The total cost; "≥ $x" when some model has no price (the total is a lower bound)."""
    if costs.partial and not costs.total:
        return format_cost(None)
    return ("≥ " if costs.partial else "") + format_cost(costs.total)


def _usage_cells(usage: TokenUsage, cost: str) -> tuple[str, ...]:
    return (
        format_count(usage.prompt_tokens),
        format_count(usage.completion_tokens),
        format_count(usage.cached_tokens),
        format_count(usage.thinking_tokens),
        cost,
    )


def token_table(summary: TraceSummary) -> TokenTable | None:
    if not summary.usage:
        return None
    costs = cost_breakdown(summary.usage)
    rows = [
        TokenRow(one_line(model), _usage_cells(usage, format_cost(costs.per_model.get(model))))
        for model, usage in summary.usage.items()
    ]
    rows.append(TokenRow("Total", _usage_cells(summary.total_usage, total_cost_text(costs)), total=True))
    return TokenTable(TOKEN_COLUMNS, tuple(rows))


def error_message(span: SpanRecord, limit: int) -> str:
    """A failed span's message as any view shows it: one line, credentials masked, cut at ``limit``."""
    return elided(one_line(scrub_text(span.status_message or "error")), limit)


def trace_url(trace_id: str) -> str | None:
    """The backend's page for this trace, from ``DATAPIZZA_TRACING_TRACE_URL``."""
    template = config.trace_url_template()
    return template.replace("{trace_id}", trace_id) if template else None


def summary_panel(summary: TraceSummary) -> SummaryPanel:
    spans = [Part("Total Spans: "), Part(format_count(summary.total_spans), "strong")]
    if summary.dropped_spans:
        spans.append(Part(f"  ({format_count(summary.dropped_spans)} dropped over the span cap)", "warn"))
    if summary.running_spans and summary.finished:
        spans.append(Part(f"  ({format_count(summary.running_spans)} still running at the end)", "warn"))
    lines = [
        PanelLine(tuple(spans)),
        PanelLine((Part("Duration: "), Part(format_duration(summary.duration_s), "strong"))),
    ]
    if summary.errors:
        lines.append(PanelLine((Part(f"Errors: {len(summary.errors):,}", "error"),)))
        for span in summary.errors[:ERRORS_LISTED]:
            text = f"✗ {one_line(span.name)}: {error_message(span, PANEL_MESSAGE_LIMIT)}"
            lines.append(PanelLine((Part(text, "error"),)))
        if len(summary.errors) > ERRORS_LISTED:
            lines.append(PanelLine((Part(more_line(len(summary.errors) - ERRORS_LISTED, "error"), "warn"),)))
    url = trace_url(summary.trace_id)
    if url:
        # The template comes from the environment, but a "javascript:" URL would
        # still run on click: only web links become links.
        link = url if url.lower().startswith(("https://", "http://")) else None
        lines.append(PanelLine((Part("Trace: "), Part(one_line(url))), link=link))
    lines.extend(PanelLine((Part(one_line(note), "warn"),)) for note in summary.notes)
    return SummaryPanel(
        title=f"Trace Summary of {one_line(summary.name)}",
        running=not summary.finished,
        lines=tuple(lines),
        tokens=token_table(summary),
        trace_id=summary.trace_id,
    )
