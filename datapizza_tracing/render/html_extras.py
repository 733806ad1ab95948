"""HTML forms of the analysis views the terminal report also shows: token table with cost,
time per span name, and the critical path marker.

They mirror ``panel.token_table``, ``insights.timing_table`` and ``span_tree``'s
◆ mark, reading the same analysis functions, so both outputs tell the same story.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..analysis.cost import cost_breakdown
from ..analysis.critical_path import critical_path_ids
from ..model.snapshot import TraceSnapshot
from ..analysis.summary import TokenUsage, TraceSummary
from ..analysis.timing import span_timings
from .formatting import format_cost, format_count, format_duration
from .html_style import ERR_CLASS, TD, TD_LEFT, TH, TH_LEFT, esc
from .insights import DEFAULT_TIMING_ROWS
from .panel import COST_COLUMN, TOKEN_COLUMNS, total_cost_text

CRITICAL_MARK = "◆"


def _head_cells(columns: Iterable[str]) -> str:
    """Header cells of already escaped column names: the first is a label, left-aligned."""
    return "".join(f"{TH if index else TH_LEFT}{column}</th>" for index, column in enumerate(columns))


def _usage_cells(usage: TokenUsage) -> str:
    return "".join(
        f"{TD}{format_count(value)}</td>"
        for value in (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens, usage.thinking_tokens)
    )


def token_table_html(summary: TraceSummary) -> str:
    """Model / Prompt / Completion / Cached / Thinking Tokens / Cost, then a Total row."""
    costs = cost_breakdown(summary.usage)
    head = _head_cells(esc(column) for column in (*TOKEN_COLUMNS, COST_COLUMN))
    rows = [
        f"<tr>{TD_LEFT}{esc(model)}</td>{_usage_cells(usage)}{TD}{format_cost(costs.per_model.get(model))}</td></tr>"
        for model, usage in summary.usage.items()
    ]
    rows.append(
        f"<tr>{TD_LEFT}<b>Total</b></td>{_usage_cells(summary.total_usage)}"
        f"{TD}<b>{esc(total_cost_text(costs))}</b></td></tr>"
    )
    return (
        f'<table class="dpt-table dpt-tokens"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>'
    )


def critical_span_ids(snapshot: TraceSnapshot) -> frozenset[int]:
    """Spans to mark ◆ in the tree; none for a lone root, whose path is trivially itself."""
    if len(snapshot.spans) < 2:
        return frozenset()
    return critical_path_ids(snapshot)


def timing_table_html(snapshot: TraceSnapshot, limit: int = DEFAULT_TIMING_ROWS) -> str:
    """Time by span name, the largest total first, capped at ``limit`` rows."""
    timings = span_timings(snapshot)
    head = _head_cells(("Span", "Count", "Total", "Mean", "Max", "Errors"))
    rows = []
    for row in timings[:limit]:
        errors = f'<span {ERR_CLASS}>{format_count(row.errors)}</span>' if row.errors else "0"
        rows.append(
            f"<tr>{TD_LEFT}{esc(row.name)}</td>{TD}{format_count(row.count)}</td>"
            f"{TD}{format_duration(row.total_s)}{'…' if row.running else ''}</td>"
            f"{TD}{format_duration(row.mean_s)}</td>{TD}{format_duration(row.max_s)}</td>{TD}{errors}</td></tr>"
        )
    hidden = len(timings) - limit
    if hidden > 0:
        rows.append(
            f'<tr><td colspan="6" class="dpt-more">… {hidden:,} more span name{"s" if hidden != 1 else ""}</td></tr>'
        )
    return (
        '<details class="dpt-timing" open><summary class="dpt-title">Time by span name</summary>'
        f'<table class="dpt-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></details>'
    )


def extra_sections(snapshot: TraceSnapshot) -> list[str]:
    """What follows the tree: the time table (not for a lone root, which the panel already times)."""
    if len(snapshot.spans) < 2:
        return []
    return [timing_table_html(snapshot)]
