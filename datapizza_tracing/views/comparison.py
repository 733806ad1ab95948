"""Two runs side by side: overview, tokens and cost per model, spans and errors per name.

What changed is toned: worse (more time, more errors, more cost) reads "bad",
better reads "good", a change that is neither reads "changed"; what did not
change is muted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.compare import TraceComparison
from .panel import total_cost_text
from .table import Cell, Column, TableView, cells
from .text import format_cost, format_count, format_duration, more_line, one_line
from .tone import Part, Tone

ROWS_SHOWN = 15
NO_DIFFERENCES = "No differences in spans, tokens, cost or errors."


@dataclass(frozen=True)
class ComparisonView:
    header: tuple[Part, ...]
    tables: tuple[TableView, ...]
    note: Part | None


def _tone(before: float | None, after: float | None, more_is_worse: bool = True) -> Tone:
    if before is None or after is None:
        return "changed"
    if after == before:
        return "plain"
    if not more_is_worse:
        return "changed"
    return "bad" if after > before else "good"


def _pair(before: str, after: str, tone: Tone) -> Cell:
    """``"12"`` when equal, ``"12 → 15"`` toned when not."""
    if before == after:
        return Cell(before, "muted")
    return Cell(f"{before} → {after}", tone)


def _signed(value: int) -> str:
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{abs(value):,}"


def _cost_text(costs) -> str:
    return total_cost_text(costs) if costs.per_model else "—"


def _overview(c: TraceComparison) -> TableView:
    dur_a, dur_b = c.duration_s
    duration_changed = c.changed("duration_s") is not None
    rows = [
        cells(
            "Duration",
            format_duration(dur_a),
            format_duration(dur_b),
            Cell(
                f"{(dur_b - dur_a) / dur_a:+.0%}" if dur_a else "",
                _tone(dur_a, dur_b) if duration_changed else "muted",
            ),
        )
    ]
    for label, (before, after) in (("Spans", c.total_spans), ("Errors", c.errors)):
        changed = before != after
        rows.append(
            cells(
                label,
                format_count(before),
                format_count(after),
                Cell(
                    _signed(after - before) if changed else "", _tone(before, after) if changed else "muted"
                ),
            )
        )
    cost_a, cost_b = c.cost
    delta = ""
    if c.changed("total_cost_usd"):
        delta = ("+" if cost_b.total >= cost_a.total else "−") + format_cost(abs(cost_b.total - cost_a.total))
    rows.append(
        cells("Cost", _cost_text(cost_a), _cost_text(cost_b), Cell(delta, _tone(cost_a.total, cost_b.total)))
    )
    columns = (Column(""), Column("A", True), Column("B", True), Column("Change", True))
    return TableView(None, columns, tuple(rows), framed=False)


def _models(c: TraceComparison) -> TableView:
    columns = (
        Column("Model"),
        *(Column(t, True) for t in ("Calls", "Prompt", "Completion", "Cached", "Cost")),
    )
    rows = []
    for model, (x, y) in c.usage_by_model.items():
        cx, cy = c.cost_by_model[model]
        rows.append(
            (
                Cell(one_line(model), "strong" if x != y else "plain"),
                *(
                    _pair(
                        format_count(getattr(x, f)),
                        format_count(getattr(y, f)),
                        _tone(getattr(x, f), getattr(y, f)),
                    )
                    for f in ("calls", "prompt_tokens", "completion_tokens", "cached_tokens")
                ),
                _pair(format_cost(cx), format_cost(cy), _tone(cx, cy)),
            )
        )
    return TableView("Tokens and cost per model", columns, tuple(rows))


def _spans(c: TraceComparison) -> TableView:
    changed = [(n, ab) for n, ab in c.spans_by_name.items() if ab[0] != ab[1]]
    same = [(n, ab) for n, ab in c.spans_by_name.items() if ab[0] == ab[1]]
    shown = (changed + same)[:ROWS_SHOWN]
    rows = tuple(
        (
            Cell(one_line(name), "strong" if x != y else "plain"),
            Cell(str(x)),
            Cell(str(y)),
            Cell(_signed(y - x) if x != y else "", "changed" if x != y else "muted"),
        )
        for name, (x, y) in shown
    )
    hidden = len(c.spans_by_name) - len(shown)
    columns = (Column("Span"), Column("A", True), Column("B", True), Column("Change", True))
    return TableView(
        "Spans per name", columns, rows, more_line(hidden, "unchanged name") if hidden > 0 else None
    )


def _errors(c: TraceComparison) -> TableView:
    rows = tuple(
        (Cell(one_line(name)), Cell(str(x)), Cell(str(y), _tone(x, y) if x != y else "muted"))
        for name, (x, y) in c.errors_by_name.items()
    )
    return TableView("Errors per span name", (Column("Span"), Column("A", True), Column("B", True)), rows)


def comparison_view(c: TraceComparison) -> ComparisonView:
    header = (
        Part("Compare ", "strong"),
        Part("A ", "muted"),
        Part(one_line(c.label_a), "strong"),
        Part("  →  ", "muted"),
        Part("B ", "muted"),
        Part(one_line(c.label_b), "strong"),
    )
    tables = [_overview(c)]
    if c.usage_by_model:
        tables.append(_models(c))
    tables.append(_spans(c))
    if c.errors_by_name:
        tables.append(_errors(c))
    interesting = [change for change in c.changes if change.what != "duration_s"]
    note = None if interesting else Part(NO_DIFFERENCES, "good")
    return ComparisonView(header, tuple(tables), note)
