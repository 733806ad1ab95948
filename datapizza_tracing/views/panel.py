"""The summary panel: title, span count, duration, errors, notes and the token table with cost."""

from __future__ import annotations

from dataclasses import dataclass

from .. import config
from ..analysis.cost import CostBreakdown, cost_breakdown
from ..analysis.masking import Masker, configured_masker
from ..analysis.summary import TokenUsage, TraceSummary
from ..model.record import SpanRecord
from .exception import masked_elided
from .table import Cell, Column, TableView, cells
from .text import format_cost, format_count, format_duration, one_line, plural, shown_name
from .tone import Part

TOKEN_COLUMNS = (
    Column("Model"),
    Column("Calls", numeric=True),
    Column("Prompt Tokens", numeric=True, short="Prompt"),
    Column("Completion Tokens", numeric=True, short="Completion"),
    Column("Cached Tokens", numeric=True, short="Cached"),
    Column("Thinking Tokens", numeric=True, short="Thinking"),
    Column("Cost", numeric=True),
)
# Shown only when some call wrote to a prompt cache (Anthropic): most traces have none.
CACHE_WRITE_COLUMN = Column("Cache Write Tokens", numeric=True, short="Cache write")
ROW_MESSAGE_LIMIT = 120  # characters of an error message inside one row of a tree or a list


@dataclass(frozen=True)
class PanelLine:
    parts: tuple[Part, ...]
    link: str | None = None  # a URL the whole line points to


@dataclass(frozen=True)
class SummaryPanel:
    title: str
    running: bool
    lines: tuple[PanelLine, ...]
    tokens: TableView | None
    trace_id: str


def total_cost_text(costs: CostBreakdown) -> str:
    """The total cost; "≥ $x" when some model has no price (the total is a lower bound)."""
    if costs.partial and not costs.total:
        return format_cost(None)
    return ("≥ " if costs.partial else "") + format_cost(costs.total)


def _usage_cells(usage: TokenUsage, cost: str, cache_writes: bool) -> tuple[Cell, ...]:
    figures = [
        usage.calls,
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.cached_tokens,
        usage.thinking_tokens,
    ]
    if cache_writes:
        figures.append(usage.cache_write_tokens)
    return cells(*map(format_count, figures), cost)


def token_table(summary: TraceSummary) -> TableView | None:
    if not summary.usage:
        return None
    costs = cost_breakdown(summary.usage)
    writes = summary.total_usage.cache_write_tokens > 0
    rows = tuple(
        (Cell(shown_name(model)), *_usage_cells(usage, format_cost(costs.per_model.get(model)), writes))
        for model, usage in summary.usage.items()
    )
    total = _usage_cells(summary.total_usage, total_cost_text(costs), writes)
    footer = (Cell("Total", "strong"), *total[:-1], Cell(total[-1].text, "strong"))
    columns = (*TOKEN_COLUMNS[:-1], CACHE_WRITE_COLUMN, TOKEN_COLUMNS[-1]) if writes else TOKEN_COLUMNS
    return TableView(None, columns, rows, footer=footer)


def error_message(span: SpanRecord, limit: int, masker: Masker | None = None) -> str:
    """A failed span's message as any view shows it: one line, credentials masked, cut at ``limit``.
    ``masker``: the render's; the configured one when none is handed."""
    masker = masker if masker is not None else configured_masker()
    return masked_elided(span.status_message or "error", limit, masker)


def trace_url(trace_id: str) -> str | None:
    """The backend's page for this trace, from ``DATAPIZZA_TRACING_TRACE_URL``."""
    template = config.trace_url_template()
    return template.replace("{trace_id}", trace_id) if template else None


def summary_panel(summary: TraceSummary, errors: int = 0) -> SummaryPanel:
    """The panel; ``errors`` counts exceptions at their origin, not every span they failed."""
    spans = [Part("Total Spans: "), Part(format_count(summary.total_spans), "strong")]
    if summary.dropped_spans:
        spans.append(Part(f"  ({format_count(summary.dropped_spans)} dropped over the span cap)", "warn"))
    if summary.running_spans and summary.finished:
        spans.append(Part(f"  ({format_count(summary.running_spans)} still running at the end)", "warn"))
    lines = [
        PanelLine(tuple(spans)),
        PanelLine((Part("Duration: "), Part(format_duration(summary.duration_s), "strong"))),
    ]
    if errors:
        # One exception failing the spans it propagates through is one error (see analysis.errors).
        parts = [Part(f"Errors: {errors:,}", "error")]
        if len(summary.errors) > errors:
            parts.append(Part(f"  ({plural(len(summary.errors), 'failed span')})", "muted"))
        lines.append(PanelLine(tuple(parts)))
    url = trace_url(summary.trace_id)
    if url:
        # The template comes from the environment, but a "javascript:" URL would
        # still run on click: only web links become links.
        link = url if url.lower().startswith(("https://", "http://")) else None
        lines.append(PanelLine((Part("Trace: "), Part(one_line(url))), link=link))
    # Notes hold text from outside the traced code too (a configured URL, a loaded file's notes).
    masker = configured_masker()
    lines.extend(PanelLine((Part(one_line(masker.scrub(note)), "warn"),)) for note in summary.notes)
    return SummaryPanel(
        title=f"Trace Summary of {shown_name(summary.name)}",
        running=not summary.finished,
        lines=tuple(lines),
        tokens=token_table(summary),
        trace_id=summary.trace_id,
    )
