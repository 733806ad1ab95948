"""Two runs side by side: what changed in duration, spans, tokens, cost and errors.

``compare_snapshots`` is pure (``session.compare`` finds the snapshots by
history number, name or handle). The result holds every figure of both runs
plus ``changes``, the list of differences, so scripts and tests can assert on
them and the views can highlight them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from ..model.snapshot import TraceSnapshot
from .cost import CostBreakdown, cost_breakdown
from .summary import TokenUsage, summarize

# Wall times are noisy: a duration counts as changed from this relative difference on.
DURATION_CHANGE = 0.10
TOKEN_FIELDS = ("calls", "prompt_tokens", "completion_tokens", "cached_tokens", "thinking_tokens")


@dataclass(frozen=True)
class Change:
    """One difference. ``what`` is a figure name, ``key`` the span name or model it is about."""

    what: str  # duration_s, total_spans, spans, errors, calls, prompt_tokens, ..., cost_usd, total_cost_usd
    key: str
    before: float | int | None
    after: float | int | None

    @property
    def delta(self) -> float | int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class TraceComparison:
    label_a: str
    label_b: str
    a: TraceSnapshot
    b: TraceSnapshot
    duration_s: tuple[float, float]
    total_spans: tuple[int, int]
    spans_by_name: Mapping[str, tuple[int, int]]
    errors_by_name: Mapping[str, tuple[int, int]]
    usage_by_model: Mapping[str, tuple[TokenUsage, TokenUsage]]
    cost_by_model: Mapping[str, tuple[float | None, float | None]]
    cost: tuple[CostBreakdown, CostBreakdown]
    changes: tuple[Change, ...]

    @property
    def errors(self) -> tuple[int, int]:
        return (
            sum(a for a, _ in self.errors_by_name.values()),
            sum(b for _, b in self.errors_by_name.values()),
        )

    def changed(self, what: str, key: str = "") -> Change | None:
        """The change of one figure (``changed("calls", "gpt-4o")``), or ``None`` if it did not change."""
        for change in self.changes:
            if change.what == what and change.key == key:
                return change
        return None

    def __repr__(self) -> str:
        return f"<TraceComparison {self.label_a!r} → {self.label_b!r}: {len(self.changes)} changes>"


def compare_snapshots(
    a: TraceSnapshot, b: TraceSnapshot, label_a: str = "A", label_b: str = "B"
) -> TraceComparison:
    summary_a, summary_b = summarize(a), summarize(b)
    changes: list[Change] = []

    duration = (summary_a.duration_s, summary_b.duration_s)
    if abs(duration[1] - duration[0]) > DURATION_CHANGE * max(duration[0], 1e-9):
        changes.append(Change("duration_s", "", *duration))
    total_spans = (summary_a.total_spans, summary_b.total_spans)
    if total_spans[0] != total_spans[1]:
        changes.append(Change("total_spans", "", *total_spans))

    spans_a = Counter(span.name for span in a.spans)
    spans_b = Counter(span.name for span in b.spans)
    names = sorted(spans_a.keys() | spans_b.keys())
    spans_by_name = {name: (spans_a.get(name, 0), spans_b.get(name, 0)) for name in names}
    changes += [Change("spans", name, x, y) for name, (x, y) in spans_by_name.items() if x != y]

    errors_a = Counter(span.name for span in summary_a.errors)
    errors_b = Counter(span.name for span in summary_b.errors)
    error_names = sorted(errors_a.keys() | errors_b.keys())
    errors_by_name = {name: (errors_a.get(name, 0), errors_b.get(name, 0)) for name in error_names}
    changes += [Change("errors", name, x, y) for name, (x, y) in errors_by_name.items() if x != y]

    models = sorted(summary_a.usage.keys() | summary_b.usage.keys())
    usage_by_model = {
        model: (summary_a.usage.get(model, TokenUsage()), summary_b.usage.get(model, TokenUsage()))
        for model in models
    }
    for model, (x, y) in usage_by_model.items():
        changes += [
            Change(field, model, getattr(x, field), getattr(y, field))
            for field in TOKEN_FIELDS
            if getattr(x, field) != getattr(y, field)
        ]

    cost_a, cost_b = cost_breakdown(summary_a.usage), cost_breakdown(summary_b.usage)

    def cost_in(costs: CostBreakdown, usage: Mapping[str, TokenUsage], model: str) -> float | None:
        # A model a run did not call cost it nothing; one it called without a known price is None.
        return costs.per_model.get(model) if model in usage else 0.0

    cost_by_model = {
        model: (cost_in(cost_a, summary_a.usage, model), cost_in(cost_b, summary_b.usage, model))
        for model in models
    }
    changes += [Change("cost_usd", model, x, y) for model, (x, y) in cost_by_model.items() if x != y]
    if abs(cost_a.total - cost_b.total) > 1e-12 or cost_a.partial != cost_b.partial:
        changes.append(Change("total_cost_usd", "", cost_a.total, cost_b.total))

    return TraceComparison(
        label_a=label_a,
        label_b=label_b,
        a=a,
        b=b,
        duration_s=duration,
        total_spans=total_spans,
        spans_by_name=spans_by_name,
        errors_by_name=errors_by_name,
        usage_by_model=usage_by_model,
        cost_by_model=cost_by_model,
        cost=(cost_a, cost_b),
        changes=tuple(changes),
    )
