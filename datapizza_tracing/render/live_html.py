"""The small HTML the live widget shows while a block runs.

It is rebuilt a few times a second, so it is deliberately plain: one header
line with the figures so far and at most ``LIVE_ROWS`` indented rows (no
attribute tables, no waterfall). Its size does not depend on the trace: the
rows are capped and everything else is a handful of numbers. Like the static
snapshot, it escapes every piece of span text: the widget sets it as innerHTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .formatting import format_count, format_duration, more_spans_line
from .html_style import STYLE, esc
from .masking import scrub_text

LIVE_ROWS = 50
MODELS_SHOWN = 3
_MESSAGE_LIMIT = 120


@dataclass(frozen=True)
class LiveRow:
    """One line of the live tree: a span, or a "… N earlier spans" marker (``span_name`` None)."""

    depth: int
    span_name: str | None
    kind: str | None = None
    seconds: float = 0.0
    running: bool = False
    error: str | None = None  # the status message of a failed span
    note: str = ""  # text of a marker row


@dataclass(frozen=True)
class LiveFrame:
    """What the live view shows at one tick."""

    name: str
    elapsed_s: float
    span_count: int  # finished + running spans seen so far
    running_count: int
    tokens: Mapping[str, tuple[int, int]]  # model -> (prompt, completion) so far
    rows: Sequence[LiveRow]
    hidden: int  # spans not shown in rows
    error_count: int = 0  # finished spans that failed


def _row_html(row: LiveRow) -> str:
    indent = f"padding-left:{row.depth * 1.2:.1f}em"
    if row.span_name is None:
        return f'<div class="dpt-more" style="{indent}">{esc(row.note)}</div>'
    parts = [f'<b class="dpt-err">{esc(row.span_name)}</b>' if row.error is not None else f"<b>{esc(row.span_name)}</b>"]
    if row.kind:
        parts.append(f'<span class="dpt-kind">[{esc(row.kind)}]</span>')
    if row.running:
        parts.append(f'<span class="dpt-run">running {format_duration(row.seconds)}…</span>')
    else:
        parts.append(f'<span class="dpt-dur">{format_duration(row.seconds)}</span>')
    if row.error is not None:
        message = scrub_text(row.error)[:_MESSAGE_LIMIT]
        parts.append(f'<span class="dpt-err">✗ {esc(message)}</span>')
    return f'<div class="dpt-label" style="{indent}">{" ".join(parts)}</div>'


def _tokens_text(tokens: Mapping[str, tuple[int, int]]) -> str:
    if not tokens:
        return ""
    models = sorted(tokens)
    shown = [
        f"{esc(model)} {format_count(tokens[model][0])}→{format_count(tokens[model][1])} tok"
        for model in models[:MODELS_SHOWN]
    ]
    if len(models) > MODELS_SHOWN:
        shown.append(f"+{len(models) - MODELS_SHOWN} more models")
    return f' · <span class="dpt-tok">{", ".join(shown)}</span>'


def _errors_text(errors: int) -> str:
    if not errors:
        return ""
    return f' · <span class="dpt-err">{format_count(errors)} error{"s" if errors != 1 else ""}</span>'


def render_live_html(frame: LiveFrame) -> str:
    """The live view's HTML for one tick."""
    header = (
        f'<div class="dpt-title">Tracing {esc(frame.name)} '
        f'<span class="dpt-run">running {format_duration(frame.elapsed_s)}…</span></div>'
        f"<div>Spans so far: <b>{format_count(frame.span_count)}</b>"
        f" ({format_count(frame.running_count)} running){_errors_text(frame.error_count)}"
        f"{_tokens_text(frame.tokens)}</div>"
    )
    rows = "".join(_row_html(row) for row in frame.rows)
    more = f'<div class="dpt-more">{more_spans_line(frame.hidden)}</div>' if frame.hidden > 0 else ""
    return (
        f'<div class="dpt dpt-live">{STYLE}<div class="dpt-panel">{header}</div>'
        f'<div class="dpt-tree">{rows}{more}</div></div>'
    )
