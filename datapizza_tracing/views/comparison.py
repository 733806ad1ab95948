"""Two runs side by side: the overview, where the time changed, tokens and cost per model, what is new.

Colours mean better or worse only where that is true: more time, more errors,
more tokens and more cost read "bad", less reads "good"; a different number of
spans is only "changed" (a run that does more work is not wrong for it); what
did not change is muted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.compare import TraceComparison
from ..analysis.cost import CostBreakdown
from .panel import total_cost_text
from .table import Cell, Column, TableView, cells
from .text import (
    DURATION_WIDTH,
    elided,
    format_cost,
    format_count,
    format_duration,
    more_line,
    one_line,
    shown_name,
)
from .tone import Part, Tone

TIME_ROWS = 10
NAMES_LISTED = 8
NAME_LIMIT = 48
NO_DIFFERENCES = "No differences in spans, tokens, cost or errors."


@dataclass(frozen=True)
class ComparisonView:
    header: tuple[Part, ...]
    tables: tuple[TableView, ...]
    notes: tuple[tuple[Part, ...], ...]  # new and missing spans, new errors, or "no differences"


def _tone(before: float | None, after: float | None, more_is_worse: bool = True) -> Tone:
    if before is None or after is None:
        return "changed"
    if after == before:
        return "muted"
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


def _signed_duration(seconds: float) -> str:
    sign = "+" if seconds > 0 else "−" if seconds < 0 else "±"
    return sign + format_duration(abs(seconds))


def _cost_text(costs: CostBreakdown) -> str:
    return total_cost_text(costs) if costs.per_model else "—"


def _overview(c: TraceComparison) -> TableView:
    dur_a, dur_b = c.duration_s
    duration_changed = c.changed("duration_s") is not None
    percent = f"{(dur_b - dur_a) / dur_a:+.0%}" if dur_a else ""
    rows = [
        cells(
            "Duration",
            format_duration(dur_a),
            format_duration(dur_b),
            Cell(percent, _tone(dur_a, dur_b) if duration_changed else "muted"),
        )
    ]
    tokens = (
        sum(a.prompt_tokens + a.completion_tokens for a, _ in c.usage_by_model.values()),
        sum(b.prompt_tokens + b.completion_tokens for _, b in c.usage_by_model.values()),
    )
    for label, (before, after), more_is_worse in (
        ("Spans", c.total_spans, False),
        ("Errors", c.errors, True),
        ("Tokens", tokens, True),
    ):
        delta = _signed(after - before) if before != after else ""
        rows.append(
            cells(
                label,
                format_count(before),
                format_count(after),
                Cell(delta, _tone(before, after, more_is_worse)),
            )
        )
    cost_a, cost_b = c.cost
    change = c.changed("total_cost_usd")
    delta = ""
    if change is not None and change.delta is not None:  # no sign beside a cost that is not known
        delta = ("+" if change.delta >= 0 else "−") + format_cost(abs(change.delta))
    tone = _tone(change.before, change.after) if change is not None else "muted"
    rows.append(cells("Cost", _cost_text(cost_a), _cost_text(cost_b), Cell(delta, tone)))
    columns = (Column(""), Column("A", True), Column("B", True), Column("Change", True))
    return TableView(None, columns, tuple(rows), framed=False)


def _time_by_name(c: TraceComparison) -> TableView | None:
    """Span name families whose own time or count changed, the largest change of time first."""
    changed = [
        name
        for name, (x, y) in c.self_by_name.items()
        if c.changed("self_s", name) is not None
        or c.spans_by_name.get(name, (0, 0))[0] != c.spans_by_name.get(name, (0, 0))[1]
    ]
    if not changed:
        return None
    changed.sort(key=lambda name: -abs(c.self_by_name[name][1] - c.self_by_name[name][0]))
    rows = []
    for name in changed[:TIME_ROWS]:
        count_a, count_b = c.spans_by_name.get(name, (0, 0))
        own_a, own_b = c.self_by_name[name]
        significant = c.changed("self_s", name) is not None
        rows.append(
            (
                Cell(elided(one_line(name), NAME_LIMIT), "strong"),
                _pair(format_count(count_a), format_count(count_b), "changed"),
                Cell(format_duration(own_a)),
                Cell(format_duration(own_b)),
                Cell(_signed_duration(own_b - own_a), _tone(own_a, own_b) if significant else "muted"),
            )
        )
    hidden = len(changed) - len(rows)
    columns = (
        Column("Span"),
        Column("Count", True),
        Column("Own A", True, min_width=DURATION_WIDTH),
        Column("Own B", True, min_width=DURATION_WIDTH),
        Column("Change", True, min_width=DURATION_WIDTH + 1),
    )
    title = "Where the time changed (own time per span name)"
    return TableView(title, columns, tuple(rows), more_line(hidden, "changed name") if hidden > 0 else None)


def _models(c: TraceComparison) -> TableView:
    columns = (
        Column("Model"),
        *(Column(t, True) for t in ("Calls", "Prompt", "Completion", "Cached", "Cost")),
    )
    rows = []
    for model, (x, y) in c.usage_by_model.items():
        cx, cy = c.cost_by_model[model]
        figures = [
            _pair(
                format_count(getattr(x, f)), format_count(getattr(y, f)), _tone(getattr(x, f), getattr(y, f))
            )
            for f in ("calls", "prompt_tokens", "completion_tokens", "cached_tokens")
        ]
        rows.append(
            (
                Cell(shown_name(model), "strong" if x != y else "plain"),
                *figures,
                _pair(format_cost(cx), format_cost(cy), _tone(cx, cy)),
            )
        )
    return TableView("Tokens and cost per model", columns, tuple(rows))


def _names_note(label: str, names: list[str], tone: Tone) -> tuple[Part, ...] | None:
    if not names:
        return None
    listed = ", ".join(elided(one_line(name), NAME_LIMIT) for name in names[:NAMES_LISTED])
    more = f" and {len(names) - NAMES_LISTED:,} more" if len(names) > NAMES_LISTED else ""
    return (Part(label, tone), Part(listed + more))


def comparison_view(c: TraceComparison) -> ComparisonView:
    header = (
        Part("Compare ", "strong"),
        Part("A ", "muted"),
        Part(shown_name(c.label_a), "strong"),
        Part("  →  ", "muted"),
        Part("B ", "muted"),
        Part(shown_name(c.label_b), "strong"),
    )
    tables = [_overview(c)]
    time_table = _time_by_name(c)
    if time_table is not None:
        tables.append(time_table)
    if c.usage_by_model:
        tables.append(_models(c))
    notes = [
        note
        for note in (
            _names_note("New errors in B: ", c.new_errors, "bad"),
            _names_note("New in B: ", c.new_names, "changed"),
            _names_note("Not in B: ", c.missing_names, "changed"),
        )
        if note is not None
    ]
    if not [change for change in c.changes if change.what not in ("duration_s", "self_s")]:
        notes.append((Part(NO_DIFFERENCES, "good"),))
    return ComparisonView(header, tuple(tables), tuple(notes))
