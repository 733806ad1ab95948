"""Rich renderables of the analysis views: the time table, a run comparison, the history.

Each function takes plain analysis data and returns a renderable, so the
terminal prints it and ``static_bundle`` turns it into a notebook output.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.terminal_theme import TerminalTheme
from rich.text import Text

from ..analysis.cost import CostBreakdown, cost_breakdown
from ..analysis.timing import SpanTiming
from .formatting import format_cost, format_count, format_duration
from .panel import total_cost_text

if TYPE_CHECKING:
    from ..analysis.compare import TraceComparison
    from ..analysis.history import HistoryEntry

DEFAULT_TIMING_ROWS = 15
NOTEBOOK_WIDTH = 115  # rich's own width for Jupyter

# Mid-tone ANSI colours that stay readable on JupyterLab's light and dark themes
# (rich's default maps red to #800000, nearly invisible on a dark background).
# Unstyled text gets no colour at all and inherits the notebook's own.
READABLE_THEME = TerminalTheme(
    (255, 255, 255),
    (0, 0, 0),
    [(0, 0, 0), (214, 64, 64), (46, 158, 68), (191, 140, 0), (58, 116, 214), (176, 79, 192), (31, 155, 176),
     (150, 150, 150)],
    [(110, 110, 110), (230, 90, 90), (70, 180, 90), (210, 160, 20), (90, 140, 230), (196, 110, 210),
     (60, 175, 195), (190, 190, 190)],
)  # fmt: skip


def timing_table(rows: Sequence[SpanTiming], limit: int = DEFAULT_TIMING_ROWS) -> Table:
    """Per span name: count, total, mean, max, errors; ``rows`` already sorted by total."""
    table = Table(title="Time by span name", title_justify="left", title_style="bold")
    table.add_column("Span")
    for header in ("Count", "Total", "Mean", "Max", "Errors"):
        table.add_column(header, justify="right")
    for row in rows[:limit]:
        table.add_row(
            Text(row.name),
            format_count(row.count),
            format_duration(row.total_s) + ("…" if row.running else ""),
            format_duration(row.mean_s),
            format_duration(row.max_s),
            Text(format_count(row.errors), style="bold red") if row.errors else Text("0", style="dim"),
        )
    hidden = len(rows) - limit
    if hidden > 0:
        table.add_row(Text(f"… {hidden:,} more span name{'s' if hidden != 1 else ''}", style="italic yellow"))
    return table


def static_bundle(renderable: RenderableType, width: int = NOTEBOOK_WIDTH) -> dict[str, str]:
    """A ``text/html`` + ``text/plain`` output bundle that renders without a widget or a server.

    rich escapes every piece of text it writes into the HTML, so span names and
    model ids cannot inject markup.
    """
    console = Console(
        record=True, file=io.StringIO(), width=width, color_system="truecolor", force_jupyter=False
    )
    console.print(renderable)
    html = console.export_html(
        theme=READABLE_THEME,
        inline_styles=True,
        code_format=(
            '<pre style="margin:0;white-space:pre;overflow-x:auto;'
            "font-family:Menlo,'DejaVu Sans Mono',consolas,'Courier New',monospace;"
            'line-height:1.3">{code}</pre>'
        ),
        clear=False,
    )
    html = html.rstrip("\n").replace("\n</pre>", "</pre>")  # a trailing newline shows as a blank line
    text = console.export_text(clear=True).rstrip("\n")
    return {"text/html": html, "text/plain": text}


# -- history -------------------------------------------------------------------


def _cost_cell(costs: CostBreakdown) -> str:
    if not costs.per_model:
        return "—"
    return total_cost_text(costs)


def history_table(entries: Sequence[HistoryEntry]) -> RenderableType:
    """One row per remembered block: number, name, when, spans, duration, tokens, cost, errors."""
    if not entries:
        return Text("No traced block has finished yet in this session.", style="italic")
    table = Table(title="Trace history", title_justify="left", title_style="bold")
    table.add_column("#", justify="right")
    table.add_column("Name")
    table.add_column("When")
    for header in ("Spans", "Duration", "Tokens", "Cost", "Errors"):
        table.add_column(header, justify="right")
    for entry in entries:
        summary = entry.summary()
        total = summary.total_usage
        table.add_row(
            str(entry.number),
            Text(entry.name),
            time.strftime("%H:%M:%S", time.localtime(entry.finished_at)),
            format_count(summary.total_spans),
            format_duration(summary.duration_s),
            format_count(total.prompt_tokens + total.completion_tokens),
            _cost_cell(cost_breakdown(summary.usage)),
            Text(str(len(summary.errors)), style="bold red") if summary.errors else Text("0", style="dim"),
        )
    return table


# -- comparison ----------------------------------------------------------------

_WORSE, _BETTER, _CHANGED = "bold red", "bold green", "bold yellow"


def _delta_style(before: float | None, after: float | None, more_is_worse: bool = True) -> str:
    if before is None or after is None:
        return _CHANGED
    if after == before:
        return ""
    if not more_is_worse:
        return _CHANGED
    return _WORSE if after > before else _BETTER


def _pair(before: str, after: str, style: str) -> Text:
    """``"12"`` when equal, ``"12 → 15"`` highlighted when not."""
    if before == after:
        return Text(before, style="dim")
    return Text(f"{before} → {after}", style=style)


def _signed(value: float, unit: str = "") -> str:
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{abs(value):,.0f}{unit}" if isinstance(value, int) else f"{sign}{abs(value):.2f}{unit}"


def comparison_view(comparison: TraceComparison) -> RenderableType:
    """Overview, spans per name, tokens and cost per model; what changed is highlighted."""
    c = comparison
    header = Text.assemble(
        ("Compare ", "bold"),
        ("A ", "dim"),
        (c.label_a, "bold"),
        ("  →  ", "dim"),
        ("B ", "dim"),
        (c.label_b, "bold"),
    )
    overview = Table(show_header=True, box=None, padding=(0, 2))
    overview.add_column("")
    overview.add_column("A", justify="right")
    overview.add_column("B", justify="right")
    overview.add_column("Change", justify="right")
    dur_a, dur_b = c.duration_s
    duration_changed = c.changed("duration_s") is not None
    overview.add_row(
        "Duration",
        format_duration(dur_a),
        format_duration(dur_b),
        Text(
            f"{(dur_b - dur_a) / dur_a:+.0%}" if dur_a else "",
            style=_delta_style(dur_a, dur_b) if duration_changed else "dim",
        ),
    )
    rows: list[tuple[str, float, float, str]] = [
        ("Spans", c.total_spans[0], c.total_spans[1], _signed(c.total_spans[1] - c.total_spans[0])),
        ("Errors", c.errors[0], c.errors[1], _signed(c.errors[1] - c.errors[0])),
    ]
    for label, before, after, delta in rows:
        style = _delta_style(before, after) if before != after else "dim"
        overview.add_row(
            label,
            format_count(int(before)),
            format_count(int(after)),
            Text(delta if before != after else "", style=style),
        )
    cost_a, cost_b = c.cost
    overview.add_row(
        "Cost",
        _cost_cell(cost_a),
        _cost_cell(cost_b),
        Text(
            ("+" if cost_b.total >= cost_a.total else "−") + format_cost(abs(cost_b.total - cost_a.total))
            if c.changed("total_cost_usd")
            else "",
            style=_delta_style(cost_a.total, cost_b.total),
        ),
    )
    parts: list[RenderableType] = [header, overview]

    models = Table(title="Tokens and cost per model", title_justify="left", title_style="bold")
    for column in ("Model", "Calls", "Prompt", "Completion", "Cached", "Cost"):
        models.add_column(column, justify="left" if column == "Model" else "right")
    for model, (x, y) in c.usage_by_model.items():
        cx, cy = c.cost_by_model[model]
        models.add_row(
            Text(model, style="bold" if x != y else ""),
            *(
                _pair(
                    format_count(getattr(x, f)),
                    format_count(getattr(y, f)),
                    _delta_style(getattr(x, f), getattr(y, f)),
                )
                for f in ("calls", "prompt_tokens", "completion_tokens", "cached_tokens")
            ),
            _pair(format_cost(cx), format_cost(cy), _delta_style(cx, cy)),
        )
    if c.usage_by_model:
        parts.append(models)

    changed = [(n, ab) for n, ab in c.spans_by_name.items() if ab[0] != ab[1]]
    same = [(n, ab) for n, ab in c.spans_by_name.items() if ab[0] == ab[1]]
    spans = Table(title="Spans per name", title_justify="left", title_style="bold")
    spans.add_column("Span")
    spans.add_column("A", justify="right")
    spans.add_column("B", justify="right")
    spans.add_column("Change", justify="right")
    shown = (changed + same)[:DEFAULT_TIMING_ROWS]
    for name, (x, y) in shown:
        style = _CHANGED if x != y else "dim"
        spans.add_row(
            Text(name, style="bold" if x != y else ""),
            str(x),
            str(y),
            Text(_signed(y - x) if x != y else "", style=style),
        )
    hidden = len(c.spans_by_name) - len(shown)
    if hidden > 0:
        spans.add_row(Text(f"… {hidden:,} more unchanged", style="italic"))
    parts.append(spans)

    if c.errors_by_name:
        errors = Table(title="Errors per span name", title_justify="left", title_style="bold")
        for column in ("Span", "A", "B"):
            errors.add_column(column, justify="left" if column == "Span" else "right")
        for name, (x, y) in c.errors_by_name.items():
            errors.add_row(Text(name), str(x), Text(str(y), style=_delta_style(x, y) or "dim"))
        parts.append(errors)

    interesting = [change for change in c.changes if change.what != "duration_s"]
    if not interesting:
        parts.append(Text("No differences in spans, tokens, cost or errors.", style="italic green"))
    return Group(*parts)
