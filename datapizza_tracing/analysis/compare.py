"""Two runs side by side: what changed in duration, spans, tokens, cost and errors, and where.

``compare_snapshots`` is pure (``session.compare`` finds the snapshots by
history number, name or handle). The result holds every figure of both runs
plus ``changes``, the list of differences, so scripts and tests can assert on
them and the views can highlight them. Spans are compared by name family
(``step 0`` … ``step 41`` is ``step #``, see ``names``), so a loop that ran two
more times is one changed count, not two new names. Only names that differ
within one run are folded so: a run that called ``o3-mini invoke`` and one that
called ``o4-mini invoke`` are two names, one missing and one new. A duration change is
explained by the own time of each family (``self_by_name``): own times do not
overlap, so their changes add up to where the block's time went.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..model.snapshot import TraceSnapshot
from .cost import CostBreakdown, cost_breakdown
from .errors import span_errors
from .names import name_family
from .self_time import self_times
from .summary import TokenUsage, TraceSummary, summarize

# Wall times are noisy: a duration counts as changed from this relative difference on,
# and a family's own time only when it moved by at least this share of the longer run
# and by at least MIN_TIME_CHANGE_S (scheduling jitter alone moves a few milliseconds).
DURATION_CHANGE = 0.10
MIN_TIME_CHANGE_S = 0.005
TOKEN_FIELDS = (
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "thinking_tokens",
    "cache_write_tokens",
)


@dataclass(frozen=True)
class Change:
    """One difference. ``what`` is a figure name, ``key`` the span name family or model it is about."""

    # duration_s, total_spans, spans, self_s, errors, calls, prompt_tokens, ..., cost_usd, total_cost_usd
    what: str
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
    spans_by_name: Mapping[str, tuple[int, int]]  # span name family -> count in A and B
    self_by_name: Mapping[str, tuple[float, float]]  # span name family -> own time in seconds in A and B
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

    @property
    def new_names(self) -> list[str]:
        return [name for name, (a, b) in self.spans_by_name.items() if a == 0 and b > 0]

    @property
    def missing_names(self) -> list[str]:
        return [name for name, (a, b) in self.spans_by_name.items() if a > 0 and b == 0]

    @property
    def new_errors(self) -> list[str]:
        """Span name families that failed in B and not in A."""
        return [name for name, (a, b) in self.errors_by_name.items() if a == 0 and b > 0]

    def changed(self, what: str, key: str = "") -> Change | None:
        """The change of one figure (``changed("calls", "gpt-4o")``), or ``None`` if it did not change."""
        for change in self.changes:
            if change.what == what and change.key == key:
                return change
        return None

    def __repr__(self) -> str:
        return f"<TraceComparison {self.label_a!r} → {self.label_b!r}: {len(self.changes)} changes>"


def _pairs(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, tuple]:
    return {key: (a.get(key, 0), b.get(key, 0)) for key in sorted(a.keys() | b.keys())}


def _name_key(*runs: Iterable[str]) -> Callable[[str], str]:
    """How spans are matched across runs: by family (``step #``) where one run holds several names
    of the family (a loop), by name otherwise, so two runs of one different name each (``o3-mini
    invoke``, ``o4-mini invoke``) are a missing name and a new one, not one unchanged family."""
    folded: set[str] = set()
    for names in runs:
        by_family: defaultdict[str, set[str]] = defaultdict(set)
        for name in names:
            by_family[name_family(name)].add(name)
        folded.update(family for family, members in by_family.items() if len(members) > 1)

    def key(name: str) -> str:
        family = name_family(name)
        return family if family in folded else name

    return key


def _own_time_by_name(snapshot: TraceSnapshot, key: Callable[[str], str]) -> dict[str, float]:
    own = self_times(snapshot)
    totals: dict[str, float] = {}
    for span in snapshot.spans:
        name = key(span.name)
        totals[name] = totals.get(name, 0.0) + own.get(span.span_id, 0) / 1e9
    return totals


def _usage_changes(usage_by_model: Mapping[str, tuple[TokenUsage, TokenUsage]]) -> list[Change]:
    return [
        Change(field, model, getattr(x, field), getattr(y, field))
        for model, (x, y) in usage_by_model.items()
        for field in TOKEN_FIELDS
        if getattr(x, field) != getattr(y, field)
    ]


def _costs(
    summary_a: TraceSummary, summary_b: TraceSummary, models: list[str]
) -> tuple[CostBreakdown, CostBreakdown, dict[str, tuple[float | None, float | None]]]:
    cost_a, cost_b = cost_breakdown(summary_a.usage), cost_breakdown(summary_b.usage)

    def cost_in(costs: CostBreakdown, usage: Mapping[str, TokenUsage], model: str) -> float | None:
        # A model a run did not call cost it nothing; one it called without a known price is None.
        return costs.per_model.get(model) if model in usage else 0.0

    per_model = {
        model: (cost_in(cost_a, summary_a.usage, model), cost_in(cost_b, summary_b.usage, model))
        for model in models
    }
    return cost_a, cost_b, per_model


def _known_total(costs: CostBreakdown) -> float | None:
    return None if costs.partial else costs.total


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

    key = _name_key((s.name for s in a.spans), (s.name for s in b.spans))
    spans_by_name = _pairs(Counter(key(s.name) for s in a.spans), Counter(key(s.name) for s in b.spans))
    changes += [Change("spans", name, x, y) for name, (x, y) in spans_by_name.items() if x != y]

    self_by_name = _pairs(_own_time_by_name(a, key), _own_time_by_name(b, key))
    threshold = max(DURATION_CHANGE * max(duration), MIN_TIME_CHANGE_S)
    changes += [
        Change("self_s", name, x, y) for name, (x, y) in self_by_name.items() if abs(y - x) >= threshold
    ]

    # An exception counts once, where it was raised, however many spans it failed on its way out.
    errors_by_name = _pairs(
        Counter(key(e.origin.name) for e in span_errors(a)),
        Counter(key(e.origin.name) for e in span_errors(b)),
    )
    changes += [Change("errors", name, x, y) for name, (x, y) in errors_by_name.items() if x != y]

    models = sorted(summary_a.usage.keys() | summary_b.usage.keys())
    usage_by_model = {
        model: (summary_a.usage.get(model, TokenUsage()), summary_b.usage.get(model, TokenUsage()))
        for model in models
    }
    changes += _usage_changes(usage_by_model)

    cost_a, cost_b, cost_by_model = _costs(summary_a, summary_b, models)
    changes += [Change("cost_usd", model, x, y) for model, (x, y) in cost_by_model.items() if x != y]
    if abs(cost_a.total - cost_b.total) > 1e-12 or cost_a.partial != cost_b.partial:
        # A run that called a model without a known price has no total to subtract: its figure is None.
        changes.append(Change("total_cost_usd", "", _known_total(cost_a), _known_total(cost_b)))

    return TraceComparison(
        label_a=label_a,
        label_b=label_b,
        a=a,
        b=b,
        duration_s=duration,
        total_spans=total_spans,
        spans_by_name=spans_by_name,
        self_by_name=self_by_name,
        errors_by_name=errors_by_name,
        usage_by_model=usage_by_model,
        cost_by_model=cost_by_model,
        cost=(cost_a, cost_b),
        changes=tuple(changes),
    )
